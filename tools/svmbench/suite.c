// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench suite: every workload of plan.c at every ratio under every
 * policy, with each run's counters beside Belady's MIN for its trace and
 * its modeled time beside the cost model's optimum.
 *
 * Policies are the ones svmctl knows at run time (`svmctl list --json`),
 * plus "none" (no policy: the core's built-in default); each is loaded with
 * `svmctl load` for its rows and unloaded after them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "svm_user.h"
#include "suite.h"

#define MAX_POLICIES	32
#define MAX_RATIOS	8

struct suite_opts {
	double ratios[MAX_RATIOS];
	unsigned int nratios;
	const struct plan_workload *wl[32];
	unsigned int nwl;
	char *policies[MAX_POLICIES];
	unsigned int npolicies;
	unsigned int passes;
	uint64_t seed;
	uint32_t write_stride;	/* plan_params.write_stride */
	const char *csv, *md, *plot_dir;
	bool json, quick;
};

static void suite_usage(FILE *f)
{
	size_t i;

	fprintf(f,
"Usage: svmbench suite [OPTIONS]\n"
"\n"
"Run placement-policy workloads on the emulated GPUs, sized relative to\n"
"device 0's memory, under each policy, and compare each run's device\n"
"faults with Belady's MIN (the fewest chunk loads possible for the same\n"
"access trace) and each run's modeled time with the optimum of the same\n"
"cost model (the least time any placement of 2 MiB chunks could take).\n"
"Counters repeat exactly from run to run for a given seed.\n"
"\n"
"Workloads:\n");
	for (i = 0; i < plan_nworkloads; i++)
		fprintf(f, "  %-13s %s%s\n", plan_workloads[i].name,
			plan_workloads[i].models,
			plan_workloads[i].ndevs > 1 ? " (2 GPUs)" : "");
	fprintf(f,
"\n"
"Options:\n"
"  -q, --quick           a short run: ratio 1.5, sweep, random and\n"
"                        pingpong-cpu, 3 passes, policies none and default\n"
"  -r, --ratios LIST     working set / device memory, comma-separated\n"
"                        (default 1,1.5,3)\n"
"  -w, --workloads LIST  comma-separated (default: all)\n"
"  -p, --policies LIST   comma-separated; \"none\" = no policy, \"hints\" = no\n"
"                        policy but the workload's advice set (ping-pong,\n"
"                        shared-read) (default: none, hints and every\n"
"                        policy `svmctl list` shows)\n"
"  -n, --passes N        sweeps / rounds per workload (default 4)\n"
"      --seed N          random seed (default 1)\n"
"      --write-words     device writes touch one word per 4 KiB page, as in\n"
"                        the plans measured on real hardware (svmbench fit);\n"
"                        default: every word of the pages they write\n"
"      --csv FILE        write every row as CSV\n"
"      --md FILE         write Markdown tables (faults vs MIN, modeled\n"
"                        time and its multiple of the optimum)\n"
"      --plot-dir DIR    write the charts' data (x_min.dat, modeled_ms.dat,\n"
"                        x_opt.dat);\n"
"                        gnuplot -e \"dir='DIR'\" tools/svmbench/charts.gp\n"
"  -j, --json            JSON on stdout instead of the table\n"
"  -h, --help            this text\n"
"\n"
"Columns: faults = device faults; MIN = Belady's MIN misses for the same\n"
"per-device chunk traces and capacities; xMIN = faults / MIN; loads = MiB\n"
"migrated into devices / 2 (chunk-equivalents); in/out = MiB migrated into /\n"
"out of devices (out includes evictions and CPU faults); evict = chunks\n"
"evicted; remote = pages mapped in place; modeled = the devices' cost model;\n"
"OPT = the optimum of that model for the same traces and capacities (a\n"
"lower bound: tools/svmbench/optimum.h); xOPT = modeled / OPT; real = wall\n"
"time.  docs/bench.md explains them.\n"
"\n"
"Exit status: 0 all runs done, 1 a run or a policy load failed, 2 usage\n"
"error, 3 no svm_emu device or svm_ext not loaded.\n");
}

static char *next_item(char **s)
{
	char *item = strsep(s, ",");

	return item && *item ? item : NULL;
}

static int parse_ratios(struct suite_opts *o, char *s)
{
	char *item, *end;

	o->nratios = 0;
	while (s) {
		item = next_item(&s);
		if (!item)
			continue;
		if (o->nratios == MAX_RATIOS)
			return -1;
		o->ratios[o->nratios] = strtod(item, &end);
		if (*end || o->ratios[o->nratios] <= 0 ||
		    o->ratios[o->nratios] > 16)
			return -1;
		o->nratios++;
	}
	return o->nratios ? 0 : -1;
}

static int parse_workloads(struct suite_opts *o, char *s)
{
	char *item;

	o->nwl = 0;
	while (s) {
		item = next_item(&s);
		if (!item)
			continue;
		if (!plan_workload_find(item) || o->nwl == 32) {
			fprintf(stderr, "svmbench: unknown workload '%s'\n", item);
			return -1;
		}
		o->wl[o->nwl++] = plan_workload_find(item);
	}
	return o->nwl ? 0 : -1;
}

static int add_policy(struct suite_opts *o, const char *name)
{
	unsigned int i;

	for (i = 0; i < o->npolicies; i++)
		if (!strcmp(o->policies[i], name))
			return 0;
	if (o->npolicies == MAX_POLICIES)
		return -1;
	o->policies[o->npolicies] = strdup(name);
	return o->policies[o->npolicies++] ? 0 : -1;
}

/*
 * The installed policies, from `svmctl list --json`: each entry's "name",
 * unless it is shadowed or svmctl could not read it ("error" not null).
 */
static int discover_policies(struct suite_opts *o)
{
	char cmd[4200], *buf = NULL, *pos;
	size_t len = 0, n;
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' list --json", svmctl_path());
	f = popen(cmd, "r");
	if (!f)
		return -errno;
	for (;;) {
		char *nb = realloc(buf, len + 4097);

		if (!nb) {
			free(buf);
			pclose(f);
			return -ENOMEM;
		}
		buf = nb;
		n = fread(buf + len, 1, 4096, f);
		len += n;
		if (!n)
			break;
	}
	buf[len] = '\0';
	st = pclose(f);
	if (st) {
		fprintf(stderr, "svmbench: %s failed\n", cmd);
		free(buf);
		return -EIO;
	}
	for (pos = strstr(buf, "\"name\""); pos; pos = strstr(pos, "\"name\"")) {
		char *v = pos + 6, *end, *next, *err, *sh;

		while (*v == ' ' || *v == ':')
			v++;
		if (*v != '"')
			break;
		end = strchr(++v, '"');
		if (!end)
			break;
		*end = '\0';
		pos = end + 1;
		next = strstr(pos, "\"name\"");
		if (next)
			*next = '\0';	/* look only inside this entry */
		err = strstr(pos, "\"error\"");
		sh = strstr(pos, "\"shadowed\"");
		if (err)
			err = strpbrk(err + 7, "n\"");
		if (sh)
			sh = strpbrk(sh + 10, "tf");
		if ((!err || *err == 'n') && (!sh || *sh == 'f') &&
		    add_policy(o, v)) {
			free(buf);
			return -ENOMEM;
		}
		if (!next)
			break;
		*next = '"';
		pos = next;
	}
	free(buf);
	return 0;
}

/* "hints": no policy, the workload's advice set (plan.h) */
static bool is_hints(const char *policy)
{
	return !strcmp(policy, "hints");
}

static void policy_state(char *buf, size_t len)
{
	if (read_str(SVM_SYSFS "/state", buf, len))
		snprintf(buf, len, "?");
}

/* Make @name the active policy ("none": no policy); 0 or -1. */
int suite_policy_use(const char *name)
{
	char state[32];

	policy_state(state, sizeof(state));
	if (strcmp(state, "disabled") &&
	    run("'%s' unload >&2", svmctl_path()) != 0) {
		fprintf(stderr, "svmbench: svmctl unload failed (state %s)\n", state);
		return -1;
	}
	if (!strcmp(name, "none") || is_hints(name))
		return 0;
	if (run("'%s' load '%s' >&2", svmctl_path(), name) != 0) {
		fprintf(stderr, "svmbench: svmctl load %s failed\n", name);
		return -1;
	}
	policy_state(state, sizeof(state));
	if (strcmp(state, "enabled")) {
		fprintf(stderr, "svmbench: policy %s is %s after loading\n", name, state);
		return -1;
	}
	return 0;
}

/*
 * MIN and LRU for the plan's chunk trace, and the optimum of its cost
 * trace under the device's cost model, on each device it uses.
 */
static int oracle_row(const struct plan *p, struct row *row)
{
	unsigned int mask = plan_dev_mask(p), d;
	int ret;

	row->accesses = row->min = row->lru = row->opt_ns = row->fault_ns = 0;
	for (d = 0; d < PLAN_MAX_DEVS; d++) {
		struct opt_result opt;
		struct opt_rates rates;
		struct opt_trace ct;
		struct trace t;
		uint32_t cap = dev_chunks(d);

		if (!(mask & (1u << d)))
			continue;
		ret = plan_trace(p, d, &t);
		if (ret)
			return ret;
		row->accesses += trace_accesses(&t);
		row->min += oracle_min(&t, cap);
		row->lru += oracle_lru(&t, cap);
		trace_free(&t);

		ret = dev_rates(d, &rates);
		if (ret) {
			fprintf(stderr, "svmbench: GPU %u: cannot read its cost model: %s\n",
				d, strerror(-ret));
			return ret;
		}
		/* the suite's GPUs share one model; the first one's stands */
		if (!row->fault_ns)
			row->fault_ns = rates.fault_ns;
		ret = plan_cost_trace(p, d, &rates, &ct);
		if (!ret)
			ret = opt_solve(&ct, cap, &opt);
		opt_trace_free(&ct);
		if (ret) {
			fprintf(stderr, "svmbench: %s: the optimum: %s\n",
				p->name, strerror(-ret));
			return ret;
		}
		/* every access is a launch, whatever the placement */
		row->opt_ns += opt.cost_ns +
			       plan_dev_accesses(p, d) * rates.launch_ns;
	}
	return 0;
}

int suite_run_plan(const struct plan *p, const char *name, double ratio,
		   const char *policy, struct row *row)
{
	char state[32];
	int ret;

	row->workload = name;
	row->ratio = ratio;
	snprintf(row->policy, sizeof(row->policy), "%s", policy);
	row->cap_chunks = dev_chunks(0);
	row->state = "failed";
	if (is_hints(policy) && !plan_has_advice(p))
		return 1;
	ret = oracle_row(p, row);
	if (!ret)
		ret = plan_run(p, is_hints(policy), &row->r);
	if (ret)
		return ret;
	policy_state(state, sizeof(state));
	row->state = strcmp(policy, "none") && !is_hints(policy) &&
		     strcmp(state, "enabled") ? "ejected" : "ok";
	fprintf(stderr, "svmbench: %-13s %4.2gx %-12s faults %6llu  MIN %6llu  modeled %9.3f ms  (%.2fx OPT, %.2fx less faults)  real %7.2f s\n",
		name, ratio, policy, (unsigned long long)row->r.faults,
		(unsigned long long)row->min, row->r.modeled_ns / 1e6,
		row_x_opt(row), row_x_opt_less_faults(row),
		row->r.real_ns / 1e9);
	/*
	 * The optimum is a lower bound, even of the modeled time less its
	 * fault service: below it, the model missed a cost.
	 */
	if (row->r.modeled_ns < row->opt_ns + row_fault_service_ns(row))
		fprintf(stderr, "svmbench: %s %gx %s: modeled %llu ns (of which %llu ns fault service) is below the optimum's %llu ns plus that service: a cost the model does not charge\n",
			name, ratio, policy,
			(unsigned long long)row->r.modeled_ns,
			(unsigned long long)row_fault_service_ns(row),
			(unsigned long long)row->opt_ns);
	return 0;
}

/* 0 done, 1 skipped (hints on a workload without advice), -errno failed */
static int run_row(const struct suite_opts *o, const struct plan_workload *w,
		   double ratio, const char *policy, struct row *row)
{
	struct plan_params pp = {
		.cap_chunks = dev_chunks(0), .ratio = ratio,
		.passes = o->passes, .seed = o->seed,
		.write_stride = o->write_stride,
	};
	struct plan p;
	int ret;

	memset(row, 0, sizeof(*row));
	row->workload = w->name;
	row->ratio = ratio;
	snprintf(row->policy, sizeof(row->policy), "%s", policy);
	row->cap_chunks = pp.cap_chunks;
	row->ws_chunks = plan_ws_chunks(&pp);
	row->state = "failed";
	ret = plan_build(w, &pp, &p);
	if (ret)
		return ret;
	ret = suite_run_plan(&p, w->name, ratio, policy, row);
	plan_free(&p);
	return ret;
}

int cmd_suite(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "ratios", required_argument, NULL, 'r' },
		{ "workloads", required_argument, NULL, 'w' },
		{ "policies", required_argument, NULL, 'p' },
		{ "passes", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'S' },
		{ "write-words", no_argument, NULL, 'W' },
		{ "csv", required_argument, NULL, 'C' },
		{ "md", required_argument, NULL, 'M' },
		{ "plot-dir", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct suite_opts o = { .passes = 0, .seed = 1 };
	char *ratios = NULL, *wls = NULL, *pols = NULL, *end, *item;
	struct report rep = { 0 };
	unsigned int pi, wi, ri, ndev;
	int c, status = 0;
	size_t i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "qr:w:p:n:jh", lo, NULL)) != -1) {
		switch (c) {
		case 'q': o.quick = true; break;
		case 'r': ratios = optarg; break;
		case 'w': wls = optarg; break;
		case 'p': pols = optarg; break;
		case 'n':
			o.passes = strtoul(optarg, &end, 0);
			if (*end || !o.passes || o.passes > 100) {
				fprintf(stderr, "svmbench: --passes %s: expected 1..100\n", optarg);
				return 2;
			}
			break;
		case 'S':
			o.seed = strtoull(optarg, &end, 0);
			if (*end) {
				fprintf(stderr, "svmbench: --seed %s: expected a number\n", optarg);
				return 2;
			}
			break;
		case 'W': o.write_stride = PLAN_PAGE_SIZE; break;
		case 'C': o.csv = optarg; break;
		case 'M': o.md = optarg; break;
		case 'P': o.plot_dir = optarg; break;
		case 'j': o.json = true; break;
		case 'h': suite_usage(stdout); return 0;
		default: suite_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		suite_usage(stderr);
		return 2;
	}
	if (parse_ratios(&o, strdup(ratios ? ratios : o.quick ? "1.5" : "1,1.5,3"))) {
		fprintf(stderr, "svmbench: --ratios: expected numbers in (0, 16], at most %d\n",
			MAX_RATIOS);
		return 2;
	}
	if (wls || o.quick) {
		if (parse_workloads(&o, strdup(wls ? wls : "sweep,random,pingpong-cpu")))
			return 2;
	} else {
		for (i = 0; i < plan_nworkloads; i++)
			o.wl[o.nwl++] = &plan_workloads[i];
	}
	if (!o.passes)
		o.passes = o.quick ? 3 : 4;

	ndev = emu_count();
	if (ndev < 1 || !dev_chunks(0)) {
		fprintf(stderr, "svmbench: no svm_emu device (load svm_ext and svm_emu)\n");
		return 3;
	}
	if (pols) {
		char *s = strdup(pols);

		while (s && (item = strsep(&s, ",")))
			if (*item && add_policy(&o, item))
				return 2;
	} else {
		add_policy(&o, "none");
		if (!o.quick)
			add_policy(&o, "hints");
		if (o.quick) {
			/* the BPF twin of the built-in default, if installed */
			struct suite_opts all = { 0 };

			if (discover_policies(&all))
				return 1;
			for (i = 0; i < all.npolicies; i++)
				if (!strcmp(all.policies[i], "default"))
					add_policy(&o, "default");
		} else if (discover_policies(&o)) {
			return 1;
		}
	}

	rep.rows = calloc((size_t)o.npolicies * o.nwl * o.nratios, sizeof(*rep.rows));
	if (!rep.rows)
		return 1;
	rep.passes = o.passes;
	rep.seed = o.seed;
	rep.write_stride = o.write_stride;
	rep.policies = (const char *const *)o.policies;
	rep.npolicies = o.npolicies;
	for (pi = 0; pi < o.npolicies; pi++) {
		if (suite_policy_use(o.policies[pi])) {
			status = 1;
			continue;
		}
		for (wi = 0; wi < o.nwl; wi++) {
			if (o.wl[wi]->ndevs > ndev) {
				fprintf(stderr, "svmbench: %s needs %u GPUs, %u present: skipped\n",
					o.wl[wi]->name, o.wl[wi]->ndevs, ndev);
				continue;
			}
			for (ri = 0; ri < o.nratios; ri++) {
				struct row *row = &rep.rows[rep.n];

				int ret = run_row(&o, o.wl[wi], o.ratios[ri],
						  o.policies[pi], row);

				if (ret < 0)
					status = 1;
				else if (!ret)
					rep.n++;
			}
		}
	}
	if (suite_policy_use("none"))
		status = 1;

	if (o.json)
		report_json(&rep, stdout);
	else
		report_table(&rep, stdout);
	if (o.csv && report_csv(&rep, o.csv))
		status = 1;
	if (o.md && report_markdown(&rep, o.md))
		status = 1;
	if (o.plot_dir && report_plots(&rep, o.plot_dir))
		status = 1;
	free(rep.rows);
	return status;
}
