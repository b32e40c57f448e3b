/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svmbench: what the workload files share with main (svmbench.c).
 *
 *   emu.c       workloads on svm_emu (writeback, migrate)
 *   peer_hmm.c  the same migration through the kernel's test_hmm (migrate-hmm)
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

struct opts {
	unsigned int device;	/* svm_ext device index, or hmm_dmirror index */
	size_t size;
	int json;
	unsigned int repeat;
	enum move_how to, back;
};

double now_s(void);
const char *move_name(enum move_how how);

/* Open and bind svm_emu device o->device; 0, or the exit status to use. */
int open_bound(const struct opts *o, int *fd);

/*
 * One migration result, medians over o->repeat round trips.  Printed the
 * same way for every path so scripts need one parser.
 */
struct mig_result {
	const char *workload;	/* "migrate", "migrate-hmm" */
	const char *path;	/* "svm_emu", "test_hmm" */
	const char *to_how;	/* how it went to the device */
	const char *back_how;	/* how it came back */
	unsigned int rounds;		/* round trips the medians are over */
	double t_to, t_back, t_copy;	/* seconds, medians */
	unsigned long long pages_to_dev;	/* last round: pages seen on the device */
	unsigned long long pages_back;		/* last round: pages seen back home */
	int data_ok;
};
void mig_report(const struct opts *o, const struct mig_result *r);

/* The CPU reads one word per page of buf (faults device pages home). */
void touch_pages(const void *buf, size_t size);

/* Median of n samples (sorts v). */
double median(double *v, unsigned int n);

/* Workloads: each returns the process exit status. */
int wl_writeback(const struct opts *o);
int wl_migrate(const struct opts *o);
int wl_migrate_hmm(const struct opts *o);

#endif
