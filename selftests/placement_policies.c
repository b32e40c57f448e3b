// SPDX-License-Identifier: GPL-2.0
/*
 * The placement policies of the library decide what they promise, where it
 * differs from the default: thrash_guard and uvm stop CPU<->GPU ping-pong
 * (and pin only as long as they should), uvm's density tree cuts sequential
 * first-touch faults, kfd follows KFD's restore-location rules, p2p keeps
 * data two linked devices share in device memory and maps it over the link.
 * Every scenario that moves data checks it.  Figures (bytes, faults,
 * modeled time) are printed as "# figure:" lines.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_policy.h"
#include "svm_user.h"

#define PAGES(x) ((long long)(x) / 4096)

/*
 * Thrashing times for the VM.  The policies measure wall-clock time; a
 * 16 MiB round takes milliseconds on hardware (an H100 took 36 ms for
 * 64 MiB) and far longer under TCG: with UVM's 500 us lapse nothing would
 * count as thrashing, and a 150 ms pin could expire mid-round.  Scaled so
 * the emulator's speed does not matter (see docs/policies.md).
 */
#define THRASH_VM_TIMES "lapse_us=10000000 epoch_ms=10000"
#define THRASH_VM THRASH_VM_TIMES " pin_ms=600000"
/* thrash_guard reacting only (its detection, throttle and pin under test) */
#define TG_REACT " rent_first=0"

/* @params: space-separated KEY=VALUE settings, or "" */
static int load(const char *policy, const char *params)
{
	return policy_loadf(policy, "%s", params);
}

static void unload(void)
{
	policy_unload_any();
}

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}


/*
 * A failed ASSERT skips the teardown: never inherit a policy, nor the
 * topology a test reloaded svm_emu with (default: 2 linked devices).
 */
static void ensure_default_setup(struct __test_metadata *_metadata)
{
	unload();
	if (emu_count() != 2 || read_ll(SVM_SYSFS "/devices/0/peers") != 2)
		ASSERT_EQ(0, emu_reload("ndevices=2 mem_mb=64"));
}

static int open_bound(unsigned int i)
{
	int fd = emu_open(i);

	if (fd >= 0 && emu_bind(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}


/* ---- CPU<->GPU ping-pong ------------------------------------------------ */

#define PP_LEN		(16 * MIB)
#define PP_ROUNDS	6
#define PP_STEADY	3	/* rounds 4..6: after the detection phase */

struct pp_round {
	long long pages;	/* moved, both directions, GPU and CPU faults */
	long long faults, modeled_ns, throttle_ns, remote;
};

/*
 * One round: the CPU writes everything, the GPU adds 1 to every word, the
 * CPU checks every word.  Under the default each turn migrates the data.
 */
static void pp_round(struct __test_metadata *_metadata, int fd, uint64_t *buf,
		     uint64_t seed, struct pp_round *r)
{
	struct drm_svm_emu_counters c;
	struct moved m;

	moved_snap(0, &m);
	fill_pattern(buf, PP_LEN, seed);
	ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_ATOMIC_ADD, buf, PP_LEN, 0, 1,
			       NULL, &c));
	ASSERT_EQ(-1, check_pattern(buf, PP_LEN, seed + 1));
	r->pages = moved_since(0, &m);
	r->faults = c.faults;
	r->modeled_ns = c.modeled_ns;
	r->throttle_ns = c.throttle_ns;
	r->remote = c.remote_maps;
}

struct pp_sum {
	long long pages, steady_pages, faults, modeled_ns, steady_ns,
		  throttle_ns;
};

static void pingpong(struct __test_metadata *_metadata, int fd, uint64_t *buf,
		     int rounds, long gap_ms, const char *name,
		     struct pp_sum *s)
{
	struct pp_round r;
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < rounds; i++) {
		pp_round(_metadata, fd, buf, 1000 * (i + 1), &r);
		if (gap_ms)
			msleep(gap_ms);
		s->pages += r.pages;
		s->faults += r.faults;
		s->modeled_ns += r.modeled_ns;
		s->throttle_ns += r.throttle_ns;
		if (i >= rounds - PP_STEADY) {
			s->steady_pages += r.pages;
			s->steady_ns += r.modeled_ns;
		}
		ksft_print_msg("figure: pingpong %s round %d: %lld KiB moved, %lld faults, %lld remote, %lld us modeled, %lld us throttled\n",
			       name, i + 1, r.pages * 4, r.faults, r.remote,
			       r.modeled_ns / 1000, r.throttle_ns / 1000);
	}
	ksft_print_msg("figure: pingpong %s total (%d rounds of 16 MiB): %lld MiB moved, %lld faults, %lld us modeled; last %d rounds: %lld KiB moved, %lld us modeled\n",
		       name, rounds, s->pages / 256, s->faults,
		       s->modeled_ns / 1000, PP_STEADY, s->steady_pages * 4,
		       s->steady_ns / 1000);
}

/* Drop the GPU's mappings (an mprotect round trip) without moving data. */
static void drop_gpu_mappings(struct __test_metadata *_metadata, void *buf,
			      size_t len)
{
	ASSERT_EQ(0, mprotect(buf, len, PROT_READ));
	ASSERT_EQ(0, mprotect(buf, len, PROT_READ | PROT_WRITE));
}

FIXTURE(pp)
{
	int fd;
};

FIXTURE_SETUP(pp)
{
	ensure_default_setup(_metadata);
	self->fd = emu_open(0);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, emu_bind(self->fd));
}

FIXTURE_TEARDOWN(pp)
{
	unload();
	close(self->fd);
}

/*
 * Default vs the advised placement (preferred=system, accessed-by=GPU) vs
 * thrash_guard and uvm without any hint.  After the detection phase the
 * policies move >= 10x fewer bytes than the default (none at all: the data
 * stays in system memory, the GPU maps it remotely) and model about the
 * advised placement's time.
 */
TEST_F_TIMEOUT(pp, thrashing_policies_stop_cpu_gpu_pingpong, 180)
{
	uint64_t *def = map_chunk_aligned(PP_LEN, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	uint64_t *adv = map_chunk_aligned(PP_LEN, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	uint64_t *tg = map_chunk_aligned(PP_LEN, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
	uint64_t *uvm = map_chunk_aligned(PP_LEN, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	uint64_t *uvm500 = map_chunk_aligned(PP_LEN, PROT_READ | PROT_WRITE,
					     MAP_PRIVATE);
	struct pp_sum sd, sa, st, su, su5;
	struct drm_svm_emu_counters c;
	struct moved m;

	ASSERT_NE(MAP_FAILED, def);
	ASSERT_NE(MAP_FAILED, adv);
	ASSERT_NE(MAP_FAILED, tg);
	ASSERT_NE(MAP_FAILED, uvm);
	ASSERT_NE(MAP_FAILED, uvm500);
	pingpong(_metadata, self->fd, def, PP_ROUNDS, 0, "default", &sd);
	ASSERT_EQ(0, emu_set_attr(self->fd, adv, PP_LEN,
				  SVM_EXT_ATTR_PREFERRED_LOC, SVM_EXT_LOC_SYSTEM));
	ASSERT_EQ(0, emu_set_attr(self->fd, adv, PP_LEN,
				  SVM_EXT_ATTR_ACCESSED_BY, 1));
	pingpong(_metadata, self->fd, adv, PP_ROUNDS, 0, "advised", &sa);

	ASSERT_EQ(0, load("thrash_guard", THRASH_VM TG_REACT));
	pingpong(_metadata, self->fd, tg, PP_ROUNDS, 0, "thrash_guard", &st);
	/* the pin holds: invalidated mappings come back in place */
	drop_gpu_mappings(_metadata, tg, PP_LEN);
	moved_snap(0, &m);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, tg, PP_LEN, 0,
			       1, NULL, &c));
	EXPECT_EQ(0, moved_since(0, &m));
	EXPECT_EQ(PAGES(PP_LEN), c.remote_maps);
	EXPECT_EQ(-1, check_pattern(tg, PP_LEN, 1000 * PP_ROUNDS + 2));
	unload();

	ASSERT_EQ(0, load("uvm", THRASH_VM));
	pingpong(_metadata, self->fd, uvm, PP_ROUNDS, 0, "uvm", &su);
	unload();
	/*
	 * For the figures only: uvm with UVM's own 500 us lapse.  Here (and
	 * on hardware, where a 64 MiB round takes tens of ms) a page's moves
	 * are further apart than that, so nothing counts as thrashing.
	 */
	ASSERT_EQ(0, load("uvm", ""));
	pingpong(_metadata, self->fd, uvm500, PP_ROUNDS, 0, "uvm-500us", &su5);

	/* the default migrates both ways on every round */
	EXPECT_EQ(2 * PAGES(PP_LEN) * PP_STEADY, sd.steady_pages);
	/* the advised placement never moves anything */
	EXPECT_EQ(0, sa.pages);
	/* detection happened: the device was throttled, then pinned */
	EXPECT_GT(st.throttle_ns, 0);
	EXPECT_GT(su.throttle_ns, 0);
	EXPECT_EQ(0, sd.throttle_ns);
	/* >= 10x fewer bytes per round than the default after detection */
	EXPECT_LE(st.steady_pages * 10, sd.steady_pages);
	EXPECT_LE(su.steady_pages * 10, sd.steady_pages);
	/* and fewer over the whole run */
	EXPECT_LT(st.pages * 2, sd.pages);
	/* modeled time within 2x of the advised placement once settled */
	EXPECT_LE(st.steady_ns, 2 * sa.steady_ns);
	EXPECT_LE(su.steady_ns, 2 * sa.steady_ns);
}

/* Word w of @buf is @seed + w, plus 1 on each page's first word: -1, or w. */
static long check_sparse_add(const uint64_t *buf, uint64_t seed)
{
	size_t w;

	for (w = 0; w < PP_LEN / 8; w++)
		if (buf[w] != seed + w + (w % 512 == 0))
			return (long)w;
	return -1;
}

/*
 * Issue 5's CPU<->GPU ping-pong, as on the H100 it quotes: the GPU updates
 * one word per page each round, the CPU rewrites the buffer.  Without any
 * hint, adaptive and thrash_guard (both at their defaults: rent first) must
 * come within 2x of the advised placement's modeled time over the whole run
 * (first round included) and move at least 10x fewer bytes than the
 * default: the data is mapped in place from the first fault and its access
 * counters never reach a chunk's worth.
 */
#define SPARSE_RUNS	4

TEST_F(pp, sparse_cpu_gpu_pingpong_never_moves)
{
	const char *names[SPARSE_RUNS] = {
		"default", "advised", "adaptive", "thrash_guard",
	};
	long long moved[SPARSE_RUNS] = {}, ns[SPARSE_RUNS] = {};
	struct drm_svm_emu_counters c;
	uint64_t *buf;
	struct moved m;
	int b, i;

	for (b = 0; b < SPARSE_RUNS; b++) {
		buf = map_chunk_aligned(PP_LEN, PROT_READ | PROT_WRITE,
					MAP_PRIVATE);
		ASSERT_NE(MAP_FAILED, buf);
		if (b == 1) {
			ASSERT_EQ(0, emu_set_attr(self->fd, buf, PP_LEN,
						  SVM_EXT_ATTR_PREFERRED_LOC,
						  SVM_EXT_LOC_SYSTEM));
			ASSERT_EQ(0, emu_set_attr(self->fd, buf, PP_LEN,
						  SVM_EXT_ATTR_ACCESSED_BY, 1));
		}
		if (b >= 2)
			ASSERT_EQ(0, load(names[b], ""));
		for (i = 0; i < PP_ROUNDS; i++) {
			moved_snap(0, &m);
			fill_pattern(buf, PP_LEN, 1000 * (i + 1));
			/* one word per page: stride 4096 */
			ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD,
					       buf, PP_LEN, 4096, 1, NULL, &c));
			EXPECT_EQ(-1, check_sparse_add(buf, 1000 * (i + 1)));
			moved[b] += moved_since(0, &m);
			ns[b] += c.modeled_ns;
			ksft_print_msg("figure: sparse pingpong %s round %d: %llu faults, %llu remote, %llu notifications, %llu us modeled\n",
				       names[b], i + 1, c.faults, c.remote_maps,
				       c.access_notifications,
				       c.modeled_ns / 1000);
		}
		unload();
	}
	EXPECT_EQ(2 * PAGES(PP_LEN) * PP_ROUNDS, moved[0]);
	EXPECT_EQ(0, moved[1]);
	for (b = 2; b < SPARSE_RUNS; b++) {
		EXPECT_LE(moved[b] * 10, moved[0]);
		EXPECT_LE(ns[b], 2 * ns[1]);
		ksft_print_msg("figure: sparse pingpong 16 MiB, %d rounds: default %lld MiB moved, %s %lld MiB; modeled: default %lld us, advised %lld us, %s %lld us\n",
			       PP_ROUNDS, moved[0] / 256, names[b],
			       moved[b] / 256, ns[0] / 1000, ns[1] / 1000,
			       names[b], ns[b] / 1000);
	}
}

/*
 * The same ping-pong with the GPU updating every word: a chunk's worth of
 * remote accesses per chunk per round, so thrash_guard's counters bring
 * the data in, and the CPU takes it back.  After two such rounds the
 * granules thrash (moves 1-4 within the lapse) and the next notifications
 * are refused: from round 3 on nothing moves and the GPU works in place,
 * in the advised placement's modeled time.
 */
TEST_F(pp, thrash_guard_rent_first_settles_dense_pingpong)
{
	uint64_t *adv = map_chunk_aligned(PP_LEN, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	uint64_t *tg = map_chunk_aligned(PP_LEN, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
	struct pp_sum sa, st;

	ASSERT_NE(MAP_FAILED, adv);
	ASSERT_NE(MAP_FAILED, tg);
	ASSERT_EQ(0, emu_set_attr(self->fd, adv, PP_LEN,
				  SVM_EXT_ATTR_PREFERRED_LOC, SVM_EXT_LOC_SYSTEM));
	ASSERT_EQ(0, emu_set_attr(self->fd, adv, PP_LEN,
				  SVM_EXT_ATTR_ACCESSED_BY, 1));
	pingpong(_metadata, self->fd, adv, PP_ROUNDS, 0, "advised", &sa);
	ASSERT_EQ(0, load("thrash_guard", THRASH_VM));
	pingpong(_metadata, self->fd, tg, PP_ROUNDS, 0, "thrash_guard-rent",
		 &st);
	EXPECT_EQ(0, sa.pages);
	/* rounds 1 and 2: in through the counters, back through the CPU */
	EXPECT_LE(st.pages, 2 * 2 * PAGES(PP_LEN));
	EXPECT_GT(st.pages, 0);
	EXPECT_EQ(0, st.steady_pages);
	EXPECT_EQ(0, st.throttle_ns);
	EXPECT_LE(st.steady_ns, 2 * sa.steady_ns);
}

/*
 * What the device keeps using still comes to it: an 8 MiB working set the
 * GPU alone updates, 3 passes.  Pass 1 is rented and each chunk's counter
 * brings it in (4 notifications, every page moved); passes 2-3 are local.
 */
TEST_F(pp, thrash_guard_rent_first_migrates_what_the_device_uses)
{
	const size_t len = 4 * CHUNK;
	uint64_t *buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	struct drm_svm_emu_counters c;
	int pass;

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, load("thrash_guard", THRASH_VM));
	fill_pattern(buf, len, 90);
	for (pass = 0; pass < 3; pass++) {
		ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, buf,
				       len, 0, 1, NULL, &c));
		ksft_print_msg("figure: thrash_guard working set pass %d: %llu faults, %llu remote, %llu notifications, %llu pages in\n",
			       pass + 1, c.faults, c.remote_maps,
			       c.access_notifications, c.pages_to_dev);
		if (!pass) {
			EXPECT_EQ(len / CHUNK, c.access_notifications);
			EXPECT_EQ(PAGES(len), c.pages_to_dev);
			EXPECT_EQ(PAGES(len), c.remote_maps);
		} else {
			EXPECT_EQ(0, c.faults);
			EXPECT_EQ(0, c.remote_maps);
			EXPECT_EQ(0, c.pages_to_dev);
		}
	}
	EXPECT_EQ(PAGES(len), emu_count_at(self->fd, buf, PAGES(len), 0));
	EXPECT_EQ(-1, check_pattern(buf, len, 93));
}

/*
 * Rent first applies to a linked peer's memory too: data GPU 0 created is
 * read by GPU 1 one word per page over the link, and nothing moves; when
 * GPU 1 reads all of it, each chunk's access counter brings it over.
 */
TEST_F(pp, thrash_guard_rents_a_linked_peers_data)
{
	const size_t len = 4 * CHUNK;
	uint64_t *buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	int fd1 = open_bound(1);
	struct drm_svm_emu_counters c;
	struct moved m0, m1;

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_GE(fd1, 0);
	ASSERT_EQ(0, load("thrash_guard", THRASH_VM));
	/* created by GPU 0: allocated there, as the default does */
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, buf, len, 0, 77,
			       NULL, &c));
	ASSERT_EQ(PAGES(len), emu_count_at(self->fd, buf, PAGES(len), 0));
	moved_snap(0, &m0);
	moved_snap(1, &m1);
	ASSERT_EQ(0, emu_exec1(fd1, SVM_EMU_OP_READ, buf, len, 4096, 0, NULL,
			       &c));
	EXPECT_EQ(PAGES(len), c.remote_maps);
	EXPECT_EQ(0, c.access_notifications);
	EXPECT_EQ(0, moved_since(0, &m0) + moved_since(1, &m1));
	ASSERT_EQ(0, emu_exec1(fd1, SVM_EMU_OP_READ, buf, len, 0, 0, NULL, &c));
	EXPECT_EQ(len / CHUNK, c.access_notifications);
	EXPECT_EQ(PAGES(len), c.pages_to_dev);
	EXPECT_EQ(PAGES(len), emu_count_at(fd1, buf, PAGES(len), 1));
	EXPECT_EQ(-1, check_pattern(buf, len, 77));
	close(fd1);
}

/*
 * GPU<->GPU ping-pong (the two devices linked): the devices take turns
 * adding 1 to every word.  The default migrates the data every turn;
 * thrash_guard, after 3 quick moves, throttles, pins it where it is and the
 * other device maps it over the peer link: nothing moves after that.
 */
#define GG_TURNS	8

static long long gg_turns(struct __test_metadata *_metadata, int *fd,
			  uint64_t *buf, const char *name, long long *late)
{
	struct drm_svm_emu_counters c;
	struct moved m0, m1;
	long long total = 0, n;
	int t;

	*late = 0;
	fill_pattern(buf, PP_LEN, 61);
	for (t = 0; t < GG_TURNS; t++) {
		moved_snap(0, &m0);
		moved_snap(1, &m1);
		ASSERT_EQ(0, emu_exec1(fd[t % 2], SVM_EMU_OP_ATOMIC_ADD, buf,
				       PP_LEN, 0, 1, NULL, &c));
		n = moved_since(0, &m0) + moved_since(1, &m1);
		total += n;
		if (t >= GG_TURNS - 4)
			*late += n;
		ksft_print_msg("figure: gpu-gpu %s turn %d (device %d): %lld KiB moved, %llu faults, %llu remote, %llu us modeled, %llu us throttled\n",
			       name, t + 1, t % 2, n * 4, c.faults,
			       c.remote_maps, c.modeled_ns / 1000,
			       c.throttle_ns / 1000);
	}
	EXPECT_EQ(-1, check_pattern(buf, PP_LEN, 61 + GG_TURNS));
	return total;
}

TEST_F(pp, thrash_guard_stops_gpu_gpu_pingpong)
{
	uint64_t *def = map_chunk_aligned(PP_LEN, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	uint64_t *tg = map_chunk_aligned(PP_LEN, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
	long long dtot, ttot, dlate, tlate;
	int fd[2] = { self->fd, open_bound(1) };

	ASSERT_NE(MAP_FAILED, def);
	ASSERT_NE(MAP_FAILED, tg);
	ASSERT_GE(fd[1], 0);
	dtot = gg_turns(_metadata, fd, def, "default", &dlate);
	ASSERT_EQ(0, load("thrash_guard", THRASH_VM TG_REACT));
	ttot = gg_turns(_metadata, fd, tg, "thrash_guard", &tlate);
	ksft_print_msg("figure: gpu-gpu 16 MiB, %d turns: default %lld MiB moved (last 4 turns %lld MiB), thrash_guard %lld MiB (last 4 turns %lld MiB)\n",
		       GG_TURNS, dtot / 256, dlate / 256, ttot / 256,
		       tlate / 256);
	/* every turn after the first moves it device to device */
	EXPECT_EQ(2 * PAGES(PP_LEN) * 4, dlate);
	EXPECT_LE(tlate * 10, dlate);
	EXPECT_LT(ttot * 2, dtot);
	close(fd[1]);
}

/* Slow alternation is not thrashing: nothing throttled, default moves. */
TEST_F(pp, thrash_guard_leaves_slow_alternation_alone)
{
	uint64_t *buf = map_chunk_aligned(PP_LEN, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	struct pp_sum s;

	ASSERT_NE(MAP_FAILED, buf);
	/* moves 300 ms apart, lapse 50 ms */
	ASSERT_EQ(0, load("thrash_guard",
			  "lapse_us=50000 epoch_ms=10000" TG_REACT));
	pingpong(_metadata, self->fd, buf, 4, 300, "thrash_guard-slow", &s);
	EXPECT_EQ(0, s.throttle_ns);
	EXPECT_EQ(2 * PAGES(PP_LEN) * 4, s.pages);
}

/* When the pin expires the data may migrate again. */
TEST_F(pp, thrash_guard_pin_expires)
{
	uint64_t *buf = map_chunk_aligned(PP_LEN, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	struct drm_svm_emu_counters c;
	struct pp_sum s;
	struct moved m;

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, load("thrash_guard",
			  THRASH_VM_TIMES " pin_ms=300" TG_REACT));
	pingpong(_metadata, self->fd, buf, 4, 0, "thrash_guard-pin300", &s);
	EXPECT_GT(s.throttle_ns, 0);
	msleep(1000);
	drop_gpu_mappings(_metadata, buf, PP_LEN);
	moved_snap(0, &m);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, buf, PP_LEN, 0,
			       1, NULL, &c));
	EXPECT_EQ(PAGES(PP_LEN), c.pages_to_dev);
	EXPECT_EQ(PAGES(PP_LEN), moved_since(0, &m));
	EXPECT_EQ(0, c.throttle_ns);
	EXPECT_EQ(-1, check_pattern(buf, PP_LEN, 4000 + 2));
}

/* ---- uvm: density-tree prefetch ---------------------------------------- */

#define SEQ_LEN		(8 * MIB)

/*
 * Sequential first touch with 4 KiB windows (GRANULARITY 0): the default
 * takes one fault per page; uvm's tree doubles its window (the device's
 * 32-fault batch counting as faulting), 5 faults per 2 MiB chunk, and
 * moves no more bytes.
 */
TEST_F(pp, uvm_density_prefetch_cuts_sequential_faults)
{
	uint64_t *base = map_chunk_aligned(SEQ_LEN, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE);
	uint64_t *tree = map_chunk_aligned(SEQ_LEN, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE);
	struct drm_svm_emu_counters cb, cu;
	long long chunks = SEQ_LEN / CHUNK;

	ASSERT_NE(MAP_FAILED, base);
	ASSERT_NE(MAP_FAILED, tree);
	fill_pattern(base, SEQ_LEN, 5);
	fill_pattern(tree, SEQ_LEN, 5);
	ASSERT_EQ(0, emu_set_attr(self->fd, base, SEQ_LEN,
				  SVM_EXT_ATTR_GRANULARITY, 0));
	ASSERT_EQ(0, emu_set_attr(self->fd, tree, SEQ_LEN,
				  SVM_EXT_ATTR_GRANULARITY, 0));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, base, SEQ_LEN,
			       0, 1, NULL, &cb));
	ASSERT_EQ(0, load("uvm", ""));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, tree, SEQ_LEN,
			       0, 1, NULL, &cu));
	ksft_print_msg("figure: sequential 8 MiB, 4 KiB granularity: default %llu faults, %llu pages, %llu us modeled; uvm %llu faults, %llu pages, %llu us modeled\n",
		       cb.faults, cb.pages_to_dev, cb.modeled_ns / 1000,
		       cu.faults, cu.pages_to_dev, cu.modeled_ns / 1000);
	EXPECT_EQ(PAGES(SEQ_LEN), cb.faults);
	EXPECT_EQ(PAGES(SEQ_LEN), cb.pages_to_dev);
	/* the tree grows: more than one fault a chunk, at least 100x fewer */
	EXPECT_GE(cu.faults, 2 * chunks);
	EXPECT_LE(cu.faults * 100, cb.faults);
	EXPECT_EQ(PAGES(SEQ_LEN), cu.pages_to_dev);
	EXPECT_EQ(-1, check_pattern(base, SEQ_LEN, 6));
	EXPECT_EQ(-1, check_pattern(tree, SEQ_LEN, 6));
}

/*
 * Sparse access (one word every 64 KiB): the default migrates whole 2 MiB
 * chunks, uvm only the touched pages (no subregion gets dense).
 */
TEST_F(pp, uvm_sparse_access_moves_only_touched_pages)
{
	uint64_t *buf = map_chunk_aligned(SEQ_LEN, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	uint64_t *dbuf = map_chunk_aligned(SEQ_LEN, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE);
	struct drm_svm_emu_counters cd, cu;
	uint64_t i;

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(MAP_FAILED, dbuf);
	fill_pattern(buf, SEQ_LEN, 9);
	fill_pattern(dbuf, SEQ_LEN, 9);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, dbuf, SEQ_LEN,
			       64 * 1024, 1, NULL, &cd));
	ASSERT_EQ(0, load("uvm", ""));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, buf, SEQ_LEN,
			       64 * 1024, 1, NULL, &cu));
	ksft_print_msg("figure: sparse 8 MiB (1 page in 16): default %llu faults, %llu pages, %llu us modeled; uvm %llu faults, %llu pages, %llu us modeled\n",
		       cd.faults, cd.pages_to_dev, cd.modeled_ns / 1000,
		       cu.faults, cu.pages_to_dev, cu.modeled_ns / 1000);
	EXPECT_EQ(PAGES(SEQ_LEN), cd.pages_to_dev);
	EXPECT_EQ(SEQ_LEN / (64 * 1024), cu.pages_to_dev);
	EXPECT_EQ(SEQ_LEN / (64 * 1024), cu.faults);
	for (i = 0; i < SEQ_LEN / 8; i++) {
		uint64_t add = i % (64 * 1024 / 8) == 0;

		ASSERT_EQ(9 + i + add, buf[i]);
		ASSERT_EQ(9 + i + add, dbuf[i]);
	}
}

/*
 * uvm evicts as UVM does, the least recently used chunk (the core's
 * built-in choice: uvm has no evict hook).  Device memory is 64 MiB, 32
 * chunks: chunk 0 is half touched, chunks 1..31 fill the device, the
 * second half of chunk 0 faults (its device chunk is there already: no
 * eviction, but it is the most recently used now), then chunk 32 needs
 * room and chunk 1, the coldest, goes.
 */
TEST_F(pp, uvm_evicts_least_recently_used_chunk)
{
	size_t len = 33 * CHUNK;
	uint8_t *buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
	struct drm_svm_emu_counters c;
	size_t i;

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(64 * MIB, read_ll(SVM_SYSFS "/devices/0/mem_total"));
	fill_pattern(buf, len, 51);
	ASSERT_EQ(0, load("uvm", ""));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, buf, CHUNK / 2,
			       0, 1, NULL, &c));
	for (i = 1; i < 32; i++)
		ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD,
				       buf + i * CHUNK, CHUNK, 0, 1, NULL, &c));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD,
			       buf + CHUNK / 2, CHUNK / 2, 0, 1, NULL, &c));
	EXPECT_EQ(0, c.evictions);
	ASSERT_EQ(PAGES(CHUNK), emu_count_at(self->fd, buf, PAGES(CHUNK), 0));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD,
			       buf + 32 * CHUNK, CHUNK, 0, 1, NULL, &c));
	EXPECT_EQ(1, c.evictions);
	EXPECT_EQ(PAGES(CHUNK), emu_count_at(self->fd, buf, PAGES(CHUNK), 0));
	EXPECT_EQ(PAGES(CHUNK), emu_count_at(self->fd, buf + CHUNK,
					     PAGES(CHUNK), SVM_EXT_RES_SYSTEM));
	EXPECT_EQ(PAGES(CHUNK), emu_count_at(self->fd, buf + 32 * CHUNK,
					     PAGES(CHUNK), 0));
	EXPECT_EQ(-1, check_pattern(buf, len, 52));
}

/* ---- kfd: restore-location rules --------------------------------------- */

#define KSZ	CHUNK

FIXTURE(kfd)
{
	int fd0, fd1;
};

FIXTURE_SETUP(kfd)
{
	ensure_default_setup(_metadata);
	self->fd0 = emu_open(0);
	self->fd1 = emu_open(1);
	ASSERT_GE(self->fd0, 0);
	ASSERT_GE(self->fd1, 0);
	ASSERT_EQ(0, emu_bind(self->fd0));
	ASSERT_EQ(0, emu_bind(self->fd1));
}

FIXTURE_TEARDOWN(kfd)
{
	unload();
	close(self->fd1);
	close(self->fd0);
}

/*
 * A device reads (checksums) @buf, which holds the pattern @seed; the sum
 * must be right.  The expected sum comes from a copy: the CPU reading @buf
 * itself would bring it home first.
 */
static void dev_reads(struct __test_metadata *_metadata, int fd, void *buf,
		      uint64_t seed, struct drm_svm_emu_counters *c)
{
	uint64_t sum, want, *copy = malloc(KSZ);

	ASSERT_NE(NULL, copy);
	fill_pattern(copy, KSZ, seed);
	want = cpu_checksum(copy, KSZ, 0);
	free(copy);

	ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_CHECKSUM, buf, KSZ, 0, 0, &sum,
			       c));
	EXPECT_EQ(want, sum);
}

/*
 * Each rule runs twice, on fresh buffers: without a policy (what the
 * default does, where it differs) and with kfd.
 */
static void *kbuf(struct __test_metadata *_metadata, uint64_t seed)
{
	void *b = map_chunk_aligned(KSZ, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	if (b != MAP_FAILED)
		fill_pattern(b, KSZ, seed);
	return b;
}

/* Rule 1: the preferred location is the faulting device: it migrates
 * there, even with the device in the accessed-by set (default: in place). */
TEST_F(kfd, preferred_faulting_device_wins_over_accessed_by)
{
	struct drm_svm_emu_counters c;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		void *b = kbuf(_metadata, 11);

		ASSERT_NE(MAP_FAILED, b);
		if (pass)
			ASSERT_EQ(0, load("kfd", ""));
		ASSERT_EQ(0, emu_set_attr(self->fd0, b, KSZ,
					  SVM_EXT_ATTR_PREFERRED_LOC, 0));
		ASSERT_EQ(0, emu_set_attr(self->fd0, b, KSZ,
					  SVM_EXT_ATTR_ACCESSED_BY, 1));
		dev_reads(_metadata, self->fd0, b, 11, &c);
		if (!pass) {
			EXPECT_EQ(0, c.pages_to_dev);
			EXPECT_EQ(PAGES(KSZ), c.remote_maps);
		} else {
			EXPECT_EQ(PAGES(KSZ), c.pages_to_dev);
			EXPECT_EQ(PAGES(KSZ), emu_count_at(self->fd0, b,
							   PAGES(KSZ), 0));
		}
		EXPECT_EQ(-1, check_pattern(b, KSZ, 11));
	}
}

/* Rule 1: preferred system memory pulls the data home from a linked peer
 * (default: mapped over the link where it is). */
TEST_F(kfd, preferred_system_brings_data_home)
{
	struct drm_svm_emu_counters c;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		void *b = kbuf(_metadata, 12);

		ASSERT_NE(MAP_FAILED, b);
		if (pass)
			ASSERT_EQ(0, load("kfd", ""));
		ASSERT_EQ(PAGES(KSZ), emu_prefetch(self->fd1, b, KSZ, 1));
		ASSERT_EQ(0, emu_set_attr(self->fd0, b, KSZ,
					  SVM_EXT_ATTR_PREFERRED_LOC,
					  SVM_EXT_LOC_SYSTEM));
		dev_reads(_metadata, self->fd0, b, 12, &c);
		EXPECT_EQ(PAGES(KSZ), c.remote_maps);
		if (!pass) {
			EXPECT_EQ(PAGES(KSZ), emu_count_at(self->fd0, b,
							   PAGES(KSZ), 1));
		} else {
			EXPECT_EQ(PAGES(KSZ), c.pages_from_dev);
			EXPECT_EQ(PAGES(KSZ),
				  emu_count_at(self->fd0, b, PAGES(KSZ),
					       SVM_EXT_RES_SYSTEM));
		}
		EXPECT_EQ(-1, check_pattern(b, KSZ, 12));
	}
}

/* Rule 1: a preferred linked peer gets the data, the faulting device maps
 * it over the link, accessed-by or not (default: in place in system). */
TEST_F(kfd, preferred_linked_peer_gets_the_data)
{
	struct drm_svm_emu_counters c;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		void *b = kbuf(_metadata, 13);

		ASSERT_NE(MAP_FAILED, b);
		if (pass)
			ASSERT_EQ(0, load("kfd", ""));
		ASSERT_EQ(0, emu_set_attr(self->fd0, b, KSZ,
					  SVM_EXT_ATTR_PREFERRED_LOC, 1));
		ASSERT_EQ(0, emu_set_attr(self->fd0, b, KSZ,
					  SVM_EXT_ATTR_ACCESSED_BY, 1));
		dev_reads(_metadata, self->fd0, b, 13, &c);
		EXPECT_EQ(PAGES(KSZ), c.remote_maps);
		EXPECT_EQ(PAGES(KSZ),
			  emu_count_at(self->fd0, b, PAGES(KSZ),
				       pass ? 1 : SVM_EXT_RES_SYSTEM));
		EXPECT_EQ(-1, check_pattern(b, KSZ, 13));
	}
}

/* Rule 2: accessed-by, data on a linked peer: mapped in place there. */
TEST_F(kfd, accessed_by_maps_in_place_on_linked_peer)
{
	struct drm_svm_emu_counters c;
	void *b = kbuf(_metadata, 14);

	ASSERT_NE(MAP_FAILED, b);
	ASSERT_EQ(0, load("kfd", ""));
	ASSERT_EQ(PAGES(KSZ), emu_prefetch(self->fd1, b, KSZ, 1));
	ASSERT_EQ(0, emu_set_attr(self->fd0, b, KSZ, SVM_EXT_ATTR_ACCESSED_BY,
				  1));
	dev_reads(_metadata, self->fd0, b, 14, &c);
	EXPECT_EQ(0, c.pages_to_dev);
	EXPECT_EQ(0, c.pages_from_dev);
	EXPECT_EQ(PAGES(KSZ), c.remote_maps);
	EXPECT_EQ(PAGES(KSZ), emu_count_at(self->fd0, b, PAGES(KSZ), 1));
	EXPECT_EQ(-1, check_pattern(b, KSZ, 14));
}

/* Rule 3: no attributes: migrate to the faulting device. */
TEST_F(kfd, no_attributes_migrates_to_faulting_device)
{
	struct drm_svm_emu_counters c;
	void *b = kbuf(_metadata, 15);

	ASSERT_NE(MAP_FAILED, b);
	ASSERT_EQ(0, load("kfd", ""));
	dev_reads(_metadata, self->fd0, b, 15, &c);
	EXPECT_EQ(PAGES(KSZ), c.pages_to_dev);
	EXPECT_EQ(PAGES(KSZ), emu_count_at(self->fd0, b, PAGES(KSZ), 0));
	/* and from the peer too: device 1 takes it over */
	dev_reads(_metadata, self->fd1, b, 15, &c);
	EXPECT_EQ(PAGES(KSZ), c.pages_to_dev);
	EXPECT_EQ(PAGES(KSZ), emu_count_at(self->fd0, b, PAGES(KSZ), 1));
	EXPECT_EQ(-1, check_pattern(b, KSZ, 15));
}

/* Memory that cannot migrate is mapped in place, whatever is preferred. */
TEST_F(kfd, not_migratable_maps_in_place)
{
	struct drm_svm_emu_counters c;
	void *b = map_chunk_aligned(KSZ, PROT_READ | PROT_WRITE, MAP_SHARED);

	ASSERT_NE(MAP_FAILED, b);
	fill_pattern(b, KSZ, 16);
	ASSERT_EQ(0, load("kfd", ""));
	ASSERT_EQ(0, emu_set_attr(self->fd0, b, KSZ,
				  SVM_EXT_ATTR_PREFERRED_LOC, 0));
	dev_reads(_metadata, self->fd0, b, 16, &c);
	EXPECT_EQ(0, c.pages_to_dev);
	EXPECT_EQ(PAGES(KSZ), c.remote_maps);
	EXPECT_EQ(PAGES(KSZ), emu_count_at(self->fd0, b, PAGES(KSZ),
					   SVM_EXT_RES_SYSTEM));
	EXPECT_EQ(-1, check_pattern(b, KSZ, 16));
}

/* ---- topologies: svm_emu reloaded ---------------------------------------- */

/* Rule 2 without a link: accessed-by data on an unreachable device goes to
 * system memory and is mapped there (default: migrated to the faulter). */
TEST(kfd_accessed_by_unreachable_goes_home)
{
	struct drm_svm_emu_counters c;
	int fd0, fd1, pass;

	unload();
	ASSERT_EQ(0, emu_reload("ndevices=2 peers=none"));
	fd0 = open_bound(0);
	fd1 = open_bound(1);
	ASSERT_GE(fd0, 0);
	ASSERT_GE(fd1, 0);
	for (pass = 0; pass < 2; pass++) {
		void *b = kbuf(_metadata, 17);

		ASSERT_NE(MAP_FAILED, b);
		if (pass)
			ASSERT_EQ(0, load("kfd", ""));
		ASSERT_EQ(PAGES(KSZ), emu_prefetch(fd1, b, KSZ, 1));
		ASSERT_EQ(0, emu_set_attr(fd0, b, KSZ, SVM_EXT_ATTR_ACCESSED_BY,
					  1));
		dev_reads(_metadata, fd0, b, 17, &c);
		if (!pass) {
			EXPECT_EQ(PAGES(KSZ), c.pages_to_dev);
			EXPECT_EQ(PAGES(KSZ), emu_count_at(fd0, b, PAGES(KSZ),
							   0));
		} else {
			EXPECT_EQ(0, c.pages_to_dev);
			EXPECT_EQ(PAGES(KSZ), c.remote_maps);
			EXPECT_EQ(PAGES(KSZ),
				  emu_count_at(fd0, b, PAGES(KSZ),
					       SVM_EXT_RES_SYSTEM));
		}
		EXPECT_EQ(-1, check_pattern(b, KSZ, 17));
	}
	/* a preferred device it cannot reach: rule 3, to the faulter */
	{
		void *b = kbuf(_metadata, 18);

		ASSERT_NE(MAP_FAILED, b);
		ASSERT_EQ(0, emu_set_attr(fd0, b, KSZ,
					  SVM_EXT_ATTR_PREFERRED_LOC, 1));
		dev_reads(_metadata, fd0, b, 18, &c);
		EXPECT_EQ(PAGES(KSZ), c.pages_to_dev);
		EXPECT_EQ(PAGES(KSZ), emu_count_at(fd0, b, PAGES(KSZ), 0));
		EXPECT_EQ(-1, check_pattern(b, KSZ, 18));
	}
	unload();
	close(fd1);
	close(fd0);
	ASSERT_EQ(0, emu_reload("ndevices=2 mem_mb=64"));
}

/* ---- p2p ------------------------------------------------------------------ */

#define P2P_LEN		(8 * MIB)
#define P2P_TURNS	6

/*
 * Devices 0 and 1 (linked) take turns adding to the same data, device 2
 * (no link) stands by.  Returns the pages moved after the first turn.
 */
static long long p2p_turns(struct __test_metadata *_metadata, int *fd,
			   uint64_t *buf, const char *name,
			   long long *remote_after)
{
	struct drm_svm_emu_counters c;
	long long moved = 0, remote = 0;
	struct moved m[3];
	int t, d;

	fill_pattern(buf, P2P_LEN, 21);
	for (t = 0; t < P2P_TURNS; t++) {
		for (d = 0; d < 3; d++)
			moved_snap(d, &m[d]);
		ASSERT_EQ(0, emu_exec1(fd[t % 2], SVM_EMU_OP_ATOMIC_ADD, buf,
				       P2P_LEN, 0, 1, NULL, &c));
		if (t) {
			for (d = 0; d < 3; d++)
				moved += moved_since(d, &m[d]);
			remote += c.remote_maps;
		}
		ksft_print_msg("figure: p2p %s turn %d (device %d): %llu faults, %lld KiB moved, %llu remote, %llu us modeled\n",
			       name, t + 1, t % 2, c.faults,
			       (moved_since(0, &m[0]) + moved_since(1, &m[1])) * 4,
			       c.remote_maps, c.modeled_ns / 1000);
	}
	*remote_after = remote;
	return moved;
}

TEST(p2p_linked_devices_share_over_the_link)
{
	uint64_t *def = map_chunk_aligned(P2P_LEN, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	uint64_t *pol = map_chunk_aligned(P2P_LEN, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	uint64_t *sys = map_chunk_aligned(CHUNK, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	uint64_t *far = map_chunk_aligned(CHUNK, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	struct drm_svm_emu_counters c;
	long long dmoved, pmoved, dremote, premote;
	int fd[3], i;

	ASSERT_NE(MAP_FAILED, def);
	ASSERT_NE(MAP_FAILED, pol);
	ASSERT_NE(MAP_FAILED, sys);
	ASSERT_NE(MAP_FAILED, far);
	unload();
	ASSERT_EQ(0, emu_reload("ndevices=3 peers=0-1"));
	for (i = 0; i < 3; i++) {
		fd[i] = open_bound(i);
		ASSERT_GE(fd[i], 0);
	}

	dmoved = p2p_turns(_metadata, fd, def, "default", &dremote);
	ASSERT_EQ(0, load("p2p", ""));
	pmoved = p2p_turns(_metadata, fd, pol, "p2p", &premote);
	ksft_print_msg("figure: p2p 8 MiB, %d turns: after the first, default moved %lld MiB, p2p %lld MiB (%lld pages mapped over the link)\n",
		       P2P_TURNS, dmoved / 256, pmoved / 256, premote);
	/* default: every turn migrates the data to the faulting device */
	EXPECT_EQ(2 * PAGES(P2P_LEN) * (P2P_TURNS - 1), dmoved);
	EXPECT_EQ(0, dremote);
	/* p2p: no migration after the first placement, device 1 maps device
	 * 0's memory over the link (once: the mapping stays) */
	EXPECT_EQ(0, pmoved);
	EXPECT_EQ(PAGES(P2P_LEN), premote);
	EXPECT_EQ(PAGES(P2P_LEN), emu_count_at(fd[0], pol, PAGES(P2P_LEN), 0));
	EXPECT_EQ(-1, check_pattern(def, P2P_LEN, 21 + P2P_TURNS));
	EXPECT_EQ(-1, check_pattern(pol, P2P_LEN, 21 + P2P_TURNS));

	/* system memory a linked second device touches: to the first
	 * toucher's memory, mapped over the link */
	fill_pattern(sys, CHUNK, 31);
	ASSERT_EQ(0, emu_exec1(fd[0], SVM_EMU_OP_ATOMIC_ADD, sys, CHUNK, 0, 1,
			       NULL, &c));
	EXPECT_EQ(PAGES(CHUNK), c.pages_to_dev);
	EXPECT_EQ(-1, check_pattern(sys, CHUNK, 32));	/* CPU: home again */
	EXPECT_EQ(PAGES(CHUNK), emu_count_at(fd[0], sys, PAGES(CHUNK),
					     SVM_EXT_RES_SYSTEM));
	ASSERT_EQ(0, emu_exec1(fd[1], SVM_EMU_OP_ATOMIC_ADD, sys, CHUNK, 0, 1,
			       NULL, &c));
	EXPECT_EQ(PAGES(CHUNK), c.remote_maps);
	EXPECT_EQ(PAGES(CHUNK), emu_count_at(fd[0], sys, PAGES(CHUNK), 0));
	EXPECT_EQ(-1, check_pattern(sys, CHUNK, 33));

	/* device 2 has no link to device 0: the default's migration */
	fill_pattern(far, CHUNK, 41);
	ASSERT_EQ(0, emu_exec1(fd[0], SVM_EMU_OP_ATOMIC_ADD, far, CHUNK, 0, 1,
			       NULL, &c));
	ASSERT_EQ(0, emu_exec1(fd[2], SVM_EMU_OP_ATOMIC_ADD, far, CHUNK, 0, 1,
			       NULL, &c));
	EXPECT_EQ(PAGES(CHUNK), c.pages_to_dev);
	EXPECT_EQ(0, c.remote_maps);
	EXPECT_EQ(PAGES(CHUNK), emu_count_at(fd[0], far, PAGES(CHUNK), 2));
	EXPECT_EQ(-1, check_pattern(far, CHUNK, 43));

	unload();
	for (i = 0; i < 3; i++)
		close(fd[i]);
	ASSERT_EQ(0, emu_reload("ndevices=2 mem_mb=64"));
}

TEST_HARNESS_MAIN
