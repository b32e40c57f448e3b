/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svmbench: run a plan (plan.h) on the emulated GPUs and count what the
 * svm_ext core did (runner.c).
 */
#ifndef SVMBENCH_RUNNER_H
#define SVMBENCH_RUNNER_H

#include <stdbool.h>
#include <stdint.h>
#include "plan.h"

/* Summed over the devices the plan uses. */
struct run_result {
	uint64_t faults;	/* device faults (read + write + atomic) */
	uint64_t cpu_faults;	/* CPU faults on device memory */
	uint64_t pages_in;	/* pages migrated into a device (from system or a peer) */
	uint64_t pages_out;	/* pages migrated out of a device (evictions, CPU faults, to a peer) */
	uint64_t evictions;	/* chunks evicted */
	uint64_t pages_evicted;	/* pages those evictions moved to system memory */
	uint64_t remote_maps;	/* pages mapped in place instead of migrated */
	uint64_t throttle_ns;	/* time the policy made devices wait */
	uint64_t modeled_ns;	/* the devices' cost model, summed over every EXEC */
	uint64_t cpu_fault_pages; /* pages CPU faults brought home */
	uint64_t cpu_pages;	/* pages the plan's CPU steps touched */
	uint64_t cpu_ns;	/* the CPU side of the cost model (runner.c) */
	uint64_t real_ns;	/* wall time of the whole plan, CPU steps included */
};

/* Device memory of svm_ext device @dev in chunks (sysfs), or 0. */
uint32_t dev_chunks(unsigned int dev);
/* Emulated GPU @dev's cost model (sysfs cost/): 0 or -errno. */
int dev_rates(unsigned int dev, struct opt_rates *c);

/*
 * Run @p: map and fill its buffers (2 MiB aligned, no THP), bind the
 * devices, perform the steps in order (a second process for proc 1, kept
 * in lockstep), then read the counters.  With @advise, the plan's advice
 * is set on its buffers first.  0, or -errno with a message on stderr.
 */
int plan_run(const struct plan *p, bool advise, struct run_result *res);

#endif
