/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * svm_emu: emulated GPUs for svm_ext, the render-node ioctls.
 */

/**
 * DOC: svm_emu uAPI
 *
 * svm_emu: emulated GPUs for svm_ext.  Each device is a DRM render node
 * (driver name "svm_emu") with device-private memory.  A process binds its
 * address space to a device, then submits EXEC calls in which the device
 * performs memory accesses through its own page table, faulting into the
 * svm_ext core exactly as a real GPU's fault handler would.
 *
 * Every struct has reserved fields that must be zero and a flags word in
 * which unknown bits are rejected with -EINVAL.
 */
#ifndef _UAPI_DRM_SVM_EMU_DRM_H
#define _UAPI_DRM_SVM_EMU_DRM_H

#include "drm.h"
#include <linux/svm_ext.h>

#define SVM_EMU_UAPI_VERSION	1

/**
 * struct drm_svm_emu_info - DRM_IOCTL_SVM_EMU_INFO: describe the device
 * @version: out: SVM_EMU_UAPI_VERSION
 * @index: out: svm_ext device index
 * @mem_total: out: device memory, bytes
 * @mem_used: out: bytes in use
 * @peers: out: bitmask of device indices with a peer link
 * @reserved: out: zero
 *
 * No binding needed, no errors.
 */
struct drm_svm_emu_info {
	__u32 version;
	__u32 index;
	__u64 mem_total;
	__u64 mem_used;
	__u64 peers;
	__u64 reserved[4];
};

/**
 * struct drm_svm_emu_bind - DRM_IOCTL_SVM_EMU_BIND / _UNBIND: (un)bind the
 * caller's address space
 * @flags: in: must be 0
 * @pad: must be 0
 * @reserved: must be 0
 *
 * One address space per open file.  BIND errors: EINVAL (flags, pad or
 * reserved non-zero), EALREADY (this process already bound this file),
 * EBUSY (another process did), ENOMEM.  UNBIND errors: EINVAL, ENXIO (not
 * bound), EPERM (bound by another process).  Closing the file unbinds.
 */
struct drm_svm_emu_bind {
	__u32 flags;
	__u32 pad;
	__u64 reserved[2];
};

/**
 * enum drm_svm_emu_op - one device memory access in an EXEC
 * @SVM_EMU_OP_READ: read; result = number of bytes read
 * @SVM_EMU_OP_WRITE: word i := value + i
 * @SVM_EMU_OP_ATOMIC_ADD: word i += value, atomically
 * @SVM_EMU_OP_FILL: every byte := (u8)value
 * @SVM_EMU_OP_CHECKSUM: result = svm_emu checksum of the words
 * @SVM_EMU_OP_MAX: one past the last op
 */
enum drm_svm_emu_op {
	SVM_EMU_OP_READ = 1,
	SVM_EMU_OP_WRITE = 2,
	SVM_EMU_OP_ATOMIC_ADD = 3,
	SVM_EMU_OP_FILL = 4,
	SVM_EMU_OP_CHECKSUM = 5,
	SVM_EMU_OP_MAX
};

/**
 * struct drm_svm_emu_access - one access of an EXEC
 * @op: enum drm_svm_emu_op
 * @flags: must be 0
 * @addr: start of the access
 * @length: its length in bytes
 * @stride: 0, or the distance between the words touched
 * @value: the operand of the op
 * @result: out
 *
 * An access covers [addr, addr + length).  With stride 0 every byte is
 * touched; with stride S (a multiple of 8, 8 <= S <= length) only the 8-byte
 * word at each addr + k * S is.  addr and length must be 8-byte aligned,
 * length > 0 and addr + length <= the top of the user address space (else
 * EFAULT).  result is only written.  The checksum is
 * FNV-1a over 64-bit words: h = 0xcbf29ce484222325; h = (h ^ w) *
 * 0x100000001b3 for each word touched, in address order.
 */
struct drm_svm_emu_access {
	__u32 op;
	__u32 flags;
	__u64 addr;
	__u64 length;
	__u64 stride;
	__u64 value;
	__u64 result;
};

/**
 * struct drm_svm_emu_counters - counters of one EXEC (or of a device, in
 * sysfs)
 * @faults: device page faults taken
 * @pages_to_dev: pages migrated into this device
 * @pages_from_dev: pages migrated out of this device
 * @remote_maps: pages mapped in place (not migrated)
 * @evictions: chunks evicted to make room
 * @modeled_ns: modeled device time
 * @real_ns: wall time spent in the call
 * @throttle_ns: time the policy made the device wait
 * @pages_evicted: pages those evictions moved to system
 * @huge_maps: 2 MiB blocks mapped with one entry
 * @pages_replicated: read-only copies made here (read-mostly)
 * @access_notifications: access-counter notifications sent
 * @folios_to_dev: of pages_to_dev, 2 MiB folios moved whole
 * @folios_from_dev: of pages_from_dev, 2 MiB folios moved whole
 */
struct drm_svm_emu_counters {
	__u64 faults;
	__u64 pages_to_dev;
	__u64 pages_from_dev;
	__u64 remote_maps;
	__u64 evictions;
	__u64 modeled_ns;
	__u64 real_ns;
	__u64 throttle_ns;
	__u64 pages_evicted;
	__u64 huge_maps;
	__u64 pages_replicated;
	__u64 access_notifications;
	__u64 folios_to_dev;
	__u64 folios_from_dev;
};

#define SVM_EMU_EXEC_MAX_ACCESSES	4096
/* the lengths of one EXEC's accesses add up to at most this (1 TiB) */
#define SVM_EMU_EXEC_MAX_BYTES		(1ULL << 40)

/**
 * struct drm_svm_emu_exec - DRM_IOCTL_SVM_EMU_EXEC: run accesses on the
 * device, in order
 * @accesses: in: user pointer to struct drm_svm_emu_access[]
 * @count: in: 1 .. SVM_EMU_EXEC_MAX_ACCESSES
 * @flags: in: must be 0
 * @counters: out
 * @reserved: must be 0
 *
 * Every access is checked before the first one runs.  Errors: EINVAL
 * (flags or reserved non-zero, count 0 or above SVM_EMU_EXEC_MAX_ACCESSES,
 * unknown op, access flags, misalignment, length 0, stride above length,
 * lengths adding up to more than SVM_EMU_EXEC_MAX_BYTES), EFAULT (bad accesses
 * pointer, an access reaching past the user address space, or an access
 * outside the caller's mappings or without the permission it needs, like
 * SIGSEGV on a CPU), ENXIO (not bound), EPERM (called from another address
 * space than the bound one), EINTR (fatal signal: checked at least once per
 * page touched), EBUSY (the fault kept racing with invalidations).
 * Accesses before a failing one are done and their results copied back;
 * counters cover everything done.
 */
struct drm_svm_emu_exec {
	__u64 accesses;
	__u32 count;
	__u32 flags;
	struct drm_svm_emu_counters counters;
	__u64 reserved[2];
};

#define SVM_EMU_QUERY_MAX_PAGES	(1u << 20)

/**
 * struct drm_svm_emu_query - DRM_IOCTL_SVM_EMU_QUERY: residency of npages
 * pages from addr
 * @addr: in: page aligned
 * @npages: in: 1 .. SVM_EMU_QUERY_MAX_PAGES
 * @res: in: user pointer to __u16[npages]
 * @flags: in: must be 0
 * @pad: must be 0
 * @reserved: must be 0
 *
 * A snapshot; one __u16 SVM_EXT_RES_* code per page written to res, one
 * 2 MiB chunk at a time.  Errors: EINVAL (flags, pad or reserved non-zero,
 * unaligned addr, npages 0 or above SVM_EMU_QUERY_MAX_PAGES, a span past the
 * top of the user address space), EFAULT (res not writable: the codes
 * before the fault may have been written), ENXIO (not bound), EPERM
 * (another address space), EINTR (fatal signal), ENOMEM.
 */
struct drm_svm_emu_query {
	__u64 addr;
	__u64 npages;
	__u64 res;
	__u32 flags;
	__u32 pad;
	__u64 reserved[2];
};

#define SVM_EMU_MAX_ATTRS	16

/**
 * struct drm_svm_emu_set_attr - DRM_IOCTL_SVM_EMU_SET_ATTR: set attributes
 * on [addr, addr + length), in order
 * @addr: in: page aligned
 * @length: in: page aligned, > 0
 * @attrs: in: user pointer to struct svm_ext_attr[]
 * @nattrs: in: 1 .. SVM_EMU_MAX_ATTRS
 * @flags: in: must be 0
 * @reserved: must be 0
 *
 * SVM_EXT_ATTR_PREFERRED_FD names a device by an open svm_emu render
 * node fd (its own or a peer's).  Errors: EINVAL (addr or length not page
 * aligned, length 0, a span past the top of the user address space, nattrs
 * 0 or above SVM_EMU_MAX_ATTRS, flags, reserved or an attribute's pad
 * non-zero, bad type or value), EFAULT (bad attrs pointer), ENODEV (no such
 * device), EBADF (fd not an svm_emu render node), ENOMEM (range not
 * mapped), EINTR (fatal signal, between attributes), or what the active
 * policy chose to refuse with (EPERM, EACCES, EBUSY, ENOSPC).  Attributes
 * applied before a failing one stay applied.
 */
struct drm_svm_emu_set_attr {
	__u64 addr;
	__u64 length;
	__u64 attrs;
	__u32 nattrs;
	__u32 flags;
	__u64 reserved[2];
};

/**
 * struct drm_svm_emu_get_attr - DRM_IOCTL_SVM_EMU_GET_ATTR: the attributes
 * over [addr, addr + length)
 * @addr: in
 * @length: in
 * @preferred_loc: out
 * @granularity: out: log2(pages)
 * @accessed_by: out: device mask
 * @read_mostly: out
 * @flags: in: must be 0
 * @nranges: out: attribute ranges in the whole mm
 * @reserved: must be 0
 *
 * Errors: EINVAL (range not page aligned, empty or past the top of the user
 * address space; flags or reserved non-zero), EUCLEAN (attributes differ
 * inside the range: ask for smaller pieces), ENXIO, EPERM.
 */
struct drm_svm_emu_get_attr {
	__u64 addr;
	__u64 length;
	__u32 preferred_loc;
	__u32 granularity;
	__u64 accessed_by;
	__u32 read_mostly;
	__u32 flags;
	__u64 nranges;
	__u64 reserved[2];
};

/**
 * struct drm_svm_emu_prefetch - DRM_IOCTL_SVM_EMU_PREFETCH: migrate
 * [addr, addr + length) to loc now
 * @addr: in: page aligned
 * @length: in: page aligned, > 0
 * @loc: in: a device index or SVM_EXT_LOC_SYSTEM
 * @flags: in: must be 0
 * @pages_moved: out
 * @modeled_ns: out: the move's time in the cost model of the device the
 *	call was made on (kernel/emu/cost.c): a fixed cost per call that
 *	moved anything, the pages over the explicit-prefetch bandwidth of
 *	their direction, and what any eviction it caused cost; ignored on
 *	the way in
 * @reserved: must be 0
 *
 * Pages that cannot move (shared or file mappings, pinned) stay and work in
 * place.  Errors: EINVAL (range not page aligned, empty or past the top of
 * the user address space; flags or reserved non-zero; loc SVM_EXT_LOC_NONE
 * or out of range), ENODEV (no such device), ENOMEM (range not fully
 * mapped), EINTR, ENXIO, EPERM, or the errno the active policy refused with
 * (EPERM, EACCES, EBUSY, ENOSPC, EINVAL).
 */
struct drm_svm_emu_prefetch {
	__u64 addr;
	__u64 length;
	__u32 loc;
	__u32 flags;
	__u64 pages_moved;
	__u64 modeled_ns;
	__u64 reserved;
};

#define DRM_SVM_EMU_INFO	0x00
#define DRM_SVM_EMU_BIND	0x01
#define DRM_SVM_EMU_UNBIND	0x02
#define DRM_SVM_EMU_EXEC	0x03
#define DRM_SVM_EMU_QUERY	0x04
#define DRM_SVM_EMU_SET_ATTR	0x05
#define DRM_SVM_EMU_GET_ATTR	0x06
#define DRM_SVM_EMU_PREFETCH	0x07

#define DRM_IOCTL_SVM_EMU_INFO	 DRM_IOWR(DRM_COMMAND_BASE + DRM_SVM_EMU_INFO, struct drm_svm_emu_info)
#define DRM_IOCTL_SVM_EMU_BIND	 DRM_IOW(DRM_COMMAND_BASE + DRM_SVM_EMU_BIND, struct drm_svm_emu_bind)
#define DRM_IOCTL_SVM_EMU_UNBIND DRM_IOW(DRM_COMMAND_BASE + DRM_SVM_EMU_UNBIND, struct drm_svm_emu_bind)
#define DRM_IOCTL_SVM_EMU_EXEC	 DRM_IOWR(DRM_COMMAND_BASE + DRM_SVM_EMU_EXEC, struct drm_svm_emu_exec)
#define DRM_IOCTL_SVM_EMU_QUERY	 DRM_IOW(DRM_COMMAND_BASE + DRM_SVM_EMU_QUERY, struct drm_svm_emu_query)
#define DRM_IOCTL_SVM_EMU_SET_ATTR DRM_IOW(DRM_COMMAND_BASE + DRM_SVM_EMU_SET_ATTR, struct drm_svm_emu_set_attr)
#define DRM_IOCTL_SVM_EMU_GET_ATTR DRM_IOWR(DRM_COMMAND_BASE + DRM_SVM_EMU_GET_ATTR, struct drm_svm_emu_get_attr)
#define DRM_IOCTL_SVM_EMU_PREFETCH DRM_IOWR(DRM_COMMAND_BASE + DRM_SVM_EMU_PREFETCH, struct drm_svm_emu_prefetch)

#endif /* _UAPI_DRM_SVM_EMU_DRM_H */
