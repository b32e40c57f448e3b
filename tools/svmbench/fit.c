// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench fit: is the emulated GPUs' cost model close to a real GPU?
 *
 * The real figures are a CSV in the repo (tools/svmbench/h100-uvm.csv: the
 * svmbench plans run on an H100 with NVIDIA's UVM driver); the modeled ones
 * are what `svmbench suite --csv` wrote for the same workloads, ratios and
 * device memory.  For each real row the table gives modeled / real device
 * time and the same for the oversubscription cliff (time at a ratio over
 * time at ratio 1 of the same workload and policy), the quantity a policy
 * author reads off the benchmark.  Only files are read: the comparison is
 * the same on any machine.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fit.h"

enum fit_col {
	COL_WORKLOAD, COL_RATIO, COL_POLICY, COL_CAP, COL_DEV_MS, COL_LO_MS,
	COL_HI_MS, COL_CPU_MS, COL_MODELED_NS, COL_CPU_NS, COL_N,
};

static const char *const col_names[COL_N] = {
	[COL_WORKLOAD] = "workload", [COL_RATIO] = "ratio",
	[COL_POLICY] = "policy", [COL_CAP] = "cap_chunks",
	[COL_DEV_MS] = "device_ms", [COL_LO_MS] = "device_ms_min",
	[COL_HI_MS] = "device_ms_max", [COL_CPU_MS] = "cpu_ms",
	[COL_MODELED_NS] = "modeled_ns", [COL_CPU_NS] = "cpu_ns",
};

/* Split @line at commas in place; returns the number of fields. */
static int split(char *line, char **f, int max)
{
	int n = 0;

	line[strcspn(line, "\r\n")] = 0;
	while (n < max) {
		f[n++] = line;
		line = strchr(line, ',');
		if (!line)
			break;
		*line++ = 0;
	}
	return n;
}

static int num(const char *s, double *v)
{
	char *end;

	if (!*s)
		return -ENODATA;
	errno = 0;
	*v = strtod(s, &end);
	return *end || errno || !isfinite(*v) || *v < 0 ? -EINVAL : 0;
}

static int parse_row(char **f, int nf, const int *idx, struct fit_row *r)
{
	double cap, v;

	memset(r, 0, sizeof(*r));
	r->cpu_ms = -1;
	if (idx[COL_WORKLOAD] >= nf || idx[COL_RATIO] >= nf ||
	    idx[COL_POLICY] >= nf || idx[COL_CAP] >= nf)
		return -EINVAL;
	if (strlen(f[idx[COL_WORKLOAD]]) >= FIT_NAME_LEN ||
	    strlen(f[idx[COL_POLICY]]) >= FIT_NAME_LEN)
		return -ENAMETOOLONG;
	strcpy(r->workload, f[idx[COL_WORKLOAD]]);
	strcpy(r->policy, f[idx[COL_POLICY]]);
	if (num(f[idx[COL_RATIO]], &r->ratio) || !r->ratio ||
	    num(f[idx[COL_CAP]], &cap) || !cap || cap > UINT32_MAX)
		return -EINVAL;
	r->cap_chunks = (uint32_t)cap;
	if (idx[COL_DEV_MS] >= 0) {	/* real */
		if (idx[COL_DEV_MS] >= nf ||
		    num(f[idx[COL_DEV_MS]], &r->device_ms) || !r->device_ms)
			return -EINVAL;
		r->lo_ms = r->hi_ms = r->device_ms;
		if (idx[COL_LO_MS] >= 0 && idx[COL_LO_MS] < nf &&
		    !num(f[idx[COL_LO_MS]], &v))
			r->lo_ms = v;
		if (idx[COL_HI_MS] >= 0 && idx[COL_HI_MS] < nf &&
		    !num(f[idx[COL_HI_MS]], &v))
			r->hi_ms = v;
		if (idx[COL_CPU_MS] >= 0 && idx[COL_CPU_MS] < nf &&
		    !num(f[idx[COL_CPU_MS]], &v))
			r->cpu_ms = v;
		return 0;
	}
	/* svmbench suite */
	if (idx[COL_MODELED_NS] >= nf || num(f[idx[COL_MODELED_NS]], &v))
		return -EINVAL;
	r->device_ms = r->lo_ms = r->hi_ms = v / 1e6;
	if (idx[COL_CPU_NS] >= 0 && idx[COL_CPU_NS] < nf &&
	    !num(f[idx[COL_CPU_NS]], &v))
		r->cpu_ms = v / 1e6;
	return 0;
}

int fit_read(const char *path, struct fit_table *t)
{
	FILE *f = fopen(path, "r");
	int idx[COL_N], line = 0, ret = 0, i;
	bool header = false;
	char buf[1024], *fl[64];

	if (!f) {
		fprintf(stderr, "svmbench fit: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	t->n = 0;
	while (!ret && fgets(buf, sizeof(buf), f)) {
		int nf;

		line++;
		if (buf[0] == '#' || buf[0] == '\n')
			continue;
		nf = split(buf, fl, 64);
		if (!header) {
			for (i = 0; i < COL_N; i++) {
				int j;

				idx[i] = -1;
				for (j = 0; j < nf; j++)
					if (!strcmp(fl[j], col_names[i]))
						idx[i] = j;
			}
			if (idx[COL_WORKLOAD] < 0 || idx[COL_RATIO] < 0 ||
			    idx[COL_POLICY] < 0 || idx[COL_CAP] < 0 ||
			    (idx[COL_DEV_MS] < 0 && idx[COL_MODELED_NS] < 0)) {
				fprintf(stderr, "svmbench fit: %s:%d: the header needs workload, ratio, policy, cap_chunks and device_ms or modeled_ns\n",
					path, line);
				ret = -EINVAL;
			}
			header = true;
			continue;
		}
		if (t->n == FIT_MAX_ROWS) {
			fprintf(stderr, "svmbench fit: %s: more than %d rows\n",
				path, FIT_MAX_ROWS);
			ret = -E2BIG;
			break;
		}
		ret = parse_row(fl, nf, idx, &t->rows[t->n]);
		if (ret)
			fprintf(stderr, "svmbench fit: %s:%d: %s\n", path, line,
				ret == -ENAMETOOLONG ? "name too long" :
				"a missing or malformed figure");
		else
			t->n++;
	}
	if (!ret && !header) {
		fprintf(stderr, "svmbench fit: %s: no header line\n", path);
		ret = -EINVAL;
	}
	fclose(f);
	return ret;
}

static const struct fit_row *find(const struct fit_table *t, const char *wl,
				  double ratio, const char *policy,
				  uint32_t cap)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct fit_row *r = &t->rows[i];

		if (!strcmp(r->workload, wl) && fabs(r->ratio - ratio) < 1e-9 &&
		    !strcmp(r->policy, policy) && r->cap_chunks == cap)
			return r;
	}
	return NULL;
}

/* How far off: max(x, 1/x), so that 1.5 means "1.5x either way". */
static double off(double x)
{
	return x >= 1 ? x : 1 / x;
}

void fit_compare(const struct fit_table *real, const struct fit_table *model,
		 const char *policy, double tol, FILE *md,
		 struct fit_summary *sum)
{
	size_t i;

	memset(sum, 0, sizeof(*sum));
	sum->worst_time = sum->worst_cliff = 1;
	fprintf(md, "| workload | ratio | policy (modeled) | real ms [min-max] | modeled ms | modeled / real | real cliff | modeled cliff | cliff modeled / real | real CPU ms | modeled CPU ms |\n");
	fprintf(md, "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < real->n; i++) {
		const struct fit_row *r = &real->rows[i], *m, *r1, *m1;
		const char *mp = policy && !strcmp(r->policy, "uvm") ? policy :
				 r->policy;
		double x;

		fprintf(md, "| %s | %g | %s | %.0f [%.0f-%.0f] |", r->workload,
			r->ratio, mp, r->device_ms, r->lo_ms, r->hi_ms);
		m = find(model, r->workload, r->ratio, mp, r->cap_chunks);
		if (!m) {
			sum->missing++;
			fprintf(md, " not run | | | | | |\n");
			continue;
		}
		sum->compared++;
		x = m->device_ms / r->device_ms;
		if (off(x) > sum->worst_time)
			sum->worst_time = off(x);
		if (off(x) > tol)
			sum->time_out++;
		fprintf(md, " %.0f | %s%.2fx%s |", m->device_ms,
			off(x) > tol ? "**" : "", x, off(x) > tol ? "** (out)" : "");
		r1 = find(real, r->workload, 1, r->policy, r->cap_chunks);
		m1 = find(model, r->workload, 1, mp, r->cap_chunks);
		if (r->ratio != 1 && r1 && m1 && m1->device_ms > 0) {
			double rc = r->device_ms / r1->device_ms;
			double mc = m->device_ms / m1->device_ms;

			x = mc / rc;
			if (off(x) > sum->worst_cliff)
				sum->worst_cliff = off(x);
			if (off(x) > tol)
				sum->cliff_out++;
			fprintf(md, " %.1f | %.1f | %s%.2fx%s |", rc, mc,
				off(x) > tol ? "**" : "", x,
				off(x) > tol ? "** (out)" : "");
		} else {
			fprintf(md, " | | |");
		}
		if (r->cpu_ms >= 0)
			fprintf(md, " %.0f |", r->cpu_ms);
		else
			fprintf(md, " |");
		if (m->cpu_ms >= 0 && r->cpu_ms >= 0)
			fprintf(md, " %.0f |\n", m->cpu_ms);
		else
			fprintf(md, " |\n");
	}
}

static void fit_usage(FILE *f)
{
	fprintf(f,
"Usage: svmbench fit [OPTIONS] REAL.csv MODEL.csv\n"
"\n"
"Compare the cost model with a real GPU: REAL.csv holds device times\n"
"measured on real hardware for svmbench's plans (tools/svmbench/h100-uvm.csv),\n"
"MODEL.csv what `svmbench suite --csv` modeled for the same workloads, ratios\n"
"and device memory.  Prints a Markdown table: per row modeled / real device\n"
"time, and the same for the oversubscription cliff (time at a ratio over\n"
"time at ratio 1).  Real rows of policy \"uvm\" (the real driver with its\n"
"defaults) are compared with the modeled policy --policy names.\n"
"\n"
"Options:\n"
"  -p, --policy NAME   modeled policy for the real driver's rows (default uvm)\n"
"  -t, --tolerance X   the bound, both ways (default 1.5)\n"
"  -o, --md FILE       write the table to FILE instead of stdout\n"
"  -h, --help          this text\n"
"\n"
"Exit status: 0 every compared row within the bound, 1 a row outside it or\n"
"a real row without a modeled peer, 2 usage error or unreadable file.\n");
}

int cmd_fit(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "tolerance", required_argument, NULL, 't' },
		{ "md", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct fit_table real, model;
	const char *policy = "uvm", *out = NULL;
	struct fit_summary sum;
	double tol = 1.5;
	FILE *md = stdout;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "p:t:o:h", lo, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!*optarg || strlen(optarg) >= FIT_NAME_LEN) {
				fprintf(stderr, "svmbench fit: --policy '%s': expected a policy name\n", optarg);
				return 2;
			}
			policy = optarg;
			break;
		case 't':
			tol = strtod(optarg, &end);
			if (*end || !(tol >= 1) || tol > 100) {
				fprintf(stderr, "svmbench fit: --tolerance %s: expected 1..100\n", optarg);
				return 2;
			}
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			fit_usage(stdout);
			return 0;
		default:
			fit_usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		fit_usage(stderr);
		return 2;
	}
	if (fit_read(argv[optind], &real) || fit_read(argv[optind + 1], &model))
		return 2;
	if (out) {
		md = fopen(out, "w");
		if (!md) {
			fprintf(stderr, "svmbench fit: %s: %s\n", out, strerror(errno));
			return 2;
		}
	}
	fit_compare(&real, &model, policy, tol, md, &sum);
	if (out && fclose(md)) {
		fprintf(stderr, "svmbench fit: %s: %s\n", out, strerror(errno));
		return 2;
	}
	fprintf(stderr, "svmbench fit: %zu rows compared, %zu device times and %zu cliffs outside %.2fx (worst %.2fx and %.2fx), %zu real rows not run\n",
		sum.compared, sum.time_out, sum.cliff_out, tol, sum.worst_time,
		sum.worst_cliff, sum.missing);
	return sum.time_out || sum.cliff_out || sum.missing || !sum.compared;
}
