// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench suite --quick as a test: it runs, it repeats its counters
 * exactly, and no run beats the offline optimum.
 *
 * The quick suite runs the built-in default ("none") and the BPF "default"
 * policy, both of which load whole 2 MiB chunks on demand and never map
 * remotely, so Belady's MIN for the same trace bounds their device faults
 * and their chunk loads from below, and the cost model's optimum bounds
 * every policy's modeled time (docs/bench.md).  Nothing here depends on
 * timing: real time is the one column left out of the comparison.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

#define MAX_ROWS	64
#define MAX_COLS	32

struct csv {
	char *line[MAX_ROWS + 1];	/* [0] is the header */
	char *cell[MAX_ROWS + 1][MAX_COLS];
	int nrows, ncols;
};

static int csv_read(const char *path, struct csv *c)
{
	FILE *f = fopen(path, "r");
	char buf[2048];
	int r = 0;

	memset(c, 0, sizeof(*c));
	if (!f)
		return -1;
	while (r <= MAX_ROWS && fgets(buf, sizeof(buf), f)) {
		char *s, *tok;
		int k = 0;

		buf[strcspn(buf, "\n")] = '\0';
		c->line[r] = strdup(buf);
		s = strdup(buf);
		while (s && (tok = strsep(&s, ",")) && k < MAX_COLS)
			c->cell[r][k++] = tok;
		if (!r)
			c->ncols = k;
		else if (k != c->ncols)
			break;
		r++;
	}
	fclose(f);
	c->nrows = r ? r - 1 : 0;
	return r ? 0 : -1;
}

static int col(const struct csv *c, const char *name)
{
	int k;

	for (k = 0; k < c->ncols; k++)
		if (!strcmp(c->cell[0][k], name))
			return k;
	return -1;
}

static double num(const struct csv *c, int row, const char *name)
{
	int k = col(c, name);

	return k < 0 ? -1 : strtod(c->cell[row][k], NULL);
}

/* build/selftests/bench_quick -> build/svmbench/svmbench */
static void bench_path(char *path, size_t len)
{
	char self[PATH_MAX - 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	self[n > 0 ? n : 0] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	snprintf(path, len, "%s/svmbench/svmbench", self);
}

/* GPU 0's cost of one fault batch (sysfs cost/fault_ns), or -1 */
static long long gpu0_fault_ns(void)
{
	char dir[96], path[128];

	if (emu_cost_dir(0, dir, sizeof(dir)))
		return -1;
	snprintf(path, sizeof(path), "%s/fault_ns", dir);
	return read_ll(path);
}

FIXTURE(bench) {
	char bench[PATH_MAX];
	char csv[2][64];
};

FIXTURE_SETUP(bench)
{
	int i;

	bench_path(self->bench, sizeof(self->bench));
	ASSERT_EQ(0, access(self->bench, X_OK)) {
		TH_LOG("no svmbench at %s (make build)", self->bench);
	}
	for (i = 0; i < 2; i++)
		snprintf(self->csv[i], sizeof(self->csv[i]),
			 "/tmp/bench_quick.%d.%d.csv", getpid(), i);
}

FIXTURE_TEARDOWN(bench)
{
	unlink(self->csv[0]);
	unlink(self->csv[1]);
}

TEST_F_TIMEOUT(bench, quick_repeats_exactly_and_respects_min, 280)
{
	static const char *const workloads[] = { "sweep", "random", "pingpong-cpu" };
	long long fault_ns = gpu0_fault_ns();
	struct csv a, b;
	int r, k, w, real, faults_none_sweep = -1;

	ASSERT_GT(fault_ns, 0);
	for (r = 0; r < 2; r++)
		ASSERT_EQ(0, run("'%s' suite --quick --csv %s >/dev/null",
				 self->bench, self->csv[r]));
	ASSERT_EQ(0, csv_read(self->csv[0], &a));
	ASSERT_EQ(0, csv_read(self->csv[1], &b));
	ASSERT_EQ(a.ncols, b.ncols);
	ASSERT_EQ(a.nrows, b.nrows);
	real = col(&a, "real_ns");
	ASSERT_GE(real, 0);
	ASSERT_GE(col(&a, "min_misses"), 0);

	/* every quick workload ran under "none" */
	for (w = 0; w < 3; w++) {
		int found = 0;

		for (r = 1; r <= a.nrows; r++)
			found |= !strcmp(a.cell[r][0], workloads[w]) &&
				 !strcmp(a.cell[r][col(&a, "policy")], "none");
		EXPECT_TRUE(found) TH_LOG("no row for %s under none", workloads[w]);
	}

	for (r = 1; r <= a.nrows; r++) {
		const char *what = a.line[r];
		double min = num(&a, r, "min_misses");

		/* identical counters, run after run (wall time aside) */
		for (k = 0; k < a.ncols; k++)
			if (k != real)
				EXPECT_STREQ(a.cell[r][k], b.cell[r][k])
					TH_LOG("%s: column %s differs between two runs",
					       what, a.cell[0][k]);
		EXPECT_STREQ("ok", a.cell[r][col(&a, "state")]);
		EXPECT_GT(min, 0);
		EXPECT_EQ(0, num(&a, r, "remote_maps")) TH_LOG("%s", what);
		/* no placement beats the optimum, in faults or in chunks moved */
		EXPECT_GE(num(&a, r, "faults"), min) TH_LOG("%s", what);
		EXPECT_GE(num(&a, r, "chunk_loads"), min) TH_LOG("%s", what);
		EXPECT_LE(min, num(&a, r, "lru_misses")) TH_LOG("%s", what);
		/*
		 * nor the cost model's optimum in modeled time, even without
		 * the fault service OPT does not charge
		 */
		EXPECT_GE(num(&a, r, "modeled_ns"), num(&a, r, "opt_ns"))
			TH_LOG("%s", what);
		EXPECT_EQ(num(&a, r, "faults") * fault_ns,
			  num(&a, r, "fault_service_ns")) TH_LOG("%s", what);
		EXPECT_GE(num(&a, r, "modeled_ns") -
			  num(&a, r, "fault_service_ns"), num(&a, r, "opt_ns"))
			TH_LOG("%s", what);
		/* every access is at least a launch: OPT is never free */
		EXPECT_GT(num(&a, r, "opt_ns"), 0) TH_LOG("%s", what);
		/* the CPU side: pingpong-cpu's CPU steps and faults cost */
		if (!strcmp(a.cell[r][0], "pingpong-cpu")) {
			EXPECT_GT(num(&a, r, "cpu_faults"), 0) TH_LOG("%s", what);
			EXPECT_GT(num(&a, r, "cpu_ns"), 0) TH_LOG("%s", what);
		} else {
			EXPECT_EQ(0, num(&a, r, "cpu_ns")) TH_LOG("%s", what);
		}
		EXPECT_EQ(num(&a, r, "modeled_ns") + num(&a, r, "cpu_ns"),
			  num(&a, r, "total_ns")) TH_LOG("%s", what);
		if (!strcmp(a.cell[r][0], "sweep") &&
		    !strcmp(a.cell[r][col(&a, "policy")], "none"))
			faults_none_sweep = r;
	}

	/*
	 * The built-in default evicts the least recently loaded chunk: on a
	 * sweep larger than the device that misses every chunk of every pass,
	 * like LRU, while MIN keeps most of the device's chunks.
	 */
	ASSERT_GT(faults_none_sweep, 0);
	EXPECT_EQ(num(&a, faults_none_sweep, "lru_misses"),
		  num(&a, faults_none_sweep, "faults"));
	EXPECT_LT(num(&a, faults_none_sweep, "min_misses"),
		  num(&a, faults_none_sweep, "faults"));
}

TEST_HARNESS_MAIN
