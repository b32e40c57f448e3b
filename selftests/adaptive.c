// SPDX-License-Identifier: GPL-2.0
/*
 * The adaptive policy decides per range from what happened to it: it maps
 * in place only ranges that thrash the device's capacity (a working set that
 * fits still migrates everything), stops CPU<->GPU and GPU<->GPU ping-pong
 * after the first turn, shares another device's data over the peer link,
 * and cuts sequential first-touch faults with the density tree.  Every
 * scenario checks the data.  Figures are printed as "# figure:" lines.
 *
 * svm_emu runs with its default topology for the tests: 2 linked GPUs of
 * 64 MiB (32 chunks) each.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_policy.h"
#include "svm_user.h"

#define PAGES(x)	((long long)(x) / 4096)
#define DEV_CHUNKS	32	/* mem_mb=64 */

static int load(const char *policy)
{
	return policy_load(policy, NULL);
}

/*
 * adaptive without rule 0 (rent first): the rules the test is about then
 * act from the first fault, as they do on data the device created.
 */
static int load_buying(void)
{
	return policy_load("adaptive", "remote_first=0", NULL);
}

static void unload(void)
{
	policy_unload_any();
}



FIXTURE(ad)
{
	int fd[2];
};

/* A failed ASSERT skips the teardown: never inherit a policy or topology. */
FIXTURE_SETUP(ad)
{
	unsigned int i;

	unload();
	if (emu_count() != 2 || read_ll(SVM_SYSFS "/devices/0/peers") != 2 ||
	    read_ll(SVM_SYSFS "/devices/0/mem_total") != 64 * MIB)
		ASSERT_EQ(0, emu_reload("ndevices=2 mem_mb=64"));
	for (i = 0; i < 2; i++) {
		self->fd[i] = emu_open(i);
		ASSERT_GE(self->fd[i], 0);
		ASSERT_EQ(0, emu_bind(self->fd[i]));
	}
}

FIXTURE_TEARDOWN(ad)
{
	unload();
	close(self->fd[0]);
	close(self->fd[1]);
}

/* ---- capacity: sweeps that fit and sweeps that do not ------------------- */

#define SWEEP_PASSES	4

struct sweep {
	struct drm_svm_emu_counters pass[SWEEP_PASSES];
	long long faults, evictions;
	long resident;	/* pages on GPU 0 after the passes */
};

/* GPU 0 adds 1 to every word of @len bytes, chunk by chunk, each pass. */
static void sweep(struct __test_metadata *_metadata, int fd, uint64_t *buf,
		  size_t len, const char *name, struct sweep *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	fill_pattern(buf, len, 70);
	for (i = 0; i < SWEEP_PASSES; i++) {
		struct drm_svm_emu_counters *c = &s->pass[i];

		ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_ATOMIC_ADD, buf, len, 0,
				       1, NULL, c));
		s->faults += c->faults;
		s->evictions += c->evictions;
		ksft_print_msg("figure: sweep %s %zu MiB pass %d: %llu faults, %llu pages in, %llu evictions, %llu remote, %llu us modeled\n",
			       name, len / MIB, i + 1, c->faults,
			       c->pages_to_dev, c->evictions, c->remote_maps,
			       c->modeled_ns / 1000);
	}
	/* before the CPU's check pulls everything back */
	s->resident = emu_count_at(fd, buf, PAGES(len), 0);
	EXPECT_EQ(-1, check_pattern(buf, len, 70 + SWEEP_PASSES));
}

/*
 * A working set that fits, already in system memory: each chunk is first
 * mapped in place (rule 0), and once the device has read a chunk's worth of
 * it over the link its access counter brings it in, within the first pass.
 * From pass 2 on everything is local: no fault, nothing in place.
 */
TEST_F(ad, working_set_that_fits_is_rented_then_migrates)
{
	size_t len = (DEV_CHUNKS / 2) * CHUNK;
	uint64_t *buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	struct sweep s;
	int i;

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, load("adaptive"));
	sweep(_metadata, self->fd[0], buf, len, "adaptive-fits", &s);
	EXPECT_EQ(DEV_CHUNKS / 2, s.pass[0].faults);
	EXPECT_EQ(PAGES(len), s.pass[0].remote_maps);
	EXPECT_EQ(DEV_CHUNKS / 2, s.pass[0].access_notifications);
	EXPECT_EQ(PAGES(len), s.pass[0].pages_to_dev);
	for (i = 1; i < SWEEP_PASSES; i++) {
		EXPECT_EQ(0, s.pass[i].faults);
		EXPECT_EQ(0, s.pass[i].remote_maps);
		EXPECT_EQ(0, s.pass[i].access_notifications);
	}
	EXPECT_EQ(0, s.evictions);
	EXPECT_EQ(PAGES(len), s.resident);
}

/*
 * 1.5x the device: under the default (LRU) every pass faults on every chunk
 * and evicts as many.  Under adaptive (without rule 0, to see rule 1 from
 * the first fault) the first pass migrates everything
 * (nothing was evicted yet: no bypass), the second maps in place the chunks
 * the first evicted, and from then on nothing faults or moves.
 */
TEST_F_TIMEOUT(ad, capacity_thrash_maps_evicted_ranges_in_place, 180)
{
	size_t len = (DEV_CHUNKS * 3 / 2) * CHUNK;
	uint64_t *def = map_chunk_aligned(len, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	uint64_t *ad = map_chunk_aligned(len, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
	long long first_evicted;
	struct sweep sd, sa;
	int i;

	ASSERT_NE(MAP_FAILED, def);
	ASSERT_NE(MAP_FAILED, ad);
	sweep(_metadata, self->fd[0], def, len, "default", &sd);
	ASSERT_EQ(0, munmap(def, len));
	ASSERT_EQ(0, load_buying());
	sweep(_metadata, self->fd[0], ad, len, "adaptive", &sa);

	/* the default faults on every chunk of every pass (LRU on a sweep) */
	EXPECT_EQ(SWEEP_PASSES * (long long)(len / CHUNK), sd.faults);
	/* pass 1 migrates everything: no range had been evicted yet */
	EXPECT_EQ(0, sa.pass[0].remote_maps);
	EXPECT_EQ(PAGES(len), sa.pass[0].pages_to_dev);
	first_evicted = sa.pass[0].evictions;
	EXPECT_GE(first_evicted, (long long)(len / CHUNK) - DEV_CHUNKS);
	/* pass 2 maps exactly the evicted chunks in place, evicts nothing */
	EXPECT_EQ(first_evicted, sa.pass[1].faults);
	EXPECT_EQ(first_evicted * 512, sa.pass[1].remote_maps);
	EXPECT_EQ(0, sa.pass[1].pages_to_dev);
	EXPECT_EQ(0, sa.pass[1].evictions);
	/* then nothing faults or moves */
	for (i = 2; i < SWEEP_PASSES; i++)
		EXPECT_EQ(0, sa.pass[i].faults);
	EXPECT_LE(sa.faults * 2, sd.faults);
	ksft_print_msg("figure: sweep 96 MiB through 64 MiB, %d passes: default %lld faults %lld evictions; adaptive %lld faults %lld evictions\n",
		       SWEEP_PASSES, sd.faults, sd.evictions, sa.faults,
		       sa.evictions);
}

/* ---- CPU<->GPU ping-pong ------------------------------------------------ */

#define PP_LEN		(16 * MIB)
#define PP_ROUNDS	6

struct pp_round {
	long long pages, faults, remote, modeled_ns;
};

/* Rounds of: the CPU writes everything, GPU 0 adds 1, the CPU checks. */
static void pingpong(struct __test_metadata *_metadata, int fd, uint64_t *buf,
		     const char *name, struct pp_round *r)
{
	struct drm_svm_emu_counters c;
	struct moved m;
	int i;

	for (i = 0; i < PP_ROUNDS; i++) {
		moved_snap(0, &m);
		fill_pattern(buf, PP_LEN, 1000 * (i + 1));
		ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_ATOMIC_ADD, buf, PP_LEN,
				       0, 1, NULL, &c));
		ASSERT_EQ(-1, check_pattern(buf, PP_LEN, 1000 * (i + 1) + 1));
		r[i].pages = moved_since(0, &m);
		r[i].faults = c.faults;
		r[i].remote = c.remote_maps;
		r[i].modeled_ns = c.modeled_ns;
		ksft_print_msg("figure: pingpong %s round %d: %lld KiB moved, %lld faults, %lld remote, %lld us modeled\n",
			       name, i + 1, r[i].pages * 4, r[i].faults,
			       r[i].remote, r[i].modeled_ns / 1000);
	}
}

TEST_F(ad, cpu_gpu_pingpong_stops_after_first_round)
{
	uint64_t *def = map_chunk_aligned(PP_LEN, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	uint64_t *adv = map_chunk_aligned(PP_LEN, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	uint64_t *ad = map_chunk_aligned(PP_LEN, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
	struct pp_round rd[PP_ROUNDS], ra[PP_ROUNDS], rp[PP_ROUNDS];
	long long dsteady = 0, asteady = 0, advns = 0, adns = 0;
	long long advall, adall;
	int i;

	ASSERT_NE(MAP_FAILED, def);
	ASSERT_NE(MAP_FAILED, adv);
	ASSERT_NE(MAP_FAILED, ad);
	pingpong(_metadata, self->fd[0], def, "default", rd);
	ASSERT_EQ(0, emu_set_attr(self->fd[0], adv, PP_LEN,
				  SVM_EXT_ATTR_PREFERRED_LOC, SVM_EXT_LOC_SYSTEM));
	ASSERT_EQ(0, emu_set_attr(self->fd[0], adv, PP_LEN,
				  SVM_EXT_ATTR_ACCESSED_BY, 1));
	pingpong(_metadata, self->fd[0], adv, "advised", rp);
	ASSERT_EQ(0, load("adaptive"));
	pingpong(_metadata, self->fd[0], ad, "adaptive", ra);

	/* round 1 migrates there and back, as the default: nothing to go by */
	EXPECT_EQ(2 * PAGES(PP_LEN), ra[0].pages);
	/* detected: round 2 maps everything in place, nothing moves after */
	EXPECT_EQ(PAGES(PP_LEN), ra[1].remote);
	for (i = 1; i < PP_ROUNDS; i++) {
		EXPECT_EQ(0, ra[i].pages);
		dsteady += rd[i].pages;
		asteady += ra[i].pages;
		advns += rp[i].modeled_ns;
		adns += ra[i].modeled_ns;
	}
	/* mapped in place, the CPU's writes do not invalidate: no faults */
	for (i = 2; i < PP_ROUNDS; i++)
		EXPECT_EQ(0, ra[i].faults);
	/* the default moves it both ways every round */
	EXPECT_EQ(2 * PAGES(PP_LEN) * (PP_ROUNDS - 1), dsteady);
	EXPECT_LE(asteady * 10, dsteady);
	/* after detection, within 2x of the advised placement's time */
	EXPECT_LE(adns, 2 * advns);
	/*
	 * and over the whole run, the first round's migration included:
	 * the GPU updates every word, so the advised placement pays the host
	 * link every round, as on hardware
	 */
	advall = advns + rp[0].modeled_ns;
	adall = adns + ra[0].modeled_ns;
	EXPECT_LE(adall, 2 * advall);
	ksft_print_msg("figure: pingpong 16 MiB rounds 2-%d: default %lld MiB moved, adaptive %lld MiB; modeled: advised %lld us, adaptive %lld us; all %d rounds: advised %lld us, adaptive %lld us\n",
		       PP_ROUNDS, dsteady / 256, asteady / 256, advns / 1000,
		       adns / 1000, PP_ROUNDS, advall / 1000, adall / 1000);
}

/* ---- GPU<->GPU ping-pong, shared reads ----------------------------------- */

#define GG_TURNS	8

TEST_F(ad, gpu_gpu_pingpong_stays_on_one_device)
{
	uint64_t *buf = map_chunk_aligned(PP_LEN, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	struct drm_svm_emu_counters c;
	long long late = 0, n;
	struct moved m0, m1;
	int t;

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, load("adaptive"));
	fill_pattern(buf, PP_LEN, 61);
	for (t = 0; t < GG_TURNS; t++) {
		moved_snap(0, &m0);
		moved_snap(1, &m1);
		ASSERT_EQ(0, emu_exec1(self->fd[t % 2], SVM_EMU_OP_ATOMIC_ADD,
				       buf, PP_LEN, 0, 1, NULL, &c));
		n = moved_since(0, &m0) + moved_since(1, &m1);
		if (t >= 2)
			late += n;
		ksft_print_msg("figure: gpu-gpu adaptive turn %d (device %d): %lld KiB moved, %llu faults, %llu remote, %llu us modeled\n",
			       t + 1, t % 2, n * 4, c.faults, c.remote_maps,
			       c.modeled_ns / 1000);
		/* turn 2 moves it device to device; turn 3 maps over the link */
		if (t == 1)
			EXPECT_EQ(2 * PAGES(PP_LEN), n);
		if (t == 2)
			EXPECT_EQ(PAGES(PP_LEN), c.remote_maps);
	}
	EXPECT_EQ(0, late);
	EXPECT_EQ(-1, check_pattern(buf, PP_LEN, 61 + GG_TURNS));
}

/* GPU 1 reads what GPU 0 holds: over the peer link, no copy. */
TEST_F(ad, reads_of_peer_data_map_over_the_link)
{
	uint64_t *buf = map_chunk_aligned(PP_LEN, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	struct drm_svm_emu_counters c0, c1;
	uint64_t sum, want;
	int i;

	ASSERT_NE(MAP_FAILED, buf);
	fill_pattern(buf, PP_LEN, 33);
	want = cpu_checksum(buf, PP_LEN, 0);
	ASSERT_EQ(0, load("adaptive"));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, emu_exec1(self->fd[0], SVM_EMU_OP_CHECKSUM, buf,
				       PP_LEN, 0, 0, &sum, &c0));
		EXPECT_EQ(want, sum);
		ASSERT_EQ(0, emu_exec1(self->fd[1], SVM_EMU_OP_CHECKSUM, buf,
				       PP_LEN, 0, 0, &sum, &c1));
		EXPECT_EQ(want, sum);
		ksft_print_msg("figure: shared read round %d: GPU 0 %llu faults %llu pages in; GPU 1 %llu faults %llu pages in %llu remote\n",
			       i + 1, c0.faults, c0.pages_to_dev, c1.faults,
			       c1.pages_to_dev, c1.remote_maps);
		if (i == 0) {
			EXPECT_EQ(PAGES(PP_LEN), c0.pages_to_dev);
			EXPECT_EQ(PAGES(PP_LEN), c1.remote_maps);
		} else {
			EXPECT_EQ(0, c0.faults);
			EXPECT_EQ(0, c1.faults);
		}
		EXPECT_EQ(0, c1.pages_to_dev);
	}
	EXPECT_EQ(PAGES(PP_LEN), emu_count_at(self->fd[0], buf, PAGES(PP_LEN), 0));
}

/*
 * Without a peer link: GPU 1's reads of what GPU 0 holds get read-only
 * copies (GPU 0 keeps its own), and the two GPUs writing in turns end up
 * sharing system memory instead of moving the data through it every turn.
 * Rule 0 is off: these rules are about data that reached a device first.
 */
TEST(adaptive_without_peer_link)
{
	uint64_t *rd = map_chunk_aligned(PP_LEN, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
	uint64_t *wr = map_chunk_aligned(PP_LEN, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
	struct drm_svm_emu_counters c0, c1, c;
	long long late = 0, n;
	struct moved m0, m1;
	uint64_t sum, want;
	int fd[2], t;

	ASSERT_NE(MAP_FAILED, rd);
	ASSERT_NE(MAP_FAILED, wr);
	unload();
	ASSERT_EQ(0, emu_reload("ndevices=2 mem_mb=64 peers=none"));
	for (t = 0; t < 2; t++) {
		fd[t] = emu_open(t);
		ASSERT_GE(fd[t], 0);
		ASSERT_EQ(0, emu_bind(fd[t]));
	}
	ASSERT_EQ(0, load_buying());

	fill_pattern(rd, PP_LEN, 44);
	want = cpu_checksum(rd, PP_LEN, 0);
	ASSERT_EQ(0, emu_exec1(fd[0], SVM_EMU_OP_CHECKSUM, rd, PP_LEN, 0, 0,
			       &sum, &c0));
	EXPECT_EQ(want, sum);
	ASSERT_EQ(0, emu_exec1(fd[1], SVM_EMU_OP_CHECKSUM, rd, PP_LEN, 0, 0,
			       &sum, &c1));
	EXPECT_EQ(want, sum);
	ksft_print_msg("figure: no link, shared read: GPU 0 %llu pages in; GPU 1 %llu faults, %llu pages in, %llu copies, %llu remote\n",
		       c0.pages_to_dev, c1.faults, c1.pages_to_dev,
		       c1.pages_replicated, c1.remote_maps);
	EXPECT_EQ(PAGES(PP_LEN), c1.pages_replicated);
	EXPECT_EQ(PAGES(PP_LEN), emu_count_at(fd[0], rd, PAGES(PP_LEN), 0));
	EXPECT_EQ(-1, check_pattern(rd, PP_LEN, 44));

	fill_pattern(wr, PP_LEN, 62);
	for (t = 0; t < GG_TURNS; t++) {
		moved_snap(0, &m0);
		moved_snap(1, &m1);
		ASSERT_EQ(0, emu_exec1(fd[t % 2], SVM_EMU_OP_ATOMIC_ADD, wr,
				       PP_LEN, 0, 1, NULL, &c));
		n = moved_since(0, &m0) + moved_since(1, &m1);
		if (t >= 4)
			late += n;
		ksft_print_msg("figure: no link, gpu-gpu adaptive turn %d (device %d): %lld KiB moved, %llu faults, %llu remote, %llu us modeled\n",
			       t + 1, t % 2, n * 4, c.faults, c.remote_maps,
			       c.modeled_ns / 1000);
	}
	EXPECT_EQ(0, late);
	EXPECT_EQ(-1, check_pattern(wr, PP_LEN, 62 + GG_TURNS));
	unload();
	close(fd[0]);
	close(fd[1]);
	EXPECT_EQ(0, emu_reload("ndevices=2 mem_mb=64"));
}

/* ---- sequential first touch ---------------------------------------------- */

#define SEQ_LEN		(8 * MIB)

TEST_F(ad, sequential_first_touch_prefetches)
{
	uint64_t *base = map_chunk_aligned(SEQ_LEN, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE);
	uint64_t *ad = map_chunk_aligned(SEQ_LEN, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
	struct drm_svm_emu_counters cb, ca;

	ASSERT_NE(MAP_FAILED, base);
	ASSERT_NE(MAP_FAILED, ad);
	fill_pattern(base, SEQ_LEN, 5);
	fill_pattern(ad, SEQ_LEN, 5);
	ASSERT_EQ(0, emu_set_attr(self->fd[0], base, SEQ_LEN,
				  SVM_EXT_ATTR_GRANULARITY, 0));
	ASSERT_EQ(0, emu_set_attr(self->fd[0], ad, SEQ_LEN,
				  SVM_EXT_ATTR_GRANULARITY, 0));
	ASSERT_EQ(0, emu_exec1(self->fd[0], SVM_EMU_OP_ATOMIC_ADD, base,
			       SEQ_LEN, 0, 1, NULL, &cb));
	ASSERT_EQ(0, load_buying());
	ASSERT_EQ(0, emu_exec1(self->fd[0], SVM_EMU_OP_ATOMIC_ADD, ad, SEQ_LEN,
			       0, 1, NULL, &ca));
	ksft_print_msg("figure: sequential 8 MiB, 4 KiB granularity: default %llu faults, %llu pages; adaptive %llu faults, %llu pages, %llu us modeled\n",
		       cb.faults, cb.pages_to_dev, ca.faults, ca.pages_to_dev,
		       ca.modeled_ns / 1000);
	EXPECT_EQ(PAGES(SEQ_LEN), cb.faults);
	EXPECT_LE(ca.faults * 100, cb.faults);
	EXPECT_EQ(PAGES(SEQ_LEN), ca.pages_to_dev);
	EXPECT_EQ(0, ca.remote_maps);
	EXPECT_EQ(-1, check_pattern(base, SEQ_LEN, 6));
	EXPECT_EQ(-1, check_pattern(ad, SEQ_LEN, 6));
}

TEST_HARNESS_MAIN
