/* SPDX-License-Identifier: GPL-2.0 */
/* svmctl: readers for /sys/kernel/svm_ext (override: $SVMCTL_SYSFS). */
#ifndef SVMCTL_SYSFS_H
#define SVMCTL_SYSFS_H

#include <stdbool.h>
#include <stddef.h>

#define SVM_SYSFS_DEFAULT "/sys/kernel/svm_ext"

const char *svm_sysfs_root(void);
bool svm_sysfs_present(void);
/* 0 if present, else prints "svm_ext is not loaded" and returns 3. */
int svm_require_loaded(void);

/*
 * Reads ROOT/rel into buf, without the trailing newline.  Returns 0 or a
 * negative errno.  An attribute that does not fit is truncated.
 */
int svm_sysfs_read(const char *rel, char *buf, size_t sz);
int svm_sysfs_read_u64(const char *rel, unsigned long long *v);

/* Each field has its own error: a missing file must not hide the others. */
struct svm_status {
	int state_err;
	char state[32];			/* disabled enabling enabled ejected */
	int policy_err;
	char policy[128];		/* empty when none */
	int since_err;
	unsigned long long enabled_since;	/* unix seconds, 0 = none */
	int count_err;
	unsigned long long enable_count;
	int exit_kind_err;
	char exit_kind[32];		/* none unregistered error bad_decision */
	int exit_reason_err;
	char exit_reason[1024];
	int exit_msg_err;
	char exit_msg[1024];
};

void svm_status_read(struct svm_status *st);
/* A policy is attached and running (or being enabled). */
bool svm_policy_active(const struct svm_status *st);

struct svm_device {
	char id[64];			/* directory name under devices/ */
	int name_err;
	char name[64];
	int total_err;
	unsigned long long mem_total;
	int used_err;
	unsigned long long mem_used;
};

/* *devs is malloc'd, sorted by id; 0 devices if devices/ is missing. */
int svm_devices_read(struct svm_device **devs, size_t *n);

/*
 * Polls `state` every 20 ms until it is one of want[] (NULL-terminated)
 * or timeout_ms passes.  Returns 0, -ETIMEDOUT, or the read error.
 * The last state read is left in st.
 */
int svm_wait_state(const char *const *want, int timeout_ms,
		   struct svm_status *st);

#endif
