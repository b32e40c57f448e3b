// SPDX-License-Identifier: GPL-2.0
/*
 * The eviction policies of the library, judged by their decisions: which
 * chunk each one sends out of a full device, and what that does to faults
 * on the workload it is made for (lru, mru, s3fifo, lfu), or to how device
 * memory is split between processes or cgroups (tenant_quota); and the
 * default policy's evict hook, which must pick what the built-in does.
 * Every other scenario is one where the policy's choice differs from
 * LRU's; every test checks the data the device changed on its way through
 * eviction.  lfu: a chunk faulted often survives a scan that LRU evicts it
 * with, also when its faults were counted across evictions; with decay it
 * ages out.
 *
 * Data: the buffers start with fill_pattern(seed); the device touches a
 * page by adding 1 to its first word (an atomic: it migrates and dirties),
 * and the test counts the touches per page to know every word's value.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_policy.h"
#include "svm_user.h"

#define SEED		0x7e57

/* A 2 MiB aligned buffer of whole chunks, with the touches made to it. */
struct cbuf {
	uint8_t *p;
	size_t chunks;
	uint32_t *adds;		/* per page: 1 added to its first word, n times */
};

static int cbuf_init(struct cbuf *b, size_t chunks)
{
	b->chunks = chunks;
	b->p = map_chunk_aligned(chunks * CHUNK, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE);
	if (b->p == MAP_FAILED)
		return -1;
	b->adds = calloc(chunks * CHUNK_PAGES, sizeof(*b->adds));
	if (!b->adds)
		return -1;
	fill_pattern(b->p, chunks * CHUNK, SEED);
	return 0;
}

static void cbuf_fini(struct cbuf *b)
{
	free(b->adds);
	munmap(b->p, b->chunks * CHUNK);
}

static void *chunk_at(struct cbuf *b, size_t chunk)
{
	return b->p + chunk * CHUNK;
}

/*
 * The device adds 1 to the first word of every page of chunks
 * [first, first + n) in one EXEC; counters of that EXEC in *c.
 */
static int touch_chunks(int fd, struct cbuf *b, size_t first, size_t n,
			struct drm_svm_emu_counters *c)
{
	size_t pg;
	int ret;

	ret = emu_exec1(fd, SVM_EMU_OP_ATOMIC_ADD, chunk_at(b, first),
			n * CHUNK, PAGE, 1, NULL, c);
	if (ret)
		return ret;
	for (pg = first * CHUNK_PAGES; pg < (first + n) * CHUNK_PAGES; pg++)
		b->adds[pg]++;
	return 0;
}

/* The same for one page: page @pg of chunk @chunk. */
static int touch_page(int fd, struct cbuf *b, size_t chunk, size_t pg,
		      struct drm_svm_emu_counters *c)
{
	int ret = emu_exec1(fd, SVM_EMU_OP_ATOMIC_ADD,
			    b->p + chunk * CHUNK + pg * PAGE, 8, 0, 1, NULL, c);

	if (!ret)
		b->adds[chunk * CHUNK_PAGES + pg]++;
	return ret;
}

/* The CPU reads every word back: index of the first wrong one, or -1. */
static long cbuf_check(struct cbuf *b)
{
	const uint64_t *w = (const uint64_t *)b->p;
	size_t i, words = b->chunks * CHUNK / 8;

	for (i = 0; i < words; i++) {
		uint64_t want = SEED + i;

		if (i % (PAGE / 8) == 0)
			want += b->adds[i / (PAGE / 8)];
		if (w[i] != want)
			return (long)i;
	}
	return -1;
}

/* Pages of chunk @chunk resident on device 0. */
static long on_dev(int fd, struct cbuf *b, size_t chunk)
{
	return emu_count_at(fd, chunk_at(b, chunk), CHUNK_PAGES, 0);
}

FIXTURE(ev)
{
	int fd;
	size_t nchunks;		/* device 0's memory, in chunks */
};

FIXTURE_SETUP(ev)
{
	long long total = read_ll(SVM_SYSFS "/devices/0/mem_total");

	/*
	 * This kernel's harness does not run the teardown of a test that
	 * failed an ASSERT (seen in the VM): take down a policy left behind,
	 * so that one failure does not fail every test after it.
	 */
	policy_unload_any();
	ASSERT_GT(total, 4 * (long long)CHUNK);
	self->nchunks = total / CHUNK;
	/* the counts below assume the device starts empty */
	ASSERT_EQ(0, dev_mem_used(0));
	self->fd = emu_open(0);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, emu_bind(self->fd));
}

FIXTURE_TEARDOWN(ev)
{
	policy_unload_any();
	close(self->fd);
}

/*
 * Fill the device with one page in each of chunks 0 .. n-1 (4 KiB
 * migration windows, so a chunk can fault again later), in order: the
 * allocation order and the recency order are both 0, 1, ..., n-1.
 */
static void fill_one_page_each(struct __test_metadata *_metadata, int fd,
			       struct cbuf *b, size_t n)
{
	struct drm_svm_emu_counters c;
	size_t i;

	ASSERT_EQ(0, emu_set_attr(fd, b->p, b->chunks * CHUNK,
				  SVM_EXT_ATTR_GRANULARITY, 0));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, touch_page(fd, b, i, 0, &c));
	/* the device is full: n chunks, one page in use in each */
	ASSERT_EQ(n * PAGE, dev_mem_used(0));
}

/*
 * lru: the chunk that faulted least recently goes, not the one allocated
 * first; with fifo=1 it is the other way round.
 */
TEST_F(ev, lru_evicts_least_recently_faulted_fifo_oldest)
{
	size_t n = self->nchunks, i;
	struct drm_svm_emu_counters c;
	struct cbuf b;

	ASSERT_EQ(0, cbuf_init(&b, n + 1));
	ASSERT_EQ(0, policy_load("lru", NULL));
	fill_one_page_each(_metadata, self->fd, &b, n);

	/* chunk 0 faults again: now 1 is the least recently used */
	ASSERT_EQ(0, touch_page(self->fd, &b, 0, 1, &c));
	EXPECT_EQ(0, c.evictions);
	ASSERT_EQ(0, touch_page(self->fd, &b, n, 0, &c));	/* full */
	EXPECT_EQ(1, c.evictions);
	EXPECT_EQ(1, c.pages_evicted);
	EXPECT_EQ(2, on_dev(self->fd, &b, 0));
	EXPECT_EQ(0, on_dev(self->fd, &b, 1));
	for (i = 2; i <= n; i++)
		EXPECT_EQ(1, on_dev(self->fd, &b, i));

	/*
	 * fifo=1: chunk 2 faults again (so recency order is 3 .. n-1, 0, n,
	 * 2) and chunk 1 comes back: the oldest allocation, chunk 0, goes
	 * although chunk 3 is the least recently used.
	 */
	ASSERT_EQ(0, policy_set("fifo=1", NULL));
	ASSERT_EQ(0, touch_page(self->fd, &b, 2, 1, &c));
	ASSERT_EQ(0, touch_page(self->fd, &b, 1, 0, &c));
	EXPECT_EQ(1, c.evictions);
	EXPECT_EQ(2, c.pages_evicted);
	EXPECT_EQ(0, on_dev(self->fd, &b, 0));
	EXPECT_EQ(1, on_dev(self->fd, &b, 1));
	EXPECT_EQ(2, on_dev(self->fd, &b, 2));
	EXPECT_EQ(1, on_dev(self->fd, &b, 3));
	EXPECT_EQ(-1, cbuf_check(&b));
	cbuf_fini(&b);
}

/*
 * mru: the chunk that faulted most recently goes; keep_recent=1 spares it
 * and takes the one before.
 */
TEST_F(ev, mru_evicts_most_recently_faulted)
{
	size_t n = self->nchunks;
	struct drm_svm_emu_counters c;
	struct cbuf b;

	ASSERT_EQ(0, cbuf_init(&b, n + 1));
	ASSERT_EQ(0, policy_load("mru", NULL));
	fill_one_page_each(_metadata, self->fd, &b, n);

	/* chunk 0 faults again and is the most recent: it goes */
	ASSERT_EQ(0, touch_page(self->fd, &b, 0, 1, &c));
	ASSERT_EQ(0, touch_page(self->fd, &b, n, 0, &c));
	EXPECT_EQ(1, c.evictions);
	EXPECT_EQ(2, c.pages_evicted);
	EXPECT_EQ(0, on_dev(self->fd, &b, 0));
	EXPECT_EQ(1, on_dev(self->fd, &b, 1));
	EXPECT_EQ(1, on_dev(self->fd, &b, n));

	/* recency now 1 .. n; keep_recent=1: chunk n stays, n - 1 goes */
	ASSERT_EQ(0, policy_set("keep_recent=1", NULL));
	ASSERT_EQ(0, touch_page(self->fd, &b, 0, 2, &c));
	EXPECT_EQ(1, c.evictions);
	EXPECT_EQ(1, on_dev(self->fd, &b, 0));
	EXPECT_EQ(1, on_dev(self->fd, &b, n));
	EXPECT_EQ(0, on_dev(self->fd, &b, n - 1));
	EXPECT_EQ(1, on_dev(self->fd, &b, 1));
	EXPECT_EQ(-1, cbuf_check(&b));
	cbuf_fini(&b);
}

#define SWEEP_PASSES	4

/*
 * A sweep over capacity + 1 chunks, repeated: the device touches every
 * page of every chunk, pass after pass.  Faults and evictions per pass in
 * f[] and ev[].
 */
static void sweep(struct __test_metadata *_metadata, int fd, size_t nchunks,
		  uint64_t *f, uint64_t *ev)
{
	struct drm_svm_emu_counters c;
	struct cbuf b;
	int pass;

	ASSERT_EQ(0, cbuf_init(&b, nchunks + 1));
	for (pass = 0; pass < SWEEP_PASSES; pass++) {
		ASSERT_EQ(0, touch_chunks(fd, &b, 0, nchunks + 1, &c));
		f[pass] = c.faults;
		ev[pass] = c.evictions;
		TH_LOG("pass %d: %llu faults, %llu evictions, %llu pages evicted",
		       pass, (unsigned long long)c.faults,
		       (unsigned long long)c.evictions,
		       (unsigned long long)c.pages_evicted);
	}
	EXPECT_EQ(-1, cbuf_check(&b));
	cbuf_fini(&b);
}

/* The LRU baseline: every pass faults on every chunk. */
TEST_F(ev, lru_sweep_faults_on_every_chunk)
{
	uint64_t f[SWEEP_PASSES], ev[SWEEP_PASSES];
	int pass;

	ASSERT_EQ(0, policy_load("lru", NULL));
	sweep(_metadata, self->fd, self->nchunks, f, ev);
	for (pass = 1; pass < SWEEP_PASSES; pass++) {
		EXPECT_GE(f[pass], self->nchunks + 1);
		EXPECT_EQ(self->nchunks + 1, ev[pass]);
	}
}

/*
 * MRU keeps chunks 0 .. capacity-2 resident for good: from the second
 * pass on, only the last two chunks take turns in the one remaining slot,
 * each fault on one of them evicting the other - 2 faults and 2 evictions
 * per pass, where LRU has capacity + 1.
 */
TEST_F(ev, mru_sweep_keeps_a_stable_subset)
{
	uint64_t f[SWEEP_PASSES], ev[SWEEP_PASSES];
	int pass;

	ASSERT_EQ(0, policy_load("mru", NULL));
	sweep(_metadata, self->fd, self->nchunks, f, ev);
	EXPECT_GE(f[0], self->nchunks + 1);
	EXPECT_EQ(1, ev[0]);
	for (pass = 1; pass < SWEEP_PASSES; pass++) {
		EXPECT_LE(f[pass], 2);
		EXPECT_EQ(2, ev[pass]);
	}
}

#define HOT		8	/* chunks reused every round */
#define SCAN_STEP	4	/* new chunks scanned per round */
#define ROUNDS		24

/*
 * A hot set of HOT chunks is reused every round while a scan goes once
 * through ROUNDS * SCAN_STEP chunks (3 times device memory), SCAN_STEP
 * per round.  The hot set's resident chunks do not fault, so to a
 * fault-driven LRU they look older than the scan: each time the scan has
 * filled the device, LRU evicts the hot set and it faults back, every
 * (capacity - HOT) / SCAN_STEP rounds.  Hot-set faults per round in hot[].
 */
static void hot_and_scan(struct __test_metadata *_metadata, int fd,
			 uint64_t *hot, long *hot_resident_end)
{
	struct drm_svm_emu_counters c;
	struct cbuf h, s;
	int r;

	ASSERT_EQ(0, cbuf_init(&h, HOT));
	ASSERT_EQ(0, cbuf_init(&s, ROUNDS * SCAN_STEP));
	for (r = 0; r < ROUNDS; r++) {
		ASSERT_EQ(0, touch_chunks(fd, &h, 0, HOT, &c));
		hot[r] = c.faults;
		ASSERT_EQ(0, touch_chunks(fd, &s, r * SCAN_STEP, SCAN_STEP, &c));
	}
	*hot_resident_end = emu_count_at(fd, h.p, HOT * CHUNK_PAGES, 0);
	EXPECT_EQ(-1, cbuf_check(&h));
	EXPECT_EQ(-1, cbuf_check(&s));
	cbuf_fini(&s);
	cbuf_fini(&h);
}

static uint64_t sum(const uint64_t *v, int from, int to)
{
	uint64_t s = 0;

	for (; from < to; from++)
		s += v[from];
	return s;
}

TEST_F(ev, lru_scan_pushes_out_the_hot_set)
{
	uint64_t hot[ROUNDS];
	long res;

	ASSERT_EQ(0, policy_load("lru", NULL));
	hot_and_scan(_metadata, self->fd, hot, &res);
	TH_LOG("lru: hot-set faults %llu (second half %llu), resident at end %ld pages",
	       (unsigned long long)sum(hot, 0, ROUNDS),
	       (unsigned long long)sum(hot, ROUNDS / 2, ROUNDS), res);
	/* the scan keeps pushing the hot set out, late as early */
	EXPECT_GE(sum(hot, ROUNDS / 2, ROUNDS), HOT);
	EXPECT_GE(sum(hot, 0, ROUNDS), 3 * HOT);
}

/*
 * S3-FIFO: the hot set enters the small queue, leaves it once (no reuse
 * seen yet) and the ghost recognises it when it faults back: it goes to
 * main, where the scan never reaches it (the scan's chunks are never
 * reused, so victims come from the small queue as long as it is over its
 * size, which the scan keeps it).  So the hot set faults in at most twice,
 * and never in the second half of the run.
 */
TEST_F(ev, s3fifo_hot_set_survives_the_scan)
{
	uint64_t hot[ROUNDS];
	long res;

	ASSERT_EQ(0, policy_load("s3fifo", NULL));
	hot_and_scan(_metadata, self->fd, hot, &res);
	TH_LOG("s3fifo: hot-set faults %llu (second half %llu), resident at end %ld pages",
	       (unsigned long long)sum(hot, 0, ROUNDS),
	       (unsigned long long)sum(hot, ROUNDS / 2, ROUNDS), res);
	EXPECT_LE(sum(hot, 0, ROUNDS), 2 * HOT);
	EXPECT_EQ(0, sum(hot, ROUNDS / 2, ROUNDS));
	EXPECT_EQ(HOT * CHUNK_PAGES, res);
}

/*
 * Tenants: two processes, each with its own binding to device 0 and a
 * buffer larger than its share, driven through pipes so the test decides
 * when they run: both at once (contention), or one alone.
 */
#define TENANT_A_CHUNKS	28
#define TENANT_B_CHUNKS	20
#define TENANT_ROUNDS	3

struct tenant {
	pid_t pid;
	int cmd;		/* parent -> child */
	int rep;		/* child -> parent */
};

struct tenant_rep {
	long long v[3];
};

/* The child: serve commands until 'q'; never returns. */
static void tenant_child(size_t chunks, int cmd, int rep)
{
	struct drm_svm_emu_counters c;
	struct tenant_rep r = {};
	struct cbuf b;
	int fd = emu_open(0);
	char op;

	if (fd < 0 || emu_bind(fd) || cbuf_init(&b, chunks))
		_exit(2);
	if (write(rep, &r, sizeof(r)) != sizeof(r))	/* ready */
		_exit(3);
	while (read(cmd, &op, 1) == 1) {
		memset(&r, 0, sizeof(r));
		switch (op) {
		case 'p':	/* one pass over the whole buffer */
			r.v[0] = touch_chunks(fd, &b, 0, chunks, &c);
			r.v[1] = c.faults;
			r.v[2] = c.evictions;
			break;
		case 'r':	/* pages resident on device 0 */
			r.v[0] = emu_count_at(fd, b.p, chunks * CHUNK_PAGES, 0);
			break;
		case 'c':	/* the CPU checks every word */
			r.v[0] = cbuf_check(&b);
			break;
		default:
			_exit(0);
		}
		if (write(rep, &r, sizeof(r)) != sizeof(r))
			_exit(3);
	}
	_exit(0);
}

static int tenant_start(struct tenant *t, size_t chunks)
{
	int cmd[2], rep[2];
	struct tenant_rep r;

	if (pipe(cmd) || pipe(rep))
		return -1;
	t->pid = fork();
	if (t->pid < 0)
		return -1;
	if (!t->pid) {
		close(cmd[1]);
		close(rep[0]);
		tenant_child(chunks, cmd[0], rep[1]);
	}
	close(cmd[0]);
	close(rep[1]);
	t->cmd = cmd[1];
	t->rep = rep[0];
	return read(t->rep, &r, sizeof(r)) == sizeof(r) ? 0 : -1;
}

static int tenant_send(struct tenant *t, char op)
{
	return write(t->cmd, &op, 1) == 1 ? 0 : -1;
}

static int tenant_reply(struct tenant *t, struct tenant_rep *r)
{
	return read(t->rep, r, sizeof(*r)) == sizeof(*r) ? 0 : -1;
}

static long long tenant_ask(struct tenant *t, char op)
{
	struct tenant_rep r;

	if (tenant_send(t, op) || tenant_reply(t, &r))
		return -1000;
	return r.v[0];
}

static void tenant_stop(struct tenant *t)
{
	int st;

	tenant_send(t, 'q');
	close(t->cmd);
	close(t->rep);
	waitpid(t->pid, &st, 0);
}

/*
 * Both tenants sweep their buffers at the same time, TENANT_ROUNDS times,
 * then B alone once more (under LRU the last one to sweep would take the
 * device).  A's share is @pct_a percent, B's the rest.  Unless @q is
 * NO_QUOTA, tenant_quota runs, told the shares (CONFIGURED) or not
 * (DEFAULT_SHARES: pct_a must be 50); then after every round from the
 * second on, each tenant's resident pages must be within 5% of device
 * memory of its share.  Final residency in res[].
 */
enum quota { NO_QUOTA, DEFAULT_SHARES, CONFIGURED };

static void tenants(struct __test_metadata *_metadata, size_t nchunks,
		    int pct_a, enum quota q, long long *res)
{
	long long tol = nchunks * CHUNK_PAGES * 5 / 100;
	long long share[2] = {
		(long long)nchunks * CHUNK_PAGES * pct_a / 100,
		(long long)nchunks * CHUNK_PAGES * (100 - pct_a) / 100,
	};
	struct tenant t[2];
	struct tenant_rep r;
	int round, i;

	ASSERT_EQ(0, tenant_start(&t[0], TENANT_A_CHUNKS));
	ASSERT_EQ(0, tenant_start(&t[1], TENANT_B_CHUNKS));
	/* both ask for more than their share, together for more than all */
	ASSERT_GT(TENANT_A_CHUNKS * CHUNK_PAGES, share[0] + tol);
	ASSERT_GT(TENANT_B_CHUNKS * CHUNK_PAGES, share[1] + tol);
	ASSERT_GT(TENANT_A_CHUNKS + TENANT_B_CHUNKS, nchunks);
	if (q == CONFIGURED) {
		ASSERT_EQ(0, policy_loadf("tenant_quota",
					  "tenant0_tgid=%d tenant0_pct=%d tenant1_tgid=%d tenant1_pct=%d",
					  t[0].pid, pct_a, t[1].pid, 100 - pct_a));
	} else if (q == DEFAULT_SHARES) {
		ASSERT_EQ(0, policy_load("tenant_quota", NULL));
	}

	for (round = 0; round <= TENANT_ROUNDS; round++) {
		/* the last round is B's alone */
		for (i = round < TENANT_ROUNDS ? 0 : 1; i < 2; i++)
			ASSERT_EQ(0, tenant_send(&t[i], 'p'));
		for (i = round < TENANT_ROUNDS ? 0 : 1; i < 2; i++) {
			ASSERT_EQ(0, tenant_reply(&t[i], &r));
			ASSERT_EQ(0, r.v[0]);
			TH_LOG("round %d tenant %c: %lld faults, %lld evictions",
			       round, 'A' + i, r.v[1], r.v[2]);
		}
		for (i = 0; i < 2; i++) {
			res[i] = tenant_ask(&t[i], 'r');
			ASSERT_GE(res[i], 0);
		}
		TH_LOG("round %d resident: A %lld pages (share %lld), B %lld pages (share %lld)",
		       round, res[0], share[0], res[1], share[1]);
		if (q != NO_QUOTA && round > 0) {
			for (i = 0; i < 2; i++) {
				EXPECT_LE(res[i], share[i] + tol);
				EXPECT_GE(res[i], share[i] - tol);
			}
		}
	}
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(-1, tenant_ask(&t[i], 'c'));
		tenant_stop(&t[i]);
	}
}

/*
 * The scenario discriminates: without quotas (the core's LRU) the tenant
 * that swept last holds far more than half the device, and the other far
 * less.  Not necessarily all of its buffer: the core orders chunks by their
 * last fault, as UVM does, so a chunk of B's that was still resident when
 * B's last sweep reached it (no fault, its time not renewed) can be older
 * than A's chunks and go later in the same sweep; how many do depends on
 * how the two tenants' faults interleaved in the round before.
 */
TEST_F_TIMEOUT(ev, tenants_without_quota_last_sweeper_takes_more, 180)
{
	long long all = (long long)self->nchunks * CHUNK_PAGES;
	long long res[2];

	tenants(_metadata, self->nchunks, 50, NO_QUOTA, res);
	EXPECT_GT(res[1], all * 55 / 100);
	EXPECT_LT(res[0], all * 45 / 100);
	EXPECT_LE(res[1], TENANT_B_CHUNKS * CHUNK_PAGES);
}

/* No configuration: two tenants, equal shares. */
TEST_F_TIMEOUT(ev, tenant_quota_equal_shares_by_default, 180)
{
	long long res[2];

	tenants(_metadata, self->nchunks, 50, DEFAULT_SHARES, res);
}

TEST_F_TIMEOUT(ev, tenant_quota_configured_75_25, 180)
{
	long long res[2];

	tenants(_metadata, self->nchunks, 75, CONFIGURED, res);
}

/*
 * Cgroup tenants.  The cgroup v2 hierarchy is where systemd (or the VM's
 * init) mounted it; if nothing is mounted there, the test mounts it.
 */
#define CG_ROOT	"/sys/fs/cgroup"

static int cg_make(const char *name, char *path, size_t n,
		   unsigned long long *id)
{
	struct stat st;

	if (access(CG_ROOT "/cgroup.procs", F_OK) &&
	    mount("none", CG_ROOT, "cgroup2", 0, NULL))
		return -errno;
	snprintf(path, n, CG_ROOT "/%s", name);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	if (stat(path, &st))
		return -errno;
	*id = st.st_ino;
	return 0;
}

static int cg_enter(const char *path, pid_t pid)
{
	char f[256], buf[32];
	int fd, len, ret = 0;

	snprintf(f, sizeof(f), "%s/cgroup.procs", path);
	fd = open(f, O_WRONLY);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%d", pid);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

#define CG_A_PROCS	2
#define CG_A_CHUNKS	14	/* each of cgroup a's processes */
#define CG_A_PCT	60

/*
 * Two cgroups share device 0 by cgroup, 60/40: cgroup a holds two
 * processes of 14 chunks each, cgroup b one of 20.  Under contention, and
 * after b sweeps alone, each cgroup's resident pages (the sum over its
 * processes) stay within 5% of device memory of its share.  Shares per
 * process would have given a two thirds of the device (three equal
 * tenants), well outside that.
 */
TEST_F_TIMEOUT(ev, tenant_quota_by_cgroup_counts_every_process_in_it, 180)
{
	long long all = (long long)self->nchunks * CHUNK_PAGES;
	long long tol = all * 5 / 100, share[2], res[3], sum[2];
	char cga[128], cgb[128];
	unsigned long long ida, idb;
	struct tenant t[CG_A_PROCS + 1];
	struct tenant_rep r;
	int round, i, n = CG_A_PROCS + 1;

	share[0] = all * CG_A_PCT / 100;
	share[1] = all - share[0];
	ASSERT_EQ(0, cg_make("svm_ext_tq_a", cga, sizeof(cga), &ida));
	ASSERT_EQ(0, cg_make("svm_ext_tq_b", cgb, sizeof(cgb), &idb));
	ASSERT_NE(ida, idb);
	/* each cgroup asks for more than its share, together for more than all */
	ASSERT_GT(CG_A_PROCS * CG_A_CHUNKS * CHUNK_PAGES, share[0] + tol);
	ASSERT_GT(TENANT_B_CHUNKS * CHUNK_PAGES, share[1] + tol);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, tenant_start(&t[i], i < CG_A_PROCS ? CG_A_CHUNKS :
					  TENANT_B_CHUNKS));
		/* before its first device fault, where the core notes it */
		ASSERT_EQ(0, cg_enter(i < CG_A_PROCS ? cga : cgb, t[i].pid));
	}
	ASSERT_EQ(0, policy_loadf("tenant_quota",
				  "by_cgroup=1 tenant0_cgroup=%llu tenant0_pct=%d tenant1_cgroup=%llu tenant1_pct=%d",
				  ida, CG_A_PCT, idb, 100 - CG_A_PCT));

	for (round = 0; round <= TENANT_ROUNDS; round++) {
		/* the last round is b's alone */
		for (i = round < TENANT_ROUNDS ? 0 : CG_A_PROCS; i < n; i++)
			ASSERT_EQ(0, tenant_send(&t[i], 'p'));
		for (i = round < TENANT_ROUNDS ? 0 : CG_A_PROCS; i < n; i++) {
			ASSERT_EQ(0, tenant_reply(&t[i], &r));
			ASSERT_EQ(0, r.v[0]);
		}
		for (i = 0; i < n; i++) {
			res[i] = tenant_ask(&t[i], 'r');
			ASSERT_GE(res[i], 0);
		}
		sum[0] = res[0] + res[1];
		sum[1] = res[2];
		TH_LOG("round %d resident: cgroup a %lld pages (%lld + %lld, share %lld), b %lld (share %lld)",
		       round, sum[0], res[0], res[1], share[0], sum[1],
		       share[1]);
		if (round > 0) {
			for (i = 0; i < 2; i++) {
				EXPECT_LE(sum[i], share[i] + tol);
				EXPECT_GE(sum[i], share[i] - tol);
			}
		}
	}
	for (i = 0; i < n; i++) {
		EXPECT_EQ(-1, tenant_ask(&t[i], 'c'));
		tenant_stop(&t[i]);
	}
	EXPECT_EQ(0, rmdir(cga));
	EXPECT_EQ(0, rmdir(cgb));
}

/*
 * A policy's victim is claimed only if it still holds what the policy was
 * shown.  The evict_stale policy names another process's chunk, then
 * spins STALE_SPIN_MS; meanwhile that process unmaps the chunk's memory,
 * maps new memory at the same address and has the device touch it, which
 * takes the freed chunk again: same device chunk, same process, same
 * address, other data.  The core must see that it changed hands and evict
 * the least recently used chunk instead; the new data stays on the device.
 */
#define STALE_SPIN_MS	2000

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct stale_fault {
	int fd;
	struct cbuf *b;
	size_t chunk;
	struct drm_svm_emu_counters c;
	int ret;
};

static void *stale_fault_fn(void *arg)
{
	struct stale_fault *f = arg;

	f->ret = touch_page(f->fd, f->b, f->chunk, 0, &f->c);
	return NULL;
}

/* the chunk's owner; its replies are three numbers */
static void stale_child(int cmd, int rep)
{
	struct drm_svm_emu_counters c;
	long long r[3] = { 0 };
	int fd = emu_open(0);
	struct cbuf b;
	char op;

	if (fd < 0 || emu_bind(fd) || cbuf_init(&b, 1) ||
	    touch_chunks(fd, &b, 0, 1, &c))
		_exit(2);
	r[0] = (long long)(uintptr_t)b.p;
	r[1] = on_dev(fd, &b, 0);
	if (write(rep, r, sizeof(r)) != sizeof(r) || read(cmd, &op, 1) != 1)
		_exit(3);
	/* new memory at the same address, on the device again */
	if (mmap(b.p, CHUNK, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != b.p)
		_exit(4);
	fill_pattern(b.p, CHUNK, SEED);
	memset(b.adds, 0, CHUNK_PAGES * sizeof(*b.adds));
	r[0] = touch_chunks(fd, &b, 0, 1, &c);
	r[1] = mono_ns();
	r[2] = c.evictions;
	if (write(rep, r, sizeof(r)) != sizeof(r) || read(cmd, &op, 1) != 1)
		_exit(3);
	r[0] = on_dev(fd, &b, 0);
	r[1] = cbuf_check(&b);
	r[2] = 0;
	_exit(write(rep, r, sizeof(r)) == sizeof(r) ? 0 : 3);
}

TEST_F_TIMEOUT(ev, evict_skips_a_chunk_that_changed_hands, 120)
{
	size_t n = self->nchunks, i;
	struct stale_fault f = { .fd = self->fd, .chunk = n - 1 };
	int cmd[2], rep[2], st;
	long long r[3];
	struct cbuf b;
	pthread_t th;
	uint64_t t0;
	pid_t pid;

	ASSERT_EQ(0, pipe(cmd));
	ASSERT_EQ(0, pipe(rep));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		close(cmd[1]);
		close(rep[0]);
		stale_child(cmd[0], rep[1]);
	}
	close(cmd[0]);
	close(rep[1]);
	ASSERT_EQ(sizeof(r), read(rep[0], r, sizeof(r)));
	ASSERT_EQ(CHUNK_PAGES, r[1]);

	/* the rest of the device: one page in each of n - 1 chunks of ours */
	ASSERT_EQ(0, cbuf_init(&b, n));
	ASSERT_EQ(0, emu_set_attr(self->fd, b.p, n * CHUNK,
				  SVM_EXT_ATTR_GRANULARITY, 0));
	for (i = 0; i < n - 1; i++)
		ASSERT_EQ(0, touch_page(self->fd, &b, i, 0, NULL));
	ASSERT_EQ((n - 1) * PAGE + CHUNK, dev_mem_used(0));

	ASSERT_EQ(0, policy_loadf(test_bpf_obj("evict_stale"),
				  "tgid=%d addr=%lld spin_ms=%d", pid, r[0],
				  STALE_SPIN_MS));
	f.b = &b;
	t0 = mono_ns();
	ASSERT_EQ(0, pthread_create(&th, NULL, stale_fault_fn, &f));
	usleep(300 * 1000);	/* the policy is spinning by now */
	ASSERT_EQ(1, write(cmd[1], "g", 1));
	ASSERT_EQ(sizeof(r), read(rep[0], r, sizeof(r)));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(0, r[0]);
	EXPECT_EQ(0, r[2]) TH_LOG("the owner's new touch evicted: the freed chunk was not free");
	/* the scenario happened: the chunk changed hands before the policy returned */
	ASSERT_LT(r[1], (long long)(t0 + STALE_SPIN_MS * 1000000ULL));

	ASSERT_EQ(0, f.ret);
	EXPECT_EQ(1, f.c.evictions);
	EXPECT_EQ(0, run("grep -qx evict_stale " SVM_SYSFS "/policy"))
		TH_LOG("the policy did not stay attached");
	/* the least recently used chunk went: our chunk 0, not the owner's */
	EXPECT_EQ(0, on_dev(self->fd, &b, 0));
	EXPECT_EQ(1, on_dev(self->fd, &b, n - 1));
	ASSERT_EQ(1, write(cmd[1], "c", 1));
	ASSERT_EQ(sizeof(r), read(rep[0], r, sizeof(r)));
	EXPECT_EQ(CHUNK_PAGES, r[0]) TH_LOG("the policy's stale choice evicted the owner's new data");
	EXPECT_EQ(-1, r[1]);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
	EXPECT_EQ(-1, cbuf_check(&b));
	close(cmd[1]);
	close(rep[0]);
	cbuf_fini(&b);
}

/*
 * lfu, and the default policy's evict hook.  Each scenario first runs under
 * the built-in default (LRU), then under the policy, with areas of their
 * own (struct area): one 2 MiB aligned mapping each, written by the device
 * with a pattern every word of which is checked afterwards.
 */
/*
 * A hot chunk, faulted page by page (4 KiB granularity: 512 faults), then
 * one pass (a scan) over as much memory as the device has, one fault per
 * chunk.  The device cannot hold both: something is evicted.  *left: how
 * many of the hot chunk's pages are still on the device after the scan.
 */
static void hot_then_scan(struct __test_metadata *_metadata, int fd,
			  size_t total, unsigned int idle_ms, long *left)
{
	struct drm_svm_emu_counters c;
	struct area hot, scan;

	ASSERT_GE(total, 2 * CHUNK);
	ASSERT_EQ(0, area_map(&hot, CHUNK));
	ASSERT_EQ(0, area_map(&scan, total));
	ASSERT_EQ(0, emu_set_attr(fd, hot.buf, CHUNK,
				  SVM_EXT_ATTR_GRANULARITY, 0));
	ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_WRITE, hot.buf, CHUNK, 0, 0x4000,
			       NULL, &c));
	EXPECT_EQ(CHUNK_PAGES, c.faults);
	EXPECT_EQ(CHUNK_PAGES, emu_count_at(fd, hot.buf, CHUNK_PAGES, 0));
	if (idle_ms)
		usleep(idle_ms * 1000);

	ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_WRITE, scan.buf, total, 0,
			       0x6000, NULL, &c));
	EXPECT_EQ(total / CHUNK, c.faults);
	EXPECT_GE(c.evictions, 1);
	*left = emu_count_at(fd, hot.buf, CHUNK_PAGES, 0);
	/* whoever was evicted, every word is where the device put it */
	EXPECT_EQ(-1, check_pattern(hot.buf, CHUNK, 0x4000));
	EXPECT_EQ(-1, check_pattern(scan.buf, total, 0x6000));
	area_unmap(&hot);
	area_unmap(&scan);
}

TEST_F_TIMEOUT(ev, lfu_keeps_hot_chunk_through_scan, 180)
{
	long lru, lfu;

	hot_then_scan(_metadata, self->fd, self->nchunks * CHUNK, 0, &lru);
	ASSERT_EQ(0, policy_load("lfu", NULL));
	EXPECT_EQ(0, run("%s map dump pinned /sys/fs/bpf/svm_ext/lfu/params"
			 " | grep -q '\"decay_ms\": 0'", SVM_BPFTOOL));
	hot_then_scan(_metadata, self->fd, self->nchunks * CHUNK, 0, &lfu);
	EXPECT_EQ(0, run("grep -qx enabled " SVM_SYSFS "/state"));
	/* LRU: the hot chunk is the coldest when the scan fills the device */
	EXPECT_EQ(0, lru);
	EXPECT_EQ(CHUNK_PAGES, lfu);
	TH_LOG("hot chunk pages on the device after the scan: LRU %ld, LFU %ld",
	       lru, lfu);
}

/*
 * At the default 2 MiB granularity a chunk faults once per stay on the
 * device: its frequency is how often it comes back.  A chunk H is touched,
 * pushed out by a scan as large as the device, touched again (its second
 * fault), then a second scan as large as the device follows.  LRU evicts H
 * at the end of that scan; LFU, counting H's faults across its eviction
 * (2 against the scan chunks' 1), keeps it.  *left: H's pages on the device.
 */
static void return_then_scan(struct __test_metadata *_metadata, int fd,
			     size_t total, long *left)
{
	struct drm_svm_emu_counters c;
	struct area h, s1, s2;

	ASSERT_GE(total, 2 * CHUNK);
	ASSERT_EQ(0, area_map(&h, CHUNK));
	ASSERT_EQ(0, area_map(&s1, total));
	ASSERT_EQ(0, area_map(&s2, total));
	ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_WRITE, h.buf, CHUNK, 0, 0x4000,
			       NULL, &c));
	EXPECT_EQ(1, c.faults);
	ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_WRITE, s1.buf, total, 0, 0x5000,
			       NULL, &c));
	/* the first scan evicts H whatever the policy: all counts are 1 */
	EXPECT_EQ(0, emu_count_at(fd, h.buf, CHUNK_PAGES, 0));
	ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_WRITE, h.buf, CHUNK, 0, 0x4100,
			       NULL, &c));
	EXPECT_EQ(1, c.faults);
	EXPECT_EQ(1, c.evictions);
	ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_WRITE, s2.buf, total, 0, 0x6000,
			       NULL, &c));
	EXPECT_EQ(total / CHUNK, c.faults);
	*left = emu_count_at(fd, h.buf, CHUNK_PAGES, 0);
	EXPECT_EQ(-1, check_pattern(h.buf, CHUNK, 0x4100));
	EXPECT_EQ(-1, check_pattern(s1.buf, total, 0x5000));
	EXPECT_EQ(-1, check_pattern(s2.buf, total, 0x6000));
	area_unmap(&h);
	area_unmap(&s1);
	area_unmap(&s2);
}

TEST_F_TIMEOUT(ev, lfu_counts_faults_across_evictions, 180)
{
	long lru, lfu;

	return_then_scan(_metadata, self->fd, self->nchunks * CHUNK, &lru);
	ASSERT_EQ(0, policy_load("lfu", NULL));
	return_then_scan(_metadata, self->fd, self->nchunks * CHUNK, &lfu);
	EXPECT_EQ(0, run("grep -qx enabled " SVM_SYSFS "/state"));
	EXPECT_EQ(0, lru);
	EXPECT_EQ(CHUNK_PAGES, lfu);
	TH_LOG("chunk faulted twice, pages on the device after the scan: LRU %ld, LFU %ld",
	       lru, lfu);
}

/* With decay, a chunk idle for many half-lives counts no more than a scan's. */
TEST_F_TIMEOUT(ev, lfu_decay_ages_out_idle_chunk, 180)
{
	long decayed, kept;

	ASSERT_EQ(0, policy_load("lfu", "decay_ms=1", NULL));
	hot_then_scan(_metadata, self->fd, self->nchunks * CHUNK, 200, &decayed);
	EXPECT_EQ(0, decayed);
	/* the same idle time without decay: the count still wins */
	ASSERT_EQ(0, policy_set("decay_ms=0", NULL));
	hot_then_scan(_metadata, self->fd, self->nchunks * CHUNK, 200, &kept);
	EXPECT_EQ(CHUNK_PAGES, kept);
}

/* The default policy's evict hook picks the least recently used, as built in. */
TEST_F_TIMEOUT(ev, default_evicts_like_builtin, 180)
{
	long left;

	ASSERT_EQ(0, policy_load("default", NULL));
	hot_then_scan(_metadata, self->fd, self->nchunks * CHUNK, 0, &left);
	EXPECT_EQ(0, left);
	EXPECT_EQ(0, run("grep -qx enabled " SVM_SYSFS "/state"));
}

TEST_HARNESS_MAIN
