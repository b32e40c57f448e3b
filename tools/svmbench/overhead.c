// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench overhead: what a BPF policy costs on the device fault path.
 *
 * The same fault-heavy workload runs with no policy (the built-in default
 * decides) and with the `default` BPF policy (which decides exactly the
 * same, so both do the same work: checked), interleaved in one session
 * (A B B A A B ...: a slow drift of the host weighs on both alike).  Each
 * sample is one EXEC on a fresh buffer whose attributes make every page a
 * fault of its own that maps in place (granularity 4 KiB, preferred location
 * system memory): the cheapest fault there is, so the hook's share of it is
 * the largest it can be.  The figure is the median over pairs of
 * time(default) / time(none), against a 3% limit.
 *
 * Beside it, the cost of one hook call as the kernel's BPF statistics see
 * it (kernel.bpf_stats_enabled=1: run_time_ns / run_cnt of the policy's
 * fault program), measured in a separate phase so that the statistics'
 * own clock reads do not weigh on the ratio.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "svm_user.h"
#include "workloads.h"

#define OVERHEAD_LIMIT 1.03
#define POLICY "default"
#define FAULT_PROG "default_fault"	/* the policy's fault program */
#define STATS_SYSCTL "/proc/sys/kernel/bpf_stats_enabled"
#define PAGE 4096UL
#define CHUNK (2 * MIB)

struct sample {
	struct drm_svm_emu_counters c;
	int data_ok;
};

/*
 * One sample: a fresh buffer, filled by the CPU, its pages mapped in place
 * one fault each by a device checksum reading one word per page.  The
 * returned counters' real_ns is the fault path's time (the kernel's clock
 * around the EXEC); 0, or -errno.
 */
static int one_sample(int fd, size_t size, struct sample *s)
{
	size_t maplen = size + CHUNK;
	uint8_t *raw = mmap(NULL, maplen, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t *buf, sum;
	int ret;

	if (raw == MAP_FAILED)
		return -errno;
	buf = (uint64_t *)(((uintptr_t)raw + CHUNK - 1) & ~(CHUNK - 1));
	fill_pattern(buf, size, 0x5eed);
	ret = emu_set_attr(fd, buf, size, SVM_EXT_ATTR_GRANULARITY, 0);
	if (!ret)
		ret = emu_set_attr(fd, buf, size, SVM_EXT_ATTR_PREFERRED_LOC,
				   SVM_EXT_LOC_SYSTEM);
	if (!ret)
		ret = emu_exec1(fd, SVM_EMU_OP_CHECKSUM, buf, size, PAGE, 0,
				&sum, &s->c);
	s->data_ok = !ret && sum == cpu_checksum(buf, size, PAGE);
	munmap(raw, maplen);
	return ret;
}

static int policy(int load)
{
	if (load)
		return run("%s load " POLICY " >/dev/null", svmctl_path());
	return run("%s unload >/dev/null", svmctl_path());
}

/* The id of the newest loaded struct_ops program named FAULT_PROG, or 0. */
static __u32 find_fault_prog(void)
{
	__u32 id = 0, found = 0;

	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_prog_get_info_by_fd(fd, &info, &len) &&
		    info.type == BPF_PROG_TYPE_STRUCT_OPS &&
		    !strcmp(info.name, FAULT_PROG))
			found = id;
		close(fd);
	}
	return found;
}

static int prog_stats(__u32 id, __u64 *run_ns, __u64 *cnt)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id), err;

	if (fd < 0)
		return -errno;
	err = bpf_prog_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (err)
		return err;
	*run_ns = info.run_time_ns;
	*cnt = info.run_cnt;
	return 0;
}

static int write_sysctl(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fputs(val, f) < 0)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

struct hook_cost {
	__u64 calls, run_ns;
	double ns_per_call;
	int ok;
};

/*
 * Phase 2: the policy loaded, statistics on, @n samples; the fault
 * program's run_time_ns / run_cnt over them.
 */
static int measure_hook(int fd, size_t size, unsigned int n,
			struct hook_cost *h, __u64 *faults)
{
	char old[16] = "0";
	__u64 ns0, cnt0, ns1, cnt1;
	struct sample s;
	unsigned int i;
	__u32 id;
	int ret;

	memset(h, 0, sizeof(*h));
	*faults = 0;
	if (read_str(STATS_SYSCTL, old, sizeof(old)))
		return -ENOENT;
	if (policy(1))
		return -EIO;
	ret = -ESRCH;
	id = find_fault_prog();
	if (!id)
		goto out;
	ret = write_sysctl(STATS_SYSCTL, "1");
	if (ret)
		goto out;
	ret = prog_stats(id, &ns0, &cnt0);
	for (i = 0; i < n && !ret; i++) {
		ret = one_sample(fd, size, &s);
		*faults += s.c.faults;
	}
	if (!ret)
		ret = prog_stats(id, &ns1, &cnt1);
	write_sysctl(STATS_SYSCTL, old);
	if (!ret && cnt1 > cnt0) {
		h->calls = cnt1 - cnt0;
		h->run_ns = ns1 - ns0;
		h->ns_per_call = (double)h->run_ns / h->calls;
		h->ok = 1;
	}
out:
	policy(0);
	return ret;
}

static int same_work(const struct drm_svm_emu_counters *a,
		     const struct drm_svm_emu_counters *b)
{
	return a->faults == b->faults && a->pages_to_dev == b->pages_to_dev &&
	       a->remote_maps == b->remote_maps &&
	       a->modeled_ns == b->modeled_ns;
}

int wl_overhead(const struct opts *o)
{
	unsigned int pairs = o->repeat, i, n = 2 * pairs, k;
	double *none = calloc(pairs, sizeof(double));
	double *dflt = calloc(pairs, sizeof(double));
	double *ratio = calloc(pairs, sizeof(double));
	struct drm_svm_emu_counters ref = {};
	struct hook_cost h;
	struct sample s, warm;
	int fd, ret, loaded = 0, data_ok = 1, work_same = 1, pass;
	double med_none, med_dflt, med_ratio, per_fault_ns;
	unsigned int got_none = 0, got_dflt = 0;
	__u64 hook_faults;
	char state[32] = "?";

	if (!none || !dflt || !ratio)
		return 1;
	ret = open_bound(o, &fd);
	if (ret)
		return ret;
	if (access(STATS_SYSCTL, W_OK) || geteuid()) {
		fprintf(stderr, "svmbench: overhead needs root (it loads a policy "
			"and sets kernel.bpf_stats_enabled)\n");
		return 1;
	}
	if (read_str(SVM_SYSFS "/state", state, sizeof(state)) ||
	    strcmp(state, "disabled")) {
		fprintf(stderr, "svmbench: overhead needs no policy attached "
			"(state: %s); svmctl unload first\n", state);
		return 1;
	}

	/*
	 * A B B A A B B A ...: sample k belongs to pair k / 2; the policy is
	 * loaded for B.  After every change, one untimed warm-up sample.
	 */
	for (k = 0; k < n; k++) {
		int want_b = (k % 4 == 1 || k % 4 == 2);

		if (want_b != loaded) {
			if (policy(want_b)) {
				fprintf(stderr, "svmbench: svmctl %s " POLICY " failed\n",
					want_b ? "load" : "unload");
				ret = 1;
				goto out;
			}
			loaded = want_b;
			ret = one_sample(fd, o->size / 8 ? o->size / 8 : PAGE,
					 &warm);
			if (ret)
				goto exec_failed;
		}
		ret = one_sample(fd, o->size, &s);
		if (ret)
			goto exec_failed;
		data_ok &= s.data_ok;
		if (!k)
			ref = s.c;
		work_same &= same_work(&ref, &s.c);
		if (want_b)
			dflt[got_dflt++] = s.c.real_ns;
		else
			none[got_none++] = s.c.real_ns;
	}
	if (loaded && policy(0)) {
		fprintf(stderr, "svmbench: svmctl unload failed\n");
		ret = 1;
		goto out;
	}
	loaded = 0;
	for (i = 0; i < pairs; i++)
		ratio[i] = dflt[i] / none[i];
	med_ratio = median(ratio, pairs);
	med_none = median(none, pairs);
	med_dflt = median(dflt, pairs);
	per_fault_ns = ref.faults ? med_none / ref.faults : 0;

	ret = measure_hook(fd, o->size, pairs < 3 ? pairs : 3, &h, &hook_faults);
	if (ret)
		fprintf(stderr, "svmbench: hook cost not measured: %s\n",
			strerror(-ret));
	pass = med_ratio <= OVERHEAD_LIMIT && data_ok && work_same;

	if (o->json) {
		printf("{\"workload\":\"overhead\",\"policy\":\"" POLICY "\","
		       "\"size\":%zu,\"pairs\":%u,\"faults_per_run\":%llu,"
		       "\"remote_maps_per_run\":%llu,\"none_ns\":%.0f,"
		       "\"default_ns\":%.0f,\"ratio\":%.4f,\"limit\":%.2f,"
		       "\"ns_per_fault\":%.0f,\"hook_calls\":%llu,"
		       "\"hook_faults\":%llu,\"hook_ns\":%.1f,"
		       "\"same_work\":%s,\"data_ok\":%s,\"pass\":%s}\n",
		       o->size, pairs, (unsigned long long)ref.faults,
		       (unsigned long long)ref.remote_maps, med_none, med_dflt,
		       med_ratio, OVERHEAD_LIMIT, per_fault_ns,
		       (unsigned long long)h.calls,
		       (unsigned long long)hook_faults, h.ok ? h.ns_per_call : -1.0,
		       work_same ? "true" : "false", data_ok ? "true" : "false",
		       pass ? "true" : "false");
	} else {
		printf("overhead of the '" POLICY "' BPF policy on the device fault path\n");
		printf("  workload: %zu MiB, %llu faults per run (4 KiB windows, mapped in place),\n"
		       "            %u runs each way, interleaved (A B B A ...)\n",
		       o->size >> 20, (unsigned long long)ref.faults, pairs);
		printf("\n  %-22s %14s %14s\n", "", "median ms/run", "us/fault");
		printf("  %-22s %14.3f %14.2f\n", "no policy", med_none / 1e6,
		       ref.faults ? med_none / ref.faults / 1e3 : 0);
		printf("  %-22s %14.3f %14.2f\n", POLICY " (BPF)", med_dflt / 1e6,
		       ref.faults ? med_dflt / ref.faults / 1e3 : 0);
		printf("\n  ratio " POLICY "/none (median of %u pairs): %.4f   limit %.2f   %s\n",
		       pairs, med_ratio, OVERHEAD_LIMIT,
		       med_ratio <= OVERHEAD_LIMIT ? "PASS" : "FAIL");
		if (h.ok)
			printf("  hook call: %.0f ns (run_time_ns/run_cnt, %llu calls for %llu faults,\n"
			       "             kernel.bpf_stats_enabled=1) = %.2f%% of a %.1f us fault\n",
			       h.ns_per_call, (unsigned long long)h.calls,
			       (unsigned long long)hook_faults,
			       per_fault_ns ? 100.0 * h.ns_per_call / per_fault_ns : 0,
			       per_fault_ns / 1e3);
		else
			printf("  hook call: not measured\n");
		if (!work_same)
			printf("  FAIL: the runs did not all do the same work (counters differ)\n");
		if (!data_ok)
			printf("  FAIL: a device checksum did not match the data\n");
	}
	ret = pass ? 0 : 1;
	goto out;

exec_failed:
	fprintf(stderr, "svmbench: overhead run: %s\n", strerror(-ret));
	ret = 1;
out:
	if (loaded)
		policy(0);
	close(fd);
	free(none);
	free(dflt);
	free(ratio);
	return ret;
}
