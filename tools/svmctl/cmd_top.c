// SPDX-License-Identifier: GPL-2.0
/*
 * svmctl top: the busiest ranges and the devices, redrawn every interval
 * from the collector's maps.  "Busiest" is what changed since the last
 * frame (faults plus pages moved); the first frame ranks by totals.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "json_writer.h"
#include "stats_view.h"
#include "svmctl.h"

struct top_row {
	const struct stats_row *cur;
	struct svm_range_stats d;	/* change since the last frame */
	unsigned long long activity;
};

static unsigned long long activity(const struct svm_range_stats *v)
{
	return range_faults(v) + v->pages_to_dev + v->pages_to_sys +
	       v->pages_evicted + v->cpu_faults;
}

static const struct stats_row *find(const struct stats_snapshot *s,
				    const struct svm_stats_key *k)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->rows[i].key.tgid == k->tgid &&
		    s->rows[i].key.start == k->start)
			return &s->rows[i];
	return NULL;
}

static int top_cmp(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	if (x->activity != y->activity)
		return x->activity < y->activity ? 1 : -1;
	if (activity(&x->cur->v) != activity(&y->cur->v))
		return activity(&x->cur->v) < activity(&y->cur->v) ? 1 : -1;
	if (x->cur->key.tgid != y->cur->key.tgid)
		return x->cur->key.tgid < y->cur->key.tgid ? -1 : 1;
	return x->cur->key.start < y->cur->key.start ? -1 :
	       x->cur->key.start > y->cur->key.start;
}

/* Rows of cur with their change since prev (NULL: since the start). */
static struct top_row *rank(const struct stats_snapshot *cur,
			    const struct stats_snapshot *prev)
{
	struct top_row *t = calloc(cur->n ? cur->n : 1, sizeof(*t));

	if (!t)
		return NULL;
	for (size_t i = 0; i < cur->n; i++) {
		const struct stats_row *p = prev ? find(prev, &cur->rows[i].key) :
					    NULL;

		t[i].cur = &cur->rows[i];
		for (size_t k = 0; k < n_range_fields; k++) {
			size_t off = range_fields[k].off;
			unsigned long long now = stats_u64(&cur->rows[i].v, off);
			unsigned long long was = p ? stats_u64(&p->v, off) : 0;

			*(unsigned long long *)((char *)&t[i].d + off) =
				now >= was ? now - was : now;
		}
		t[i].activity = activity(&t[i].d);
	}
	if (cur->n)
		qsort(t, cur->n, sizeof(*t), top_cmp);
	return t;
}

static void frame_text(unsigned int frame, double interval,
		       const struct stats_snapshot *s, const struct top_row *t,
		       size_t rows, bool tty)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	size_t n = rows < s->n ? rows : s->n;

	if (!localtime_r(&now, &tm) ||
	    !strftime(when, sizeof(when), "%H:%M:%S", &tm))
		snprintf(when, sizeof(when), "?");
	if (tty)
		printf("\033[H\033[2J");
	else if (frame > 1)
		printf("\n");
	printf("svmctl top - frame %u at %s, every %.1f s; %zu ranges%s\n",
	       frame, when, interval, s->n,
	       frame == 1 ? " (changes: since the collector started)" : "");
	printf("%7s  %-31s %16s %16s %16s %16s\n", "TGID", "RANGE",
	       "FAULTS(+NEW)", "TO_DEV(+NEW)", "TO_SYS(+NEW)",
	       "EVICTED(+NEW)");
	for (size_t i = 0; i < n; i++) {
		const struct svm_range_stats *v = &t[i].cur->v, *d = &t[i].d;
		char c[4][40], rg[48];

		snprintf(c[0], sizeof(c[0]), "%llu(+%llu)", range_faults(v),
			 range_faults(d));
		snprintf(c[1], sizeof(c[1]), "%llu(+%llu)",
			 (unsigned long long)v->pages_to_dev,
			 (unsigned long long)d->pages_to_dev);
		snprintf(c[2], sizeof(c[2]), "%llu(+%llu)",
			 (unsigned long long)v->pages_to_sys,
			 (unsigned long long)d->pages_to_sys);
		snprintf(c[3], sizeof(c[3]), "%llu(+%llu)",
			 (unsigned long long)v->pages_evicted,
			 (unsigned long long)d->pages_evicted);
		fmt_range(rg, sizeof(rg), t[i].cur->key.start);
		printf("%7u  %-31s %16s %16s %16s %16s\n", t[i].cur->key.tgid,
		       rg, c[0], c[1], c[2], c[3]);
	}
	if (!s->n)
		printf("  (no ranges yet)\n");
	printf("\n");
	stats_print_devices(stdout, s);
	fflush(stdout);
}

static void frame_json(unsigned int frame, const struct stats_snapshot *s,
		       const struct top_row *t, size_t rows)
{
	json_writer_t *jw = jw_new(stdout, pretty_output);
	size_t n = rows < s->n ? rows : s->n;

	jw_start_object(jw);
	jw_uint_field(jw, "frame", frame);
	jw_uint_field(jw, "time", time(NULL));
	jw_uint_field(jw, "nranges", s->n);
	jw_name(jw, "ranges");
	jw_start_array(jw);
	for (size_t i = 0; i < n; i++) {
		jw_start_object(jw);
		jw_uint_field(jw, "tgid", t[i].cur->key.tgid);
		jw_uint_field(jw, "start", t[i].cur->key.start);
		jw_uint_field(jw, "faults", range_faults(&t[i].cur->v));
		jw_uint_field(jw, "new_faults", range_faults(&t[i].d));
		for (size_t k = 0; k < n_range_fields; k++) {
			char name[64];

			jw_uint_field(jw, range_fields[k].name,
				      stats_u64(&t[i].cur->v,
						range_fields[k].off));
			snprintf(name, sizeof(name), "new_%s",
				 range_fields[k].name);
			jw_uint_field(jw, name,
				      stats_u64(&t[i].d, range_fields[k].off));
		}
		jw_end_object(jw);
	}
	jw_end_array(jw);
	stats_json_devices(jw, s);
	jw_end_object(jw);
	jw_destroy(&jw);
	fflush(stdout);
}

static int parse_interval(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(*v) || *v < 0.1 ||
	    *v > 3600)
		return -EINVAL;
	return 0;
}

static int do_top(int argc, char **argv)
{
	struct stats_snapshot prev = {}, cur;
	unsigned int count = 0, rows = 0;
	bool tty = isatty(STDOUT_FILENO), have_prev = false;
	double interval = 1.0;
	int c, ret;

	optind = 0;
	while ((c = cmd_getopt(&cmd_top, argc, argv)) != -1) {
		ret = -1;
		switch (c) {
		case 'i':
			if (parse_interval(optarg, &interval))
				return usage_err(&cmd_top,
						 "--interval '%s': seconds, 0.1 to 3600",
						 optarg);
			break;
		case 'c':
			if (parse_pid(optarg, &count))
				return usage_err(&cmd_top,
						 "--count '%s' is not a positive number",
						 optarg);
			break;
		case 'n':
			if (parse_pid(optarg, &rows))
				return usage_err(&cmd_top,
						 "--rows '%s' is not a positive number",
						 optarg);
			break;
		default:
			ret = common_opt(&cmd_top, c, argv);
		}
		if (ret >= 0)
			return ret;
	}
	if (optind < argc)
		return usage_err(&cmd_top, "unexpected argument '%s'",
				 argv[optind]);
	if (!rows) {
		struct winsize ws;

		rows = 10;
		/* a terminal: fill it, leaving room for the devices */
		if (tty && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) &&
		    ws.ws_row > 20)
			rows = ws.ws_row - 16;
	}

	for (unsigned int frame = 1; !count || frame <= count; frame++) {
		struct top_row *t;

		ret = stats_snapshot_read(&cur);
		if (ret)
			break;
		t = rank(&cur, have_prev ? &prev : NULL);
		if (!t) {
			stats_snapshot_free(&cur);
			ret = p_err(EXIT_FAIL, ENOMEM, "ranking ranges");
			break;
		}
		if (json_output)
			frame_json(frame, &cur, t, rows);
		else
			frame_text(frame, interval, &cur, t, rows, tty);
		free(t);
		stats_snapshot_free(&prev);
		prev = cur;
		have_prev = true;
		if (count && frame == count)
			break;
		{
			struct timespec ts = {
				.tv_sec = (time_t)interval,
				.tv_nsec = (long)((interval - (time_t)interval) *
						  1e9),
			};

			while (nanosleep(&ts, &ts) && errno == EINTR)
				;
		}
	}
	stats_snapshot_free(&prev);
	return ret;
}

const struct svm_cmd cmd_top = {
	.name = "top",
	.fn = do_top,
	.summary = "live view of the busiest ranges and the devices",
	.synopsis = "svmctl top [--interval SECONDS] [--count N] [--rows N] [--json]",
	.desc =
"Reads the statistics collector's maps (see `svmctl stats`) every interval\n"
"and shows the busiest ranges, those with most faults and pages moved (to\n"
"a device, to system memory, evicted) and CPU faults since the last frame\n"
"(the first frame ranks by totals), each as total(+new), and the\n"
"per-device counters.  On a terminal each frame replaces the last;\n"
"otherwise (a pipe, a file) frames follow one another, separated by an\n"
"empty line, each starting with \"svmctl top - frame <N>\".",
	.opts = (const struct svm_opt[]){
		{ "interval", 'i', "SECONDS", .help =
"Seconds between frames (0.1 to 3600; default 1)." },
		{ "count", 'c', "N", .help =
"Exit after <N> frames (default: run until killed)." },
		{ "rows", 'n', "N", .help =
"Ranges per frame (default: what fits the terminal, 10 otherwise)." },
		{ "json", 'j', .help =
"One JSON object per frame, one per line: `{frame, time, nranges, ranges:\n"
"[{tgid, start, faults, new_faults, ...}], devices: [...]}`, a range\n"
"having each counter of `stats --json` with its `new_` twin, the devices\n"
"as in `stats --json`." },
		{ NULL }
	},
	.exits = (const struct svm_exit[]){
		{ 0, "done (after `--count` frames)" },
		{ 1, "failed (ENOENT: the collector is not running)" },
		{ 2, "usage error" },
		{ 4, "permission denied" },
		{ 0, NULL }
	},
	.examples = (const struct svm_example[]){
		{ "svmctl top --count 3", "three frames, a second apart",
		  "stats" },
		{ "svmctl top --interval 0.5 --count 2 --json | jq .nranges",
		  "two frames as JSON, half a second apart: how many ranges\n"
		  "each has", "stats" },
		{ NULL }
	},
};
