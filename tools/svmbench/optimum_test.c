// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of the svmbench optimum (make -C tools/svmbench test):
 * cases worked out by hand, the min-cost flow against an exhaustive search
 * of every placement on small random traces (the model it solves exactly,
 * and the clean/dirty model it bounds from below), and against Belady's
 * MIN when nothing can be served in place and only loads cost.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "optimum.h"
#include "plan.h"
#include "unit_test.h"

/* Costs of one chunk-level model: every access loads a whole chunk. */
struct model {
	uint64_t load, writeback, drop;	/* drop: a clean copy leaves */
	uint64_t inval_dirty, inval_clean;
};

static void add_access(struct opt_trace *t, const struct model *m,
		       uint32_t chunk, bool write, uint64_t local,
		       uint64_t remote)
{
	struct opt_event e = {
		.chunk = chunk, .kind = OPT_ACCESS, .local_ns = local,
		.remote_ns = remote, .load_ns = m->load,
		.evict_ns = write ? m->writeback : m->drop,
		.inval_ns = write ? m->inval_dirty : m->inval_clean,
	};

	if (opt_trace_add(t, &e))
		abort();
}

static void add_inval(struct opt_trace *t, uint32_t chunk)
{
	struct opt_event e = { .chunk = chunk, .kind = OPT_INVAL };

	if (opt_trace_add(t, &e))
		abort();
}

static uint64_t solve(const struct opt_trace *t, uint32_t cap)
{
	struct opt_result r;

	if (opt_solve(t, cap, &r))
		return UINT64_MAX;
	return r.cost_ns;
}

/*
 * Exhaustive search over every placement: dynamic programming over (event,
 * state of each chunk: absent, clean, dirty), where before each event any
 * resident chunks may leave.  @exact: a copy is dirty once any access of
 * its stay wrote (the true model); otherwise its last access decides (the
 * model opt_solve() solves).  Up to 4 chunks.
 */
#define DP_CHUNKS	4
#define DP_STATES	81	/* 3^4 */
#define DP_INF		UINT64_MAX

static unsigned int st_get(unsigned int s, unsigned int c)
{
	while (c--)
		s /= 3;
	return s % 3;
}

static unsigned int st_set(unsigned int s, unsigned int c, unsigned int v)
{
	unsigned int p = 1;

	while (c--)
		p *= 3;
	return s - (s / p % 3) * p + v * p;
}

static unsigned int st_resident(unsigned int s)
{
	unsigned int c, n = 0;

	for (c = 0; c < DP_CHUNKS; c++)
		n += st_get(s, c) != 0;
	return n;
}

static void relax(uint64_t *dp, unsigned int s, uint64_t cost)
{
	if (cost < dp[s])
		dp[s] = cost;
}

static uint64_t exhaustive(const struct opt_trace *t, const bool *writes,
			   uint32_t cap, const struct model *m, bool exact)
{
	uint64_t dp[DP_STATES], nx[DP_STATES], best = DP_INF;
	unsigned int s, c;
	size_t i;

	for (s = 0; s < DP_STATES; s++)
		dp[s] = s ? DP_INF : 0;
	for (i = 0; i < t->n; i++) {
		const struct opt_event *e = &t->ev[i];
		bool write = writes[i];

		/* any resident chunk may leave first, one chunk at a time */
		for (c = 0; c < DP_CHUNKS; c++)
			for (s = 0; s < DP_STATES; s++) {
				unsigned int v = st_get(s, c);

				if (dp[s] == DP_INF || !v)
					continue;
				relax(dp, st_set(s, c, 0), dp[s] +
				      (v == 2 ? m->writeback : m->drop));
			}
		for (s = 0; s < DP_STATES; s++)
			nx[s] = DP_INF;
		for (s = 0; s < DP_STATES; s++) {
			unsigned int v = st_get(s, e->chunk), after;

			if (dp[s] == DP_INF)
				continue;
			if (e->kind == OPT_INVAL) {
				relax(nx, st_set(s, e->chunk, 0), dp[s] +
				      (v == 2 ? m->inval_dirty :
				       v == 1 ? m->inval_clean : 0));
				continue;
			}
			after = write ? 2 : (exact && v == 2) ? 2 : 1;
			if (v) {
				relax(nx, st_set(s, e->chunk, after),
				      dp[s] + e->local_ns);
				continue;
			}
			if (e->remote_ns != OPT_NO_REMOTE)
				relax(nx, s, dp[s] + e->remote_ns);
			if (st_resident(s) < cap)
				relax(nx, st_set(s, e->chunk, after),
				      dp[s] + m->load + e->local_ns);
		}
		memcpy(dp, nx, sizeof(dp));
	}
	for (s = 0; s < DP_STATES; s++)
		if (dp[s] < best)
			best = dp[s];
	return best;
}

/* A random trace over @nchunks chunks; @writes[i]: event i writes. */
static void random_trace(struct rng *r, struct opt_trace *t, bool *writes,
			 const struct model *m, unsigned int nchunks,
			 unsigned int n, bool remote)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		uint32_t c = rng_below(r, nchunks);
		bool write = rng_below(r, 3) == 0;
		uint64_t local = rng_below(r, 8);

		writes[i] = write;
		if (rng_below(r, 6) == 0) {
			add_inval(t, c);
			continue;
		}
		add_access(t, m, c, write, local,
			   remote ? local + rng_below(r, 40) : OPT_NO_REMOTE);
	}
}

static void test_random(void)
{
	struct rng r = { 2026 };
	unsigned int k, bad_relaxed = 0, bad_bound = 0, bad_exact = 0;
	unsigned int bad_min = 0, tight = 0;

	for (k = 0; k < 3000; k++) {
		struct model m = {
			.load = 1 + rng_below(&r, 30),
			.writeback = rng_below(&r, 20),
			.inval_dirty = rng_below(&r, 20),
		};
		uint32_t cap = rng_below(&r, 4), nchunks = 1 + rng_below(&r, 4);
		bool remote = rng_below(&r, 4) != 0;
		struct opt_trace t;
		bool writes[24];
		uint64_t flow, relaxed, exact;

		/* clean copies leave for less than dirty ones */
		m.drop = rng_below(&r, m.writeback + 1);
		m.inval_clean = rng_below(&r, m.inval_dirty + 1);
		random_trace(&r, &t, writes, &m, nchunks, 1 + rng_below(&r, 22),
			     remote);
		flow = solve(&t, cap);
		relaxed = exhaustive(&t, writes, cap, &m, false);
		exact = exhaustive(&t, writes, cap, &m, true);
		/* no slot and an access that must be local: no schedule */
		if (relaxed == DP_INF) {
			struct opt_result res;

			bad_relaxed += opt_solve(&t, cap, &res) != -ENOSPC;
			opt_trace_free(&t);
			continue;
		}
		bad_relaxed += flow != relaxed;
		bad_bound += flow > exact;
		tight += flow == exact;
		opt_trace_free(&t);

		/* write-back free: clean and dirty are the same, exact */
		m.writeback = m.drop;
		m.inval_dirty = m.inval_clean;
		random_trace(&r, &t, writes, &m, nchunks, 1 + rng_below(&r, 22),
			     remote);
		bad_exact += cap &&
			     solve(&t, cap) != exhaustive(&t, writes, cap, &m, true);
		opt_trace_free(&t);
	}
	EXPECT_EQ("random: flow != exhaustive (its model)", bad_relaxed, 0);
	EXPECT_EQ("random: flow above exhaustive (clean/dirty)", bad_bound, 0);
	EXPECT_EQ("random: flow != exhaustive (no write-back)", bad_exact, 0);
	/* a bound that is never tight would be a useless one */
	if (tight < 1500) {
		failures++;
		printf("FAIL random: bound tight in only %u of 3000\n", tight);
	}
	checks++;

	/* only loads cost and nothing is remote: Belady's MIN */
	for (k = 0; k < 2000; k++) {
		struct model m = { .load = 1 };
		uint32_t cap = 1 + rng_below(&r, 4), n = 1 + rng_below(&r, 60);
		uint32_t i, nchunks = 1 + rng_below(&r, 6);
		struct opt_trace t = { 0 };
		struct trace mt = { 0 };

		for (i = 0; i < n; i++) {
			uint32_t c = rng_below(&r, nchunks);
			bool inval = rng_below(&r, 5) == 0;

			if (trace_add(&mt, c, inval))
				abort();
			if (inval)
				add_inval(&t, c);
			else
				add_access(&t, &m, c, false, 0, OPT_NO_REMOTE);
		}
		bad_min += solve(&t, cap) != oracle_min(&mt, cap);
		opt_trace_free(&t);
		trace_free(&mt);
	}
	EXPECT_EQ("random: flow != Belady's MIN (loads only)", bad_min, 0);
}

/*
 * By hand.  Capacity 1, load 10, chunk A read 3 times, B once between:
 * A B A A.  Remote costs 4 an access, local 0.  Keep A, serve B remotely:
 * 10 + 4 = 14 (loading B too: 10 + 10 + 10 = 30; all remote: 16).
 */
static void test_bypass(void)
{
	struct model m = { .load = 10 };
	struct opt_trace t = { 0 };
	struct opt_result r;

	add_access(&t, &m, 0, false, 0, 4);
	add_access(&t, &m, 1, false, 0, 4);
	add_access(&t, &m, 0, false, 0, 4);
	add_access(&t, &m, 0, false, 0, 4);
	EXPECT_EQ("bypass", opt_solve(&t, 1, &r), 0);
	EXPECT_EQ("bypass", r.cost_ns, 14);
	EXPECT_EQ("bypass", r.stays, 1);
	EXPECT_EQ("bypass", r.remote, 1);
	EXPECT_EQ("bypass", r.evictions, 0);
	/* remote at 2: all remote, 8 */
	t.ev[0].remote_ns = t.ev[1].remote_ns = 2;
	t.ev[2].remote_ns = t.ev[3].remote_ns = 2;
	EXPECT_EQ("bypass cheap", solve(&t, 1), 8);
	/* no slot: everything remote */
	EXPECT_EQ("bypass cap 0", solve(&t, 0), 8);
	opt_trace_free(&t);
}

/*
 * Capacity 1, A written, B written, A read, remote impossible: load A, evict
 * it dirty (write-back 7) for B, evict B (7) for A, A held to the end:
 * 3 loads of 5 + 2 write-backs = 29.  With capacity 2: 10.  An
 * invalidation of A before its read: A's stay ends there instead (inval 3,
 * holding its slot) - capacity 1 must still evict A for B: 5 + 7 + 5 + 7
 * + 5 = 29; capacity 2: 5 + 3 + 5 + 5 = 18.
 */
static void test_writeback(void)
{
	struct model m = { .load = 5, .writeback = 7, .inval_dirty = 3 };
	struct opt_trace t = { 0 };
	struct opt_result r;

	add_access(&t, &m, 0, true, 0, OPT_NO_REMOTE);
	add_access(&t, &m, 1, true, 0, OPT_NO_REMOTE);
	add_access(&t, &m, 0, false, 0, OPT_NO_REMOTE);
	EXPECT_EQ("writeback", opt_solve(&t, 1, &r), 0);
	EXPECT_EQ("writeback", r.cost_ns, 29);
	EXPECT_EQ("writeback", r.stays, 3);
	EXPECT_EQ("writeback", r.evictions, 2);
	EXPECT_EQ("writeback cap 2", solve(&t, 2), 10);
	opt_trace_free(&t);

	add_access(&t, &m, 0, true, 0, OPT_NO_REMOTE);
	add_access(&t, &m, 1, true, 0, OPT_NO_REMOTE);
	add_inval(&t, 0);
	add_access(&t, &m, 0, false, 0, OPT_NO_REMOTE);
	EXPECT_EQ("inval", solve(&t, 1), 29);
	EXPECT_EQ("inval cap 2", solve(&t, 2), 18);
	{
		struct opt_result r0;

		EXPECT_EQ("cap 0, must be local", opt_solve(&t, 0, &r0),
			  (unsigned long long)-ENOSPC);
	}
	opt_trace_free(&t);
}

/*
 * grow_ns: a stay pays for what it reaches.  Capacity 1, remote
 * impossible, A touches half a chunk (load 4), then B, then A's other half
 * (a stay starting there loads 4, one reaching it from the first loads 4
 * more): 4 + 9 (B) + 4 = 17 with eviction free.
 */
static void test_grow(void)
{
	struct opt_event a1 = { .chunk = 0, .kind = OPT_ACCESS,
				.remote_ns = OPT_NO_REMOTE, .load_ns = 4 };
	struct opt_event b = a1, a2 = a1;
	struct opt_trace t = { 0 };

	b.chunk = 1;
	b.load_ns = 9;
	a2.grow_ns = 4;
	if (opt_trace_add(&t, &a1) || opt_trace_add(&t, &a2))
		abort();
	/* A A: one stay, 4 + 4 */
	EXPECT_EQ("grow, kept", solve(&t, 1), 8);
	t.n = 1;
	if (opt_trace_add(&t, &b) || opt_trace_add(&t, &a2))
		abort();
	EXPECT_EQ("grow, evicted between", solve(&t, 1), 17);
	EXPECT_EQ("grow, kept over B", solve(&t, 2), 17);
	opt_trace_free(&t);
}

static void test_bad_input(void)
{
	struct model m = { .load = 1 };
	struct opt_trace t = { 0 };
	struct opt_result r;

	/* local above remote: the model says that never happens */
	add_access(&t, &m, 0, false, 5, 4);
	EXPECT_EQ("local > remote", opt_solve(&t, 1, &r),
		  (unsigned long long)-EINVAL);
	t.ev[0].local_ns = 1;
	t.ev[0].remote_ns = UINT64_MAX - 1;
	EXPECT_EQ("costs overflow", opt_solve(&t, 1, &r),
		  (unsigned long long)-EINVAL);
	t.ev[0].remote_ns = 3;
	t.ev[0].kind = 7;
	EXPECT_EQ("bad kind", opt_solve(&t, 1, &r),
		  (unsigned long long)-EINVAL);
	opt_trace_free(&t);
	/* empty trace */
	EXPECT_EQ("empty", opt_solve(&t, 3, &r), 0);
	EXPECT_EQ("empty", r.cost_ns, 0);
}

/*
 * A feasible schedule of the model: every access local, the least recently
 * used chunk evicted.  The optimum can never cost more.
 */
static uint64_t lru_schedule(const struct opt_trace *t, uint32_t cap)
{
	uint32_t nchunks = 0, c;
	size_t i, *last = NULL;
	uint64_t cost = 0;
	uint32_t resident = 0;

	for (i = 0; i < t->n; i++)
		if (t->ev[i].chunk >= nchunks)
			nchunks = t->ev[i].chunk + 1;
	last = calloc(nchunks + 1, sizeof(*last));	/* index + 1, 0: absent */
	if (!last)
		abort();
	for (i = 0; i < t->n; i++) {
		const struct opt_event *e = &t->ev[i];
		size_t *l = &last[e->chunk];

		if (e->kind == OPT_INVAL) {
			if (*l) {
				cost += t->ev[*l - 1].inval_ns;
				*l = 0;
				resident--;
			}
			continue;
		}
		if (*l) {
			cost += e->grow_ns + e->local_ns;
			*l = i + 1;
			continue;
		}
		if (resident == cap) {
			uint32_t victim = UINT32_MAX;

			for (c = 0; c < nchunks; c++)
				if (last[c] && (victim == UINT32_MAX ||
						last[c] < last[victim]))
					victim = c;
			cost += t->ev[last[victim] - 1].evict_ns;
			last[victim] = 0;
			resident--;
		}
		cost += e->load_ns + e->local_ns;
		*l = i + 1;
		resident++;
	}
	free(last);
	return cost;
}

/*
 * Plans under H100-class rates (kernel/emu/cost.c's defaults).  By hand
 * for the sweep at capacity 3: each chunk read touches 512 pages of 4096
 * bytes: local 512 x floor(4096000 / 3070000) = 512 ns, remote
 * 512 x floor(4096000 / 51000) = 40,960 ns, a load 2 MiB over 45 GB/s =
 * 46,603 ns, a read leaves clean (0).  Then, for every workload: the
 * optimum is no more than LRU's schedule or serving everything in place.
 */
static void test_plans(void)
{
	const struct opt_rates h100 = {
		.local_mbps = 3070000, .host_mbps = 51000, .peer_mbps = 450000,
		.h2d_mbps = 45000, .d2h_mbps = 8000,
	};
	struct plan_params pp = { .cap_chunks = 3, .ratio = 4.0 / 3,
				  .passes = 5, .seed = 1 };
	struct opt_trace t;
	struct plan p;
	size_t i, k;

	EXPECT_EQ("sweep plan", plan_build(plan_workload_find("sweep"), &pp, &p), 0);
	EXPECT_EQ("sweep plan", plan_cost_trace(&p, 0, &h100, &t), 0);
	EXPECT_EQ("sweep plan", t.n, 20);
	for (i = 0; i < t.n; i++) {
		EXPECT_EQ("sweep event", t.ev[i].chunk, i % 4);
		EXPECT_EQ("sweep event", t.ev[i].local_ns, 512);
		EXPECT_EQ("sweep event", t.ev[i].remote_ns, 40960);
		EXPECT_EQ("sweep event", t.ev[i].load_ns, 46603);
		EXPECT_EQ("sweep event", t.ev[i].evict_ns, 0);
		/* pages already touched since the last invalidation */
		EXPECT_EQ("sweep event", t.ev[i].grow_ns, i < 4 ? 46603 : 0);
	}
	/*
	 * The optimum: MIN's 9 loads with everything local would be 9 x
	 * 46,603 + 20 x 512 = 429,667; serving a chunk in place instead of
	 * loading it saves 46,603 + 512 - 40,960 = 6,155 a time.  Keep 3
	 * chunks resident all along (3 loads), serve the fourth's 5 accesses
	 * in place: 3 x 46,603 + 15 x 512 + 5 x 40,960 = 352,289.
	 */
	EXPECT_EQ("sweep optimum", solve(&t, 3), 352289);
	opt_trace_free(&t);
	plan_free(&p);

	for (i = 0; i < plan_nworkloads; i++) {
		const struct plan_workload *w = &plan_workloads[i];
		unsigned int d;

		pp = (struct plan_params){ .cap_chunks = 8, .ratio = 1.5,
					   .passes = 2, .seed = 99 };
		EXPECT_EQ(w->name, plan_build(w, &pp, &p), 0);
		for (d = 0; d < w->ndevs; d++) {
			uint64_t remote = 0, opt;

			EXPECT_EQ(w->name, plan_cost_trace(&p, d, &h100, &t), 0);
			for (k = 0; k < t.n; k++)
				if (t.ev[k].kind == OPT_ACCESS)
					remote += t.ev[k].remote_ns;
			opt = solve(&t, 8);
			EXPECT_EQ(w->name, opt <= lru_schedule(&t, 8), 1);
			EXPECT_EQ(w->name, opt <= remote, 1);
			/*
			 * Only stride-4 KiB writes (ping-pong): 8 bytes a
			 * page cost 0 ns at every rate, and so does the
			 * optimum.  Otherwise something costs.
			 */
			EXPECT_EQ(w->name, opt > 0 || !remote, 1);
			opt_trace_free(&t);
		}
		plan_free(&p);
	}
}

int main(void)
{
	test_bypass();
	test_writeback();
	test_grow();
	test_bad_input();
	test_random();
	test_plans();
	printf("optimum_test: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
