// SPDX-License-Identifier: GPL-2.0
/*
 * What a hostile or careless render-node user may hand the svm_emu ioctls.
 *
 *  - EXEC: a stride near 2^64 wrapped the device's address below the page
 *    (an 8-byte write outside it, under a spinlock), a READ with stride
 *    (u64)-8 spun a CPU for good, and the fault batch indexed an on-stack
 *    bitmap out of bounds.  Every number of an access is now checked before
 *    any access runs, and the bytes one call may ask for are bounded.
 *  - EXEC over many mapped pages could not be killed: a SIGKILL now ends it
 *    within 100 ms (measured here).
 *  - QUERY, SET_ATTR, GET_ATTR, PREFETCH: wrapping spans, reserved and pad
 *    fields, flags.
 *  - The device page table grew, on the user's say-so, with uncharged
 *    GFP_ATOMIC memory: it is now charged to the caller's memory cgroup and
 *    capped (module parameter pt_max_pages).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

#define BUF_LEN		(64 * 1024UL)
#define PT_PARAM	"/sys/module/svm_emu/parameters/pt_max_pages"
#define CG_ROOT		"/sys/fs/cgroup"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int exec_one(int fd, struct drm_svm_emu_access *a)
{
	struct drm_svm_emu_exec e = { .accesses = (uintptr_t)a, .count = 1 };

	return ioctl(fd, DRM_IOCTL_SVM_EMU_EXEC, &e) ? -errno : 0;
}

FIXTURE(ex)
{
	int fd;
	uint8_t *map;		/* guard page, BUF_LEN of buffer, guard page */
	uint64_t *buf;
};

FIXTURE_SETUP(ex)
{
	self->fd = emu_open(0);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, emu_bind(self->fd));
	self->map = mmap(NULL, BUF_LEN + 2 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	ASSERT_EQ(0, mprotect(self->map, PAGE, PROT_NONE));
	ASSERT_EQ(0, mprotect(self->map + PAGE + BUF_LEN, PAGE, PROT_NONE));
	self->buf = (uint64_t *)(self->map + PAGE);
	fill_pattern(self->buf, BUF_LEN, 0x5a00);
}

FIXTURE_TEARDOWN(ex)
{
	munmap(self->map, BUF_LEN + 2 * PAGE);
	close(self->fd);
}

/*
 * Strides longer than the access, up to (u64)-8.  The first one is checked
 * with ASSERT: on a kernel without the check it runs (one word written),
 * and the test stops there instead of going on to the strides that would
 * have the kernel write outside the page or spin forever.
 */
TEST_F(ex, wild_strides_are_einval)
{
	static const uint64_t strides[] = {
		1ULL << 63, -8ULL, -4096ULL, -(uint64_t)BUF_LEN, 1ULL << 47,
		BUF_LEN + 8,
	};
	static const uint32_t ops[] = {
		SVM_EMU_OP_WRITE, SVM_EMU_OP_READ, SVM_EMU_OP_CHECKSUM,
		SVM_EMU_OP_FILL, SVM_EMU_OP_ATOMIC_ADD,
	};
	struct drm_svm_emu_access a = {
		.op = SVM_EMU_OP_WRITE, .addr = (uintptr_t)self->buf,
		.length = BUF_LEN, .stride = 1ULL << 63, .value = 0xdead,
	};
	unsigned int i, j;

	ASSERT_EQ(-EINVAL, exec_one(self->fd, &a));
	for (i = 0; i < ARRAY_SIZE(strides); i++) {
		for (j = 0; j < ARRAY_SIZE(ops); j++) {
			/* from the last word back, and from the first */
			a.op = ops[j];
			a.stride = strides[i];
			a.addr = (uintptr_t)self->buf + BUF_LEN - 8;
			a.length = 8;
			EXPECT_EQ(-EINVAL, exec_one(self->fd, &a));
			a.addr = (uintptr_t)self->buf;
			a.length = BUF_LEN;
			EXPECT_EQ(-EINVAL, exec_one(self->fd, &a));
		}
	}
	/* a stride of the whole length is one word, and fine */
	a.op = SVM_EMU_OP_WRITE;
	a.stride = BUF_LEN;
	a.value = 7;
	EXPECT_EQ(0, exec_one(self->fd, &a));
	EXPECT_EQ(7, self->buf[0]);
	self->buf[0] = 0x5a00;
	/* nothing else moved */
	EXPECT_EQ(-1, check_pattern(self->buf, BUF_LEN, 0x5a00));
}

/* Strided accesses still land exactly where they should. */
TEST_F(ex, strides_touch_only_their_words)
{
	uint64_t sum;
	size_t i;

	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, self->buf,
			       BUF_LEN, 24, 1, NULL, NULL));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, self->buf,
			       BUF_LEN, 3 * PAGE + 8, 0, &sum, NULL));
	for (i = 0; i < BUF_LEN / 8; i++)
		ASSERT_EQ(0x5a00 + i + (i % 3 == 0), self->buf[i]) {
			TH_LOG("word %zu", i);
		}
	EXPECT_EQ(cpu_checksum(self->buf, BUF_LEN, 3 * PAGE + 8), sum);
}

/* Addresses: misaligned, wrapping, past the top of user space. */
TEST_F(ex, addresses_and_lengths)
{
	struct drm_svm_emu_access a = { .op = SVM_EMU_OP_READ };

	a.addr = -8ULL;
	a.length = 16;		/* wraps */
	EXPECT_EQ(-EFAULT, exec_one(self->fd, &a));
	a.addr = 1ULL << 47;
	a.length = 8;		/* above TASK_SIZE */
	EXPECT_EQ(-EFAULT, exec_one(self->fd, &a));
	a.addr = (uintptr_t)self->buf;
	a.length = 0;
	EXPECT_EQ(-EINVAL, exec_one(self->fd, &a));
	a.length = 12;
	EXPECT_EQ(-EINVAL, exec_one(self->fd, &a));
	a.length = 8;
	a.stride = 4;
	EXPECT_EQ(-EINVAL, exec_one(self->fd, &a));
	a.stride = 0;
	a.addr -= PAGE;		/* the guard page */
	EXPECT_EQ(-EFAULT, exec_one(self->fd, &a));
}

/*
 * The lengths of one call add up to at most SVM_EMU_EXEC_MAX_BYTES, even
 * when each alone is a valid span, and nothing runs if they do not.
 */
TEST_F(ex, total_length_is_bounded)
{
	struct drm_svm_emu_access a[3] = {
		{ .op = SVM_EMU_OP_WRITE, .addr = (uintptr_t)self->buf,
		  .length = BUF_LEN, .value = 1 },
		{ .op = SVM_EMU_OP_READ, .addr = 1ULL << 40,
		  .length = SVM_EMU_EXEC_MAX_BYTES / 2 },
		{ .op = SVM_EMU_OP_READ, .addr = 1ULL << 40,
		  .length = SVM_EMU_EXEC_MAX_BYTES / 2 },
	};

	EXPECT_EQ(-EINVAL, emu_exec(self->fd, a, 3, NULL));
	EXPECT_EQ(-1, check_pattern(self->buf, BUF_LEN, 0x5a00));
	/* exactly the limit is accepted (and faults on the hole) */
	a[1].length -= BUF_LEN;
	EXPECT_EQ(-EFAULT, emu_exec(self->fd, a, 3, NULL));
	EXPECT_EQ(-1, check_pattern(self->buf, BUF_LEN, 1));
}

/* Reserved fields of EXEC, and a bad access after a good one. */
TEST_F(ex, exec_reserved_and_all_checked_first)
{
	struct drm_svm_emu_access a[2] = {
		{ .op = SVM_EMU_OP_FILL, .addr = (uintptr_t)self->buf,
		  .length = BUF_LEN, .value = 0xff },
		{ .op = SVM_EMU_OP_READ, .addr = (uintptr_t)self->buf,
		  .length = 8, .stride = 16 },
	};
	struct drm_svm_emu_exec e = { .accesses = (uintptr_t)a, .count = 2 };

	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_EXEC, &e));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, check_pattern(self->buf, BUF_LEN, 0x5a00));
	a[1].stride = 0;
	e.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_EXEC, &e));
	EXPECT_EQ(EINVAL, errno);
	e.reserved[1] = 0;
	e.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_EXEC, &e));
	EXPECT_EQ(EINVAL, errno);
	e.flags = 0;
	EXPECT_EQ(0, ioctl(self->fd, DRM_IOCTL_SVM_EMU_EXEC, &e));
	EXPECT_EQ(0xffffffffffffffffULL, self->buf[BUF_LEN / 8 - 1]);
}

/* QUERY: fields, spans, the result pointer, the largest count. */
TEST_F(ex, query_validates)
{
	size_t n = SVM_EMU_QUERY_MAX_PAGES;
	struct drm_svm_emu_query q = {
		.addr = (uintptr_t)self->buf, .npages = BUF_LEN / PAGE,
	};
	uint16_t res[BUF_LEN / PAGE];

	q.res = (uintptr_t)res;
	EXPECT_EQ(0, ioctl(self->fd, DRM_IOCTL_SVM_EMU_QUERY, &q));
	EXPECT_EQ(SVM_EXT_RES_SYSTEM, res[0] & SVM_EXT_RES_LOC_MASK);
	q.pad = 1;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_QUERY, &q));
	EXPECT_EQ(EINVAL, errno);
	q.pad = 0;
	q.reserved[0] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_QUERY, &q));
	EXPECT_EQ(EINVAL, errno);
	q.reserved[0] = 0;
	q.flags = 4;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_QUERY, &q));
	EXPECT_EQ(EINVAL, errno);
	q.flags = 0;
	q.npages = n + 1;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_QUERY, &q));
	EXPECT_EQ(EINVAL, errno);
	q.addr = (1ULL << 47) - 2 * PAGE;	/* runs past the top */
	q.npages = 4;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_QUERY, &q));
	EXPECT_EQ(EINVAL, errno);
	q.addr = -PAGE;
	q.npages = 2;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_QUERY, &q));
	EXPECT_EQ(EINVAL, errno);
	q.addr = (uintptr_t)self->buf;
	q.npages = BUF_LEN / PAGE;
	q.res = 16;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_QUERY, &q));
	EXPECT_EQ(EFAULT, errno);
}

/* SET_ATTR, GET_ATTR, PREFETCH: spans, fields, and a bad attribute. */
TEST_F(ex, hints_validate)
{
	struct svm_ext_attr at[2] = {
		{ .type = SVM_EXT_ATTR_PREFERRED_LOC, .value = SVM_EXT_LOC_SYSTEM },
		{ .type = SVM_EXT_ATTR_READ_MOSTLY, .value = 1, .pad = 1 },
	};
	struct drm_svm_emu_set_attr s = {
		.addr = (uintptr_t)self->buf, .length = BUF_LEN,
		.attrs = (uintptr_t)at, .nattrs = 2,
	};
	struct drm_svm_emu_get_attr g = {
		.addr = (uintptr_t)self->buf, .length = BUF_LEN,
	};
	struct drm_svm_emu_prefetch p = {
		.addr = (uintptr_t)self->buf, .length = BUF_LEN, .loc = 0,
	};

	/* a bad attribute anywhere: none is applied */
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_SET_ATTR, &s));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(self->fd, DRM_IOCTL_SVM_EMU_GET_ATTR, &g));
	EXPECT_NE(SVM_EXT_LOC_SYSTEM, g.preferred_loc);
	EXPECT_EQ(0, g.read_mostly);
	at[1].pad = 0;
	s.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_SET_ATTR, &s));
	EXPECT_EQ(EINVAL, errno);
	s.reserved[1] = 0;
	s.nattrs = SVM_EMU_MAX_ATTRS + 1;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_SET_ATTR, &s));
	EXPECT_EQ(EINVAL, errno);
	s.nattrs = 2;
	s.addr = -PAGE;
	s.length = 2 * PAGE;	/* wraps */
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_SET_ATTR, &s));
	EXPECT_EQ(EINVAL, errno);
	s.addr = (uintptr_t)self->buf;
	s.length = BUF_LEN + 1;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_SET_ATTR, &s));
	EXPECT_EQ(EINVAL, errno);
	s.length = BUF_LEN;
	s.attrs = 16;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_SET_ATTR, &s));
	EXPECT_EQ(EFAULT, errno);
	s.attrs = (uintptr_t)at;
	EXPECT_EQ(0, ioctl(self->fd, DRM_IOCTL_SVM_EMU_SET_ATTR, &s));
	ASSERT_EQ(0, ioctl(self->fd, DRM_IOCTL_SVM_EMU_GET_ATTR, &g));
	EXPECT_EQ(SVM_EXT_LOC_SYSTEM, g.preferred_loc);
	EXPECT_EQ(1, g.read_mostly);

	g.addr = -PAGE;
	g.length = 2 * PAGE;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_GET_ATTR, &g));
	EXPECT_EQ(EINVAL, errno);
	g.addr = (uintptr_t)self->buf;
	g.length = BUF_LEN;
	g.reserved[0] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_GET_ATTR, &g));
	EXPECT_EQ(EINVAL, errno);

	p.addr = -PAGE;
	p.length = 2 * PAGE;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_PREFETCH, &p));
	EXPECT_EQ(EINVAL, errno);
	p.addr = (uintptr_t)self->buf;
	p.length = 0;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_PREFETCH, &p));
	EXPECT_EQ(EINVAL, errno);
	p.length = BUF_LEN;
	p.loc = SVM_EXT_LOC_NONE;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_PREFETCH, &p));
	EXPECT_EQ(EINVAL, errno);
	p.loc = 0;
	p.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_PREFETCH, &p));
	EXPECT_EQ(EINVAL, errno);
	p.reserved = 0;
	p.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_PREFETCH, &p));
	EXPECT_EQ(EINVAL, errno);
	p.flags = 0;
	p.modeled_ns = ~0ULL;	/* an output: ignored on the way in */
	EXPECT_EQ(0, ioctl(self->fd, DRM_IOCTL_SVM_EMU_PREFETCH, &p));
	EXPECT_EQ(-1, check_pattern(self->buf, BUF_LEN, 0x5a00));
}

/*
 * SIGKILL of a process inside a long EXEC (4096 reads of 16 MiB already
 * mapped by the device: tens of seconds of device work under TCG, and not
 * one fault) ends it in under 100 ms, from kill() to waitpid(), beyond what
 * the same process takes to die when it is not in an EXEC (its exit tears
 * down the same memory and binding: a few ms on the base kernel, over
 * 100 ms under KASAN and kmemleak, which is the kernel's and not the
 * EXEC's).  On the base kernel the whole of it is under 100 ms too.
 */
#define KILL_LEN	(16 * MIB)

/* One process set up as described, killed; ns from kill() to its reaping. */
static int64_t kill_time(bool in_exec, int *sig)
{
	int ready[2], status;
	uint64_t t0, t1;
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct drm_svm_emu_access *a;
		int fd = emu_open(0), k;
		uint64_t *buf;

		buf = map_chunk_aligned(KILL_LEN, PROT_READ | PROT_WRITE,
					MAP_PRIVATE);
		a = calloc(SVM_EMU_EXEC_MAX_ACCESSES, sizeof(*a));
		if (fd < 0 || emu_bind(fd) || buf == MAP_FAILED || !a)
			_exit(2);
		fill_pattern(buf, KILL_LEN, 1);
		/* every page mapped by the device first */
		if (emu_exec1(fd, SVM_EMU_OP_READ, buf, KILL_LEN, 0, 0,
			      NULL, NULL))
			_exit(3);
		for (k = 0; k < SVM_EMU_EXEC_MAX_ACCESSES; k++) {
			a[k].op = SVM_EMU_OP_READ;
			a[k].addr = (uintptr_t)buf;
			a[k].length = KILL_LEN;
			a[k].stride = PAGE;
		}
		if (write(ready[1], "r", 1) != 1)
			_exit(4);
		if (!in_exec)
			for (;;)
				pause();
		emu_exec(fd, a, SVM_EMU_EXEC_MAX_ACCESSES, NULL);
		_exit(5);	/* not killed in time: the parent says */
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		return -1;
	close(ready[0]);
	usleep(300 * 1000);	/* well inside the EXEC */
	if (waitpid(pid, &status, WNOHANG) != 0)
		return -1;
	t0 = now_ns();
	if (kill(pid, SIGKILL) || waitpid(pid, &status, 0) != pid)
		return -1;
	t1 = now_ns();
	*sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	return t1 - t0;
}

TEST_F_TIMEOUT(ex, sigkill_ends_a_long_exec_within_100ms, 120)
{
	int64_t worst = 0, idle = INT64_MAX, t;
	int i, sig;

	for (i = 0; i < 3; i++) {
		t = kill_time(false, &sig);
		ASSERT_GE(t, 0);
		EXPECT_EQ(SIGKILL, sig);
		if (t < idle)
			idle = t;
		t = kill_time(true, &sig);
		ASSERT_GE(t, 0);
		EXPECT_EQ(SIGKILL, sig) TH_LOG("the EXEC ended before the kill");
		TH_LOG("SIGKILL to exit: %.1f ms in EXEC", t / 1e6);
		if (t > worst)
			worst = t;
	}
	TH_LOG("the same process not in an EXEC: %.1f ms", idle / 1e6);
	EXPECT_LT(worst - idle, 100 * 1000000LL);
	if (svm_timeout_scale() == 1)
		EXPECT_LT(worst, 100 * 1000000LL);
}

/* ---- the device page table is the caller's memory ------------------------ */

#define CG_TEST		CG_ROOT "/svm_ext_safety_exec"
#define PT_LEN		(1UL << 30)
#define CHUNK_LEN	(2UL << 20)

/*
 * In a cgroup of its own, the child maps 1 GiB of never-written memory in
 * place on the device (preferred location: system; 4 KiB zero pages, as
 * MADV_NOHUGEPAGE keeps the huge zero page out), first one word per
 * 2 MiB chunk - every range, every CPU page-table page and one device
 * page-table node per chunk - then every page: 262,144 more device
 * page-table entries, 7 more nodes of 64 entries per chunk, about 2 MiB
 * that only the device page table accounts for.  Returns the growth of
 * memory.current between the two, or a negative step number.
 */
static long long pt_growth(void)
{
	long long m1, m2;
	uint8_t *p;
	int fd;

	fd = emu_open(0);
	if (fd < 0 || emu_bind(fd))
		return -3;
	p = map_chunk_aligned(PT_LEN, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_NORESERVE);
	/* no huge zero page: the device would map it with one entry */
	if (p == MAP_FAILED || madvise(p, PT_LEN, MADV_NOHUGEPAGE))
		return -4;
	if (emu_set_attr(fd, p, PT_LEN, SVM_EXT_ATTR_PREFERRED_LOC,
			 SVM_EXT_LOC_SYSTEM))
		return -5;
	if (emu_exec1(fd, SVM_EMU_OP_READ, p, PT_LEN, CHUNK_LEN, 0, NULL, NULL))
		return -6;
	m1 = read_ll(CG_TEST "/memory.current");
	if (emu_exec1(fd, SVM_EMU_OP_READ, p, PT_LEN, 0, 0, NULL, NULL))
		return -7;
	m2 = read_ll(CG_TEST "/memory.current");
	if (emu_count_at(fd, p, PT_LEN / PAGE, SVM_EXT_RES_SYSTEM) !=
	    (long)(PT_LEN / PAGE))
		return -8;
	return m1 < 0 || m2 < 0 ? -9 : m2 - m1;
}

TEST_F_TIMEOUT(ex, device_page_table_is_charged_to_the_callers_memcg, 180)
{
	long long delta;
	int ret = run_in_memcg(CG_TEST, pt_growth, &delta);

	if (ret == -ENOTSUP)
		SKIP(return, "no cgroup v2 with the memory controller");
	ASSERT_EQ(0, ret);
	ASSERT_GE(delta, 0) TH_LOG("step %lld of the child failed", -delta);
	TH_LOG("memory.current grew by %lld kB for 262,144 device page-table entries",
	       delta >> 10);
	/* 3,584 nodes of 576 bytes: 2 MiB; the charge batch is 256 KiB of noise */
	EXPECT_GE(delta, 1024 << 10);
}

TEST_HARNESS_MAIN
