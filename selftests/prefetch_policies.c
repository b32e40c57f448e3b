// SPDX-License-Identifier: GPL-2.0
/*
 * Prefetching policies, measured from userspace the way a user would judge
 * them: per-EXEC fault and migration counters, residency, and every byte
 * read back by the CPU.  The prefetch policy: a sequential first touch
 * takes a small fraction of the faults of a one-page window; sparse random
 * access moves barely more; the threshold and max_window params (svmctl
 * set) change the decisions as its rule says; a strided access, which the
 * density tree leaves at one page per fault, is detected in the fault
 * buffer and in the stream of faults, either direction.  (uvm's density
 * prefetch is with uvm's other behaviour, in placement_policies.c.)
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_policy.h"
#include "svm_user.h"

/* svm_emu's fault buffer: how many faults one batch reports at most */
#define FAULT_BATCH	((unsigned int)read_ll("/sys/module/svm_emu/parameters/fault_batch"))

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

FIXTURE(pf)
{
	int fd;
};

FIXTURE_SETUP(pf)
{
	/* a failed ASSERT skips teardown: never inherit a policy */
	policy_unload_any();
	self->fd = emu_open(0);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, emu_bind(self->fd));
}

FIXTURE_TEARDOWN(pf)
{
	policy_unload_any();
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
TEST_F_TIMEOUT(pf, prefetch_sequential_first_touch, 240)
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

	ASSERT_EQ(0, policy_load(test_bpf_obj("one_page"), NULL));
	ASSERT_EQ(0, area_map(&a, len));
	seq_write(_metadata, self->fd, &a, 0x1000, &base);
	area_unmap(&a);
	ASSERT_EQ(0, policy_unload());
	EXPECT_EQ(len / PAGE, base.faults);
	EXPECT_EQ(len / PAGE, base.pages_to_dev);

	ASSERT_EQ(0, policy_load("prefetch", NULL));
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

TEST_F_TIMEOUT(pf, prefetch_random_does_not_overfetch, 120)
{
	size_t len = dev_mem_total();
	struct drm_svm_emu_counters base, pf;
	unsigned long distinct;
	struct area a;

	if (len > 64 * MIB)
		len = 64 * MIB;
	len &= ~(CHUNK - 1);
	ASSERT_GE(len, CHUNK);

	ASSERT_EQ(0, policy_load(test_bpf_obj("one_page"), NULL));
	ASSERT_EQ(0, area_map(&a, len));
	random_writes(_metadata, self->fd, &a, &base, &distinct);
	area_unmap(&a);
	ASSERT_EQ(0, policy_unload());
	EXPECT_EQ(distinct, base.pages_to_dev);
	EXPECT_EQ(distinct, base.faults);

	ASSERT_EQ(0, policy_load("prefetch", NULL));
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
TEST_F_TIMEOUT(pf, prefetch_threshold_param, 180)
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

	ASSERT_EQ(0, policy_load("prefetch", NULL));
	EXPECT_EQ(0, run("%s map dump pinned /sys/fs/bpf/svm_ext/prefetch/params"
			 " | grep -q '\"threshold\": 51'", SVM_BPFTOOL));
	ASSERT_EQ(0, area_map(&a, len));
	three_of_four(_metadata, self->fd, &a, &t51);
	area_unmap(&a);

	ASSERT_EQ(0, policy_set("threshold=100", NULL));
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
TEST_F_TIMEOUT(pf, prefetch_max_window_param, 180)
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

	ASSERT_EQ(0, policy_load("prefetch", "max_window_kb=64", NULL));
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

TEST_F_TIMEOUT(pf, prefetch_detects_strides, 240)
{
	const char *how[3] = { "one strided access", "ascending words",
			       "descending words" };
	struct drm_svm_emu_counters off[3], on[3];
	long long touched = STRIDE_LEN / PAGE / STRIDE_PAGES;
	int i;

	ASSERT_EQ(0, policy_load("prefetch", "stride_ahead=0", NULL));
	for (i = 0; i < 3; i++)
		strided_read(_metadata, self->fd, i == 0, i == 2 ? -1 : 1,
			     &off[i]);
	ASSERT_EQ(0, policy_set("stride_ahead=64", NULL));
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

TEST_HARNESS_MAIN
