/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svm_ext policy interface: the struct_ops type and the hook contexts.
 */

/**
 * DOC: Policy interface
 *
 * A placement policy implements struct svm_ext_ops, the struct_ops type
 * svm_ext.ko registers.  BPF programs see the types of this header through
 * the module's BTF (policies include <svm_ext/common.bpf.h>, not this file).
 * A hook receives a context it may read but not write, and records its
 * decision only through the kfuncs of that hook, so the core can check every
 * decision before acting on it (DOC: Policies and ejection):
 *
 * - fault (&struct svm_ext_fault_ctx): svm_ext_fault_migrate(),
 *   svm_ext_fault_map(), svm_ext_fault_throttle(),
 *   svm_ext_fault_duplicate(); to look around: svm_ext_fault_resident(),
 *   svm_ext_fault_page_loc(), svm_ext_fault_batch();
 * - cpu_fault (&struct svm_ext_cpu_fault_ctx): svm_ext_cpu_fault_window();
 * - advise (&struct svm_ext_advise_ctx): svm_ext_advise_refuse(),
 *   svm_ext_advise_set_value();
 * - evict (&struct svm_ext_evict_ctx): svm_ext_evict_chunk(),
 *   svm_ext_evict_choose();
 * - any hook: svm_ext_nr_devices(), svm_ext_dev_mem_total(),
 *   svm_ext_dev_mem_free(), svm_ext_dev_peers(), svm_ext_link_bw(), and
 *   svm_ext_error() or svm_ext_error_bstr() to eject the policy itself.
 *
 * The notification hooks (range_add, range_remove, migrated, invalidated)
 * receive an event and decide nothing.
 */
#ifndef _SVM_EXT_OPS_H
#define _SVM_EXT_OPS_H

#include <linux/types.h>

#define SVM_EXT_OPS_NAME_LEN	32
#define SVM_EXT_EXIT_STR_LEN	128

/**
 * enum svm_ext_decision - what a fault decision asks for
 * (&svm_ext_fault_ctx.decision)
 * @SVM_EXT_DECIDE_DEFAULT: no decision: the built-in default decides
 * @SVM_EXT_DECIDE_MIGRATE: migrate [dec_start, dec_end) to dec_loc, then
 *	map it (svm_ext_fault_migrate())
 * @SVM_EXT_DECIDE_MAP: map [dec_start, dec_end) in place, nothing moves
 *	(svm_ext_fault_map())
 * @SVM_EXT_DECIDE_THROTTLE: the device waits dec_ns, then maps the faulting
 *	page in place (svm_ext_fault_throttle())
 * @SVM_EXT_DECIDE_DUPLICATE: read-only copies of the window in the
 *	faulting device's memory (svm_ext_fault_duplicate())
 */
enum svm_ext_decision {
	SVM_EXT_DECIDE_DEFAULT = 0,
	SVM_EXT_DECIDE_MIGRATE = 1,
	SVM_EXT_DECIDE_MAP = 2,
	SVM_EXT_DECIDE_THROTTLE = 3,
	SVM_EXT_DECIDE_DUPLICATE = 4,
};

/**
 * enum svm_ext_limits - bounds the core holds a policy's decisions to
 * @SVM_EXT_THROTTLE_MAX_NS: longest a fault may be throttled
 *	(svm_ext_fault_throttle()), in ns
 * @SVM_EXT_EVICT_BATCH: most victims one evict call may name
 *	(svm_ext_evict_choose())
 */
enum svm_ext_limits {
	SVM_EXT_THROTTLE_MAX_NS = 10 * 1000 * 1000,
	SVM_EXT_EVICT_BATCH = 8,
};

/**
 * enum svm_ext_cause - why pages moved (&svm_ext_migrate_event.cause)
 * @SVM_EXT_CAUSE_FAULT: a device fault
 * @SVM_EXT_CAUSE_CPU_FAULT: the CPU touched device memory
 * @SVM_EXT_CAUSE_EVICT: the device needed room
 * @SVM_EXT_CAUSE_PREFETCH: a prefetch request
 */
enum svm_ext_cause {
	SVM_EXT_CAUSE_FAULT = 0,
	SVM_EXT_CAUSE_CPU_FAULT = 1,
	SVM_EXT_CAUSE_EVICT = 2,
	SVM_EXT_CAUSE_PREFETCH = 3,
};

/**
 * enum svm_ext_exit_kind - why a policy stopped (&svm_ext_exit_info.kind,
 * sysfs exit_kind)
 * @SVM_EXT_EXIT_NONE: no policy has stopped yet ("none")
 * @SVM_EXT_EXIT_UNREGISTERED: detached by its owner ("unregistered")
 * @SVM_EXT_EXIT_ERROR: the policy called svm_ext_error() or
 *	svm_ext_error_bstr() ("error")
 * @SVM_EXT_EXIT_BAD_DECISION: the core refused a decision ("bad_decision")
 * @SVM_EXT_EXIT_REPLACED: another policy took over, by a switch
 *	("replaced")
 */
enum svm_ext_exit_kind {
	SVM_EXT_EXIT_NONE = 0,
	SVM_EXT_EXIT_UNREGISTERED = 1,
	SVM_EXT_EXIT_ERROR = 2,
	SVM_EXT_EXIT_BAD_DECISION = 3,
	SVM_EXT_EXIT_REPLACED = 4,
};

/**
 * enum svm_ext_fault_flags - &svm_ext_fault_ctx.flags
 * @SVM_EXT_FAULT_MIGRATABLE: the VMA is private anonymous memory: a
 *	migration may be decided
 * @SVM_EXT_FAULT_COUNTER: an access-counter notification, not a fault
 */
enum svm_ext_fault_flags {
	SVM_EXT_FAULT_MIGRATABLE = 1U << 0,
	SVM_EXT_FAULT_COUNTER = 1U << 1,
};

/**
 * enum svm_ext_ops_flags - &svm_ext_ops.flags
 * @SVM_EXT_OPS_ACCESS_COUNTERS: the fault hook also gets access-counter
 *	notifications
 */
enum svm_ext_ops_flags {
	SVM_EXT_OPS_ACCESS_COUNTERS = 1U << 0,
};

#define SVM_EXT_OPS_ALL_FLAGS	((u64)SVM_EXT_OPS_ACCESS_COUNTERS)

/**
 * struct svm_ext_fault_ctx - a device fault, as a policy sees it
 * @dev: index of the faulting device
 * @access: enum svm_ext_access: 0 read, 1 write, 2 atomic
 * @addr: faulting address (page aligned)
 * @range_start: start of the fault's 2 MiB chunk, clipped to the VMA
 * @range_end: end of that chunk, clipped to the VMA
 * @cur_loc: where the faulting page is: a device index, SVM_EXT_LOC_SYSTEM
 *	or SVM_EXT_LOC_NONE (not populated)
 * @preferred_loc: the range's preferred location (SVM_EXT_LOC_NONE: none)
 * @granularity: the range's migration granularity, log2(pages)
 * @flags: SVM_EXT_FAULT_*
 * @nr_devices: devices registered with the core
 * @batch_pages: pages of the chunk the device reported faulting together
 *	with @addr (a GPU's fault buffer), @addr's included; the pages
 *	themselves come from svm_ext_fault_batch()
 * @range_faults: device faults in this chunk so far (this one included; an
 *	access-counter notification is not counted)
 * @range_pages_in: pages migrated into any device in this chunk so far
 * @range_remote_maps: pages of this chunk mapped in place so far
 * @now_ns: monotonic time of the fault (ktime_get_ns())
 * @accessed_by: the range's accessed-by device mask
 * @read_mostly: the range's read-mostly hint
 * @peer_mask: devices the faulting device reaches over a peer link
 * @decision: recorded decision (enum svm_ext_decision), set by kfuncs only
 * @dec_loc: location of the decision
 * @dec_start: window start of a migrate decision
 * @dec_end: window end of a migrate decision
 * @dec_bad: set by a kfunc that was handed an invalid decision
 * @pad1: unused
 * @pad2: unused
 * @dec_ns: how long a throttle decision makes the device wait
 * @priv: core private.  Being a pointer, it also makes the verifier accept
 *	only the hook's own context where a kfunc wants one.
 */
struct svm_ext_fault_ctx {
	u32 dev;
	u32 access;
	u64 addr;
	u64 range_start;
	u64 range_end;
	u32 cur_loc;
	u32 preferred_loc;
	u32 granularity;
	u32 flags;
	u32 nr_devices;
	u32 batch_pages;
	u64 range_faults;
	u64 range_pages_in;
	u64 range_remote_maps;
	u64 now_ns;
	u64 accessed_by;
	u32 read_mostly;
	u32 pad1;
	u64 peer_mask;
	u32 decision;
	u32 dec_loc;
	u64 dec_start;
	u64 dec_end;
	u32 dec_bad;
	u32 pad2;
	u64 dec_ns;
	void *priv;
};

/**
 * struct svm_ext_cpu_fault_ctx - the CPU touched device-resident memory
 * @dev: device the page is on
 * @pad: unused
 * @addr: faulting address (page aligned)
 * @range_start: start of the chunk, clipped to the VMA
 * @range_end: end of the chunk, clipped to the VMA
 * @dec_start: window to bring back (set by kfunc; default: whole chunk)
 * @dec_end: end of that window
 * @decided: a window was recorded
 * @dec_bad: set by a kfunc that was handed an invalid window
 * @priv: core private (see &svm_ext_fault_ctx.priv)
 */
struct svm_ext_cpu_fault_ctx {
	u32 dev;
	u32 pad;
	u64 addr;
	u64 range_start;
	u64 range_end;
	u64 dec_start;
	u64 dec_end;
	u32 decided;
	u32 dec_bad;
	void *priv;
};

/**
 * enum svm_ext_advise_request - &svm_ext_advise_ctx.type beyond the
 * attribute types (enum svm_ext_attr_type)
 * @SVM_EXT_ADVISE_PREFETCH: a prefetch request
 */
enum svm_ext_advise_request {
	SVM_EXT_ADVISE_PREFETCH = 100,
};

/**
 * struct svm_ext_advise_ctx - a process set an attribute or asked for a
 * prefetch
 * @dev: device whose render node the request came through
 * @type: enum svm_ext_attr_type, or SVM_EXT_ADVISE_PREFETCH
 * @start: range start
 * @end: range end
 * @value: requested value (location for a prefetch)
 * @verdict: 0 accept, or the errno to refuse with (set by kfunc)
 * @adjusted: the policy replaced @value by @new_value
 * @new_value: replacement value
 * @dec_bad: set by a kfunc that was handed an invalid decision
 * @pad: unused
 * @priv: core private (see &svm_ext_fault_ctx.priv)
 */
struct svm_ext_advise_ctx {
	u32 dev;
	u32 type;
	u64 start;
	u64 end;
	u64 value;
	s32 verdict;
	u32 adjusted;
	u64 new_value;
	u32 dec_bad;
	u32 pad;
	void *priv;
};

/**
 * struct svm_ext_chunk_info - one resident chunk of device memory, as an
 * evict hook sees it (svm_ext_evict_chunk())
 * @addr: start of the range (2 MiB of address space) whose pages it holds
 * @tgid: process that owns that address space
 * @index: chunk number within the device's memory
 * @resident: pages of it in use
 * @pad: unused
 * @faults: device faults on it since it was allocated
 * @last_ns: monotonic time of the last device fault on it
 * @alloc_ns: monotonic time it was allocated
 * @cgroup: cgroup (v2) id of that process as of its last device fault, the
 *	id bpf_get_current_cgroup_id() and the cgroup directory's inode
 *	number give; 0 when the process is gone or without cgroups
 */
struct svm_ext_chunk_info {
	u64 addr;
	u32 tgid;
	u32 index;
	u32 resident;
	u32 pad;
	u64 faults;
	u64 last_ns;
	u64 alloc_ns;
	u64 cgroup;
};

/**
 * struct svm_ext_evict_ctx - a device needs memory
 * @dev: the device that is full
 * @nr_chunks: candidate chunks, coldest first (svm_ext_evict_chunk())
 * @need_bytes: bytes it needs (one chunk: 2 MiB)
 * @for_addr: start of the range that needs the room (never a candidate)
 * @for_tgid: the process that needs it
 * @pad: unused
 * @for_cgroup: that process's cgroup (v2) id (see &svm_ext_chunk_info.cgroup)
 * @nr_chosen: victims named so far (svm_ext_evict_choose())
 * @dec_bad: set by a kfunc that was handed an invalid decision
 * @priv: core private (see &svm_ext_fault_ctx.priv)
 */
struct svm_ext_evict_ctx {
	u32 dev;
	u32 nr_chunks;
	u64 need_bytes;
	u64 for_addr;
	u32 for_tgid;
	u32 pad;
	u64 for_cgroup;
	u32 nr_chosen;
	u32 dec_bad;
	void *priv;
};

/**
 * struct svm_ext_range_event - a range was added to or removed from a
 * process's context (svm_ext_ops.range_add, .range_remove)
 * @tgid: the process whose context it is (the one that bound its first
 *	device)
 * @pad: unused
 * @start: chunk start
 * @end: chunk end
 */
struct svm_ext_range_event {
	u32 tgid;
	u32 pad;
	u64 start;
	u64 end;
};

/**
 * struct svm_ext_migrate_event - pages moved (svm_ext_ops.migrated)
 * @tgid: the process that caused the move; for an eviction, the process
 *	whose context the chunk's range is in (0 when the range is gone)
 * @cause: enum svm_ext_cause
 * @src: source: a device index, SVM_EXT_LOC_SYSTEM, or SVM_EXT_LOC_NONE
 *	(several sources)
 * @dst: destination: a device index or SVM_EXT_LOC_SYSTEM
 * @start: window start
 * @end: window end
 * @bytes: bytes that moved
 */
struct svm_ext_migrate_event {
	u32 tgid;
	u32 cause;
	u32 src;
	u32 dst;
	u64 start;
	u64 end;
	u64 bytes;
};

/**
 * struct svm_ext_invalidate_event - the CPU page tables changed under
 * device mappings (svm_ext_ops.invalidated)
 * @tgid: the process whose context it is
 * @event: enum mmu_notifier_event
 * @start: start of the invalidated span
 * @end: its end
 */
struct svm_ext_invalidate_event {
	u32 tgid;
	u32 event;
	u64 start;
	u64 end;
};

/**
 * struct svm_ext_exit_info - why a policy stopped, passed to its exit hook
 * @kind: enum svm_ext_exit_kind
 * @pad: unused
 * @reason: what the core saw
 * @msg: the policy's own message (svm_ext_error()), may be empty
 */
struct svm_ext_exit_info {
	u32 kind;
	u32 pad;
	char reason[SVM_EXT_EXIT_STR_LEN];
	char msg[SVM_EXT_EXIT_STR_LEN];
};

/**
 * struct svm_ext_ops - a placement policy
 *
 * Every member is optional: a missing hook means the built-in default takes
 * that decision.  Decision hooks run in process context, fault hooks with
 * the faulting mm's mmap_lock held for read; notifications may run from mmu
 * notifier context.  None may sleep: the verifier refuses a sleepable
 * program (SEC("struct_ops.s/...")) for any hook but @init and @exit,
 * which run in process context when the policy is attached, switched or
 * detached.
 */
struct svm_ext_ops {
	/**
	 * @init: called once when the policy is attached or switched in,
	 * before any other of its hooks; a non-zero return refuses the attach
	 * or switch with that errno (-EINVAL for a positive or out-of-range
	 * value).  May sleep.
	 */
	s32 (*init)(void);
	/**
	 * @exit: called once when the policy stops, for any reason, with why;
	 * after an ejection, from a work item once the failing hook returned.
	 * May sleep.
	 */
	void (*exit)(struct svm_ext_exit_info *info);
	/**
	 * @fault: a device faulted.  Record a decision with
	 * svm_ext_fault_migrate(), svm_ext_fault_map(),
	 * svm_ext_fault_throttle() or svm_ext_fault_duplicate(); record none
	 * for the default.  With SVM_EXT_OPS_ACCESS_COUNTERS in @flags it is
	 * also called when a device has accessed a chunk it maps in place
	 * past its access-counter threshold (SVM_EXT_FAULT_COUNTER in
	 * ctx->flags): a migrate decision moves the window, anything else
	 * (the default included) leaves the mapping as it is.  The return
	 * value is ignored.
	 */
	s32 (*fault)(struct svm_ext_fault_ctx *ctx);
	/**
	 * @cpu_fault: the CPU touched a device-resident page.  Record the
	 * window to bring back with svm_ext_cpu_fault_window(); default: the
	 * page's whole chunk.  The return value is ignored.
	 */
	s32 (*cpu_fault)(struct svm_ext_cpu_fault_ctx *ctx);
	/**
	 * @advise: a process set an attribute or asked for a prefetch.
	 * Accept (do nothing), refuse with svm_ext_advise_refuse() (the
	 * process sees that errno) or change the value with
	 * svm_ext_advise_set_value().  The return value is ignored.
	 */
	s32 (*advise)(struct svm_ext_advise_ctx *ctx);
	/**
	 * @evict: a device is full.  Look at its resident chunks with
	 * svm_ext_evict_chunk() (coldest first) and name victims with
	 * svm_ext_evict_choose(); the core checks each, evicts them, and
	 * falls back to the least recently used chunk if none could go.
	 * The return value is ignored.
	 */
	s32 (*evict)(struct svm_ext_evict_ctx *ctx);
	/**
	 * @range_add: a mapped range (2 MiB of address space) got its
	 * first device fault, hint, prefetch or query.  Notification
	 * only.  May run with the mm's locks held: must be quick.
	 */
	void (*range_add)(struct svm_ext_range_event *ev);
	/**
	 * @range_remove: a range left its context: an unmap left no VMA
	 * in it (shortly after the munmap), or the process's last device
	 * binding went (fd closed, exit).  Notification only.
	 */
	void (*range_remove)(struct svm_ext_range_event *ev);
	/**
	 * @migrated: pages moved between locations.  Notification only.
	 */
	void (*migrated)(struct svm_ext_migrate_event *ev);
	/**
	 * @invalidated: device mappings of a span were removed because the
	 * CPU page tables changed.  Notification only; called from mmu
	 * notifier context.
	 */
	void (*invalidated)(struct svm_ext_invalidate_event *ev);
	/**
	 * @flags: SVM_EXT_OPS_*: SVM_EXT_OPS_ACCESS_COUNTERS asks for
	 * access-counter notifications in @fault.  Unknown bits make loading
	 * the struct_ops map fail with -EINVAL.
	 */
	u64 flags;
	/**
	 * @name: policy name, shown in sysfs and by svmctl: non-empty, of
	 * letters, digits, '_', '.' and '-' (else loading fails with -EINVAL).
	 */
	char name[SVM_EXT_OPS_NAME_LEN];
};

#endif /* _SVM_EXT_OPS_H */
