/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svm_ext per-range statistics: the layout of the maps the collector
 * (bpf/collect/stats.bpf.c) keeps pinned under /sys/fs/bpf/svm_ext/stats/
 * and svmctl reads.  Included by the BPF program (after vmlinux.h) and by
 * userspace; both see the same BTF-typed structs, so `bpftool map dump`
 * prints the same member names svmctl does.
 *
 * Every counter only grows.  Changing a struct here changes the pinned
 * maps' layout: `svmctl stats --stop` then `--start` after an upgrade.
 */
#ifndef __SVM_EXT_STATS_H
#define __SVM_EXT_STATS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SVM_STATS_CHUNK_SHIFT	21	/* the core's ranges: stats.bpf.c checks */
#define SVM_STATS_CHUNK_SIZE	(1ULL << SVM_STATS_CHUNK_SHIFT)
#define SVM_STATS_MAX_RANGES	16384	/* 32 GiB of address space */
#define SVM_STATS_MAX_DEVICES	8	/* SVM_EXT_MAX_DEVICES: stats.bpf.c checks */

/* Pins, under <bpffs>/svm_ext/ */
#define SVM_STATS_DIR		"stats"
#define SVM_STATS_RANGES	"ranges"
#define SVM_STATS_DEVICES	"devices"
#define SVM_STATS_INFO		"info"

/* ranges: key */
struct svm_stats_key {
	__u32 tgid;		/* owning process (0: not known) */
	__u32 pad;		/* always 0 */
	__u64 start;		/* 2 MiB aligned start of the range */
};

/* ranges: value */
struct svm_range_stats {
	__u64 faults_read;	/* device faults, by access kind */
	__u64 faults_write;
	__u64 faults_atomic;
	__u64 map_faults;	/* faults decided MAP: mapped in place */
	__u64 throttles;	/* faults decided THROTTLE */
	__u64 pages_to_dev;	/* pages migrated to a device */
	__u64 pages_from_peer;	/* of those, pages that came from a device */
	__u64 pages_to_sys;	/* pages migrated back to system memory */
	__u64 evictions;	/* device chunks of this range evicted */
	__u64 pages_evicted;	/* pages those evictions moved to system */
	__u64 cpu_faults;	/* CPU faults on device-resident pages */
	__u64 invalidations;	/* mmu notifier invalidations */
	__u64 advise;		/* hint and prefetch calls covering it */
};

/* devices: value, indexed by the device index */
struct svm_dev_stats {
	__u64 faults_read;
	__u64 faults_write;
	__u64 faults_atomic;
	__u64 map_faults;
	__u64 throttles;
	__u64 pages_to_dev;	/* pages migrated into this device */
	__u64 cpu_faults;	/* CPU faults on this device's pages */
	__u64 cpu_fault_pages;	/* pages those CPU faults brought back */
	__u64 evictions;
	__u64 pages_evicted;
};

/* info: one entry */
struct svm_stats_info {
	__u64 lost;		/* events not counted: the ranges map was full */
};

#endif /* __SVM_EXT_STATS_H */
