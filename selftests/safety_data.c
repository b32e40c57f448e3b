// SPDX-License-Identifier: GPL-2.0
/*
 * No byte a device writes is lost (issue 13, items 2 and 6).
 *
 * For each kind of memory (private anonymous, MAP_SHARED anonymous, memfd,
 * a file on a tmpfs of our own) and each way device-written data can travel
 * (device memory brought home by a CPU fault, by PREFETCH or by eviction,
 * 2 MiB device folios, writes in place through a remote mapping, read-mostly
 * copies collapsed by a write, munmap and a new mapping, fork), the device
 * writes known words, the pages are reclaimed with MADV_PAGEOUT, and every
 * word is read back (through the mapping and, for files, with read(2)).
 * Reclaim drops a clean page, or a clean swap-cache page's stale swap copy
 * wins, so a device write the kernel was never told about (the page was
 * never marked dirty) reads back old here.  Private anonymous memory needs
 * swap to be paged out: the tests turn on a swap device of their own (a loop
 * device over a tmpfs file) and turn it off when they are done.
 *
 * A device fault faults in only the pages the device accessed (item 6): a
 * page the process could not touch either does not fail a neighbour's
 * access, and a MAP decision neither populates nor COW-breaks nor allocates
 * file space for the rest of the window.
 *
 * Last, a seeded randomized stress: several processes on both devices drive
 * all four kinds with device and CPU reads and writes, reclaim, prefetch,
 * hints and remapping, each against a shadow copy of what its memory must
 * hold.  SVM_SAFETY_SEED repeats a run, SVM_SAFETY_SECS sets its length.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

#define PAGES(x)	((x) / PAGE)
#define WORDS(x)	((x) / 8)

/* Values the device writes (word i of an access gets value + i). */
#define VAL_CPU		0x1000000000ULL
#define VAL_DEV		0x2000000000ULL
#define VAL_DEV2	0x3000000000ULL
#define VAL_DEV3	0x4000000000ULL

/* ---- swap of our own -------------------------------------------------- */

#define SWAP_IMG	"/tmp/svm_safety_data.swap"
#define SWAP_MB		384

static pid_t main_pid;

__attribute__((constructor)) static void note_main(void)
{
	main_pid = getpid();
}

static int swap_active(void)
{
	FILE *f = fopen("/proc/swaps", "r");
	char line[256];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n > 1;
}

/*
 * Swap for MADV_PAGEOUT of anonymous memory.  The VM has no block device,
 * so a loop device over a tmpfs file: enough for reclaim that is asked for
 * (MADV_PAGEOUT allocates no memory while it writes).  Whoever turns it on
 * first leaves it for the rest of the binary; the main process turns it off
 * at exit.
 */
static int ensure_swap(void)
{
	if (swap_active())
		return 0;
	if (geteuid())
		return -1;
	return run("set -e; [ -e %s ] || truncate -s %dM %s; "
		   "l=$(losetup -j %s | cut -d: -f1); "
		   "[ -n \"$l\" ] || l=$(losetup -f --show %s); "
		   "mkswap $l >/dev/null 2>&1; swapon $l",
		   SWAP_IMG, SWAP_MB, SWAP_IMG, SWAP_IMG, SWAP_IMG) ? -1 : 0;
}

__attribute__((destructor)) static void swap_off(void)
{
	if (getpid() != main_pid || access(SWAP_IMG, F_OK))
		return;
	run("for l in $(losetup -j %s | cut -d: -f1); do "
	    "swapoff $l 2>/dev/null; losetup -d $l; done; rm -f %s",
	    SWAP_IMG, SWAP_IMG);
}

/* ---- pages and words ---------------------------------------------------- */

/* Pagemap entries of [p, p + len): bit 63 present, 62 swap, 56 exclusive. */
static int pagemap(const void *p, size_t len, uint64_t *out)
{
	int f = open("/proc/self/pagemap", O_RDONLY);
	size_t n = PAGES(len) * 8;
	ssize_t r;

	if (f < 0)
		return -1;
	r = pread(f, out, n, (uintptr_t)p / PAGE * 8);
	close(f);
	return r == (ssize_t)n ? 0 : -1;
}

static long count_pagemap_bit(const void *p, size_t len, int bit)
{
	uint64_t *e = calloc(PAGES(len), 8);
	long n = 0;
	size_t i;

	if (!e || pagemap(p, len, e)) {
		free(e);
		return -1;
	}
	for (i = 0; i < PAGES(len); i++)
		n += (e[i] >> bit) & 1;
	free(e);
	return n;
}

static long present_pages(const void *p, size_t len)
{
	return count_pagemap_bit(p, len, 63);
}

/* Pages of [p, p + len) mincore() reports resident (zero page included). */
static long resident_pages(void *p, size_t len)
{
	unsigned char *v = calloc(PAGES(len), 1);
	long n = 0;
	size_t i;

	if (!v || mincore(p, len, v)) {
		free(v);
		return -1;
	}
	for (i = 0; i < PAGES(len); i++)
		n += v[i] & 1;
	free(v);
	return n;
}

/*
 * Reclaim every page of [p, p + len): 0 once none is in the page table any
 * more, else how many are left.  The pages must be in system memory.
 * MADV_PAGEOUT drains only this CPU's LRU batches: the fixtures pin the
 * test to one CPU, and a page still in a batch gets another try.
 */
static long page_out(void *p, size_t len)
{
	long left = -1;
	int i;

	for (i = 0; i < 20 && left; i++) {
		if (i)
			usleep(20000);
		if (madvise(p, len, MADV_PAGEOUT))
			return -errno;
		left = present_pages(p, len);
	}
	return left;
}

/* Index of the first word of @p (@len bytes) != @v + i, or -1. */
static long bad_word(const void *p, size_t len, uint64_t v)
{
	return check_pattern(p, len, v);
}

/* Read the whole memory through the CPU and compare it with value + i. */
#define EXPECT_WORDS(p, len, v) do {					\
	const uint64_t *_w = (const uint64_t *)(p);			\
	long _bad = bad_word(_w, (len), (v));				\
	EXPECT_EQ(-1, _bad) {						\
		TH_LOG("%s: word %ld is %#llx, want %#llx", #p, _bad,	\
		       (unsigned long long)_w[_bad < 0 ? 0 : _bad],	\
		       (unsigned long long)((v) + _bad));		\
	}								\
} while (0)

static void pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* ---- the four kinds of memory ------------------------------------------- */

enum kind { K_PRIVATE, K_SHARED, K_MEMFD, K_TMPFS };

static const char *const kind_name[] = { "private anon", "shared anon",
					  "memfd", "tmpfs file" };

/* A shared mapping of @file at a 2 MiB boundary (one chunk per 2 MiB). */
static void *map_file_aligned(int file, size_t len)
{
	void *p = map_chunk_aligned(len, PROT_NONE, MAP_PRIVATE);

	if (p == MAP_FAILED)
		return p;
	return mmap(p, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		    file, 0);
}

/* A tmpfs of our own at @dir (mkdtemp template), so the file is on tmpfs. */
static int tmpfs_up(char *dir)
{
	if (!mkdtemp(dir))
		return -1;
	if (mount("tmpfs", dir, "tmpfs", 0, "size=256m,huge=never"))
		return -1;
	return 0;
}

static void tmpfs_down(const char *dir)
{
	if (!dir[0])
		return;
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}

/* ---- the per-kind fixture ------------------------------------------------- */

FIXTURE(sd)
{
	int fd;			/* device 0, bound */
	int kind;
	int file;		/* memfd or tmpfs file, else -1 */
	char dir[64];		/* our tmpfs */
	char path[96];		/* the tmpfs file */
	uint64_t *buf;
	size_t len;
};

FIXTURE_VARIANT(sd)
{
	int kind;
};

FIXTURE_VARIANT_ADD(sd, private_anon) { .kind = K_PRIVATE };
FIXTURE_VARIANT_ADD(sd, shared_anon) { .kind = K_SHARED };
FIXTURE_VARIANT_ADD(sd, memfd) { .kind = K_MEMFD };
FIXTURE_VARIANT_ADD(sd, tmpfs_file) { .kind = K_TMPFS };

static void *sd_map(FIXTURE_DATA(sd) *self)
{
	switch (self->kind) {
	case K_PRIVATE:
		return map_chunk_aligned(self->len, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
	case K_SHARED:
		return map_chunk_aligned(self->len, PROT_READ | PROT_WRITE,
					 MAP_SHARED);
	default:
		return map_file_aligned(self->file, self->len);
	}
}

FIXTURE_SETUP(sd)
{
	self->kind = variant->kind;
	self->file = -1;
	self->dir[0] = 0;
	self->len = CHUNK;
	pin_cpu0();
	if (ensure_swap())
		TH_LOG("no swap: anonymous memory stays in RAM on MADV_PAGEOUT");
	self->fd = emu_open(0);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, emu_bind(self->fd));
	if (self->kind == K_MEMFD) {
		self->file = memfd_create("svm_safety", 0);
		ASSERT_GE(self->file, 0);
	} else if (self->kind == K_TMPFS) {
		strcpy(self->dir, "/tmp/svm_safety.XXXXXX");
		ASSERT_EQ(0, tmpfs_up(self->dir));
		snprintf(self->path, sizeof(self->path), "%s/data", self->dir);
		self->file = open(self->path, O_RDWR | O_CREAT, 0600);
		ASSERT_GE(self->file, 0);
	}
	if (self->file >= 0)
		ASSERT_EQ(0, ftruncate(self->file, self->len));
	self->buf = sd_map(self);
	ASSERT_NE(MAP_FAILED, self->buf);
}

FIXTURE_TEARDOWN(sd)
{
	if (self->buf && self->buf != MAP_FAILED)
		munmap(self->buf, self->len);
	close(self->fd);
	if (self->file >= 0)
		close(self->file);
	tmpfs_down(self->dir);
}

/* Private anonymous memory can only leave RAM with swap. */
static bool sd_can_page_out(FIXTURE_DATA(sd) *self)
{
	return self->kind != K_PRIVATE || swap_active();
}

/*
 * The file as read(2) sees it, after fsync and dropping what caches can be
 * dropped, through a file description of its own: word i == @v + i?
 */
static long file_bad_word(FIXTURE_DATA(sd) *self, uint64_t v)
{
	uint64_t *copy = malloc(self->len);
	char path[64];
	long bad = -2;
	int f;

	if (!copy)
		return -2;
	fsync(self->file);
	run("echo 3 > /proc/sys/vm/drop_caches");
	if (self->kind == K_TMPFS) {
		f = open(self->path, O_RDONLY);
	} else {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", self->file);
		f = open(path, O_RDONLY);
	}
	if (f >= 0 && pread(f, copy, self->len, 0) == (ssize_t)self->len)
		bad = bad_word(copy, self->len, v);
	if (f >= 0)
		close(f);
	free(copy);
	return bad;
}

#define EXPECT_FILE_WORDS(self, v) do {					\
	if ((self)->file >= 0)						\
		EXPECT_EQ(-1, file_bad_word(self, v));			\
} while (0)

/* Reclaim the buffer, then check it through the mapping and read(2). */
#define PAGE_OUT_AND_CHECK(self, v) do {				\
	ASSERT_EQ(0, page_out((self)->buf, (self)->len));		\
	EXPECT_FILE_WORDS(self, v);					\
	EXPECT_WORDS((self)->buf, (self)->len, v);			\
} while (0)

static int dev_write(int fd, void *p, size_t len, uint64_t v)
{
	return emu_exec1(fd, SVM_EMU_OP_WRITE, p, len, 0, v, NULL, NULL);
}

/* The device maps the buffer in place (the default policy's MAP). */
static int in_place(FIXTURE_DATA(sd) *self)
{
	return emu_set_attr(self->fd, self->buf, self->len,
			    SVM_EXT_ATTR_PREFERRED_LOC, SVM_EXT_LOC_SYSTEM);
}

static void touch_read(const uint64_t *p, size_t len)
{
	volatile uint64_t sink = 0;
	size_t i;

	for (i = 0; i < WORDS(len); i += WORDS(PAGE))
		sink += p[i];
	(void)sink;
}

/*
 * The CPU has only read the memory (shared memory: a writable but clean
 * PTE over a clean page), then the device writes it in place.
 */
TEST_F(sd, in_place_write_after_cpu_read)
{
	ASSERT_EQ(0, in_place(self));
	touch_read(self->buf, self->len);
	ASSERT_EQ(0, dev_write(self->fd, self->buf, self->len, VAL_DEV));
	if (!sd_can_page_out(self))
		SKIP(return, "no swap for private anonymous memory");
	PAGE_OUT_AND_CHECK(self, VAL_DEV);
}

/*
 * The memory went to swap and came back by a CPU read: a private page is
 * then a clean swap-cache page mapped writable, whose swap copy reclaim
 * keeps unless the page is dirty.
 */
TEST_F(sd, in_place_write_after_swap_in)
{
	if (!sd_can_page_out(self))
		SKIP(return, "no swap for private anonymous memory");
	ASSERT_EQ(0, in_place(self));
	fill_pattern(self->buf, self->len, VAL_CPU);
	ASSERT_EQ(0, page_out(self->buf, self->len));
	EXPECT_WORDS(self->buf, self->len, VAL_CPU);
	ASSERT_EQ(0, dev_write(self->fd, self->buf, self->len, VAL_DEV));
	PAGE_OUT_AND_CHECK(self, VAL_DEV);
}

/* The device's own read maps the pages; its later write takes no fault. */
TEST_F(sd, in_place_write_after_device_read)
{
	uint64_t bytes;

	if (!sd_can_page_out(self))
		SKIP(return, "no swap for private anonymous memory");
	ASSERT_EQ(0, in_place(self));
	fill_pattern(self->buf, self->len, VAL_CPU);
	ASSERT_EQ(0, page_out(self->buf, self->len));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, self->buf, self->len,
			       0, 0, &bytes, NULL));
	ASSERT_EQ(self->len, bytes);
	ASSERT_EQ(0, dev_write(self->fd, self->buf, self->len, VAL_DEV));
	PAGE_OUT_AND_CHECK(self, VAL_DEV);
}

/*
 * The device writes (a private buffer then lives in device memory, in a
 * 2 MiB device folio with @thp) and @bring_home brings it back.
 */
static void devmem_round_trip(struct __test_metadata *_metadata,
			      FIXTURE_DATA(sd) *self, bool thp,
			      void (*bring_home)(struct __test_metadata *,
						 FIXTURE_DATA(sd) *))
{
	struct drm_svm_emu_counters c;
	long npages = PAGES(self->len);

	if (thp) {
		if (self->kind != K_PRIVATE)
			SKIP(return, "2 MiB device folios hold private memory");
		ASSERT_EQ(0, madvise(self->buf, self->len, MADV_HUGEPAGE));
	}
	if (!sd_can_page_out(self))
		SKIP(return, "no swap for private anonymous memory");
	fill_pattern(self->buf, self->len, VAL_CPU);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, self->buf,
			       self->len, 0, VAL_DEV, NULL, &c));
	if (self->kind == K_PRIVATE) {
		/* the data is in device memory, and nowhere else */
		ASSERT_EQ(npages, emu_count_at(self->fd, self->buf, npages, 0));
		if (thp && !c.folios_to_dev)
			TH_LOG("no THP to start from: 4 KiB device pages");
	}
	bring_home(_metadata, self);
	ASSERT_EQ(npages, emu_count_at(self->fd, self->buf, npages,
				       SVM_EXT_RES_SYSTEM));
	PAGE_OUT_AND_CHECK(self, VAL_DEV);
}

static void home_by_cpu_fault(struct __test_metadata *_metadata,
			      FIXTURE_DATA(sd) *self)
{
	EXPECT_WORDS(self->buf, self->len, VAL_DEV);
}

static void home_by_prefetch(struct __test_metadata *_metadata,
			     FIXTURE_DATA(sd) *self)
{
	long moved = emu_prefetch(self->fd, self->buf, self->len,
				  SVM_EXT_LOC_SYSTEM);

	ASSERT_GE(moved, 0);
	if (self->kind == K_PRIVATE)
		EXPECT_EQ((long)PAGES(self->len), moved);
}

/* Fill the device with other data until the buffer's chunk is evicted. */
static void home_by_eviction(struct __test_metadata *_metadata,
			     FIXTURE_DATA(sd) *self)
{
	long long total = read_ll(SVM_SYSFS "/devices/0/mem_total");
	long long ev0 = dev_counter(0, "evictions");
	size_t sz = total + CHUNK;
	void *other;

	ASSERT_GT(total, 0);
	other = map_chunk_aligned(sz, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, other);
	ASSERT_EQ(0, dev_write(self->fd, other, sz, 0x77));
	if (self->kind == K_PRIVATE)
		EXPECT_GT(dev_counter(0, "evictions"), ev0);
	munmap(other, sz);
}

TEST_F(sd, device_memory_home_by_cpu_fault)
{
	devmem_round_trip(_metadata, self, false, home_by_cpu_fault);
}

TEST_F(sd, device_memory_home_by_prefetch)
{
	devmem_round_trip(_metadata, self, false, home_by_prefetch);
}

TEST_F_TIMEOUT(sd, device_memory_home_by_eviction, 120)
{
	devmem_round_trip(_metadata, self, false, home_by_eviction);
}

TEST_F(sd, device_folio_home_by_cpu_fault)
{
	devmem_round_trip(_metadata, self, true, home_by_cpu_fault);
}

TEST_F(sd, device_folio_home_by_prefetch)
{
	devmem_round_trip(_metadata, self, true, home_by_prefetch);
}

TEST_F_TIMEOUT(sd, device_folio_home_by_eviction, 120)
{
	devmem_round_trip(_metadata, self, true, home_by_eviction);
}

/*
 * Read-mostly: device 1 reads what device 0 wrote (a copy of its own),
 * then each writes half (the copies collapse), and everything goes home.
 */
TEST_F(sd, read_mostly_copies_collapse_on_write)
{
	size_t half = self->len / 2;
	uint64_t *hi = self->buf + WORDS(half);
	struct drm_svm_emu_counters c;
	uint64_t sum;
	int fd1;

	if (emu_count() < 2)
		SKIP(return, "needs two devices");
	if (!sd_can_page_out(self))
		SKIP(return, "no swap for private anonymous memory");
	fd1 = emu_open(1);
	ASSERT_GE(fd1, 0);
	ASSERT_EQ(0, emu_bind(fd1));
	ASSERT_EQ(0, emu_set_attr(self->fd, self->buf, self->len,
				  SVM_EXT_ATTR_READ_MOSTLY, 1));
	fill_pattern(self->buf, self->len, VAL_CPU);
	ASSERT_EQ(0, dev_write(self->fd, self->buf, self->len, VAL_DEV));
	ASSERT_EQ(0, emu_exec1(fd1, SVM_EMU_OP_CHECKSUM, self->buf, self->len,
			       0, 0, &sum, &c));
	if (self->kind == K_PRIVATE)
		EXPECT_GT(c.pages_replicated, 0);
	/* device 1 writes the low half, device 0 the high half */
	ASSERT_EQ(0, dev_write(fd1, self->buf, half, VAL_DEV2));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, self->buf,
			       self->len, 0, 0, &sum, NULL));
	ASSERT_EQ(0, dev_write(self->fd, hi, half, VAL_DEV3));
	ASSERT_EQ(0, emu_exec1(fd1, SVM_EMU_OP_CHECKSUM, self->buf, self->len,
			       0, 0, &sum, NULL));

	EXPECT_WORDS(self->buf, half, VAL_DEV2);
	EXPECT_WORDS(hi, half, VAL_DEV3);
	ASSERT_EQ(0, page_out(self->buf, self->len));
	EXPECT_WORDS(self->buf, half, VAL_DEV2);
	EXPECT_WORDS(hi, half, VAL_DEV3);
	close(fd1);
}

/*
 * Shared memory written in place, then unmapped: a new mapping of the same
 * object (a second mapping of shared anonymous memory, the file again)
 * sees every word, also after reclaim.
 */
TEST_F(sd, munmap_then_new_mapping)
{
	uint64_t *again = NULL;

	if (self->kind == K_PRIVATE)
		SKIP(return, "private memory dies with its mapping");
	if (self->kind == K_SHARED) {
		/* mremap() of size 0 maps the same shared object again */
		again = mremap(self->buf, 0, self->len, MREMAP_MAYMOVE);
		ASSERT_NE(MAP_FAILED, again);
	}
	touch_read(self->buf, self->len);
	ASSERT_EQ(0, dev_write(self->fd, self->buf, self->len, VAL_DEV));
	ASSERT_EQ(0, munmap(self->buf, self->len));
	self->buf = NULL;
	if (!again) {
		again = map_file_aligned(self->file, self->len);
		ASSERT_NE(MAP_FAILED, again);
	}
	self->buf = again;
	/* map every page (clean) so that reclaim can take it */
	touch_read(self->buf, self->len);
	PAGE_OUT_AND_CHECK(self, VAL_DEV);
}

/*
 * fork() after the device wrote: the child reads every word (private data
 * in device memory comes home by the child's CPU fault) and exits; then
 * the parent, the only one mapping the memory again (reclaim leaves pages
 * two processes map alone), reclaims it and finds every word.
 */
TEST_F(sd, fork_after_device_write)
{
	int status;
	pid_t pid;

	if (!sd_can_page_out(self))
		SKIP(return, "no swap for private anonymous memory");
	fill_pattern(self->buf, self->len, VAL_CPU);
	ASSERT_EQ(0, dev_write(self->fd, self->buf, self->len, VAL_DEV));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(bad_word(self->buf, self->len, VAL_DEV) == -1 ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("the child did not find the device's words");
	}
	PAGE_OUT_AND_CHECK(self, VAL_DEV);
}

/* ---- item 6: only what was accessed is faulted in ------------------------ */

/*
 * A 4 KiB memfd mapped over 8 KiB: the second page would SIGBUS on the
 * CPU.  The device reads and writes the first page as the CPU could, and
 * an access to the second page fails like the CPU's would.
 */
TEST(memfd_4k_mapped_over_8k)
{
	int fd = emu_open(0), mfd = memfd_create("svm_safety_4k", 0);
	uint64_t *p, *res, bytes;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, emu_bind(fd));
	ASSERT_GE(mfd, 0);
	ASSERT_EQ(0, ftruncate(mfd, PAGE));
	/* at a chunk boundary: both pages in one window */
	res = map_chunk_aligned(CHUNK, PROT_NONE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, res);
	p = mmap(res, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 mfd, 0);
	ASSERT_EQ(res, p);

	EXPECT_EQ(0, emu_exec1(fd, SVM_EMU_OP_READ, p, 64, 0, 0, &bytes,
			       NULL));
	EXPECT_EQ(0, dev_write(fd, p, PAGE, VAL_DEV));
	EXPECT_WORDS(p, PAGE, VAL_DEV);
	/* beyond the end of the file: EFAULT, as the CPU gets SIGBUS */
	EXPECT_EQ(-EFAULT, emu_exec1(fd, SVM_EMU_OP_READ, p + WORDS(PAGE), 8,
				     0, 0, &bytes, NULL));
	EXPECT_EQ(-EFAULT, dev_write(fd, p + WORDS(PAGE), 8, 1));
	/* and the first page still works */
	EXPECT_EQ(1, emu_word_is(fd, p + 3, VAL_DEV + 3));
	munmap(res, CHUNK);
	close(mfd);
	close(fd);
}

/* A fresh private 2 MiB region, 4 KiB pages, mapped in place. */
static uint64_t *fresh_in_place(struct __test_metadata *_metadata, int fd)
{
	uint64_t *p = map_chunk_aligned(CHUNK, PROT_READ | PROT_WRITE,
					MAP_PRIVATE);

	EXPECT_NE(MAP_FAILED, p);
	if (p == MAP_FAILED)
		return NULL;
	EXPECT_EQ(0, madvise(p, CHUNK, MADV_NOHUGEPAGE));
	EXPECT_EQ(0, emu_set_attr(fd, p, CHUNK, SVM_EXT_ATTR_PREFERRED_LOC,
				  SVM_EXT_LOC_SYSTEM));
	return p;
}

/* Reading one word maps one page, not the other 511 of the window. */
TEST(map_read_of_one_word_faults_one_page)
{
	int fd = emu_open(0);
	uint64_t *p, bytes;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, emu_bind(fd));
	p = fresh_in_place(_metadata, fd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, resident_pages(p, CHUNK));
	ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_READ, p + WORDS(MIB), 8, 0, 0,
			       &bytes, NULL));
	EXPECT_EQ(1, resident_pages(p, CHUNK));
	munmap(p, CHUNK);
	close(fd);
}

/* Writing one word allocates one page. */
TEST(map_write_of_one_word_allocates_one_page)
{
	int fd = emu_open(0);
	uint64_t *p;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, emu_bind(fd));
	p = fresh_in_place(_metadata, fd);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, dev_write(fd, p + WORDS(MIB), 8, VAL_DEV));
	EXPECT_EQ(1, resident_pages(p, CHUNK));
	EXPECT_EQ(VAL_DEV, p[WORDS(MIB)]);
	munmap(p, CHUNK);
	close(fd);
}

/*
 * After fork() every page is shared copy-on-write.  A device write of one
 * word in place breaks COW of that page only: the parent's other 511 pages
 * stay shared with the child (pagemap: not exclusive), whose data stays.
 */
TEST(map_write_breaks_cow_of_one_page)
{
	int fd = emu_open(0), go[2], status;
	uint64_t *p;
	pid_t pid;
	char c = 0;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, emu_bind(fd));
	p = fresh_in_place(_metadata, fd);
	ASSERT_NE(NULL, p);
	fill_pattern(p, CHUNK, VAL_CPU);
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		if (read(go[0], &c, 1) != 1)
			_exit(9);
		_exit(bad_word(p, CHUNK, VAL_CPU) == -1 ? 0 : 1);
	}
	ASSERT_EQ(0, count_pagemap_bit(p, CHUNK, 56));
	ASSERT_EQ(0, dev_write(fd, p + WORDS(MIB), 8, VAL_DEV));
	EXPECT_EQ(1, count_pagemap_bit(p, CHUNK, 56));
	EXPECT_EQ(VAL_DEV, p[WORDS(MIB)]);
	EXPECT_EQ(VAL_CPU + WORDS(MIB) + 1, p[WORDS(MIB) + 1]);
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	munmap(p, CHUNK);
	close(fd);
}

/* Writing one word of a sparse memfd allocates one page of it. */
TEST(map_write_of_one_word_allocates_one_file_page)
{
	int fd = emu_open(0), mfd = memfd_create("svm_safety_sparse", 0);
	struct stat st;
	uint64_t *p;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, emu_bind(fd));
	ASSERT_GE(mfd, 0);
	ASSERT_EQ(0, ftruncate(mfd, CHUNK));
	p = map_file_aligned(mfd, CHUNK);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, dev_write(fd, p + WORDS(MIB), 8, VAL_DEV));
	ASSERT_EQ(0, fstat(mfd, &st));
	EXPECT_EQ(PAGE, (unsigned long)st.st_blocks * 512);
	EXPECT_EQ(1, resident_pages(p, CHUNK));
	EXPECT_EQ(VAL_DEV, p[WORDS(MIB)]);
	munmap(p, CHUNK);
	close(mfd);
	close(fd);
}

/* ---- randomized stress against a shadow model ---------------------------- */

#define ST_PROCS	4
#define ST_REGIONS	4
#define ST_HISTORY	16

struct st_region {
	int kind;
	int file;
	uint64_t *p;
	uint64_t *shadow;
	size_t len;
};

struct st {
	int id, fd, dev;
	uint64_t rng, ops;
	char dir[64];
	struct st_region r[ST_REGIONS];
	char history[ST_HISTORY][96];
};

static uint64_t st_rand(struct st *s)
{
	/* xorshift64* */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545f4914f6cdd1dULL;
}

static void st_log(struct st *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void st_log(struct st *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->history[s->ops % ST_HISTORY], sizeof(s->history[0]), fmt,
		  ap);
	va_end(ap);
}

static void __attribute__((noreturn)) st_fail(struct st *s, int r, size_t w,
					      uint64_t got, const char *how)
{
	uint64_t i;

	printf("# stress[%d]: op %llu: %s: %s word %zu is %#llx, want %#llx\n",
	       s->id, (unsigned long long)s->ops, how, kind_name[s->r[r].kind],
	       w, (unsigned long long)got,
	       (unsigned long long)s->r[r].shadow[w]);
	for (i = s->ops >= ST_HISTORY ? s->ops - ST_HISTORY + 1 : 0;
	     i <= s->ops; i++)
		printf("#   op %llu: %s\n", (unsigned long long)i,
		       s->history[i % ST_HISTORY]);
	fflush(stdout);
	_exit(1);
}

static int st_map(struct st *s, struct st_region *r)
{
	switch (r->kind) {
	case K_PRIVATE:
	case K_SHARED:
		r->p = map_chunk_aligned(r->len, PROT_READ | PROT_WRITE,
					 r->kind == K_PRIVATE ? MAP_PRIVATE :
								MAP_SHARED);
		break;
	default:
		r->p = map_file_aligned(r->file, r->len);
	}
	return r->p == MAP_FAILED ? -1 : 0;
}

static int st_setup(struct st *s, const char *dir)
{
	static const size_t len[ST_REGIONS] = { 24 * MIB, 2 * MIB, 4 * MIB,
						2 * MIB };
	char path[128];
	int i;

	s->fd = emu_open(s->dev);
	if (s->fd < 0 || emu_bind(s->fd))
		return -1;
	for (i = 0; i < ST_REGIONS; i++) {
		struct st_region *r = &s->r[i];

		r->kind = i;
		r->len = len[i];
		r->file = -1;
		if (i == K_MEMFD) {
			r->file = memfd_create("svm_safety_stress", 0);
		} else if (i == K_TMPFS) {
			snprintf(path, sizeof(path), "%s/stress.%d", dir,
				 s->id);
			r->file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		}
		if (i >= K_MEMFD && (r->file < 0 || ftruncate(r->file, r->len)))
			return -1;
		r->shadow = calloc(WORDS(r->len), 8);
		if (!r->shadow || st_map(s, r))
			return -1;
	}
	return 0;
}

/* Compare [w, w + n) words of region @ri with the shadow, by the CPU. */
static void st_cpu_check(struct st *s, int ri, size_t w, size_t n,
			 const char *how)
{
	struct st_region *r = &s->r[ri];
	size_t i;

	for (i = w; i < w + n; i++)
		if (r->p[i] != r->shadow[i])
			st_fail(s, ri, i, r->p[i], how);
}

static void st_step(struct st *s)
{
	int ri = st_rand(s) % ST_REGIONS, op = st_rand(s) % 16;
	struct st_region *r = &s->r[ri];
	size_t nw = WORDS(r->len), w = st_rand(s) % nw;
	size_t n = 1 + st_rand(s) % (nw - w < 32768 ? nw - w : 32768);
	uint64_t v = st_rand(s), sum, i;
	int ret = 0;

	if (op < 5) {			/* device write */
		st_log(s, "dev write %s words %zu+%zu value %#llx",
		       kind_name[ri], w, n, (unsigned long long)v);
		ret = dev_write(s->fd, r->p + w, n * 8, v);
		for (i = 0; i < n; i++)
			r->shadow[w + i] = v + i;
	} else if (op == 5) {		/* device atomic add, strided */
		size_t stride = 8 << (st_rand(s) % 10);

		/* the uapi allows 8 <= stride <= length */
		while (stride > n * 8)
			stride /= 2;
		v &= 0xffff;
		st_log(s, "dev add %s words %zu+%zu stride %zu value %#llx",
		       kind_name[ri], w, n, stride, (unsigned long long)v);
		ret = emu_exec1(s->fd, SVM_EMU_OP_ATOMIC_ADD, r->p + w, n * 8,
				stride, v, NULL, NULL);
		for (i = 0; i < n; i += stride / 8)
			r->shadow[w + i] += v;
	} else if (op == 6) {		/* CPU write */
		st_log(s, "cpu write %s words %zu+%zu value %#llx",
		       kind_name[ri], w, n, (unsigned long long)v);
		for (i = 0; i < n; i++)
			r->p[w + i] = r->shadow[w + i] = v ^ i;
	} else if (op < 9) {		/* CPU check */
		st_log(s, "cpu check %s words %zu+%zu", kind_name[ri], w, n);
		st_cpu_check(s, ri, w, n, "cpu read");
	} else if (op < 11) {		/* device check */
		st_log(s, "dev checksum %s words %zu+%zu", kind_name[ri], w, n);
		ret = emu_exec1(s->fd, SVM_EMU_OP_CHECKSUM, r->p + w, n * 8, 0,
				0, &sum, NULL);
		if (!ret && sum != cpu_checksum(r->shadow + w, n * 8, 0))
			/* find the word: the CPU brings everything home */
			st_cpu_check(s, ri, w, n, "device checksum, then cpu");
		if (!ret && sum != cpu_checksum(r->shadow + w, n * 8, 0))
			st_fail(s, ri, w, sum, "device checksum only");
	} else if (op < 13) {		/* reclaim */
		st_log(s, "pageout %s", kind_name[ri]);
		madvise(r->p, r->len, MADV_PAGEOUT);
	} else if (op == 13) {		/* prefetch */
		uint32_t loc = st_rand(s) & 1 ? SVM_EXT_LOC_SYSTEM :
						(uint32_t)s->dev;
		size_t off = w * 8 & ~(PAGE - 1), end;

		end = (w + n) * 8;
		end = (end + PAGE - 1) & ~(PAGE - 1);
		st_log(s, "prefetch %s bytes %zu+%zu to %#x", kind_name[ri],
		       off, end - off, loc);
		ret = emu_prefetch(s->fd, (char *)r->p + off, end - off, loc);
		ret = ret < 0 ? ret : 0;
	} else if (op == 14) {		/* in place, or the default again */
		uint32_t loc = st_rand(s) & 1 ? SVM_EXT_LOC_SYSTEM :
						SVM_EXT_LOC_NONE;

		st_log(s, "preferred %s %#x", kind_name[ri], loc);
		ret = emu_set_attr(s->fd, r->p, r->len,
				   SVM_EXT_ATTR_PREFERRED_LOC, loc);
	} else if (r->kind < K_MEMFD) {
		st_log(s, "nothing");
	} else {			/* a new mapping of the file */
		st_log(s, "remap %s", kind_name[ri]);
		munmap(r->p, r->len);
		if (st_map(s, r)) {
			printf("# stress[%d]: remap: %s\n", s->id,
			       strerror(errno));
			_exit(2);
		}
	}
	if (ret) {
		printf("# stress[%d]: op %llu (%s): %s\n", s->id,
		       (unsigned long long)s->ops,
		       s->history[s->ops % ST_HISTORY], strerror(-ret));
		_exit(2);
	}
	s->ops++;
}

static void __attribute__((noreturn)) st_child(int id, uint64_t seed,
					       unsigned int secs,
					       const char *dir)
{
	struct st *s = calloc(1, sizeof(*s));
	time_t end = time(NULL) + secs;
	int ri;

	if (!s)
		_exit(2);
	s->id = id;
	s->rng = seed ? seed : 1;
	/* three processes share device 0 (more than it holds), one device 1 */
	s->dev = id < ST_PROCS - 1 || emu_count() < 2 ? 0 : 1;
	if (st_setup(s, dir)) {
		printf("# stress[%d]: setup: %s\n", id, strerror(errno));
		_exit(2);
	}
	while (time(NULL) < end)
		st_step(s);
	/* the end: reclaim everything, then every word of every region */
	for (ri = 0; ri < ST_REGIONS; ri++) {
		st_log(s, "final pageout and check of %s", kind_name[ri]);
		madvise(s->r[ri].p, s->r[ri].len, MADV_PAGEOUT);
		st_cpu_check(s, ri, 0, WORDS(s->r[ri].len), "final check");
	}
	printf("# stress[%d]: %llu operations on device %d, no word lost\n",
	       id, (unsigned long long)s->ops, s->dev);
	fflush(stdout);
	_exit(0);
}

FIXTURE(stress)
{
	char dir[64];
};

FIXTURE_SETUP(stress)
{
	strcpy(self->dir, "/tmp/svm_safety.XXXXXX");
	ASSERT_EQ(0, tmpfs_up(self->dir));
	if (ensure_swap())
		TH_LOG("no swap: private memory is not reclaimed");
}

FIXTURE_TEARDOWN(stress)
{
	tmpfs_down(self->dir);
}

TEST_F_TIMEOUT(stress, processes_against_shadow_model, 180)
{
	const char *e = getenv("SVM_SAFETY_SEED");
	uint64_t seed = e ? strtoull(e, NULL, 0) :
			(uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^ getpid();
	unsigned int secs = getenv("SVM_SAFETY_SECS") ?
			    atoi(getenv("SVM_SAFETY_SECS")) : 20;
	pid_t pid[ST_PROCS];
	int i, status, failed = 0;

	TH_LOG("seed %#llx (SVM_SAFETY_SEED=%#llx repeats it), %u s",
	       (unsigned long long)seed, (unsigned long long)seed, secs);
	fflush(stdout);
	for (i = 0; i < ST_PROCS; i++) {
		pid[i] = fork();
		ASSERT_GE(pid[i], 0);
		if (!pid[i])
			st_child(i, seed + i * 0x1000193, secs, self->dir);
	}
	for (i = 0; i < ST_PROCS; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			TH_LOG("process %d: %s %d", i,
			       WIFEXITED(status) ? "exit" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) :
						   WTERMSIG(status));
			failed++;
		}
	}
	EXPECT_EQ(0, failed) {
		TH_LOG("seed %#llx", (unsigned long long)seed);
	}
}

TEST_HARNESS_MAIN
