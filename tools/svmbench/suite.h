/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svmbench suite: the placement-policy matrix (suite.c) and its reports
 * (report.c).
 */
#ifndef SVMBENCH_SUITE_H
#define SVMBENCH_SUITE_H

#include <stdbool.h>
#include <stdio.h>
#include "runner.h"

/* One workload x ratio x policy. */
struct row {
	const char *workload;
	double ratio;
	char policy[64];
	uint32_t cap_chunks;	/* device 0 memory, chunks */
	uint32_t ws_chunks;	/* working set, chunks */
	uint64_t accesses;	/* chunk accesses in the devices' traces */
	uint64_t min;		/* Belady's MIN misses, summed over devices */
	uint64_t lru;		/* LRU on the same traces (reference) */
	uint64_t opt_ns;	/* the cost model's optimum, summed over devices */
	uint64_t fault_ns;	/* the devices' cost of one fault batch */
	struct run_result r;
	const char *state;	/* "ok", "ejected" (policy ejected during it), "failed" */
};

struct report {
	struct row *rows;
	size_t n;
	unsigned int passes;
	uint64_t seed;
	uint32_t write_stride;	/* device writes: 0 every word, else one per page */
	const char *const *policies;
	size_t npolicies;
};

/* Chunk-equivalents moved into the devices: pages_in / 512. */
double row_loads(const struct row *r);
/* faults / MIN (0 when MIN is 0). */
double row_x_min(const struct row *r);
/* modeled time / the optimum's (0 when the optimum is 0). */
double row_x_opt(const struct row *r);
/* Modeled device time less its fault service, over OPT (which has none). */
double row_x_opt_less_faults(const struct row *r);
/* The fault service in the modeled time: faults x fault_ns. */
uint64_t row_fault_service_ns(const struct row *r);

void report_table(const struct report *rep, FILE *f);
int report_csv(const struct report *rep, const char *path);
void report_json(const struct report *rep, FILE *f);
int report_markdown(const struct report *rep, const char *path);
/* Data files for the charts (tools/svmbench/charts.gp), in @dir. */
int report_plots(const struct report *rep, const char *dir);

/* Make @name the active policy ("none" or "hints": none); 0 or -1. */
int suite_policy_use(const char *name);
/*
 * One row for a plan already built: MIN, LRU and the optimum of its traces,
 * then the run under @policy (active already: suite_policy_use()).  The
 * caller zeroes @row and may set ws_chunks; @name must outlive the row.
 * 0 done, 1 skipped (hints on a plan without advice), -errno failed.
 */
int suite_run_plan(const struct plan *p, const char *name, double ratio,
		   const char *policy, struct row *row);

int cmd_suite(int argc, char **argv);

#endif
