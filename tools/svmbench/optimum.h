/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svmbench optimum: the least modeled cost a clairvoyant placement of one
 * device's chunks could reach, with the costs of the cost model - loads,
 * evictions, in-place (remote) access as an alternative to loading
 * ("bypass"), and invalidation by another agent's write.
 *
 * The model.  A device holds at most @cap 2 MiB chunks.  Each access of the
 * device's trace is served either from device memory (the chunk must be
 * resident; local_ns) or in place (remote_ns, where that is possible).  A
 * chunk is resident over a "stay": it is loaded at an access (load_ns of
 * that access), kept over a run of its following accesses (each may add
 * grow_ns: pages that run touches first) and leaves after the last of them,
 * by eviction (evict_ns of that access), when another agent's write
 * invalidates it (inval_ns of that access; it occupies its slot until
 * then), or not at all when nothing of the chunk happens later (free, held
 * to the end).
 *
 * Exact, and where it is relaxed.  With these per-access costs the problem
 * is a maximum-weight selection of stays no more than @cap deep at any
 * time: a min-cost flow of @cap units along the time line, a stay being a
 * detour through the chunk's accesses.  Interval constraints are totally
 * unimodular, so the flow's integral optimum is the true optimum of this
 * model (opt_solve()).  What the model cannot say is that a stay's
 * write-back depends on whether *any* of its accesses wrote: with clean and
 * dirty copies optimal paging is NP-hard (Farach-Colton and Liberatore, "On
 * local register allocation", 2000).  svmbench charges a stay's write-back
 * by its last access only (evict_ns is 0 after a read), which never
 * exceeds the true cost: the result is a lower bound of the clean/dirty
 * model, exact whenever stays end at writes or write-back costs nothing.
 * Host unit tests (optimum_test.c) check it against exhaustive search of
 * both models and against Belady's MIN.
 */
#ifndef SVMBENCH_OPTIMUM_H
#define SVMBENCH_OPTIMUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* remote_ns of an access that cannot be served in place */
#define OPT_NO_REMOTE	UINT64_MAX

enum opt_kind { OPT_ACCESS, OPT_INVAL };

struct opt_event {
	uint32_t chunk;
	uint8_t kind;		/* enum opt_kind */
	/* OPT_ACCESS only: */
	uint64_t local_ns;	/* served from device memory */
	uint64_t remote_ns;	/* served in place, or OPT_NO_REMOTE */
	uint64_t load_ns;	/* a stay starting here loads this much */
	uint64_t grow_ns;	/* a stay reaching this access loads this more */
	uint64_t evict_ns;	/* a stay ending here by eviction */
	uint64_t inval_ns;	/* a stay ending here by the next invalidation */
};

struct opt_trace {
	struct opt_event *ev;
	size_t n, cap;
};

/* Append an event; 0 or -ENOMEM. */
int opt_trace_add(struct opt_trace *t, const struct opt_event *e);
void opt_trace_free(struct opt_trace *t);

struct opt_result {
	uint64_t cost_ns;	/* the optimum */
	uint64_t stays;		/* loads */
	uint64_t evictions;	/* stays ended by eviction */
	uint64_t remote;	/* accesses served in place */
};

/*
 * The optimum of @t with @cap chunks of device memory; 0, -ENOMEM,
 * -EINVAL (an event breaks the model: local_ns above remote_ns, costs
 * that overflow) or -ENOSPC (@cap is 0 and an access cannot be remote).
 */
int opt_solve(const struct opt_trace *t, uint32_t cap, struct opt_result *r);

#endif
