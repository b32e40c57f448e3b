/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svmctl: the per-range statistics collector (bpf/collect/stats.bpf.c),
 * embedded in svmctl.  Its maps and links are pinned under
 *
 *   <bpffs>/svm_ext/stats/
 *     ranges      HASH {tgid, 2 MiB start} -> struct svm_range_stats
 *     devices     ARRAY device index -> struct svm_dev_stats
 *     info        ARRAY [0] -> struct svm_stats_info
 *     link_EVENT  one tp_btf link per svm_ext tracepoint
 *
 * (layout: include/svm_ext/stats.h).  The pins keep it running after
 * svmctl exits, across policy loads, switches and unloads; removing the
 * directory stops it.  Its links hold a reference on svm_ext.ko: stop the
 * collector before removing the module.
 */
#ifndef SVMCTL_COLLECTOR_H
#define SVMCTL_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>

/* "<bpffs>/svm_ext/stats" and "<bpffs>/svm_ext/stats/<file>" */
void collector_path(char *buf, size_t sz, const char *file);

/* Every map and link pin is there. */
bool collector_running(void);

/*
 * Loads, attaches and pins the collector unless it runs already (*started
 * tells which).  Prints its own error; returns an exit status.
 */
int collector_start(bool *started);

/* Removes the pins (stopping it).  *stopped: it was there. */
int collector_stop(bool *stopped);

/* fd of a pinned collector map, or -1 with a message printed. */
int collector_map_fd(const char *name, int *exit_code);

/* ---- reading the maps (stats, top) ---- */

#include <svm_ext/stats.h>

struct stats_row {
	struct svm_stats_key key;
	struct svm_range_stats v;
};

struct stats_snapshot {
	struct stats_row *rows;
	size_t n;
	struct svm_dev_stats dev[SVM_STATS_MAX_DEVICES];
	struct svm_stats_info info;
};

/* Reads all three maps.  Prints its own error; returns an exit status. */
int stats_snapshot_read(struct stats_snapshot *s);
void stats_snapshot_free(struct stats_snapshot *s);

/* Members of the value structs, in order, for printing. */
struct stats_field {
	const char *name;
	size_t off;
};
extern const struct stats_field range_fields[];
extern const size_t n_range_fields;
extern const struct stats_field dev_fields[];
extern const size_t n_dev_fields;

static inline unsigned long long stats_u64(const void *v, size_t off)
{
	return *(const unsigned long long *)((const char *)v + off);
}

static inline unsigned long long range_faults(const struct svm_range_stats *v)
{
	return v->faults_read + v->faults_write + v->faults_atomic;
}

#endif
