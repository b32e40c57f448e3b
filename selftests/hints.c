// SPDX-License-Identifier: GPL-2.0
/*
 * Hints (range attributes) and prefetch: split/merge bookkeeping, every
 * attribute's effect on placement, errnos for bad input, and unmapping
 * forgetting the hints of the memory it removes.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

#define SZ (8 * MIB)
#define PAGES(x) ((x) / 4096)

FIXTURE(hint)
{
	int fd, fd1;
	uint8_t *buf;
};

FIXTURE_SETUP(hint)
{
	self->fd = emu_open(0);
	self->fd1 = emu_open(1);
	ASSERT_GE(self->fd, 0);
	ASSERT_GE(self->fd1, 0);
	ASSERT_EQ(0, emu_bind(self->fd));
	ASSERT_EQ(0, emu_bind(self->fd1));
	self->buf = map_chunk_aligned(SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, self->buf);
}

FIXTURE_TEARDOWN(hint)
{
	close(self->fd1);
	close(self->fd);
}

TEST_F(hint, split_and_merge)
{
	struct drm_svm_emu_get_attr g;
	uint8_t *mid = self->buf + 2 * MIB;

	ASSERT_EQ(0, emu_set_attr(self->fd, mid, 2 * MIB,
				  SVM_EXT_ATTR_PREFERRED_LOC, SVM_EXT_LOC_SYSTEM));
	EXPECT_EQ(-EUCLEAN, emu_get_attr(self->fd, self->buf, SZ, &g));
	ASSERT_EQ(0, emu_get_attr(self->fd, mid, 2 * MIB, &g));
	EXPECT_EQ(SVM_EXT_LOC_SYSTEM, g.preferred_loc);
	EXPECT_EQ(9, g.granularity);		/* default 2 MiB */
	EXPECT_EQ(1, g.nranges);
	/* a second attribute over all of it keeps the first where it was */
	ASSERT_EQ(0, emu_set_attr(self->fd, self->buf, SZ,
				  SVM_EXT_ATTR_ACCESSED_BY, 1));
	ASSERT_EQ(0, emu_get_attr(self->fd, mid, 2 * MIB, &g));
	EXPECT_EQ(SVM_EXT_LOC_SYSTEM, g.preferred_loc);
	EXPECT_EQ(1, g.accessed_by);
	EXPECT_EQ(3, g.nranges);
	/* clearing the first makes all equal again: one range */
	ASSERT_EQ(0, emu_set_attr(self->fd, mid, 2 * MIB,
				  SVM_EXT_ATTR_PREFERRED_LOC, SVM_EXT_LOC_NONE));
	ASSERT_EQ(0, emu_get_attr(self->fd, self->buf, SZ, &g));
	EXPECT_EQ(1, g.accessed_by);
	EXPECT_EQ(1, g.nranges);
	/* and back to the defaults: no range at all */
	ASSERT_EQ(0, emu_set_attr(self->fd, self->buf, SZ,
				  SVM_EXT_ATTR_ACCESSED_BY, 0));
	ASSERT_EQ(0, emu_get_attr(self->fd, self->buf, SZ, &g));
	EXPECT_EQ(0, g.nranges);
	EXPECT_EQ(SVM_EXT_LOC_NONE, g.preferred_loc);
}

TEST_F(hint, bad_input_gets_documented_errnos)
{
	struct svm_ext_attr a = { .type = SVM_EXT_ATTR_READ_MOSTLY };
	struct drm_svm_emu_set_attr s = { .addr = (uintptr_t)self->buf,
		.length = 4096, .attrs = (uintptr_t)&a, .nattrs = 1 };
	int null_fd = open("/dev/null", O_RDONLY);
	uint8_t *hole;

	EXPECT_EQ(-EINVAL, emu_set_attr(self->fd, self->buf, 4096, 99, 0));
	EXPECT_EQ(-EINVAL, emu_set_attr(self->fd, self->buf, 4096,
					SVM_EXT_ATTR_PREFERRED_LOC, 100));
	EXPECT_EQ(-ENODEV, emu_set_attr(self->fd, self->buf, 4096,
					SVM_EXT_ATTR_PREFERRED_LOC, 5));
	EXPECT_EQ(-ENODEV, emu_set_attr(self->fd, self->buf, 4096,
					SVM_EXT_ATTR_ACCESSED_BY, 1 << 5));
	EXPECT_EQ(-EINVAL, emu_set_attr(self->fd, self->buf, 4096,
					SVM_EXT_ATTR_ACCESSED_BY, 1 << 9));
	EXPECT_EQ(-EINVAL, emu_set_attr(self->fd, self->buf, 4096,
					SVM_EXT_ATTR_GRANULARITY, 10));
	EXPECT_EQ(-EINVAL, emu_set_attr(self->fd, self->buf, 4096,
					SVM_EXT_ATTR_READ_MOSTLY, 2));
	EXPECT_EQ(-EINVAL, emu_set_attr(self->fd, self->buf + 8, 4096,
					SVM_EXT_ATTR_READ_MOSTLY, 1));
	EXPECT_EQ(-EINVAL, emu_set_attr(self->fd, self->buf, 0,
					SVM_EXT_ATTR_READ_MOSTLY, 1));
	EXPECT_EQ(-EBADF, emu_set_attr(self->fd, self->buf, 4096,
				       SVM_EXT_ATTR_PREFERRED_FD, null_fd));
	EXPECT_EQ(-EBADF, emu_set_attr(self->fd, self->buf, 4096,
				       SVM_EXT_ATTR_PREFERRED_FD, 9999));
	hole = self->buf + 4096;
	ASSERT_EQ(0, munmap(hole, 4096));
	EXPECT_EQ(-ENOMEM, emu_set_attr(self->fd, self->buf, 3 * 4096,
					SVM_EXT_ATTR_READ_MOSTLY, 1));
	a.pad = 1;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_SET_ATTR, &s));
	EXPECT_EQ(EINVAL, errno);
	a.pad = 0;
	s.nattrs = 0;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_SET_ATTR, &s));
	EXPECT_EQ(EINVAL, errno);
	s.nattrs = 1;
	s.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_SET_ATTR, &s));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, emu_prefetch(self->fd, self->buf + 2 * MIB, 4096,
					SVM_EXT_LOC_NONE));
	EXPECT_EQ(-ENODEV, emu_prefetch(self->fd, self->buf + 2 * MIB, 4096, 6));
	EXPECT_EQ(-ENOMEM, emu_prefetch(self->fd, hole, 4096, 0));
	close(null_fd);
}

/*
 * Several attributes in one SET_ATTR: a bad one applies none of them, the
 * good ones before it included (found by svmfuzz: with READ_MOSTLY applied
 * first, an absent device in the second attribute came back as EDQUOT
 * from the first one's range cap, or left the first one set).
 */
TEST_F(hint, a_bad_attribute_applies_none_of_them)
{
	struct svm_ext_attr a[3] = {
		{ .type = SVM_EXT_ATTR_READ_MOSTLY, .value = 1 },
		{ .type = SVM_EXT_ATTR_GRANULARITY, .value = 3 },
		{ .type = SVM_EXT_ATTR_PREFERRED_LOC, .value = 5 },	/* absent */
	};
	struct drm_svm_emu_set_attr s = { .addr = (uintptr_t)self->buf,
		.length = 4096, .attrs = (uintptr_t)a, .nattrs = 3 };
	struct drm_svm_emu_get_attr g;

	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_SET_ATTR, &s));
	EXPECT_EQ(ENODEV, errno);
	ASSERT_EQ(0, emu_get_attr(self->fd, self->buf, 4096, &g));
	EXPECT_EQ(0, g.read_mostly);
	EXPECT_NE(3, g.granularity);
	a[2].type = SVM_EXT_ATTR_ACCESSED_BY;
	a[2].value = 1ULL << 40;	/* no such bit */
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_SET_ATTR, &s));
	EXPECT_EQ(EINVAL, errno);
	a[2].type = SVM_EXT_ATTR_PREFERRED_FD;
	a[2].value = 9999;		/* not an open file */
	EXPECT_EQ(-1, ioctl(self->fd, DRM_IOCTL_SVM_EMU_SET_ATTR, &s));
	EXPECT_EQ(EBADF, errno);
	ASSERT_EQ(0, emu_get_attr(self->fd, self->buf, 4096, &g));
	EXPECT_EQ(0, g.read_mostly);
	EXPECT_NE(3, g.granularity);
	/* all good: all applied */
	a[2].type = SVM_EXT_ATTR_PREFERRED_LOC;
	a[2].value = SVM_EXT_LOC_SYSTEM;
	ASSERT_EQ(0, ioctl(self->fd, DRM_IOCTL_SVM_EMU_SET_ATTR, &s));
	ASSERT_EQ(0, emu_get_attr(self->fd, self->buf, 4096, &g));
	EXPECT_EQ(1, g.read_mostly);
	EXPECT_EQ(3, g.granularity);
	EXPECT_EQ(SVM_EXT_LOC_SYSTEM, g.preferred_loc);
}

TEST_F(hint, preferred_system_maps_in_place)
{
	struct drm_svm_emu_counters c;

	memset(self->buf, 1, 2 * MIB);
	ASSERT_EQ(0, emu_set_attr(self->fd, self->buf, 2 * MIB,
				  SVM_EXT_ATTR_PREFERRED_LOC, SVM_EXT_LOC_SYSTEM));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, self->buf, 2 * MIB,
			       0, 5, NULL, &c));
	EXPECT_EQ(0, c.pages_to_dev);
	EXPECT_EQ(PAGES(2 * MIB), c.remote_maps);
	EXPECT_EQ(PAGES(2 * MIB), emu_count_at(self->fd, self->buf,
					       PAGES(2 * MIB),
					       SVM_EXT_RES_SYSTEM));
	EXPECT_EQ(-1, check_pattern(self->buf, 2 * MIB, 5));
}

TEST_F(hint, preferred_peer_by_fd_places_data_there)
{
	struct drm_svm_emu_counters c;
	uint64_t sum, want;

	fill_pattern(self->buf, 2 * MIB, 8);
	want = cpu_checksum(self->buf, 2 * MIB, 0);
	ASSERT_EQ(0, emu_set_attr(self->fd, self->buf, 2 * MIB,
				  SVM_EXT_ATTR_PREFERRED_FD, self->fd1));
	/* device 0 faults; data goes to device 1, device 0 maps it peer */
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_CHECKSUM, self->buf,
			       2 * MIB, 0, 0, &sum, &c));
	EXPECT_EQ(want, sum);
	EXPECT_EQ(PAGES(2 * MIB), c.pages_to_dev);
	EXPECT_EQ(PAGES(2 * MIB), c.remote_maps);
	EXPECT_EQ(PAGES(2 * MIB), emu_count_at(self->fd, self->buf,
					       PAGES(2 * MIB), 1));
	EXPECT_EQ(-1, check_pattern(self->buf, 2 * MIB, 8));
}

TEST_F(hint, accessed_by_maps_in_place)
{
	struct drm_svm_emu_counters c;

	fill_pattern(self->buf, 2 * MIB, 9);
	ASSERT_EQ(0, emu_set_attr(self->fd, self->buf, 2 * MIB,
				  SVM_EXT_ATTR_ACCESSED_BY, 1 << 0));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, self->buf, 2 * MIB,
			       0, 0, NULL, &c));
	EXPECT_EQ(0, c.pages_to_dev);
	EXPECT_EQ(PAGES(2 * MIB), c.remote_maps);
	/* device 1 is not in the set: it migrates as usual */
	ASSERT_EQ(0, emu_exec1(self->fd1, SVM_EMU_OP_READ, self->buf, 2 * MIB,
			       0, 0, NULL, &c));
	EXPECT_EQ(PAGES(2 * MIB), c.pages_to_dev);
	EXPECT_EQ(-1, check_pattern(self->buf, 2 * MIB, 9));
}

TEST_F(hint, granularity_sets_the_migration_window)
{
	struct drm_svm_emu_counters c;

	memset(self->buf, 3, 2 * MIB);
	ASSERT_EQ(0, emu_set_attr(self->fd, self->buf, 2 * MIB,
				  SVM_EXT_ATTR_GRANULARITY, 4));	/* 64 KiB */
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ,
			       self->buf + 100 * 4096, 8, 0, 0, NULL, &c));
	EXPECT_EQ(16, c.pages_to_dev);
	EXPECT_EQ(16, emu_count_at(self->fd, self->buf, PAGES(2 * MIB), 0));
	EXPECT_EQ(16, emu_count_at(self->fd, self->buf + 96 * 4096, 16, 0));
	EXPECT_EQ(3, self->buf[100 * 4096]);
}

TEST_F(hint, prefetch_moves_everything_and_back)
{
	uint64_t want;

	fill_pattern(self->buf, SZ, 21);
	want = cpu_checksum(self->buf, SZ, 0);
	EXPECT_EQ(PAGES(SZ), emu_prefetch(self->fd, self->buf, SZ, 1));
	EXPECT_EQ(PAGES(SZ), emu_count_at(self->fd, self->buf, PAGES(SZ), 1));
	/* device 1 to device 0 directly */
	EXPECT_EQ(PAGES(SZ), emu_prefetch(self->fd, self->buf, SZ, 0));
	EXPECT_EQ(PAGES(SZ), emu_count_at(self->fd, self->buf, PAGES(SZ), 0));
	EXPECT_EQ(0, emu_prefetch(self->fd, self->buf, SZ, 0));	/* idempotent */
	EXPECT_EQ(PAGES(SZ), emu_prefetch(self->fd, self->buf, SZ,
					  SVM_EXT_LOC_SYSTEM));
	EXPECT_EQ(PAGES(SZ), emu_count_at(self->fd, self->buf, PAGES(SZ),
					  SVM_EXT_RES_SYSTEM));
	EXPECT_EQ(want, cpu_checksum(self->buf, SZ, 0));
}

TEST_F(hint, unmap_forgets_hints)
{
	struct drm_svm_emu_get_attr g;
	uint8_t *p;

	ASSERT_EQ(0, emu_set_attr(self->fd, self->buf, 2 * MIB,
				  SVM_EXT_ATTR_PREFERRED_LOC, 1));
	ASSERT_EQ(0, munmap(self->buf, 2 * MIB));
	p = mmap(self->buf, 2 * MIB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(self->buf, p);
	ASSERT_EQ(0, emu_get_attr(self->fd, self->buf, 2 * MIB, &g));
	EXPECT_EQ(SVM_EXT_LOC_NONE, g.preferred_loc);
	EXPECT_EQ(0, g.nranges);
}

TEST_HARNESS_MAIN
