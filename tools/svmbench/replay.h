/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svmbench replay: a trace recorded by `svmctl record` (the format:
 * include/svm_ext/trace_file.h, docs/trace-format.md) read, checked and
 * turned into a plan (plan.h) that svmbench runs like a built-in workload.
 *
 * replay_plan.c reads and converts, needing no kernel (unit-tested on the
 * host by replay_test.c); replay.c is the command.
 *
 * What becomes of each record:
 *  - a device fault: a one-page access by that device at that page, a read
 *    for a read fault, a write for a write or atomic one (devices 0 and 1
 *    only: PLAN_MAX_DEVS; a fault of another device is counted, not run);
 *  - a CPU fault: a CPU step writing one word of that page;
 *  - a hint (attribute set): the plan's advice for the buffers it covers,
 *    when it can be (struct plan_advice holds a buffer's preferred
 *    location, accessed-by set and read-mostly flag from the start); what
 *    cannot be is counted by reason, never dropped silently;
 *  - migrations, evictions and invalidations are what the policy did, not
 *    what the process asked: counted, to put beside the replay's own.
 *
 * Addresses: the replay maps its own buffers.  The 2 MiB chunks the trace
 * touched (faults, CPU faults, migrations, evictions) are laid out in
 * address order; touched chunks at most REPLAY_GAP_KEEP untouched chunks
 * apart stay as far apart as they were, a longer gap becomes
 * REPLAY_GAP_KEEP chunks; runs further apart than that go into separate
 * buffers, at most PLAN_MAX_BUFS of them (beyond that the closest runs
 * share a buffer, with the same shortened gap).  A page keeps its offset
 * in its chunk.
 */
#ifndef SVMBENCH_REPLAY_H
#define SVMBENCH_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <svm_ext/trace_file.h>
#include "plan.h"

#define REPLAY_GAP_KEEP		8		/* untouched chunks kept */
#define REPLAY_MAX_RECORDS	(1u << 24)	/* 640 MiB of records */
#define REPLAY_MAX_CHUNKS	16384u		/* buffers of 32 GiB at most */
#define REPLAY_CHUNK_SHIFT	21

/* A trace in host byte order. */
struct replay_trace {
	struct svm_trace_header h;
	struct svm_trace_rec *rec;
	size_t n;
};

/*
 * Reads and checks a trace file (size, magic, version, header and record
 * sizes, completeness, record count, every record).  0, or -errno with
 * what is wrong in @err ("...: bad magic", "...: truncated ...").
 */
int replay_trace_read(const char *path, struct replay_trace *t, char *err,
		      size_t errlen);
/* The same on bytes in memory (the whole file). */
int replay_trace_parse(const void *buf, size_t len, struct replay_trace *t,
		       char *err, size_t errlen);
void replay_trace_free(struct replay_trace *t);

/* Why a hint was not replayed. */
enum replay_hint_skip {
	HINT_FAILED,	/* the kernel refused it: it changed nothing */
	HINT_TYPE,	/* granularity, or a type the plan has no field for */
	HINT_VALUE,	/* a location or device mask beyond the plan's devices */
	HINT_PARTIAL,	/* covers only part of a buffer's touched chunks */
	HINT_LATE,	/* came after the buffer's first access */
	HINT_UNTOUCHED,	/* over memory the trace never touched */
	HINT_NSKIP,
};

extern const char *const replay_hint_skip_names[HINT_NSKIP];

struct replay_info {
	/* recorded */
	uint64_t faults, faults_access[3], faults_dev[SVM_TRACE_MAX_DEVS];
	uint64_t cpu_faults, cpu_fault_pages;
	uint64_t migrations, pages_to_dev, pages_from_peer, pages_to_sys;
	uint64_t evictions, pages_evicted;
	uint64_t hints, invalidations;
	/*
	 * migrations with no fault or CPU fault beside them: prefetch, or a
	 * policy's own moves (not replayed: no step asks for them)
	 */
	uint64_t unexplained_migrations;
	/* replayed */
	uint64_t dev_steps, cpu_steps, hints_replayed;
	/* not replayed */
	uint64_t skip_dev_faults;	/* faults of devices >= PLAN_MAX_DEVS */
	uint64_t skip_hints[HINT_NSKIP];
	/* the plan's memory */
	uint32_t ws_chunks;		/* distinct touched 2 MiB chunks */
	uint32_t plan_chunks;		/* its buffers, gaps included */
	unsigned int nbufs;
	uint64_t buf_addr[PLAN_MAX_BUFS];	/* first recorded address */
};

/* Pages the recorded run moved out of devices (evictions, home, to peers). */
static inline uint64_t replay_pages_out(const struct replay_info *in)
{
	return in->pages_evicted + in->pages_to_sys + in->pages_from_peer;
}

/*
 * The plan of trace @t (named @name); 0, or -errno with the reason in
 * @err (too much memory, no access to replay, out of memory).  plan_free()
 * frees it.
 */
int replay_plan(const struct replay_trace *t, const char *name,
		struct plan *p, struct replay_info *info, char *err,
		size_t errlen);

int cmd_replay(int argc, char **argv);

#endif
