/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * svm_ext: vendor-neutral shared virtual memory, user-visible records.
 */

/**
 * DOC: svm_ext uAPI
 *
 * These structures are what every svm_ext-aware driver passes through its own
 * render-node ioctls (there is no svm_ext device node): locations, range
 * attributes, prefetch requests and per-page residency queries.
 */

/**
 * DOC: Address ranges
 *
 * Every request names [addr, addr + length): both page aligned, length > 0,
 * addr + length neither wrapping nor past the top of the user address space
 * (TASK_SIZE), else EINVAL, before any work.  Setting attributes and
 * prefetching need every page of the range mapped, else ENOMEM (as madvise)
 * and nothing is done; a residency query reports unmapped pages as
 * SVM_EXT_RES_NONE.  Long requests stop with EINTR on a fatal signal.
 */

/**
 * DOC: Kernel memory a process causes
 *
 * The core tracks address space in 2 MiB ranges, made only where memory is
 * mapped (by hints, prefetches, queries and device accesses) and freed when
 * the memory is unmapped, and keeps attributes as a list of attribute ranges
 * (split where they differ).  Both are charged to the memory cgroup of the
 * process that caused them, and each is capped per process by the module
 * parameter /sys/module/svm_ext/parameters/max_ranges (default 262144:
 * 512 GiB of address space in use by devices).  A request that would pass
 * the cap fails with EDQUOT: a device access (the driver reports it as its
 * own fault error), a query or prefetch over a chunk that has no range yet,
 * or an attribute change, which then changes nothing.  Unmapping memory, or
 * setting attributes back to their defaults, makes room again.
 */

/**
 * DOC: What prefetch moves
 *
 * Prefetch moves only what may move and counts only what moved: pages of
 * mlocked, shared, file-backed or PROT_NONE memory are left in place when
 * the destination is a device, pages of hugetlb and special (VM_IO, PFN
 * map) mappings in either direction; such memory is no error, it just
 * contributes 0 pages moved.
 */
#ifndef _UAPI_LINUX_SVM_EXT_H
#define _UAPI_LINUX_SVM_EXT_H

#include <linux/types.h>

#define SVM_EXT_UAPI_VERSION	1

/**
 * enum svm_ext_uapi_limits - sizes the interface is built on
 * @SVM_EXT_MAX_DEVICES: devices the core registers at most: device indices
 *	are 0 .. SVM_EXT_MAX_DEVICES - 1, and a mask of them fits a __u64
 */
enum svm_ext_uapi_limits {
	SVM_EXT_MAX_DEVICES = 8,
};

/**
 * DOC: Locations
 *
 * A location is a __u32: a device index (0 .. SVM_EXT_MAX_DEVICES-1, as in
 * /sys/kernel/svm_ext/devices/), SVM_EXT_LOC_SYSTEM for system (CPU) memory
 * or SVM_EXT_LOC_NONE for no preference (as an attribute) or not populated
 * (as a page's place).
 */

/**
 * enum svm_ext_loc - the locations that are not a device index
 * @SVM_EXT_LOC_SYSTEM: system (CPU) memory
 * @SVM_EXT_LOC_NONE: no preference, or not populated
 */
enum svm_ext_loc {
	SVM_EXT_LOC_SYSTEM = 0xfffffffeu,
	SVM_EXT_LOC_NONE = 0xffffffffu,
};

/**
 * enum svm_ext_attr_type - range attribute kinds (&svm_ext_attr.type)
 * @SVM_EXT_ATTR_PREFERRED_LOC: value: a location (DOC: Locations)
 * @SVM_EXT_ATTR_PREFERRED_FD: value: fd of a bound render node; the driver
 *	turns it into that device's location
 * @SVM_EXT_ATTR_ACCESSED_BY: value: bitmask of device indices
 * @SVM_EXT_ATTR_READ_MOSTLY: value: 0 or 1
 * @SVM_EXT_ATTR_GRANULARITY: value: log2(pages) of the migration window,
 *	0 .. 9
 * @SVM_EXT_ATTR_MAX: one past the last kind
 */
enum svm_ext_attr_type {
	SVM_EXT_ATTR_PREFERRED_LOC = 1,
	SVM_EXT_ATTR_PREFERRED_FD = 2,
	SVM_EXT_ATTR_ACCESSED_BY = 3,
	SVM_EXT_ATTR_READ_MOSTLY = 4,
	SVM_EXT_ATTR_GRANULARITY = 5,
	SVM_EXT_ATTR_MAX
};

/**
 * struct svm_ext_attr - one attribute to set
 * @type: enum svm_ext_attr_type
 * @pad: must be 0
 * @value: its value, as the type says
 */
struct svm_ext_attr {
	__u32 type;
	__u32 pad;
	__u64 value;
};

/**
 * DOC: Residency codes
 *
 * A query returns one __u16 per page: the low byte (SVM_EXT_RES_LOC_MASK)
 * is where the page is - a device index, SVM_EXT_RES_SYSTEM or
 * SVM_EXT_RES_NONE (not populated, or not mapped) - and the flags
 * SVM_EXT_RES_WRITE (the CPU page table allows writes) and SVM_EXT_RES_HUGE
 * (part of a PMD-sized mapping) may be set beside it.
 */
#define SVM_EXT_RES_LOC_MASK	0x00ffu	/* device index, or 0xfe system, 0xff none */
#define SVM_EXT_RES_SYSTEM	0x00feu
#define SVM_EXT_RES_NONE	0x00ffu
#define SVM_EXT_RES_WRITE	0x0100u	/* CPU page table allows writes */
#define SVM_EXT_RES_HUGE	0x0200u	/* part of a PMD-sized mapping */

#endif /* _UAPI_LINUX_SVM_EXT_H */
