/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The checks of svmbench's host unit tests (oracle_test.c, optimum_test.c):
 * each counts, prints what failed, and main() reports "N checks, M failed".
 */
#ifndef SVMBENCH_UNIT_TEST_H
#define SVMBENCH_UNIT_TEST_H

#include <stdio.h>

static int failures, checks;

#define EXPECT_EQ(what, got, want) do {					\
	unsigned long long g_ = (got), w_ = (want);			\
	checks++;							\
	if (g_ != w_) {							\
		failures++;						\
		printf("FAIL %s: %s = %llu, expected %llu\n",		\
		       what, #got, g_, w_);				\
	}								\
} while (0)

#define EXPECT(what, cond) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		printf("FAIL %s: %s\n", what, #cond);			\
	}								\
} while (0)

#endif
