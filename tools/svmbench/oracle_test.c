// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of the svmbench oracle and plans (make -C tools/svmbench
 * test): MIN and LRU on traces worked out by hand, MIN against an exhaustive
 * search on small random traces, and the chunk traces plans produce.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plan.h"
#include "unit_test.h"

static void trace_of(struct trace *t, const int *ev, size_t n)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	/* negative entries: invalidation of chunk -ev - 1 */
	for (i = 0; i < n; i++)
		if (trace_add(t, ev[i] < 0 ? -ev[i] - 1 : ev[i], ev[i] < 0))
			abort();
}

/*
 * The textbook reference string (Silberschatz, Operating System Concepts,
 * ch. 9) with 3 frames: OPT 9 faults, LRU 12.
 */
static void test_textbook(void)
{
	static const int ev[] = { 7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2,
				  0, 1, 7, 0, 1 };
	struct trace t;

	trace_of(&t, ev, sizeof(ev) / sizeof(ev[0]));
	EXPECT_EQ("textbook", oracle_min(&t, 3), 9);
	EXPECT_EQ("textbook", oracle_lru(&t, 3), 12);
	EXPECT_EQ("textbook", trace_accesses(&t), 20);
	trace_free(&t);
}

/*
 * Sweep of 4 chunks through 3, five passes (20 accesses).  LRU always
 * evicts the chunk needed next: 20 misses.  MIN, by hand: 0 1 2 3 miss
 * (evicting 2, used farthest ahead), then one miss every third access
 * (at 6, 9, 12, 15, 18): 9 misses.  The plan of workload "sweep" with
 * capacity 3 and ratio 4/3 must give the same trace.
 */
static void test_sweep(void)
{
	struct plan_params pp = { .cap_chunks = 3, .ratio = 4.0 / 3,
				  .passes = 5, .seed = 1 };
	struct trace t;
	struct plan p;
	int ev[20], i;

	for (i = 0; i < 20; i++)
		ev[i] = i % 4;
	trace_of(&t, ev, 20);
	EXPECT_EQ("sweep 4/3", oracle_min(&t, 3), 9);
	EXPECT_EQ("sweep 4/3", oracle_lru(&t, 3), 20);
	trace_free(&t);

	EXPECT_EQ("sweep plan", plan_build(plan_workload_find("sweep"), &pp, &p), 0);
	EXPECT_EQ("sweep plan", plan_ws_chunks(&pp), 4);
	EXPECT_EQ("sweep plan", plan_trace(&p, 0, &t), 0);
	EXPECT_EQ("sweep plan", t.n, 20);
	for (i = 0; i < 20 && (size_t)i < t.n; i++)
		EXPECT_EQ("sweep plan event", t.ev[i], (unsigned int)i % 4);
	EXPECT_EQ("sweep plan", oracle_min(&t, 3), 9);
	EXPECT_EQ("sweep plan", oracle_lru(&t, 3), 20);
	EXPECT_EQ("sweep plan", plan_dev_mask(&p), 1);
	trace_free(&t);
	plan_free(&p);
}

/*
 * Capacity 2: A B C, then another agent writes A, then A B.  MIN knows A's
 * copy dies before its next use, evicts A for C and misses once more (on A):
 * 4.  LRU also evicts A for C, then B for A, then misses B: 5.
 */
static void test_invalidation(void)
{
	static const int ev[] = { 0, 1, 2, -1, 0, 1 };
	static const int fits[] = { 0, 1, -1, 0, 1, -2, -1, 1 };
	struct trace t;

	trace_of(&t, ev, 6);
	EXPECT_EQ("inval", oracle_min(&t, 2), 4);
	EXPECT_EQ("inval", oracle_lru(&t, 2), 5);
	EXPECT_EQ("inval", trace_accesses(&t), 5);
	trace_free(&t);

	/* everything fits: misses = first touches + reloads after a write */
	trace_of(&t, fits, 8);
	EXPECT_EQ("inval fits", oracle_min(&t, 8), 4);
	EXPECT_EQ("inval fits", oracle_lru(&t, 8), 4);
	trace_free(&t);
}

/* Exact optimum by dynamic programming over (position, cached set). */
static unsigned int brute(const struct trace *t, uint32_t cap)
{
	unsigned int best[65][64], i, m;

	for (m = 0; m < 64; m++)
		best[t->n][m] = 0;
	for (i = t->n; i-- > 0;) {
		uint32_t id = t->ev[i] & ~TRACE_INVAL, bit = 1u << id;

		for (m = 0; m < 64; m++) {
			unsigned int v, b = ~0u;

			if (t->ev[i] & TRACE_INVAL) {
				best[i][m] = best[i + 1][m & ~bit];
				continue;
			}
			if (m & bit) {
				best[i][m] = best[i + 1][m];
				continue;
			}
			if ((unsigned int)__builtin_popcount(m) < cap) {
				best[i][m] = 1 + best[i + 1][m | bit];
				continue;
			}
			for (v = 0; v < 6; v++)
				if ((m & (1u << v)) &&
				    best[i + 1][(m & ~(1u << v)) | bit] < b)
					b = best[i + 1][(m & ~(1u << v)) | bit];
			best[i][m] = 1 + b;
		}
	}
	return best[0][0];
}

static void test_random_traces(void)
{
	struct rng r = { 42 };
	unsigned int k, bad_min = 0, bad_lru = 0;

	for (k = 0; k < 2000; k++) {
		uint32_t cap = 1 + rng_below(&r, 4), n = 1 + rng_below(&r, 64), i;
		struct trace t = { 0 };

		for (i = 0; i < n; i++)
			if (trace_add(&t, rng_below(&r, 6), rng_below(&r, 5) == 0))
				abort();
		bad_min += oracle_min(&t, cap) != brute(&t, cap);
		bad_lru += oracle_lru(&t, cap) < oracle_min(&t, cap);
		trace_free(&t);
	}
	EXPECT_EQ("random traces: MIN != exhaustive optimum", bad_min, 0);
	EXPECT_EQ("random traces: LRU below MIN", bad_lru, 0);
}

/*
 * Plans: CPU<->GPU ping-pong of 2 chunks that fit, 3 passes of 4 rounds:
 * each CPU write invalidates the GPU's copies, so every GPU access is a
 * load: 24.  Shared
 * read of 2 chunks by two GPUs, 2 rounds: the other GPU's reads do not
 * invalidate, the CPU's one-chunk write between the rounds does: device 1
 * loads 2 + 1 = 3.  Identical plans from identical seeds.
 */
static void test_plans(void)
{
	struct plan_params pp = { .cap_chunks = 3, .ratio = 2.0 / 3,
				  .passes = 3, .seed = 7 };
	struct plan p, q;
	struct trace t;
	size_t i;

	EXPECT_EQ("pingpong-cpu", plan_build(plan_workload_find("pingpong-cpu"), &pp, &p), 0);
	EXPECT_EQ("pingpong-cpu", plan_trace(&p, 0, &t), 0);
	/* 4 rounds a pass, each: 2 chunks loaded, then invalidated */
	EXPECT_EQ("pingpong-cpu", trace_accesses(&t), 24);
	EXPECT_EQ("pingpong-cpu", t.n, 48);
	EXPECT_EQ("pingpong-cpu", oracle_min(&t, 3), 24);
	trace_free(&t);
	plan_free(&p);

	pp.passes = 2;
	EXPECT_EQ("shared-read", plan_build(plan_workload_find("shared-read"), &pp, &p), 0);
	EXPECT_EQ("shared-read", plan_dev_mask(&p), 3);
	EXPECT_EQ("shared-read", plan_trace(&p, 1, &t), 0);
	EXPECT_EQ("shared-read", trace_accesses(&t), 4);
	EXPECT_EQ("shared-read", oracle_min(&t, 3), 3);
	trace_free(&t);
	plan_free(&p);

	for (i = 0; i < plan_nworkloads; i++) {
		const struct plan_workload *w = &plan_workloads[i];

		pp = (struct plan_params){ .cap_chunks = 16, .ratio = 1.5,
					   .passes = 3, .seed = 99 };
		EXPECT_EQ(w->name, plan_build(w, &pp, &p), 0);
		EXPECT_EQ(w->name, plan_build(w, &pp, &q), 0);
		EXPECT_EQ(w->name, p.nsteps, q.nsteps);
		EXPECT(w->name, p.nsteps > 0 && p.nsteps == q.nsteps &&
		       !memcmp(p.steps, q.steps, p.nsteps * sizeof(*p.steps)));
		EXPECT_EQ(w->name, plan_dev_mask(&p), (1u << w->ndevs) - 1);
		EXPECT_EQ(w->name, plan_trace(&p, 0, &t), 0);
		/* the optimum never loses to LRU */
		EXPECT(w->name, oracle_min(&t, 16) <= oracle_lru(&t, 16));
		trace_free(&t);
		plan_free(&p);
		plan_free(&q);
	}
}

int main(void)
{
	test_textbook();
	test_sweep();
	test_invalidation();
	test_random_traces();
	test_plans();
	printf("oracle_test: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
