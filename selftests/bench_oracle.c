// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench's offline oracles (Belady's MIN, LRU simulation, workload
 * plans; the cost model's optimum) against hand-worked traces and
 * exhaustive search, and the comparison of the cost model with a real GPU
 * (svmbench fit): their own unit tests, run here so that `make check`
 * covers them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

static void unit_test_passes(struct __test_metadata *_metadata,
			     const char *rel)
{
	const char *path = build_file(rel);
	int status;

	ASSERT_EQ(0, access(path, X_OK)) TH_LOG("%s not built", path);
	status = system(path);
	ASSERT_NE(-1, status);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(oracle_unit_test_passes)
{
	unit_test_passes(_metadata, "svmbench/oracle_test");
}

/* the cost model's optimum: exact against exhaustive search, MIN */
TEST(optimum_unit_test_passes)
{
	unit_test_passes(_metadata, "svmbench/optimum_test");
}

/* svmbench fit: reading real and modeled figures, ratios, cliffs, bounds */
TEST(fit_unit_test_passes)
{
	unit_test_passes(_metadata, "svmbench/fit_test");
}

/* svmbench replay: trace files read and checked, turned into plans */
TEST(replay_unit_test_passes)
{
	unit_test_passes(_metadata, "svmbench/replay_test");
}

TEST_HARNESS_MAIN
