/* SPDX-License-Identifier: GPL-2.0 */
/* svmctl: filtering, sorting and printing statistics (stats, top). */
#ifndef SVMCTL_STATS_VIEW_H
#define SVMCTL_STATS_VIEW_H

#include <stdbool.h>
#include <stdio.h>

#include "collector.h"
#include "json_writer.h"

enum stats_sort { SORT_FAULTS, SORT_MIGRATED, SORT_EVICTIONS, SORT_ADDR };

struct stats_filter {
	bool has_pid;
	unsigned int pid;
	bool has_range;
	unsigned long long lo, hi;	/* ranges overlapping [lo, hi) */
};

/* Parsers for the options; 0 or -EINVAL. */
int parse_sort(const char *s, enum stats_sort *sort);
int parse_addr_range(const char *s, unsigned long long *lo,
		     unsigned long long *hi);
int parse_pid(const char *s, unsigned int *pid);

/* Drops rows the filter rejects, then sorts what is left. */
void stats_select(struct stats_snapshot *s, const struct stats_filter *f,
		  enum stats_sort sort);

/* "0xSTART-0xEND" of the 2 MiB range at start */
void fmt_range(char *buf, size_t sz, unsigned long long start);

/* The table of ranges (at most limit rows, 0: all) and of devices. */
void stats_print_ranges(FILE *f, const struct stats_snapshot *s,
			size_t limit);
void stats_print_devices(FILE *f, const struct stats_snapshot *s);

/* JSON arrays "ranges" and "devices" inside the current object. */
void stats_json_ranges(json_writer_t *jw, const struct stats_snapshot *s,
		       size_t limit);
void stats_json_devices(json_writer_t *jw, const struct stats_snapshot *s);

#endif
