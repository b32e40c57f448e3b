/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * svm_ext: vendor-neutral shared virtual memory, user-visible records.
 *
 * These structures are what every svm_ext-aware driver passes through its own
 * render-node ioctls (there is no svm_ext device node): locations, range
 * attributes, prefetch requests and per-page residency queries.
 */
#ifndef _UAPI_LINUX_SVM_EXT_H
#define _UAPI_LINUX_SVM_EXT_H

#include <linux/types.h>

#define SVM_EXT_UAPI_VERSION	1
#define SVM_EXT_MAX_DEVICES	8

/*
 * A location is a __u32: a device index (0 .. SVM_EXT_MAX_DEVICES-1, as in
 * /sys/kernel/svm_ext/devices/) or one of these.
 */
#define SVM_EXT_LOC_SYSTEM	0xfffffffeu	/* system (CPU) memory */
#define SVM_EXT_LOC_NONE	0xffffffffu	/* no preference / unpopulated */

/* Range attribute kinds (struct svm_ext_attr.type). */
enum svm_ext_attr_type {
	SVM_EXT_ATTR_PREFERRED_LOC = 1,	/* value: location */
	SVM_EXT_ATTR_PREFERRED_FD = 2,	/* value: fd of a bound render node */
	SVM_EXT_ATTR_ACCESSED_BY = 3,	/* value: bitmask of device indices */
	SVM_EXT_ATTR_READ_MOSTLY = 4,	/* value: 0 or 1 */
	SVM_EXT_ATTR_GRANULARITY = 5,	/* value: log2(pages), 0 .. 9 */
	SVM_EXT_ATTR_MAX
};

struct svm_ext_attr {
	__u32 type;		/* enum svm_ext_attr_type */
	__u32 pad;		/* must be 0 */
	__u64 value;
};

/* Residency of one page, as returned by a query. */
#define SVM_EXT_RES_LOC_MASK	0x00ffu	/* device index, or 0xfe system, 0xff none */
#define SVM_EXT_RES_SYSTEM	0x00feu
#define SVM_EXT_RES_NONE	0x00ffu
#define SVM_EXT_RES_WRITE	0x0100u	/* CPU page table allows writes */
#define SVM_EXT_RES_HUGE	0x0200u	/* part of a PMD-sized mapping */

#endif /* _UAPI_LINUX_SVM_EXT_H */
