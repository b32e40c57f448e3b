// SPDX-License-Identifier: GPL-2.0
/* svmctl: filtering, sorting and printing statistics (stats, top). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stats_view.h"
#include "svmctl.h"
#include "sysfs.h"

int parse_sort(const char *s, enum stats_sort *sort)
{
	static const char *const names[] = {
		[SORT_FAULTS] = "faults", [SORT_MIGRATED] = "migrated",
		[SORT_EVICTIONS] = "evictions", [SORT_ADDR] = "addr",
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i])) {
			*sort = i;
			return 0;
		}
	return -EINVAL;
}

static int parse_u64(const char *s, const char **end, unsigned long long *v)
{
	char *e;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &e, 0);
	if (errno || e == s)
		return -EINVAL;
	*end = e;
	return 0;
}

/* A-B: addresses (0x hex, or decimal), A < B. */
int parse_addr_range(const char *s, unsigned long long *lo,
		     unsigned long long *hi)
{
	const char *e;

	if (parse_u64(s, &e, lo) || *e != '-' ||
	    parse_u64(e + 1, &e, hi) || *e || *lo >= *hi)
		return -EINVAL;
	return 0;
}

int parse_pid(const char *s, unsigned int *pid)
{
	unsigned long long v;
	const char *e;

	if (parse_u64(s, &e, &v) || *e || !v || v > 0x7fffffff)
		return -EINVAL;
	*pid = v;
	return 0;
}

static enum stats_sort cur_sort;

static unsigned long long sort_val(const struct stats_row *r)
{
	switch (cur_sort) {
	case SORT_FAULTS:
		return range_faults(&r->v);
	case SORT_MIGRATED:
		return r->v.pages_to_dev + r->v.pages_to_sys;
	case SORT_EVICTIONS:
		return r->v.pages_evicted;
	default:
		return 0;
	}
}

/* Largest first; ties (and --sort addr) by process, then address. */
static int row_cmp(const void *a, const void *b)
{
	const struct stats_row *x = a, *y = b;
	unsigned long long vx = sort_val(x), vy = sort_val(y);

	if (vx != vy)
		return vx < vy ? 1 : -1;
	if (x->key.tgid != y->key.tgid)
		return x->key.tgid < y->key.tgid ? -1 : 1;
	if (x->key.start != y->key.start)
		return x->key.start < y->key.start ? -1 : 1;
	return 0;
}

void stats_select(struct stats_snapshot *s, const struct stats_filter *f,
		  enum stats_sort sort)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct stats_row *r = &s->rows[i];
		unsigned long long start = r->key.start;

		if (f->has_pid && r->key.tgid != f->pid)
			continue;
		if (f->has_range &&
		    (start >= f->hi || start + SVM_STATS_CHUNK_SIZE <= f->lo))
			continue;
		s->rows[n++] = *r;
	}
	s->n = n;
	cur_sort = sort;
	if (n)
		qsort(s->rows, n, sizeof(*s->rows), row_cmp);
}

void fmt_range(char *buf, size_t sz, unsigned long long start)
{
	snprintf(buf, sz, "%#llx-%#llx", start, start + SVM_STATS_CHUNK_SIZE);
}

void stats_print_ranges(FILE *f, const struct stats_snapshot *s,
			size_t limit)
{
	size_t n = limit && limit < s->n ? limit : s->n;
	char rw[48], ev[48], rg[48];

	fprintf(f, "%7s  %-31s %7s %-11s %6s %6s %6s %6s %-12s %5s %5s %6s\n",
		"TGID", "RANGE", "FAULTS", "(R/W/A)", "MAPPED", "THROTL",
		"TO_DEV", "TO_SYS", "EVICT(PAGES)", "CPU_F", "INVAL", "ADVISE");
	for (size_t i = 0; i < n; i++) {
		const struct stats_row *r = &s->rows[i];
		const struct svm_range_stats *v = &r->v;

		snprintf(rw, sizeof(rw), "(%llu/%llu/%llu)",
			 (unsigned long long)v->faults_read,
			 (unsigned long long)v->faults_write,
			 (unsigned long long)v->faults_atomic);
		snprintf(ev, sizeof(ev), "%llu(%llu)",
			 (unsigned long long)v->evictions,
			 (unsigned long long)v->pages_evicted);
		fmt_range(rg, sizeof(rg), r->key.start);
		fprintf(f, "%7u  %-31s %7llu %-11s %6llu %6llu %6llu %6llu %-12s %5llu %5llu %6llu\n",
			r->key.tgid, rg, range_faults(v), rw,
			(unsigned long long)v->map_faults,
			(unsigned long long)v->throttles,
			(unsigned long long)v->pages_to_dev,
			(unsigned long long)v->pages_to_sys, ev,
			(unsigned long long)v->cpu_faults,
			(unsigned long long)v->invalidations,
			(unsigned long long)v->advise);
	}
	if (!s->n)
		fprintf(f, "  (no ranges)\n");
	else if (n < s->n)
		fprintf(f, "  ... %zu more\n", s->n - n);
}

/* A device is shown if sysfs has it or it counted something. */
static bool dev_shown(const struct svm_dev_stats *d, unsigned int i)
{
	char rel[64];
	unsigned long long dummy;

	snprintf(rel, sizeof(rel), "devices/%u/mem_total", i);
	if (!svm_sysfs_read_u64(rel, &dummy))
		return true;
	for (size_t k = 0; k < n_dev_fields; k++)
		if (stats_u64(d, dev_fields[k].off))
			return true;
	return false;
}

void stats_print_devices(FILE *f, const struct stats_snapshot *s)
{
	char rw[64], cpu[48], ev[48];

	fprintf(f, "%4s  %-20s %7s %7s %7s %-14s %s\n", "DEV",
		"FAULTS(R/W/A)", "MAPPED", "THROTL", "TO_DEV", "CPU_F(PAGES)",
		"EVICT(PAGES)");
	for (unsigned int i = 0; i < SVM_STATS_MAX_DEVICES; i++) {
		const struct svm_dev_stats *d = &s->dev[i];

		if (!dev_shown(d, i))
			continue;
		snprintf(rw, sizeof(rw), "%llu/%llu/%llu",
			 (unsigned long long)d->faults_read,
			 (unsigned long long)d->faults_write,
			 (unsigned long long)d->faults_atomic);
		snprintf(cpu, sizeof(cpu), "%llu(%llu)",
			 (unsigned long long)d->cpu_faults,
			 (unsigned long long)d->cpu_fault_pages);
		snprintf(ev, sizeof(ev), "%llu(%llu)",
			 (unsigned long long)d->evictions,
			 (unsigned long long)d->pages_evicted);
		fprintf(f, "%4u  %-20s %7llu %7llu %7llu %-14s %s\n", i, rw,
			(unsigned long long)d->map_faults,
			(unsigned long long)d->throttles,
			(unsigned long long)d->pages_to_dev, cpu, ev);
	}
}

void stats_json_ranges(json_writer_t *jw, const struct stats_snapshot *s,
		       size_t limit)
{
	size_t n = limit && limit < s->n ? limit : s->n;

	jw_name(jw, "ranges");
	jw_start_array(jw);
	for (size_t i = 0; i < n; i++) {
		const struct stats_row *r = &s->rows[i];

		jw_start_object(jw);
		jw_uint_field(jw, "tgid", r->key.tgid);
		jw_uint_field(jw, "start", r->key.start);
		jw_uint_field(jw, "end", r->key.start + SVM_STATS_CHUNK_SIZE);
		jw_uint_field(jw, "faults", range_faults(&r->v));
		for (size_t k = 0; k < n_range_fields; k++)
			jw_uint_field(jw, range_fields[k].name,
				      stats_u64(&r->v, range_fields[k].off));
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

void stats_json_devices(json_writer_t *jw, const struct stats_snapshot *s)
{
	jw_name(jw, "devices");
	jw_start_array(jw);
	for (unsigned int i = 0; i < SVM_STATS_MAX_DEVICES; i++) {
		if (!dev_shown(&s->dev[i], i))
			continue;
		jw_start_object(jw);
		jw_uint_field(jw, "index", i);
		for (size_t k = 0; k < n_dev_fields; k++)
			jw_uint_field(jw, dev_fields[k].name,
				      stats_u64(&s->dev[i], dev_fields[k].off));
		jw_end_object(jw);
	}
	jw_end_array(jw);
}
