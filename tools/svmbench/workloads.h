/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svmbench: what the workload files share with main (svmbench.c).
 *
 *   mig.c       the migration benchmark driver (rounds, timing, checks, report)
 *   emu.c       workloads on svm_emu (writeback, migrate)
 *   peer_hmm.c  the same migration through the kernel's test_hmm (migrate-hmm)
 *   overhead.c  a BPF policy's cost on the fault path (overhead)
 */
#ifndef SVMBENCH_WORKLOADS_H
#define SVMBENCH_WORKLOADS_H

#include <stddef.h>

/* How a migration is driven, in either direction. */
enum move_how {
	MOVE_DEFAULT,	/* the workload's own default */
	MOVE_FAULT,	/* the faulting side pulls it (device access / CPU touch) */
	MOVE_EXPLICIT,	/* an ioctl moves it (svm_emu PREFETCH / test_hmm MIGRATE_TO_*) */
};

/* What backs a migration workload's buffers (svmbench --backing). */
enum backing {
	BACKING_4K,	/* MADV_NOHUGEPAGE: 4 KiB pages */
	BACKING_THP,	/* MADV_HUGEPAGE: 2 MiB transparent huge pages */
};

struct opts {
	unsigned int device;	/* svm_ext device index, or hmm_dmirror index */
	size_t size;
	int json;
	unsigned int repeat;
	enum move_how to, back;
	enum backing backing;
};

double now_s(void);
const char *move_name(enum move_how how);

/* Open and bind svm_emu device o->device; 0, or the exit status to use. */
int open_bound(const struct opts *o, int *fd);

/*
 * A migration benchmark (mig.c): --repeat round trips, each on a fresh,
 * 2 MiB aligned, filled buffer with the --backing asked for; each round
 * trip also times a memcpy of the same size right before and right after,
 * so a ratio compares figures taken within seconds of each other (other VMs
 * on the host make TCG speed drift).
 */
struct mig_ops {
	const char *workload;	/* "migrate", "migrate-hmm" */
	const char *path;	/* "svm_emu", "test_hmm" */
	/*
	 * Move [buf, buf + size) there / back, as o->to / o->back say; 0 or
	 * -errno.  @scratch (size bytes, zeroed) may receive a copy of what the
	 * device now holds: set to_fills_scratch and it is checked.
	 */
	long (*to)(void *ctx, const struct opts *o, void *buf, void *scratch);
	long (*back)(void *ctx, const struct opts *o, void *buf);
	/* Pages of the buffer now on the device; >= 0 or -errno (untimed). */
	long (*on_dev)(void *ctx, const struct opts *o, void *buf);
	/*
	 * Optional: the part of ->to that is not the move, done again on its
	 * own while the data is on the device (test_hmm: the copy-out to
	 * @scratch that MIGRATE_TO_DEV ends with); timed, so that the move
	 * alone can be reported as ->to's time less this one.  0 or -errno;
	 * with to_fills_scratch, @scratch is checked after it too.
	 */
	long (*to_extra)(void *ctx, const struct opts *o, void *buf,
			 void *scratch);
	/*
	 * Optional: the driver's cumulative counts of 2 MiB folios moved to
	 * the device and back (untimed; the difference over a round trip is
	 * reported).  0, or -1 when the driver has no such counters.
	 */
	int (*folios)(void *ctx, const struct opts *o, long long *to,
		      long long *back);
	int to_fills_scratch;
};
int mig_run(const struct opts *o, const struct mig_ops *ops, void *ctx);

/* The CPU reads one word per page of buf (faults device pages home). */
void touch_pages(const void *buf, size_t size);

/*
 * Pages of [p, p + len) under 2 MiB page-table entries that have all the
 * PAGEMAP_SCAN categories @cats besides PAGE_IS_HUGE: PAGE_IS_PRESENT, a
 * PMD-mapped THP; PAGE_IS_SWAPPED, a non-present 2 MiB entry (after a move
 * to a device: a device-private folio mapped whole).  >= 0 or -errno.
 */
long huge_pages(const void *p, size_t len, unsigned long long cats);

/* Median of n samples (sorts v). */
double median(double *v, unsigned int n);

/* Workloads: each returns the process exit status. */
int wl_writeback(const struct opts *o);
int wl_migrate(const struct opts *o);
int wl_migrate_hmm(const struct opts *o);
int wl_overhead(const struct opts *o);

#endif
