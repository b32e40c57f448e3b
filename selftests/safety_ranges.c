// SPDX-License-Identifier: GPL-2.0
/*
 * Range objects as a resource a user controls: hints, queries, prefetches
 * and device faults over unmapped space create none; munmap frees them;
 * every one is charged to the caller's memory cgroup; a process hits a
 * documented cap (EDQUOT) instead of exhausting kernel memory; wrapping or
 * out-of-bounds lengths get EINVAL.  Also: the debugfs dump after the unmap
 * queue overflowed (it used to walk VMAs without mmap_lock: a WARNING, and
 * stale hints), and prefetch leaving mlocked and hugetlb memory alone.
 *
 * Ranges are counted in /sys/kernel/debug/svm_ext/ranges (one line per
 * 2 MiB range: "tgid start end ..."); the cap is the module parameter
 * /sys/module/svm_ext/parameters/max_ranges.  Run as root (the VM does).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

#define GIB		(1UL << 30)
#define PG		4096UL
#define RANGES_FILE	"/sys/kernel/debug/svm_ext/ranges"
#define MAX_RANGES	"/sys/module/svm_ext/parameters/max_ranges"
#define CG_ROOT		"/sys/fs/cgroup"
#define CG_TEST		CG_ROOT "/svm_ext_safety_ranges"

static int debugfs_ready(void)
{
	if (!access(RANGES_FILE, R_OK))
		return 0;
	if (mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) &&
	    errno != EBUSY)
		return -errno;
	return access(RANGES_FILE, R_OK) ? -errno : 0;
}

/*
 * Ranges of process @pid whose start is in [lo, hi), from debugfs; with
 * @pref, the "preferred" column of the range starting at lo is copied
 * there.  -1 if the file cannot be read.
 */
static long ranges_in(pid_t pid, unsigned long lo, unsigned long hi,
		      char *pref, size_t preflen)
{
	FILE *f = fopen(RANGES_FILE, "r");
	char line[512], p[32];
	unsigned long start, end;
	long n = 0;
	int tgid;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		if (sscanf(line, "%d %lx %lx %*d %*d %*d %*d %*d %*d %31s",
			   &tgid, &start, &end, p) != 4)
			continue;
		if (tgid != pid || start < lo || start >= hi)
			continue;
		n++;
		if (pref && start == lo)
			snprintf(pref, preflen, "%s", p);
	}
	fclose(f);
	return n;
}

static long my_ranges(void)
{
	return ranges_in(getpid(), 0, ~0UL, NULL, 0);
}

/* Wait up to 5 s for the ranges in [lo, hi) to number @want; the last count. */
static long wait_ranges(unsigned long lo, unsigned long hi, long want)
{
	long n = -1;
	int i;

	for (i = 0; i < 500; i++) {
		n = ranges_in(getpid(), lo, hi, NULL, 0);
		if (n == want)
			break;
		usleep(10000);
	}
	return n;
}

static long long meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long long v = -1;
	size_t n = strlen(key);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = atoll(line + n + 1);
			break;
		}
	fclose(f);
	return v;
}

static long long read_num(const char *path)
{
	char buf[64];

	if (read_str(path, buf, sizeof(buf)))
		return -1;
	return atoll(buf);
}

static int write_num(const char *path, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	return write_str(path, buf);
}

/* Address of @len bytes of free address space (reserved, then released). */
static void *unmapped_space(size_t len)
{
	void *p = mmap(NULL, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, len);
	return p;
}

/*
 * TASK_SIZE of x86-64: 47-bit user space, or 56-bit with 5-level paging
 * (the kernel clears la57 from cpuinfo when it does not use it).
 */
static unsigned long task_size(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	int la57 = 0;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5)) {
			la57 = strstr(line, " la57") != NULL;
			break;
		}
	if (f)
		fclose(f);
	return (1UL << (la57 ? 56 : 47)) - PG;
}

/* /dev/kmsg positioned at its end, to see what the kernel says next. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Kernel messages since kmsg_open() that report a problem: count, logged. */
static int kmsg_problems(struct __test_metadata *_metadata, int fd)
{
	static const char *const bad[] = { "WARNING:", "BUG:", "lockdep",
					   "mmap_lock", "Oops", "circular" };
	char rec[2048];
	int n = 0;
	ssize_t len;
	size_t i;

	for (;;) {
		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (len <= 0)
			break;
		rec[len] = 0;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			if (strstr(rec, bad[i])) {
				TH_LOG("kernel: %.200s", rec);
				n++;
				break;
			}
	}
	return n;
}

FIXTURE(rng)
{
	int fd;
	long long saved_cap;
};

FIXTURE_SETUP(rng)
{
	ASSERT_EQ(0, debugfs_ready());
	self->fd = emu_open(0);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, emu_bind(self->fd));
	self->saved_cap = read_num(MAX_RANGES);
}

FIXTURE_TEARDOWN(rng)
{
	if (self->saved_cap > 0)
		write_num(MAX_RANGES, self->saved_cap);
	close(self->fd);
}

/*
 * The reproducer: 128 GiB of hints over unmapped space made 65,536
 * ranges and 32 MiB of slab before failing with ENOMEM.  Nothing may be
 * left behind by a hint, prefetch, query or device access there.
 */
TEST_F_TIMEOUT(rng, unmapped_space_creates_no_ranges, 120)
{
	size_t len = 128 * GIB;
	uint8_t *hole = unmapped_space(len);
	long long slab0, slab1;
	uint16_t *res;
	long before, i, bad = 0;

	ASSERT_NE(NULL, hole);
	before = my_ranges();
	ASSERT_GE(before, 0);
	slab0 = meminfo_kb("Slab");

	EXPECT_EQ(-ENOMEM, emu_set_attr(self->fd, hole, len,
					SVM_EXT_ATTR_PREFERRED_LOC,
					SVM_EXT_LOC_SYSTEM));
	EXPECT_EQ(0, ranges_in(getpid(), (unsigned long)hole,
			       (unsigned long)hole + len, NULL, 0));
	EXPECT_EQ(-ENOMEM, emu_prefetch(self->fd, hole, len, 0));
	EXPECT_EQ(-EFAULT, emu_exec1(self->fd, SVM_EMU_OP_READ, hole + len / 2,
				     8, 0, 0, NULL, NULL));

	/* the largest query: 4 GiB, all of it "nowhere", nothing created */
	res = calloc(SVM_EMU_QUERY_MAX_PAGES, sizeof(*res));
	ASSERT_NE(NULL, res);
	ASSERT_EQ(0, emu_query(self->fd, hole, SVM_EMU_QUERY_MAX_PAGES, res));
	for (i = 0; i < SVM_EMU_QUERY_MAX_PAGES; i++)
		bad += res[i] != SVM_EXT_RES_NONE;
	EXPECT_EQ(0, bad);
	free(res);

	slab1 = meminfo_kb("Slab");
	TH_LOG("ranges %ld -> %ld, slab %lld -> %lld kB", before, my_ranges(),
	       slab0, slab1);
	EXPECT_EQ(before, my_ranges());
	/* no 32 MiB of range objects: allow noise from the rest of the VM */
	EXPECT_LT(slab1 - slab0, 4096);
}

/* A query over a big span with one small mapping in it: one range. */
TEST_F(rng, sparse_query_makes_ranges_only_where_mapped)
{
	size_t len = (size_t)SVM_EMU_QUERY_MAX_PAGES * PG;	/* 4 GiB */
	uint8_t *span = unmapped_space(len + 2 * MIB), *p;
	uint16_t *res;
	long i, sys = 0;

	ASSERT_NE(NULL, span);
	span = (uint8_t *)(((uintptr_t)span + 2 * MIB - 1) & ~(2 * MIB - 1));
	p = mmap(span + GIB, 2 * MIB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ASSERT_EQ(span + GIB, p);
	memset(p, 1, 2 * MIB);
	res = calloc(SVM_EMU_QUERY_MAX_PAGES, sizeof(*res));
	ASSERT_NE(NULL, res);
	ASSERT_EQ(0, emu_query(self->fd, span, SVM_EMU_QUERY_MAX_PAGES, res));
	for (i = 0; i < SVM_EMU_QUERY_MAX_PAGES; i++)
		sys += (res[i] & SVM_EXT_RES_LOC_MASK) == SVM_EXT_RES_SYSTEM;
	EXPECT_EQ(2 * MIB / PG, sys);
	EXPECT_EQ(1, ranges_in(getpid(), (unsigned long)span,
			       (unsigned long)span + len, NULL, 0));
	free(res);
	munmap(p, 2 * MIB);
}

/* munmap (whole or in part) frees the ranges that no longer cover memory. */
TEST_F(rng, munmap_frees_ranges)
{
	size_t len = 16 * MIB;
	uint8_t *buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
	uint8_t *hint = map_chunk_aligned(8 * MIB, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	unsigned long b = (unsigned long)buf, h = (unsigned long)hint;

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(MAP_FAILED, hint);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, buf, len, 0, 3,
			       NULL, NULL));
	ASSERT_EQ(0, emu_set_attr(self->fd, hint, 8 * MIB,
				  SVM_EXT_ATTR_READ_MOSTLY, 1));
	EXPECT_EQ(8, ranges_in(getpid(), b, b + len, NULL, 0));
	EXPECT_EQ(4, ranges_in(getpid(), h, h + 8 * MIB, NULL, 0));

	/* the first 2 MiB and one page of the next: one range goes */
	ASSERT_EQ(0, munmap(buf, 2 * MIB + PG));
	EXPECT_EQ(7, wait_ranges(b, b + len, 7));
	ASSERT_EQ(0, munmap(buf + 2 * MIB + PG, len - 2 * MIB - PG));
	EXPECT_EQ(0, wait_ranges(b, b + len, 0));
	ASSERT_EQ(0, munmap(hint, 8 * MIB));
	EXPECT_EQ(0, wait_ranges(h, h + 8 * MIB, 0));
	/* and the memory can be mapped and used again */
	buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, buf, len, 0, 4,
			       NULL, NULL));
	EXPECT_EQ(-1, check_pattern(buf, len, 4));
	munmap(buf, len);
}

/* The per-process cap: EDQUOT from hints and device faults, freed by munmap. */
TEST_F(rng, cap_gives_edquot)
{
	uint8_t *buf = map_chunk_aligned(8 * MIB, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
	struct drm_svm_emu_get_attr g;
	long have = my_ranges(), i;
	int ret;

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_GT(self->saved_cap, 0) TH_LOG("no %s", MAX_RANGES);
	ASSERT_GE(have, 0);
	ASSERT_EQ(0, write_num(MAX_RANGES, have + 2));

	/* four chunks, room for two: the hint fails as a whole */
	EXPECT_EQ(-EDQUOT, emu_set_attr(self->fd, buf, 8 * MIB,
					SVM_EXT_ATTR_READ_MOSTLY, 1));
	ASSERT_EQ(0, emu_get_attr(self->fd, buf, 8 * MIB, &g));
	EXPECT_EQ(0, g.read_mostly);
	EXPECT_EQ(0, g.nranges);
	/* a device fault on a third chunk */
	EXPECT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, buf, 4 * MIB, 0, 7,
			       NULL, NULL));
	EXPECT_EQ(-EDQUOT, emu_exec1(self->fd, SVM_EMU_OP_WRITE,
				     buf + 4 * MIB, 8, 0, 7, NULL, NULL));
	EXPECT_EQ(have + 2, my_ranges());
	/* unmapping gives the room back, at once (no waiting for the reaper) */
	ASSERT_EQ(0, munmap(buf, 4 * MIB));
	EXPECT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, buf + 4 * MIB,
			       4 * MIB, 0, 8, NULL, NULL));
	EXPECT_EQ(-1, check_pattern(buf + 4 * MIB, 4 * MIB, 8));

	/* attribute ranges count against the same cap: one per page here */
	ASSERT_EQ(0, write_num(MAX_RANGES, 64));
	ret = 0;
	for (i = 0; i < 512 && !ret; i += 2)
		ret = emu_set_attr(self->fd, buf + 4 * MIB + i * PG, PG,
				   SVM_EXT_ATTR_READ_MOSTLY, 1);
	EXPECT_EQ(-EDQUOT, ret);
	ASSERT_EQ(0, emu_get_attr(self->fd, buf + 4 * MIB, PG, &g));
	EXPECT_EQ(64, g.nranges);
	/* clearing them frees the room again */
	ASSERT_EQ(0, emu_set_attr(self->fd, buf + 4 * MIB, 4 * MIB,
				  SVM_EXT_ATTR_READ_MOSTLY, 0));
	ASSERT_EQ(0, emu_get_attr(self->fd, buf + 4 * MIB, PG, &g));
	EXPECT_EQ(0, g.nranges);
	munmap(buf + 4 * MIB, 4 * MIB);
}

/* Lengths that wrap or leave the user address space: EINVAL, before any work. */
TEST_F(rng, wrapping_and_out_of_bounds_lengths_get_einval)
{
	uint8_t *buf = map_chunk_aligned(2 * MIB, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
	struct drm_svm_emu_get_attr g;
	uint64_t wrap = -(uint64_t)PG;		/* page aligned, wraps */
	uint8_t *top = (uint8_t *)task_size() + PG;	/* TASK_SIZE, plus a page */
	long before = my_ranges();
	uint16_t res[2];

	ASSERT_NE(MAP_FAILED, buf);
	EXPECT_EQ(-EINVAL, emu_set_attr(self->fd, buf, wrap,
					SVM_EXT_ATTR_READ_MOSTLY, 1));
	EXPECT_EQ(-EINVAL, emu_get_attr(self->fd, buf, wrap, &g));
	EXPECT_EQ(-EINVAL, emu_prefetch(self->fd, buf, wrap, 0));
	EXPECT_EQ(-EINVAL, emu_set_attr(self->fd, top, 2 * MIB,
					SVM_EXT_ATTR_READ_MOSTLY, 1));
	EXPECT_EQ(-EINVAL, emu_set_attr(self->fd, top - PG, 2 * PG,
					SVM_EXT_ATTR_READ_MOSTLY, 1));
	EXPECT_EQ(-EINVAL, emu_get_attr(self->fd, top - PG, 2 * PG, &g));
	EXPECT_EQ(-EINVAL, emu_prefetch(self->fd, top - PG, 2 * PG, 0));
	EXPECT_EQ(-EINVAL, emu_query(self->fd, top - PG, 2, res));
	EXPECT_EQ(-EINVAL, emu_query(self->fd, (void *)-PG, 1, res));
	EXPECT_EQ(-EINVAL, emu_prefetch(self->fd, buf + 8, PG, 0));
	EXPECT_EQ(-EINVAL, emu_prefetch(self->fd, buf, PG + 8, 0));
	/* the last page below TASK_SIZE is a valid range, only not mapped */
	EXPECT_EQ(-ENOMEM, emu_set_attr(self->fd, top - 2 * PG, PG,
					SVM_EXT_ATTR_READ_MOSTLY, 1));
	EXPECT_EQ(before, my_ranges());
	munmap(buf, 2 * MIB);
}

/*
 * More unmaps than the unmap queue holds (16) before anything looks at the
 * hints: the dump must not walk VMAs without mmap_lock (a WARNING even on a
 * kernel without lockdep), and must show what is in force, which for an
 * unmapped page is no hint at all.
 */
TEST_F(rng, debugfs_after_unmap_queue_overflow)
{
	uint8_t *buf = map_chunk_aligned(4 * MIB, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
	struct drm_svm_emu_get_attr g;
	char pref[32] = "";
	int kfd = kmsg_open(), i;

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_GE(kfd, 0);
	ASSERT_EQ(0, emu_set_attr(self->fd, buf, 4 * MIB,
				  SVM_EXT_ATTR_PREFERRED_LOC,
				  SVM_EXT_LOC_SYSTEM));
	/* 20 separate unmaps, the first page of the range among them */
	for (i = 0; i < 20; i++)
		ASSERT_EQ(0, munmap(buf + 2 * i * PG, PG));
	ASSERT_EQ(1, ranges_in(getpid(), (unsigned long)buf,
			       (unsigned long)buf + PG, pref, sizeof(pref)));
	EXPECT_STREQ("none", pref);
	EXPECT_EQ(0, kmsg_problems(_metadata, kfd));
	/* the hint stays where memory does */
	ASSERT_EQ(0, emu_get_attr(self->fd, buf + PG, PG, &g));
	EXPECT_EQ(SVM_EXT_LOC_SYSTEM, g.preferred_loc);
	ASSERT_EQ(0, emu_get_attr(self->fd, buf + 2 * MIB, 2 * MIB, &g));
	EXPECT_EQ(SVM_EXT_LOC_SYSTEM, g.preferred_loc);
	ASSERT_EQ(0, emu_get_attr(self->fd, buf + 38 * PG, PG, &g));
	EXPECT_EQ(SVM_EXT_LOC_NONE, g.preferred_loc);
	close(kfd);
	munmap(buf, 4 * MIB);
}

/* Prefetch may not move what mlock pinned in place: 0 pages, success. */
TEST_F(rng, prefetch_leaves_mlocked_memory)
{
	uint8_t *buf = map_chunk_aligned(2 * MIB, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);

	ASSERT_NE(MAP_FAILED, buf);
	fill_pattern(buf, 2 * MIB, 31);
	ASSERT_EQ(0, mlock(buf, 2 * MIB));
	EXPECT_EQ(0, emu_prefetch(self->fd, buf, 2 * MIB, 0));
	EXPECT_EQ(2 * MIB / PG, emu_count_at(self->fd, buf, 2 * MIB / PG,
					     SVM_EXT_RES_SYSTEM));
	EXPECT_EQ(0, emu_prefetch(self->fd, buf, 2 * MIB, SVM_EXT_LOC_SYSTEM));
	EXPECT_EQ(-1, check_pattern(buf, 2 * MIB, 31));
	munlock(buf, 2 * MIB);
	/* unlocked, it moves as usual */
	EXPECT_EQ(2 * MIB / PG, emu_prefetch(self->fd, buf, 2 * MIB, 0));
	EXPECT_EQ(-1, check_pattern(buf, 2 * MIB, 31));
	munmap(buf, 2 * MIB);
}

/* Prefetch leaves hugetlbfs memory alone (0 pages moved), either way. */
TEST_F(rng, prefetch_leaves_hugetlb_alone)
{
	uint8_t *buf;

	if (read_num("/proc/sys/vm/nr_hugepages") < 1 && !geteuid())
		write_num("/proc/sys/vm/nr_hugepages", 4);
	buf = mmap(NULL, 2 * MIB, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (buf == MAP_FAILED)
		SKIP(return, "no 2 MiB huge page (%s)", strerror(errno));
	fill_pattern(buf, 2 * MIB, 41);
	EXPECT_EQ(0, emu_prefetch(self->fd, buf, 2 * MIB, 0));
	EXPECT_EQ(0, emu_prefetch(self->fd, buf, 2 * MIB, SVM_EXT_LOC_SYSTEM));
	EXPECT_EQ(2 * MIB / PG, emu_count_at(self->fd, buf, 2 * MIB / PG,
					     SVM_EXT_RES_SYSTEM));
	EXPECT_EQ(-1, check_pattern(buf, 2 * MIB, 41));
	munmap(buf, 2 * MIB);
}

/*
 * In its own cgroup: 4 GiB of hints.  memory.current's growth, or a
 * negative step number.
 */
static long long ranges_growth(void)
{
	size_t len = 4 * GIB;
	long long m0, m1;
	uint8_t *p;
	int fd;

	fd = emu_open(0);
	if (fd < 0 || emu_bind(fd))
		return -2;
	p = map_chunk_aligned(len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_NORESERVE);
	if (p == MAP_FAILED)
		return -3;
	m0 = read_ll(CG_TEST "/memory.current");
	if (emu_set_attr(fd, p, len, SVM_EXT_ATTR_READ_MOSTLY, 1))
		return -4;
	m1 = read_ll(CG_TEST "/memory.current");
	close(fd);
	return m0 < 0 || m1 < 0 ? -5 : m1 - m0;
}

/*
 * Range objects are charged to the memory cgroup of the process that made
 * them: 4 GiB of hints (2048 ranges, 512 bytes each in kmalloc-512) show
 * in its cgroup's memory.current.
 */
TEST_F_TIMEOUT(rng, ranges_are_charged_to_the_callers_memcg, 120)
{
	long long delta;
	int ret = run_in_memcg(CG_TEST, ranges_growth, &delta);

	if (ret == -ENOTSUP)
		SKIP(return, "no cgroup v2 with the memory controller");
	ASSERT_EQ(0, ret);
	ASSERT_GE(delta, 0) TH_LOG("step %lld of the child failed", -delta);
	TH_LOG("memory.current grew by %lld kB for 2048 ranges", delta >> 10);
	/* 2048 * 512 bytes is 1 MiB; the charge batch is 256 KiB of noise */
	EXPECT_GE(delta, 512 << 10);
}

TEST_HARNESS_MAIN
