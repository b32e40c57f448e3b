// SPDX-License-Identifier: GPL-2.0
/*
 * The shipped policies' decisions, measured from userspace the way a user
 * would judge them: per-EXEC fault and migration counters, residency, and
 * every byte read back by the CPU.
 *  - prefetch: a sequential first touch takes a small fraction of the faults
 *    of a one-page window; sparse random access moves barely more; the
 *    threshold param (svmctl set) changes the decisions; a strided access,
 *    which the density tree leaves at one page per fault, is detected in
 *    the fault buffer and in the stream of faults, either direction.
 *  - lfu: a chunk faulted often survives a scan that the default (LRU)
 *    evicts it with, also when its faults were counted across evictions;
 *    with decay it ages out.
 *  - default: its evict hook picks what the built-in does.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

/* svm_emu's fault buffer: how many faults one batch reports at most */
#define FAULT_BATCH	((unsigned int)read_ll("/sys/module/svm_emu/parameters/fault_batch"))

/* A 2 MiB aligned anonymous buffer of @len bytes. */
struct area {
	uint8_t *buf;
	size_t len;
};

static int area_map(struct area *a, size_t len)
{
	a->buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	a->len = len;
	return a->buf == MAP_FAILED ? -1 : 0;
}

/* Unmapping frees the area's device memory for the next run. */
static void area_unmap(struct area *a)
{
	munmap(a->buf, a->len);
	a->buf = NULL;
}

/*
 * The prefetch policy's rule, as documented in bpf/prefetch.bpf.c, for one
 * chunk whose pages the device touches in @order: a fault migrates the
 * largest aligned subregion around the page in which more than threshold%
 * of the pages are on the device or faulting, up to @max_pages.  Faulting
 * are the next @batch pages of @order not on the device (what svm_emu's
 * fault buffer reports with the fault: 1 when each access touches one
 * page).  Returns the faults; adds the pages moved to *moved.
 */
static unsigned long density_model(const unsigned int *order, size_t n,
				   unsigned int batch, unsigned int threshold,
				   unsigned int max_pages, unsigned long *moved)
{
	bool on_dev[CHUNK_PAGES] = {};
	unsigned long faults = 0;

	for (size_t k = 0; k < n; k++) {
		unsigned int p = order[k], lo = p, hi = p + 1;
		bool faulting[CHUNK_PAGES] = {};

		if (on_dev[p])
			continue;
		faults++;
		for (size_t j = k, b = 0; j < n && b < batch; j++) {
			if (!on_dev[order[j]] && !faulting[order[j]]) {
				faulting[order[j]] = true;
				b++;
			}
		}
		for (unsigned int size = 2; size <= max_pages; size *= 2) {
			unsigned int s = p & ~(size - 1), cnt = 0;

			for (unsigned int q = s; q < s + size; q++)
				cnt += on_dev[q] || faulting[q];
			if (cnt * 100 > threshold * size) {
				lo = s;
				hi = s + size;
			}
		}
		for (unsigned int q = lo; q < hi; q++) {
			*moved += !on_dev[q];
			on_dev[q] = true;
		}
	}
	return faults;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static size_t dev_mem_total(void)
{
	long long total = read_ll(SVM_SYSFS "/devices/0/mem_total");

	return total > 0 ? (size_t)total : 0;
}

FIXTURE(pp)
{
	int fd;
};

FIXTURE_SETUP(pp)
{
	/* a failed ASSERT skips teardown: never inherit a policy */
	run("%s unload >/dev/null 2>&1", svmctl_path());
	self->fd = emu_open(0);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, emu_bind(self->fd));
}

FIXTURE_TEARDOWN(pp)
{
	run("%s unload >/dev/null 2>&1", svmctl_path());
	close(self->fd);
}

/* Device writes word i := seed + i over the whole area, page by page. */
static void seq_write(struct __test_metadata *_metadata, int fd,
		      struct area *a, uint64_t seed,
		      struct drm_svm_emu_counters *c)
{
	ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_WRITE, a->buf, a->len, 0, seed,
			       NULL, c));
	/* all of it on the device, then every word right as the CPU sees it */
	EXPECT_EQ(a->len / PAGE, emu_count_at(fd, a->buf, a->len / PAGE, 0));
	EXPECT_EQ(-1, check_pattern(a->buf, a->len, seed));
}

/*
 * Sequential first touch of as much as the device holds (64 MiB with the
 * test set-up): one page per fault without prefetch, a few faults per chunk
 * with it, and the same bytes moved.
 */
TEST_F_TIMEOUT(pp, prefetch_sequential_first_touch, 240)
{
	size_t len = dev_mem_total();
	struct drm_svm_emu_counters base, pf;
	unsigned int order[CHUNK_PAGES];
	unsigned long model, moved = 0;
	struct area a;

	if (len > 64 * MIB)
		len = 64 * MIB;
	len &= ~(CHUNK - 1);
	ASSERT_GE(len, CHUNK);
	for (unsigned int i = 0; i < CHUNK_PAGES; i++)
		order[i] = i;
	model = density_model(order, CHUNK_PAGES, FAULT_BATCH, 51, CHUNK_PAGES,
			      &moved);
	ASSERT_EQ(CHUNK_PAGES, moved);

	ASSERT_EQ(0, run("%s load %s >/dev/null", svmctl_path(),
			 test_bpf_obj("one_page")));
	ASSERT_EQ(0, area_map(&a, len));
	seq_write(_metadata, self->fd, &a, 0x1000, &base);
	area_unmap(&a);
	ASSERT_EQ(0, run("%s unload", svmctl_path()));
	EXPECT_EQ(len / PAGE, base.faults);
	EXPECT_EQ(len / PAGE, base.pages_to_dev);

	ASSERT_EQ(0, run("%s load prefetch >/dev/null", svmctl_path()));
	ASSERT_EQ(0, area_map(&a, len));
	seq_write(_metadata, self->fd, &a, 0x2000, &pf);
	area_unmap(&a);
	/* the policy decided every fault: it is still loaded */
	EXPECT_EQ(0, run("grep -qx enabled " SVM_SYSFS "/state"));
	EXPECT_EQ(len / PAGE, pf.pages_to_dev);
	EXPECT_EQ(0, pf.evictions);
	/* exactly the documented tree's decisions, chunk after chunk */
	EXPECT_EQ(model * (len / CHUNK), pf.faults);
	/* the target: at least 100x fewer faults */
	EXPECT_GE(base.faults, 100 * pf.faults);
	EXPECT_LT(pf.modeled_ns, base.modeled_ns);
	TH_LOG("%zu MiB sequential: %llu faults with one-page windows, %llu with prefetch (%.0fx); %llu pages moved each; modeled %.1f vs %.1f ms",
	       len / MIB, (unsigned long long)base.faults,
	       (unsigned long long)pf.faults,
	       (double)base.faults / (pf.faults ? pf.faults : 1),
	       (unsigned long long)pf.pages_to_dev, base.modeled_ns / 1e6,
	       pf.modeled_ns / 1e6);
}

/*
 * One word in a random page, for 1/16 of the pages (fixed seed): sparse and
 * uniform, so a prefetcher that over-fetches shows it in bytes moved.
 */
static void random_writes(struct __test_metadata *_metadata, int fd,
			  struct area *a, struct drm_svm_emu_counters *c,
			  unsigned long *distinct)
{
	size_t npages = a->len / PAGE, n = npages / 16;
	struct drm_svm_emu_access *acc = calloc(n, sizeof(*acc));
	uint64_t *expect = calloc(a->len / 8, sizeof(*expect));
	bool *touched = calloc(npages, sizeof(*touched));
	uint64_t s = 0x5eed5eedULL;

	ASSERT_NE(NULL, acc);
	ASSERT_NE(NULL, expect);
	ASSERT_NE(NULL, touched);
	ASSERT_LE(n, SVM_EMU_EXEC_MAX_ACCESSES);
	*distinct = 0;
	for (size_t k = 0; k < n; k++) {
		size_t page = xorshift(&s) % npages;
		size_t word = page * (PAGE / 8) + xorshift(&s) % (PAGE / 8);

		acc[k].op = SVM_EMU_OP_WRITE;
		acc[k].addr = (uintptr_t)(a->buf + word * 8);
		acc[k].length = 8;
		acc[k].value = 0x7000 + k;
		expect[word] = 0x7000 + k;
		*distinct += !touched[page];
		touched[page] = true;
	}
	ASSERT_EQ(0, emu_exec(fd, acc, n, c));
	EXPECT_EQ(0, memcmp(a->buf, expect, a->len));
	free(touched);
	free(expect);
	free(acc);
}

TEST_F_TIMEOUT(pp, prefetch_random_does_not_overfetch, 120)
{
	size_t len = dev_mem_total();
	struct drm_svm_emu_counters base, pf;
	unsigned long distinct;
	struct area a;

	if (len > 64 * MIB)
		len = 64 * MIB;
	len &= ~(CHUNK - 1);
	ASSERT_GE(len, CHUNK);

	ASSERT_EQ(0, run("%s load %s >/dev/null", svmctl_path(),
			 test_bpf_obj("one_page")));
	ASSERT_EQ(0, area_map(&a, len));
	random_writes(_metadata, self->fd, &a, &base, &distinct);
	area_unmap(&a);
	ASSERT_EQ(0, run("%s unload", svmctl_path()));
	EXPECT_EQ(distinct, base.pages_to_dev);
	EXPECT_EQ(distinct, base.faults);

	ASSERT_EQ(0, run("%s load prefetch >/dev/null", svmctl_path()));
	ASSERT_EQ(0, area_map(&a, len));
	random_writes(_metadata, self->fd, &a, &pf, &distinct);
	area_unmap(&a);
	EXPECT_GE(pf.pages_to_dev, base.pages_to_dev);
	EXPECT_LE(pf.pages_to_dev * 10, base.pages_to_dev * 11);
	EXPECT_LE(pf.faults, base.faults);
	TH_LOG("random (%lu pages touched): %llu pages moved with one-page windows, %llu with prefetch; faults %llu vs %llu",
	       distinct, (unsigned long long)base.pages_to_dev,
	       (unsigned long long)pf.pages_to_dev,
	       (unsigned long long)base.faults, (unsigned long long)pf.faults);
}

/* Pages 0, 1, 2 of every 4, in order: dense enough to prefetch at 51%. */
static void three_of_four(struct __test_metadata *_metadata, int fd,
			  struct area *a, struct drm_svm_emu_counters *c)
{
	size_t npages = a->len / PAGE, n = 0;
	struct drm_svm_emu_access *acc = calloc(npages, sizeof(*acc));
	uint64_t *w = (uint64_t *)a->buf;

	ASSERT_NE(NULL, acc);
	for (size_t p = 0; p < npages; p++) {
		if (p % 4 == 3)
			continue;
		acc[n].op = SVM_EMU_OP_WRITE;
		acc[n].addr = (uintptr_t)(a->buf + p * PAGE);
		acc[n].length = 8;
		acc[n].value = 0x9000 + p;
		n++;
	}
	ASSERT_LE(n, SVM_EMU_EXEC_MAX_ACCESSES);
	ASSERT_EQ(0, emu_exec(fd, acc, n, c));
	for (size_t p = 0; p < npages; p++)
		for (size_t i = 0; i < PAGE / 8; i++)
			ASSERT_EQ(i || p % 4 == 3 ? 0 : 0x9000 + p,
				  w[p * PAGE / 8 + i]);
	free(acc);
}

/* The threshold param, pinned and set through svmctl, changes decisions. */
TEST_F_TIMEOUT(pp, prefetch_threshold_param, 180)
{
	const size_t len = 4 * CHUNK;
	struct drm_svm_emu_counters t51, t100;
	unsigned long m51, m100, moved51 = 0, moved100 = 0;
	unsigned int order[CHUNK_PAGES], n = 0;
	struct area a;

	for (unsigned int p = 0; p < CHUNK_PAGES; p++)
		if (p % 4 != 3)
			order[n++] = p;
	/* one access per page: every fault comes alone */
	m51 = density_model(order, n, 1, 51, CHUNK_PAGES, &moved51);
	m100 = density_model(order, n, 1, 100, CHUNK_PAGES, &moved100);

	ASSERT_EQ(0, run("%s load prefetch >/dev/null", svmctl_path()));
	EXPECT_EQ(0, run("%s map dump pinned /sys/fs/bpf/svm_ext/prefetch/params"
			 " | grep -q '\"threshold\": 51'", SVM_BPFTOOL));
	ASSERT_EQ(0, area_map(&a, len));
	three_of_four(_metadata, self->fd, &a, &t51);
	area_unmap(&a);

	ASSERT_EQ(0, run("%s set threshold=100 >/dev/null", svmctl_path()));
	EXPECT_EQ(0, run("%s map dump pinned /sys/fs/bpf/svm_ext/prefetch/params"
			 " | grep -q '\"threshold\": 100'", SVM_BPFTOOL));
	ASSERT_EQ(0, area_map(&a, len));
	three_of_four(_metadata, self->fd, &a, &t100);
	area_unmap(&a);

	/* 100: never more than the page; 51: the 4th page comes along */
	EXPECT_EQ(len / CHUNK * m100, t100.faults);
	EXPECT_EQ(len / CHUNK * moved100, t100.pages_to_dev);
	EXPECT_EQ(len / PAGE * 3 / 4, t100.pages_to_dev);
	EXPECT_EQ(len / CHUNK * m51, t51.faults);
	EXPECT_EQ(len / CHUNK * moved51, t51.pages_to_dev);
	EXPECT_LT(t51.faults, t100.faults);
	EXPECT_GT(t51.pages_to_dev, t100.pages_to_dev);
	TH_LOG("3 of 4 pages: threshold 51: %llu faults, %llu pages; threshold 100: %llu faults, %llu pages",
	       (unsigned long long)t51.faults,
	       (unsigned long long)t51.pages_to_dev,
	       (unsigned long long)t100.faults,
	       (unsigned long long)t100.pages_to_dev);
}

/* max_window_kb caps the window: more faults, the same bytes. */
TEST_F_TIMEOUT(pp, prefetch_max_window_param, 180)
{
	const size_t len = 4 * CHUNK;
	unsigned long capped, full, moved = 0;
	unsigned int order[CHUNK_PAGES];
	struct drm_svm_emu_counters c;
	struct area a;

	for (unsigned int i = 0; i < CHUNK_PAGES; i++)
		order[i] = i;
	capped = density_model(order, CHUNK_PAGES, FAULT_BATCH, 51,
			       64 * 1024 / PAGE, &moved);
	full = density_model(order, CHUNK_PAGES, FAULT_BATCH, 51, CHUNK_PAGES,
			     &moved);

	ASSERT_EQ(0, run("%s load prefetch --set max_window_kb=64 >/dev/null",
			 svmctl_path()));
	EXPECT_EQ(0, run("%s map dump pinned /sys/fs/bpf/svm_ext/prefetch/params"
			 " | grep -q '\"max_window_kb\": 64'", SVM_BPFTOOL));
	ASSERT_EQ(0, area_map(&a, len));
	seq_write(_metadata, self->fd, &a, 0x3000, &c);
	area_unmap(&a);
	EXPECT_EQ(len / CHUNK * capped, c.faults);
	EXPECT_GT(capped, full);
	EXPECT_EQ(len / PAGE, c.pages_to_dev);
	TH_LOG("sequential, 64 KiB max window: %llu faults for %zu chunks (%lu per chunk uncapped)",
	       (unsigned long long)c.faults, len / CHUNK, full);
}

/*
 * The device reads one word every STRIDE_PAGES pages of a 4-chunk area the
 * CPU filled: as one strided access (@one: the fault buffer shows the
 * stride), or as one access per word in ascending or descending order
 * (@dir 1 / -1: only the stream of faults shows it).  The CPU then checks
 * every word.
 */
#define STRIDE_PAGES	4
#define STRIDE_LEN	(4 * CHUNK)

static void strided_read(struct __test_metadata *_metadata, int fd, bool one,
			 int dir, struct drm_svm_emu_counters *c)
{
	size_t n = STRIDE_LEN / PAGE / STRIDE_PAGES, k;
	struct drm_svm_emu_access *acc = calloc(n, sizeof(*acc));
	struct area a;

	ASSERT_NE(NULL, acc);
	ASSERT_EQ(0, area_map(&a, STRIDE_LEN));
	fill_pattern(a.buf, STRIDE_LEN, 0x5100);
	if (one) {
		ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_READ, a.buf, STRIDE_LEN,
				       STRIDE_PAGES * PAGE, 0, NULL, c));
	} else {
		for (k = 0; k < n; k++) {
			size_t i = dir > 0 ? k : n - 1 - k;

			acc[k].op = SVM_EMU_OP_READ;
			acc[k].addr = (uintptr_t)(a.buf + i * STRIDE_PAGES *
						  PAGE);
			acc[k].length = 8;
		}
		ASSERT_EQ(0, emu_exec(fd, acc, n, c));
	}
	EXPECT_EQ(-1, check_pattern(a.buf, STRIDE_LEN, 0x5100));
	area_unmap(&a);
	free(acc);
}

TEST_F_TIMEOUT(pp, prefetch_detects_strides, 240)
{
	const char *how[3] = { "one strided access", "ascending words",
			       "descending words" };
	struct drm_svm_emu_counters off[3], on[3];
	long long touched = STRIDE_LEN / PAGE / STRIDE_PAGES;
	int i;

	ASSERT_EQ(0, run("%s load prefetch --set stride_ahead=0 >/dev/null",
			 svmctl_path()));
	for (i = 0; i < 3; i++)
		strided_read(_metadata, self->fd, i == 0, i == 2 ? -1 : 1,
			     &off[i]);
	ASSERT_EQ(0, run("%s set stride_ahead=64 >/dev/null", svmctl_path()));
	EXPECT_EQ(0, run("%s map dump pinned /sys/fs/bpf/svm_ext/prefetch/params"
			 " | grep -q '\"stride_max_kb\": 256'", SVM_BPFTOOL));
	for (i = 0; i < 3; i++)
		strided_read(_metadata, self->fd, i == 0, i == 2 ? -1 : 1,
			     &on[i]);
	EXPECT_EQ(0, run("grep -qx enabled " SVM_SYSFS "/state"));
	for (i = 0; i < 3; i++) {
		TH_LOG("stride %lu KiB, %s: %llu faults, %llu pages moved without stride detection; %llu faults, %llu pages with it",
		       STRIDE_PAGES * PAGE / 1024, how[i],
		       (unsigned long long)off[i].faults,
		       (unsigned long long)off[i].pages_to_dev,
		       (unsigned long long)on[i].faults,
		       (unsigned long long)on[i].pages_to_dev);
		/* the tree alone: one page, one fault per access */
		EXPECT_EQ(touched, off[i].faults);
		EXPECT_EQ(touched, off[i].pages_to_dev);
		/* with strides: at least 10x fewer faults, at most the span */
		EXPECT_LE(on[i].faults * 10, off[i].faults);
		EXPECT_LE(on[i].pages_to_dev, STRIDE_LEN / PAGE);
		EXPECT_GE(on[i].pages_to_dev, touched);
	}
}

/*
 * A hot chunk, faulted page by page (4 KiB granularity: 512 faults), then
 * one pass (a scan) over as much memory as the device has, one fault per
 * chunk.  The device cannot hold both: something is evicted.  *left: how
 * many of the hot chunk's pages are still on the device after the scan.
 */
static void hot_then_scan(struct __test_metadata *_metadata, int fd,
			  unsigned int idle_ms, long *left)
{
	size_t total = dev_mem_total() & ~(CHUNK - 1);
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

TEST_F_TIMEOUT(pp, lfu_keeps_hot_chunk_through_scan, 180)
{
	long lru, lfu;

	hot_then_scan(_metadata, self->fd, 0, &lru);
	ASSERT_EQ(0, run("%s load lfu >/dev/null", svmctl_path()));
	EXPECT_EQ(0, run("%s map dump pinned /sys/fs/bpf/svm_ext/lfu/params"
			 " | grep -q '\"decay_ms\": 0'", SVM_BPFTOOL));
	hot_then_scan(_metadata, self->fd, 0, &lfu);
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
			     long *left)
{
	size_t total = dev_mem_total() & ~(CHUNK - 1);
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

TEST_F_TIMEOUT(pp, lfu_counts_faults_across_evictions, 180)
{
	long lru, lfu;

	return_then_scan(_metadata, self->fd, &lru);
	ASSERT_EQ(0, run("%s load lfu >/dev/null", svmctl_path()));
	return_then_scan(_metadata, self->fd, &lfu);
	EXPECT_EQ(0, run("grep -qx enabled " SVM_SYSFS "/state"));
	EXPECT_EQ(0, lru);
	EXPECT_EQ(CHUNK_PAGES, lfu);
	TH_LOG("chunk faulted twice, pages on the device after the scan: LRU %ld, LFU %ld",
	       lru, lfu);
}

/* With decay, a chunk idle for many half-lives counts no more than a scan's. */
TEST_F_TIMEOUT(pp, lfu_decay_ages_out_idle_chunk, 180)
{
	long decayed, kept;

	ASSERT_EQ(0, run("%s load lfu --set decay_ms=1 >/dev/null",
			 svmctl_path()));
	hot_then_scan(_metadata, self->fd, 200, &decayed);
	EXPECT_EQ(0, decayed);
	/* the same idle time without decay: the count still wins */
	ASSERT_EQ(0, run("%s set decay_ms=0 >/dev/null", svmctl_path()));
	hot_then_scan(_metadata, self->fd, 200, &kept);
	EXPECT_EQ(CHUNK_PAGES, kept);
}

/* The default policy's evict hook picks the least recently used, as built in. */
TEST_F_TIMEOUT(pp, default_evicts_like_builtin, 180)
{
	long left;

	ASSERT_EQ(0, run("%s load default >/dev/null", svmctl_path()));
	hot_then_scan(_metadata, self->fd, 0, &left);
	EXPECT_EQ(0, left);
	EXPECT_EQ(0, run("grep -qx enabled " SVM_SYSFS "/state"));
}

TEST_HARNESS_MAIN
