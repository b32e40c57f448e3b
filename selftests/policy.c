// SPDX-License-Identifier: GPL-2.0
/*
 * The policy framework as an admin sees it: svmctl load/unload/status, the
 * state in sysfs, a BPF decision really taken, ejection on a bad decision
 * or on the policy's own error (data intact, default back at once), the
 * verifier refusing a context write, and the module pinned while attached.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

#define SZ (2 * MIB)

FIXTURE(pol)
{
	int fd;
	uint64_t *buf;
	char s[256];
};

FIXTURE_SETUP(pol)
{
	/* a failed ASSERT skips teardown: never inherit a policy */
	run("%s unload >/dev/null 2>&1", svmctl_path());
	self->fd = emu_open(0);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, emu_bind(self->fd));
	/* two chunks: some tests use the second, at self->buf + SZ / 8 */
	self->buf = map_chunk_aligned(2 * SZ, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, self->buf);
	sys_str("state", self->s, sizeof(self->s));
	ASSERT_STREQ("disabled", self->s);
}

FIXTURE_TEARDOWN(pol)
{
	run("%s unload >/dev/null 2>&1", svmctl_path());
	close(self->fd);
}

TEST_F(pol, sysmem_policy_keeps_data_in_system_memory)
{
	long long count0 = read_ll(SVM_SYSFS "/enable_count");
	long long in0 = dev_counter(0, "pages_to_dev");
	long long cpu0 = dev_counter(0, "cpu_faults");
	struct drm_svm_emu_counters c;

	ASSERT_EQ(0, run("%s load sysmem", svmctl_path()));
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("enabled", self->s);
	sys_str("policy", self->s, sizeof(self->s));
	EXPECT_STREQ("sysmem", self->s);
	EXPECT_EQ(count0 + 1, read_ll(SVM_SYSFS "/enable_count"));
	EXPECT_GT(read_ll(SVM_SYSFS "/enabled_since"), 0);

	/* the decision: map in place, nothing migrates */
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, self->buf, SZ, 0, 3,
			       NULL, &c));
	EXPECT_EQ(0, c.pages_to_dev);
	EXPECT_EQ(SZ / 4096, c.remote_maps);
	EXPECT_EQ(in0, dev_counter(0, "pages_to_dev"));
	EXPECT_EQ(-1, check_pattern(self->buf, SZ, 3));
	EXPECT_EQ(SZ / 4096, emu_count_at(self->fd, self->buf, SZ / 4096,
					  SVM_EXT_RES_SYSTEM));
	EXPECT_EQ(cpu0, dev_counter(0, "cpu_faults"));	/* never left RAM */

	/* status shows it */
	EXPECT_EQ(0, run("%s status | grep -q sysmem", svmctl_path()));

	/* unload: the default is back and migrates again */
	ASSERT_EQ(0, run("%s unload", svmctl_path()));
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("disabled", self->s);
	sys_str("exit_kind", self->s, sizeof(self->s));
	EXPECT_STREQ("unregistered", self->s);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, self->buf + SZ / 8,
			       SZ, 0, 4, NULL, &c));
	EXPECT_EQ(SZ / 4096, c.pages_to_dev);
	EXPECT_EQ(-1, check_pattern(self->buf + SZ / 8, SZ, 4));
}

/* Tuning: svmctl and bpftool see and change the same pinned params map. */
TEST_F(pol, params_tuned_by_svmctl_and_bpftool)
{
	const char *map = "/sys/fs/bpf/svm_ext/sysmem/params";
	struct drm_svm_emu_counters c;

	ASSERT_EQ(0, run("%s load sysmem --set window_kb=64", svmctl_path()));
	EXPECT_EQ(0, run("%s map dump pinned %s | grep -q '\"window_kb\": 64'",
			 SVM_BPFTOOL, map));
	/* 64 KiB windows: 32 faults for 2 MiB */
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, self->buf, SZ, 0, 1,
			       NULL, &c));
	EXPECT_EQ(SZ / (64 * 1024), c.faults);
	/* bpftool writes, svmctl reads, the running policy obeys */
	ASSERT_EQ(0, run("%s map update pinned %s key 0 0 0 0 "
			 "value 16 0 0 0 0 0 0 0", SVM_BPFTOOL, map));
	EXPECT_EQ(0, run("%s get window_kb | grep -q 16", svmctl_path()));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, self->buf + SZ / 8,
			       SZ, 0, 1, NULL, &c));
	EXPECT_EQ(SZ / (16 * 1024), c.faults);
	/* svmctl writes, bpftool reads */
	ASSERT_EQ(0, run("%s set window_kb=2048 >/dev/null", svmctl_path()));
	EXPECT_EQ(0, run("%s map dump pinned %s | grep -q '\"window_kb\": 2048'",
			 SVM_BPFTOOL, map));
	EXPECT_NE(0, run("%s set window_kb=-1 2>/dev/null", svmctl_path()));
	EXPECT_NE(0, run("%s set no_such_key=1 2>/dev/null", svmctl_path()));
}

TEST_F(pol, module_pinned_while_attached)
{
	ASSERT_EQ(0, run("%s load sysmem", svmctl_path()));
	EXPECT_NE(0, run("rmmod svm_ext 2>/dev/null"));
	EXPECT_NE(0, run("rmmod svm_emu 2>/dev/null"));	/* in use: our fd */
	EXPECT_EQ(0, access(SVM_SYSFS "/state", F_OK));
}

TEST_F(pol, second_load_is_refused)
{
	ASSERT_EQ(0, run("%s load sysmem", svmctl_path()));
	EXPECT_NE(0, run("%s load sysmem 2>/dev/null", svmctl_path()));
	sys_str("policy", self->s, sizeof(self->s));
	EXPECT_STREQ("sysmem", self->s);
}

TEST_F(pol, bad_decision_ejects_and_default_continues)
{
	struct drm_svm_emu_counters c;

	fill_pattern(self->buf, SZ, 99);
	ASSERT_EQ(0, run("%s load %s", svmctl_path(),
			 test_bpf_obj("bad_window")));
	sys_str("state", self->s, sizeof(self->s));
	ASSERT_STREQ("enabled", self->s);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, self->buf, SZ,
			       0, 1, NULL, &c));
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("ejected", self->s);
	sys_str("exit_kind", self->s, sizeof(self->s));
	EXPECT_STREQ("bad_decision", self->s);
	sys_str("exit_reason", self->s, sizeof(self->s));
	EXPECT_NE(NULL, strstr(self->s, "window"));
	/* the default decided this very fault: whole chunk migrated */
	EXPECT_EQ(SZ / 4096, c.pages_to_dev);
	EXPECT_EQ(-1, check_pattern(self->buf, SZ, 100));
	ASSERT_EQ(0, run("%s unload", svmctl_path()));
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("disabled", self->s);
	/* the reason stays visible after the unload */
	sys_str("exit_kind", self->s, sizeof(self->s));
	EXPECT_STREQ("bad_decision", self->s);
}

TEST_F(pol, policy_error_ejects_with_its_message)
{
	ASSERT_EQ(0, run("%s load %s", svmctl_path(),
			 test_bpf_obj("self_error")));
	fill_pattern(self->buf, SZ, 7);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, self->buf, SZ, 0, 0,
			       NULL, NULL));
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("ejected", self->s);
	sys_str("exit_kind", self->s, sizeof(self->s));
	EXPECT_STREQ("error", self->s);
	sys_str("exit_msg", self->s, sizeof(self->s));
	EXPECT_STREQ("self_error: giving up", self->s);
	EXPECT_EQ(-1, check_pattern(self->buf, SZ, 7));
}

TEST_F(pol, advise_hook_refuses_and_adjusts)
{
	struct drm_svm_emu_get_attr g;
	int fd1 = emu_open(1);

	ASSERT_GE(fd1, 0);
	ASSERT_EQ(0, emu_bind(fd1));
	ASSERT_EQ(0, run("%s load %s", svmctl_path(),
			 test_bpf_obj("advise_gate")));
	/* refused with the policy's errno; nothing moved */
	EXPECT_EQ(-EPERM, emu_prefetch(self->fd, self->buf, SZ, 1));
	EXPECT_EQ(0, emu_count_at(self->fd, self->buf, SZ / 4096, 1));
	EXPECT_EQ(SZ / 4096, emu_prefetch(self->fd, self->buf, SZ, 0));
	/* adjusted: asked for device 1, got device 0 */
	ASSERT_EQ(0, emu_set_attr(self->fd, self->buf, SZ,
				  SVM_EXT_ATTR_PREFERRED_LOC, 1));
	ASSERT_EQ(0, emu_get_attr(self->fd, self->buf, SZ, &g));
	EXPECT_EQ(0, g.preferred_loc);
	/* an errno outside the documented set ejects; the hint goes ahead */
	EXPECT_EQ(0, emu_set_attr(self->fd, self->buf, SZ,
				  SVM_EXT_ATTR_READ_MOSTLY, 1));
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("ejected", self->s);
	sys_str("exit_kind", self->s, sizeof(self->s));
	EXPECT_STREQ("bad_decision", self->s);
	ASSERT_EQ(0, emu_get_attr(self->fd, self->buf, SZ, &g));
	EXPECT_EQ(1, g.read_mostly);
	/* with the policy gone, the prefetch it refused works */
	EXPECT_EQ(SZ / 4096, emu_prefetch(self->fd, self->buf, SZ, 1));
	close(fd1);
}

static void add_counters(struct drm_svm_emu_counters *tot,
			 const struct drm_svm_emu_counters *c)
{
	tot->faults += c->faults;
	tot->pages_to_dev += c->pages_to_dev;
	tot->pages_from_dev += c->pages_from_dev;
	tot->remote_maps += c->remote_maps;
	tot->evictions += c->evictions;
	tot->modeled_ns += c->modeled_ns;
}

/*
 * The evict path: device 0 writes 4 MiB more than it holds, then reads it
 * all back, so least recently used chunks keep leaving.  Adds its counters
 * to *tot.
 */
static void oversubscribe(struct __test_metadata *_metadata, int fd,
			  struct drm_svm_emu_counters *tot)
{
	long long total = read_ll(SVM_SYSFS "/devices/0/mem_total");
	struct drm_svm_emu_counters c;
	size_t len = ((size_t)total & ~(2 * MIB - 1)) + 4 * MIB;
	uint64_t *buf, sum;

	ASSERT_GE(total, 4 * MIB);
	buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_WRITE, buf, len, 0, 0x3100, NULL,
			       &c));
	add_counters(tot, &c);
	ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_CHECKSUM, buf, len, 0, 0, &sum,
			       &c));
	add_counters(tot, &c);
	ASSERT_EQ(-1, check_pattern(buf, len, 0x3100));
	ASSERT_EQ(cpu_checksum(buf, len, 0), sum);
	munmap(buf, len);
}

/*
 * A reference workload touching every default rule, evictions included;
 * sums its counters.
 */
static void reference_workload(struct __test_metadata *_metadata, int fd0,
			       int fd1, struct drm_svm_emu_counters *tot)
{
	size_t len = 8 * MIB;
	uint64_t *buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	struct drm_svm_emu_counters c;
	int step;

	ASSERT_NE(MAP_FAILED, buf);
	memset(tot, 0, sizeof(*tot));
	fill_pattern(buf, len, 31);
	ASSERT_EQ(0, emu_set_attr(fd0, buf, 2 * MIB, SVM_EXT_ATTR_PREFERRED_LOC,
				  SVM_EXT_LOC_SYSTEM));
	ASSERT_EQ(0, emu_set_attr(fd0, (uint8_t *)buf + 2 * MIB, 2 * MIB,
				  SVM_EXT_ATTR_GRANULARITY, 4));
	ASSERT_EQ(0, emu_set_attr(fd0, (uint8_t *)buf + 4 * MIB, 2 * MIB,
				  SVM_EXT_ATTR_ACCESSED_BY, 2));
	for (step = 0; step < 4; step++) {
		int fd = step % 2 ? fd1 : fd0;

		ASSERT_EQ(0, emu_exec1(fd, step == 2 ? SVM_EMU_OP_ATOMIC_ADD :
				       SVM_EMU_OP_READ, buf, len, 4096 * (step + 1),
				       1, NULL, &c));
		add_counters(tot, &c);
	}
	/* the CPU reads it all back: step 2 added 1 to every 3rd page's first word */
	for (size_t i = 0; i < len / 8; i++)
		ASSERT_EQ(31 + i + (i % (3 * 512) == 0), buf[i]);
	munmap(buf, len);
	oversubscribe(_metadata, fd0, tot);
}

TEST_F_TIMEOUT(pol, default_bpf_policy_matches_builtin, 240)
{
	struct drm_svm_emu_counters builtin, bpf;
	int fd1 = emu_open(1);

	ASSERT_GE(fd1, 0);
	ASSERT_EQ(0, emu_bind(fd1));
	reference_workload(_metadata, self->fd, fd1, &builtin);
	ASSERT_EQ(0, run("%s load default", svmctl_path()));
	reference_workload(_metadata, self->fd, fd1, &bpf);
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("enabled", self->s);	/* no decision was refused */
	EXPECT_GT(builtin.faults, 0);
	EXPECT_GT(builtin.pages_to_dev, 0);
	EXPECT_GT(builtin.remote_maps, 0);
	EXPECT_GT(builtin.evictions, 0);
	EXPECT_EQ(builtin.faults, bpf.faults);
	EXPECT_EQ(builtin.pages_to_dev, bpf.pages_to_dev);
	EXPECT_EQ(builtin.pages_from_dev, bpf.pages_from_dev);
	EXPECT_EQ(builtin.remote_maps, bpf.remote_maps);
	EXPECT_EQ(builtin.evictions, bpf.evictions);
	EXPECT_EQ(builtin.modeled_ns, bpf.modeled_ns);
	close(fd1);
}

TEST_F(pol, verifier_refuses_context_write_and_wrong_hook_kfuncs)
{
	long long count0 = read_ll(SVM_SYSFS "/enable_count");

	EXPECT_NE(0, run("%s load %s 2>/dev/null", svmctl_path(),
			 test_bpf_obj("write_ctx")));
	/* a decision kfunc called from another hook is refused too */
	EXPECT_NE(0, run("%s load %s 2>/dev/null", svmctl_path(),
			 test_bpf_obj("wrong_hook")));
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("disabled", self->s);
	EXPECT_EQ(count0, read_ll(SVM_SYSFS "/enable_count"));
}

/*
 * Access counters reach only a policy that asked for them (ops.flags), are
 * never faults, and a notification without a migrate decision leaves the
 * mapping in place.  An unknown ops flag refuses the attach.
 */
TEST_F(pol, access_counters_reach_only_policies_that_ask)
{
	size_t len = 4 * MIB;
	uint64_t *buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	struct drm_svm_emu_counters c;
	long long count0 = read_ll(SVM_SYSFS "/enable_count");
	int pass;

	ASSERT_NE(MAP_FAILED, buf);
	EXPECT_NE(0, run("%s load %s 2>/dev/null", svmctl_path(),
			 test_bpf_obj("bad_ops_flags")));
	EXPECT_EQ(count0, read_ll(SVM_SYSFS "/enable_count"));

	/* sysmem maps in place too, but does not ask: no notification */
	fill_pattern(buf, len, 90);
	ASSERT_EQ(0, run("%s load sysmem >/dev/null", svmctl_path()));
	for (pass = 0; pass < 2; pass++) {
		ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, buf, len, 0,
				       0, NULL, &c));
		EXPECT_EQ(0, c.access_notifications);
	}
	ASSERT_EQ(0, run("%s unload >/dev/null", svmctl_path()));
	ASSERT_EQ(0, munmap(buf, len));

	buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	fill_pattern(buf, len, 91);
	ASSERT_EQ(0, run("%s load %s >/dev/null", svmctl_path(),
			 test_bpf_obj("counter_probe")));
	for (pass = 0; pass < 2; pass++) {
		ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, buf, len,
				       0, 1, NULL, &c));
		/* 2 MiB accessed in place per chunk and pass: one each */
		EXPECT_EQ(len / (2 * MIB), c.access_notifications);
		EXPECT_EQ(pass ? 0 : len / (2 * MIB), c.faults);
		EXPECT_EQ(0, c.pages_to_dev);
	}
	EXPECT_EQ((long)(len / 4096), emu_count_at(self->fd, buf, len / 4096,
						   SVM_EXT_RES_SYSTEM));
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("enabled", self->s);
	ASSERT_EQ(0, run("%s unload >/dev/null", svmctl_path()));
	EXPECT_EQ(-1, check_pattern(buf, len, 93));	/* 91 + 2 passes */
}

TEST_HARNESS_MAIN
