// SPDX-License-Identifier: GPL-2.0
/*
 * The cases of the kernel's hmm-tests.c (Linux 7.3) that apply to svm_ext
 * and are not covered by another of our tests, run on svm_emu instead of
 * test_hmm; docs/hmm-tests-map.md says where every other case went.  Each
 * test names the hmm-tests case it ports.  Where hmm-tests reads through
 * test_hmm's mirror buffer, the emulated device checksums what it sees;
 * where it checks that 2 MiB stayed 2 MiB, the folios_to_dev and
 * folios_from_dev counters (EXEC and sysfs), QUERY's SVM_EXT_RES_HUGE and
 * AnonHugePages do.  Every test that moves data checks every word.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

#define SZ	(4 * MIB)
#define PAGES(x)	((x) / PAGE)
#define PAGE_WORDS	(PAGE / 8)

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif

/* ---- helpers ----------------------------------------------------------- */

/*
 * @len bytes of private anonymous memory on a 2 MiB boundary, advised
 * MADV_HUGEPAGE (@thp) or MADV_NOHUGEPAGE, and followed by a PROT_NONE
 * guard page so that it is a VMA of its own (its smaps entry is the
 * buffer's alone).  buf_unmap() frees it.
 */
static uint64_t *buf_map(size_t len, int prot, bool thp)
{
	uint8_t *p = map_chunk_aligned(len + PAGE, prot, MAP_PRIVATE);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + len, PAGE, PROT_NONE) ||
	    madvise(p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		munmap(p, len + PAGE);
		return NULL;
	}
	return (uint64_t *)p;
}

static void buf_unmap(void *p, size_t len)
{
	munmap(p, len + PAGE);
}

/* AnonHugePages (kB) of the VMA that starts at @addr; -1 if none does. */
static long thp_kb(const void *addr)
{
	unsigned long lo, hi, a = (unsigned long)addr;
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256], perms[8];
	bool in = false;
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3) {
			if (in)
				break;
			in = lo == a;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* Index of the first word of @buf that differs from @want, or -1. */
static long first_diff(const uint64_t *buf, const uint64_t *want, size_t len)
{
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (buf[i] != want[i])
			return (long)i;
	return -1;
}

/* Index of the first non-zero word of @buf, or -1. */
static long first_nonzero(const uint64_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (buf[i])
			return (long)i;
	return -1;
}

/* Pages of [addr, addr + npages pages) whose QUERY code is exactly @code. */
static long count_code(int fd, void *addr, size_t npages, uint16_t code)
{
	uint16_t *res = calloc(npages, sizeof(*res));
	long n = 0;
	size_t i;

	if (!res)
		return -ENOMEM;
	if (emu_query(fd, addr, npages, res))
		n = -errno;
	for (i = 0; n >= 0 && i < npages; i++)
		n += res[i] == code;
	free(res);
	return n;
}

/* What the device sees in [addr, addr + len) is @want: 1, 0, or -errno. */
static int dev_sees(int fd, void *addr, const void *want, size_t len)
{
	uint64_t sum;
	int ret = emu_exec1(fd, SVM_EMU_OP_CHECKSUM, addr, len, 0, 0, &sum,
			    NULL);

	return ret ? ret : sum == cpu_checksum(want, len, 0);
}

/*
 * Pages of [addr, addr + npages pages) that /proc/self/pagemap shows as
 * not present and swap-type (how it shows device-private entries); -1 on
 * error.
 */
static long pagemap_swapped(const void *addr, size_t npages)
{
	int f = open("/proc/self/pagemap", O_RDONLY);
	off_t off = (uintptr_t)addr / PAGE * 8;
	uint64_t e;
	long n = 0;
	size_t i;

	if (f < 0)
		return -1;
	for (i = 0; i < npages; i++) {
		if (pread(f, &e, 8, off + i * 8) != 8) {
			n = -1;
			break;
		}
		n += (e & (1ULL << 62)) && !(e & (1ULL << 63));
	}
	close(f);
	return n;
}

/* folios_to_dev and folios_from_dev (sysfs) of device @dev. */
struct folios {
	long long to, from;
};

static void folios_snap(unsigned int dev, struct folios *f)
{
	f->to = dev_counter(dev, "folios_to_dev");
	f->from = dev_counter(dev, "folios_from_dev");
}

/* Folios moved into (@in) or out of device @dev since @f; -1e9 if unknown. */
static long long folios_since(unsigned int dev, const struct folios *f,
			      bool in)
{
	long long now = dev_counter(dev, in ? "folios_to_dev" :
					      "folios_from_dev");
	long long then = in ? f->to : f->from;

	return now < 0 || then < 0 ? -1000000000LL : now - then;
}

FIXTURE(hmm)
{
	int fd;
};

FIXTURE_SETUP(hmm)
{
	self->fd = emu_open(0);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, emu_bind(self->fd));
}

FIXTURE_TEARDOWN(hmm)
{
	close(self->fd);
}

/*
 * hmm-tests anon_write_child / anon_write_child_shared: a child writes
 * through its own device binding; the parent sees the writes to shared
 * anonymous memory and not those to private memory.
 */
TEST_F(hmm, fork_child_writes_private_and_shared)
{
	uint64_t *priv = map_chunk_aligned(SZ, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE);
	uint64_t *shared = map_chunk_aligned(SZ, PROT_READ | PROT_WRITE,
					     MAP_SHARED);
	int status;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, priv);
	ASSERT_NE(MAP_FAILED, shared);
	fill_pattern(priv, SZ, 10);
	fill_pattern(shared, SZ, 20);
	/* the parent's device holds the private data when the child forks */
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, priv, SZ, 0, 0, NULL,
			       NULL));
	ASSERT_EQ(SZ / 4096, emu_count_at(self->fd, priv, SZ / 4096, 0));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd = emu_open(1);
		uint64_t sum;

		if (fd < 0 || emu_bind(fd))
			_exit(2);
		if (emu_exec1(fd, SVM_EMU_OP_CHECKSUM, priv, SZ, 0, 0, &sum,
			      NULL) || sum != cpu_checksum(priv, SZ, 0))
			_exit(3);
		if (emu_exec1(fd, SVM_EMU_OP_ATOMIC_ADD, priv, SZ, 0, 1, NULL,
			      NULL) ||
		    emu_exec1(fd, SVM_EMU_OP_ATOMIC_ADD, shared, SZ, 0, 5, NULL,
			      NULL))
			_exit(4);
		_exit(check_pattern(priv, SZ, 11) == -1 ? 0 : 5);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(-1, check_pattern(priv, SZ, 10));
	EXPECT_EQ(-1, check_pattern(shared, SZ, 25));
	/* shared anonymous memory cannot migrate: it stayed in system memory */
	EXPECT_EQ(SZ / 4096, emu_count_at(self->fd, shared, SZ / 4096,
					  SVM_EXT_RES_SYSTEM));
}

/* hmm-tests migrate_multiple: to the device and back, many times. */
TEST_F(hmm, multiple_migrations_keep_the_data)
{
	uint64_t *buf = map_chunk_aligned(SZ, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	struct drm_svm_emu_counters c;
	int round;

	ASSERT_NE(MAP_FAILED, buf);
	fill_pattern(buf, SZ, 0);
	for (round = 1; round <= 8; round++) {
		ASSERT_EQ(SZ / 4096, emu_prefetch(self->fd, buf, SZ, 0));
		ASSERT_EQ(SZ / 4096, emu_count_at(self->fd, buf, SZ / 4096, 0));
		/* the device adds one to every word where the data now is */
		ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, buf, SZ,
				       0, 1, NULL, &c));
		EXPECT_EQ(0, c.pages_to_dev);
		if (round % 2) {
			ASSERT_EQ(SZ / 4096, emu_prefetch(self->fd, buf, SZ,
							  SVM_EXT_LOC_SYSTEM));
		}
		/* odd rounds: explicit move home; even ones: CPU faults */
		ASSERT_EQ(-1, check_pattern(buf, SZ, round));
		ASSERT_EQ(SZ / 4096, emu_count_at(self->fd, buf, SZ / 4096,
						  SVM_EXT_RES_SYSTEM));
	}
}

/*
 * hmm-tests anon_read_multiple / double map: a second read of the same
 * pages is served from the device page table without faults, and a second
 * device maps the same pages at the same time.
 */
TEST_F(hmm, double_map_reads_without_faulting_again)
{
	uint64_t *buf = map_chunk_aligned(SZ, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	struct drm_svm_emu_counters c;
	uint64_t sum, want;
	int fd1;

	ASSERT_NE(MAP_FAILED, buf);
	fill_pattern(buf, SZ, 300);
	want = cpu_checksum(buf, SZ, 0);
	ASSERT_EQ(0, emu_set_attr(self->fd, buf, SZ, SVM_EXT_ATTR_PREFERRED_LOC,
				  SVM_EXT_LOC_SYSTEM));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, buf, SZ, 0, 0,
			       &sum, &c));
	EXPECT_EQ(want, sum);
	EXPECT_EQ(SZ / CHUNK, c.faults);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, buf, SZ, 0, 0,
			       &sum, &c));
	EXPECT_EQ(want, sum);
	EXPECT_EQ(0, c.faults);

	fd1 = emu_open(1);
	ASSERT_GE(fd1, 0);
	ASSERT_EQ(0, emu_bind(fd1));
	ASSERT_EQ(0, emu_exec1(fd1, SVM_EMU_OP_CHECKSUM, buf, SZ, 0, 0, &sum,
			       &c));
	EXPECT_EQ(want, sum);
	EXPECT_EQ(SZ / CHUNK, c.faults);
	/* both still mapped: neither faults again */
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, buf, SZ, 0, 0,
			       &sum, &c));
	EXPECT_EQ(0, c.faults);
	ASSERT_EQ(0, emu_exec1(fd1, SVM_EMU_OP_CHECKSUM, buf, SZ, 0, 0, &sum,
			       &c));
	EXPECT_EQ(0, c.faults);
	/* in place means the very same pages: a CPU write shows on both */
	buf[12345] = 7;
	EXPECT_EQ(1, emu_word_is(self->fd, &buf[12345], 7));
	EXPECT_EQ(1, emu_word_is(fd1, &buf[12345], 7));
	close(fd1);
}

/*
 * hmm-tests anon_teardown: processes that fault data onto the device and
 * exit without unbinding or unmapping, many times over; device memory
 * returns to where it was and nothing leaks or warns.
 */
TEST_F(hmm, teardown_while_mapped)
{
	long long used0 = dev_mem_used(0);
	int i, status;

	for (i = 0; i < 16; i++) {
		pid_t pid = fork();

		ASSERT_GE(pid, 0);
		if (pid == 0) {
			uint64_t *buf;
			int fd;

			buf = map_chunk_aligned(SZ, PROT_READ | PROT_WRITE,
						MAP_PRIVATE);
			fd = emu_open(0);
			if (buf == MAP_FAILED || fd < 0 || emu_bind(fd))
				_exit(2);
			fill_pattern(buf, SZ, i);
			if (emu_exec1(fd, SVM_EMU_OP_ATOMIC_ADD, buf, SZ, 0, 1,
				      NULL, NULL))
				_exit(3);
			/* half back by CPU fault, half left on the device */
			if (check_pattern(buf, SZ / 2, i + 1) != -1)
				_exit(4);
			_exit(0);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status));
	}
	EXPECT_EQ(used0, dev_mem_used(0));
}

/* hmm-tests anon_read_prot: no access through a PROT_NONE mapping. */
TEST_F(hmm, prot_none_is_efault_then_readable)
{
	uint64_t *buf = map_chunk_aligned(CHUNK, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	uint64_t sum;

	ASSERT_NE(MAP_FAILED, buf);
	fill_pattern(buf, CHUNK, 40);
	ASSERT_EQ(0, mprotect(buf, CHUNK, PROT_NONE));
	EXPECT_EQ(-EFAULT, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, buf, CHUNK,
				     0, 0, &sum, NULL));
	ASSERT_EQ(0, mprotect(buf, CHUNK, PROT_READ));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, buf, CHUNK, 0, 0,
			       &sum, NULL));
	EXPECT_EQ(cpu_checksum(buf, CHUNK, 0), sum);
	EXPECT_EQ(-EFAULT, emu_exec1(self->fd, SVM_EMU_OP_FILL, buf, CHUNK, 0,
				     1, NULL, NULL));
	EXPECT_EQ(-1, check_pattern(buf, CHUNK, 40));
}

/*
 * hmm-tests anon_read: the device reads a read-only buffer whose first page
 * was never touched and whose second maps the zero page.  The default
 * policy moves the whole chunks, those two pages included (they are born
 * in device memory, zeroed), read-only as on the CPU, and every word is
 * what the CPU wrote.
 */
TEST_F(hmm, anon_read)
{
	uint64_t *buf = buf_map(SZ, PROT_READ | PROT_WRITE, false);
	uint64_t *want = calloc(1, SZ), sum;
	struct drm_svm_emu_counters c;
	size_t i;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	for (i = 2 * PAGE_WORDS; i < SZ / 8; i++)
		buf[i] = want[i] = 3 * i + 1;
	ASSERT_EQ(0, mprotect(buf, SZ, PROT_READ));
	ASSERT_EQ(0, *(volatile uint64_t *)&buf[PAGE_WORDS]);
	EXPECT_EQ(1, count_code(self->fd, buf, 1, SVM_EXT_RES_NONE));
	EXPECT_EQ(1, count_code(self->fd, buf + PAGE_WORDS, 1,
				SVM_EXT_RES_SYSTEM));

	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, buf, SZ, 0, 0,
			       &sum, &c));
	EXPECT_EQ(cpu_checksum(want, SZ, 0), sum);
	EXPECT_EQ(SZ / CHUNK, c.faults);
	EXPECT_EQ(PAGES(SZ), c.pages_to_dev);
	/* on device 0, and not writable there either */
	EXPECT_EQ(PAGES(SZ), count_code(self->fd, buf, PAGES(SZ), 0));
	EXPECT_EQ(-EFAULT, emu_exec1(self->fd, SVM_EMU_OP_WRITE, buf + SZ / 16,
				     8, 0, 1, NULL, NULL));
	EXPECT_EQ(-1, first_diff(buf, want, SZ));
	EXPECT_EQ(PAGES(SZ), emu_count_at(self->fd, buf, PAGES(SZ),
					  SVM_EXT_RES_SYSTEM));
	buf_unmap(buf, SZ);
	free(want);
}

/*
 * hmm-tests anon_write_prot: a device read of a read-only, never written
 * buffer works and a device write fails without changing a byte; once the
 * mapping is writable the same write goes through and replaces the zeros.
 */
TEST_F(hmm, anon_write_prot)
{
	uint64_t *buf = buf_map(CHUNK, PROT_READ, false);
	uint64_t *want = calloc(1, CHUNK);
	struct drm_svm_emu_counters c;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, buf, PAGE, 0, 0,
			       NULL, &c));
	EXPECT_EQ(1, c.faults);
	EXPECT_EQ(-EFAULT, emu_exec1(self->fd, SVM_EMU_OP_WRITE, buf, CHUNK, 0,
				     100, NULL, NULL));
	EXPECT_EQ(1, dev_sees(self->fd, buf, want, CHUNK));
	EXPECT_EQ(-1, first_nonzero(buf, CHUNK));

	ASSERT_EQ(0, mprotect(buf, CHUNK, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, buf, CHUNK, 0, 100,
			       NULL, &c));
	EXPECT_GE(c.faults, 1);
	fill_pattern(want, CHUNK, 100);
	EXPECT_EQ(1, dev_sees(self->fd, buf, want, CHUNK));
	EXPECT_EQ(-1, first_diff(buf, want, CHUNK));
	buf_unmap(buf, CHUNK);
	free(want);
}

/*
 * The child of anon_write_child: its device (a binding of its own on
 * device 0) sees @seed, writes @mine over all of it, and the child's CPU
 * then reads @mine.  Returns the step that failed, 0 if none.
 */
static int child_writes(uint64_t *buf, size_t len, uint64_t seed,
			uint64_t mine)
{
	uint64_t *want = malloc(len);
	int fd = emu_open(0);

	if (!want || fd < 0 || emu_bind(fd))
		return 10;
	fill_pattern(want, len, seed);
	if (dev_sees(fd, buf, want, len) != 1)
		return 11;
	if (emu_exec1(fd, SVM_EMU_OP_WRITE, buf, len, 0, mine, NULL, NULL))
		return 12;
	if (check_pattern(buf, len, mine) != -1)
		return 13;
	close(fd);
	return 0;
}

/*
 * hmm-tests anon_write_child: data in system memory or on the device, in
 * 4 KiB pages or a THP; after fork the child's device sees the parent's
 * bytes, and what it writes stays in the child.
 */
TEST_F(hmm, anon_write_child)
{
	int migrate, thp, status;

	for (migrate = 0; migrate < 2; migrate++) {
		for (thp = 0; thp < 2; thp++) {
			size_t len = thp ? CHUNK : SZ;
			uint64_t seed = 0x1000 * (1 + 2 * migrate + thp);
			uint64_t *buf = buf_map(len, PROT_READ | PROT_WRITE, thp);
			struct folios f;
			pid_t pid;

			ASSERT_NE(NULL, buf);
			fill_pattern(buf, len, seed);
			if (thp)
				ASSERT_EQ(2048, thp_kb(buf))
					TH_LOG("no THP backs the buffer");
			if (migrate) {
				folios_snap(0, &f);
				ASSERT_EQ((long)PAGES(len),
					  emu_prefetch(self->fd, buf, len, 0));
				if (thp)
					EXPECT_EQ(1, folios_since(0, &f, true));
			}
			pid = fork();
			ASSERT_GE(pid, 0);
			if (pid == 0)
				_exit(child_writes(buf, len, seed, seed + 0x10000));
			ASSERT_EQ(pid, waitpid(pid, &status, 0));
			ASSERT_TRUE(WIFEXITED(status));
			EXPECT_EQ(0, WEXITSTATUS(status))
				TH_LOG("migrate %d thp %d: the child failed at step %d",
				       migrate, thp, WEXITSTATUS(status));
			EXPECT_EQ(-1, check_pattern(buf, len, seed))
				TH_LOG("migrate %d thp %d: the child's write reached the parent",
				       migrate, thp);
			buf_unmap(buf, len);
		}
	}
}

/*
 * hmm-tests file_read: a shared file mapping the device reads is mapped
 * in place (page cache pages never move) and the device sees the file.
 */
TEST_F(hmm, file_read)
{
	char path[] = "/tmp/svm_ext_hmm_fileXXXXXX";
	uint64_t *want = malloc(SZ), *map, sum;
	struct drm_svm_emu_counters c;
	int f = mkstemp(path);

	ASSERT_GE(f, 0);
	unlink(path);
	ASSERT_NE(NULL, want);
	fill_pattern(want, SZ, 0x5eed);
	ASSERT_EQ(SZ, pwrite(f, want, SZ, 0));
	map = mmap(NULL, SZ, PROT_READ, MAP_SHARED, f, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, map, SZ, 0, 0,
			       &sum, &c));
	EXPECT_EQ(cpu_checksum(want, SZ, 0), sum);
	EXPECT_EQ(0, c.pages_to_dev);
	EXPECT_EQ(PAGES(SZ), c.remote_maps);
	EXPECT_EQ(PAGES(SZ), emu_count_at(self->fd, map, PAGES(SZ),
					  SVM_EXT_RES_SYSTEM));
	EXPECT_EQ(-EFAULT, emu_exec1(self->fd, SVM_EMU_OP_WRITE, map, 8, 0, 1,
				     NULL, NULL));
	EXPECT_EQ(-1, first_diff(map, want, SZ));
	munmap(map, SZ);
	close(f);
	free(want);
}

/*
 * hmm-tests migrate_file_private: the CPU writes part of a private file
 * mapping (those pages become anonymous copies).  svm_ext maps a file
 * VMA in place rather than migrating it, so here the device must see the
 * CPU's copies where they exist and the file elsewhere, write copies of
 * its own, and never change the file.
 */
TEST_F(hmm, migrate_file_private)
{
	char path[] = "/tmp/svm_ext_hmm_privXXXXXX";
	uint64_t *want = malloc(SZ), *file = malloc(SZ), *back = malloc(SZ);
	struct drm_svm_emu_counters c;
	int f = mkstemp(path);
	uint64_t *map;

	ASSERT_GE(f, 0);
	unlink(path);
	ASSERT_NE(NULL, want);
	ASSERT_NE(NULL, file);
	ASSERT_NE(NULL, back);
	fill_pattern(file, SZ, 0xf11e);
	ASSERT_EQ(SZ, pwrite(f, file, SZ, 0));
	map = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE, f, 0);
	ASSERT_NE(MAP_FAILED, map);
	/* the CPU writes the first half: copies there, the file behind */
	fill_pattern(map, SZ / 2, 0xc0c0);
	memcpy(want, file, SZ);
	fill_pattern(want, SZ / 2, 0xc0c0);

	EXPECT_EQ(1, dev_sees(self->fd, map, want, SZ));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, map + SZ / 16,
			       SZ / 2, 0, 0xd0d0, NULL, &c));
	fill_pattern(want + SZ / 16, SZ / 2, 0xd0d0);
	EXPECT_EQ(0, c.pages_to_dev);
	EXPECT_EQ(PAGES(SZ), emu_count_at(self->fd, map, PAGES(SZ),
					  SVM_EXT_RES_SYSTEM));
	EXPECT_EQ(1, dev_sees(self->fd, map, want, SZ));
	EXPECT_EQ(-1, first_diff(map, want, SZ));
	ASSERT_EQ(SZ, pread(f, back, SZ, 0));
	EXPECT_EQ(-1, first_diff(back, file, SZ));
	munmap(map, SZ);
	close(f);
	free(want);
	free(file);
	free(back);
}

/*
 * hmm-tests migrate_fault: data on the device, the CPU faults half of it
 * back (its whole chunk, by default) and a PREFETCH takes a quarter of the
 * other chunk home too; moving the mix to the device again moves exactly
 * what was home, and every word survives.
 */
TEST_F(hmm, migrate_fault)
{
	uint64_t *buf = buf_map(SZ, PROT_READ | PROT_WRITE, false);
	uint64_t *want = malloc(SZ), *quarter;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	fill_pattern(buf, SZ, 0x6000);
	fill_pattern(want, SZ, 0x6000);
	ASSERT_EQ((long)PAGES(SZ), emu_prefetch(self->fd, buf, SZ, 0));
	EXPECT_EQ(-1, check_pattern(buf, SZ / 2, 0x6000));
	EXPECT_EQ(PAGES(CHUNK), emu_count_at(self->fd, buf, PAGES(SZ),
					     SVM_EXT_RES_SYSTEM));
	quarter = buf + (CHUNK + CHUNK / 4) / 8;
	ASSERT_EQ((long)PAGES(CHUNK / 4),
		  emu_prefetch(self->fd, quarter, CHUNK / 4, SVM_EXT_LOC_SYSTEM));
	EXPECT_EQ(PAGES(CHUNK + CHUNK / 4),
		  emu_count_at(self->fd, buf, PAGES(SZ), SVM_EXT_RES_SYSTEM));

	EXPECT_EQ((long)PAGES(CHUNK + CHUNK / 4),
		  emu_prefetch(self->fd, buf, SZ, 0));
	EXPECT_EQ(PAGES(SZ), emu_count_at(self->fd, buf, PAGES(SZ), 0));
	EXPECT_EQ(1, dev_sees(self->fd, buf, want, SZ));
	EXPECT_EQ(-1, first_diff(buf, want, SZ));
	buf_unmap(buf, SZ);
	free(want);
}

/*
 * hmm-tests migrate_shared: shared anonymous memory cannot move (test_hmm
 * says -ENOENT); PREFETCH moves nothing, takes no device memory, and the
 * device works on it in place.
 */
TEST_F(hmm, migrate_shared)
{
	uint64_t *buf = map_chunk_aligned(SZ, PROT_READ | PROT_WRITE,
					  MAP_SHARED);
	long long used0 = dev_mem_used(0);
	struct drm_svm_emu_counters c;

	ASSERT_NE(MAP_FAILED, buf);
	fill_pattern(buf, SZ, 0x7000);
	EXPECT_EQ(0, emu_prefetch(self->fd, buf, SZ, 0));
	EXPECT_EQ(PAGES(SZ), emu_count_at(self->fd, buf, PAGES(SZ),
					  SVM_EXT_RES_SYSTEM));
	EXPECT_EQ(used0, dev_mem_used(0));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, buf, SZ, 0, 1,
			       NULL, &c));
	EXPECT_EQ(0, c.pages_to_dev);
	EXPECT_EQ(-1, check_pattern(buf, SZ, 0x7001));
	munmap(buf, SZ);
}

/*
 * hmm-tests migrate_mixed, first step: PREFETCH of memory nobody may
 * access (PROT_NONE, never touched; test_hmm refuses with -EINVAL) must
 * not put device memory there.
 */
TEST_F(hmm, migrate_mixed_prot_none)
{
	uint8_t *p = map_chunk_aligned(6 * PAGE, PROT_NONE, MAP_PRIVATE);
	long long used1 = dev_mem_used(1);
	int fd1 = emu_open(1);
	long r;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_GE(fd1, 0);
	ASSERT_EQ(0, emu_bind(fd1));
	r = emu_prefetch(fd1, p, 6 * PAGE, 1);
	EXPECT_GE(0, r) TH_LOG("PREFETCH moved %ld PROT_NONE pages to device 1", r);
	EXPECT_EQ(0, emu_count_at(fd1, p, 6, 1));
	EXPECT_EQ(used1, dev_mem_used(1));
	EXPECT_EQ(-EFAULT, emu_exec1(fd1, SVM_EMU_OP_READ, p, 8, 0, 0, NULL,
				     NULL));
	munmap(p, 6 * PAGE);
	close(fd1);
}

/*
 * hmm-tests migrate_mixed: a hole is refused; the zero page mapped
 * read-only, a read-only page and two writable ones move to device 1 with
 * their permissions; one of them then moves on to device 0 (test_hmm
 * cannot and says -ENOENT; svm_ext moves device to device).
 */
TEST_F(hmm, migrate_mixed)
{
	uint8_t *p = map_chunk_aligned(6 * PAGE, PROT_NONE, MAP_PRIVATE);
	uint64_t *pg[6], *zero = calloc(1, PAGE);
	int fd1 = emu_open(1), i;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(NULL, zero);
	ASSERT_GE(fd1, 0);
	ASSERT_EQ(0, emu_bind(fd1));
	for (i = 0; i < 6; i++)
		pg[i] = (uint64_t *)(p + i * PAGE);
	ASSERT_EQ(0, munmap(pg[1], PAGE));
	EXPECT_EQ(-ENOMEM, emu_prefetch(fd1, pg[1], 2 * PAGE, 1));
	ASSERT_EQ(0, mprotect(pg[2], PAGE, PROT_READ));
	ASSERT_EQ(0, *(volatile uint64_t *)pg[2]);
	ASSERT_EQ(0, mprotect(pg[3], PAGE, PROT_READ | PROT_WRITE));
	*pg[3] = 3;
	ASSERT_EQ(0, mprotect(pg[3], PAGE, PROT_READ));
	ASSERT_EQ(0, mprotect(pg[4], 2 * PAGE, PROT_READ | PROT_WRITE));
	*pg[4] = 4;
	*pg[5] = 5;

	EXPECT_EQ(4, emu_prefetch(fd1, pg[2], 4 * PAGE, 1));
	EXPECT_EQ(1, count_code(fd1, pg[2], 1, 1));
	EXPECT_EQ(1, count_code(fd1, pg[3], 1, 1));
	EXPECT_EQ(2, count_code(fd1, pg[4], 2, 1 | SVM_EXT_RES_WRITE));
	EXPECT_EQ(1, emu_prefetch(self->fd, pg[5], PAGE, 0));
	EXPECT_EQ(1, count_code(self->fd, pg[5], 1, 0 | SVM_EXT_RES_WRITE));

	/* both devices see every page; only the writable ones take writes */
	for (i = 2; i < 6; i++) {
		EXPECT_EQ(1, emu_word_is(self->fd, pg[i], i == 2 ? 0 : i));
		EXPECT_EQ(1, emu_word_is(fd1, pg[i], i == 2 ? 0 : i));
	}
	EXPECT_EQ(-EFAULT, emu_exec1(fd1, SVM_EMU_OP_WRITE, pg[2], 8, 0, 9,
				     NULL, NULL));
	EXPECT_EQ(-EFAULT, emu_exec1(fd1, SVM_EMU_OP_WRITE, pg[3], 8, 0, 9,
				     NULL, NULL));
	EXPECT_EQ(0, emu_exec1(fd1, SVM_EMU_OP_ATOMIC_ADD, pg[4], 8, 0, 10,
			       NULL, NULL));
	EXPECT_EQ(0, emu_exec1(fd1, SVM_EMU_OP_ATOMIC_ADD, pg[5], 8, 0, 10,
			       NULL, NULL));
	for (i = 2; i < 6; i++) {
		EXPECT_EQ((uint64_t)(i == 2 ? 0 : i < 4 ? i : i + 10), *pg[i]);
		EXPECT_EQ(-1, first_nonzero(pg[i] + 1, PAGE - 8));
	}
	munmap(pg[0], PAGE);
	munmap(pg[2], 4 * PAGE);
	close(fd1);
	free(zero);
}

struct unmapper {
	void *addr;
	size_t len;
	long delay_us;
};

static void *unmap_later(void *arg)
{
	struct unmapper *u = arg;
	struct timespec t = { .tv_nsec = u->delay_us * 1000 };

	nanosleep(&t, NULL);
	munmap(u->addr, u->len);
	return NULL;
}

/*
 * hmm-tests anon_teardown: the second half of a buffer is unmapped while
 * the device reads it all.  The read either completes with every word
 * right or fails with -EFAULT; the first half stays intact; no device
 * memory is left behind.
 */
TEST_F(hmm, anon_teardown)
{
	long long used0 = dev_mem_used(0);
	uint64_t *want = malloc(SZ);
	int round, done = 0, faulted = 0;

	ASSERT_NE(NULL, want);
	srand(getpid());
	for (round = 0; round < 16; round++) {
		uint64_t *buf = map_chunk_aligned(SZ, PROT_READ | PROT_WRITE,
						  MAP_PRIVATE), sum;
		struct unmapper u = {
			.addr = (uint8_t *)buf + SZ / 2,
			.len = SZ / 2,
			.delay_us = rand() % 20000,
		};
		pthread_t th;
		int ret;

		ASSERT_NE(MAP_FAILED, buf);
		fill_pattern(buf, SZ, round << 20);
		fill_pattern(want, SZ, round << 20);
		ASSERT_EQ(0, pthread_create(&th, NULL, unmap_later, &u));
		ret = emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, buf, SZ, 0, 0,
				&sum, NULL);
		ASSERT_EQ(0, pthread_join(th, NULL));
		if (ret == 0) {
			EXPECT_EQ(cpu_checksum(want, SZ, 0), sum);
			done++;
		} else {
			EXPECT_EQ(-EFAULT, ret);
			faulted++;
		}
		EXPECT_EQ(-1, first_diff(buf, want, SZ / 2));
		ASSERT_EQ(0, munmap(buf, SZ / 2));
	}
	EXPECT_EQ(used0, dev_mem_used(0));
	TH_LOG("%d reads finished before the unmap, %d met it", done, faulted);
	free(want);
}

/*
 * hmm-tests compound: a hugetlbfs page is one 2 MiB mapping for the CPU
 * (QUERY: every page SVM_EXT_RES_HUGE, writable, then read-only after
 * mprotect) and for the device (one 2 MiB entry, in place).
 */
TEST_F(hmm, compound)
{
	uint64_t *want = malloc(CHUNK), *buf, sum;
	struct drm_svm_emu_counters c;

	ASSERT_NE(NULL, want);
	buf = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (buf == MAP_FAILED)
		SKIP(return, "no 2 MiB hugetlb page (%s)", strerror(errno));
	fill_pattern(buf, CHUNK, 0xc0);
	fill_pattern(want, CHUNK, 0xc0);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, buf, CHUNK, 0, 0,
			       &sum, &c));
	EXPECT_EQ(cpu_checksum(want, CHUNK, 0), sum);
	EXPECT_EQ(1, c.faults);
	EXPECT_EQ(1, c.huge_maps);
	EXPECT_EQ(0, c.pages_to_dev);
	EXPECT_EQ(PAGES(CHUNK), count_code(self->fd, buf, PAGES(CHUNK),
					   SVM_EXT_RES_SYSTEM | SVM_EXT_RES_WRITE |
					   SVM_EXT_RES_HUGE));

	ASSERT_EQ(0, mprotect(buf, CHUNK, PROT_READ));
	EXPECT_EQ(PAGES(CHUNK), count_code(self->fd, buf, PAGES(CHUNK),
					   SVM_EXT_RES_SYSTEM | SVM_EXT_RES_HUGE));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, buf, CHUNK, 0, 0,
			       &sum, &c));
	EXPECT_EQ(cpu_checksum(want, CHUNK, 0), sum);
	EXPECT_EQ(1, c.faults);
	EXPECT_EQ(1, c.huge_maps);
	EXPECT_EQ(-EFAULT, emu_exec1(self->fd, SVM_EMU_OP_WRITE, buf, 8, 0, 1,
				     NULL, NULL));
	EXPECT_EQ(-1, first_diff(buf, want, CHUNK));
	munmap(buf, CHUNK);
	free(want);
}

/*
 * hmm-tests hmm_cow_in_device: data on the device, fork, then the parent
 * writes every word: each COW-shared device page comes home and is copied
 * (QUERY: system memory, writable), and the child still reads what was
 * there at fork.
 */
TEST_F(hmm, hmm_cow_in_device)
{
	uint64_t *buf = buf_map(SZ, PROT_READ | PROT_WRITE, false);
	uint64_t *want = malloc(SZ);
	int go[2], status;
	pid_t pid;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	fill_pattern(buf, SZ, 0x11);
	ASSERT_EQ((long)PAGES(SZ), emu_prefetch(self->fd, buf, SZ, 0));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char x;

		close(go[1]);
		if (read(go[0], &x, 1) != 1)
			_exit(2);
		_exit(check_pattern(buf, SZ, 0x11) == -1 ? 0 : 3);
	}
	close(go[0]);
	fill_pattern(buf, SZ, 0x22);
	fill_pattern(want, SZ, 0x22);
	EXPECT_EQ(PAGES(SZ), count_code(self->fd, buf, PAGES(SZ),
					SVM_EXT_RES_SYSTEM | SVM_EXT_RES_WRITE));
	ASSERT_EQ(1, write(go[1], "g", 1));
	close(go[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("the child does not see the data as at fork");
	EXPECT_EQ(-1, first_diff(buf, want, SZ));
	EXPECT_EQ(1, dev_sees(self->fd, buf, want, SZ));
	buf_unmap(buf, SZ);
	free(want);
}

/*
 * hmm-tests migrate_anon_huge_empty: an untouched, read-only, THP-advised
 * 2 MiB range goes to the device as one zeroed 2 MiB folio (one
 * read-only device-private PMD), and reads back as zeros.
 */
TEST_F(hmm, migrate_anon_huge_empty)
{
	uint64_t *buf = buf_map(CHUNK, PROT_READ, true);
	uint64_t *zero = calloc(1, CHUNK);
	struct folios f;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, zero);
	folios_snap(0, &f);
	ASSERT_EQ((long)PAGES(CHUNK), emu_prefetch(self->fd, buf, CHUNK, 0));
	EXPECT_EQ(1, folios_since(0, &f, true));
	EXPECT_EQ(PAGES(CHUNK), count_code(self->fd, buf, PAGES(CHUNK),
					   0 | SVM_EXT_RES_HUGE));
	EXPECT_EQ(1, dev_sees(self->fd, buf, zero, CHUNK));
	EXPECT_EQ(-EFAULT, emu_exec1(self->fd, SVM_EMU_OP_WRITE, buf, 8, 0, 1,
				     NULL, NULL));
	EXPECT_EQ(-1, first_nonzero(buf, CHUNK));
	EXPECT_EQ(PAGES(CHUNK), emu_count_at(self->fd, buf, PAGES(CHUNK),
					     SVM_EXT_RES_SYSTEM));
	buf_unmap(buf, CHUNK);
	free(zero);
}

/*
 * hmm-tests migrate_anon_huge_zero: a read-only THP-advised range whose
 * read mapped the huge zero page goes to the device as one zeroed 2 MiB
 * folio and faults back as zeros, every word.
 */
TEST_F(hmm, migrate_anon_huge_zero)
{
	uint64_t *buf = buf_map(CHUNK, PROT_READ, true);
	uint64_t *zero = calloc(1, CHUNK);
	struct folios f;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, zero);
	ASSERT_EQ(0, *(volatile uint64_t *)buf);
	ASSERT_EQ(PAGES(CHUNK), count_code(self->fd, buf, PAGES(CHUNK),
					   SVM_EXT_RES_SYSTEM | SVM_EXT_RES_HUGE))
		TH_LOG("the read did not map the huge zero page");
	folios_snap(0, &f);
	ASSERT_EQ((long)PAGES(CHUNK), emu_prefetch(self->fd, buf, CHUNK, 0));
	EXPECT_EQ(1, folios_since(0, &f, true));
	EXPECT_EQ(PAGES(CHUNK), count_code(self->fd, buf, PAGES(CHUNK),
					   0 | SVM_EXT_RES_HUGE));
	EXPECT_EQ(1, dev_sees(self->fd, buf, zero, CHUNK));
	EXPECT_EQ(-1, first_nonzero(buf, CHUNK));
	EXPECT_EQ(PAGES(CHUNK), emu_count_at(self->fd, buf, PAGES(CHUNK),
					     SVM_EXT_RES_SYSTEM));
	buf_unmap(buf, CHUNK);
	free(zero);
}

/*
 * hmm-tests migrate_anon_huge_free: MADV_FREE of a THP that is on the
 * device as one folio.  The data may be dropped, never corrupted: each
 * page reads back whole or zero; written again it stays; and once the
 * buffer is gone so is its device memory.
 */
TEST_F(hmm, migrate_anon_huge_free)
{
	long long used0 = dev_mem_used(0);
	uint64_t *buf = buf_map(CHUNK, PROT_READ | PROT_WRITE, true);
	uint64_t *want = malloc(CHUNK);
	struct drm_svm_emu_counters c;
	long bad = -1, zeroed = 0;
	size_t p;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	fill_pattern(buf, CHUNK, 0xf0);
	fill_pattern(want, CHUNK, 0xf0);
	ASSERT_EQ(2048, thp_kb(buf)) TH_LOG("no THP backs the buffer");
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, buf, CHUNK, 0, 0,
			       NULL, &c));
	EXPECT_EQ(1, c.folios_to_dev);
	EXPECT_EQ(used0 + (long long)CHUNK, dev_mem_used(0));

	ASSERT_EQ(0, madvise(buf, CHUNK, MADV_FREE));
	for (p = 0; p < PAGES(CHUNK) && bad < 0; p++) {
		const uint64_t *pb = buf + p * PAGE_WORDS;

		if (first_diff(pb, want + p * PAGE_WORDS, PAGE) == -1)
			continue;
		if (first_nonzero(pb, PAGE) == -1)
			zeroed++;
		else
			bad = p;
	}
	EXPECT_EQ(-1, bad) TH_LOG("page %ld is neither the data nor zero", bad);
	TH_LOG("after MADV_FREE %ld of %lu pages read back zero", zeroed,
	       PAGES(CHUNK));
	fill_pattern(buf, CHUNK, 0xf2);
	fill_pattern(want, CHUNK, 0xf2);
	EXPECT_EQ(1, dev_sees(self->fd, buf, want, CHUNK));
	EXPECT_EQ(-1, first_diff(buf, want, CHUNK));
	buf_unmap(buf, CHUNK);
	EXPECT_EQ(used0, dev_mem_used(0));
	free(want);
}

/*
 * hmm-tests migrate_anon_huge_fault: a THP made by MADV_COLLAPSE moves to
 * the device on a device fault as one folio; the CPU page table holds one
 * writable device-private PMD (QUERY: every page HUGE; pagemap: swap-type
 * entries, none present); a CPU touch brings it back whole, a THP again.
 */
TEST_F(hmm, migrate_anon_huge_fault)
{
	uint64_t *buf = buf_map(CHUNK, PROT_READ | PROT_WRITE, false);
	uint64_t *want = malloc(CHUNK), sum;
	struct drm_svm_emu_counters c;
	struct folios f;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	fill_pattern(buf, CHUNK, 0xfa);
	fill_pattern(want, CHUNK, 0xfa);
	ASSERT_EQ(0, thp_kb(buf));
	ASSERT_EQ(0, madvise(buf, CHUNK, MADV_HUGEPAGE));
	ASSERT_EQ(0, madvise(buf, CHUNK, MADV_COLLAPSE))
		TH_LOG("MADV_COLLAPSE: %s", strerror(errno));
	ASSERT_EQ(2048, thp_kb(buf));

	folios_snap(0, &f);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, buf, CHUNK, 0, 0,
			       &sum, &c));
	EXPECT_EQ(cpu_checksum(want, CHUNK, 0), sum);
	EXPECT_EQ(PAGES(CHUNK), c.pages_to_dev);
	EXPECT_EQ(1, c.folios_to_dev);
	EXPECT_EQ(1, folios_since(0, &f, true));
	EXPECT_EQ(PAGES(CHUNK), count_code(self->fd, buf, PAGES(CHUNK),
					   0 | SVM_EXT_RES_WRITE |
					   SVM_EXT_RES_HUGE));
	EXPECT_EQ(PAGES(CHUNK), pagemap_swapped(buf, PAGES(CHUNK)));

	EXPECT_EQ(-1, first_diff(buf, want, CHUNK));
	EXPECT_EQ(1, folios_since(0, &f, false));
	EXPECT_EQ(2048, thp_kb(buf)) TH_LOG("the data came back in 4 KiB pages");
	EXPECT_EQ(0, pagemap_swapped(buf, PAGES(CHUNK)));
	buf_unmap(buf, CHUNK);
	free(want);
}

/*
 * hmm-tests migrate_partial_unmap_fault: 2 MiB on the device (a THP as one
 * folio, or 4 KiB pages), then half of it unmapped at offset 0, 1/4 or
 * 1/2: the hole is gone for the device too, the rest faults back intact,
 * and then nothing stays on the device.
 */
TEST_F(hmm, migrate_partial_unmap_fault)
{
	static const size_t offs[] = { 0, CHUNK / 4, CHUNK / 2 };
	const size_t hole = CHUNK / 2;
	long long used0 = dev_mem_used(0);
	uint64_t *want = malloc(CHUNK);
	size_t j;
	int thp;

	ASSERT_NE(NULL, want);
	for (thp = 0; thp < 2; thp++) {
		for (j = 0; j < 3; j++) {
			uint8_t *buf = (uint8_t *)buf_map(CHUNK, PROT_READ | PROT_WRITE,
							  thp);
			size_t off = offs[j], rest = CHUNK - off - hole;
			struct drm_svm_emu_counters c;
			long long used;

			ASSERT_NE(NULL, buf);
			fill_pattern(buf, CHUNK, 0x100 * (j + 1) + thp);
			fill_pattern(want, CHUNK, 0x100 * (j + 1) + thp);
			if (thp)
				ASSERT_EQ(2048, thp_kb(buf));
			ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, buf, CHUNK,
					       0, 0, NULL, &c));
			EXPECT_EQ(PAGES(CHUNK), c.pages_to_dev);
			if (thp)
				EXPECT_EQ(1, c.folios_to_dev);
			EXPECT_EQ(used0 + (long long)CHUNK, dev_mem_used(0));

			ASSERT_EQ(0, munmap(buf + off, hole));
			used = dev_mem_used(0);
			/*
			 * 4 KiB pages of the hole are free at once.  The
			 * kernel does not split a partly unmapped device
			 * folio (no deferred split for device-private
			 * folios): the hole's half of it may stay in use until
			 * the rest goes, checked below; never less than what
			 * is still mapped.
			 */
			if (thp) {
				EXPECT_GE(used, used0 + (long long)(CHUNK - hole));
				EXPECT_LE(used, used0 + (long long)CHUNK);
				if (used != used0 + (long long)(CHUNK - hole))
					TH_LOG("hole at %zu KiB: %lld KiB stay on the device until the rest leaves",
					       off / 1024, (used - used0) / 1024);
			} else {
				EXPECT_EQ(used0 + (long long)(CHUNK - hole), used)
					TH_LOG("hole at %zu KiB: its device memory was not freed",
					       off / 1024);
			}
			EXPECT_EQ(-EFAULT, emu_exec1(self->fd, SVM_EMU_OP_READ,
						     buf + off, 8, 0, 0, NULL, NULL));
			EXPECT_EQ(-1, first_diff((uint64_t *)buf, want, off))
				TH_LOG("thp %d, hole at %zu KiB", thp, off / 1024);
			EXPECT_EQ(-1, first_diff((uint64_t *)(buf + off + hole),
						 want + (off + hole) / 8, rest))
				TH_LOG("thp %d, hole at %zu KiB", thp, off / 1024);
			EXPECT_EQ(used0, dev_mem_used(0));
			if (off)
				munmap(buf, off);
			munmap(buf + off + hole, rest + PAGE);
		}
	}
	free(want);
}

/*
 * One case of migrate_remap_fault: 2 MiB (@thp: a THP) moved by mremap to
 * @off bytes past the 2 MiB boundary after it, @before or after the device
 * read it; @dontunmap adds MREMAP_DONTUNMAP.
 */
static void remap_case(struct __test_metadata *_metadata, int fd, int before,
		       int dontunmap, int thp, size_t off)
{
	char what[64];
	int flags = MREMAP_MAYMOVE | MREMAP_FIXED |
		    (dontunmap ? MREMAP_DONTUNMAP : 0);
	uint64_t seed = (before << 12) | (dontunmap << 8) | (thp << 4) | off;
	uint64_t *want = malloc(CHUNK), *zero = calloc(1, CHUNK);
	struct drm_svm_emu_counters c;
	uint64_t *old, *new;
	uint8_t *area, *dst;

	snprintf(what, sizeof(what), "before %d, dontunmap %d, thp %d, to +%zu KiB",
		 before, dontunmap, thp, off / 1024);
	ASSERT_NE(NULL, want);
	ASSERT_NE(NULL, zero);
	/* the buffer, then a hole of two chunks to move it into */
	area = map_chunk_aligned(3 * CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, area);
	ASSERT_EQ(0, munmap(area + CHUNK, 2 * CHUNK));
	ASSERT_EQ(0, madvise(area, CHUNK, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE));
	old = (uint64_t *)area;
	dst = area + CHUNK + off;
	fill_pattern(old, CHUNK, seed << 32);
	fill_pattern(want, CHUNK, seed << 32);
	if (thp)
		ASSERT_EQ(2048, thp_kb(old));

	new = old;
	if (before) {
		new = mremap(old, CHUNK, CHUNK, flags, dst);
		ASSERT_EQ((void *)dst, (void *)new);
	}
	ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_READ, new, CHUNK, 0, 0, NULL, &c));
	EXPECT_EQ(PAGES(CHUNK), c.pages_to_dev)
		TH_LOG("%s", what);
	/* still a THP where it moved whole, or had not moved yet */
	if (thp && (!before || !off))
		EXPECT_EQ(1, c.folios_to_dev)
			TH_LOG("%s", what);
	if (!before) {
		new = mremap(old, CHUNK, CHUNK, flags, dst);
		ASSERT_EQ((void *)dst, (void *)new);
	}

	EXPECT_EQ(1, dev_sees(fd, new, want, CHUNK))
		TH_LOG("%s", what);
	EXPECT_EQ(-1, first_diff(new, want, CHUNK))
		TH_LOG("%s", what);
	if (dontunmap) {
		/* still mapped, and empty */
		EXPECT_EQ(1, dev_sees(fd, old, zero, CHUNK))
			TH_LOG("%s", what);
		EXPECT_EQ(-1, first_nonzero(old, CHUNK))
			TH_LOG("%s", what);
		munmap(old, CHUNK);
	} else {
		EXPECT_EQ(-EFAULT, emu_exec1(fd, SVM_EMU_OP_READ, old, 8, 0, 0,
					     NULL, NULL))
			TH_LOG("%s", what);
	}
	munmap(new, CHUNK);
	free(want);
	free(zero);
}

/*
 * hmm-tests migrate_remap_fault: mremap (plain or MREMAP_DONTUNMAP) of
 * 2 MiB (a THP or 4 KiB pages) to a destination 0, 1/4 or 1/2 of 2 MiB
 * past a 2 MiB boundary, before or after the data moved to the device.
 * The device and then the CPU find every word at the new address; the
 * old one is gone, or with DONTUNMAP still mapped and empty; no device
 * memory is left behind.
 */
TEST_F_TIMEOUT(hmm, migrate_remap_fault, 180)
{
	static const size_t offs[] = { 0, CHUNK / 4, CHUNK / 2 };
	long long used0 = dev_mem_used(0);
	int before, dontunmap, thp, j;

	for (before = 0; before < 2; before++) {
		for (dontunmap = 0; dontunmap < 2; dontunmap++) {
			for (thp = 0; thp < 2; thp++) {
				for (j = 0; j < 3; j++) {
					remap_case(_metadata, self->fd, before,
						   dontunmap, thp, offs[j]);
					EXPECT_EQ(used0, dev_mem_used(0))
						TH_LOG("before %d, dontunmap %d, thp %d, to +%zu KiB: device memory left",
						       before, dontunmap, thp,
						       offs[j] / 1024);
				}
			}
		}
	}
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/*
 * hmm-tests benchmark_thp_migration: PREFETCH round trips of 512 KiB to
 * 32 MiB (the device has 64), THP-backed and in 4 KiB pages; one warm-up,
 * then five timed.  Times are printed, not judged; what is checked is
 * that every page moves each way, that THP-backed chunks move as folios
 * both ways and are THPs again after, and every word at the end.
 */
TEST_F_TIMEOUT(hmm, benchmark_thp_migration, 300)
{
	static const size_t sizes[] = {
		CHUNK / 4, CHUNK / 2, CHUNK, 2 * CHUNK, 4 * CHUNK, 8 * CHUNK,
		16 * CHUNK,
	};
	const int rounds = 5;
	size_t k;
	int thp, r;

	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		for (thp = 1; thp >= 0; thp--) {
			size_t len = sizes[k];
			bool huge = thp && len >= CHUNK;
			uint64_t *buf = buf_map(len, PROT_READ | PROT_WRITE, thp);
			double to = 0, back = 0, t0, t1, t2;
			struct folios f;

			ASSERT_NE(NULL, buf);
			fill_pattern(buf, len, len + thp);
			if (huge)
				ASSERT_EQ((long)(len / 1024), thp_kb(buf));
			/* the warm-up round trip */
			ASSERT_EQ((long)PAGES(len),
				  emu_prefetch(self->fd, buf, len, 0));
			ASSERT_EQ((long)PAGES(len),
				  emu_prefetch(self->fd, buf, len,
					       SVM_EXT_LOC_SYSTEM));
			folios_snap(0, &f);
			for (r = 0; r < rounds; r++) {
				t0 = now_ms();
				ASSERT_EQ((long)PAGES(len),
					  emu_prefetch(self->fd, buf, len, 0));
				t1 = now_ms();
				ASSERT_EQ((long)PAGES(len),
					  emu_prefetch(self->fd, buf, len,
						       SVM_EXT_LOC_SYSTEM));
				t2 = now_ms();
				to += t1 - t0;
				back += t2 - t1;
			}
			if (huge) {
				EXPECT_EQ((long long)(rounds * len / CHUNK),
					  folios_since(0, &f, true));
				EXPECT_EQ((long long)(rounds * len / CHUNK),
					  folios_since(0, &f, false));
				EXPECT_EQ((long)(len / 1024), thp_kb(buf));
			}
			EXPECT_EQ(-1, check_pattern(buf, len, len + thp));
			printf("# %6zu KiB %s: to device %8.3f ms %6.0f MB/s, back %8.3f ms %6.0f MB/s\n",
			       len / 1024, thp ? "THP" : "4K ", to / rounds,
			       len / 1e3 / (to / rounds), back / rounds,
			       len / 1e3 / (back / rounds));
			buf_unmap(buf, len);
		}
	}
}

/* ---- a small fragmented device ------------------------------------------ */

#define FRAG_MB	8

FIXTURE(frag)
{
	int fd;
	long long total;
};

FIXTURE_SETUP(frag)
{
	char params[64];

	snprintf(params, sizeof(params), "ndevices=2 mem_mb=%d", FRAG_MB);
	ASSERT_EQ(0, emu_reload(params));
	self->total = read_ll(SVM_SYSFS "/devices/0/mem_total");
	ASSERT_EQ(FRAG_MB * MIB, self->total);
	ASSERT_EQ(0, dev_mem_used(0));
	self->fd = emu_open(0);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, emu_bind(self->fd));
}

/* in the parent, once the test's process and its file are gone */
FIXTURE_TEARDOWN_PARENT(frag)
{
	EXPECT_EQ(0, emu_reload("ndevices=2 mem_mb=64"));
}

/*
 * hmm-tests migrate_anon_huge_zero_err: test_hmm fails its 2 MiB device
 * allocation on request and the huge zero page must still reach the
 * device, as 4 KiB pages.  svm_ext has no such switch; the nearest is a
 * device with no free chunk at all (each holds a page of another range):
 * the huge zero page must still reach the device, whether as one folio
 * after an eviction or in 4 KiB pages, read as zeros there and, one page
 * first, on the CPU, while the evicted page of the other range comes home
 * intact.
 */
TEST_F_TIMEOUT(frag, migrate_anon_huge_zero_err, 120)
{
	size_t nchunks = self->total / CHUNK, i;
	uint64_t *sparse = buf_map(self->total, PROT_READ | PROT_WRITE, false);
	uint64_t *buf = buf_map(CHUNK, PROT_READ, true);
	uint64_t *zero = calloc(1, CHUNK), sum;
	struct drm_svm_emu_counters c;

	ASSERT_NE(NULL, sparse);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, zero);
	ASSERT_EQ(0, emu_set_attr(self->fd, sparse, self->total,
				  SVM_EXT_ATTR_GRANULARITY, 0));
	for (i = 0; i < nchunks; i++)
		ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE,
				       sparse + i * CHUNK / 8 + 17 * PAGE_WORDS,
				       8, 0, 0x5000 + i, NULL, NULL));
	EXPECT_EQ((long)nchunks, emu_count_at(self->fd, sparse,
					      PAGES(self->total), 0));
	ASSERT_EQ(0, dev_mem_free(0)) TH_LOG("a whole device chunk is still free");

	ASSERT_EQ(0, *(volatile uint64_t *)buf);
	ASSERT_EQ(PAGES(CHUNK), count_code(self->fd, buf, PAGES(CHUNK),
					   SVM_EXT_RES_SYSTEM | SVM_EXT_RES_HUGE))
		TH_LOG("the read did not map the huge zero page");
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, buf, CHUNK, 0, 0,
			       &sum, &c));
	EXPECT_EQ(cpu_checksum(zero, CHUNK, 0), sum);
	EXPECT_EQ(PAGES(CHUNK), c.pages_to_dev);
	EXPECT_GE(c.evictions, 1);
	/* one read-only device-private PMD, or 512 read-only device pages */
	EXPECT_EQ(PAGES(CHUNK), count_code(self->fd, buf, PAGES(CHUNK),
					   c.folios_to_dev ? SVM_EXT_RES_HUGE : 0));
	TH_LOG("no free chunk: %llu folio(s), %llu eviction(s) of %llu page(s)",
	       (unsigned long long)c.folios_to_dev,
	       (unsigned long long)c.evictions,
	       (unsigned long long)c.pages_evicted);

	EXPECT_EQ(0, *(volatile uint64_t *)&buf[2 * PAGE_WORDS]);
	EXPECT_EQ(-1, first_nonzero(buf, CHUNK));
	EXPECT_EQ(PAGES(CHUNK), emu_count_at(self->fd, buf, PAGES(CHUNK),
					     SVM_EXT_RES_SYSTEM));
	EXPECT_EQ((long)(nchunks - c.evictions),
		  emu_count_at(self->fd, sparse, PAGES(self->total), 0));
	for (i = 0; i < nchunks; i++) {
		uint64_t *w = sparse + i * CHUNK / 8;

		EXPECT_EQ(0x5000 + i, w[17 * PAGE_WORDS]);
		w[17 * PAGE_WORDS] = 0;
		EXPECT_EQ(-1, first_nonzero(w, CHUNK)) TH_LOG("range %zu", i);
	}
	free(zero);
}

TEST_HARNESS_MAIN
