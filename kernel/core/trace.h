/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svm_ext tracepoints.
 */

/**
 * DOC: Tracepoints
 *
 * The core's events, in the trace system svm_ext: svm_ext_fault,
 * svm_ext_migrate, svm_ext_evict, svm_ext_invalidate, svm_ext_cpu_fault and
 * svm_ext_advise.  Stable enough for BPF statistics programs (tp_btf, as
 * svmctl's collector uses them) and perf.  Locations are as everywhere in
 * svm_ext: a device index, SVM_EXT_LOC_SYSTEM or SVM_EXT_LOC_NONE.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM svm_ext

#if !defined(_SVM_EXT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SVM_EXT_TRACE_H

#include <linux/tracepoint.h>

/**
 * svm_ext_fault - a device fault or access-counter notification was decided
 * @dev: the device
 * @addr: the page-aligned address
 * @access: enum svm_ext_access
 * @decision: enum svm_ext_decision, as checked (the policy's or the
 *	default's)
 * @loc: the decision's location
 * @start: the decision's window start
 * @end: the decision's window end
 *
 * Fired before the decision is carried out.
 */
TRACE_EVENT(svm_ext_fault,
	TP_PROTO(u32 dev, unsigned long addr, u32 access, u32 decision,
		 u32 loc, unsigned long start, unsigned long end),
	TP_ARGS(dev, addr, access, decision, loc, start, end),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(unsigned long, addr)
		__field(u32, access)
		__field(u32, decision)
		__field(u32, loc)
		__field(unsigned long, start)
		__field(unsigned long, end)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->addr = addr;
		__entry->access = access;
		__entry->decision = decision;
		__entry->loc = loc;
		__entry->start = start;
		__entry->end = end;
	),
	TP_printk("dev=%u addr=0x%lx access=%u decision=%u loc=0x%x window=[0x%lx,0x%lx)",
		  __entry->dev, __entry->addr, __entry->access,
		  __entry->decision, __entry->loc, __entry->start, __entry->end)
);

/**
 * svm_ext_migrate - a migration of a window ended
 * @start: window start
 * @end: window end
 * @src: SVM_EXT_LOC_SYSTEM for a move to a device (whatever the pages'
 *	sources), SVM_EXT_LOC_NONE for a move to system memory
 * @dst: the destination device, or SVM_EXT_LOC_SYSTEM
 * @pages: pages moved (0 when nothing could move)
 * @from_sys: of @pages, those that came from system memory (0 on the way
 *	home)
 *
 * Fired for moves through a page table (faults, CPU faults, prefetch), not
 * for evictions (svm_ext_evict).
 */
TRACE_EVENT(svm_ext_migrate,
	TP_PROTO(unsigned long start, unsigned long end, u32 src, u32 dst,
		 long pages, long from_sys),
	TP_ARGS(start, end, src, dst, pages, from_sys),
	TP_STRUCT__entry(
		__field(unsigned long, start)
		__field(unsigned long, end)
		__field(u32, src)
		__field(u32, dst)
		__field(long, pages)
		__field(long, from_sys)
	),
	TP_fast_assign(
		__entry->start = start;
		__entry->end = end;
		__entry->src = src;
		__entry->dst = dst;
		__entry->pages = pages;
		__entry->from_sys = from_sys;
	),
	TP_printk("window=[0x%lx,0x%lx) src=0x%x dst=0x%x pages=%ld from_sys=%ld",
		  __entry->start, __entry->end, __entry->src, __entry->dst,
		  __entry->pages, __entry->from_sys)
);

/**
 * svm_ext_evict - a device chunk was evicted to system memory
 * @dev: the device
 * @chunk_pfn_off: page offset of the chunk in the device's memory
 * @tgid: the process whose range the chunk held (0 when the range is gone)
 * @addr: that range's start (0 when gone)
 * @pages: pages moved home
 */
TRACE_EVENT(svm_ext_evict,
	TP_PROTO(u32 dev, unsigned long chunk_pfn_off, u32 tgid,
		 unsigned long addr, unsigned long pages),
	TP_ARGS(dev, chunk_pfn_off, tgid, addr, pages),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(unsigned long, off)
		__field(u32, tgid)
		__field(unsigned long, addr)
		__field(unsigned long, pages)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->off = chunk_pfn_off;
		__entry->tgid = tgid;
		__entry->addr = addr;
		__entry->pages = pages;
	),
	TP_printk("dev=%u chunk_pfn_off=%lu tgid=%u addr=0x%lx pages=%lu",
		  __entry->dev, __entry->off, __entry->tgid, __entry->addr,
		  __entry->pages)
);

/**
 * svm_ext_invalidate - device mappings of a span were removed
 * @start: span start, inside one range
 * @end: span end
 * @event: enum mmu_notifier_event
 *
 * Fired by the range's interval notifier after every device dropped its
 * entries, once per range the invalidation touches.
 */
TRACE_EVENT(svm_ext_invalidate,
	TP_PROTO(unsigned long start, unsigned long end, u32 event),
	TP_ARGS(start, end, event),
	TP_STRUCT__entry(
		__field(unsigned long, start)
		__field(unsigned long, end)
		__field(u32, event)
	),
	TP_fast_assign(
		__entry->start = start;
		__entry->end = end;
		__entry->event = event;
	),
	TP_printk("[0x%lx,0x%lx) event=%u", __entry->start, __entry->end,
		  __entry->event)
);

/**
 * svm_ext_cpu_fault - the CPU touched device memory and a window came home
 * @dev: the device the faulting page was on
 * @addr: the page-aligned faulting address
 * @start: start of the window that was migrated
 * @end: its end
 * @pages: pages moved, or a negative errno
 */
TRACE_EVENT(svm_ext_cpu_fault,
	TP_PROTO(u32 dev, unsigned long addr, unsigned long start,
		 unsigned long end, long pages),
	TP_ARGS(dev, addr, start, end, pages),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(unsigned long, addr)
		__field(unsigned long, start)
		__field(unsigned long, end)
		__field(long, pages)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->addr = addr;
		__entry->start = start;
		__entry->end = end;
		__entry->pages = pages;
	),
	TP_printk("dev=%u addr=0x%lx window=[0x%lx,0x%lx) pages=%ld",
		  __entry->dev, __entry->addr, __entry->start, __entry->end,
		  __entry->pages)
);

/**
 * svm_ext_advise - an attribute was set over a span
 * @start: span start
 * @end: span end
 * @type: enum svm_ext_attr_type
 * @value: the value applied (after the policy's advise hook)
 * @ret: 0, or the errno the change failed with (a refusal by the policy's
 *	advise hook is not traced)
 */
TRACE_EVENT(svm_ext_advise,
	TP_PROTO(unsigned long start, unsigned long end, u32 type, u64 value,
		 int ret),
	TP_ARGS(start, end, type, value, ret),
	TP_STRUCT__entry(
		__field(unsigned long, start)
		__field(unsigned long, end)
		__field(u32, type)
		__field(u64, value)
		__field(int, ret)
	),
	TP_fast_assign(
		__entry->start = start;
		__entry->end = end;
		__entry->type = type;
		__entry->value = value;
		__entry->ret = ret;
	),
	TP_printk("[0x%lx,0x%lx) type=%u value=0x%llx ret=%d", __entry->start,
		  __entry->end, __entry->type, __entry->value, __entry->ret)
);

#endif /* _SVM_EXT_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
