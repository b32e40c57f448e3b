/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kselftest_harness.h, with every test's timeout scaled to the kernel it
 * runs on.  The timeouts in the tests are written for the base kernel
 * under TCG; the debug kernel (KASAN, lockdep, kmemleak, DEBUG_VM) runs
 * the same work about ten times slower (adaptive: 13 s on base, over
 * 150 s on debug), so there each timeout is SVM_DEBUG_TIMEOUT_SCALE times
 * longer.  SVM_TEST_TIMEOUT_SCALE=K (1..100) sets the factor anywhere.
 * A test that hangs still fails: later, never silently.
 */
#ifndef SVM_HARNESS_H
#define SVM_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "svm_user.h"

#define SVM_DEBUG_TIMEOUT_SCALE	10

/* the sizes every test speaks in: a page, and 2 MiB (a range, a chunk) */
#define PAGE		4096UL
#define CHUNK		(2 * MIB)
#define CHUNK_PAGES	(CHUNK / PAGE)

static inline unsigned int svm_timeout_scale(void)
{
	const char *s = getenv("SVM_TEST_TIMEOUT_SCALE");
	char *end;
	long k;

	if (s && *s) {
		k = strtol(s, &end, 10);
		if (!*end && k >= 1 && k <= 100)
			return k;
		fprintf(stderr, "# SVM_TEST_TIMEOUT_SCALE='%s' is not 1..100: ignored\n",
			s);
	}
	/* lockdep is what every debug flavor has and the base one lacks */
	return access("/proc/lockdep", F_OK) ? 1 : SVM_DEBUG_TIMEOUT_SCALE;
}

/* Before the harness runs anything: every test of every fixture. */
static inline void svm_scale_timeouts(void)
{
	unsigned int k = svm_timeout_scale();
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			t->timeout *= k;
}

#undef TEST_HARNESS_MAIN
#define TEST_HARNESS_MAIN				\
	int main(int argc, char **argv)			\
	{						\
		svm_scale_timeouts();			\
		return test_harness_run(argc, argv);	\
	}

/* A 2 MiB aligned anonymous buffer of @len bytes. */
struct area {
	uint8_t *buf;
	size_t len;
};

static inline int area_map(struct area *a, size_t len)
{
	a->buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	a->len = len;
	return a->buf == MAP_FAILED ? -1 : 0;
}

/* Unmapping frees the area's device memory for the next run. */
static inline void area_unmap(struct area *a)
{
	munmap(a->buf, a->len);
	a->buf = NULL;
}

#endif /* SVM_HARNESS_H */
