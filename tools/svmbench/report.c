// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench suite reports: terminal table, CSV, JSON, Markdown, and gnuplot
 * data plus script for the charts.  Every format carries the same numbers;
 * docs/bench.md says what each means.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "suite.h"

#define MIB_D	(1024.0 * 1024.0)

double row_loads(const struct row *r)
{
	return r->r.pages_in / (double)PLAN_CHUNK_PAGES;
}

double row_x_min(const struct row *r)
{
	return r->min ? r->r.faults / (double)r->min : 0;
}

double row_x_opt(const struct row *r)
{
	return r->opt_ns ? r->r.modeled_ns / (double)r->opt_ns : 0;
}

uint64_t row_fault_service_ns(const struct row *r)
{
	return r->r.faults * r->fault_ns;
}

/*
 * OPT charges no fault service (a clairvoyant placement need not fault);
 * a policy that waits for faults pays fault_ns for each.  Without that
 * part, what remains is the cost of where the data went, which OPT bounds
 * like for like.
 */
double row_x_opt_less_faults(const struct row *r)
{
	uint64_t f = row_fault_service_ns(r);
	uint64_t rest = r->r.modeled_ns > f ? r->r.modeled_ns - f : 0;

	return r->opt_ns ? rest / (double)r->opt_ns : 0;
}

static double mib(uint64_t pages)
{
	return pages * (double)PLAN_PAGE_SIZE / MIB_D;
}

void report_table(const struct report *rep, FILE *f)
{
	size_t i;

	fprintf(f, "%-13s %5s %-12s %7s %7s %6s %8s %8s %8s %6s %7s %7s %11s %10s %6s %7s %9s %8s %s\n",
		"workload", "ratio", "policy", "faults", "MIN", "xMIN", "loads",
		"MiB-in", "MiB-out", "evict", "remote", "cpuflt", "modeled-ms",
		"OPT-ms", "xOPT", "xOPT-nf", "cpu-ms", "real-s", "state");
	for (i = 0; i < rep->n; i++) {
		const struct row *r = &rep->rows[i];

		fprintf(f, "%-13s %5.2g %-12s %7llu %7llu %6.2f %8.1f %8.1f %8.1f %6llu %7llu %7llu %11.3f %10.3f %6.2f %7.2f %9.3f %8.2f %s\n",
			r->workload, r->ratio, r->policy,
			(unsigned long long)r->r.faults,
			(unsigned long long)r->min, row_x_min(r), row_loads(r),
			mib(r->r.pages_in), mib(r->r.pages_out),
			(unsigned long long)r->r.evictions,
			(unsigned long long)r->r.remote_maps,
			(unsigned long long)r->r.cpu_faults,
			r->r.modeled_ns / 1e6, r->opt_ns / 1e6, row_x_opt(r),
			row_x_opt_less_faults(r), r->r.cpu_ns / 1e6,
			r->r.real_ns / 1e9, r->state);
	}
	fprintf(f, "(modeled and OPT: device time; xOPT-nf: modeled less fault service over OPT; cpu: the CPU side of the model; xOPT 0.00: the optimum costs 0 ns)\n");
}

int report_csv(const struct report *rep, const char *path)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (!f) {
		fprintf(stderr, "svmbench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "workload,ratio,policy,cap_chunks,ws_chunks,chunk_accesses,"
		"min_misses,lru_misses,faults,x_min,chunk_loads,bytes_to_dev,"
		"bytes_from_dev,evictions,bytes_evicted,remote_maps,cpu_faults,"
		"throttle_ns,modeled_ns,opt_ns,x_opt,cpu_fault_pages,cpu_ns,"
		"total_ns,real_ns,state,fault_service_ns,x_opt_less_faults\n");
	for (i = 0; i < rep->n; i++) {
		const struct row *r = &rep->rows[i];

		fprintf(f, "%s,%g,%s,%u,%u,%llu,%llu,%llu,%llu,%.4f,%.3f,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%.4f,%llu,%llu,%llu,%llu,%s,%llu,%.4f\n",
			r->workload, r->ratio, r->policy, r->cap_chunks,
			r->ws_chunks, (unsigned long long)r->accesses,
			(unsigned long long)r->min, (unsigned long long)r->lru,
			(unsigned long long)r->r.faults, row_x_min(r),
			row_loads(r),
			(unsigned long long)r->r.pages_in * PLAN_PAGE_SIZE,
			(unsigned long long)r->r.pages_out * PLAN_PAGE_SIZE,
			(unsigned long long)r->r.evictions,
			(unsigned long long)r->r.pages_evicted * PLAN_PAGE_SIZE,
			(unsigned long long)r->r.remote_maps,
			(unsigned long long)r->r.cpu_faults,
			(unsigned long long)r->r.throttle_ns,
			(unsigned long long)r->r.modeled_ns,
			(unsigned long long)r->opt_ns, row_x_opt(r),
			(unsigned long long)r->r.cpu_fault_pages,
			(unsigned long long)r->r.cpu_ns,
			(unsigned long long)(r->r.modeled_ns + r->r.cpu_ns),
			(unsigned long long)r->r.real_ns, r->state,
			(unsigned long long)row_fault_service_ns(r),
			row_x_opt_less_faults(r));
	}
	if (fclose(f)) {
		fprintf(stderr, "svmbench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

void report_json(const struct report *rep, FILE *f)
{
	size_t i;

	fprintf(f, "{\"passes\":%u,\"seed\":%llu,\"chunk_bytes\":%u,"
		"\"device_writes\":\"%s\",\"rows\":[",
		rep->passes, (unsigned long long)rep->seed, PLAN_CHUNK_SIZE,
		rep->write_stride ? "one word per page" : "every word");
	for (i = 0; i < rep->n; i++) {
		const struct row *r = &rep->rows[i];

		fprintf(f, "%s{\"workload\":\"%s\",\"ratio\":%g,\"policy\":\"%s\","
			"\"cap_chunks\":%u,\"ws_chunks\":%u,\"chunk_accesses\":%llu,"
			"\"min_misses\":%llu,\"lru_misses\":%llu,\"faults\":%llu,"
			"\"x_min\":%.4f,\"chunk_loads\":%.3f,\"bytes_to_dev\":%llu,"
			"\"bytes_from_dev\":%llu,\"evictions\":%llu,"
			"\"bytes_evicted\":%llu,\"remote_maps\":%llu,"
			"\"cpu_faults\":%llu,\"throttle_ns\":%llu,"
			"\"modeled_ns\":%llu,\"opt_ns\":%llu,\"x_opt\":%.4f,"
			"\"cpu_fault_pages\":%llu,\"cpu_ns\":%llu,"
			"\"total_ns\":%llu,\"real_ns\":%llu,\"state\":\"%s\","
			"\"fault_service_ns\":%llu,\"x_opt_less_faults\":%.4f}",
			i ? "," : "", r->workload, r->ratio, r->policy,
			r->cap_chunks, r->ws_chunks,
			(unsigned long long)r->accesses,
			(unsigned long long)r->min, (unsigned long long)r->lru,
			(unsigned long long)r->r.faults, row_x_min(r),
			row_loads(r),
			(unsigned long long)r->r.pages_in * PLAN_PAGE_SIZE,
			(unsigned long long)r->r.pages_out * PLAN_PAGE_SIZE,
			(unsigned long long)r->r.evictions,
			(unsigned long long)r->r.pages_evicted * PLAN_PAGE_SIZE,
			(unsigned long long)r->r.remote_maps,
			(unsigned long long)r->r.cpu_faults,
			(unsigned long long)r->r.throttle_ns,
			(unsigned long long)r->r.modeled_ns,
			(unsigned long long)r->opt_ns, row_x_opt(r),
			(unsigned long long)r->r.cpu_fault_pages,
			(unsigned long long)r->r.cpu_ns,
			(unsigned long long)(r->r.modeled_ns + r->r.cpu_ns),
			(unsigned long long)r->r.real_ns, r->state,
			(unsigned long long)row_fault_service_ns(r),
			row_x_opt_less_faults(r));
	}
	fprintf(f, "]}\n");
}

static const struct row *find_row(const struct report *rep, const char *wl,
				  double ratio, const char *policy)
{
	size_t i;

	for (i = 0; i < rep->n; i++)
		if (!strcmp(rep->rows[i].workload, wl) &&
		    rep->rows[i].ratio == ratio &&
		    !strcmp(rep->rows[i].policy, policy))
			return &rep->rows[i];
	return NULL;
}

/* The distinct (workload, ratio) cases, in the order they first ran. */
static size_t cases(const struct report *rep, const struct row **out)
{
	size_t i, j, n = 0;

	for (i = 0; i < rep->n; i++) {
		for (j = 0; j < n; j++)
			if (!strcmp(out[j]->workload, rep->rows[i].workload) &&
			    out[j]->ratio == rep->rows[i].ratio)
				break;
		if (j == n)
			out[n++] = &rep->rows[i];
	}
	return n;
}

enum metric { M_XMIN, M_XOPT, M_XOPT_NF, M_MODELED, M_MOVED };

static void md_table(const struct report *rep, FILE *f, enum metric m,
		     const struct row **cs, size_t ncs)
{
	size_t i, p;

	bool opt = m == M_XOPT || m == M_XOPT_NF;

	fprintf(f, "| workload | ratio |%s", m == M_XMIN ? " MIN |" :
		opt ? " OPT (ms) |" : "");
	for (p = 0; p < rep->npolicies; p++)
		fprintf(f, " %s |", rep->policies[p]);
	fprintf(f, "\n|---|---:|%s", m == M_XMIN || opt ? "---:|" : "");
	for (p = 0; p < rep->npolicies; p++)
		fprintf(f, "---:|");
	fprintf(f, "\n");
	for (i = 0; i < ncs; i++) {
		fprintf(f, "| %s | %g |", cs[i]->workload, cs[i]->ratio);
		if (m == M_XMIN)
			fprintf(f, " %llu |", (unsigned long long)cs[i]->min);
		else if (opt)
			fprintf(f, " %.2f |", cs[i]->opt_ns / 1e6);
		for (p = 0; p < rep->npolicies; p++) {
			const struct row *r = find_row(rep, cs[i]->workload,
						       cs[i]->ratio,
						       rep->policies[p]);

			if (!r)
				fprintf(f, " - |");
			else if (m == M_XMIN)
				fprintf(f, " %llu (%.2fx) |",
					(unsigned long long)r->r.faults,
					row_x_min(r));
			else if (opt && !r->opt_ns)
				fprintf(f, " - |");
			else if (m == M_XOPT)
				fprintf(f, " %.2fx |", row_x_opt(r));
			else if (m == M_XOPT_NF)
				fprintf(f, " %.2fx |", row_x_opt_less_faults(r));
			else if (m == M_MODELED)
				fprintf(f, " %.2f |", r->r.modeled_ns / 1e6);
			else
				fprintf(f, " %.0f / %.0f |", mib(r->r.pages_in),
					mib(r->r.pages_out));
			if (r && strcmp(r->state, "ok"))
				fprintf(f, " (%s)", r->state);
		}
		fprintf(f, "\n");
	}
}

int report_markdown(const struct report *rep, const char *path)
{
	const struct row *cs[rep->n ? rep->n : 1];
	size_t ncs = cases(rep, cs);
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "svmbench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "<!-- written by svmbench suite (make bench); do not edit -->\n\n"
		"Device memory: %u chunks of 2 MiB per GPU; %u passes; seed %llu; "
		"device writes touch %s.\n\n",
		rep->n ? rep->rows[0].cap_chunks : 0, rep->passes,
		(unsigned long long)rep->seed,
		rep->write_stride ? "one word per page" : "every word");
	fprintf(f, "### Device faults (multiple of Belady's MIN)\n\n");
	md_table(rep, f, M_XMIN, cs, ncs);
	fprintf(f, "\n### Modeled device time (multiple of the cost model's optimum)\n\n");
	md_table(rep, f, M_XOPT, cs, ncs);
	fprintf(f, "\n### Modeled device time less fault service (multiple of the optimum, which has none)\n\n");
	md_table(rep, f, M_XOPT_NF, cs, ncs);
	fprintf(f, "\n### Modeled device time (ms)\n\n");
	md_table(rep, f, M_MODELED, cs, ncs);
	fprintf(f, "\n### MiB migrated into / out of devices\n\n");
	md_table(rep, f, M_MOVED, cs, ncs);
	if (fclose(f)) {
		fprintf(stderr, "svmbench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_dat(const struct report *rep, const char *dir,
		     const char *name, enum metric m, const struct row **cs,
		     size_t ncs)
{
	char path[4096];
	size_t i, p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "svmbench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "case");
	for (p = 0; p < rep->npolicies; p++)
		fprintf(f, " %s", rep->policies[p]);
	fprintf(f, "\n");
	for (i = 0; i < ncs; i++) {
		fprintf(f, "%s/%gx", cs[i]->workload, cs[i]->ratio);
		for (p = 0; p < rep->npolicies; p++) {
			const struct row *r = find_row(rep, cs[i]->workload,
						       cs[i]->ratio,
						       rep->policies[p]);

			if (!r)
				fprintf(f, " ?");
			else if (m == M_XMIN)
				fprintf(f, " %.4f", row_x_min(r));
			else if (m == M_XOPT)
				fprintf(f, " %.4f", row_x_opt(r));
			else
				fprintf(f, " %.4f", r->r.modeled_ns / 1e6);
		}
		fprintf(f, "\n");
	}
	return fclose(f) ? -1 : 0;
}

int report_plots(const struct report *rep, const char *dir)
{
	const struct row *cs[rep->n ? rep->n : 1];
	size_t ncs = cases(rep, cs);

	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "svmbench: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	/* tools/svmbench/charts.gp draws them */
	if (write_dat(rep, dir, "x_min.dat", M_XMIN, cs, ncs) ||
	    write_dat(rep, dir, "modeled_ms.dat", M_MODELED, cs, ncs) ||
	    write_dat(rep, dir, "x_opt.dat", M_XOPT, cs, ncs))
		return -1;
	return 0;
}
