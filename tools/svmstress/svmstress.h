/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svmstress: data-integrity stress of svm_ext on the emulated GPUs.
 *
 * A supervisor forks worker processes; each worker runs threads that pick a
 * region, lock it, do one operation (CPU or device read/write/atomic,
 * prefetch, hint, madvise, mprotect, mremap, munmap/mmap, fork) and update
 * the shadow: the value every 8-byte word of the region must read.  Every
 * read is checked against the shadow.  Shadows, journals and histories live
 * in one MAP_SHARED area the supervisor owns, so they survive a worker that
 * is SIGKILLed: the supervisor then checks the worker's memfd and file
 * regions itself, accepting old-or-new only for the words of the operations
 * that were in flight (the journal).
 */
#ifndef SVMSTRESS_H
#define SVMSTRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STRESS_MAX_PROCS	16
#define STRESS_MAX_THREADS	16
#define STRESS_MAX_REGIONS	32
#define STRESS_MAX_DEVS		8
#define STRESS_HIST		64	/* history entries kept per region */
#define STRESS_JOURNAL		2	/* pending writes per thread */
#define STRESS_PAGE		4096UL
#define STRESS_WPP		(STRESS_PAGE / 8)	/* words per page */
#define STRESS_CHUNK		(2UL << 20)

/* exit codes */
#define EXIT_CLEAN	0
#define EXIT_MISMATCH	1
#define EXIT_USAGE	2
#define EXIT_SETUP	3

enum map_kind {
	KIND_PRIVATE,		/* MAP_PRIVATE | MAP_ANONYMOUS: migratable */
	KIND_SHARED_ANON,	/* MAP_SHARED | MAP_ANONYMOUS (shmem) */
	KIND_MEMFD,		/* MAP_SHARED of a memfd */
	KIND_FILE,		/* MAP_SHARED of a file in --dir */
	KIND_NR,
};

enum op_kind {
	OP_CPU_WRITE, OP_CPU_READ, OP_CPU_ATOMIC,
	OP_DEV_WRITE, OP_DEV_ATOMIC, OP_DEV_FILL, OP_DEV_READ, OP_DEV_CHECKSUM,
	OP_PREFETCH, OP_HINT, OP_PAGEOUT, OP_DONTNEED, OP_MPROTECT,
	OP_MREMAP, OP_MREMAP_DONTUNMAP, OP_REMAP, OP_FORK, OP_VERIFY,
	OP_NR,
	/* history-only records */
	OP_KILLED = OP_NR, OP_SUPERVISOR_CHECK,
	OP_ALL,
};

/* How a pending write changes word i of its span (i from the span start). */
enum write_kind {
	WR_NONE,
	WR_SEQ,		/* word i := param + i (CPU write, device WRITE) */
	WR_ADD,		/* word i += param (atomics) */
	WR_FILL,	/* every byte := (u8)param */
};

/* A write that may be in flight: its words read old or new, nothing else. */
struct journal {
	uint32_t kind;		/* enum write_kind; WR_NONE: empty */
	uint32_t region;
	uint64_t w0, nw;	/* span, in words of the region */
	uint64_t param;
};

struct hist {
	uint64_t seq;		/* global order of operations */
	uint32_t op;		/* enum op_kind */
	int32_t ret;		/* 0 or -errno */
	uint32_t dev;		/* device, location or 0 */
	uint32_t tid;		/* thread (supervisor: 99) */
	uint64_t w0, nw;	/* words touched (whole region for mm ops) */
	uint64_t param;
};

/* One region's shared state: its shadow follows the area's header. */
struct region_sh {
	uint32_t kind;		/* enum map_kind */
	int32_t fd;		/* memfd or file fd, inherited; -1 for anon */
	uint64_t size;		/* bytes */
	uint64_t nwords;
	uint64_t exp_off;	/* offset of its uint64_t shadow in the area */
	uint64_t addr;		/* where the worker has it mapped now */
	uint32_t hist_head;
	uint32_t pad;
	struct hist hist[STRESS_HIST];
};

struct slot_sh {
	pid_t pid;		/* worker process, 0 when none */
	uint32_t gen;		/* incarnation: a respawn increments it */
	struct region_sh reg[STRESS_MAX_REGIONS];
	struct journal jr[STRESS_MAX_THREADS][STRESS_JOURNAL];
};

struct config {
	uint64_t seed;
	double duration;	/* seconds */
	unsigned int procs, threads, regions;
	double oversub;
	uint64_t shared_size;	/* bytes per shared/memfd/file region */
	uint64_t private_size;	/* bytes per private region, 0: from oversub */
	unsigned int kinds_mask;	/* enabled map kinds */
	double kill_interval;	/* seconds between SIGKILLs, 0: none */
	double policy_interval;	/* seconds between policy changes, 0: none */
	char policies[256];	/* comma separated; "none" = unload */
	unsigned int chaos_illegal_ppm;
	char svmctl[256];
	char dir[256];
	unsigned int max_reports;
	bool json, verbose, no_fork, inject;
	unsigned int ndevs;	/* found at start */
	uint64_t dev_mem;	/* sum of the devices' memory */
};

struct counters {
	uint64_t ops[OP_ALL];
	uint64_t mismatches;		/* operations that saw a wrong word */
	uint64_t mismatched_words;
	uint64_t mismatches_by_kind[KIND_NR];
	uint64_t uncertain_words;	/* in-flight words resolved old/new */
	uint64_t errors;		/* unexpected errno or child failure */
	uint64_t busy;			/* EBUSY/EINTR from a device op */
	uint64_t refused;		/* hint/prefetch refused by the policy */
	uint64_t kills, respawns, forks;
	uint64_t policy_changes, chaos_ejections, unexpected_ejections;
	uint64_t svmctl_failures;
	uint64_t seq;
	uint64_t reports;
};

/* The MAP_SHARED area: header, then slots, then every shadow. */
struct shared {
	struct config cfg;
	struct counters cnt;
	volatile int stop;
	volatile int first_taken;
	char first[8192];		/* the first mismatch, as printed */
	char last_err[256];
	char chaos_reason[256];		/* the last chaos ejection's reason */
	struct slot_sh slot[STRESS_MAX_PROCS];
};

extern struct shared *sh;

/* Worker-local view of a region. */
struct region {
	pthread_mutex_t lock;
	unsigned int idx;
	struct region_sh *s;
	uint64_t *exp;		/* shadow */
	uint8_t *addr;		/* current mapping */
	int prot;
};

struct worker {
	unsigned int slot;
	struct slot_sh *ss;
	int fd[STRESS_MAX_DEVS];
	struct region reg[STRESS_MAX_REGIONS];
};

struct thread_ctx {
	struct worker *w;
	unsigned int tid;
	uint64_t rng;
};

/* rng.c */
uint64_t rng_next(uint64_t *s);
uint64_t rng_below(uint64_t *s, uint64_t n);
uint64_t rng_mix(uint64_t a, uint64_t b);

/* shared.c: the area, the shadow, journals and history */
int shared_setup(const struct config *cfg);
uint64_t *region_exp(struct region_sh *r);
uint64_t next_seq(void);
void hist_add(struct region_sh *r, uint32_t op, uint32_t tid, uint32_t dev,
	      uint64_t w0, uint64_t nw, uint64_t param, int ret);
uint64_t write_value(uint32_t kind, uint64_t param, uint64_t i, uint64_t old);
void journal_set(struct journal *j, uint32_t kind, uint32_t region,
		 uint64_t w0, uint64_t nw, uint64_t param);
void journal_clear(struct journal *j);
const char *kind_name(unsigned int kind);
const char *op_name(unsigned int op);
#define CNT_ADD(field, n) __atomic_add_fetch(&sh->cnt.field, (n), __ATOMIC_RELAXED)

/* check.c: comparing memory with the shadow, reporting */
struct seen {
	const char *who;	/* "cpu", "dev0", "child cpu", "supervisor" */
	uint32_t op;
	uint32_t tid;
	unsigned int slot, gen;
};
void report_mismatch(const struct seen *by, struct region_sh *r,
		     uint64_t addr, uint64_t w, uint64_t want, uint64_t got,
		     const char *note);
/* CPU check of [w0, w0 + nw); adopts what it read.  Wrong words, or 0. */
uint64_t cpu_check(const struct seen *by, struct region_sh *r,
		   const uint64_t *mem, uint64_t *exp, uint64_t w0, uint64_t nw);
/* Resolve a possibly partial write: each word old or new; adopt. */
uint64_t resolve_partial(const struct seen *by, struct region_sh *r,
			 const uint64_t *mem, uint64_t *exp,
			 const struct journal *j);
extern bool check_no_adopt;
uint64_t fnv_words(const uint64_t *w, uint64_t nw, uint64_t step);
/* Device check by checksum; on a mismatch finds and reports the words. */
uint64_t dev_check(const struct seen *by, int fd, struct region_sh *r,
		   uint64_t base, uint64_t *exp, uint64_t w0, uint64_t nw,
		   uint64_t stride_words, int *err);
void note_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* region.c: mappings */
int region_map(struct region *rg);	/* fresh mapping at a 2 MiB boundary */
int region_unmap(struct region *rg);
int region_move(struct region *rg, bool dontunmap, uint8_t **old);
void *reserve_aligned(uint64_t size);
int kind_migratable(unsigned int kind);

/* ops.c: one operation on a locked region */
void do_op(struct thread_ctx *t, struct region *rg, unsigned int op);
void verify_region(struct thread_ctx *t, struct region *rg, int dev);

/* worker.c */
int worker_main(unsigned int slot);

/* policy.c */
int policy_tick(uint64_t *rng);
void policy_check_ejected(void);
void policy_cleanup(void);
bool policy_enabled(void);

/* supervisor.c */
int supervise(void);
double now_s(void);

/* report.c */
void print_summary(double seconds);

#endif
