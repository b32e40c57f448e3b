/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libsvmctl: load, switch and unload a policy exactly as svmctl does - the
 * same checks, pins under /sys/fs/bpf/svm_ext/NAME/, params from the
 * policy's defaults and KEY=VALUE settings, stale pins removed, the
 * statistics collector started - for svmctl's commands and for programs
 * (the selftests) that drive policies without running svmctl.
 *
 * Each call returns an svmctl exit status (EXIT_OKAY, EXIT_FAIL,
 * EXIT_USAGE, EXIT_PERM, EXIT_NO_POLICY, ...: svmctl.h) and has printed
 * why on stderr when it is not EXIT_OKAY ("svmctl: CMD: WHAT: ERRNO"),
 * unless svm_quiet is set; svm_last_error() has it either way.  On success
 * nothing is printed: what happened is in the result.
 */
#ifndef SVMCTL_POLICY_OPS_H
#define SVMCTL_POLICY_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "params.h"
#include "sysfs.h"

/* Exit statuses, documented in main.c's table (svmctl(8)). */
enum {
	EXIT_OKAY = 0,		/* success */
	EXIT_FAIL = 1,		/* the operation failed */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_NOT_LOADED = 3,	/* svm_ext.ko is not loaded */
	EXIT_PERM = 4,		/* missing privilege */
	EXIT_NO_POLICY = 5,	/* no such policy */
};

/* Print no message (svm_last_error() keeps the last one): for callers. */
extern bool svm_quiet;
/* The last error message, with its errno text; "" before any. */
const char *svm_last_error(void);

/* What to load or switch to. */
struct svm_load_req {
	const char *policy;	/* an embedded policy's name, or FILE.bpf.o */
	const char *const *sets;	/* "KEY=VALUE" params, in order */
	size_t nsets;
	char *const *dirs;	/* directories searched before the embedded */
	size_t ndirs;
};

/* What a load, switch or unload did; release with svm_policy_res_free(). */
struct svm_policy_res {
	char name[128];		/* the policy's struct_ops name */
	char old[128];		/* switch: the policy it replaced */
	char dir[1024];		/* its pin directory */
	char source[1100];	/* "embedded", or where its object came from */
	const char *source_key;	/* "embedded", "path", "policy-dir", ... */
	char *path;		/* its object file, or NULL when embedded */
	__u32 link_id;
	bool has_params;
	char **stale;		/* pin directories removed as stale */
	size_t nstale;
	const char *collector;	/* "running", "started", "unavailable", "failed" */
	bool unloaded;		/* unload: a policy was detached (name) */
	struct svm_status st;	/* sysfs state at the end */
};

int svm_policy_load(const struct svm_load_req *req, struct svm_policy_res *res);
int svm_policy_switch(const struct svm_load_req *req,
		      struct svm_policy_res *res);
int svm_policy_unload(struct svm_policy_res *res);
void svm_policy_res_free(struct svm_policy_res *res);

/*
 * The statistics collector (collector.c, svmctl stats --start): loads,
 * attaches and pins it unless it runs already (*started tells which).
 * Returns an exit status.  A policy load starts it too.
 */
int collector_start(bool *started);

/* A policy's pinned params map (params_map.c). */
struct svm_params_map {
	int fd;
	struct btf *btf;
	struct pval pv;
	unsigned int value_size;
	char path[1024];
	char policy[128];	/* "" when opened by path */
};

int svm_params_open(struct svm_params_map *pm, const char *map_path,
		    const char *policy);
int svm_params_read(struct svm_params_map *pm, void *buf);
int svm_params_set(struct svm_params_map *pm, const char *const *sets,
		   size_t nsets, void *old, void *new);
void svm_params_close(struct svm_params_map *pm);

#endif /* SVMCTL_POLICY_OPS_H */
