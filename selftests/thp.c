// SPDX-License-Identifier: GPL-2.0
/*
 * 2 MiB device pages, end to end.  Where the window of a device fault or a
 * PREFETCH is a whole 2 MiB-aligned THP (or an unpopulated 2 MiB-aligned
 * anonymous range), the device gets one compound 2 MiB device folio: the
 * counters folios_to_dev / folios_from_dev (sysfs and EXEC) count it, the
 * CPU page table maps it with one device-private PMD (QUERY reports every
 * page SVM_EXT_RES_HUGE) and the device page table with one 2 MiB entry
 * (huge_maps).  A CPU fault whose window is the whole chunk brings it back
 * as one folio and the CPU maps a THP again; a partial request (a window
 * smaller than 2 MiB, munmap, mprotect or mremap of part, fork and COW, a
 * read-mostly copy) splits it; eviction evicts it whole; with no free
 * 2 MiB of device memory the access falls back to 4 KiB device pages.
 *
 * Every test keeps a model of what each word must hold and checks every
 * word, from the CPU and from the device (a checksum per page).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_policy.h"
#include "svm_user.h"

#define PAGE_WORDS	(PAGE / 8)

#define THP_TOP		"/sys/kernel/mm/transparent_hugepage/enabled"
#define THP_PMD		"/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/enabled"

/* ---- THP availability: set for the test, restored after it ------------- */

/* The selected word of a sysfs THP mode file ("always [madvise] never"). */
static int thp_mode(const char *path, char *mode, size_t len)
{
	char buf[128], *l, *r;

	if (read_str(path, buf, sizeof(buf)))
		return -1;
	l = strchr(buf, '[');
	r = l ? strchr(l, ']') : NULL;
	if (!r || (size_t)(r - l - 1) >= len)
		return -1;
	memcpy(mode, l + 1, r - l - 1);
	mode[r - l - 1] = '\0';
	return 0;
}

/* What a test changed to have MADV_HUGEPAGE give 2 MiB THPs. */
struct thp_saved {
	char top[16], pmd[16];	/* modes to write back, "" when unchanged */
};

static bool thp_on(const char *mode)
{
	return !strcmp(mode, "always") || !strcmp(mode, "madvise");
}

/*
 * Make MADV_HUGEPAGE ranges get 2 MiB THPs: the 2 MiB size's own mode
 * (where the kernel has one) decides unless it is "inherit", then the
 * global one does.  selftests/setup.sh leaves them as the kernel booted
 * (madvise with our config); a test never relies on that.
 */
static int thp_enable(struct thp_saved *s)
{
	char top[16], pmd[16] = "inherit";
	bool has_pmd = !access(THP_PMD, F_OK);

	memset(s, 0, sizeof(*s));
	if (thp_mode(THP_TOP, top, sizeof(top)))
		return -1;
	if (has_pmd && thp_mode(THP_PMD, pmd, sizeof(pmd)))
		return -1;
	if (thp_on(pmd) || (!strcmp(pmd, "inherit") && thp_on(top)))
		return 0;
	if (has_pmd && strcmp(pmd, "inherit")) {
		snprintf(s->pmd, sizeof(s->pmd), "%s", pmd);
		return write_str(THP_PMD, "madvise");
	}
	snprintf(s->top, sizeof(s->top), "%s", top);
	return write_str(THP_TOP, "madvise");
}

static void thp_restore(const struct thp_saved *s)
{
	if (s->pmd[0])
		write_str(THP_PMD, s->pmd);
	if (s->top[0])
		write_str(THP_TOP, s->top);
}

/* ---- buffers ---------------------------------------------------------------- */

/*
 * @len bytes of anonymous memory on a 2 MiB boundary, MADV_HUGEPAGE when
 * @huge, followed by a PROT_NONE guard page: the buffer is a VMA of its
 * own that never merges with a neighbour, so its smaps entry is about the
 * buffer alone.  munmap(p, len + PAGE) frees it all.
 */
static uint64_t *buf_map(size_t len, bool huge)
{
	uint8_t *p = map_chunk_aligned(len + PAGE, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + len, PAGE, PROT_NONE) ||
	    (huge && madvise(p, len, MADV_HUGEPAGE))) {
		munmap(p, len + PAGE);
		return NULL;
	}
	return (uint64_t *)p;
}

/*
 * AnonHugePages (kB) of the VMA that is exactly [addr, addr + len), from
 * /proc/self/smaps; -1 when there is no such VMA.  smaps counts a PMD
 * entry of a compound device folio there too: it speaks for system THPs
 * only while none of the buffer is on a device.
 */
static long thp_kb(const void *addr, size_t len)
{
	unsigned long lo, hi, a = (unsigned long)addr;
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	bool in = false;
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char perms[8];

		/* a mapping's header: "lo-hi perms offset dev inode path" */
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3) {
			if (in)
				break;
			in = lo == a && hi == a + len;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/*
 * Fill @buf and its model @want with fill_pattern(@seed) and make sure
 * THPs back all of @buf, as the tests of a THP source need.
 */
static void thp_fill(struct __test_metadata *_metadata, uint64_t *buf,
		     uint64_t *want, size_t len, uint64_t seed)
{
	char top[16] = "?", pmd[16] = "-";

	fill_pattern(buf, len, seed);
	fill_pattern(want, len, seed);
	thp_mode(THP_TOP, top, sizeof(top));
	thp_mode(THP_PMD, pmd, sizeof(pmd));
	ASSERT_EQ((long)(len / 1024), thp_kb(buf, len))
		TH_LOG("no THP source: AnonHugePages %ld kB of %zu (THP %s, 2048kB %s)",
		       thp_kb(buf, len), len / 1024, top, pmd);
}

/* ---- checks ------------------------------------------------------------------ */

/* Pages of [addr, addr + npages pages) at @loc whose mapping is a PMD. */
static long huge_at(int fd, const void *addr, size_t npages, unsigned int loc)
{
	uint16_t *res = calloc(npages, sizeof(*res));
	long n = 0;
	size_t i;

	if (!res)
		return -ENOMEM;
	if (emu_query(fd, (void *)addr, npages, res)) {
		n = -errno;
		goto out;
	}
	for (i = 0; i < npages; i++)
		n += (res[i] & SVM_EXT_RES_LOC_MASK) == loc &&
		     (res[i] & SVM_EXT_RES_HUGE);
out:
	free(res);
	return n;
}

/* The CPU reads every word of @buf: each must be @want's. */
static void cpu_expect(struct __test_metadata *_metadata, const uint64_t *buf,
		       const uint64_t *want, size_t len)
{
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (buf[i] != want[i])
			break;
	EXPECT_EQ(len / 8, i)
		TH_LOG("CPU: word %zu (page %zu) is %#llx, want %#llx", i,
		       i / PAGE_WORDS, (unsigned long long)buf[i],
		       (unsigned long long)want[i]);
}

/*
 * Device @fd checksums every page of @buf (one access per page, up to
 * SVM_EMU_EXEC_MAX_ACCESSES per EXEC): each must be @want's.
 */
static void dev_expect(struct __test_metadata *_metadata, int fd,
		       const uint64_t *buf, const uint64_t *want, size_t len)
{
	size_t npages = len / PAGE, p, n, k;
	struct drm_svm_emu_access *acc;
	long bad = -1;

	acc = calloc(SVM_EMU_EXEC_MAX_ACCESSES, sizeof(*acc));
	ASSERT_NE(NULL, acc);
	for (p = 0; p < npages && bad < 0; p += n) {
		n = npages - p;
		if (n > SVM_EMU_EXEC_MAX_ACCESSES)
			n = SVM_EMU_EXEC_MAX_ACCESSES;
		memset(acc, 0, n * sizeof(*acc));
		for (k = 0; k < n; k++) {
			acc[k].op = SVM_EMU_OP_CHECKSUM;
			acc[k].addr = (uintptr_t)(buf + (p + k) * PAGE_WORDS);
			acc[k].length = PAGE;
		}
		ASSERT_EQ(0, emu_exec(fd, acc, n, NULL));
		for (k = 0; k < n && bad < 0; k++)
			if (acc[k].result !=
			    cpu_checksum(want + (p + k) * PAGE_WORDS, PAGE, 0))
				bad = p + k;
	}
	free(acc);
	EXPECT_EQ(-1, bad) TH_LOG("device: page %ld does not hold what was last written",
				  bad);
}

/* Both, the device first so that it reads the data where it lies. */
static void all_expect(struct __test_metadata *_metadata, int fd,
		       const uint64_t *buf, const uint64_t *want, size_t len)
{
	dev_expect(_metadata, fd, buf, want, len);
	cpu_expect(_metadata, buf, want, len);
}

/* The device adds @v to word @w of @buf; the model follows. */
static int dev_add(int fd, uint64_t *buf, uint64_t *want, size_t w, uint64_t v,
		   struct drm_svm_emu_counters *c)
{
	int ret = emu_exec1(fd, SVM_EMU_OP_ATOMIC_ADD, &buf[w], 8, 0, v, NULL,
			    c);

	if (!ret)
		want[w] += v;
	return ret;
}

/* The device adds @v to every word of @buf; the model follows. */
static int dev_add_all(int fd, uint64_t *buf, uint64_t *want, size_t len,
		       uint64_t v, struct drm_svm_emu_counters *c)
{
	int ret = emu_exec1(fd, SVM_EMU_OP_ATOMIC_ADD, buf, len, 0, v, NULL,
			    c);
	size_t i;

	if (!ret)
		for (i = 0; i < len / 8; i++)
			want[i] += v;
	return ret;
}

/* ---- device counters (sysfs) ------------------------------------------------- */

enum {
	C_FOLIOS_TO, C_FOLIOS_FROM, C_PAGES_TO, C_PAGES_FROM, C_CPU_FAULTS,
	C_EVICTIONS, C_PAGES_EVICTED, C_N
};

static const char *const cnames[C_N] = {
	[C_FOLIOS_TO] = "folios_to_dev",
	[C_FOLIOS_FROM] = "folios_from_dev",
	[C_PAGES_TO] = "pages_to_dev",
	[C_PAGES_FROM] = "pages_from_dev",
	[C_CPU_FAULTS] = "cpu_faults",
	[C_EVICTIONS] = "evictions",
	[C_PAGES_EVICTED] = "pages_evicted",
};

struct snap {
	unsigned int dev;
	long long v[C_N];
};

static void snap(unsigned int dev, struct snap *s)
{
	int i;

	s->dev = dev;
	for (i = 0; i < C_N; i++)
		s->v[i] = dev_counter(dev, cnames[i]);
}

/* Counter @i of the device since @s; LLONG_MIN, said, when it is missing. */
static long long since(struct __test_metadata *_metadata, const struct snap *s,
		       int i)
{
	long long now = dev_counter(s->dev, cnames[i]);

	if (now < 0 || s->v[i] < 0) {
		TH_LOG("device %u has no sysfs counter %s", s->dev, cnames[i]);
		return LLONG_MIN;
	}
	return now - s->v[i];
}

/* ---- the tests ------------------------------------------------------------------ */

/*
 * fail_function, for the tests of paths only a failure reaches: @fn (one
 * of ours marked ALLOW_ERROR_INJECTION) returns @retval for the tasks that
 * write 1 to /proc/self/make-it-fail.  -ENOENT when the kernel has no
 * fail_function (the base kernel; FLAVOR=debug has it).
 */
#define FAIL_FN	"/sys/kernel/debug/fail_function"

static int fail_fn_on(const char *fn, const char *retval)
{
	char path[128];
	int ret;

	if (access(FAIL_FN "/inject", W_OK))
		return -ENOENT;
	snprintf(path, sizeof(path), FAIL_FN "/%s/retval", fn);
	ret = write_str(FAIL_FN "/inject", fn);
	if (!ret)
		ret = write_str(path, retval);
	if (!ret)
		ret = write_str(FAIL_FN "/task-filter", "Y");
	if (!ret)
		ret = write_str(FAIL_FN "/probability", "100");
	if (!ret)
		ret = write_str(FAIL_FN "/interval", "1");
	if (!ret)
		ret = write_str(FAIL_FN "/times", "-1");
	return ret;	/* write_str()'s -errno */
}

static void fail_fn_off(void)
{
	write_str(FAIL_FN "/inject", "");
	write_str(FAIL_FN "/probability", "0");
}

FIXTURE(thp)
{
	struct thp_saved saved;
	int fd0, fd1;
};

FIXTURE_SETUP(thp)
{
	/* a test that died with a policy attached must not decide for us */
	policy_unload_any();
	ASSERT_EQ(0, thp_enable(&self->saved))
		TH_LOG("cannot have MADV_HUGEPAGE give THPs (" THP_TOP ")");
	self->fd0 = emu_open(0);
	self->fd1 = emu_open(1);
	ASSERT_GE(self->fd0, 0);
	ASSERT_GE(self->fd1, 0);
	ASSERT_EQ(0, emu_bind(self->fd0));
	ASSERT_EQ(0, emu_bind(self->fd1));
}

/* in the parent: runs even when the test crashed or timed out */
FIXTURE_TEARDOWN_PARENT(thp)
{
	policy_unload_any();
	thp_restore(&self->saved);
	fail_fn_off();		/* a test that died with it armed */
}

/*
 * A device read of two THPs: two faults, each moving one compound folio,
 * mapped by the device with one 2 MiB entry each and by the CPU with a
 * device-private PMD each.
 */
TEST_F(thp, device_fault_moves_thp_as_one_folio)
{
	size_t len = 2 * CHUNK;
	uint64_t *buf = buf_map(len, true), *want = malloc(len), sum;
	struct drm_svm_emu_counters c;
	struct snap s;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	thp_fill(_metadata, buf, want, len, 0x1000);
	snap(0, &s);
	ASSERT_EQ(0, emu_exec1(self->fd0, SVM_EMU_OP_CHECKSUM, buf, len, 0, 0,
			       &sum, &c));
	EXPECT_EQ(cpu_checksum(want, len, 0), sum);
	EXPECT_EQ(2, c.faults);
	EXPECT_EQ(len / PAGE, c.pages_to_dev);
	EXPECT_EQ(2, c.folios_to_dev);
	EXPECT_EQ(2, c.huge_maps);
	EXPECT_EQ(2, since(_metadata, &s, C_FOLIOS_TO));
	EXPECT_EQ(len / PAGE, since(_metadata, &s, C_PAGES_TO));
	EXPECT_EQ(len / PAGE, emu_count_at(self->fd0, buf, len / PAGE, 0));
	EXPECT_EQ(len / PAGE, huge_at(self->fd0, buf, len / PAGE, 0));

	ASSERT_EQ(0, dev_add_all(self->fd0, buf, want, len, 1, NULL));
	all_expect(_metadata, self->fd0, buf, want, len);
}

/* First touch of an unpopulated 2 MiB range on the device: one folio. */
TEST_F(thp, first_touch_on_device_is_one_folio)
{
	uint64_t *buf = buf_map(CHUNK, false), *want = calloc(1, CHUNK);
	struct drm_svm_emu_access a[2] = {
		{ .op = SVM_EMU_OP_CHECKSUM, .length = CHUNK },
		{ .op = SVM_EMU_OP_WRITE, .length = CHUNK, .value = 0x2000 },
	};
	struct drm_svm_emu_counters c;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	a[0].addr = a[1].addr = (uintptr_t)buf;
	EXPECT_EQ(CHUNK_PAGES, emu_count_at(self->fd0, buf, CHUNK_PAGES,
					    SVM_EXT_RES_NONE));
	ASSERT_EQ(0, emu_exec(self->fd0, a, 2, &c));
	EXPECT_EQ(cpu_checksum(want, CHUNK, 0), a[0].result);	/* zeros */
	EXPECT_EQ(1, c.faults);
	EXPECT_EQ(CHUNK_PAGES, c.pages_to_dev);
	EXPECT_EQ(1, c.folios_to_dev);
	EXPECT_EQ(1, c.huge_maps);
	EXPECT_EQ(CHUNK_PAGES, huge_at(self->fd0, buf, CHUNK_PAGES, 0));
	fill_pattern(want, CHUNK, 0x2000);
	all_expect(_metadata, self->fd0, buf, want, CHUNK);
}

/* PREFETCH of two THPs to the device and back: folios both ways, THPs again. */
TEST_F(thp, prefetch_moves_thp_as_one_folio_both_ways)
{
	size_t len = 2 * CHUNK;
	uint64_t *buf = buf_map(len, true), *want = malloc(len), sum;
	struct drm_svm_emu_counters c;
	struct snap s;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	thp_fill(_metadata, buf, want, len, 0x3000);
	snap(0, &s);
	EXPECT_EQ((long)(len / PAGE), emu_prefetch(self->fd0, buf, len, 0));
	EXPECT_EQ(2, since(_metadata, &s, C_FOLIOS_TO));
	EXPECT_EQ(len / PAGE, since(_metadata, &s, C_PAGES_TO));
	EXPECT_EQ(len / PAGE, huge_at(self->fd0, buf, len / PAGE, 0));
	/* already there: the device maps it, 2 MiB at a time */
	ASSERT_EQ(0, emu_exec1(self->fd0, SVM_EMU_OP_CHECKSUM, buf, len, 0, 0,
			       &sum, &c));
	EXPECT_EQ(cpu_checksum(want, len, 0), sum);
	EXPECT_EQ(0, c.pages_to_dev);
	EXPECT_EQ(2, c.huge_maps);

	snap(0, &s);
	EXPECT_EQ((long)(len / PAGE), emu_prefetch(self->fd0, buf, len,
						   SVM_EXT_LOC_SYSTEM));
	EXPECT_EQ(2, since(_metadata, &s, C_FOLIOS_FROM));
	EXPECT_EQ(len / PAGE, since(_metadata, &s, C_PAGES_FROM));
	EXPECT_EQ(len / PAGE, huge_at(self->fd0, buf, len / PAGE,
				      SVM_EXT_RES_SYSTEM));
	EXPECT_EQ((long)(len / 1024), thp_kb(buf, len));
	cpu_expect(_metadata, buf, want, len);
	dev_expect(_metadata, self->fd0, buf, want, len);
}

/* PREFETCH of an unpopulated 2 MiB range: one zeroed folio. */
TEST_F(thp, prefetch_unpopulated_is_one_folio)
{
	uint64_t *buf = buf_map(CHUNK, false), *want = calloc(1, CHUNK);
	struct snap s;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	snap(0, &s);
	EXPECT_EQ((long)CHUNK_PAGES, emu_prefetch(self->fd0, buf, CHUNK, 0));
	EXPECT_EQ(1, since(_metadata, &s, C_FOLIOS_TO));
	EXPECT_EQ(CHUNK_PAGES, since(_metadata, &s, C_PAGES_TO));
	EXPECT_EQ(CHUNK_PAGES, huge_at(self->fd0, buf, CHUNK_PAGES, 0));
	all_expect(_metadata, self->fd0, buf, want, CHUNK);
}

/*
 * A CPU touch of a compound folio (default window: the chunk) brings it
 * back in one fault as one folio, and the CPU maps a THP again: touching
 * its first page (chunk 0) or one in its middle (chunk 1).
 */
TEST_F(thp, cpu_fault_brings_folio_back_as_thp)
{
	size_t len = 2 * CHUNK, npages = len / PAGE;
	uint64_t *buf = buf_map(len, true), *want = malloc(len);
	size_t touch[2] = { 0, CHUNK / 8 + 300 * PAGE_WORDS + 7 }, k;
	struct drm_svm_emu_counters c;
	struct snap s;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	thp_fill(_metadata, buf, want, len, 0x4000);
	ASSERT_EQ(0, dev_add_all(self->fd0, buf, want, len, 3, &c));
	EXPECT_EQ(2, c.folios_to_dev);
	EXPECT_EQ(npages, huge_at(self->fd0, buf, npages, 0));

	for (k = 0; k < 2; k++) {
		uint64_t *chunk = buf + k * CHUNK / 8;

		snap(0, &s);
		EXPECT_EQ(want[touch[k]], *(volatile uint64_t *)&buf[touch[k]]);
		EXPECT_EQ(1, since(_metadata, &s, C_CPU_FAULTS));
		EXPECT_EQ(CHUNK_PAGES, since(_metadata, &s, C_PAGES_FROM));
		EXPECT_EQ(1, since(_metadata, &s, C_FOLIOS_FROM));
		EXPECT_EQ(CHUNK_PAGES, huge_at(self->fd0, chunk, CHUNK_PAGES,
					       SVM_EXT_RES_SYSTEM));
		cpu_expect(_metadata, chunk, want + k * CHUNK / 8, CHUNK);
	}
	EXPECT_EQ((long)(len / 1024), thp_kb(buf, len))
		TH_LOG("the data came back in 4 KiB pages");
	dev_expect(_metadata, self->fd0, buf, want, len);
	cpu_expect(_metadata, buf, want, len);
}

/*
 * Where the CPU may not have a THP (MADV_NOHUGEPAGE after the move) the
 * folio comes back in 4 KiB pages, in one fault, every word intact.
 */
TEST_F(thp, cpu_fault_without_thp_falls_back_to_4k)
{
	uint64_t *buf = buf_map(CHUNK, true), *want = malloc(CHUNK);
	struct drm_svm_emu_counters c;
	struct snap s;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	thp_fill(_metadata, buf, want, CHUNK, 0x5000);
	ASSERT_EQ(0, dev_add_all(self->fd0, buf, want, CHUNK, 5, &c));
	EXPECT_EQ(1, c.folios_to_dev);
	ASSERT_EQ(0, madvise(buf, CHUNK, MADV_NOHUGEPAGE));

	snap(0, &s);
	cpu_expect(_metadata, buf, want, CHUNK);
	EXPECT_EQ(1, since(_metadata, &s, C_CPU_FAULTS));
	EXPECT_EQ(CHUNK_PAGES, since(_metadata, &s, C_PAGES_FROM));
	EXPECT_EQ(CHUNK_PAGES, emu_count_at(self->fd0, buf, CHUNK_PAGES,
					    SVM_EXT_RES_SYSTEM));
	EXPECT_EQ(0, thp_kb(buf, CHUNK))
		TH_LOG("a THP where the VMA says MADV_NOHUGEPAGE");
	dev_expect(_metadata, self->fd0, buf, want, CHUNK);
	cpu_expect(_metadata, buf, want, CHUNK);
}

/*
 * A CPU fault in the middle of a 2 MiB device folio that PTEs map (an
 * mprotect() of one page split its PMD): the kernel splits the folio
 * during the move, and the fault page goes to a folio of its own.  Linux
 * 7.3.4 then took the old folio, now the head page's and unlocked, for the
 * fault's locked one and moved it unlocked (VM_BUG_ON_FOLIO in
 * mem_cgroup_migrate(); found by svmstress on the debug kernel;
 * kernel/patches/0003).
 */
TEST_F(thp, cpu_fault_inside_split_folio)
{
	uint64_t *buf = buf_map(CHUNK, true), *want = malloc(CHUNK);
	struct drm_svm_emu_counters c;
	size_t w = 300 * PAGE_WORDS + 3;
	struct snap s;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	thp_fill(_metadata, buf, want, CHUNK, 0x5800);
	ASSERT_EQ(0, dev_add_all(self->fd0, buf, want, CHUNK, 5, &c));
	EXPECT_EQ(1, c.folios_to_dev);
	/* PTEs instead of the PMD; the folio stays whole on the device */
	ASSERT_EQ(0, mprotect(buf + 100 * PAGE_WORDS, PAGE, PROT_READ));
	ASSERT_EQ(0, mprotect(buf + 100 * PAGE_WORDS, PAGE,
			      PROT_READ | PROT_WRITE));
	EXPECT_EQ(0, huge_at(self->fd0, buf, CHUNK_PAGES, 0));
	EXPECT_EQ(CHUNK_PAGES, emu_count_at(self->fd0, buf, CHUNK_PAGES, 0));

	snap(0, &s);
	EXPECT_EQ(want[w], buf[w]);
	EXPECT_LT(0, since(_metadata, &s, C_PAGES_FROM));
	cpu_expect(_metadata, buf, want, CHUNK);
	dev_expect(_metadata, self->fd0, buf, want, CHUNK);
	cpu_expect(_metadata, buf, want, CHUNK);
}

/*
 * A window smaller than 2 MiB (granularity 16 pages) over a THP: only
 * those 16 pages move, in 4 KiB pages; the rest stays, intact.
 */
TEST_F(thp, small_granularity_window_splits_thp)
{
	uint64_t *buf = buf_map(CHUNK, true), *want = malloc(CHUNK);
	struct drm_svm_emu_counters c;
	struct snap s;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	thp_fill(_metadata, buf, want, CHUNK, 0x6000);
	ASSERT_EQ(0, emu_set_attr(self->fd0, buf, CHUNK,
				  SVM_EXT_ATTR_GRANULARITY, 4));
	snap(0, &s);
	ASSERT_EQ(0, dev_add(self->fd0, buf, want, 100 * PAGE_WORDS + 9, 11,
			     &c));
	EXPECT_EQ(1, c.faults);
	EXPECT_EQ(16, c.pages_to_dev);
	EXPECT_EQ(0, c.folios_to_dev);
	EXPECT_EQ(0, c.huge_maps);
	EXPECT_EQ(0, since(_metadata, &s, C_FOLIOS_TO));
	EXPECT_EQ(16, emu_count_at(self->fd0, buf + 96 * PAGE_WORDS, 16, 0));
	EXPECT_EQ(CHUNK_PAGES - 16, emu_count_at(self->fd0, buf, CHUNK_PAGES,
						 SVM_EXT_RES_SYSTEM));
	all_expect(_metadata, self->fd0, buf, want, CHUNK);
}

/*
 * A one-page window of another device on a compound folio: that page
 * leaves the folio, the other 511 stay on the first device.
 */
TEST_F(thp, small_window_of_other_device_splits_folio)
{
	uint64_t *buf = buf_map(CHUNK, true), *want = malloc(CHUNK);
	struct drm_svm_emu_counters c;
	struct snap s0;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	thp_fill(_metadata, buf, want, CHUNK, 0x7000);
	ASSERT_EQ(0, emu_exec1(self->fd0, SVM_EMU_OP_READ, buf, CHUNK, 0, 0,
			       NULL, &c));
	EXPECT_EQ(1, c.folios_to_dev);
	ASSERT_EQ(0, emu_set_attr(self->fd1, buf, CHUNK,
				  SVM_EXT_ATTR_GRANULARITY, 0));

	snap(0, &s0);
	ASSERT_EQ(0, dev_add(self->fd1, buf, want, 300 * PAGE_WORDS + 5, 7,
			     &c));
	EXPECT_EQ(1, c.pages_to_dev);
	EXPECT_EQ(0, c.folios_to_dev);
	EXPECT_EQ(1, since(_metadata, &s0, C_PAGES_FROM));
	EXPECT_EQ(0, since(_metadata, &s0, C_FOLIOS_FROM));
	EXPECT_EQ(1, emu_count_at(self->fd0, buf + 300 * PAGE_WORDS, 1, 1));
	EXPECT_EQ(CHUNK_PAGES - 1, emu_count_at(self->fd0, buf, CHUNK_PAGES, 0));
	/* the first device writes its part again, without taking that page */
	ASSERT_EQ(0, dev_add(self->fd0, buf, want, 10 * PAGE_WORDS, 3, &c));
	EXPECT_EQ(0, c.pages_to_dev);

	dev_expect(_metadata, self->fd1, buf, want, CHUNK);
	dev_expect(_metadata, self->fd0, buf, want, CHUNK);
	cpu_expect(_metadata, buf, want, CHUNK);
}

/*
 * A device that maps part of a compound device folio through a window that
 * does not start at the folio's first page (another file of the same GPU,
 * 16-page windows) must map each page of the window to its own page of the
 * folio.  hmm_range_fault() in Linux 7.3.4 reported a device-private PMD's
 * first pfn for the window's first page whatever the window's offset, so
 * the device read page 0's data at page 16 (kernel/patches/0002).  The
 * data stays where it is: nothing moves.
 */
TEST_F(thp, window_inside_folio_maps_its_own_pages)
{
	uint64_t *buf = buf_map(CHUNK, true), *want = malloc(CHUNK);
	struct drm_svm_emu_counters c;
	int fd2 = emu_open(0);
	uint64_t sum;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	ASSERT_GE(fd2, 0);
	ASSERT_EQ(0, emu_bind(fd2));
	thp_fill(_metadata, buf, want, CHUNK, 0x7800);
	ASSERT_EQ(0, emu_exec1(self->fd0, SVM_EMU_OP_READ, buf, CHUNK, 0, 0,
			       NULL, &c));
	ASSERT_EQ(1, c.folios_to_dev);
	ASSERT_EQ(0, emu_set_attr(fd2, buf, CHUNK, SVM_EXT_ATTR_GRANULARITY, 4));

	/* page 300's window is pages 288-303 */
	ASSERT_EQ(0, emu_exec1(fd2, SVM_EMU_OP_CHECKSUM, buf + 300 * PAGE_WORDS,
			       PAGE, 0, 0, &sum, &c));
	EXPECT_EQ(cpu_checksum(want + 300 * PAGE_WORDS, PAGE, 0), sum)
		TH_LOG("the device read another page of the folio at page 300");
	EXPECT_EQ(0, c.pages_to_dev);
	dev_expect(_metadata, fd2, buf, want, CHUNK);
	EXPECT_EQ(CHUNK_PAGES, huge_at(self->fd0, buf, CHUNK_PAGES, 0));
	dev_expect(_metadata, self->fd0, buf, want, CHUNK);
	cpu_expect(_metadata, buf, want, CHUNK);
	close(fd2);
}

/*
 * The one_page test policy splits a compound folio the same way; after it
 * is gone, a CPU fault brings the chunk's pages home from both devices.
 */
TEST_F_TIMEOUT(thp, one_page_policy_splits_folio, 120)
{
	uint64_t *buf = buf_map(CHUNK, true), *want = malloc(CHUNK);
	struct drm_svm_emu_counters c;
	struct snap s0, s1;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	thp_fill(_metadata, buf, want, CHUNK, 0x8000);
	ASSERT_EQ(0, emu_exec1(self->fd0, SVM_EMU_OP_READ, buf, CHUNK, 0, 0,
			       NULL, &c));
	EXPECT_EQ(1, c.folios_to_dev);

	ASSERT_EQ(0, policy_load(test_bpf_obj("one_page"), NULL));
	ASSERT_EQ(0, dev_add(self->fd1, buf, want, 256 * PAGE_WORDS + 1, 9,
			     &c));
	EXPECT_EQ(1, c.pages_to_dev);
	EXPECT_EQ(0, c.folios_to_dev);
	EXPECT_EQ(0, run("grep -qx one_page " SVM_SYSFS "/policy"))
		TH_LOG("the policy did not stay attached");
	ASSERT_EQ(0, policy_unload());
	EXPECT_EQ(1, emu_count_at(self->fd0, buf + 256 * PAGE_WORDS, 1, 1));
	EXPECT_EQ(CHUNK_PAGES - 1, emu_count_at(self->fd0, buf, CHUNK_PAGES, 0));

	snap(0, &s0);
	snap(1, &s1);
	buf[3 * PAGE_WORDS] += 1;	/* CPU fault on the first device */
	want[3 * PAGE_WORDS] += 1;
	EXPECT_EQ(1, since(_metadata, &s0, C_CPU_FAULTS));
	EXPECT_EQ(CHUNK_PAGES - 1, since(_metadata, &s0, C_PAGES_FROM));
	EXPECT_EQ(1, since(_metadata, &s1, C_PAGES_FROM));
	EXPECT_EQ(CHUNK_PAGES, emu_count_at(self->fd0, buf, CHUNK_PAGES,
					    SVM_EXT_RES_SYSTEM));
	cpu_expect(_metadata, buf, want, CHUNK);
	dev_expect(_metadata, self->fd1, buf, want, CHUNK);
	dev_expect(_metadata, self->fd0, buf, want, CHUNK);
}

/*
 * munmap of a page in the middle and of the last 16 pages of a compound
 * folio: the rest reads what was written, the holes fault, and all the
 * device memory comes back once the rest goes too.
 */
TEST_F(thp, munmap_part_of_folio)
{
	long long used0 = dev_mem_used(0);
	uint64_t *buf = buf_map(CHUNK, true), *want = malloc(CHUNK);
	uint64_t *mid = buf + 201 * PAGE_WORDS;
	struct drm_svm_emu_counters c;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	thp_fill(_metadata, buf, want, CHUNK, 0x9000);
	ASSERT_EQ(0, dev_add_all(self->fd0, buf, want, CHUNK, 1, &c));
	EXPECT_EQ(1, c.folios_to_dev);
	EXPECT_EQ(used0 + (long long)CHUNK, dev_mem_used(0));

	ASSERT_EQ(0, munmap(buf + 200 * PAGE_WORDS, PAGE));
	ASSERT_EQ(0, munmap(buf + 496 * PAGE_WORDS, 16 * PAGE));
	EXPECT_EQ(-EFAULT, emu_exec1(self->fd0, SVM_EMU_OP_READ,
				     buf + 200 * PAGE_WORDS, 8, 0, 0, NULL,
				     NULL));
	EXPECT_EQ(-EFAULT, emu_exec1(self->fd0, SVM_EMU_OP_READ,
				     buf + 500 * PAGE_WORDS, 8, 0, 0, NULL,
				     NULL));
	/* the device writes both pieces again, then everyone reads */
	ASSERT_EQ(0, dev_add_all(self->fd0, buf, want, 200 * PAGE, 2, NULL));
	ASSERT_EQ(0, dev_add_all(self->fd0, mid, want + 201 * PAGE_WORDS,
				 295 * PAGE, 4, NULL));
	dev_expect(_metadata, self->fd0, buf, want, 200 * PAGE);
	dev_expect(_metadata, self->fd0, mid, want + 201 * PAGE_WORDS,
		   295 * PAGE);
	cpu_expect(_metadata, buf, want, 200 * PAGE);
	cpu_expect(_metadata, mid, want + 201 * PAGE_WORDS, 295 * PAGE);
	/* and the pieces go back to the device, then away for good */
	ASSERT_EQ(0, dev_add_all(self->fd0, mid, want + 201 * PAGE_WORDS,
				 295 * PAGE, 1, NULL));
	dev_expect(_metadata, self->fd0, mid, want + 201 * PAGE_WORDS,
		   295 * PAGE);
	ASSERT_EQ(0, munmap(buf, 200 * PAGE));
	ASSERT_EQ(0, munmap(mid, 295 * PAGE));
	EXPECT_EQ(used0, dev_mem_used(0));
}

/*
 * mprotect of 16 pages in the middle of a compound folio: the device may
 * not write them, may write the rest, and after the protection is back
 * every word is what was last written.
 */
TEST_F(thp, mprotect_part_of_folio)
{
	uint64_t *buf = buf_map(CHUNK, true), *want = malloc(CHUNK);
	uint64_t *ro = buf + 64 * PAGE_WORDS;
	struct drm_svm_emu_counters c;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	thp_fill(_metadata, buf, want, CHUNK, 0xa000);
	ASSERT_EQ(0, dev_add_all(self->fd0, buf, want, CHUNK, 1, &c));
	EXPECT_EQ(1, c.folios_to_dev);

	ASSERT_EQ(0, mprotect(ro, 16 * PAGE, PROT_READ));
	EXPECT_EQ(-EFAULT, emu_exec1(self->fd0, SVM_EMU_OP_ATOMIC_ADD,
				     ro + 5 * PAGE_WORDS, 8, 0, 1, NULL, NULL));
	ASSERT_EQ(0, dev_add(self->fd0, buf, want, 10 * PAGE_WORDS + 2, 6,
			     NULL));
	ASSERT_EQ(0, dev_add(self->fd0, buf, want, 300 * PAGE_WORDS + 3, 6,
			     NULL));
	all_expect(_metadata, self->fd0, buf, want, CHUNK);

	ASSERT_EQ(0, mprotect(ro, 16 * PAGE, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, dev_add_all(self->fd0, buf, want, CHUNK, 1, NULL));
	ASSERT_EQ(0, dev_add(self->fd0, buf, want, 70 * PAGE_WORDS, 8, NULL));
	all_expect(_metadata, self->fd0, buf, want, CHUNK);
}

/* The child's half of a fork test: checks its view, returns an exit code. */
static int child_check(const uint64_t *buf, const uint64_t *want, size_t len,
		       int dev)
{
	int fd = emu_open(dev);
	size_t i;

	if (fd < 0 || emu_bind(fd))
		return 10;
	for (i = 0; i < len / PAGE; i++) {
		uint64_t sum;

		if (emu_exec1(fd, SVM_EMU_OP_CHECKSUM,
			      (void *)(buf + i * PAGE_WORDS), PAGE, 0, 0, &sum,
			      NULL))
			return 11;
		if (sum != cpu_checksum(want + i * PAGE_WORDS, PAGE, 0))
			return 12;
	}
	for (i = 0; i < len / 8; i++)
		if (buf[i] != want[i])
			return 13;
	close(fd);
	return 0;
}

/*
 * The start of a fork test whose child only watches: the child waits for a
 * byte on the pipe, then checks that it still sees @orig (CPU and device
 * 1) and exits with child_check()'s code.  Returns the child's pid, the
 * pipe's write end in *@go.
 */
static pid_t fork_watcher(const uint64_t *buf, const uint64_t *orig,
			  size_t len, int *go)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		char x;

		close(p[1]);
		if (read(p[0], &x, 1) != 1)
			_exit(2);
		_exit(child_check(buf, orig, len, 1));
	}
	close(p[0]);
	*go = p[1];
	return pid;
}

/* Let the watcher check and reap it: its exit code, or -1. */
static int fork_watcher_end(pid_t pid, int go)
{
	int status;

	if (write(go, "g", 1) != 1)
		return -1;
	close(go);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * fork with a compound folio on the device; the child writes, by CPU and
 * by device: the child sees its writes, the parent does not.
 */
TEST_F(thp, fork_child_writes_folio)
{
	uint64_t *buf = buf_map(CHUNK, true), *want = malloc(CHUNK);
	struct drm_svm_emu_counters c;
	int status;
	pid_t pid;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	thp_fill(_metadata, buf, want, CHUNK, 0xb000);
	ASSERT_EQ(0, dev_add_all(self->fd0, buf, want, CHUNK, 1, &c));
	EXPECT_EQ(1, c.folios_to_dev);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd = emu_open(1);

		if (fd < 0 || emu_bind(fd))
			_exit(2);
		buf[5 * PAGE_WORDS + 1] += 100;		/* CPU write */
		want[5 * PAGE_WORDS + 1] += 100;
		if (dev_add(fd, buf, want, 400 * PAGE_WORDS + 7, 200, NULL))
			_exit(3);
		close(fd);
		_exit(child_check(buf, want, CHUNK, 1));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("the child did not see its own writes (exit %d)",
		       WEXITSTATUS(status));
	all_expect(_metadata, self->fd0, buf, want, CHUNK);
}

/*
 * fork with a compound folio on the device; the parent writes, by CPU and
 * by device: the parent sees its writes, the child does not.
 */
TEST_F(thp, fork_parent_writes_folio)
{
	uint64_t *buf = buf_map(CHUNK, true), *want = malloc(CHUNK);
	uint64_t *orig = malloc(CHUNK);
	struct drm_svm_emu_counters c;
	int go, status;
	pid_t pid;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	ASSERT_NE(NULL, orig);
	thp_fill(_metadata, buf, want, CHUNK, 0xc000);
	ASSERT_EQ(0, dev_add_all(self->fd0, buf, want, CHUNK, 1, &c));
	EXPECT_EQ(1, c.folios_to_dev);
	memcpy(orig, want, CHUNK);
	pid = fork_watcher(buf, orig, CHUNK, &go);
	ASSERT_GE(pid, 0);

	ASSERT_EQ(0, dev_add(self->fd0, buf, want, 20 * PAGE_WORDS + 4, 300,
			     NULL));
	buf[450 * PAGE_WORDS + 6] += 400;		/* CPU write */
	want[450 * PAGE_WORDS + 6] += 400;
	all_expect(_metadata, self->fd0, buf, want, CHUNK);
	status = fork_watcher_end(pid, go);
	EXPECT_EQ(0, status)
		TH_LOG("the child did not see the data as at fork (exit %d)",
		       status);
	all_expect(_metadata, self->fd0, buf, want, CHUNK);
}

/*
 * A compound device folio that a fork child maps too comes home in 4 KiB
 * pages (the parent's VMA says MADV_NOHUGEPAGE), by PREFETCH and then by
 * CPU fault: the folio must be split in both page tables.  Linux 7.3.4's
 * migrate_vma_pages() splits a 2 MiB source whose destination is 4 KiB
 * pages with the moving VMA's PMD alone, so the child's PMD migration
 * entry was left pointing into a split folio (VM_BUG_ON_FOLIO in
 * remove_migration_pte(); without DEBUG_VM a 4 KiB page mapped as 2 MiB).
 * Found by svmstress with fail_function, on the way to the device.
 */
static void fork_shared_home_4k(struct __test_metadata *_metadata, int fd,
				bool by_prefetch)
{
	uint64_t *buf = buf_map(CHUNK, true), *want = malloc(CHUNK);
	struct drm_svm_emu_counters c;
	struct snap s;
	pid_t pid;
	int go;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	thp_fill(_metadata, buf, want, CHUNK, 0xd000);
	ASSERT_EQ(0, dev_add_all(fd, buf, want, CHUNK, 1, &c));
	EXPECT_EQ(1, c.folios_to_dev);
	pid = fork_watcher(buf, want, CHUNK, &go);
	ASSERT_GE(pid, 0);

	ASSERT_EQ(0, madvise(buf, CHUNK, MADV_NOHUGEPAGE));
	snap(0, &s);
	if (by_prefetch)
		EXPECT_EQ((long)CHUNK_PAGES,
			  emu_prefetch(fd, buf, CHUNK, SVM_EXT_LOC_SYSTEM));
	cpu_expect(_metadata, buf, want, CHUNK);
	EXPECT_EQ(CHUNK_PAGES, since(_metadata, &s, C_PAGES_FROM));
	EXPECT_EQ(0, since(_metadata, &s, C_FOLIOS_FROM));
	EXPECT_EQ(0, fork_watcher_end(pid, go))
		TH_LOG("the child did not see the data as at fork");
	all_expect(_metadata, fd, buf, want, CHUNK);
}

TEST_F(thp, fork_shared_folio_comes_home_in_4k)
{
	fork_shared_home_4k(_metadata, self->fd0, true);
}

/* The same by CPU fault, where the fault's reference changes the path. */
TEST_F(thp, fork_shared_folio_faults_home_in_4k)
{
	fork_shared_home_4k(_metadata, self->fd0, false);
}

/*
 * The same bug on the way to the device: a THP shared with a fork child
 * moves to the device while no 2 MiB device folio is to be had (injected:
 * svm_ext_devmem_alloc_folio() fails) - 4 KiB device pages, the THP split
 * in both processes, every word intact in both.
 */
TEST_F(thp, fork_shared_thp_to_device_in_4k)
{
	uint64_t *buf = buf_map(CHUNK, true), *want = malloc(CHUNK), sum;
	struct drm_svm_emu_counters c;
	pid_t pid;
	int go, ret;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	thp_fill(_metadata, buf, want, CHUNK, 0xe000);
	ret = fail_fn_on("svm_ext_devmem_alloc_folio", "0");
	if (ret == -ENOENT)
		SKIP(return, "no fail_function in this kernel (FLAVOR=debug has it)");
	ASSERT_EQ(0, ret);
	pid = fork_watcher(buf, want, CHUNK, &go);
	ASSERT_GE(pid, 0);

	ASSERT_EQ(0, write_str("/proc/self/make-it-fail", "1"));
	ret = emu_exec1(self->fd0, SVM_EMU_OP_CHECKSUM, buf, CHUNK, 0, 0, &sum,
			&c);
	write_str("/proc/self/make-it-fail", "0");
	fail_fn_off();
	ASSERT_EQ(0, ret);
	EXPECT_EQ(cpu_checksum(want, CHUNK, 0), sum);
	EXPECT_EQ(CHUNK_PAGES, c.pages_to_dev);
	EXPECT_EQ(0, c.folios_to_dev);
	EXPECT_EQ(0, fork_watcher_end(pid, go))
		TH_LOG("the child did not see the data as at fork");
	all_expect(_metadata, self->fd0, buf, want, CHUNK);
}

/*
 * Read-mostly copies of two compound folios on a second device; then in
 * one chunk the device with the copies writes, in the other the device
 * holding the data: every device and the CPU see the new bytes.
 */
TEST_F(thp, read_mostly_copies_of_folio)
{
	size_t len = 2 * CHUNK, npages = len / PAGE;
	uint64_t *buf = buf_map(len, true), *want = malloc(len);
	struct drm_svm_emu_counters c;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	thp_fill(_metadata, buf, want, len, 0xd000);
	ASSERT_EQ(0, emu_set_attr(self->fd0, buf, len,
				  SVM_EXT_ATTR_READ_MOSTLY, 1));
	ASSERT_EQ(0, emu_exec1(self->fd0, SVM_EMU_OP_READ, buf, len, 0, 0,
			       NULL, &c));
	EXPECT_EQ(2, c.folios_to_dev);
	EXPECT_EQ(npages, huge_at(self->fd0, buf, npages, 0));
	ASSERT_EQ(0, emu_exec1(self->fd1, SVM_EMU_OP_READ, buf, len, 0, 0,
			       NULL, &c));
	EXPECT_EQ(npages, c.pages_replicated);
	EXPECT_EQ(0, c.pages_to_dev);
	EXPECT_EQ(npages, emu_count_at(self->fd0, buf, npages, 0));
	dev_expect(_metadata, self->fd1, buf, want, len);
	dev_expect(_metadata, self->fd0, buf, want, len);

	/* first chunk: the device with copies writes */
	ASSERT_EQ(0, dev_add(self->fd1, buf, want, 123 * PAGE_WORDS + 4, 50,
			     NULL));
	/* second chunk: the device holding the data writes */
	ASSERT_EQ(0, dev_add(self->fd0, buf, want,
			     CHUNK / 8 + 456 * PAGE_WORDS + 2, 60, NULL));
	dev_expect(_metadata, self->fd1, buf, want, len);
	dev_expect(_metadata, self->fd0, buf, want, len);
	cpu_expect(_metadata, buf, want, len);
}

/* mremap of a compound folio to @dst_off bytes past a 2 MiB boundary. */
static void mremap_folio(struct __test_metadata *_metadata, int fd,
			 size_t dst_off, uint64_t seed)
{
	uint64_t *buf = buf_map(CHUNK, true), *want = malloc(CHUNK), *moved;
	struct drm_svm_emu_counters c;
	uint8_t *target;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	thp_fill(_metadata, buf, want, CHUNK, seed);
	ASSERT_EQ(0, dev_add_all(fd, buf, want, CHUNK, 1, &c));
	EXPECT_EQ(1, c.folios_to_dev);

	/* a target we own: a 2 MiB aligned reservation with room around */
	target = map_chunk_aligned(3 * CHUNK, PROT_NONE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, target);
	moved = mremap(buf, CHUNK, CHUNK, MREMAP_MAYMOVE | MREMAP_FIXED,
		       target + CHUNK + dst_off);
	ASSERT_NE(MAP_FAILED, moved);
	EXPECT_EQ(-EFAULT, emu_exec1(fd, SVM_EMU_OP_READ, buf, 8, 0, 0, NULL,
				     NULL));
	ASSERT_EQ(0, dev_add(fd, moved, want, 77 * PAGE_WORDS, 5, NULL));
	all_expect(_metadata, fd, moved, want, CHUNK);
	ASSERT_EQ(0, dev_add_all(fd, moved, want, CHUNK, 1, NULL));
	all_expect(_metadata, fd, moved, want, CHUNK);
}

TEST_F(thp, mremap_folio_aligned)
{
	mremap_folio(_metadata, self->fd0, 0, 0xe000);
}

/* one page off the boundary: the folio cannot stay one PMD */
TEST_F(thp, mremap_folio_misaligned)
{
	mremap_folio(_metadata, self->fd0, PAGE, 0xf000);
}

/* ---- a small device: eviction and fragmentation ---------------------------- */

#define SMALL_MB	8

/*
 * MADV_DONTNEED of 2 MiB device folios while PREFETCH moves them between
 * the devices and system memory.  A zap can meet the PMD migration entry of
 * a device folio in flight; Linux 7.3.4 took that entry for a device-private
 * one and dropped the folio's mapcount and reference a second time, freeing
 * it under the migration (kernel/patches/0001).  Found by svmfuzz; here the
 * race is run on purpose: the kernel must report nothing, and every word
 * must hold what the one writer (the CPU, after each DONTNEED) last wrote.
 */
#define ZAP_CHUNKS	4

struct zap_race {
	uint64_t *buf;
	int fd[2];
	atomic_bool stop;
	atomic_long moves;
};

static void *zap_race_mover(void *arg)
{
	struct zap_race *z = arg;
	const unsigned int to[3] = { 0, 1, SVM_EXT_LOC_SYSTEM };
	unsigned int i = 0;

	while (!atomic_load(&z->stop)) {
		long n = emu_prefetch(z->fd[i % 2], z->buf, ZAP_CHUNKS * CHUNK,
				      to[i % 3]);

		if (n > 0)
			atomic_fetch_add(&z->moves, n);
		i++;
	}
	return NULL;
}

TEST_F_TIMEOUT(thp, zap_races_folio_migration, 180)
{
	size_t len = ZAP_CHUNKS * CHUNK, w, c, round;
	struct zap_race z = { .buf = buf_map(len, true),
			      .fd = { self->fd0, self->fd1 } };
	uint64_t *want = malloc(len);
	struct snap s0, s1;
	pthread_t t;

	ASSERT_NE(NULL, z.buf);
	ASSERT_NE(NULL, want);
	thp_fill(_metadata, z.buf, want, len, 0x7000);
	snap(0, &s0);
	snap(1, &s1);
	ASSERT_EQ(0, pthread_create(&t, NULL, zap_race_mover, &z));
	for (round = 0; round < 400; round++) {
		c = round % ZAP_CHUNKS;
		ASSERT_EQ(0, madvise((char *)z.buf + c * CHUNK, CHUNK,
				     MADV_DONTNEED));
		for (w = c * CHUNK / 8; w < (c + 1) * CHUNK / 8; w++)
			z.buf[w] = want[w] = round << 32 | w;
	}
	atomic_store(&z.stop, true);
	ASSERT_EQ(0, pthread_join(t, NULL));
	TH_LOG("400 zaps against %ld pages moved; folios to the devices: %lld and %lld",
	       atomic_load(&z.moves), since(_metadata, &s0, C_FOLIOS_TO),
	       since(_metadata, &s1, C_FOLIOS_TO));
	/* the race was run: 2 MiB folios did move while the zaps went on */
	EXPECT_LT(0, since(_metadata, &s0, C_FOLIOS_TO) +
		     since(_metadata, &s1, C_FOLIOS_TO));
	cpu_expect(_metadata, z.buf, want, len);
	dev_expect(_metadata, self->fd0, z.buf, want, len);
}

FIXTURE(small)
{
	struct thp_saved saved;
	int fd;
	long long total;
};

FIXTURE_SETUP(small)
{
	char params[64];

	policy_unload_any();
	ASSERT_EQ(0, thp_enable(&self->saved))
		TH_LOG("cannot have MADV_HUGEPAGE give THPs (" THP_TOP ")");
	snprintf(params, sizeof(params), "ndevices=2 mem_mb=%d", SMALL_MB);
	ASSERT_EQ(0, emu_reload(params));
	self->total = read_ll(SVM_SYSFS "/devices/0/mem_total");
	ASSERT_EQ(SMALL_MB * MIB, self->total);
	ASSERT_EQ(0, dev_mem_used(0));
	self->fd = emu_open(0);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, emu_bind(self->fd));
}

/* in the parent, after the test's process (and its file) is gone */
FIXTURE_TEARDOWN_PARENT(small)
{
	thp_restore(&self->saved);
	EXPECT_EQ(0, emu_reload("ndevices=2 mem_mb=64"));
}

/*
 * THP-backed data twice the device's size: every chunk moves in as a
 * folio, each eviction sends one folio back whole and the CPU maps a THP
 * there again; every word survives.
 */
TEST_F_TIMEOUT(small, eviction_moves_folios_back_whole, 180)
{
	size_t len = 2 * self->total, sys;
	uint64_t *buf = buf_map(len, true), *want = malloc(len);
	struct drm_svm_emu_counters c;
	long long ev;
	struct snap s;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	thp_fill(_metadata, buf, want, len, 0x10000);
	snap(0, &s);
	ASSERT_EQ(0, dev_add_all(self->fd, buf, want, len, 1, &c));
	EXPECT_EQ(len / CHUNK, c.folios_to_dev);
	EXPECT_EQ(len / PAGE, c.pages_to_dev);
	EXPECT_GE(c.evictions, (self->total) / CHUNK);
	ev = since(_metadata, &s, C_EVICTIONS);
	EXPECT_EQ((long long)c.evictions, ev);
	EXPECT_EQ(ev * (long long)CHUNK_PAGES,
		  since(_metadata, &s, C_PAGES_EVICTED));
	/* each eviction moved one 2 MiB folio out */
	EXPECT_EQ(ev, since(_metadata, &s, C_FOLIOS_FROM));

	/* the device is full; what it evicted is in THPs again */
	EXPECT_EQ(self->total / PAGE, emu_count_at(self->fd, buf, len / PAGE,
						   0));
	sys = emu_count_at(self->fd, buf, len / PAGE, SVM_EXT_RES_SYSTEM);
	EXPECT_EQ((len - self->total) / PAGE, sys);
	/* (smaps counts a device folio's PMD in AnonHugePages too) */
	EXPECT_EQ((long)sys, huge_at(self->fd, buf, len / PAGE,
				     SVM_EXT_RES_SYSTEM));
	EXPECT_EQ(self->total / PAGE, huge_at(self->fd, buf, len / PAGE, 0));

	/* the device reads it all back through more evictions, the CPU too */
	all_expect(_metadata, self->fd, buf, want, len);
}

/*
 * Device memory is handed out by 2 MiB chunk, one per 2 MiB of address
 * space, so it never fragments below 2 MiB: with every chunk holding a
 * page of some other range, the device evicts one chunk and the THP still
 * moves whole.  Every word of both buffers survives.
 */
TEST_F_TIMEOUT(small, full_device_evicts_a_chunk_for_a_folio, 180)
{
	size_t slen = self->total, nchunks = slen / CHUNK, i;
	uint64_t *sparse = buf_map(slen, false), *swant = malloc(slen);
	uint64_t *buf = buf_map(CHUNK, true), *want = malloc(CHUNK), sum;
	struct drm_svm_emu_counters c;

	ASSERT_NE(NULL, sparse);
	ASSERT_NE(NULL, swant);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	fill_pattern(sparse, slen, 0x20000);
	fill_pattern(swant, slen, 0x20000);
	ASSERT_EQ(0, emu_set_attr(self->fd, sparse, slen,
				  SVM_EXT_ATTR_GRANULARITY, 0));
	/* one page in every chunk of the device: page 17 of each range */
	for (i = 0; i < nchunks; i++)
		ASSERT_EQ(0, dev_add(self->fd, sparse, swant,
				     i * CHUNK / 8 + 17 * PAGE_WORDS, 1, NULL));
	EXPECT_EQ((long)nchunks, emu_count_at(self->fd, sparse, slen / PAGE,
					       0));
	ASSERT_EQ(0, dev_mem_free(0)) TH_LOG("a 2 MiB chunk is still free");

	thp_fill(_metadata, buf, want, CHUNK, 0x30000);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, buf, CHUNK, 0, 0,
			       &sum, &c));
	EXPECT_EQ(cpu_checksum(want, CHUNK, 0), sum);
	EXPECT_EQ(1, c.evictions);
	EXPECT_EQ(1, c.pages_evicted);
	EXPECT_EQ(CHUNK_PAGES, c.pages_to_dev);
	EXPECT_EQ(1, c.folios_to_dev);
	EXPECT_EQ(CHUNK_PAGES, huge_at(self->fd, buf, CHUNK_PAGES, 0));
	EXPECT_EQ((long)nchunks - 1, emu_count_at(self->fd, sparse,
						  slen / PAGE, 0));

	ASSERT_EQ(0, dev_add_all(self->fd, buf, want, CHUNK, 1, NULL));
	all_expect(_metadata, self->fd, buf, want, CHUNK);
	all_expect(_metadata, self->fd, sparse, swant, slen);
}

/*
 * A range whose device chunk already holds some of its pages cannot take
 * a 2 MiB folio: the rest of an empty 2 MiB range comes as 4 KiB device
 * pages, zeroed, and goes home as 4 KiB pages.  The access never fails.
 */
TEST_F_TIMEOUT(small, partly_resident_range_falls_back_to_4k, 180)
{
	uint64_t *buf = buf_map(CHUNK, false), *want = calloc(1, CHUNK), sum;
	struct drm_svm_emu_counters c;
	struct snap s;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	/* first touch of one page, on the device */
	ASSERT_EQ(0, emu_set_attr(self->fd, buf, CHUNK,
				  SVM_EXT_ATTR_GRANULARITY, 0));
	ASSERT_EQ(0, dev_add(self->fd, buf, want, 17 * PAGE_WORDS, 5, &c));
	EXPECT_EQ(1, c.pages_to_dev);
	EXPECT_EQ(0, c.folios_to_dev);
	/* then the whole range, with the default 2 MiB window */
	ASSERT_EQ(0, emu_set_attr(self->fd, buf, CHUNK,
				  SVM_EXT_ATTR_GRANULARITY, 9));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, buf, CHUNK, 0, 0,
			       &sum, &c));
	EXPECT_EQ(cpu_checksum(want, CHUNK, 0), sum);
	EXPECT_EQ(CHUNK_PAGES - 1, c.pages_to_dev);
	EXPECT_EQ(0, c.folios_to_dev);
	EXPECT_EQ(CHUNK_PAGES, emu_count_at(self->fd, buf, CHUNK_PAGES, 0));
	EXPECT_EQ(0, huge_at(self->fd, buf, CHUNK_PAGES, 0));
	ASSERT_EQ(0, dev_add_all(self->fd, buf, want, CHUNK, 3, NULL));

	snap(0, &s);
	cpu_expect(_metadata, buf, want, CHUNK);
	EXPECT_EQ(CHUNK_PAGES, since(_metadata, &s, C_PAGES_FROM));
	EXPECT_EQ(0, since(_metadata, &s, C_FOLIOS_FROM));
	dev_expect(_metadata, self->fd, buf, want, CHUNK);
}

TEST_HARNESS_MAIN
