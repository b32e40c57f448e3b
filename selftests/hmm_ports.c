// SPDX-License-Identifier: GPL-2.0
/*
 * The scenarios of the kernel's hmm-tests.c not covered elsewhere, run on
 * svm_emu: fork with private and shared anonymous memory, multiple
 * migrations, double map, teardown while mapped, and reads under
 * PROT_NONE.  Every test that moves data checks the bytes.
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "svm_user.h"

#define CHUNK	(2 * MIB)
#define SZ	(4 * MIB)

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

TEST_HARNESS_MAIN
