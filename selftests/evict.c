// SPDX-License-Identifier: GPL-2.0
/*
 * Oversubscription: working sets larger than device memory still run, with
 * whole chunks evicted to system memory, and every byte survives.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

static void oversubscribe(struct __test_metadata *_metadata, unsigned int x)
{
	long long total = read_ll(SVM_SYSFS "/devices/0/mem_total");
	long long ev0 = dev_counter(0, "evictions");
	struct drm_svm_emu_counters c;
	size_t sz = (size_t)total * x;
	uint64_t *buf, sum;
	int fd = emu_open(0);

	ASSERT_GT(total, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, emu_bind(fd));
	buf = mmap(NULL, sz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);

	/* the device writes a pattern over x times its memory ... */
	ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_WRITE, buf, sz, 0, 0x5000, NULL,
			       &c));
	EXPECT_GE(c.evictions, (uint64_t)(sz - total) / (2 * MIB));
	EXPECT_LE(dev_mem_used(0), total);
	/* ... reads it back through evictions ... */
	ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_CHECKSUM, buf, sz, 0, 0, &sum,
			       NULL));
	/* ... and the CPU finds every word where the device put it */
	EXPECT_EQ(-1, check_pattern(buf, sz, 0x5000));
	EXPECT_EQ(cpu_checksum(buf, sz, 0), sum);
	EXPECT_GT(dev_counter(0, "evictions"), ev0);
	munmap(buf, sz);
	close(fd);
}

TEST(oversubscribe_2x)
{
	oversubscribe(_metadata, 2);
}

TEST(oversubscribe_4x)
{
	oversubscribe(_metadata, 4);
}

TEST_HARNESS_MAIN
