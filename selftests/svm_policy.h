/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policies for tests of the kernel: loaded, switched and unloaded by
 * libsvmctl (tools/svmctl/policy_ops.h), the code svmctl's commands run,
 * without running svmctl - its output and options are svmctl.c's tests.
 *
 *	ASSERT_EQ(0, policy_load("lfu", "decay_ms=1", NULL));
 *	ASSERT_EQ(0, policy_set("decay_ms=0", NULL));
 *	...
 *	policy_unload_any();
 */
#ifndef SVM_POLICY_H
#define SVM_POLICY_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "policy_ops.h"

#define POLICY_MAX_SETS	16

/* Load (or, with @sw, switch to) what @req names; its result is not kept. */
static inline int policy_run(bool sw, const struct svm_load_req *req)
{
	struct svm_policy_res res;
	int ret;

	ret = sw ? svm_policy_switch(req, &res) : svm_policy_load(req, &res);
	svm_policy_res_free(&res);
	return ret;
}

static inline int policy_op(bool sw, const char *policy, va_list ap)
{
	const char *sets[POLICY_MAX_SETS], *s;
	struct svm_load_req req = { .policy = policy, .sets = sets };

	while ((s = va_arg(ap, const char *))) {
		if (req.nsets == POLICY_MAX_SETS)
			return EXIT_USAGE;
		sets[req.nsets++] = s;
	}
	return policy_run(sw, &req);
}

/*
 * Load @policy (an embedded policy's name or a FILE.bpf.o), then the
 * "KEY=VALUE" params that follow, up to a NULL: 0, or svmctl's exit status
 * (the reason is on stderr and in svm_last_error()).
 */
static inline __attribute__((sentinel)) int policy_load(const char *policy, ...)
{
	va_list ap;
	int ret;

	va_start(ap, policy);
	ret = policy_op(false, policy, ap);
	va_end(ap);
	return ret;
}

/* Replace the active policy by @policy, as policy_load() takes it. */
static inline __attribute__((sentinel)) int policy_switch(const char *policy, ...)
{
	va_list ap;
	int ret;

	va_start(ap, policy);
	ret = policy_op(true, policy, ap);
	va_end(ap);
	return ret;
}

/*
 * policy_load() with the params as one printf-style string of
 * space-separated KEY=VALUE settings: policy_loadf("lfu", "decay_ms=%d", 1).
 */
static inline __attribute__((format(printf, 2, 3)))
int policy_loadf(const char *policy, const char *fmt, ...)
{
	const char *sets[POLICY_MAX_SETS];
	struct svm_load_req req = { .policy = policy, .sets = sets };
	char buf[1024], *tok, *save;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return EXIT_USAGE;
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (req.nsets == POLICY_MAX_SETS)
			return EXIT_USAGE;
		sets[req.nsets++] = tok;
	}
	return policy_run(false, &req);
}

static inline int policy_no_print(enum libbpf_print_level l, const char *f,
				  va_list ap)
{
	return 0;
}

/*
 * A load that must fail (a second policy, a program the verifier refuses):
 * its exit status, with nothing printed - neither svmctl's message nor
 * libbpf's and the verifier's logs.
 */
static inline int policy_load_refused(const char *policy)
{
	libbpf_print_fn_t old = libbpf_set_print(policy_no_print);
	bool quiet = svm_quiet;
	int ret;

	svm_quiet = true;
	ret = policy_load(policy, NULL);
	svm_quiet = quiet;
	libbpf_set_print(old);
	return ret;
}

/*
 * Change the active policy's params, "KEY=VALUE" up to a NULL, all or
 * nothing, as `svmctl set` does: 0, or svmctl's exit status.
 */
static inline __attribute__((sentinel)) int policy_set(const char *kv, ...)
{
	const char *sets[POLICY_MAX_SETS], *s = kv;
	struct svm_params_map pm;
	size_t n = 0;
	va_list ap;
	int ret;

	va_start(ap, kv);
	for (; s; s = va_arg(ap, const char *)) {
		if (n == POLICY_MAX_SETS) {
			va_end(ap);
			return EXIT_USAGE;
		}
		sets[n++] = s;
	}
	va_end(ap);
	ret = svm_params_open(&pm, NULL, NULL);
	if (!ret)
		ret = svm_params_set(&pm, sets, n, NULL, NULL);
	svm_params_close(&pm);
	return ret;
}

/* Where policy_load_log() collects libbpf's words. */
struct policy_log {
	char *buf;
	size_t len, used;
};

static struct policy_log *policy_log_cur;

static inline int policy_log_print(enum libbpf_print_level level,
				   const char *fmt, va_list ap)
{
	struct policy_log *pl = policy_log_cur;
	int n;

	if (!pl || level == LIBBPF_DEBUG || pl->used + 1 >= pl->len)
		return 0;
	n = vsnprintf(pl->buf + pl->used, pl->len - pl->used, fmt, ap);
	if (n > 0)
		pl->used += (size_t)n < pl->len - pl->used ?
			    (size_t)n : pl->len - pl->used - 1;
	return 0;
}

/*
 * policy_load() that prints nothing but keeps it in @log (NUL-terminated):
 * what libbpf said (the verifier's log of a refused program among it),
 * then svmctl's message.  For tests of what a refusal says.
 */
static inline int policy_load_log(const char *policy, char *log, size_t len)
{
	struct policy_log pl = { .buf = log, .len = len };
	libbpf_print_fn_t old = libbpf_set_print(policy_log_print);
	bool quiet = svm_quiet;
	int ret;

	log[0] = '\0';
	policy_log_cur = &pl;
	svm_quiet = true;
	ret = policy_load(policy, NULL);
	svm_quiet = quiet;
	policy_log_cur = NULL;
	libbpf_set_print(old);
	if (ret && pl.used + 1 < len)
		snprintf(log + pl.used, len - pl.used, "%s\n", svm_last_error());
	return ret;
}

/* Detach the active policy: 0, or svmctl's exit status (1: none loaded). */
static inline int policy_unload(void)
{
	struct svm_policy_res res;
	int ret = svm_policy_unload(&res);

	svm_policy_res_free(&res);
	return ret;
}

/*
 * A fixture's clean slate: whatever policy (or stale pins) a test left
 * goes, and nothing is said when there was none.
 */
static inline void policy_unload_any(void)
{
	bool quiet = svm_quiet;

	svm_quiet = true;
	policy_unload();
	svm_quiet = quiet;
}

#endif /* SVM_POLICY_H */
