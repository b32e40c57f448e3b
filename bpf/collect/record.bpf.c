// SPDX-License-Identifier: GPL-2.0
/*
 * The trace recorder `svmctl record` embeds.  Not a policy: like the
 * statistics collector (stats.bpf.c) it attaches tp_btf programs to the
 * core's tracepoints, but it keeps nothing: each event of the recorded
 * process goes into a ring buffer as one struct svm_trace_rec
 * (include/svm_ext/trace_file.h), which svmctl writes to the trace file.
 *
 * The process: device faults, migrations, CPU faults, invalidations and
 * hints run in the context of the process whose memory it is, so
 * current's tgid names it; an eviction runs in whichever process needed
 * the room, and its event carries the owner's tgid (stats.bpf.c says the
 * same).  Timestamps are bpf_ktime_get_ns(): svmctl makes them relative.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <svm_ext/trace_file.h>

/* the file format's header has room for every device the module can have */
_Static_assert(SVM_TRACE_MAX_DEVS >= SVM_EXT_MAX_DEVICES,
	       "trace_file.h has fewer device slots than svm_ext.ko has devices");

char _license[] SEC("license") = "GPL";

#define LOC_SYSTEM	0xfffffffeu

/* set by svmctl before the load */
const volatile struct svm_trace_cfg svm_trace_cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct svm_trace_info);
} rec_info SEC(".maps");

static __always_inline bool mine(__u32 tgid)
{
	return tgid && tgid == svm_trace_cfg.tgid;
}

static __always_inline bool current_mine(void)
{
	return mine(bpf_get_current_pid_tgid() >> 32);
}

static __always_inline __u8 dev8(__u32 dev)
{
	return dev < SVM_TRACE_DEV_NONE ? dev : SVM_TRACE_DEV_NONE;
}

/* A zeroed record of @kind, or NULL (counted) when the buffer is full. */
static __always_inline struct svm_trace_rec *rec_new(__u8 kind)
{
	struct svm_trace_rec *r;
	struct svm_trace_info *i;
	__u32 zero = 0;

	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		i = bpf_map_lookup_elem(&rec_info, &zero);
		if (i)
			__sync_fetch_and_add(&i->lost, 1);
		return NULL;
	}
	__builtin_memset(r, 0, sizeof(*r));
	r->ts = bpf_ktime_get_ns();
	r->kind = kind;
	r->dev = SVM_TRACE_DEV_NONE;
	return r;
}

SEC("tp_btf/svm_ext_fault")
int BPF_PROG(rec_fault, u32 dev, unsigned long addr, u32 access,
	     u32 decision, u32 loc, unsigned long start, unsigned long end)
{
	struct svm_trace_rec *r;

	if (!current_mine())
		return 0;
	r = rec_new(SVM_TRACE_FAULT);
	if (!r)
		return 0;
	r->dev = dev8(dev);
	r->addr = addr;
	r->op = access;
	r->sub = decision;
	r->arg = loc;
	r->val = start;
	r->end = end;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

SEC("tp_btf/svm_ext_cpu_fault")
int BPF_PROG(rec_cpu_fault, u32 dev, unsigned long addr,
	     unsigned long start, unsigned long end, long pages)
{
	struct svm_trace_rec *r;

	if (!current_mine())
		return 0;
	r = rec_new(SVM_TRACE_CPU_FAULT);
	if (!r)
		return 0;
	r->dev = dev8(dev);
	r->addr = addr;
	r->val = start;
	r->end = end;
	r->arg = (__s32)pages;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

SEC("tp_btf/svm_ext_migrate")
int BPF_PROG(rec_migrate, unsigned long start, unsigned long end, u32 src,
	     u32 dst, long pages, long from_sys)
{
	struct svm_trace_rec *r;

	if (!current_mine())
		return 0;
	r = rec_new(SVM_TRACE_MIGRATE);
	if (!r)
		return 0;
	r->addr = start;
	r->end = end;
	if (dst == LOC_SYSTEM) {
		r->op = SVM_TRACE_TO_SYSTEM;
	} else {
		r->op = SVM_TRACE_TO_DEVICE;
		r->dev = dev8(dst);
	}
	r->val = pages > 0 ? pages : 0;
	r->arg = from_sys > 0 ? from_sys : 0;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

SEC("tp_btf/svm_ext_evict")
int BPF_PROG(rec_evict, u32 dev, unsigned long chunk_pfn_off, u32 tgid,
	     unsigned long addr, unsigned long pages)
{
	struct svm_trace_rec *r;

	if (!mine(tgid))
		return 0;
	r = rec_new(SVM_TRACE_EVICT);
	if (!r)
		return 0;
	r->dev = dev8(dev);
	r->addr = addr;
	r->val = chunk_pfn_off;
	r->arg = pages;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

SEC("tp_btf/svm_ext_advise")
int BPF_PROG(rec_advise, unsigned long start, unsigned long end, u32 type,
	     u64 value, int ret)
{
	struct svm_trace_rec *r;

	if (!current_mine())
		return 0;
	r = rec_new(SVM_TRACE_ADVISE);
	if (!r)
		return 0;
	r->addr = start;
	r->end = end;
	r->op = type < 0xff ? type : 0xff;
	r->val = value;
	r->arg = ret;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

SEC("tp_btf/svm_ext_invalidate")
int BPF_PROG(rec_invalidate, unsigned long start, unsigned long end,
	     u32 event)
{
	struct svm_trace_rec *r;

	if (!current_mine())
		return 0;
	r = rec_new(SVM_TRACE_INVALIDATE);
	if (!r)
		return 0;
	r->addr = start;
	r->end = end;
	r->arg = event;
	bpf_ringbuf_submit(r, 0);
	return 0;
}
