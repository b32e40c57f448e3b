// SPDX-License-Identifier: GPL-2.0
/*
 * svm_emu's cost model (kernel/emu/cost.c, DOC: Cost model): every
 * parameter is in sysfs and checked, EXEC's modeled time is exactly the sum
 * the documentation gives (launch, fault batches, read- and write-fault
 * migration, accesses), an explicit prefetch costs its call, its bytes and
 * its evictions and at the defaults takes the card's time, CPU faults count
 * the pages they bring home for the CPU side, and the fault batch is a
 * bounded parameter that changes what a prefetching policy sees.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_policy.h"
#include "svm_user.h"

#define FAULT_BATCH	"/sys/module/svm_emu/parameters/fault_batch"

static const char *const params[] = {
	"local_mbps", "host_mbps", "peer_mbps", "h2d_mbps", "h2d_write_mbps",
	"d2h_mbps", "evict_ns", "fault_ns", "notify_ns", "launch_ns",
	"cpu_fault_ns", "cpu_fault_mbps", "cpu_mbps", "prefetch_h2d_ns",
	"prefetch_h2d_mbps", "prefetch_d2h_ns", "prefetch_d2h_mbps",
};
#define NPARAMS	(sizeof(params) / sizeof(params[0]))

/* never NULL, which gcc cannot see through the harness's TH_LOG */
static const char *pname(size_t i)
{
	return i < NPARAMS && params[i] ? params[i] : "?";
}

FIXTURE(cost)
{
	int fd;
	char dir[128];
	long long saved[NPARAMS], batch;
};

static const char *param_path(FIXTURE_DATA(cost) *self, const char *name)
{
	static char path[192];

	snprintf(path, sizeof(path), "%s/%s", self->dir, name);
	return path;
}

static int set_param(FIXTURE_DATA(cost) *self, const char *name,
		     long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	return write_str(param_path(self, name), buf);
}

FIXTURE_SETUP(cost)
{
	size_t i;

	policy_unload_any();
	self->fd = emu_open(0);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, emu_bind(self->fd));
	ASSERT_EQ(0, emu_cost_dir(0, self->dir, sizeof(self->dir)));
	for (i = 0; i < NPARAMS; i++) {
		self->saved[i] = read_ll(param_path(self, params[i]));
		ASSERT_GE(self->saved[i], 0) TH_LOG("%s", pname(i));
	}
	self->batch = read_ll(FAULT_BATCH);
	ASSERT_GT(self->batch, 0);
}

FIXTURE_TEARDOWN(cost)
{
	size_t i;
	char buf[32];

	policy_unload_any();
	for (i = 0; i < NPARAMS; i++)
		set_param(self, params[i], self->saved[i]);
	snprintf(buf, sizeof(buf), "%lld", self->batch);
	write_str(FAULT_BATCH, buf);
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * Another test may have changed the parameters: reload svm_emu, whose fresh
 * devices have the defaults, and keep those to restore at teardown.
 * 0, or -1 if the module or the device did not come back.
 */
static int fresh_module(FIXTURE_DATA(cost) *self)
{
	size_t i;

	close(self->fd);
	self->fd = -1;
	if (emu_reload("ndevices=2 mem_mb=64"))
		return -1;
	self->fd = emu_open(0);
	if (self->fd < 0 || emu_bind(self->fd))
		return -1;
	for (i = 0; i < NPARAMS; i++)
		self->saved[i] = read_ll(param_path(self, params[i]));
	self->batch = read_ll(FAULT_BATCH);
	return 0;
}

/* The defaults are the H100 fit that docs/bench.md and cost.c state. */
TEST_F(cost, defaults_are_the_h100_fit)
{
	static const long long want[NPARAMS] = {
		3100000, 51000, 450000, 13400, 7800, 9840, 49000, 50000, 0,
		3500, 5000, 4850, 225000, 78000, 50750, 49000, 16650,
	};
	size_t i;

	ASSERT_EQ(0, fresh_module(self));
	for (i = 0; i < NPARAMS; i++)
		EXPECT_EQ(want[i], self->saved[i]) TH_LOG("%s", pname(i));
	EXPECT_EQ(256, self->batch);
}

/* Every parameter: numbers up to 2^40, nothing else, and it sticks. */
TEST_F(cost, every_parameter_is_checked)
{
	size_t i;

	for (i = 0; i < NPARAMS; i++) {
		const char *p = param_path(self, params[i]);

		EXPECT_EQ(-EINVAL, write_str(p, "fast")) TH_LOG("%s", pname(i));
		EXPECT_EQ(-EINVAL, write_str(p, "-1")) TH_LOG("%s", pname(i));
		EXPECT_EQ(-ERANGE, write_str(p, "1099511627777"))
			TH_LOG("%s", pname(i));
		EXPECT_EQ(self->saved[i], read_ll(p)) TH_LOG("%s", pname(i));
		EXPECT_EQ(0, write_str(p, "1099511627776")) TH_LOG("%s", pname(i));
		EXPECT_EQ(1LL << 40, read_ll(p)) TH_LOG("%s", pname(i));
		EXPECT_EQ(0, set_param(self, params[i], self->saved[i]));
	}
}

/*
 * Parameters chosen so that each part is a round number: a 4 KiB page of
 * local memory 1 ns, 2 MiB in by read faults 1,024,000 ns, by write faults
 * 2,048,000 ns; a fault batch 100 us, a launch 7 us.  The built-in default
 * takes one fault per 2 MiB and moves the whole chunk.
 */
TEST_F(cost, modeled_time_is_the_sum_of_its_parts)
{
	uint8_t *buf = map_chunk_aligned(2 * CHUNK, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
	struct drm_svm_emu_counters c;

	ASSERT_NE(MAP_FAILED, buf);
	memset(buf, 1, 2 * CHUNK);
	ASSERT_EQ(0, set_param(self, "local_mbps", 4096000));
	ASSERT_EQ(0, set_param(self, "h2d_mbps", 2048));
	ASSERT_EQ(0, set_param(self, "h2d_write_mbps", 1024));
	ASSERT_EQ(0, set_param(self, "fault_ns", 100000));
	ASSERT_EQ(0, set_param(self, "launch_ns", 7000));

	/* a read brings chunk 0 in: launch + fault + 2 MiB by read + access */
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, buf, CHUNK, 0, 0,
			       NULL, &c));
	ASSERT_EQ(1, c.faults);
	ASSERT_EQ(CHUNK / PAGE, c.pages_to_dev);
	EXPECT_EQ(7000 + 100000 + 1024000 + 512, c.modeled_ns);

	/* a write brings chunk 1 in at the write-fault rate */
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, buf + CHUNK, CHUNK,
			       0, 5, NULL, &c));
	ASSERT_EQ(1, c.faults);
	ASSERT_EQ(CHUNK / PAGE, c.pages_to_dev);
	EXPECT_EQ(7000 + 100000 + 2048000 + 512, c.modeled_ns);

	/* resident: launch and local accesses only, one per access */
	struct drm_svm_emu_access acc[2] = {
		{ .op = SVM_EMU_OP_READ, .addr = (uintptr_t)buf,
		  .length = CHUNK },
		{ .op = SVM_EMU_OP_READ, .addr = (uintptr_t)buf + CHUNK,
		  .length = CHUNK },
	};
	ASSERT_EQ(0, emu_exec(self->fd, acc, 2, &c));
	EXPECT_EQ(0, c.faults);
	EXPECT_EQ(2 * 7000 + 2 * 512, c.modeled_ns);
	munmap(buf, 2 * CHUNK);
}

/*
 * An eviction costs evict_ns for the operation, then its bytes at d2h_mbps:
 * here 300 us and 2 MiB in 1,024,000 ns, beside the load that caused it.
 */
TEST_F(cost, an_eviction_costs_its_operation_and_its_bytes)
{
	long long total = read_ll("/sys/kernel/svm_ext/devices/0/mem_total");
	struct drm_svm_emu_counters c;
	size_t n, len;
	uint8_t *buf;

	ASSERT_GE(total, (long long)CHUNK);
	n = total / CHUNK;
	len = (n + 1) * CHUNK;
	buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	fill_pattern(buf, len, 21);
	ASSERT_EQ(0, set_param(self, "local_mbps", 4096000));
	ASSERT_EQ(0, set_param(self, "h2d_mbps", 2048));
	ASSERT_EQ(0, set_param(self, "d2h_mbps", 2048));
	ASSERT_EQ(0, set_param(self, "evict_ns", 300000));
	ASSERT_EQ(0, set_param(self, "fault_ns", 100000));
	ASSERT_EQ(0, set_param(self, "launch_ns", 7000));

	/* the device's memory fills up: nothing evicted yet */
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, buf, n * CHUNK, 0,
			       0, NULL, &c));
	ASSERT_EQ(0, c.evictions);
	ASSERT_EQ(n * CHUNK / PAGE, c.pages_to_dev);
	/* one chunk more: the least recently used one goes home first */
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, buf + n * CHUNK,
			       CHUNK, 0, 0, NULL, &c));
	ASSERT_EQ(1, c.faults);
	ASSERT_EQ(1, c.evictions);
	ASSERT_EQ(CHUNK / PAGE, c.pages_evicted);
	EXPECT_EQ(7000 + 100000 + 1024000 + 512 + 300000 + 1024000,
		  c.modeled_ns);
	EXPECT_EQ(-1, check_pattern(buf, len, 21));
	munmap(buf, len);
}

/*
 * PREFETCH: a call that moves anything costs the fixed part of its
 * direction, then its pages at that direction's prefetch bandwidth; pages
 * from a peer go over the peer link and a chunk evicted to make room costs
 * an eviction.  Round numbers: 2 MiB in 1,024,000 ns to the device,
 * 2,048,000 ns home, 256,000 ns from the peer, 512,000 ns evicted.
 */
TEST_F(cost, a_prefetch_costs_its_call_its_bytes_and_its_evictions)
{
	long long total = read_ll("/sys/kernel/svm_ext/devices/0/mem_total");
	uint64_t ns = ~0ULL;
	size_t n, len;
	uint8_t *buf;
	int fd1;

	ASSERT_GE(total, 2LL * CHUNK);
	n = total / CHUNK;
	len = (n + 1) * CHUNK;
	buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	fill_pattern(buf, len, 33);
	ASSERT_EQ(0, set_param(self, "prefetch_h2d_ns", 300000));
	ASSERT_EQ(0, set_param(self, "prefetch_h2d_mbps", 2048));
	ASSERT_EQ(0, set_param(self, "prefetch_d2h_ns", 200000));
	ASSERT_EQ(0, set_param(self, "prefetch_d2h_mbps", 1024));
	ASSERT_EQ(0, set_param(self, "peer_mbps", 8192));
	ASSERT_EQ(0, set_param(self, "evict_ns", 500000));
	ASSERT_EQ(0, set_param(self, "d2h_mbps", 4096));

	/* two chunks to the device in one call: one call, 4 MiB */
	ASSERT_EQ(2 * CHUNK / PAGE,
		  emu_prefetch_modeled(self->fd, buf, 2 * CHUNK, 0, &ns));
	EXPECT_EQ(300000 + 2 * 1024000, ns);
	/* already there: nothing moved, nothing charged */
	ASSERT_EQ(0, emu_prefetch_modeled(self->fd, buf, 2 * CHUNK, 0, &ns));
	EXPECT_EQ(0, ns);
	/* home: the other direction's call and rate */
	ASSERT_EQ(2 * CHUNK / PAGE,
		  emu_prefetch_modeled(self->fd, buf, 2 * CHUNK,
				       SVM_EXT_LOC_SYSTEM, &ns));
	EXPECT_EQ(200000 + 2 * 2048000, ns);

	/* fill the device, then one chunk more evicts one */
	ASSERT_EQ(n * CHUNK / PAGE,
		  emu_prefetch_modeled(self->fd, buf, n * CHUNK, 0, &ns));
	EXPECT_EQ(300000 + n * 1024000, ns);
	ASSERT_EQ(CHUNK / PAGE,
		  emu_prefetch_modeled(self->fd, buf + n * CHUNK, CHUNK, 0,
				       &ns));
	EXPECT_EQ(300000 + 1024000 + 500000 + 512000, ns);

	/* device 1 takes the last chunk from device 0 over the peer link */
	fd1 = emu_open(1);
	ASSERT_GE(fd1, 0);
	ASSERT_EQ(0, emu_bind(fd1));
	ASSERT_EQ(CHUNK / PAGE,
		  emu_prefetch_modeled(self->fd, buf + n * CHUNK, CHUNK, 1,
				       &ns));
	EXPECT_EQ(300000 + 256000, ns);
	EXPECT_EQ(-1, check_pattern(buf, len, 33));
	close(fd1);
	munmap(buf, len);
}

/*
 * At the defaults, PREFETCH takes what cudaMemPrefetchAsync() took on the
 * H100 (docs/bench.md, "The fit"): 2 MiB to the device 117-121 us, home
 * 175-176 us, one chunk at a time; in bulk the bytes beyond the first chunk
 * go at 50.7-50.8 GB/s to the device and 16.3-17.0 GB/s home.
 */
TEST_F(cost, prefetch_defaults_take_the_cards_time)
{
	const size_t bulk = 16 * CHUNK;
	uint64_t one_in, one_out, bulk_in, bulk_out;
	double gbs_in, gbs_out;
	uint8_t *buf;

	ASSERT_EQ(0, fresh_module(self));
	buf = map_chunk_aligned(bulk + CHUNK, PROT_READ | PROT_WRITE,
				MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	fill_pattern(buf, bulk + CHUNK, 34);

	ASSERT_EQ(CHUNK / PAGE, emu_prefetch_modeled(self->fd, buf, CHUNK, 0,
						     &one_in));
	ASSERT_EQ(CHUNK / PAGE,
		  emu_prefetch_modeled(self->fd, buf, CHUNK,
				       SVM_EXT_LOC_SYSTEM, &one_out));
	ASSERT_EQ(bulk / PAGE, emu_prefetch_modeled(self->fd, buf + CHUNK,
						    bulk, 0, &bulk_in));
	ASSERT_EQ(bulk / PAGE,
		  emu_prefetch_modeled(self->fd, buf + CHUNK, bulk,
				       SVM_EXT_LOC_SYSTEM, &bulk_out));
	EXPECT_GE(one_in, 117000);
	EXPECT_LE(one_in, 121000);
	/* 174,955 ns: the fixed part is rounded to the microsecond */
	EXPECT_GE(one_out, 174000);
	EXPECT_LE(one_out, 176000);
	gbs_in = (double)(bulk - CHUNK) / (bulk_in - one_in);
	gbs_out = (double)(bulk - CHUNK) / (bulk_out - one_out);
	EXPECT_GE(gbs_in, 50.7);
	EXPECT_LE(gbs_in, 50.8);
	EXPECT_GE(gbs_out, 16.3);
	EXPECT_LE(gbs_out, 17.0);
	ksft_print_msg("figure: modeled PREFETCH at the defaults: 2 MiB to the device %.1f us, home %.1f us; 32 MiB to the device %.2f ms (%.1f GB/s), home %.2f ms (%.1f GB/s)\n",
		       one_in / 1e3, one_out / 1e3, bulk_in / 1e6,
		       (double)bulk / bulk_in, bulk_out / 1e6,
		       (double)bulk / bulk_out);
	EXPECT_EQ(-1, check_pattern(buf, bulk + CHUNK, 34));
	munmap(buf, bulk + CHUNK);
}

/* A CPU fault counts the pages it brought home, for the CPU side. */
TEST_F(cost, cpu_faults_count_the_pages_they_bring_home)
{
	volatile uint64_t *buf = map_chunk_aligned(2 * CHUNK,
						   PROT_READ | PROT_WRITE,
						   MAP_PRIVATE);
	long long f0, p0, out0, ev0;

	ASSERT_NE(MAP_FAILED, (void *)buf);
	memset((void *)buf, 0, 2 * CHUNK);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, (void *)buf,
			       2 * CHUNK, PAGE, 9, NULL, NULL));
	f0 = dev_counter(0, "cpu_faults");
	p0 = dev_counter(0, "cpu_fault_pages");
	out0 = dev_counter(0, "pages_from_dev");
	ev0 = dev_counter(0, "pages_evicted");
	ASSERT_GE(p0, 0);
	/* one word of each chunk: the default brings each chunk home whole */
	EXPECT_EQ(9, buf[0]);
	EXPECT_EQ(9 + CHUNK / PAGE, buf[CHUNK / 8]);	/* word 512 */
	EXPECT_EQ(2, dev_counter(0, "cpu_faults") - f0);
	EXPECT_EQ(2 * CHUNK / PAGE, dev_counter(0, "cpu_fault_pages") - p0);
	/* the same pages pages_from_dev counts, none of them evicted */
	EXPECT_EQ(0, dev_counter(0, "pages_evicted") - ev0);
	EXPECT_EQ(2 * CHUNK / PAGE, dev_counter(0, "pages_from_dev") - out0);
	munmap((void *)buf, 2 * CHUNK);
}

/*
 * fault_batch: 1..512 pages, admin-set; what it changes is what a policy
 * sees per fault.  uvm's density tree on a sequential first touch with
 * 4 KiB windows: a batch of the whole chunk is one fault per chunk, half of
 * it (the default, 256) two, a small one more.
 */
TEST_F(cost, fault_batch_is_bounded_and_shapes_prefetch)
{
	const size_t len = 8 * MIB;
	const long long chunks = len / CHUNK;
	static const struct { const char *batch; long long faults; } cases[] = {
		{ "512", 1 }, { "256", 2 },
	};
	struct drm_svm_emu_counters c;
	long long small;
	size_t i;

	EXPECT_EQ(-ERANGE, write_str(FAULT_BATCH, "0"));
	EXPECT_EQ(-ERANGE, write_str(FAULT_BATCH, "513"));
	EXPECT_EQ(-EINVAL, write_str(FAULT_BATCH, "many"));
	EXPECT_EQ(self->batch, read_ll(FAULT_BATCH));

	ASSERT_EQ(0, policy_load("uvm", NULL));
	for (i = 0; i <= sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t *buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE,
						  MAP_PRIVATE);

		ASSERT_NE(MAP_FAILED, buf);
		fill_pattern(buf, len, 3);
		ASSERT_EQ(0, emu_set_attr(self->fd, buf, len,
					  SVM_EXT_ATTR_GRANULARITY, 0));
		ASSERT_EQ(0, write_str(FAULT_BATCH,
				       i < 2 ? cases[i].batch : "32"));
		ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, buf, len, 0,
				       0, NULL, &c));
		EXPECT_EQ(len / PAGE, c.pages_to_dev);
		if (i < 2) {
			EXPECT_EQ(cases[i].faults * chunks, c.faults)
				TH_LOG("batch %s", cases[i].batch);
		} else {
			small = c.faults;
			EXPECT_GT(small, 2 * chunks);
			ksft_print_msg("figure: uvm, sequential 8 MiB, 4 KiB windows: %lld faults per chunk with a 32-page batch, 2 with 256, 1 with 512\n",
				       small / chunks);
		}
		munmap(buf, len);
	}
}

TEST_HARNESS_MAIN
