// SPDX-License-Identifier: GPL-2.0
/*
 * bpftool beside svmctl on a running policy, as an admin would use it.  The
 * bpftool is the kernel tree's (SVM_BPFTOOL, $(KDIR)/svm_ext-tools/bin/bpftool,
 * built with the kernel by tools/build/kernel.sh), never one from PATH.
 *  - `struct_ops list` and `struct_ops show name MAP` name the policy's
 *    struct_ops map, the one its pinned link holds, with the kernel type
 *    svm_ext_ops; unloaded, it is gone from the list.  (bpftool looked that
 *    type up in vmlinux's BTF only and crashed: svm_ext_ops lives in
 *    svm_ext.ko's; Debian's 7.5 and the 7.3 tree's 7.8 both did until
 *    tools/build/patches/bpftool-struct_ops-module-btf.patch);
 *  - `struct_ops dump name MAP` shows the program bound to each hook;
 *  - `map dump` of the pinned params map gives, BTF-typed, the values
 *    `svmctl get` reports, and the bytes the kernel holds;
 *  - `map update` of the pinned params map changes a tunable: svmctl reads
 *    the new value and the running policy decides by it.
 * What bpftool prints is checked against the kernel's own answer, read here
 * with libbpf: the link's map, the programs' ids, the map's bytes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "svm_harness.h"
#include "svm_policy.h"
#include "svm_user.h"

#ifndef SVM_BPFTOOL
#error "SVM_BPFTOOL (the kernel tree's bpftool) comes from selftests/Makefile"
#endif

/* The policy under test: bpf/prefetch.bpf.c, with a params map. */
#define POLICY		"prefetch"
#define OPS_MAP		"prefetch_ops"		/* its struct_ops variable */
#define FAULT_PROG	"prefetch_fault"	/* its .fault program */
#define PIN		"/sys/fs/bpf/svm_ext/" POLICY
#define PARAMS		PIN "/params"
#define LINK		PIN "/link"

#define OUT_LEN		65536
/*
 * Under TCG one bpftool run takes 1-3 s, the first one 15-30 s (it maps
 * libLLVM through the VM's shared root).
 */
#define TEST_TIMEOUT	120
#define VALUE_MAX	256

/*
 * Runs a shell command and keeps its standard output (NUL-terminated, cut
 * at @len - 1 bytes).  Returns its exit status, 128 + N if it was killed
 * by signal N, -1 if it could not be run.
 */
static int sh_out(char *out, size_t len, const char *fmt, ...)
{
	char cmd[4096], sink[4096];
	size_t n = 0, r;
	va_list ap;
	FILE *p;
	int st;

	out[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (n + 1 < len && (r = fread(out + n, 1, len - 1 - n, p)) > 0)
		n += r;
	out[n] = '\0';
	/* read the rest: a writer must not die of SIGPIPE */
	while (fread(sink, 1, sizeof(sink), p) > 0)
		;
	st = pclose(p);
	if (st == -1)
		return -1;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* Was that exit status (from sh_out()) a death by a signal? */
static bool killed(int rc)
{
	return rc > 128 && rc <= 128 + 64;
}

/* The line after the one @l is in ("" at the end). */
static const char *next_line(const char *l)
{
	l += strcspn(l, "\n");
	return *l ? l + 1 : l;
}

/* The first line of @s, without its newline, into @buf. */
static void first_line(char *buf, size_t len, const char *s)
{
	snprintf(buf, len, "%.*s", (int)strcspn(s, "\n"), s);
}

/*
 * The first line of @s that starts with @prefix, without its newline, into
 * @buf: true if there is one.
 */
static bool find_line(const char *s, const char *prefix, char *buf,
		      size_t len)
{
	for (; *s; s = next_line(s)) {
		if (!strncmp(s, prefix, strlen(prefix))) {
			first_line(buf, len, s);
			return true;
		}
	}
	buf[0] = '\0';
	return false;
}

/* Does @s end with @suffix? */
static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* The id of the struct_ops map behind the policy's pinned link; 0 if none. */
static __u32 link_map_id(void)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(LINK);

	if (fd < 0)
		return 0;
	if (bpf_link_get_info_by_fd(fd, &info, &len) ||
	    info.type != BPF_LINK_TYPE_STRUCT_OPS)
		info.struct_ops.map_id = 0;
	close(fd);
	return info.struct_ops.map_id;
}

/* The name the kernel gives map @id, into @name (16 bytes); 0 or -errno. */
static int map_name(__u32 id, char *name)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_map_get_fd_by_id(id), err = 0;

	if (fd < 0)
		return -errno;
	if (bpf_map_get_info_by_fd(fd, &info, &len))
		err = -errno;
	else if (info.type != BPF_MAP_TYPE_STRUCT_OPS)
		err = -EINVAL;
	else
		memcpy(name, info.name, sizeof(info.name));
	close(fd);
	return err;
}

/*
 * Ids of the struct_ops programs named @name: the first in *id, their
 * number returned.
 */
static int struct_ops_prog_ids(const char *name, __u32 *id)
{
	__u32 next = 0;
	int found = 0;

	*id = 0;
	while (!bpf_prog_get_next_id(next, &next)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(next);

		if (fd < 0)
			continue;
		if (!bpf_prog_get_info_by_fd(fd, &info, &len) &&
		    info.type == BPF_PROG_TYPE_STRUCT_OPS &&
		    !strcmp(info.name, name)) {
			if (!found++)
				*id = info.id;
		}
		close(fd);
	}
	return found;
}

/* The params map's value as the kernel holds it: its size, or -errno. */
static int params_bytes(unsigned char *val, size_t len)
{
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info), zero = 0;
	int fd = bpf_obj_get(PARAMS), ret;

	if (fd < 0)
		return -errno;
	if (bpf_map_get_info_by_fd(fd, &info, &ilen))
		ret = -errno;
	else if (info.value_size > len)
		ret = -E2BIG;
	else if (bpf_map_lookup_elem(fd, &zero, val))
		ret = -errno;
	else
		ret = info.value_size;
	close(fd);
	return ret;
}

/* The bytes of a `bpftool map dump -j` "value" array ("0x33" ...). */
static int parse_hex_bytes(const char *s, unsigned char *val, size_t len)
{
	size_t n = 0;
	char *end;

	while ((s = strstr(s, "0x"))) {
		unsigned long b = strtoul(s, &end, 16);

		if (end == s || b > 0xff || n == len)
			return -1;
		val[n++] = b;
		s = end;
	}
	return n;
}

/* A one-chunk sequential device write to a fresh 2 MiB buffer. */
static void seq_write_chunk(struct __test_metadata *_metadata, int fd,
			    uint64_t seed, struct drm_svm_emu_counters *c)
{
	void *buf = map_chunk_aligned(CHUNK, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE);

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_WRITE, buf, CHUNK, 0, seed,
			       NULL, c));
	/* every page moved to the device, and every word right */
	EXPECT_EQ(CHUNK_PAGES, c->pages_to_dev);
	EXPECT_EQ(-1, check_pattern(buf, CHUNK, seed));
	munmap(buf, CHUNK);
}

FIXTURE(bt)
{
	int fd;
	char out[OUT_LEN];
	char cmp[OUT_LEN];
};

FIXTURE_SETUP(bt)
{
	/* the tree's bpftool, where the build put it; nothing else will do */
	ASSERT_EQ(0, access(SVM_BPFTOOL, X_OK))
		TH_LOG("the kernel tree's bpftool %s is missing (%s): tools/build/kernel.sh builds it with the kernel; rebuild with make kernel",
		       SVM_BPFTOOL, strerror(errno));
	self->fd = emu_open(0);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, emu_bind(self->fd));
	/* never inherit a policy from an earlier test or binary */
	policy_unload_any();
	ASSERT_EQ(0, policy_load(POLICY, NULL));
}

FIXTURE_TEARDOWN(bt)
{
	policy_unload_any();
	close(self->fd);
}

/*
 * `bpftool struct_ops list`, as text and as JSON: one entry for the
 * policy, the map its pinned link holds, of kernel type svm_ext_ops.
 */
TEST_F_TIMEOUT(bt, struct_ops_list_names_the_policy, TEST_TIMEOUT)
{
	char name[16] = "", type[64], line[256];
	unsigned int id, found = 0;
	__u32 map_id = link_map_id();
	const char *l;
	int rc;

	ASSERT_NE(0, map_id) TH_LOG("no struct_ops link pinned at %s", LINK);
	ASSERT_EQ(0, map_name(map_id, name));
	ASSERT_STREQ(OPS_MAP, name);

	rc = sh_out(self->out, sizeof(self->out), "%s struct_ops list 2>&1",
		    SVM_BPFTOOL);
	ASSERT_EQ(0, rc) TH_LOG("bpftool struct_ops list: exit %d%s:\n%s", rc,
				killed(rc) ? " (killed by a signal)" : "",
				self->out);
	/* "ID: NAME TYPE", one line per struct_ops map */
	for (l = self->out; *l; l = next_line(l)) {
		first_line(line, sizeof(line), l);
		if (sscanf(line, "%u: %15s %63s", &id, name, type) != 3 ||
		    strcmp(name, OPS_MAP))
			continue;
		found++;
		EXPECT_EQ(map_id, id) TH_LOG("listed: '%s'", line);
		EXPECT_STREQ("svm_ext_ops", type);
	}
	EXPECT_EQ(1, found) TH_LOG("'%s' in:\n%s", OPS_MAP, self->out);

	rc = sh_out(self->out, sizeof(self->out),
		    "%s -j struct_ops list | jq -er '.[] | select(.name == \"%s\") | \"\\(.id) \\(.kernel_struct_ops)\"'",
		    SVM_BPFTOOL, OPS_MAP);
	ASSERT_EQ(0, rc);
	snprintf(line, sizeof(line), "%u svm_ext_ops\n", map_id);
	EXPECT_STREQ(line, self->out);
}

/*
 * `bpftool struct_ops show name MAP`: that map alone; an unknown name is an
 * error; once svmctl has unloaded the policy the map is gone.
 */
TEST_F_TIMEOUT(bt, struct_ops_show_by_name, TEST_TIMEOUT)
{
	char name[16], type[64], rest[8];
	__u32 map_id = link_map_id();
	unsigned int id;
	time_t deadline;
	int rc;

	ASSERT_NE(0, map_id);
	rc = sh_out(self->out, sizeof(self->out),
		    "%s struct_ops show name " OPS_MAP " 2>&1", SVM_BPFTOOL);
	ASSERT_EQ(0, rc) TH_LOG("bpftool struct_ops show: exit %d%s:\n%s", rc,
				killed(rc) ? " (killed by a signal)" : "",
				self->out);
	ASSERT_EQ(3, sscanf(self->out, "%u: %15s %63s %7s", &id, name, type,
			    rest)) TH_LOG("one map expected:\n%s", self->out);
	EXPECT_EQ(map_id, id);
	EXPECT_STREQ(OPS_MAP, name);
	EXPECT_STREQ("svm_ext_ops", type);

	/* by id: the same */
	rc = sh_out(self->cmp, sizeof(self->cmp),
		    "%s struct_ops show id %u 2>&1", SVM_BPFTOOL, map_id);
	EXPECT_EQ(0, rc);
	EXPECT_STREQ(self->out, self->cmp);

	rc = sh_out(self->out, sizeof(self->out),
		    "%s struct_ops show name no_such_ops 2>&1", SVM_BPFTOOL);
	EXPECT_NE(0, rc);
	EXPECT_FALSE(killed(rc)) TH_LOG("bpftool crashed:\n%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, "no_such_ops")) TH_LOG("%s", self->out);

	/* unloaded: the link and its map go away (the map after a grace period) */
	ASSERT_EQ(0, policy_unload());
	deadline = time(NULL) + 10;
	do {
		rc = sh_out(self->out, sizeof(self->out),
			    "%s struct_ops show name " OPS_MAP " 2>&1",
			    SVM_BPFTOOL);
	} while (!rc && time(NULL) < deadline && !usleep(200 * 1000));
	EXPECT_NE(0, rc) TH_LOG("still listed 10 s after unload:\n%s", self->out);
	EXPECT_FALSE(killed(rc)) TH_LOG("bpftool crashed:\n%s", self->out);
	rc = sh_out(self->out, sizeof(self->out), "%s struct_ops list 2>&1",
		    SVM_BPFTOOL);
	EXPECT_EQ(0, rc);
	EXPECT_EQ(NULL, strstr(self->out, OPS_MAP)) TH_LOG("%s", self->out);
}

/*
 * `bpftool struct_ops dump name MAP`: the map, its svm_ext_ops value, the
 * policy's name, and in each hook the program bound to it (0 where the
 * policy has none), by name and by the id the kernel gave it.
 */
TEST_F_TIMEOUT(bt, struct_ops_dump_shows_the_programs, TEST_TIMEOUT)
{
	static const char *const unset[] = { "init", "exit", "cpu_fault",
					     "advise", "evict", "range_add",
					     "range_remove", "migrated",
					     "invalidated" };
	char want[128], line[512];
	__u32 prog_id, map_id = link_map_id();
	size_t i;
	int rc;

	ASSERT_NE(0, map_id);
	ASSERT_EQ(1, struct_ops_prog_ids(FAULT_PROG, &prog_id));

	/* as text: what a user reads */
	rc = sh_out(self->out, sizeof(self->out),
		    "%s struct_ops dump name " OPS_MAP " 2>&1", SVM_BPFTOOL);
	ASSERT_EQ(0, rc) TH_LOG("bpftool struct_ops dump: exit %d%s:\n%s", rc,
				killed(rc) ? " (killed by a signal)" : "",
				self->out);
	EXPECT_NE(NULL, strstr(self->out, "\"bpf_struct_ops_svm_ext_ops\""))
		TH_LOG("%s", self->out);
	snprintf(want, sizeof(want), " %s/prog_id:%u\"", FAULT_PROG, prog_id);
	EXPECT_NE(NULL, strstr(self->out, want)) TH_LOG("no '%s' in:\n%s",
							  want, self->out);

	/* as JSON: the map, and each member of its value, one per line */
	rc = sh_out(self->out, sizeof(self->out),
		    "%s -j struct_ops dump name " OPS_MAP " | jq -er '"
		    "(.[] | .bpf_map_info // empty | \"map \\(.id) \\(.name)\"), "
		    "(.[] | .bpf_struct_ops_svm_ext_ops // empty | .data | "
		    "to_entries[] | \"\\(.key)=\\(.value)\")'", SVM_BPFTOOL);
	ASSERT_EQ(0, rc) TH_LOG("%s", self->out);
	snprintf(want, sizeof(want), "map %u %s", map_id, OPS_MAP);
	EXPECT_TRUE(find_line(self->out, "map ", line, sizeof(line)) &&
		    !strcmp(line, want))
		TH_LOG("want '%s' in:\n%s", want, self->out);
	EXPECT_TRUE(find_line(self->out, "name=", line, sizeof(line)) &&
		    !strcmp(line, "name=" POLICY))
		TH_LOG("want 'name=%s' in:\n%s", POLICY, self->out);
	snprintf(want, sizeof(want), " %s/prog_id:%u", FAULT_PROG, prog_id);
	EXPECT_TRUE(find_line(self->out, "fault=", line, sizeof(line)) &&
		    ends_with(line, want))
		TH_LOG("fault: '%s', want '...%s'", line, want);
	for (i = 0; i < sizeof(unset) / sizeof(unset[0]); i++) {
		char key[32];

		snprintf(key, sizeof(key), "%s=", unset[i]);
		EXPECT_TRUE(find_line(self->out, key, line, sizeof(line)) &&
			    ends_with(line, " 0"))
			TH_LOG("%s: '%s', want no program", unset[i], line);
	}
}

/*
 * `bpftool -j map dump pinned .../params`: one entry, key 0, the BTF-typed
 * value equal to what `svmctl get` reports, the raw bytes equal to what the
 * kernel holds.  The text dump shows each of svmctl's KEY=VALUE pairs.
 */
TEST_F_TIMEOUT(bt, params_dump_matches_svmctl_get, TEST_TIMEOUT)
{
	unsigned char kern[VALUE_MAX], dumped[VALUE_MAX];
	char line[1024], typed[256], key[128];
	long long val;
	const char *l;
	int n, rc, keys = 0;

	/* entries and key; the typed value; the raw bytes: one line each */
	rc = sh_out(self->out, sizeof(self->out),
		    "%s -j map dump pinned " PARAMS " | jq -cSe "
		    "'[length, .[0].formatted.key], .[0].formatted.value, .[0].value'",
		    SVM_BPFTOOL);
	ASSERT_EQ(0, rc) TH_LOG("%s", self->out);
	first_line(line, sizeof(line), self->out);
	EXPECT_STREQ("[1,0]", line);
	l = next_line(self->out);
	first_line(typed, sizeof(typed), l);
	rc = sh_out(self->cmp, sizeof(self->cmp), "%s get --json | jq -cSe .",
		    svmctl_path());
	ASSERT_EQ(0, rc);
	first_line(line, sizeof(line), self->cmp);
	EXPECT_STREQ(line, typed);
	/* the policy's defaults (bpf/prefetch.bpf.c), not an empty object */
	EXPECT_STREQ("{\"max_window_kb\":2048,\"stride_ahead\":64,\"stride_max_kb\":256,\"threshold\":51}",
		     typed);

	n = params_bytes(kern, sizeof(kern));
	ASSERT_GT(n, 0);
	first_line(line, sizeof(line), next_line(l));
	ASSERT_EQ(n, parse_hex_bytes(line, dumped, sizeof(dumped)))
		TH_LOG("value: %s", line);
	EXPECT_EQ(0, memcmp(kern, dumped, n));

	/* the text dump, as the README shows it, has svmctl's every pair */
	rc = sh_out(self->out, sizeof(self->out),
		    "%s map dump pinned " PARAMS, SVM_BPFTOOL);
	ASSERT_EQ(0, rc);
	rc = sh_out(self->cmp, sizeof(self->cmp), "%s get", svmctl_path());
	ASSERT_EQ(0, rc);
	for (l = self->cmp; *l; l = next_line(l)) {
		char want[256];

		first_line(line, sizeof(line), l);
		if (sscanf(line, "%127[^=]=%lld", key, &val) != 2)
			continue;
		keys++;
		snprintf(want, sizeof(want), "\"%s\": %lld", key, val);
		EXPECT_NE(NULL, strstr(self->out, want))
			TH_LOG("svmctl get: %s; no '%s' in:\n%s", line, want,
			       self->out);
	}
	EXPECT_EQ(4, keys) TH_LOG("svmctl get:\n%s", self->cmp);
}

/*
 * `bpftool map update pinned .../params`: max_window_kb from 2048 to 64, at
 * the offset bpftool's BTF dump gives.  svmctl reads 64, the other tunables
 * stay, and the running policy now moves at most 64 KiB per fault: a
 * sequential write of a 2 MiB chunk takes at least 32 faults, where with
 * 2048 some fault moved more than that (a handful of faults per chunk).
 */
TEST_F_TIMEOUT(bt, params_update_changes_the_policy, TEST_TIMEOUT)
{
	unsigned char val[VALUE_MAX], after[VALUE_MAX];
	struct drm_svm_emu_counters before_c, after_c;
	char cmd[2048];
	long off;
	int n, i, rc;
	size_t len;

	rc = sh_out(self->out, sizeof(self->out), "%s get max_window_kb",
		    svmctl_path());
	ASSERT_EQ(0, rc);
	ASSERT_STREQ("2048\n", self->out);
	seq_write_chunk(_metadata, self->fd, 0x7100, &before_c);
	EXPECT_LT(before_c.faults, CHUNK_PAGES / 16)
		TH_LOG("max_window_kb 2048: %llu faults for one chunk",
		       (unsigned long long)before_c.faults);
	/* what svmctl must report after the update: only that key changed */
	rc = sh_out(self->cmp, sizeof(self->cmp),
		    "%s get --json | jq -cSe '.max_window_kb = 64'",
		    svmctl_path());
	ASSERT_EQ(0, rc);

	/* where max_window_kb lives in the value, as bpftool reads the BTF */
	rc = sh_out(self->out, sizeof(self->out),
		    "%s -j btf dump map pinned " PARAMS " value | jq -e '.types[0].members[] | select(.name == \"max_window_kb\") | .bits_offset'",
		    SVM_BPFTOOL);
	ASSERT_EQ(0, rc);
	off = strtol(self->out, NULL, 10);
	ASSERT_EQ(0, off % 32) TH_LOG("bits_offset %s", self->out);
	off /= 8;

	n = params_bytes(val, sizeof(val));
	ASSERT_GE(n, off + 4);
	val[off] = 64;			/* little-endian __u32 64 */
	val[off + 1] = val[off + 2] = val[off + 3] = 0;
	len = snprintf(cmd, sizeof(cmd), "%s map update pinned " PARAMS
		       " key 0 0 0 0 value", SVM_BPFTOOL);
	for (i = 0; i < n; i++)
		len += snprintf(cmd + len, sizeof(cmd) - len, " %u", val[i]);
	snprintf(cmd + len, sizeof(cmd) - len, " 2>&1");
	rc = sh_out(self->out, sizeof(self->out), "%s", cmd);
	ASSERT_EQ(0, rc) TH_LOG("%s: exit %d:\n%s", cmd, rc, self->out);

	/* the kernel holds these bytes; svmctl and bpftool read them */
	ASSERT_EQ(n, params_bytes(after, sizeof(after)));
	EXPECT_EQ(0, memcmp(val, after, n));
	rc = sh_out(self->out, sizeof(self->out), "%s get max_window_kb",
		    svmctl_path());
	EXPECT_EQ(0, rc);
	EXPECT_STREQ("64\n", self->out);
	rc = sh_out(self->out, sizeof(self->out), "%s get --json | jq -cSe .",
		    svmctl_path());
	EXPECT_EQ(0, rc);
	EXPECT_STREQ(self->cmp, self->out);
	rc = sh_out(self->cmp, sizeof(self->cmp),
		    "%s -j map dump pinned " PARAMS " | jq -cSe '.[0].formatted.value'",
		    SVM_BPFTOOL);
	EXPECT_EQ(0, rc);
	EXPECT_STREQ(self->out, self->cmp);

	/* the running policy obeys: no fault moves more than 16 pages */
	seq_write_chunk(_metadata, self->fd, 0x7200, &after_c);
	EXPECT_GE(after_c.faults, CHUNK_PAGES / 16)
		TH_LOG("max_window_kb 64: %llu faults for one chunk",
		       (unsigned long long)after_c.faults);
	EXPECT_EQ(0, run("grep -qx enabled " SVM_SYSFS "/state"));
	TH_LOG("sequential 2 MiB write: %llu faults with max_window_kb 2048, %llu with 64 (set by bpftool)",
	       (unsigned long long)before_c.faults,
	       (unsigned long long)after_c.faults);
}

TEST_HARNESS_MAIN
