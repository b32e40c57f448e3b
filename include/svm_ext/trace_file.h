/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svm_ext trace files: what `svmctl record` writes and `svmbench replay`
 * reads (docs/trace-format.md).  Included by the recorder's BPF program
 * (bpf/collect/record.bpf.c, after vmlinux.h), by svmctl and by svmbench.
 *
 * A file is a header (struct svm_trace_header) and then nrecords records
 * (struct svm_trace_rec) of record_size bytes each, back to back, nothing
 * after them.  Every integer is little-endian.  The recorder writes the
 * header first with flags 0, appends records as they come, and rewrites
 * the header at the end with the counts and SVM_TRACE_F_COMPLETE: a file
 * without that flag is one whose recorder did not finish.
 *
 * A record is one event of one svm_ext tracepoint (kernel/core/trace.h),
 * for the recorded process only: the fields each kind uses are listed at
 * enum svm_trace_kind; the others are 0.  Records are in the order the
 * ring buffer delivered them, which is the order the events reserved their
 * place: on one CPU, the order they happened.
 *
 * A reader treats a file as untrusted: it checks the magic, the version,
 * both sizes, the flag and that the file holds exactly nrecords records.
 */
#ifndef __SVM_EXT_TRACE_FILE_H
#define __SVM_EXT_TRACE_FILE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SVM_TRACE_MAGIC		"SVMTRACE"	/* 8 bytes, no NUL */
#define SVM_TRACE_MAGIC_LEN	8
#define SVM_TRACE_VERSION	1
#define SVM_TRACE_MAX_DEVS	8		/* >= SVM_EXT_MAX_DEVICES: record.bpf.c checks */
#define SVM_TRACE_POLICY_LEN	32

/* svm_trace_header.flags */
#define SVM_TRACE_F_COMPLETE	0x1	/* the recorder finished the file */

/* svm_trace_rec.dev when an event names no device */
#define SVM_TRACE_DEV_NONE	0xff

/*
 * What each kind of record holds.  A location (loc) is a __u32 as in
 * <linux/svm_ext.h>: a device index, 0xfffffffe system memory, 0xffffffff
 * none.  Spans and windows are [addr, end).
 *
 * @SVM_TRACE_FAULT: svm_ext_fault, a device fault (or an access-counter
 *	notification, which the tracepoint does not tell apart): dev, addr
 *	the faulting page, op the access (0 read, 1 write, 2 atomic), sub
 *	the decision (enum svm_ext_decision: 1 migrate, 2 map, 3 throttle,
 *	4 duplicate), arg the decision's location, val the window's start,
 *	end its end.
 * @SVM_TRACE_CPU_FAULT: svm_ext_cpu_fault, the CPU touched device memory:
 *	dev the device the page was on, addr the page, val the start of the
 *	window brought home, end its end, arg the pages moved or a negative
 *	errno (as __s32).
 * @SVM_TRACE_MIGRATE: svm_ext_migrate, a migration through a page table
 *	ended: addr and end the window, op 0 to a device (dev that device)
 *	or 1 to system memory (dev SVM_TRACE_DEV_NONE), val the pages moved
 *	(0 when nothing could move), arg those of them that came from system
 *	memory.
 * @SVM_TRACE_EVICT: svm_ext_evict, a device chunk of the process went
 *	home: dev, addr the start of the range it held, val the chunk's page
 *	offset in the device's memory, arg the pages moved.
 * @SVM_TRACE_ADVISE: svm_ext_advise, an attribute was set: addr and end
 *	the span, op the type (enum svm_ext_attr_type), val the value
 *	applied, arg 0 or the negative errno it failed with (as __s32).
 * @SVM_TRACE_INVALIDATE: svm_ext_invalidate, device mappings of a span
 *	were removed: addr and end the span, arg the mmu_notifier event.
 */
enum svm_trace_kind {
	SVM_TRACE_FAULT = 1,
	SVM_TRACE_CPU_FAULT = 2,
	SVM_TRACE_MIGRATE = 3,
	SVM_TRACE_EVICT = 4,
	SVM_TRACE_ADVISE = 5,
	SVM_TRACE_INVALIDATE = 6,
	SVM_TRACE_KIND_MAX,
};

/* svm_trace_rec.op of SVM_TRACE_MIGRATE */
#define SVM_TRACE_TO_DEVICE	0
#define SVM_TRACE_TO_SYSTEM	1

/* One event: 40 bytes. */
struct svm_trace_rec {
	__u64 ts;	/* ns since svm_trace_header.start_ns */
	__u64 addr;	/* the page, or the start of the span */
	__u64 end;	/* the end of the span or window, or 0 */
	__u64 val;	/* kind-specific */
	__u32 arg;	/* kind-specific */
	__u8 kind;	/* enum svm_trace_kind */
	__u8 dev;	/* device index, or SVM_TRACE_DEV_NONE */
	__u8 op;	/* kind-specific */
	__u8 sub;	/* kind-specific */
};

/* The file's first bytes: 160 of them. */
struct svm_trace_header {
	__u8 magic[SVM_TRACE_MAGIC_LEN];	/* SVM_TRACE_MAGIC */
	__u16 version;		/* SVM_TRACE_VERSION */
	__u16 header_size;	/* sizeof(struct svm_trace_header) */
	__u16 record_size;	/* sizeof(struct svm_trace_rec) */
	__u16 ndevs;		/* devices registered when it started */
	__u32 tgid;		/* the process recorded */
	__u32 flags;		/* SVM_TRACE_F_* */
	__u64 start_ns;		/* CLOCK_MONOTONIC when recording began */
	__u64 duration_ns;	/* how long it recorded */
	__u64 nrecords;		/* records after the header */
	__u64 lost;		/* events dropped: the ring buffer was full */
	__u64 dev_mem[SVM_TRACE_MAX_DEVS];	/* each device's memory, bytes */
	char policy[SVM_TRACE_POLICY_LEN];	/* active policy, "" none */
	__u64 reserved;		/* 0 */
};

/*
 * The recorder's settings, in its .rodata (struct svm_trace_cfg
 * svm_trace_cfg), set by svmctl before the program loads.
 */
struct svm_trace_cfg {
	__u32 tgid;		/* the process to record */
	__u32 pad;
};

/* The recorder's counters: its one-entry ARRAY map "rec_info". */
struct svm_trace_info {
	__u64 lost;		/* events the full ring buffer refused */
};

#ifndef __VMLINUX_H__
_Static_assert(sizeof(struct svm_trace_rec) == 40, "svm_trace_rec size");
_Static_assert(sizeof(struct svm_trace_header) == 160, "svm_trace_header size");
#endif

#endif /* __SVM_EXT_TRACE_FILE_H */
