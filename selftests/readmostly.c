// SPDX-License-Identifier: GPL-2.0
/*
 * Read-mostly duplication: with the read-mostly attribute, a second device
 * reading data held by the first gets its own read-only copy instead of
 * taking the data away; a write by a device or the CPU drops the copies and
 * everyone then sees the new bytes.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

#define SZ	(4 * MIB)
#define NPAGES	(SZ / 4096)

FIXTURE(rm)
{
	int fd0, fd1;
	uint64_t *buf;
	uint64_t want;
};

FIXTURE_SETUP(rm)
{
	self->fd0 = emu_open(0);
	self->fd1 = emu_open(1);
	ASSERT_GE(self->fd0, 0);
	ASSERT_GE(self->fd1, 0);
	ASSERT_EQ(0, emu_bind(self->fd0));
	ASSERT_EQ(0, emu_bind(self->fd1));
	self->buf = map_chunk_aligned(SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, self->buf);
	fill_pattern(self->buf, SZ, 900);
	self->want = cpu_checksum(self->buf, SZ, 0);
}

FIXTURE_TEARDOWN(rm)
{
	close(self->fd1);
	close(self->fd0);
}

static uint64_t dev_sum(int fd, void *buf, struct drm_svm_emu_counters *c)
{
	uint64_t sum = 0;

	if (emu_exec1(fd, SVM_EMU_OP_CHECKSUM, buf, SZ, 0, 0, &sum, c))
		return 0;
	return sum;
}

/* Both devices read; the data stays on the first, the second has copies. */
TEST_F(rm, second_reader_gets_copies_not_the_data)
{
	long long used1 = dev_mem_used(1);
	struct drm_svm_emu_counters c;

	ASSERT_EQ(0, emu_set_attr(self->fd0, self->buf, SZ,
				  SVM_EXT_ATTR_READ_MOSTLY, 1));
	EXPECT_EQ(self->want, dev_sum(self->fd0, self->buf, &c));
	EXPECT_EQ(NPAGES, c.pages_to_dev);
	EXPECT_EQ(NPAGES, emu_count_at(self->fd0, self->buf, NPAGES, 0));

	EXPECT_EQ(self->want, dev_sum(self->fd1, self->buf, &c));
	EXPECT_EQ(0, c.pages_to_dev);
	EXPECT_EQ(NPAGES, c.pages_replicated);
	EXPECT_EQ(SZ / CHUNK, c.faults);
	/* the original did not move; the copies take device 1's memory */
	EXPECT_EQ(NPAGES, emu_count_at(self->fd0, self->buf, NPAGES, 0));
	EXPECT_EQ(used1 + (long long)SZ, dev_mem_used(1));

	/* reads again: device 1 from its copies without faulting */
	EXPECT_EQ(self->want, dev_sum(self->fd1, self->buf, &c));
	EXPECT_EQ(0, c.faults);
	/* device 0 lost its mapping to the copying, refaults, moves nothing */
	EXPECT_EQ(self->want, dev_sum(self->fd0, self->buf, &c));
	EXPECT_EQ(0, c.pages_to_dev);
	EXPECT_EQ(0, c.pages_replicated);
}

/* Without the attribute the second reader takes the data (ping-pong). */
TEST_F(rm, without_read_mostly_the_data_moves)
{
	struct drm_svm_emu_counters c;

	EXPECT_EQ(self->want, dev_sum(self->fd0, self->buf, &c));
	EXPECT_EQ(self->want, dev_sum(self->fd1, self->buf, &c));
	EXPECT_EQ(NPAGES, c.pages_to_dev);
	EXPECT_EQ(0, c.pages_replicated);
	EXPECT_EQ(NPAGES, emu_count_at(self->fd1, self->buf, NPAGES, 1));
}

/* A device write drops the copies; both devices see the new bytes. */
TEST_F(rm, device_write_collapses_copies)
{
	long long used1 = dev_mem_used(1);

	ASSERT_EQ(0, emu_set_attr(self->fd0, self->buf, SZ,
				  SVM_EXT_ATTR_READ_MOSTLY, 1));
	ASSERT_EQ(self->want, dev_sum(self->fd0, self->buf, NULL));
	ASSERT_EQ(self->want, dev_sum(self->fd1, self->buf, NULL));
	ASSERT_EQ(used1 + (long long)SZ, dev_mem_used(1));

	/* device 0 holds the data but maps it read-only now: its write faults */
	ASSERT_EQ(0, emu_exec1(self->fd0, SVM_EMU_OP_ATOMIC_ADD, &self->buf[7],
			       8, 0, 100, NULL, NULL));
	/* the copies of that chunk went; the other chunk's stay */
	EXPECT_EQ(used1 + (long long)CHUNK, dev_mem_used(1));
	EXPECT_EQ(1, emu_word_is(self->fd1, &self->buf[7], 900 + 7 + 100));
	EXPECT_EQ(1, emu_word_is(self->fd0, &self->buf[7], 900 + 7 + 100));
	/* device 1 writes through its copies' range: copies go again */
	ASSERT_EQ(0, emu_exec1(self->fd1, SVM_EMU_OP_ATOMIC_ADD, self->buf, SZ,
			       0, 1, NULL, NULL));
	self->buf[7] -= 100;
	EXPECT_EQ(-1, check_pattern(self->buf, SZ, 901));
}

/*
 * With a window smaller than the chunk (64 KiB), a device writing into one
 * window while the other windows of the chunk still have copies on the
 * other device: the write completes, only that window's copies go, and
 * every device and the CPU read the new word.
 */
TEST_F(rm, device_write_with_small_windows_and_copies_elsewhere)
{
	ASSERT_EQ(0, emu_set_attr(self->fd0, self->buf, SZ,
				  SVM_EXT_ATTR_READ_MOSTLY, 1));
	ASSERT_EQ(0, emu_set_attr(self->fd0, self->buf, SZ,
				  SVM_EXT_ATTR_GRANULARITY, 4));
	ASSERT_EQ(self->want, dev_sum(self->fd0, self->buf, NULL));
	ASSERT_EQ(self->want, dev_sum(self->fd1, self->buf, NULL));

	/* device 1 holds copies of every window; it writes into window 0 */
	ASSERT_EQ(0, emu_exec1(self->fd1, SVM_EMU_OP_ATOMIC_ADD, &self->buf[5],
			       8, 0, 100, NULL, NULL));
	EXPECT_EQ(1, emu_word_is(self->fd1, &self->buf[5], 900 + 5 + 100));
	EXPECT_EQ(1, emu_word_is(self->fd0, &self->buf[5], 900 + 5 + 100));
	/* and device 0, which held the data, writes into window 1 */
	ASSERT_EQ(0, emu_exec1(self->fd0, SVM_EMU_OP_ATOMIC_ADD,
			       &self->buf[65536 / 8 + 2], 8, 0, 7, NULL, NULL));
	EXPECT_EQ(1, emu_word_is(self->fd1, &self->buf[65536 / 8 + 2],
				 900 + 65536 / 8 + 2 + 7));
	self->buf[5] -= 100;
	self->buf[65536 / 8 + 2] -= 7;
	EXPECT_EQ(-1, check_pattern(self->buf, SZ, 900));
}

/* The CPU touching the original (device memory) drops every copy. */
TEST_F(rm, cpu_write_collapses_copies)
{
	long long used1 = dev_mem_used(1);

	ASSERT_EQ(0, emu_set_attr(self->fd0, self->buf, SZ,
				  SVM_EXT_ATTR_READ_MOSTLY, 1));
	ASSERT_EQ(self->want, dev_sum(self->fd0, self->buf, NULL));
	ASSERT_EQ(self->want, dev_sum(self->fd1, self->buf, NULL));
	self->buf[CHUNK / 8 + 3] = 42;	/* second chunk: CPU fault, migration */
	EXPECT_EQ(used1 + (long long)CHUNK, dev_mem_used(1));
	EXPECT_EQ(1, emu_word_is(self->fd1, &self->buf[CHUNK / 8 + 3], 42));
	self->buf[CHUNK / 8 + 3] = 900 + CHUNK / 8 + 3;
	EXPECT_EQ(-1, check_pattern(self->buf, SZ, 900));
}

/*
 * Copies give way to data: device 1 full of copies still takes its own
 * data, by dropping copies before evicting anything.
 */
TEST_F(rm, copies_give_way_to_data)
{
	long long total = read_ll(SVM_SYSFS "/devices/1/mem_total");
	long long evict0 = dev_counter(1, "evictions");
	size_t own = (size_t)total - SZ + CHUNK;	/* one chunk too many */
	struct drm_svm_emu_counters c;
	uint64_t *mine;

	ASSERT_GT(total, 0);
	ASSERT_EQ(0, emu_set_attr(self->fd0, self->buf, SZ,
				  SVM_EXT_ATTR_READ_MOSTLY, 1));
	ASSERT_EQ(self->want, dev_sum(self->fd0, self->buf, NULL));
	ASSERT_EQ(self->want, dev_sum(self->fd1, self->buf, NULL));

	mine = map_chunk_aligned(own, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, mine);
	fill_pattern(mine, own, 5);
	ASSERT_EQ(0, emu_exec1(self->fd1, SVM_EMU_OP_ATOMIC_ADD, mine, own, 0,
			       1, NULL, &c));
	EXPECT_EQ(own / 4096, c.pages_to_dev);
	/* room came from copies, not from evicting data */
	EXPECT_EQ(0, c.evictions);
	EXPECT_EQ(evict0, dev_counter(1, "evictions"));
	EXPECT_EQ(-1, check_pattern(mine, own, 6));
	/* and the shared data is intact for both */
	EXPECT_EQ(self->want, dev_sum(self->fd1, self->buf, NULL));
	EXPECT_EQ(self->want, dev_sum(self->fd0, self->buf, NULL));
	munmap(mine, own);
}

TEST_HARNESS_MAIN
