// SPDX-License-Identifier: GPL-2.0
/*
 * Data movement with the built-in default policy: device faults migrate to
 * device memory, CPU touches bring data back, the bytes always survive.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

#define SZ (4 * MIB)

FIXTURE(mig)
{
	int fd;
	uint64_t *buf;
};

FIXTURE_SETUP(mig)
{
	self->fd = emu_open(0);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, emu_bind(self->fd));
	/* 2 MiB aligned so the buffer is exactly two chunks */
	self->buf = map_chunk_aligned(SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, self->buf);
}

FIXTURE_TEARDOWN(mig)
{
	close(self->fd);
}

/* CPU writes, device reads: the data migrates and the checksum matches. */
TEST_F(mig, device_read_migrates_and_sees_cpu_data)
{
	long long used0 = dev_mem_used(0), in0 = dev_counter(0, "pages_to_dev");
	struct drm_svm_emu_counters c;
	uint64_t sum, want;


	fill_pattern(self->buf, SZ, 1000);
	want = cpu_checksum(self->buf, SZ, 0);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, self->buf, SZ, 0,
			       0, &sum, &c));
	EXPECT_EQ(want, sum);
	/* default: migrate whole chunks, one fault per 2 MiB */
	EXPECT_EQ(SZ / 4096, c.pages_to_dev);
	EXPECT_EQ(SZ / (2 * MIB), c.faults);
	EXPECT_EQ(SZ / 4096, dev_counter(0, "pages_to_dev") - in0);
	EXPECT_EQ(used0 + (long long)SZ, dev_mem_used(0));
	EXPECT_GT(c.modeled_ns, 0);
	/* residency: every page on device 0 */
	EXPECT_EQ(SZ / 4096, emu_count_at(self->fd, self->buf, SZ / 4096, 0));
}

/* Device writes, CPU reads: CPU faults bring every byte home. */
TEST_F(mig, device_write_then_cpu_reads_back)
{
	long long cpu0 = dev_counter(0, "cpu_faults"), used0;
	uint64_t sum;

	memset(self->buf, 0, SZ);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, self->buf, SZ, 0,
			       77, NULL, NULL));
	used0 = dev_mem_used(0);
	EXPECT_GE(used0, (long long)SZ);
	EXPECT_EQ(SZ / 4096, emu_count_at(self->fd, self->buf, SZ / 4096, 0));
	EXPECT_EQ(-1, check_pattern(self->buf, SZ, 77));
	EXPECT_EQ(SZ / 4096, emu_count_at(self->fd, self->buf, SZ / 4096,
					  SVM_EXT_RES_SYSTEM));
	/* default CPU fault brings back the whole chunk: 2 faults */
	EXPECT_EQ(2, dev_counter(0, "cpu_faults") - cpu0);
	EXPECT_EQ(used0 - (long long)SZ, dev_mem_used(0));
	/* and the device sees the same bytes again */
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, self->buf, SZ, 0,
			       0, &sum, NULL));
	EXPECT_EQ(cpu_checksum(self->buf, SZ, 0), sum);
}

/* First touch by the device: pages are born in device memory, zeroed. */
TEST_F(mig, first_touch_on_device)
{
	uint64_t sum;

	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, self->buf, SZ, 0,
			       0, &sum, NULL));
	EXPECT_EQ(cpu_checksum(self->buf, SZ, 0), sum); /* all zero */
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_FILL, self->buf, SZ, 0,
			       0xab, NULL, NULL));
	for (size_t i = 0; i < SZ / 8; i += 511)
		ASSERT_EQ(0xababababababababULL, self->buf[i]);
}

/* Atomics and strides land on the right words. */
TEST_F(mig, strided_atomic_add)
{
	fill_pattern(self->buf, SZ, 0);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, self->buf, SZ,
			       4096, 1000000, NULL, NULL));
	for (size_t i = 0; i < SZ / 8; i++) {
		uint64_t want = i + ((i % 512) == 0 ? 1000000 : 0);

		ASSERT_EQ(want, self->buf[i]);
	}
}

/* Several accesses in one EXEC, applied in order. */
TEST_F(mig, exec_batch_in_order)
{
	struct drm_svm_emu_access a[3] = {
		{ .op = SVM_EMU_OP_FILL, .addr = (uintptr_t)self->buf,
		  .length = SZ, .value = 0 },
		{ .op = SVM_EMU_OP_WRITE, .addr = (uintptr_t)self->buf,
		  .length = SZ / 2, .value = 9 },
		{ .op = SVM_EMU_OP_CHECKSUM, .addr = (uintptr_t)self->buf,
		  .length = SZ },
	};

	ASSERT_EQ(0, emu_exec(self->fd, a, 3, NULL));
	EXPECT_EQ(-1, check_pattern(self->buf, SZ / 2, 9));
	EXPECT_EQ(0, self->buf[SZ / 16 + 1]);
	EXPECT_EQ(cpu_checksum(self->buf, SZ, 0), a[2].result);
}

/* The residency query: unpopulated, system, device; bad arguments. */
TEST_F(mig, query_residency)
{
	struct drm_svm_emu_query q = { .addr = (uintptr_t)self->buf + 1,
				       .npages = 1 };
	uint16_t res[4];

	EXPECT_EQ(4, emu_count_at(self->fd, self->buf, 4, SVM_EXT_RES_NONE));
	self->buf[512] = 1;		/* page 1 on the CPU */
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, self->buf + 1024,
			       8, 0, 0, NULL, NULL));
	ASSERT_EQ(0, emu_query(self->fd, self->buf, 4, res));
	/* the device read migrated the whole chunk, page 1 included */
	EXPECT_EQ(0, res[1] & SVM_EXT_RES_LOC_MASK);
	EXPECT_EQ(0, res[2] & SVM_EXT_RES_LOC_MASK);
	EXPECT_TRUE(res[1] & SVM_EXT_RES_WRITE);
	EXPECT_EQ(1, self->buf[512]);
	ASSERT_EQ(0, emu_query(self->fd, self->buf, 4, res));
	EXPECT_EQ(SVM_EXT_RES_SYSTEM, res[1] & SVM_EXT_RES_LOC_MASK);
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_QUERY, &q));
	EXPECT_EQ(EINVAL, errno);
	q.addr -= 1;
	q.flags = 4;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_QUERY, &q));
	EXPECT_EQ(EINVAL, errno);
	q.flags = 0;
	q.res = 8;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_QUERY, &q));
	EXPECT_EQ(EFAULT, errno);
}

/* munmap of device-resident memory frees the device pages. */
TEST_F(mig, munmap_frees_device_memory)
{
	long long used0 = dev_mem_used(0);

	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_FILL, self->buf, SZ, 0, 1,
			       NULL, NULL));
	EXPECT_EQ(used0 + (long long)SZ, dev_mem_used(0));
	ASSERT_EQ(0, munmap(self->buf, SZ));
	EXPECT_EQ(used0, dev_mem_used(0));
}

/* Partial munmap, then the device faults on what is left and on the hole. */
TEST_F(mig, partial_unmap_then_fault)
{
	uint64_t *tail = self->buf + (SZ - 2 * MIB) / 8;
	uint64_t sum;

	fill_pattern(self->buf, SZ, 3);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, self->buf, SZ, 0, 0,
			       NULL, NULL));
	ASSERT_EQ(0, munmap(self->buf + 4096 / 8, 4096));
	EXPECT_EQ(-EFAULT, emu_exec1(self->fd, SVM_EMU_OP_READ,
				     self->buf + 4096 / 8, 8, 0, 0, NULL, NULL));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, tail, 2 * MIB, 0,
			       0, &sum, NULL));
	EXPECT_EQ(cpu_checksum(tail, 2 * MIB, 0), sum);
	EXPECT_EQ(-1, check_pattern(tail, 2 * MIB, 3 + (SZ - 2 * MIB) / 8));
	EXPECT_EQ(3, self->buf[0]);
}

/* mremap moves device-resident data; the device follows the CPU. */
TEST_F(mig, mremap_then_fault)
{
	uint64_t *moved, sum;

	fill_pattern(self->buf, SZ, 11);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, self->buf, SZ, 0, 0,
			       NULL, NULL));
	/* a target we own: a fresh 2 MiB aligned reservation */
	moved = map_chunk_aligned(SZ, PROT_NONE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, moved);
	moved = mremap(self->buf, SZ, SZ, MREMAP_MAYMOVE | MREMAP_FIXED, moved);
	ASSERT_NE(MAP_FAILED, moved);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, moved, SZ, 0, 0,
			       &sum, NULL));
	EXPECT_EQ(-1, check_pattern(moved, SZ, 11));
	EXPECT_EQ(cpu_checksum(moved, SZ, 0), sum);
	EXPECT_EQ(-EFAULT, emu_exec1(self->fd, SVM_EMU_OP_READ, self->buf, 8,
				     0, 0, NULL, NULL));
}

/* fork: the child sees the device-resident data, COW keeps them apart. */
TEST_F(mig, fork_cow_of_device_pages)
{
	int status;
	pid_t pid;

	fill_pattern(self->buf, SZ, 500);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, self->buf, SZ, 0, 0,
			       NULL, NULL));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* child: its own device binding, sees the parent's data */
		int fd = emu_open(1);
		uint64_t sum;

		if (fd < 0 || emu_bind(fd))
			_exit(2);
		if (check_pattern(self->buf, SZ / 2, 500) != -1)
			_exit(3);
		if (emu_exec1(fd, SVM_EMU_OP_CHECKSUM, self->buf, SZ, 0, 0,
			      &sum, NULL) ||
		    sum != cpu_checksum(self->buf, SZ, 0))
			_exit(4);
		/* writes in the child stay in the child */
		int err = emu_exec1(fd, SVM_EMU_OP_FILL, self->buf, SZ, 0, 0xcc,
				    NULL, NULL);
		if (err) {
			fprintf(stderr, "child FILL: %s\n", strerror(-err));
			_exit(5);
		}
		_exit(self->buf[7] == 0xccccccccccccccccULL ? 0 : 6);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(-1, check_pattern(self->buf, SZ, 500));
}

/* A shared file mapping cannot migrate: mapped in place, data in the file. */
TEST_F(mig, shared_file_mapping_maps_in_place)
{
	char path[] = "/tmp/svm_ext_fileXXXXXX";
	long long in0 = dev_counter(0, "pages_to_dev");
	struct drm_svm_emu_counters c;
	int f = mkstemp(path);
	uint64_t *map, word;

	ASSERT_GE(f, 0);
	unlink(path);
	ASSERT_EQ(0, ftruncate(f, 2 * MIB));
	map = mmap(NULL, 2 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, map, 2 * MIB, 0, 40,
			       NULL, &c));
	EXPECT_EQ(0, c.pages_to_dev);
	EXPECT_EQ(2 * MIB / 4096, c.remote_maps);
	EXPECT_EQ(in0, dev_counter(0, "pages_to_dev"));
	ASSERT_EQ(8, pread(f, &word, 8, 4096));
	EXPECT_EQ(40 + 512, word);
	munmap(map, 2 * MIB);
	close(f);
}

/* Two devices on one mm: data moves device to device, intact. */
TEST_F(mig, two_devices_share_one_address_space)
{
	int fd1 = emu_open(1);
	long long out0 = dev_counter(0, "pages_from_dev");
	uint64_t sum, want;


	ASSERT_GE(fd1, 0);
	ASSERT_EQ(0, emu_bind(fd1));
	fill_pattern(self->buf, SZ, 42);
	want = cpu_checksum(self->buf, SZ, 0);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, self->buf, SZ, 0, 0,
			       NULL, NULL));
	ASSERT_EQ(0, emu_exec1(fd1, SVM_EMU_OP_CHECKSUM, self->buf, SZ, 0, 0,
			       &sum, NULL));
	EXPECT_EQ(want, sum);
	/* device 1 pulled the pages out of device 0 */
	EXPECT_EQ(SZ / 4096, dev_counter(0, "pages_from_dev") - out0);
	EXPECT_EQ(SZ / 4096, emu_count_at(fd1, self->buf, SZ / 4096, 1));
	EXPECT_EQ(-1, check_pattern(self->buf, SZ, 42));
	close(fd1);
}

/* The process exits with data on the device: everything is freed. */
TEST(exit_with_device_resident_data)
{
	long long used0 = dev_mem_used(0);
	int status;
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd = emu_open(0);
		void *b = mmap(NULL, SZ, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (fd < 0 || emu_bind(fd) || b == MAP_FAILED)
			_exit(2);
		if (emu_exec1(fd, SVM_EMU_OP_FILL, b, SZ, 0, 1, NULL, NULL))
			_exit(3);
		_exit(0);	/* no close, no unbind */
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(used0, dev_mem_used(0));
}

TEST_HARNESS_MAIN
