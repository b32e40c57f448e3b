// SPDX-License-Identifier: GPL-2.0
/*
 * svmctl ranges: attributes and residency of a process's ranges, from the
 * core's debugfs dump <debugfs>/svm_ext/ranges.  Its format: a header line
 *   # tgid start end faults pages_in folios_in pages_out folios_out
 *     remote_maps preferred accessed_by read_mostly granularity d0 d1 ...
 * (one dN column per registered device), then one line per 2 MiB range.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>

#include "json_writer.h"
#include "stats_view.h"
#include "svmctl.h"
#include "sysfs.h"

#define DEBUGFS_DEFAULT "/sys/kernel/debug"
#ifndef DEBUGFS_MAGIC
#define DEBUGFS_MAGIC 0x64626720
#endif
#define MAX_DEVS 8
#define FIXED_COLS 13

struct range_line {
	unsigned long long start, end, faults, pages_in, remote_maps;
	unsigned long long folios_in, pages_out, folios_out;
	char preferred[16];		/* none, system or a device index */
	unsigned long long accessed_by;
	unsigned int read_mostly, granularity;
	unsigned long long resident[MAX_DEVS];
};

static const char *debugfs_root(void)
{
	const char *env = getenv("SVMCTL_DEBUGFS");

	return env && env[0] ? env : DEBUGFS_DEFAULT;
}

/* Mounts debugfs at the default place if nothing is there. */
static int debugfs_prepare(void)
{
	const char *root = debugfs_root();
	struct statfs sfs;

	if (statfs(root, &sfs))
		return p_err(EXIT_FAIL, errno, "cannot access %s", root);
	if (sfs.f_type == DEBUGFS_MAGIC || strcmp(root, DEBUGFS_DEFAULT))
		return 0;
	if (mount("debugfs", root, "debugfs", 0, NULL))
		return p_err(errno == EPERM ? EXIT_PERM : EXIT_FAIL, errno,
			     "mounting debugfs on %s", root);
	p_info("mounted debugfs on %s", root);
	return 0;
}

/* Splits a line into at most max whitespace-separated fields. */
static int split(char *s, char **f, int max)
{
	int n = 0;
	char *save = NULL;

	for (char *t = strtok_r(s, " \t\n", &save); t && n < max;
	     t = strtok_r(NULL, " \t\n", &save))
		f[n++] = t;
	return n;
}

static int num(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end || *s == '-' ? -1 : 0;
}

/* The dN columns of the header: their device indices. */
static int parse_header(char *line, unsigned int *devs, int *ndev)
{
	static const char *const fixed[FIXED_COLS] = {
		"tgid", "start", "end", "faults", "pages_in", "folios_in",
		"pages_out", "folios_out", "remote_maps", "preferred",
		"accessed_by", "read_mostly", "granularity",
	};
	char *f[FIXED_COLS + MAX_DEVS + 2];
	int n = split(line, f, ARRAY_SIZE(f));

	if (n < 1 + FIXED_COLS || strcmp(f[0], "#"))
		return -1;
	for (int i = 0; i < FIXED_COLS; i++)
		if (strcmp(f[1 + i], fixed[i]))
			return -1;
	*ndev = 0;
	for (int i = 1 + FIXED_COLS; i < n; i++) {
		unsigned long long d;

		if (f[i][0] != 'd' || num(f[i] + 1, &d) || *ndev >= MAX_DEVS)
			return -1;
		devs[(*ndev)++] = d;
	}
	return 0;
}

static int parse_line(char *line, int ndev, unsigned int *tgid,
		      struct range_line *r)
{
	char *f[FIXED_COLS + MAX_DEVS + 1];
	unsigned long long v;
	int n = split(line, f, ARRAY_SIZE(f));

	if (n != FIXED_COLS + ndev || num(f[0], &v))
		return -1;
	*tgid = v;
	memset(r, 0, sizeof(*r));
	if (num(f[1], &r->start) || num(f[2], &r->end) ||
	    num(f[3], &r->faults) || num(f[4], &r->pages_in) ||
	    num(f[5], &r->folios_in) || num(f[6], &r->pages_out) ||
	    num(f[7], &r->folios_out) || num(f[8], &r->remote_maps) ||
	    num(f[10], &r->accessed_by))
		return -1;
	if (strcmp(f[9], "none") && strcmp(f[9], "system") && num(f[9], &v))
		return -1;
	snprintf(r->preferred, sizeof(r->preferred), "%s", f[9]);
	if (num(f[11], &v) || v > 1)
		return -1;
	r->read_mostly = v;
	if (num(f[12], &v) || v > 63)
		return -1;
	r->granularity = v;
	for (int i = 0; i < ndev; i++)
		if (num(f[FIXED_COLS + i], &r->resident[i]))
			return -1;
	return 0;
}

static void json_range(json_writer_t *jw, const struct range_line *r,
		       int ndev)
{
	unsigned long long v;

	jw_start_object(jw);
	jw_uint_field(jw, "start", r->start);
	jw_uint_field(jw, "end", r->end);
	jw_uint_field(jw, "faults", r->faults);
	jw_uint_field(jw, "pages_in", r->pages_in);
	jw_uint_field(jw, "folios_in", r->folios_in);
	jw_uint_field(jw, "pages_out", r->pages_out);
	jw_uint_field(jw, "folios_out", r->folios_out);
	jw_uint_field(jw, "remote_maps", r->remote_maps);
	if (!num(r->preferred, &v))
		jw_uint_field(jw, "preferred", v);
	else
		jw_string_field(jw, "preferred", r->preferred);
	jw_name(jw, "accessed_by");
	jw_start_array(jw);
	for (unsigned int b = 0; b < 64; b++)
		if (r->accessed_by & (1ULL << b))
			jw_uint(jw, b);
	jw_end_array(jw);
	jw_bool_field(jw, "read_mostly", r->read_mostly);
	jw_uint_field(jw, "granularity", r->granularity);
	jw_name(jw, "resident");
	jw_start_array(jw);
	for (int i = 0; i < ndev; i++)
		jw_uint(jw, r->resident[i]);
	jw_end_array(jw);
	jw_end_object(jw);
}

static void text_header(const unsigned int *devs, int ndev)
{
	char col[16];

	printf("%-31s %7s %8s %5s %9s %6s %7s %-9s %-8s %2s %4s", "RANGE",
	       "FAULTS", "PAGES_IN", "2M_IN", "PAGES_OUT", "2M_OUT", "RMAPS",
	       "PREFERRED", "ACC_BY", "RM", "GRAN");
	for (int i = 0; i < ndev; i++) {
		snprintf(col, sizeof(col), "D%u", devs[i]);
		printf(" %5s", col);
	}
	printf(" %6s\n", "SYS/NP");
}

static void text_range(const struct range_line *r, int ndev)
{
	unsigned long long pages = (r->end - r->start) / 4096, on_dev = 0;
	char acc[24], rg[48];

	snprintf(acc, sizeof(acc), "%#llx", r->accessed_by);
	snprintf(rg, sizeof(rg), "%#llx-%#llx", r->start, r->end);
	printf("%-31s %7llu %8llu %5llu %9llu %6llu %7llu %-9s %-8s %2u %4u",
	       rg, r->faults, r->pages_in, r->folios_in, r->pages_out,
	       r->folios_out, r->remote_maps, r->preferred, acc,
	       r->read_mostly, r->granularity);
	for (int i = 0; i < ndev; i++) {
		printf(" %5llu", r->resident[i]);
		on_dev += r->resident[i];
	}
	/* the rest is in system memory or not populated */
	printf(" %6llu\n", pages > on_dev ? pages - on_dev : 0);
}

static int do_ranges(int argc, char **argv)
{
	char path[1024], line[1024];
	unsigned int pid = 0, tgid, devs[MAX_DEVS];
	struct range_line r;
	json_writer_t *jw = NULL;
	bool has_pid = false, header = false;
	size_t count = 0;
	int c, ret, ndev = 0;
	unsigned long lineno = 0;
	FILE *f;

	optind = 0;
	while ((c = cmd_getopt(&cmd_ranges, argc, argv)) != -1) {
		ret = -1;
		if (c == 'p') {
			if (parse_pid(optarg, &pid))
				return usage_err(&cmd_ranges,
						 "--pid '%s' is not a process id",
						 optarg);
			has_pid = true;
		} else {
			ret = common_opt(&cmd_ranges, c, argv);
		}
		if (ret >= 0)
			return ret;
	}
	if (optind < argc)
		return usage_err(&cmd_ranges, "unexpected argument '%s'",
				 argv[optind]);
	if (!has_pid)
		return usage_err(&cmd_ranges, "--pid PID is required");
	ret = svm_require_loaded();
	if (ret)
		return ret;
	ret = debugfs_prepare();
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/svm_ext/ranges", debugfs_root());
	f = fopen(path, "re");
	if (!f)
		return p_err(errno == EACCES || errno == EPERM ? EXIT_PERM :
			     EXIT_FAIL, errno,
			     "cannot read %s%s", path,
			     errno == ENOENT ? " (svm_ext.ko without the ranges dump? debugfs mounted?)" : "");

	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!header) {
			if (parse_header(line, devs, &ndev)) {
				ret = p_err(EXIT_FAIL, EPROTO,
					    "%s: unexpected header (not '# tgid start end faults pages_in folios_in pages_out folios_out remote_maps preferred accessed_by read_mostly granularity d0 ...')",
					    path);
				goto out;
			}
			header = true;
			if (json_output) {
				jw = jw_new(stdout, pretty_output);
				jw_start_object(jw);
				jw_uint_field(jw, "pid", pid);
				jw_name(jw, "devices");
				jw_start_array(jw);
				for (int i = 0; i < ndev; i++)
					jw_uint(jw, devs[i]);
				jw_end_array(jw);
				jw_name(jw, "ranges");
				jw_start_array(jw);
			}
			continue;
		}
		if (parse_line(line, ndev, &tgid, &r)) {
			ret = p_err(EXIT_FAIL, EPROTO, "%s:%lu: cannot parse '%.*s'",
				    path, lineno, (int)strcspn(line, "\n"),
				    line);
			goto out;
		}
		if (tgid != pid)
			continue;
		if (!jw && !count)
			text_header(devs, ndev);
		count++;
		if (jw)
			json_range(jw, &r, ndev);
		else
			text_range(&r, ndev);
	}
	if (ferror(f)) {
		ret = p_err(EXIT_FAIL, errno, "reading %s", path);
		goto out;
	}
	if (!header) {
		ret = p_err(EXIT_FAIL, EPROTO, "%s is empty (no header)", path);
		goto out;
	}
	if (!count && kill(pid, 0) && errno == ESRCH) {
		ret = p_err(EXIT_FAIL, ESRCH, "no process %u", pid);
		goto out;
	}
	if (!jw && !count)
		printf("  (process %u has no svm_ext ranges)\n", pid);
	ret = EXIT_OKAY;
out:
	if (jw) {
		jw_end_array(jw);
		jw_end_object(jw);
		jw_destroy(&jw);
	}
	fclose(f);
	return ret;
}

const struct svm_cmd cmd_ranges = {
	.name = "ranges",
	.fn = do_ranges,
	.summary = "attributes and residency of a process's ranges (debugfs)",
	.synopsis = "svmctl ranges --pid PID [--json]",
	.desc =
"Reads the core's dump </sys/kernel/debug/svm_ext/ranges> (debugfs is\n"
"mounted there if it is not) and shows the 2 MiB ranges of process <PID>:\n"
"device faults, pages migrated in (PAGES_IN) and of those how many went as\n"
"whole 2 MiB folios (2M_IN, 512 pages each), pages migrated back to system\n"
"memory (PAGES_OUT, 2M_OUT likewise), pages mapped in place (remote maps),\n"
"the hints in force (preferred location: none, system or a device;\n"
"accessed-by device mask; read-mostly; granularity as log2 pages) and how\n"
"many pages are resident on each device.  Pages on no device (SYS/NP) are\n"
"in system memory or not populated.  A snapshot: pages move while it is\n"
"read.",
	.opts = (const struct svm_opt[]){
		{ "pid", 'p', "PID", COMP_PID, .help =
"The process (required)." },
		{ "json", 'j', .help =
"JSON output: `{pid, devices: [N...], ranges: [{start, end, faults,\n"
"pages_in, folios_in, pages_out, folios_out, remote_maps, preferred,\n"
"accessed_by: [N...], read_mostly, granularity, resident: [N...]}]}`;\n"
"`preferred` is `\"none\"`, `\"system\"` or a device index, `resident`\n"
"the pages on each device, in the order of `devices`." },
		{ NULL }
	},
	.exits = (const struct svm_exit[]){
		{ 0, "shown" },
		{ 1, "failed (ENOENT: no dump file; ESRCH: no such process; EPROTO:\n"
		     "a format this svmctl does not know)" },
		{ 2, "usage error" },
		{ 3, "svm_ext is not loaded" },
		{ 4, "permission denied (debugfs is root's)" },
		{ 0, NULL }
	},
	.examples = (const struct svm_example[]){
		{ "svmctl ranges --pid $PID",
		  "where the pages of process <$PID> are, and its hints", NULL },
		{ "svmctl ranges --pid $PID --json | jq '.ranges[].resident'",
		  "the pages each of its ranges has on each device", NULL },
		{ NULL }
	},
};
