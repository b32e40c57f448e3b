// SPDX-License-Identifier: GPL-2.0
/*
 * The per-range statistics collector.  Not a policy: it attaches to the
 * core's tracepoints (svm_ext:*), whatever policy runs or none, and counts
 * per {process, 2 MiB range} and per device into maps svmctl pins under
 * /sys/fs/bpf/svm_ext/stats/ (layout: include/svm_ext/stats.h).
 *
 * tp_btf programs: the tracepoints live in svm_ext.ko, whose BTF gives the
 * arguments their types; libbpf finds btf_trace_svm_ext_* in module BTF.
 *
 * The process: device faults, migrations, CPU faults, invalidations and
 * hints run in the context of the process whose memory it is (an EXEC or
 * hint ioctl, a CPU fault, its own munmap), so current's tgid names it.
 * Evictions run in whichever process needed the room: the event carries
 * the owner's tgid.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <svm_ext/stats.h>

/* the map layout userspace reads holds every device the module can have */
_Static_assert(SVM_STATS_MAX_DEVICES == SVM_EXT_MAX_DEVICES,
	       "stats.h's device count is not svm_ext.ko's");
/* and is keyed by the core's ranges */
_Static_assert(SVM_STATS_CHUNK_SHIFT == SVM_EXT_CHUNK_SHIFT,
	       "stats.h's range size is not svm_ext.ko's");

char _license[] SEC("license") = "GPL";

#define LOC_SYSTEM	0xfffffffeu
#define DECIDE_MAP	2
#define DECIDE_THROTTLE	3
/* a hint over more than this many chunks counts in the first ones only */
#define ADVISE_MAX_CHUNKS 512

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SVM_STATS_MAX_RANGES);
	__type(key, struct svm_stats_key);
	__type(value, struct svm_range_stats);
} ranges SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SVM_STATS_MAX_DEVICES);
	__type(key, __u32);
	__type(value, struct svm_dev_stats);
} devices SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct svm_stats_info);
} info SEC(".maps");

#define add(field, n) __sync_fetch_and_add(&(field), (n))

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	struct svm_stats_info *i = bpf_map_lookup_elem(&info, &zero);

	if (i)
		add(i->lost, 1);
}

static struct svm_range_stats *range_of(__u32 tgid, __u64 addr)
{
	struct svm_stats_key key = {
		.tgid = tgid,
		.start = addr & ~(SVM_STATS_CHUNK_SIZE - 1),
	};
	struct svm_range_stats zero = {}, *v;

	v = bpf_map_lookup_elem(&ranges, &key);
	if (v)
		return v;
	/* another CPU may create it first: EEXIST is fine, lookup again */
	bpf_map_update_elem(&ranges, &key, &zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&ranges, &key);
	if (!v)
		count_lost();
	return v;
}

static __always_inline __u32 cur_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

static __always_inline struct svm_dev_stats *dev_of(__u32 dev)
{
	return bpf_map_lookup_elem(&devices, &dev);
}

SEC("tp_btf/svm_ext_fault")
int BPF_PROG(stats_fault, u32 dev, unsigned long addr, u32 access,
	     u32 decision, u32 loc, unsigned long start, unsigned long end)
{
	struct svm_range_stats *r = range_of(cur_tgid(), addr);
	struct svm_dev_stats *d = dev_of(dev);

	if (r) {
		if (access == 0)
			add(r->faults_read, 1);
		else if (access == 1)
			add(r->faults_write, 1);
		else
			add(r->faults_atomic, 1);
		if (decision == DECIDE_MAP)
			add(r->map_faults, 1);
		else if (decision == DECIDE_THROTTLE)
			add(r->throttles, 1);
	}
	if (d) {
		if (access == 0)
			add(d->faults_read, 1);
		else if (access == 1)
			add(d->faults_write, 1);
		else
			add(d->faults_atomic, 1);
		if (decision == DECIDE_MAP)
			add(d->map_faults, 1);
		else if (decision == DECIDE_THROTTLE)
			add(d->throttles, 1);
	}
	return 0;
}

/* A migration window never crosses a chunk: start names the range. */
SEC("tp_btf/svm_ext_migrate")
int BPF_PROG(stats_migrate, unsigned long start, unsigned long end, u32 src,
	     u32 dst, long pages, long from_sys)
{
	struct svm_range_stats *r;
	struct svm_dev_stats *d;

	if (pages <= 0)
		return 0;
	r = range_of(cur_tgid(), start);
	if (dst == LOC_SYSTEM) {
		if (r)
			add(r->pages_to_sys, pages);
		return 0;
	}
	if (r) {
		add(r->pages_to_dev, pages);
		if (pages > from_sys)
			add(r->pages_from_peer, pages - from_sys);
	}
	d = dev_of(dst);
	if (d)
		add(d->pages_to_dev, pages);
	return 0;
}

SEC("tp_btf/svm_ext_evict")
int BPF_PROG(stats_evict, u32 dev, unsigned long chunk_pfn_off, u32 tgid,
	     unsigned long addr, unsigned long pages)
{
	struct svm_range_stats *r = range_of(tgid, addr);
	struct svm_dev_stats *d = dev_of(dev);

	if (r) {
		add(r->evictions, 1);
		add(r->pages_evicted, pages);
	}
	if (d) {
		add(d->evictions, 1);
		add(d->pages_evicted, pages);
	}
	return 0;
}

SEC("tp_btf/svm_ext_cpu_fault")
int BPF_PROG(stats_cpu_fault, u32 dev, unsigned long addr,
	     unsigned long start, unsigned long end, long pages)
{
	struct svm_range_stats *r = range_of(cur_tgid(), addr);
	struct svm_dev_stats *d = dev_of(dev);

	if (r)
		add(r->cpu_faults, 1);
	if (d) {
		add(d->cpu_faults, 1);
		if (pages > 0)
			add(d->cpu_fault_pages, pages);
	}
	return 0;
}

/* The core's notifier covers one chunk: start names the range. */
SEC("tp_btf/svm_ext_invalidate")
int BPF_PROG(stats_invalidate, unsigned long start, unsigned long end,
	     u32 event)
{
	struct svm_range_stats *r = range_of(cur_tgid(), start);

	if (r)
		add(r->invalidations, 1);
	return 0;
}

/* A hint may span many chunks: count it in each (up to a bound). */
SEC("tp_btf/svm_ext_advise")
int BPF_PROG(stats_advise, unsigned long start, unsigned long end, u32 type,
	     u64 value, int ret)
{
	__u32 tgid = cur_tgid();
	__u64 addr = start & ~(SVM_STATS_CHUNK_SIZE - 1);
	struct svm_range_stats *r;
	int i;

	for (i = 0; i < ADVISE_MAX_CHUNKS && addr < end; i++) {
		r = range_of(tgid, addr);
		if (r)
			add(r->advise, 1);
		addr += SVM_STATS_CHUNK_SIZE;
	}
	return 0;
}
