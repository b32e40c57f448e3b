/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svm_ext driver interface: what a GPU driver calls to put its device under
 * the svm_ext core, and what the core calls back.
 */

/**
 * DOC: Driver interface
 *
 * The core owns the device-private memory (struct pages created with
 * memremap_pages()), the per-mm contexts, the ranges and every placement
 * decision.  A driver supplies what only a driver can do, in struct
 * svm_ext_device_ops: copying pages with its engines (&svm_ext_device_ops.copy)
 * and keeping its own page table in step with the CPU's
 * (&svm_ext_device_ops.map, &svm_ext_device_ops.invalidate).  Its part:
 *
 * - at probe, fill a struct svm_ext_device (name, ops, drvdata) and call
 *   svm_ext_device_register() with the size of its memory; at removal,
 *   svm_ext_device_unregister(), which first brings every page home;
 * - for each process that uses the device (svm_emu: a BIND ioctl on an
 *   open render node), svm_ext_bind() with the process's mm, and
 *   svm_ext_unbind() when it is done (close, UNBIND); no fault may run on
 *   a binding being unbound, which the driver ensures with its own lock;
 * - when the device faults (an access its page table cannot serve),
 *   svm_ext_device_fault() or svm_ext_device_fault_batch(), in process
 *   context without mmap_lock; on success the core has mapped the page
 *   through &svm_ext_device_ops.map and the device retries;
 * - optionally, access counters: svm_ext_device_access_counter() when the
 *   device has accessed a chunk it maps in place heavily; counting is
 *   worth it only while svm_ext_access_counters_wanted() says a policy
 *   listens;
 * - in its own uAPI, hints, prefetch and residency queries through
 *   svm_ext_attr_set(), svm_ext_attr_get(), svm_ext_prefetch() and
 *   svm_ext_query() (locations and attributes as in <uapi/linux/svm_ext.h>).
 *
 * &svm_ext_device_ops.map and &svm_ext_device_ops.invalidate are called
 * with the context's notifier lock held: the core never lets a mapping race
 * an invalidation (DOC: Address-space model).
 */
#ifndef _SVM_EXT_DRIVER_H
#define _SVM_EXT_DRIVER_H

#include <linux/types.h>
#include <linux/kobject.h>
#include <linux/moduleparam.h>
#include <linux/mm_types.h>

/**
 * enum svm_ext_geometry - the sizes the core manages memory in
 * @SVM_EXT_PAGE_SHIFT: log2 of a page (PAGE_SHIFT)
 * @SVM_EXT_CHUNK_SHIFT: log2 of a chunk: 2 MiB, a PMD's worth of pages
 * @SVM_EXT_CHUNK_ORDER: pages per chunk, as a folio order
 *
 * An enum, not macros, so that it is in svm_ext.ko's BTF: BPF programs
 * take it from there (vmlinux.h) rather than from a copy.
 */
enum svm_ext_geometry {
	SVM_EXT_PAGE_SHIFT = PAGE_SHIFT,
	SVM_EXT_CHUNK_SHIFT = 21,
	SVM_EXT_CHUNK_ORDER = SVM_EXT_CHUNK_SHIFT - SVM_EXT_PAGE_SHIFT,
};

struct svm_ext_device;
struct svm_ext_binding;
struct svm_ext_mm;

/**
 * enum svm_ext_map_kind - where a page is mapped from, as handed to
 * &svm_ext_device_ops.map
 * @SVM_EXT_MAP_LOCAL: this device's own memory
 * @SVM_EXT_MAP_SYSTEM: system memory, over the host link
 * @SVM_EXT_MAP_PEER: another device's memory, over a peer link
 */
enum svm_ext_map_kind {
	SVM_EXT_MAP_LOCAL,
	SVM_EXT_MAP_SYSTEM,
	SVM_EXT_MAP_PEER,
};

/**
 * struct svm_ext_device_ops - callbacks a driver provides
 *
 * @copy, @map and @invalidate are required (svm_ext_device_register()
 * refuses a device without them), the others optional.
 */
struct svm_ext_device_ops {
	/**
	 * @copy: copy @npages pages (at most 512), @src[i] to @dst[i].  Either
	 * side may be a device-private page of any svm_ext device or a system
	 * page; a NULL @dst[i] is skipped, a NULL @src[i] means "zero
	 * @dst[i]".  The core calls the driver of the destination device, or
	 * of the source device when the destination is system memory.  May
	 * sleep.  Returns 0 or a negative errno, in which case the core drops
	 * every destination of the batch and the data stays at @src.
	 */
	int (*copy)(struct svm_ext_device *dev, struct page **dst,
		    struct page **src, unsigned long npages);
	/**
	 * @devmem_init: the core created the device-private pages
	 * [@first, @first + @npages); set up whatever backs them (a real
	 * driver: nothing; an emulator: RAM).  Optional.  May sleep.  Returns
	 * 0 or a negative errno, which fails the registration.
	 */
	int (*devmem_init)(struct svm_ext_device *dev, struct page *first,
			   unsigned long npages);
	/**
	 * @devmem_fini: undo @devmem_init, once no page of the device is in
	 * use any more.  Optional.  May sleep.
	 */
	void (*devmem_fini)(struct svm_ext_device *dev, struct page *first,
			    unsigned long npages);
	/**
	 * @map: install device page-table entries for @npages pages from
	 * @addr; @pages[i] NULL means "leave unmapped".  @writable[i] says
	 * whether the entry may be written, @kind[i] where the page is
	 * (enum svm_ext_map_kind).  Called with the context's notifier lock
	 * held, so no invalidation runs concurrently.  Reclaim may need that
	 * lock: allocate without direct reclaim (GFP_NOWAIT, GFP_ATOMIC) or
	 * not at all; an entry left out only costs the device another fault.
	 * @order is SVM_EXT_CHUNK_ORDER when the window is one naturally
	 * aligned 2 MiB block of physically contiguous pages of one kind and
	 * permission (a transparent huge page, or a whole device chunk): the
	 * driver may map it with one entry.  Otherwise 0.
	 *
	 * Return: how many of the pages whose @kind is not
	 * SVM_EXT_MAP_LOCAL were not mapped at that same page before: the
	 * pages the device newly maps in place, which the core counts as
	 * remote maps.  Only the driver knows what its page table held.
	 */
	unsigned long (*map)(struct svm_ext_binding *b, unsigned long addr,
			     struct page **pages, const bool *writable,
			     const enum svm_ext_map_kind *kind,
			     unsigned long npages, unsigned int order);
	/**
	 * @invalidate: remove device page-table entries in [@start, @end)
	 * (everything: 0, ULONG_MAX, at unbind and mm exit), so that the
	 * device faults before it touches the span again.  Called with the
	 * notifier lock held, also from mmu notifier context, which may not
	 * block: must not sleep or allocate.
	 */
	void (*invalidate)(struct svm_ext_binding *b, unsigned long start,
			   unsigned long end);
	/**
	 * @link_bw: bandwidth in MB/s of the link from this device to @to, a
	 * device index or SVM_EXT_LOC_SYSTEM (the host link); 0 when there
	 * is no direct link.  Optional.  Called from policy (BPF) context:
	 * must not sleep or take locks a fault path holds.
	 */
	u64 (*link_bw)(struct svm_ext_device *dev, u32 to);
};

/**
 * struct svm_ext_device - a device registered with the svm_ext core
 * @name: short name shown in sysfs ("svm_emu0")
 * @ops: driver callbacks
 * @drvdata: driver private pointer
 * @index: assigned by the core at registration (0 .. SVM_EXT_MAX_DEVICES-1)
 * @peer_mask: devices (a mask of their indices) this one can map directly
 *	over a peer link; set by the driver
 * @core: core private state
 */
struct svm_ext_device {
	const char *name;
	const struct svm_ext_device_ops *ops;
	void *drvdata;
	u32 index;
	u64 peer_mask;
	struct svm_ext_device_core *core;
};

/**
 * struct svm_ext_binding - one device bound to one process address space
 * @dev: the device
 * @smm: the per-mm context shared by every device bound to that mm
 * @drvdata: driver private pointer (e.g. the device page table)
 * @link: on the context's binding list (core private)
 */
struct svm_ext_binding {
	struct svm_ext_device *dev;
	struct svm_ext_mm *smm;
	void *drvdata;
	/* private to the core */
	struct list_head link;
};

/**
 * struct svm_ext_attrs - the attributes of an address range
 * @preferred_loc: device index, SVM_EXT_LOC_SYSTEM or SVM_EXT_LOC_NONE
 * @granularity: migration granularity, log2(pages), 0 .. 9
 * @accessed_by: devices that keep a mapping wherever the data lives
 * @read_mostly: reads may be served from copies
 * @pad: unused
 */
struct svm_ext_attrs {
	u32 preferred_loc;
	u32 granularity;
	u64 accessed_by;
	u32 read_mostly;
	u32 pad;
};

/**
 * enum svm_ext_access - access kinds of a device fault
 * @SVM_EXT_ACCESS_READ: a read
 * @SVM_EXT_ACCESS_WRITE: a write: needs a writable VMA and mapping
 * @SVM_EXT_ACCESS_ATOMIC: an atomic read-modify-write: as a write
 */
enum svm_ext_access {
	SVM_EXT_ACCESS_READ = 0,
	SVM_EXT_ACCESS_WRITE = 1,
	SVM_EXT_ACCESS_ATOMIC = 2,
};

/**
 * struct svm_ext_fault_stats - what servicing faults did, for a driver's
 * per-call accounting (cost models, ioctl counters)
 * @faults: device faults serviced
 * @pages_to_dev: pages migrated into a device
 * @pages_from_dev: pages migrated out of a device to system memory
 * @pages_peer: of @pages_to_dev, pages that came from another device
 * @remote_maps: pages mapped in place (system or peer memory)
 * @evictions: device chunks evicted to make room
 * @pages_evicted: pages those evictions moved
 * @throttle_ns: time the policy made the device wait (throttle decisions)
 * @huge_maps: 2 MiB blocks handed to the driver as one mapping
 * @pages_replicated: read-only copies made in this device (read-mostly)
 * @access_notifications: access-counter notifications delivered to a policy
 * @folios_to_dev: of @pages_to_dev, 2 MiB folios moved whole (512 pages each)
 * @folios_from_dev: of @pages_from_dev, 2 MiB folios moved whole
 */
struct svm_ext_fault_stats {
	u64 faults;
	u64 pages_to_dev;
	u64 pages_from_dev;
	u64 pages_peer;
	u64 remote_maps;
	u64 evictions;
	u64 pages_evicted;
	u64 throttle_ns;
	u64 huge_maps;
	u64 pages_replicated;
	u64 access_notifications;
	u64 folios_to_dev;
	u64 folios_from_dev;
};

/* uint module parameters only CAP_SYS_ADMIN may set (mm.c) */
extern const struct kernel_param_ops svm_ext_admin_uint_ops;

int svm_ext_device_register(struct svm_ext_device *dev, struct device *parent,
			    u64 mem_bytes);
void svm_ext_device_unregister(struct svm_ext_device *dev);
int svm_ext_device_mem_usage(struct svm_ext_device *dev, u64 *total, u64 *used);

struct svm_ext_binding *svm_ext_bind(struct svm_ext_device *dev,
				     struct mm_struct *mm, void *drvdata);
void svm_ext_unbind(struct svm_ext_binding *b);

int svm_ext_device_fault(struct svm_ext_binding *b, unsigned long addr,
			 enum svm_ext_access access,
			 struct svm_ext_fault_stats *stats);
int svm_ext_device_fault_batch(struct svm_ext_binding *b, unsigned long addr,
			       enum svm_ext_access access,
			       const unsigned long *batch,
			       struct svm_ext_fault_stats *stats);
int svm_ext_device_access_counter(struct svm_ext_binding *b,
				  unsigned long addr,
				  enum svm_ext_access access,
				  struct svm_ext_fault_stats *stats);
bool svm_ext_access_counters_wanted(void);
int svm_ext_attr_check(u32 type, u64 value);
int svm_ext_attr_set(struct svm_ext_binding *b, unsigned long start,
		     unsigned long len, u32 type, u64 value);
int svm_ext_attr_get(struct svm_ext_binding *b, unsigned long start,
		     unsigned long len, struct svm_ext_attrs *out);
unsigned long svm_ext_attr_count(struct svm_ext_binding *b);
long svm_ext_prefetch(struct svm_ext_binding *b, unsigned long start,
		      unsigned long len, u32 loc,
		      struct svm_ext_fault_stats *stats);
int svm_ext_query(struct svm_ext_binding *b, unsigned long start,
		  unsigned long npages, u16 *res);
bool svm_ext_page_is_device(struct page *page, u32 *index);
struct svm_ext_device *svm_ext_page_device(struct page *page,
					   unsigned long *offset);

#endif /* _SVM_EXT_DRIVER_H */
