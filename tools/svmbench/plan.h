/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svmbench suite: a workload is first written down as a plan - the exact,
 * seeded sequence of accesses each agent (CPU, GPU 0, GPU 1, in one or two
 * processes) makes - and only then run.  The same plan feeds the offline
 * oracle, so what the oracle sees is by construction what the devices did.
 *
 * plan.c builds plans, oracle.c turns them into per-device chunk traces and
 * computes Belady's MIN, plan_cost.c into cost traces for the optimum of
 * the cost model (optimum.c); none needs a kernel, so all are unit-tested
 * on the host (oracle_test.c, optimum_test.c).  runner.c executes a plan
 * on svm_emu.
 */
#ifndef SVMBENCH_PLAN_H
#define SVMBENCH_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "optimum.h"

#define PLAN_PAGE_SIZE		4096u
#define PLAN_CHUNK_PAGES	512u	/* svm_ext's 2 MiB device chunk */
#define PLAN_CHUNK_SIZE		(PLAN_CHUNK_PAGES * PLAN_PAGE_SIZE)
#define PLAN_MAX_BUFS		4
#define PLAN_MAX_DEVS		2
#define PLAN_LOC_SYSTEM		0xfffffffeu	/* SVM_EXT_LOC_SYSTEM */
#define PLAN_LOC_NONE		0xffffffffu	/* SVM_EXT_LOC_NONE */

enum plan_agent { AG_CPU, AG_DEV0, AG_DEV1 };
enum plan_op { OP_READ, OP_WRITE };

/* One access: pages [page, page + npages) of a buffer. */
struct plan_step {
	uint8_t proc;		/* 0, or 1 for the second tenant's process */
	uint8_t agent;		/* enum plan_agent */
	uint8_t op;		/* enum plan_op */
	uint8_t buf;		/* buffer index */
	uint32_t page;		/* first page in the buffer */
	uint32_t npages;
	uint32_t stride;	/* device: 0 = every byte, else bytes apart; CPU: ignored (one word per page) */
};

/*
 * What a user who knows the workload would advise (cudaMemAdvise-style
 * attributes), applied only by the suite's "hints" baseline.
 */
struct plan_advice {
	bool set;
	uint32_t preferred;	/* SVM_EXT_ATTR_PREFERRED_LOC value */
	uint64_t accessed_by;	/* device mask */
	uint32_t read_mostly;
};

struct plan {
	char name[24];
	unsigned int nbufs;
	uint32_t buf_chunks[PLAN_MAX_BUFS];	/* buffer sizes, in chunks */
	uint8_t buf_proc[PLAN_MAX_BUFS];	/* owning process */
	struct plan_advice advice[PLAN_MAX_BUFS];
	uint32_t write_stride;	/* device writes: plan_params.write_stride */
	struct plan_step *steps;
	size_t nsteps, cap;
};

/* What a workload is sized from. */
struct plan_params {
	uint32_t cap_chunks;	/* device 0 memory, in chunks */
	double ratio;		/* working set / device memory */
	unsigned int passes;	/* repetitions (sweeps, rounds, ...) */
	uint64_t seed;
	/*
	 * Device writes of whole chunks: 0 writes every word (a kernel that
	 * writes its output), PLAN_PAGE_SIZE one word per page (faults every
	 * page at a fraction of the emulation's time: the H100 port's plans).
	 */
	uint32_t write_stride;
};

struct plan_workload {
	const char *name;
	const char *models;	/* one line: what it stands for */
	unsigned int ndevs;	/* devices it needs */
	int (*build)(struct plan *p, const struct plan_params *pp);
};

extern const struct plan_workload plan_workloads[];
extern const size_t plan_nworkloads;
const struct plan_workload *plan_workload_find(const char *name);

/* Build a workload's plan; 0 or -errno. plan_free() frees it. */
int plan_build(const struct plan_workload *w, const struct plan_params *pp,
	       struct plan *p);
void plan_free(struct plan *p);
/* Appends a copy of @step (unchecked), growing the array: 0 or -ENOMEM. */
int plan_push(struct plan *p, const struct plan_step *step);
/* Working-set chunks: round(ratio * capacity), at least 2. */
uint32_t plan_ws_chunks(const struct plan_params *pp);
/* Steps of the plan device @dev performs (each one access, one launch). */
uint64_t plan_dev_accesses(const struct plan *p, unsigned int dev);
/* Devices (bit mask of 1 << dev) a plan touches. */
unsigned int plan_dev_mask(const struct plan *p);
/* Whether any buffer of the plan carries advice. */
bool plan_has_advice(const struct plan *p);

/* Deterministic random numbers (splitmix64): same seed, same stream. */
struct rng { uint64_t s; };
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n). */
uint32_t rng_below(struct rng *r, uint32_t n);

/*
 * A device's chunk trace: each event is an access by that device to a
 * chunk, or an invalidation (another agent wrote the chunk, so a copy on
 * this device is stale and must be loaded again).
 */
#define TRACE_INVAL	0x80000000u
struct trace {
	uint32_t *ev;		/* chunk id, | TRACE_INVAL for an invalidation */
	size_t n, cap;
	uint32_t nids;		/* chunk ids are < nids */
};

int trace_add(struct trace *t, uint32_t id, bool inval);
void trace_free(struct trace *t);
/* The chunk trace of device @dev in plan @p; 0 or -errno. */
int plan_trace(const struct plan *p, unsigned int dev, struct trace *t);

/* Misses (chunk loads) of Belady's MIN / of LRU with @cap chunks. */
uint64_t oracle_min(const struct trace *t, uint32_t cap);
uint64_t oracle_lru(const struct trace *t, uint32_t cap);
/* Accesses in a trace (invalidations not counted). */
uint64_t trace_accesses(const struct trace *t);

/* The cost model's rates (kernel/emu/cost.c, sysfs cost/), MB/s. */
struct opt_rates {
	uint64_t local_mbps, host_mbps, peer_mbps, h2d_mbps, d2h_mbps;
	uint64_t evict_ns;			/* per eviction, before its bytes */
	uint64_t launch_ns;			/* per device access */
	uint64_t cpu_fault_ns, cpu_fault_mbps;	/* the CPU side: runner.c */
	uint64_t cpu_mbps;
	uint64_t fault_ns;			/* per device fault batch */
};

/*
 * Device @dev's cost trace of plan @p under rates @c, for opt_solve()
 * (plan_cost.c says what each cost counts); 0 or -errno.
 */
int plan_cost_trace(const struct plan *p, unsigned int dev,
		    const struct opt_rates *c, struct opt_trace *t);

#endif
