// SPDX-License-Identifier: GPL-2.0
/*
 * Peer topology: with a peer link a device maps another device's memory in
 * place; without one the data comes home first.  Module parameters are
 * checked.  Reloads svm_emu, so it restores the default set-up at the end.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

#define SZ (2 * MIB)


/*
 * Data on device 1; device 0 reads it under a map-in-place decision
 * (preferred location system): over the peer link, or via system memory?
 */
static void peer_read(struct __test_metadata *_metadata, bool linked)
{
	int fd0 = emu_open(0), fd1 = emu_open(1);
	struct drm_svm_emu_counters c;
	uint64_t *buf = map_chunk_aligned(SZ, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	uint64_t sum, want;

	ASSERT_GE(fd0, 0);
	ASSERT_GE(fd1, 0);
	ASSERT_EQ(0, emu_bind(fd0));
	ASSERT_EQ(0, emu_bind(fd1));
	ASSERT_NE(MAP_FAILED, buf);
	fill_pattern(buf, SZ, 64);
	want = cpu_checksum(buf, SZ, 0);
	ASSERT_EQ(SZ / 4096, emu_prefetch(fd1, buf, SZ, 1));
	ASSERT_EQ(0, emu_set_attr(fd0, buf, SZ, SVM_EXT_ATTR_PREFERRED_LOC,
				  SVM_EXT_LOC_SYSTEM));
	ASSERT_EQ(0, emu_exec1(fd0, SVM_EMU_OP_CHECKSUM, buf, SZ, 0, 0, &sum,
			       &c));
	EXPECT_EQ(want, sum);
	EXPECT_EQ(0, c.pages_to_dev);
	EXPECT_EQ(SZ / 4096, c.remote_maps);
	if (linked) {
		/* mapped over the peer link: the data stayed on device 1 */
		EXPECT_EQ(0, c.pages_from_dev);
		EXPECT_EQ(SZ / 4096, emu_count_at(fd0, buf, SZ / 4096, 1));
	} else {
		/* no path: it came home and device 0 reads system memory */
		EXPECT_EQ(SZ / 4096, c.pages_from_dev);
		EXPECT_EQ(SZ / 4096, emu_count_at(fd0, buf, SZ / 4096,
						  SVM_EXT_RES_SYSTEM));
	}
	EXPECT_EQ(-1, check_pattern(buf, SZ, 64));
	munmap(buf, SZ);
	close(fd1);
	close(fd0);
}

TEST(peer_link_maps_in_place)
{
	peer_read(_metadata, true);
}

TEST(no_peer_link_goes_through_system_memory)
{
	struct drm_svm_emu_info info = { 0 };
	int fd;

	ASSERT_EQ(0, emu_reload("peers=none"));
	fd = emu_open(0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ioctl(fd, DRM_IOCTL_SVM_EMU_INFO, &info));
	EXPECT_EQ(0, info.peers);
	close(fd);
	peer_read(_metadata, false);
	ASSERT_EQ(0, emu_reload("ndevices=2 mem_mb=64"));
}

TEST(module_parameters_are_checked)
{
	ASSERT_EQ(0, run("rmmod svm_emu"));
	EXPECT_NE(0, run("insmod %s ndevices=9 2>/dev/null", module_path("svm_emu")));
	EXPECT_NE(0, run("insmod %s ndevices=0 2>/dev/null", module_path("svm_emu")));
	EXPECT_NE(0, run("insmod %s mem_mb=3 2>/dev/null", module_path("svm_emu")));
	EXPECT_NE(0, run("insmod %s peers=0-7 2>/dev/null", module_path("svm_emu")));
	EXPECT_NE(0, run("insmod %s peers=junk 2>/dev/null", module_path("svm_emu")));
	EXPECT_EQ(0, run("dmesg | grep -q 'svm_emu: ndevices=9: must be 1..8'"));
	EXPECT_EQ(0, run("insmod %s ndevices=3 mem_mb=8 peers=0-1", module_path("svm_emu")));
	EXPECT_EQ(3, emu_count());
	EXPECT_EQ(8 * MIB, read_ll(SVM_SYSFS "/devices/2/mem_total"));
	EXPECT_EQ(0, read_ll(SVM_SYSFS "/devices/2/peers"));
	ASSERT_EQ(0, emu_reload("ndevices=2 mem_mb=64"));
	EXPECT_EQ(2, emu_count());
}

TEST_HARNESS_MAIN
