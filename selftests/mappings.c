// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping kinds the core must not (or cannot) migrate, and the CPU-side
 * events device page tables must follow: mlock, hugetlbfs, private file
 * mappings, transparent huge pages, pages another holder references,
 * madvise(DONTNEED), mprotect.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

#define SZ (2 * MIB)

FIXTURE(map)
{
	int fd;
};

FIXTURE_SETUP(map)
{
	self->fd = emu_open(0);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, emu_bind(self->fd));
}

FIXTURE_TEARDOWN(map)
{
	close(self->fd);
}

TEST_F(map, mlocked_memory_is_mapped_in_place)
{
	struct drm_svm_emu_counters c;
	uint64_t *buf = map_chunk_aligned(SZ, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, mlock(buf, SZ));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, buf, SZ, 0, 6, NULL,
			       &c));
	EXPECT_EQ(0, c.pages_to_dev);
	EXPECT_EQ(SZ / 4096, c.remote_maps);
	EXPECT_EQ(SZ / 4096, emu_count_at(self->fd, buf, SZ / 4096,
					  SVM_EXT_RES_SYSTEM));
	EXPECT_EQ(-1, check_pattern(buf, SZ, 6));
}

TEST_F(map, hugetlbfs_is_mapped_in_place)
{
	struct drm_svm_emu_counters c;
	uint64_t *buf;

	buf = mmap(NULL, SZ, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (buf == MAP_FAILED)
		SKIP(return, "no 2 MiB huge page available (%s)", strerror(errno));
	memset(buf, 0, SZ);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, buf, SZ, 0, 12, NULL,
			       &c));
	EXPECT_EQ(0, c.pages_to_dev);
	EXPECT_EQ(-1, check_pattern(buf, SZ, 12));
	EXPECT_EQ(SZ / 4096, emu_count_at(self->fd, buf, SZ / 4096,
					  SVM_EXT_RES_SYSTEM));
	munmap(buf, SZ);
}

TEST_F(map, private_file_mapping_reads_in_place)
{
	char path[] = "/tmp/svm_ext_privXXXXXX";
	struct drm_svm_emu_counters c;
	int f = mkstemp(path);
	uint64_t *map, *data, sum;

	ASSERT_GE(f, 0);
	unlink(path);
	data = malloc(SZ);
	ASSERT_NE(NULL, data);
	fill_pattern(data, SZ, 77);
	ASSERT_EQ(SZ, write(f, data, SZ));
	map = mmap(NULL, SZ, PROT_READ, MAP_PRIVATE, f, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, map, SZ, 0, 0,
			       &sum, &c));
	EXPECT_EQ(cpu_checksum(data, SZ, 0), sum);
	EXPECT_EQ(0, c.pages_to_dev);	/* page cache pages never move */
	EXPECT_EQ(-EFAULT, emu_exec1(self->fd, SVM_EMU_OP_WRITE, map, 8, 0, 1,
				     NULL, NULL));
	munmap(map, SZ);
	free(data);
	close(f);
}

TEST_F(map, transparent_huge_pages_migrate_intact)
{
	size_t len = 2 * SZ;
	uint64_t *buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	uint64_t sum, want;

	ASSERT_NE(MAP_FAILED, buf);
	madvise(buf, len, MADV_HUGEPAGE);
	fill_pattern(buf, len, 1234);
	want = cpu_checksum(buf, len, 0);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, buf, len, 0, 0,
			       &sum, NULL));
	EXPECT_EQ(want, sum);
	EXPECT_EQ(len / 4096, emu_count_at(self->fd, buf, len / 4096, 0));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, buf, len, 0, 1,
			       NULL, NULL));
	EXPECT_EQ(-1, check_pattern(buf, len, 1235));
}

/* AnonHugePages (kB) of the mapping containing @addr, from smaps; -1 on error. */
static long anon_huge_kb(const void *addr)
{
	unsigned long lo, hi, a = (unsigned long)addr;
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	int in = 0;
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char perms[8];

		/* a mapping's header: "lo-hi perms offset dev inode path" */
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3) {
			in = a >= lo && a < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* A THP the device reads in place goes into its page table as one entry. */
TEST_F(map, transparent_huge_page_maps_as_2m_in_place)
{
	struct drm_svm_emu_counters c;
	uint64_t *buf = map_chunk_aligned(SZ, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	uint64_t sum;

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, madvise(buf, SZ, MADV_HUGEPAGE));
	fill_pattern(buf, SZ, 77);
	ASSERT_EQ(2048, anon_huge_kb(buf)) TH_LOG("no THP backs the buffer");
	ASSERT_EQ(0, emu_set_attr(self->fd, buf, SZ, SVM_EXT_ATTR_PREFERRED_LOC,
				  SVM_EXT_LOC_SYSTEM));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, buf, SZ, 0, 0,
			       &sum, &c));
	EXPECT_EQ(cpu_checksum(buf, SZ, 0), sum);
	EXPECT_EQ(1, c.faults);
	EXPECT_EQ(1, c.huge_maps);
	EXPECT_EQ(SZ / 4096, c.remote_maps);
	EXPECT_EQ(0, c.pages_to_dev);
	/* still a THP, still in system memory */
	EXPECT_EQ(2048, anon_huge_kb(buf));
	EXPECT_EQ(SZ / 4096, emu_count_at(self->fd, buf, SZ / 4096,
					  SVM_EXT_RES_SYSTEM));
	/* a CPU write splits nothing but must reach the device */
	buf[1000] = 5;
	EXPECT_EQ(1, emu_word_is(self->fd, &buf[1000], 5));
}

/* A chunk wholly in device memory is mapped with one entry too. */
TEST_F(map, full_device_chunk_maps_as_2m)
{
	struct drm_svm_emu_counters c;
	uint64_t *buf = map_chunk_aligned(SZ, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	uint64_t sum;

	ASSERT_NE(MAP_FAILED, buf);
	fill_pattern(buf, SZ, 31);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, buf, SZ, 0, 0,
			       &sum, &c));
	EXPECT_EQ(cpu_checksum(buf, SZ, 0), sum);
	EXPECT_EQ(SZ / 4096, c.pages_to_dev);
	EXPECT_EQ(1, c.huge_maps);
	EXPECT_EQ(1, c.faults);
	/* partial munmap-free invalidation: mprotect half drops the entry */
	ASSERT_EQ(0, mprotect(buf, SZ / 2, PROT_READ));
	ASSERT_EQ(0, mprotect(buf, SZ / 2, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, buf, SZ, 0, 1,
			       NULL, &c));
	EXPECT_GE(c.faults, 1);
	EXPECT_EQ(-1, check_pattern(buf, SZ, 32));
}

TEST_F(map, madvise_dontneed_drops_device_pages)
{
	long long used0 = dev_mem_used(0);
	uint64_t *buf = map_chunk_aligned(SZ, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	uint64_t sum;

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_FILL, buf, SZ, 0, 0x5a,
			       NULL, NULL));
	EXPECT_EQ(used0 + SZ, dev_mem_used(0));
	ASSERT_EQ(0, madvise(buf, SZ, MADV_DONTNEED));
	EXPECT_EQ(used0, dev_mem_used(0));
	/* the device now sees fresh zero pages, like the CPU */
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, buf, SZ, 0, 0,
			       &sum, NULL));
	EXPECT_EQ(0, buf[100]);
	EXPECT_EQ(cpu_checksum(buf, SZ, 0), sum);
}

TEST_F(map, mprotect_revokes_device_write)
{
	uint64_t *buf = map_chunk_aligned(SZ, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, buf, SZ, 0, 1, NULL,
			       NULL));
	ASSERT_EQ(0, mprotect(buf, SZ, PROT_READ));
	/* the device had it mapped writable: the mapping must be gone */
	EXPECT_EQ(-EFAULT, emu_exec1(self->fd, SVM_EMU_OP_WRITE, buf, 8, 0, 9,
				     NULL, NULL));
	EXPECT_EQ(-1, check_pattern(buf, SZ, 1));
	ASSERT_EQ(0, mprotect(buf, SZ, PROT_READ | PROT_WRITE));
	EXPECT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, buf, 8, 0, 9, NULL,
			       NULL));
	EXPECT_EQ(9, buf[0]);
}

/*
 * A page a pipe still references (vmsplice) cannot move: the device maps it
 * in place, and the device chunk taken for the window it could not fill
 * goes back at once.  Before, it stayed with the range holding no page, and
 * when the range went the device lost those 2 MiB for good.
 */
TEST_F(map, referenced_page_maps_in_place_and_frees_its_chunk)
{
	long long total = read_ll(SVM_SYSFS "/devices/0/mem_total");
	struct drm_svm_emu_counters c;
	struct iovec iov;
	uint64_t *buf;
	int pipefd[2];

	/* the counts below assume no other process uses device 0 */
	ASSERT_EQ(total, dev_mem_free(0));
	buf = map_chunk_aligned(SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	fill_pattern(buf, SZ, 3);
	ASSERT_EQ(0, emu_set_attr(self->fd, buf, SZ, SVM_EXT_ATTR_GRANULARITY,
				  0));
	ASSERT_EQ(0, pipe(pipefd));
	iov.iov_base = buf;
	iov.iov_len = 4096;
	ASSERT_EQ(4096, vmsplice(pipefd[1], &iov, 1, 0));

	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, buf, 8, 0, 1,
			       NULL, &c));
	EXPECT_EQ(0, c.pages_to_dev);
	EXPECT_EQ(1, c.remote_maps);
	EXPECT_EQ(1, emu_count_at(self->fd, buf, 1, SVM_EXT_RES_SYSTEM));
	EXPECT_EQ(0, dev_mem_used(0));
	EXPECT_EQ(total, dev_mem_free(0));

	/* the next page has no other holder: it moves, into one chunk */
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, buf + 512, 8, 0,
			       1, NULL, &c));
	EXPECT_EQ(1, c.pages_to_dev);
	EXPECT_EQ(total - (long long)SZ, dev_mem_free(0));
	buf[0] -= 1;
	buf[512] -= 1;
	EXPECT_EQ(-1, check_pattern(buf, SZ, 3));
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_HARNESS_MAIN
