// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench's offline oracle (Belady's MIN, LRU simulation, workload plans)
 * against hand-worked traces and an exhaustive search: its own unit test,
 * run here so that `make check` covers it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

TEST(oracle_unit_test_passes)
{
	const char *path = build_file("svmbench/oracle_test");
	int status;

	ASSERT_EQ(0, access(path, X_OK)) TH_LOG("%s not built", path);
	status = system(path);
	ASSERT_NE(-1, status);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
