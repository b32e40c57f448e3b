// SPDX-License-Identifier: GPL-2.0
/*
 * svmctl as an admin uses it beyond load/unload: the statistics collector
 * (`stats`, `top`) agrees with the pinned map as bpftool reads it, with the
 * EXEC call's own counters and with sysfs; `switch` replaces a running
 * policy in place; `devices` shows what sysfs has; `ranges` shows where
 * the test put its pages; bad arguments get the documented exit codes.
 * jq picks numbers out of the JSON both tools print.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

#define CH (2 * MIB)			/* one range */
#define NCH 4				/* ranges in the test buffer */
#define PIN "/sys/fs/bpf/svm_ext"
#define RANGES PIN "/stats/ranges"
#define NONE LLONG_MIN

/* First line of a shell command's output as a number; NONE if none. */
static long long sh_ll(const char *fmt, ...)
{
	char cmd[2048], line[128], *end;
	long long v = NONE;
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	if (!p)
		return NONE;
	if (fgets(line, sizeof(line), p)) {
		errno = 0;
		v = strtoll(line, &end, 0);
		if (errno || end == line || (*end && *end != '\n'))
			v = NONE;
	}
	pclose(p);
	return v;
}

/* First line of a shell command's output, without the newline. */
static void sh_str(char *buf, size_t len, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	FILE *p;

	buf[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	if (!p)
		return;
	if (!fgets(buf, len, p))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	pclose(p);
}

/* A counter of one range, as `svmctl stats --json` prints it. */
static long long stat_of(const char *field, void *start)
{
	return sh_ll("%s stats --json --pid %d | jq -e '.ranges[] | "
		     "select(.start == %lu) | .%s'", svmctl_path(), getpid(),
		     (unsigned long)start, field);
}

/* jq filter listing a range's counters, tab-separated, in this order */
#define COUNTERS "[.faults_read, .faults_write, .faults_atomic, " \
	".map_faults, .throttles, .pages_to_dev, .pages_from_peer, " \
	".pages_to_sys, .evictions, .pages_evicted, .cpu_faults, " \
	".invalidations, .advise] | @tsv"

/* Every counter of a range: from svmctl, and from bpftool's map dump. */
static void counters_svmctl(char *buf, size_t len, void *start)
{
	sh_str(buf, len, "%s stats --json --pid %d | jq -r '.ranges[] | "
	       "select(.start == %lu) | " COUNTERS "'", svmctl_path(),
	       getpid(), (unsigned long)start);
}

static void counters_bpftool(char *buf, size_t len, void *start)
{
	sh_str(buf, len, "%s -j map dump pinned " RANGES " | jq -r '.[] | "
	       "(.formatted // .) | select(.key.tgid == %d and "
	       ".key.start == %lu) | .value | " COUNTERS "'", SVM_BPFTOOL,
	       getpid(), (unsigned long)start);
}

/* Collector's per-device counter. */
static long long dev_stat(unsigned int dev, const char *field)
{
	return sh_ll("%s stats --json | jq -e '.devices[] | "
		     "select(.index == %u) | .%s'", svmctl_path(), dev, field);
}

FIXTURE(ctl)
{
	int fd0, fd1;
	uint8_t *buf;
	char s[512];
};

FIXTURE_SETUP(ctl)
{
	self->fd0 = emu_open(0);
	self->fd1 = emu_open(1);
	ASSERT_GE(self->fd0, 0);
	ASSERT_GE(self->fd1, 0);
	ASSERT_EQ(0, emu_bind(self->fd0));
	ASSERT_EQ(0, emu_bind(self->fd1));
	self->buf = map_chunk_aligned(NCH * CH, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, self->buf);
	run("%s unload >/dev/null 2>&1", svmctl_path());
	ASSERT_EQ(0, run("%s stats --start >/dev/null", svmctl_path()));
}

FIXTURE_TEARDOWN(ctl)
{
	run("%s unload >/dev/null 2>&1", svmctl_path());
	munmap(self->buf, NCH * CH);
	close(self->fd1);
	close(self->fd0);
}

/*
 * Writes over two ranges on device 0 (built-in default: whole chunks
 * migrate): svmctl, the pinned map read by bpftool, the EXEC's counters
 * and sysfs agree.
 */
TEST_F_TIMEOUT(ctl, stats_agree_with_exec_bpftool_and_sysfs, 120)
{
	char a[256], b[256];
	long long w0 = dev_stat(0, "faults_write");
	long long in0 = dev_stat(0, "pages_to_dev");
	long long sw0 = dev_counter(0, "faults_write");
	long long sin0 = dev_counter(0, "pages_to_dev");
	struct drm_svm_emu_counters c;
	long long faults = 0, pages = 0;
	int i;

	ASSERT_NE(NONE, w0);
	ASSERT_EQ(0, emu_exec1(self->fd0, SVM_EMU_OP_WRITE, self->buf, 2 * CH,
			       0, 11, NULL, &c));
	ASSERT_GT(c.faults, 0);
	ASSERT_EQ(2 * CH / 4096, c.pages_to_dev);
	for (i = 0; i < 2; i++) {
		void *r = self->buf + i * CH;

		/* the default moves the whole chunk: 512 pages each */
		EXPECT_EQ(CH / 4096, stat_of("pages_to_dev", r));
		EXPECT_EQ(0, stat_of("pages_to_sys", r));
		faults += stat_of("faults_write", r);
		pages += stat_of("pages_to_dev", r);
		/* every counter: svmctl == bpftool on the pinned map */
		counters_svmctl(a, sizeof(a), r);
		counters_bpftool(b, sizeof(b), r);
		EXPECT_NE(0, strlen(a));
		EXPECT_STREQ(a, b);
		EXPECT_EQ(stat_of("faults_write", r), stat_of("faults", r));
	}
	EXPECT_EQ((long long)c.faults, faults);
	EXPECT_EQ((long long)c.pages_to_dev, pages);
	/* per device: the collector saw what sysfs counted */
	EXPECT_EQ(dev_counter(0, "faults_write") - sw0,
		  dev_stat(0, "faults_write") - w0);
	EXPECT_EQ(dev_counter(0, "pages_to_dev") - sin0,
		  dev_stat(0, "pages_to_dev") - in0);
	EXPECT_EQ((long long)c.pages_to_dev,
		  dev_stat(0, "pages_to_dev") - in0);

	/* the CPU reads it back: CPU faults and pages back to system */
	EXPECT_EQ(-1, check_pattern(self->buf, 2 * CH, 11));
	EXPECT_GT(stat_of("cpu_faults", self->buf), 0);
	EXPECT_EQ(CH / 4096, stat_of("pages_to_sys", self->buf));
	counters_svmctl(a, sizeof(a), self->buf);
	counters_bpftool(b, sizeof(b), self->buf);
	EXPECT_NE(0, strlen(a));
	EXPECT_STREQ(a, b);
}

TEST_F_TIMEOUT(ctl, stats_filters_pid_and_range, 120)
{
	unsigned long a = (unsigned long)self->buf;

	ASSERT_EQ(0, emu_exec1(self->fd0, SVM_EMU_OP_WRITE, self->buf,
			       NCH * CH, 0, 5, NULL, NULL));
	/* --pid: only ours, and all of ours */
	EXPECT_EQ(0, run("%s stats --json --pid %d | jq -e 'all(.ranges[]; "
			 ".tgid == %d)' >/dev/null", svmctl_path(), getpid(),
			 getpid()));
	EXPECT_EQ(NCH, sh_ll("%s stats --json --pid %d | jq '[.ranges[] | "
			     "select(.start >= %lu and .start < %lu)] | length'",
			     svmctl_path(), getpid(), a, a + NCH * CH));
	/* init has no ranges */
	EXPECT_EQ(0, sh_ll("%s stats --json --pid 1 | jq '.ranges | length'",
			   svmctl_path()));
	/* --range: the two middle ranges, an address inside counts */
	EXPECT_EQ(2, sh_ll("%s stats --json --pid %d --range %#lx-%#lx | "
			   "jq '.ranges | length'", svmctl_path(), getpid(),
			   a + CH + 4096, a + 3 * CH - 4096));
	EXPECT_EQ((long long)(a + CH),
		  sh_ll("%s stats --json --pid %d --range %#lx-%#lx --sort addr"
			" | jq '.ranges[0].start'", svmctl_path(), getpid(),
			a + CH + 4096, a + 3 * CH - 4096));
	/* --sort faults: largest first */
	EXPECT_EQ(0, run("%s stats --json --sort faults | jq -e '[.ranges[]."
			 "faults] | . == (sort | reverse)' >/dev/null",
			 svmctl_path()));
	/* the text view names our ranges too */
	EXPECT_EQ(0, run("%s stats --pid %d | grep -q '%#lx'", svmctl_path(),
			 getpid(), a));
	EXPECT_EQ(-1, check_pattern(self->buf, NCH * CH, 5));
}

/* Oversubscribe device 0: evictions land on our ranges, as sysfs counts. */
TEST_F_TIMEOUT(ctl, stats_count_evictions_for_the_owner, 120)
{
	long long mem = read_ll(SVM_SYSFS "/devices/0/mem_total");
	long long ev0 = dev_counter(0, "evictions");
	long long pe0 = dev_counter(0, "pages_evicted");
	size_t len;
	uint8_t *b;

	ASSERT_GT(mem, 0);
	len = mem + 4 * CH;
	b = map_chunk_aligned(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, b);
	ASSERT_EQ(0, emu_exec1(self->fd0, SVM_EMU_OP_WRITE, b, len, 0, 77,
			       NULL, NULL));
	ASSERT_GT(dev_counter(0, "evictions"), ev0);
	/* all evictions this test caused are of its own ranges */
	EXPECT_EQ(dev_counter(0, "evictions") - ev0,
		  sh_ll("%s stats --json --pid %d | jq '[.ranges[] | select("
			".start >= %lu and .start < %lu) | .evictions] | add'",
			svmctl_path(), getpid(), (unsigned long)b,
			(unsigned long)b + len));
	EXPECT_EQ(dev_counter(0, "pages_evicted") - pe0,
		  sh_ll("%s stats --json --pid %d | jq '[.ranges[] | select("
			".start >= %lu and .start < %lu) | .pages_evicted] | add'",
			svmctl_path(), getpid(), (unsigned long)b,
			(unsigned long)b + len));
	{
		char x[256], y[256];

		counters_svmctl(x, sizeof(x), b);
		counters_bpftool(y, sizeof(y), b);
		EXPECT_NE(0, strlen(x));
		EXPECT_STREQ(x, y);
	}
	EXPECT_EQ(-1, check_pattern(b, len, 77));
	munmap(b, len);
}

/* sysmem -> default in place: state, exit kind, pins, and the data. */
TEST_F_TIMEOUT(ctl, switch_sysmem_to_default, 120)
{
	long long count0;
	struct drm_svm_emu_counters c;

	ASSERT_EQ(0, run("%s load sysmem >/dev/null", svmctl_path()));
	count0 = read_ll(SVM_SYSFS "/enable_count");
	ASSERT_EQ(0, emu_exec1(self->fd0, SVM_EMU_OP_WRITE, self->buf, CH, 0,
			       21, NULL, &c));
	EXPECT_EQ(0, c.pages_to_dev);		/* sysmem: mapped in place */

	ASSERT_EQ(0, run("%s switch default >/dev/null", svmctl_path()));
	sys_str("policy", self->s, sizeof(self->s));
	EXPECT_STREQ("default", self->s);
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("enabled", self->s);
	sys_str("exit_kind", self->s, sizeof(self->s));
	EXPECT_STREQ("replaced", self->s);
	EXPECT_EQ(count0 + 1, read_ll(SVM_SYSFS "/enable_count"));
	EXPECT_EQ(0, access(PIN "/default/link", F_OK));
	EXPECT_EQ(-1, access(PIN "/sysmem", F_OK));
	EXPECT_EQ(0, access(RANGES, F_OK));	/* the collector stays */

	/* the new policy decides: the next range migrates */
	ASSERT_EQ(0, emu_exec1(self->fd0, SVM_EMU_OP_WRITE, self->buf + CH, CH,
			       0, 22, NULL, &c));
	EXPECT_EQ(CH / 4096, c.pages_to_dev);
	EXPECT_EQ(CH / 4096, stat_of("pages_to_dev", self->buf + CH));
	EXPECT_EQ(0, stat_of("pages_to_dev", self->buf));
	EXPECT_GT(stat_of("map_faults", self->buf), 0);
	EXPECT_EQ(-1, check_pattern(self->buf, CH, 21));
	EXPECT_EQ(-1, check_pattern(self->buf + CH, CH, 22));

	/* JSON names both; unload then finds the moved pins */
	EXPECT_EQ(0, run("%s switch --json sysmem | jq -e '.policy == \"sysmem\""
			 " and .replaced == \"default\"' >/dev/null",
			 svmctl_path()));
	ASSERT_EQ(0, run("%s unload >/dev/null", svmctl_path()));
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("disabled", self->s);
	EXPECT_EQ(-1, access(PIN "/sysmem", F_OK));
}

TEST_F_TIMEOUT(ctl, devices_json_agrees_with_sysfs, 120)
{
	char js[] = "/tmp/svmctl-devices.XXXXXX";
	int n = emu_count(), fd = mkstemp(js);

	ASSERT_GT(n, 0);
	ASSERT_GE(fd, 0);
	close(fd);
	/* nothing runs meanwhile: one snapshot serves every comparison */
	ASSERT_EQ(0, run("%s devices --json > %s", svmctl_path(), js));
	EXPECT_EQ(n, sh_ll("jq '.devices | length' %s", js));
	for (int d = 0; d < n; d++) {
		char path[128], want[256], line[256];
		int nlinks = 0;
		FILE *f;

		snprintf(path, sizeof(path), "devices/%d/name", d);
		sys_str(path, want, sizeof(want));
		sh_str(self->s, sizeof(self->s), "jq -r '.devices[] | "
		       "select(.index == %d) | .name' %s", d, js);
		EXPECT_STREQ(want, self->s);
		snprintf(path, sizeof(path), SVM_SYSFS "/devices/%d/mem_total", d);
		EXPECT_EQ(read_ll(path),
			  sh_ll("jq '.devices[] | select("
				".index == %d) | .mem_total' %s", d, js));
		snprintf(path, sizeof(path), SVM_SYSFS "/devices/%d/mem_used", d);
		EXPECT_EQ(read_ll(path),
			  sh_ll("jq '.devices[] | select("
				".index == %d) | .mem_used' %s", d, js));
		snprintf(path, sizeof(path), SVM_SYSFS "/devices/%d/peers", d);
		EXPECT_EQ(read_ll(path),
			  sh_ll("jq '[.devices[] | select("
				".index == %d) | .peers[] | pow(2; .)] | add // 0' %s",
				d, js));
		/* every counter line and every link line */
		snprintf(path, sizeof(path), SVM_SYSFS "/devices/%d/counters", d);
		f = fopen(path, "r");
		ASSERT_NE(NULL, f);
		while (fgets(line, sizeof(line), f)) {
			char key[64];
			long long v;

			ASSERT_EQ(2, sscanf(line, "%63s %lld", key, &v));
			EXPECT_EQ(v, sh_ll("jq '.devices[] | "
					   "select(.index == %d) | .counters.%s' %s",
					   d, key, js)) TH_LOG("%s", key);
		}
		fclose(f);
		snprintf(path, sizeof(path), SVM_SYSFS "/devices/%d/links", d);
		f = fopen(path, "r");
		ASSERT_NE(NULL, f) TH_LOG("no %s", path);
		while (fgets(line, sizeof(line), f)) {
			char target[32];
			long long bw;

			ASSERT_EQ(2, sscanf(line, "%31s %lld", target, &bw));
			nlinks++;
			EXPECT_EQ(bw, sh_ll("jq '.devices[] | "
					    "select(.index == %d) | .links[] | "
					    "select(.target == \"%s\") | .mb_per_s' %s",
					    d, target, js));
		}
		fclose(f);
		EXPECT_GT(nlinks, 0);
		EXPECT_EQ(nlinks, sh_ll("jq '.devices[] | "
					"select(.index == %d) | .links | length' %s",
					d, js));
	}
	unlink(js);
}

/* Prefetch two ranges to device 1, write one on device 0: ranges shows it. */
TEST_F_TIMEOUT(ctl, ranges_show_residency_and_hints, 120)
{
	unsigned long a = (unsigned long)self->buf;
	const char *q = "%s ranges --pid %d --json | jq '.ranges[] | select("
			".start == %lu) | %s'";

	fill_pattern(self->buf, NCH * CH, 41);
	ASSERT_EQ(2 * CH / 4096, emu_prefetch(self->fd0, self->buf, 2 * CH, 1));
	ASSERT_EQ(0, emu_exec1(self->fd0, SVM_EMU_OP_ATOMIC_ADD,
			       self->buf + 2 * CH, CH, 0, 1, NULL, NULL));
	ASSERT_EQ(0, emu_set_attr(self->fd0, self->buf + CH, CH,
				  SVM_EXT_ATTR_ACCESSED_BY, 1));
	ASSERT_EQ(0, emu_set_attr(self->fd0, self->buf + 3 * CH, CH,
				  SVM_EXT_ATTR_PREFERRED_LOC, SVM_EXT_LOC_SYSTEM));

	EXPECT_EQ(0, run("%s ranges --pid %d --json | jq -e '.devices[0] == 0 "
			 "and .devices[1] == 1' >/dev/null", svmctl_path(),
			 getpid()));
	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(CH / 4096, sh_ll(q, svmctl_path(), getpid(),
					   a + i * CH, ".resident[1]"));
		EXPECT_EQ(0, sh_ll(q, svmctl_path(), getpid(), a + i * CH,
				   ".resident[0]"));
	}
	EXPECT_EQ(CH / 4096, sh_ll(q, svmctl_path(), getpid(), a + 2 * CH,
				   ".resident[0]"));
	EXPECT_EQ(0, sh_ll(q, svmctl_path(), getpid(), a + 2 * CH,
			   ".resident[1]"));
	EXPECT_EQ(1, sh_ll(q, svmctl_path(), getpid(), a + CH,
			   ".accessed_by | length"));
	EXPECT_EQ(0, sh_ll(q, svmctl_path(), getpid(), a + CH,
			   ".accessed_by[0]"));
	sh_str(self->s, sizeof(self->s), "%s ranges --pid %d --json | jq -r "
	       "'.ranges[] | select(.start == %lu) | .preferred'",
	       svmctl_path(), getpid(), a + 3 * CH);
	EXPECT_STREQ("system", self->s);
	/* the text view: one line per range, our first range in it */
	EXPECT_EQ(0, run("%s ranges --pid %d | grep -q '^ *%#lx-'",
			 svmctl_path(), getpid(), a));

	/* the bytes: range 2 had 1 added to every word */
	EXPECT_EQ(-1, check_pattern(self->buf, 2 * CH, 41));
	for (size_t w = 0; w < CH / 8; w++)
		ASSERT_EQ(41 + 2 * CH / 8 + w + 1,
			  ((uint64_t *)(self->buf + 2 * CH))[w]);
	EXPECT_EQ(-1, check_pattern(self->buf + 3 * CH, CH, 41 + 3 * CH / 8));
}

TEST_F_TIMEOUT(ctl, top_prints_count_frames, 120)
{
	char tmp[] = "/tmp/svmctl-top.XXXXXX";
	int fd = mkstemp(tmp);

	ASSERT_GE(fd, 0);
	close(fd);
	ASSERT_EQ(0, emu_exec1(self->fd0, SVM_EMU_OP_WRITE, self->buf, CH, 0,
			       3, NULL, NULL));
	/* enough rows for ours beside earlier tests' ranges */
	ASSERT_EQ(0, run("%s top --count 2 --interval 0.2 --rows 100000 > %s",
			 svmctl_path(), tmp));
	EXPECT_EQ(2, sh_ll("grep -c '^svmctl top - frame' %s", tmp));
	EXPECT_EQ(0, run("grep -q '^ *%d  *%#lx-' %s", getpid(),
			 (unsigned long)self->buf, tmp));
	EXPECT_EQ(0, run("grep -q '^ *DEV ' %s", tmp));
	/* JSON: one object per frame, numbered */
	ASSERT_EQ(0, run("%s top --json --count 2 --interval 0.2 > %s",
			 svmctl_path(), tmp));
	EXPECT_EQ(0, run("jq -s -e 'length == 2 and .[0].frame == 1 and "
			 ".[1].frame == 2' %s >/dev/null", tmp));
	unlink(tmp);
	EXPECT_EQ(-1, check_pattern(self->buf, CH, 3));
}

/* The collector survives unload; --stop removes it; load restarts it. */
TEST_F_TIMEOUT(ctl, collector_lifetime, 120)
{
	ASSERT_EQ(0, run("%s stats --stop >/dev/null", svmctl_path()));
	EXPECT_EQ(-1, access(PIN "/stats", F_OK));
	EXPECT_EQ(1, run("%s stats >/dev/null 2>&1", svmctl_path()));
	EXPECT_EQ(1, run("%s stats --stop >/dev/null 2>&1", svmctl_path()));
	EXPECT_EQ(0, run("%s status --json | jq -e '.collector == \"stopped\"' "
			 ">/dev/null", svmctl_path()));
	sh_str(self->s, sizeof(self->s), "%s load --json sysmem | jq -r "
	       ".collector", svmctl_path());
	EXPECT_STREQ("started", self->s);
	EXPECT_EQ(0, access(RANGES, F_OK));
	EXPECT_EQ(0, run("%s status --json | jq -e '.collector == \"running\"' "
			 ">/dev/null", svmctl_path()));
	ASSERT_EQ(0, run("%s unload >/dev/null", svmctl_path()));
	EXPECT_EQ(0, access(RANGES, F_OK));
	EXPECT_EQ(0, run("%s stats >/dev/null", svmctl_path()));
	sh_str(self->s, sizeof(self->s), "%s stats --start --json | jq -r "
	       ".collector", svmctl_path());
	EXPECT_STREQ("running", self->s);
}

TEST_F_TIMEOUT(ctl, bad_arguments_exit_codes, 120)
{
	const char *c = svmctl_path();

	EXPECT_EQ(2, run("%s stats --sort bogus 2>/dev/null", c));
	EXPECT_EQ(2, run("%s stats --range 0x5000-0x3000 2>/dev/null", c));
	EXPECT_EQ(2, run("%s stats --range junk 2>/dev/null", c));
	EXPECT_EQ(2, run("%s stats --pid abc 2>/dev/null", c));
	EXPECT_EQ(2, run("%s stats --start --stop 2>/dev/null", c));
	EXPECT_EQ(2, run("%s stats --nope 2>/dev/null", c));
	EXPECT_EQ(2, run("%s top --count 0 2>/dev/null", c));
	EXPECT_EQ(2, run("%s top --interval 0 2>/dev/null", c));
	EXPECT_EQ(2, run("%s top --interval x 2>/dev/null", c));
	EXPECT_EQ(2, run("%s ranges 2>/dev/null", c));
	EXPECT_EQ(2, run("%s ranges --pid 0 2>/dev/null", c));
	EXPECT_EQ(1, run("%s ranges --pid 999999 2>/dev/null", c));
	EXPECT_EQ(2, run("%s devices extra 2>/dev/null", c));
	EXPECT_EQ(2, run("%s switch 2>/dev/null", c));
	/* nothing loaded: switch is a usage error and changes nothing */
	EXPECT_EQ(2, run("%s switch default 2>/dev/null", c));
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("disabled", self->s);
	ASSERT_EQ(0, run("%s load sysmem >/dev/null", c));
	EXPECT_EQ(5, run("%s switch no_such_policy 2>/dev/null", c));
	EXPECT_EQ(5, run("%s switch /nonexistent/x.bpf.o 2>/dev/null", c));
	EXPECT_EQ(1, run("%s switch --set no_such_key=1 default 2>/dev/null", c));
	/* a policy the verifier refuses: the old one runs on */
	EXPECT_EQ(1, run("%s switch %s >/dev/null 2>&1", c,
			 test_bpf_obj("write_ctx")));
	sys_str("policy", self->s, sizeof(self->s));
	EXPECT_STREQ("sysmem", self->s);	/* the failures left it alone */
	EXPECT_EQ(0, access(PIN "/sysmem/link", F_OK));
	/* --json errors are JSON with the exit code */
	EXPECT_EQ(0, run("%s stats --json --sort bogus 2>/dev/null | jq -e "
			 "'.error.exit_code == 2' >/dev/null", c));
	for (const char *cmd = "stats top devices ranges switch"; *cmd;) {
		char name[16];
		int n;

		sscanf(cmd, "%15s%n", name, &n);
		EXPECT_EQ(0, run("%s %s --help | grep -q '^EXIT STATUS'", c,
				 name)) TH_LOG("%s --help", name);
		cmd += n;
		while (*cmd == ' ')
			cmd++;
	}
}

TEST_HARNESS_MAIN
