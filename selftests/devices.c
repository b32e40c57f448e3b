// SPDX-License-Identifier: GPL-2.0
/*
 * Emulated GPUs: render nodes, sysfs, uAPI validation.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

TEST(two_render_nodes_named_svm_emu)
{
	char name[64];

	ASSERT_EQ(2, emu_count());
	ASSERT_EQ(0, read_str(SVM_SYSFS "/devices/0/name", name, sizeof(name)));
	ASSERT_STREQ("svm_emu0", name);
	ASSERT_EQ(0, read_str(SVM_SYSFS "/devices/1/name", name, sizeof(name)));
	ASSERT_STREQ("svm_emu1", name);
}

TEST(info_reports_memory)
{
	struct drm_svm_emu_info info = { 0 };
	int fd = emu_open(1);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ioctl(fd, DRM_IOCTL_SVM_EMU_INFO, &info));
	EXPECT_EQ(SVM_EMU_UAPI_VERSION, info.version);
	EXPECT_EQ(1, info.index);
	EXPECT_EQ(64 * MIB, info.mem_total);
	EXPECT_EQ(64 * MIB, read_ll(SVM_SYSFS "/devices/1/mem_total"));
	EXPECT_EQ(0x1, info.peers);	/* default topology: all linked */
	close(fd);
}

FIXTURE(uapi)
{
	int fd;
	uint64_t *buf;
};

FIXTURE_SETUP(uapi)
{
	self->fd = emu_open(0);
	ASSERT_GE(self->fd, 0);
	self->buf = mmap(NULL, 64 * 1024, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
}

FIXTURE_TEARDOWN(uapi)
{
	munmap(self->buf, 64 * 1024);
	close(self->fd);
}

TEST_F(uapi, exec_unbound_is_enxio)
{
	EXPECT_EQ(-ENXIO, emu_exec1(self->fd, SVM_EMU_OP_READ, self->buf, 4096,
				    0, 0, NULL, NULL));
}

TEST_F(uapi, bind_checks_flags_and_twice)
{
	struct drm_svm_emu_bind b = { .flags = 1 };

	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_BIND, &b));
	EXPECT_EQ(EINVAL, errno);
	b.flags = 0;
	b.reserved[1] = 7;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_BIND, &b));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, emu_bind(self->fd));
	EXPECT_EQ(-EALREADY, emu_bind(self->fd));
}

TEST_F(uapi, exec_validates_arguments)
{
	struct drm_svm_emu_access a = { .op = SVM_EMU_OP_READ,
		.addr = (uintptr_t)self->buf, .length = 4096 };
	struct drm_svm_emu_exec e = { .accesses = (uintptr_t)&a, .count = 1 };

	ASSERT_EQ(0, emu_bind(self->fd));
	e.flags = 0x80;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_EXEC, &e));
	EXPECT_EQ(EINVAL, errno);
	e.flags = 0;
	e.count = 0;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_EXEC, &e));
	EXPECT_EQ(EINVAL, errno);
	e.count = SVM_EMU_EXEC_MAX_ACCESSES + 1;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_EXEC, &e));
	EXPECT_EQ(EINVAL, errno);
	e.count = 1;
	e.accesses = 16;	/* bad pointer */
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_EXEC, &e));
	EXPECT_EQ(EFAULT, errno);
	e.accesses = (uintptr_t)&a;
	a.op = SVM_EMU_OP_MAX;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_EXEC, &e));
	EXPECT_EQ(EINVAL, errno);
	a.op = SVM_EMU_OP_READ;
	a.addr += 3;		/* misaligned */
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_EXEC, &e));
	EXPECT_EQ(EINVAL, errno);
	a.addr -= 3;
	a.flags = 2;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_EXEC, &e));
	EXPECT_EQ(EINVAL, errno);
	a.flags = 0;
	EXPECT_EQ(0, ioctl(self->fd, DRM_IOCTL_SVM_EMU_EXEC, &e));
	EXPECT_EQ(4096, a.result);
}

TEST_F(uapi, exec_outside_mappings_is_efault)
{
	ASSERT_EQ(0, emu_bind(self->fd));
	ASSERT_EQ(0, munmap(self->buf + 4096 / 8, 4096));
	/* the unmapped hole in the middle */
	EXPECT_EQ(-EFAULT, emu_exec1(self->fd, SVM_EMU_OP_READ,
				     self->buf + 4096 / 8, 4096, 0, 0, NULL,
				     NULL));
	/* reading the page before it still works */
	EXPECT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, self->buf, 4096, 0, 0,
			       NULL, NULL));
}

TEST_F(uapi, write_to_readonly_is_efault)
{
	uint64_t sum;

	ASSERT_EQ(0, emu_bind(self->fd));
	fill_pattern(self->buf, 64 * 1024, 5);
	ASSERT_EQ(0, mprotect(self->buf, 64 * 1024, PROT_READ));
	EXPECT_EQ(-EFAULT, emu_exec1(self->fd, SVM_EMU_OP_WRITE, self->buf,
				     4096, 0, 1, NULL, NULL));
	/* reads are fine and see the data */
	EXPECT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, self->buf,
			       64 * 1024, 0, 0, &sum, NULL));
	EXPECT_EQ(cpu_checksum(self->buf, 64 * 1024, 0), sum);
}

TEST(exec_from_other_process_is_eperm)
{
	int fd = emu_open(0), status;
	uint64_t *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, emu_bind(fd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(emu_exec1(fd, SVM_EMU_OP_READ, buf, 4096, 0, 0, NULL,
				NULL) == -EPERM ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(fd);
}

TEST_HARNESS_MAIN
