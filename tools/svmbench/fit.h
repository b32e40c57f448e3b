/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svmbench fit: the cost model's figures beside a real GPU's (fit.c).
 */
#ifndef SVMBENCH_FIT_H
#define SVMBENCH_FIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FIT_MAX_ROWS	64
#define FIT_NAME_LEN	32

/* One workload x ratio x policy, measured or modeled. */
struct fit_row {
	char workload[FIT_NAME_LEN];
	double ratio;
	char policy[FIT_NAME_LEN];
	uint32_t cap_chunks;	/* device memory, 2 MiB chunks */
	double device_ms, lo_ms, hi_ms;	/* lo/hi: the real runs' spread */
	double cpu_ms;		/* < 0: not measured */
};

struct fit_table {
	struct fit_row rows[FIT_MAX_ROWS];
	size_t n;
};

/*
 * Read a CSV with a header line naming its columns ('#' lines are
 * comments).  Real figures: workload, ratio, policy, cap_chunks,
 * device_ms, device_ms_min, device_ms_max, cpu_ms (empty: not measured).
 * svmbench suite's CSV: workload, ratio, policy, cap_chunks, modeled_ns,
 * cpu_ns.  0, or -errno with a message naming @path and the line.
 */
int fit_read(const char *path, struct fit_table *t);

/* What fit_compare() found. */
struct fit_summary {
	size_t compared;	/* real rows with a modeled peer */
	size_t time_out;	/* of them, device time outside the bound */
	size_t cliff_out;	/* cliffs (ratio > 1 over ratio 1) outside it */
	size_t missing;		/* real rows with no modeled peer */
	double worst_time, worst_cliff;	/* max(x, 1/x) over the rows */
};

/*
 * Compare every real row with the modeled row of the same workload, ratio
 * and policy (@policy replaces the real rows' "uvm", the real driver's
 * defaults, when not NULL) and the same device memory; write a Markdown
 * table to @md.  A pair is within @tol when modeled / real lies in
 * [1/tol, tol], for device time and for the oversubscription cliff.
 */
void fit_compare(const struct fit_table *real, const struct fit_table *model,
		 const char *policy, double tol, FILE *md,
		 struct fit_summary *sum);

int cmd_fit(int argc, char **argv);

#endif
