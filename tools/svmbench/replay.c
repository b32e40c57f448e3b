// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench replay FILE: a trace recorded by `svmctl record` run again on
 * the emulated GPUs under each policy, with the suite's reports (table,
 * CSV, JSON, Markdown) and, beside them, what the trace recorded, what was
 * replayed and what could not be (replay.h).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay.h"
#include "suite.h"
#include "svm_user.h"

#define MAX_POLICIES	32
/* exit statuses beyond the suite's 0..3 */
#define EXIT_BAD_TRACE	4

static void replay_usage(FILE *f)
{
	fprintf(f,
"Usage: svmbench replay [OPTIONS] FILE\n"
"\n"
"Replay a trace recorded by `svmctl record` (docs/trace-format.md) on the\n"
"emulated GPUs under each policy, like `svmbench suite` runs a workload:\n"
"each recorded device fault becomes a one-page access by that device (a\n"
"read, or a write for a write or atomic fault), each CPU fault a CPU write\n"
"of one word of that page, in the recorded order; hints become the plan's\n"
"advice where they can (applied under \"hints\", as the suite applies a\n"
"workload's advice).  Migrations, evictions and invalidations are what\n"
"the policy did: they are counted and shown beside the replay's own.\n"
"What could not be replayed is counted and printed, by reason.\n"
"\n"
"Options:\n"
"  -p, --policies LIST   comma-separated; \"none\" = no policy, \"hints\" = no\n"
"                        policy but the recorded hints set (default: none,\n"
"                        hints if any hint can be replayed, and every policy\n"
"                        `svmctl list` shows)\n"
"      --csv FILE        write every row as CSV (svmbench suite's columns)\n"
"      --md FILE         write the suite's Markdown tables, then the trace's\n"
"  -n, --dry-run         read the trace and show what would be replayed;\n"
"                        run nothing (needs no device)\n"
"  -j, --json            JSON on stdout: the suite's, with a \"trace\" member\n"
"  -h, --help            this text\n"
"\n"
"Columns: as in `svmbench suite --help`; ratio = touched 2 MiB chunks /\n"
"device 0's chunks.  The replay runs only the faulting pages: accesses to\n"
"pages already on the device raise no event and are not in the trace, so\n"
"modeled and real times are those of the faults alone.\n"
"\n"
"Exit status: 0 all runs done, 1 a run or a policy load failed, 2 usage\n"
"error, 3 no svm_emu device or svm_ext not loaded, 4 the trace cannot be\n"
"read or is not a valid trace (the message says why).\n");
}

/* ------------------------------------------- svmctl list --json, read */

struct jcur {
	const char *p;
	int depth;
};

static void jws(struct jcur *c)
{
	while (*c->p == ' ' || *c->p == '\n' || *c->p == '\t' || *c->p == '\r')
		c->p++;
}

/* A string into @out (escapes other than \" and \\ become '?'). */
static int jstr(struct jcur *c, char *out, size_t len)
{
	size_t n = 0;

	jws(c);
	if (*c->p != '"')
		return -1;
	for (c->p++; *c->p && *c->p != '"'; c->p++) {
		char ch = *c->p;

		if (ch == '\\') {
			c->p++;
			if (!*c->p)
				return -1;
			ch = *c->p == '"' || *c->p == '\\' ? *c->p : '?';
			if (*c->p == 'u') {
				int k;

				for (k = 0; k < 4 && c->p[1]; k++)
					c->p++;
			}
		}
		if (out && n + 1 < len)
			out[n++] = ch;
	}
	if (*c->p != '"')
		return -1;
	c->p++;
	if (out && len)
		out[n] = '\0';
	return 0;
}

static int jskip(struct jcur *c)
{
	const char *start;

	jws(c);
	if (*c->p == '"')
		return jstr(c, NULL, 0);
	if (*c->p == '{' || *c->p == '[') {
		char close = *c->p == '{' ? '}' : ']';

		if (++c->depth > 32)
			return -1;
		c->p++;
		jws(c);
		while (*c->p && *c->p != close) {
			if (close == '}' && (jstr(c, NULL, 0) ||
					     (jws(c), *c->p++ != ':')))
				return -1;
			if (jskip(c))
				return -1;
			jws(c);
			if (*c->p == ',')
				c->p++;
			jws(c);
		}
		if (*c->p != close)
			return -1;
		c->p++;
		c->depth--;
		return 0;
	}
	/* a literal: true, false, null or a number; never nothing */
	start = c->p;
	while (*c->p && !strchr(",}] \n\t\r", *c->p))
		c->p++;
	return c->p == start ? -1 : 0;
}

static int add_policy(char **pols, unsigned int *n, const char *name)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (!strcmp(pols[i], name))
			return 0;
	if (*n == MAX_POLICIES)
		return -1;
	pols[*n] = strdup(name);
	if (!pols[*n])
		return -1;
	++*n;
	return 0;
}

/* One entry of "policies": added unless shadowed or unreadable. */
static int list_entry(struct jcur *c, char **pols, unsigned int *n)
{
	char key[32], name[128] = "";
	bool shadowed = false, error = false;

	jws(c);
	if (*c->p++ != '{')
		return -1;
	for (;;) {
		jws(c);
		if (*c->p == '}')
			break;
		if (jstr(c, key, sizeof(key)) || (jws(c), *c->p++ != ':'))
			return -1;
		jws(c);
		if (!strcmp(key, "name")) {
			if (jstr(c, name, sizeof(name)))
				return -1;
		} else if (!strcmp(key, "shadowed")) {
			shadowed = !strncmp(c->p, "true", 4);
			if (jskip(c))
				return -1;
		} else if (!strcmp(key, "error")) {
			error = strncmp(c->p, "null", 4) != 0;
			if (jskip(c))
				return -1;
		} else if (jskip(c)) {
			return -1;
		}
		jws(c);
		if (*c->p == ',')
			c->p++;
	}
	c->p++;
	if (name[0] && !shadowed && !error)
		return add_policy(pols, n, name);
	return 0;
}

static int parse_list(const char *json, char **pols, unsigned int *n)
{
	struct jcur c = { json, 0 };
	char key[32];

	jws(&c);
	if (*c.p++ != '{')
		return -1;
	for (;;) {
		jws(&c);
		if (*c.p == '}')
			return 0;
		if (jstr(&c, key, sizeof(key)) || (jws(&c), *c.p++ != ':'))
			return -1;
		jws(&c);
		if (!strcmp(key, "policies") && *c.p == '[') {
			c.p++;
			for (;;) {
				jws(&c);
				if (*c.p == ']') {
					c.p++;
					break;
				}
				if (list_entry(&c, pols, n))
					return -1;
				jws(&c);
				if (*c.p == ',')
					c.p++;
			}
		} else if (jskip(&c)) {
			return -1;
		}
		jws(&c);
		if (*c.p == ',')
			c.p++;
	}
}

static int discover_policies(char **pols, unsigned int *n)
{
	char cmd[4200], *buf = NULL;
	size_t len = 0, got;
	FILE *f;
	int st, ret;

	snprintf(cmd, sizeof(cmd), "'%s' list --json", svmctl_path());
	f = popen(cmd, "r");
	if (!f)
		return -1;
	do {
		char *nb = realloc(buf, len + 4097);

		if (!nb) {
			free(buf);
			pclose(f);
			return -1;
		}
		buf = nb;
		got = fread(buf + len, 1, 4096, f);
		len += got;
	} while (got);
	buf[len] = '\0';
	st = pclose(f);
	ret = st ? -1 : parse_list(buf, pols, n);
	if (ret)
		fprintf(stderr, "svmbench: replay: cannot read the policies from %s\n",
			cmd);
	free(buf);
	return ret;
}

/* --------------------------------------------------------- reporting */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static double mib(uint64_t pages)
{
	return pages * (double)PLAN_PAGE_SIZE / (1024.0 * 1024.0);
}

static void trace_json(FILE *f, const char *path, const struct replay_trace *t,
		       const struct replay_info *in)
{
	const struct svm_trace_header *h = &t->h;
	int k;

	fprintf(f, "{\"file\":");
	json_str(f, path);
	fprintf(f, ",\"tgid\":%u,\"records\":%llu,\"lost\":%llu,\"duration_ns\":%llu,"
		"\"recorded_policy\":",
		h->tgid, (unsigned long long)h->nrecords,
		(unsigned long long)h->lost,
		(unsigned long long)h->duration_ns);
	if (h->policy[0])
		json_str(f, h->policy);
	else
		fprintf(f, "null");
	fprintf(f, ",\"dev_mem\":[");
	for (k = 0; k < h->ndevs; k++)
		fprintf(f, "%s%llu", k ? "," : "",
			(unsigned long long)h->dev_mem[k]);
	fprintf(f, "],\"recorded\":{\"faults\":%llu,\"faults_read\":%llu,"
		"\"faults_write\":%llu,\"faults_atomic\":%llu,\"cpu_faults\":%llu,"
		"\"cpu_fault_pages\":%llu,\"migrations\":%llu,"
		"\"bytes_to_dev\":%llu,\"bytes_from_dev\":%llu,"
		"\"bytes_to_sys\":%llu,\"bytes_from_peer\":%llu,"
		"\"evictions\":%llu,\"bytes_evicted\":%llu,\"hints\":%llu,"
		"\"invalidations\":%llu,\"migrations_without_fault\":%llu}",
		(unsigned long long)in->faults,
		(unsigned long long)in->faults_access[0],
		(unsigned long long)in->faults_access[1],
		(unsigned long long)in->faults_access[2],
		(unsigned long long)in->cpu_faults,
		(unsigned long long)in->cpu_fault_pages,
		(unsigned long long)in->migrations,
		(unsigned long long)in->pages_to_dev * PLAN_PAGE_SIZE,
		(unsigned long long)replay_pages_out(in) * PLAN_PAGE_SIZE,
		(unsigned long long)in->pages_to_sys * PLAN_PAGE_SIZE,
		(unsigned long long)in->pages_from_peer * PLAN_PAGE_SIZE,
		(unsigned long long)in->evictions,
		(unsigned long long)in->pages_evicted * PLAN_PAGE_SIZE,
		(unsigned long long)in->hints,
		(unsigned long long)in->invalidations,
		(unsigned long long)in->unexplained_migrations);
	fprintf(f, ",\"replayed\":{\"device_accesses\":%llu,\"cpu_accesses\":%llu,"
		"\"hints\":%llu,\"buffers\":%u,\"buffer_chunks\":%u,"
		"\"ws_chunks\":%u}",
		(unsigned long long)in->dev_steps,
		(unsigned long long)in->cpu_steps,
		(unsigned long long)in->hints_replayed, in->nbufs,
		in->plan_chunks, in->ws_chunks);
	fprintf(f, ",\"not_replayed\":{\"faults_other_devices\":%llu,"
		"\"hints_failed\":%llu,\"hints_type\":%llu,\"hints_value\":%llu,"
		"\"hints_partial\":%llu,\"hints_late\":%llu,"
		"\"hints_untouched\":%llu}}",
		(unsigned long long)in->skip_dev_faults,
		(unsigned long long)in->skip_hints[HINT_FAILED],
		(unsigned long long)in->skip_hints[HINT_TYPE],
		(unsigned long long)in->skip_hints[HINT_VALUE],
		(unsigned long long)in->skip_hints[HINT_PARTIAL],
		(unsigned long long)in->skip_hints[HINT_LATE],
		(unsigned long long)in->skip_hints[HINT_UNTOUCHED]);
}

static void trace_text(FILE *f, const char *path, const struct replay_trace *t,
		       const struct replay_info *in, const struct report *rep)
{
	const struct svm_trace_header *h = &t->h;
	size_t i;
	int k;

	fprintf(f, "\ntrace %s: process %u, %llu records over %.2f s, %s%s, %llu lost\n",
		path, h->tgid, (unsigned long long)h->nrecords,
		h->duration_ns / 1e9,
		h->policy[0] ? "recorded under policy " :
		"recorded with no policy (the built-in default)",
		h->policy, (unsigned long long)h->lost);
	fprintf(f, "  recorded: %llu device faults (read %llu, write %llu, atomic %llu), %llu CPU faults, %llu migrations (MiB in %.1f, out %.1f), %llu evictions, %llu hints, %llu invalidations\n",
		(unsigned long long)in->faults,
		(unsigned long long)in->faults_access[0],
		(unsigned long long)in->faults_access[1],
		(unsigned long long)in->faults_access[2],
		(unsigned long long)in->cpu_faults,
		(unsigned long long)in->migrations, mib(in->pages_to_dev),
		mib(replay_pages_out(in)),
		(unsigned long long)in->evictions,
		(unsigned long long)in->hints,
		(unsigned long long)in->invalidations);
	fprintf(f, "  replayed: %llu device accesses of one page, %llu CPU writes, %llu hints as advice (under \"hints\"); %u buffers of %u chunks for %u touched chunks\n",
		(unsigned long long)in->dev_steps,
		(unsigned long long)in->cpu_steps,
		(unsigned long long)in->hints_replayed, in->nbufs,
		in->plan_chunks, in->ws_chunks);
	if (in->skip_dev_faults)
		fprintf(f, "  not replayed: %llu faults of devices beyond %u\n",
			(unsigned long long)in->skip_dev_faults,
			PLAN_MAX_DEVS - 1);
	for (k = 0; k < HINT_NSKIP; k++)
		if (in->skip_hints[k])
			fprintf(f, "  not replayed: %llu hints %s\n",
				(unsigned long long)in->skip_hints[k],
				replay_hint_skip_names[k]);
	if (in->unexplained_migrations)
		fprintf(f, "  not replayed: %llu migrations with no fault next to them (prefetch, or a policy's own moves)\n",
			(unsigned long long)in->unexplained_migrations);
	if (!rep)
		return;
	for (i = 0; i < rep->n; i++) {
		const struct row *r = &rep->rows[i];

		fprintf(f, "  recorded / replayed under %-10s faults %llu / %llu, MiB in %.1f / %.1f, MiB out %.1f / %.1f, evictions %llu / %llu, CPU faults %llu / %llu\n",
			r->policy, (unsigned long long)in->faults,
			(unsigned long long)r->r.faults,
			mib(in->pages_to_dev), mib(r->r.pages_in),
			mib(replay_pages_out(in)), mib(r->r.pages_out),
			(unsigned long long)in->evictions,
			(unsigned long long)r->r.evictions,
			(unsigned long long)in->cpu_faults,
			(unsigned long long)r->r.cpu_faults);
	}
}

/* The suite's JSON object, with "trace" added as its last member. */
static int json_out(const struct report *rep, const char *path,
		    const struct replay_trace *t, const struct replay_info *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	if (!rep) {
		printf("{\"trace\":");
		trace_json(stdout, path, t, in);
		printf("}\n");
		return 0;
	}
	m = open_memstream(&buf, &len);
	if (!m)
		return -1;
	report_json(rep, m);
	if (fclose(m) || len < 2 || strcmp(buf + len - 2, "}\n")) {
		free(buf);
		fprintf(stderr, "svmbench: replay: the suite's JSON does not end an object\n");
		return -1;
	}
	fwrite(buf, 1, len - 2, stdout);
	printf(",\"trace\":");
	trace_json(stdout, path, t, in);
	printf("}\n");
	free(buf);
	return 0;
}

static int md_append(const char *md, const char *path,
		     const struct replay_trace *t, const struct replay_info *in,
		     const struct report *rep)
{
	FILE *f = fopen(md, "a");

	if (!f) {
		fprintf(stderr, "svmbench: %s: %s\n", md, strerror(errno));
		return -1;
	}
	fprintf(f, "\n### The trace\n\n```\n");
	trace_text(f, path, t, in, rep);
	fprintf(f, "```\n");
	if (fclose(f)) {
		fprintf(stderr, "svmbench: %s: %s\n", md, strerror(errno));
		return -1;
	}
	return 0;
}

/* Device memory now against when it was recorded. */
static void check_devices(const struct replay_trace *t, const struct plan *p)
{
	unsigned int mask = plan_dev_mask(p), d;

	for (d = 0; d < PLAN_MAX_DEVS && d < t->h.ndevs; d++) {
		uint64_t now = (uint64_t)dev_chunks(d) * PLAN_CHUNK_SIZE;

		if ((mask & (1u << d)) && t->h.dev_mem[d] &&
		    now != t->h.dev_mem[d])
			fprintf(stderr, "svmbench: replay: device %u had %llu MiB when recorded, %llu MiB now: evictions will differ\n",
				d, (unsigned long long)(t->h.dev_mem[d] >> 20),
				(unsigned long long)(now >> 20));
	}
	if (t->h.lost)
		fprintf(stderr, "svmbench: replay: %llu events were lost while recording: the replay misses them\n",
			(unsigned long long)t->h.lost);
}

int cmd_replay(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "policies", required_argument, NULL, 'p' },
		{ "csv", required_argument, NULL, 'C' },
		{ "md", required_argument, NULL, 'M' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *csv = NULL, *md = NULL, *path;
	char *pols_arg = NULL, *pols[MAX_POLICIES], err[512], name[24];
	char base[4096];
	struct report rep = { 0 };
	struct replay_trace t;
	struct replay_info in;
	unsigned int npols = 0, i;
	bool json = false, dry = false;
	struct plan p;
	int c, ret, status = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:njh", lo, NULL)) != -1) {
		switch (c) {
		case 'p': pols_arg = optarg; break;
		case 'C': csv = optarg; break;
		case 'M': md = optarg; break;
		case 'n': dry = true; break;
		case 'j': json = true; break;
		case 'h': replay_usage(stdout); return 0;
		default: replay_usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "svmbench: replay: %s\n", optind < argc ?
			"one trace FILE only" : "which trace FILE?");
		replay_usage(stderr);
		return 2;
	}
	path = argv[optind];
	if (pols_arg) {
		char *s = strdup(pols_arg), *list = s, *item;

		while (s && (item = strsep(&s, ",")))
			if (*item && add_policy(pols, &npols, item)) {
				fprintf(stderr, "svmbench: replay: at most %d policies\n",
					MAX_POLICIES);
				free(list);
				return 2;
			}
		free(list);
		if (!npols) {
			fprintf(stderr, "svmbench: replay: --policies names none\n");
			return 2;
		}
	}

	ret = replay_trace_read(path, &t, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "svmbench: replay: %s: %s\n", path, err);
		return EXIT_BAD_TRACE;
	}
	/* the plan (and the workload column) is named after the file */
	snprintf(base, sizeof(base), "%s", path);
	snprintf(name, sizeof(name), "%s", basename(base));
	ret = replay_plan(&t, name, &p, &in, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "svmbench: replay: %s: %s\n", path, err);
		replay_trace_free(&t);
		return EXIT_BAD_TRACE;
	}
	if (dry) {
		if (json)
			json_out(NULL, path, &t, &in);
		else
			trace_text(stdout, path, &t, &in, NULL);
		goto out;
	}

	if (emu_count() < 1 || !dev_chunks(0)) {
		fprintf(stderr, "svmbench: no svm_emu device (load svm_ext and svm_emu)\n");
		status = 3;
		goto out;
	}
	if ((plan_dev_mask(&p) & 2) && emu_count() < 2) {
		fprintf(stderr, "svmbench: replay: the trace has faults of device 1, and only one svm_emu device is present\n");
		status = 3;
		goto out;
	}
	check_devices(&t, &p);
	if (!npols) {
		add_policy(pols, &npols, "none");
		if (plan_has_advice(&p))
			add_policy(pols, &npols, "hints");
		if (discover_policies(pols, &npols)) {
			status = 1;
			goto out;
		}
	}

	rep.rows = calloc(npols, sizeof(*rep.rows));
	if (!rep.rows) {
		status = 1;
		goto out;
	}
	rep.passes = 1;
	rep.policies = (const char *const *)pols;
	rep.npolicies = npols;
	for (i = 0; i < npols; i++) {
		struct row *row = &rep.rows[rep.n];

		if (suite_policy_use(pols[i])) {
			status = 1;
			continue;
		}
		memset(row, 0, sizeof(*row));
		row->ws_chunks = in.ws_chunks;
		ret = suite_run_plan(&p, p.name,
				     in.ws_chunks / (double)dev_chunks(0),
				     pols[i], row);
		if (ret < 0)
			status = 1;
		else if (ret)
			fprintf(stderr, "svmbench: replay: %s: no recorded hint could be replayed: skipped\n",
				pols[i]);
		else
			rep.n++;
	}
	if (suite_policy_use("none"))
		status = 1;

	if (json) {
		if (json_out(&rep, path, &t, &in))
			status = 1;
	} else {
		report_table(&rep, stdout);
		trace_text(stdout, path, &t, &in, &rep);
	}
	if (csv && report_csv(&rep, csv))
		status = 1;
	if (md && (report_markdown(&rep, md) ||
		   md_append(md, path, &t, &in, &rep)))
		status = 1;
out:
	free(rep.rows);
	for (i = 0; i < npols; i++)
		free(pols[i]);
	plan_free(&p);
	replay_trace_free(&t);
	return status;
}
