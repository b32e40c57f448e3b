/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svm_ext core: private declarations shared by the core's files.
 */
#ifndef _SVM_EXT_INTERNAL_H
#define _SVM_EXT_INTERNAL_H

#include <linux/atomic.h>
#include <linux/kobject.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <uapi/linux/svm_ext.h>
#include <svm_ext/driver.h>
#include "ops.h"

/*
 * Words (docs/glossary.md): a *range* is 2 MiB of one process's address
 * space, 2 MiB aligned (struct svm_ext_range); a *chunk* is 2 MiB of one
 * device's memory (struct svm_ext_devchunk), the unit of device memory
 * allocation and of eviction.  A range owns at most one chunk per device,
 * and the page at offset i of the range always lands at offset i of the
 * chunk, so a chunk can be evicted by pfn without knowing any mm.
 */
#define SVM_EXT_CHUNK_SIZE	(1UL << SVM_EXT_CHUNK_SHIFT)
#define SVM_EXT_CHUNK_PAGES	(SVM_EXT_CHUNK_SIZE >> PAGE_SHIFT)
#define SVM_EXT_GRANULARITY_DEFAULT	(SVM_EXT_CHUNK_SHIFT - PAGE_SHIFT)

/**
 * DOC: Locking
 *
 * Locks are taken in this order; a lock may be taken with any of those above
 * it held, never the other way round:
 *
 * 1. ``svm_ext_policy_mutex`` (policy.c): attach, switch and detach of a
 *    policy, and the exit hook after an ejection.  ``svm_ext_state_lock``
 *    (a spinlock, irqsave) nests inside it, guards only the state shown in
 *    sysfs, and is also taken by an ejection from any hook.
 * 2. The driver's own per-file lock (svm_emu: &svm_emu_file.sem), held for
 *    reading across an ioctl that uses the binding and for writing around
 *    svm_ext_bind() and svm_ext_unbind().
 * 3. ``svm_ext_mm_list_lock``: the list of every &struct svm_ext_mm
 *    (bind, unbind, debugfs; reclaim of read-mostly copies only trylocks it).
 * 4. &svm_ext_mm.lock: range insertion and removal, bindings, teardown.
 *    svm_ext_range_get() takes it, and mmap_lock under it to see whether a
 *    VMA covers the chunk; the unmap reaper and debugfs take mmap_lock
 *    under it too.
 * 5. The mm's ``mmap_lock``, for reading: the fault path, PREFETCH, QUERY,
 *    SET_ATTR, the unmap reaper.  Helpers called with it held that read
 *    VMAs or the attributes in force assert it (mmap_assert_locked()).
 * 6. &svm_ext_mm.attr_lock: the attribute ranges and sets (attr.c).  It
 *    allocates under it, so the interval notifier never takes it.
 * 7. &svm_ext_device_core.evict_lock: one eviction per device at a time,
 *    taken on the way to a device with the faulting (or prefetching) mm's
 *    mmap_lock held.  Evicting takes the notifier_lock of the owner's
 *    context, through the invalidation migrate_device_range() causes.
 * 8. &svm_ext_mm.notifier_lock: device page-table updates against
 *    invalidations.  The fault path takes it after hmm_range_fault() and
 *    keeps it while the driver maps, so a mapping and the sequence check
 *    are atomic against an interval notifier; the notifier takes it (or,
 *    when it may not block, fails the invalidation if it is busy).
 *    Read-mostly copies are made and dropped under it.
 * 9. &svm_ext_device_core.lock (spinlock, irq): the device's chunk lists
 *    and per-chunk state; taken from folio_free, so never held across
 *    anything that may sleep or free a device page.
 * 10. &svm_ext_mm.unmap_lock (spinlock, irqsave): the queue of unmapped
 *     spans and the reap list, filled from the interval notifier.
 *
 * The driver's device page table lock (svm_emu: the xarray lock of its page
 * table) is taken inside ``notifier_lock`` by the driver's invalidate and
 * map callbacks, and inside nothing else of the core.  ``svm_ext_devices_lock``
 * (device.c) serialises device registration and nests none of the above.
 *
 * Policies are called under SRCU (``svm_ext_srcu``), never under a spinlock
 * of the core: the fault and advise hooks run with mmap_lock held for
 * reading, the evict hook with the device's ``evict_lock``, the CPU-fault
 * hook from migrate_to_ram with the faulting page locked, range_add with
 * &svm_ext_mm.lock held, invalidated from the interval notifier.  Hooks may
 * not sleep: the struct_ops check_member refuses sleepable programs except
 * at init and exit, which run from attach, switch and detach under
 * ``svm_ext_policy_mutex`` and nothing else.  Detach waits for readers with
 * synchronize_srcu().
 *
 * Lifetimes: a &struct svm_ext_range is reference counted (the xarray holds
 * one; svm_ext_range_get() gives the caller another); the unmap reaper
 * takes it out of the xarray under &svm_ext_mm.lock and mmap_lock once no
 * VMA is left in its chunk, and the last reference frees it, with no lock
 * held.  A device folio is freed through folio_free under the device's
 * ``lock``; its live mark (zone_device_data) is cleared under the folio
 * lock.
 */

struct svm_ext_range;

/* Per-device counters, exported in sysfs. */
struct svm_ext_dev_counters {
	atomic64_t faults[3];		/* by enum svm_ext_access */
	atomic64_t pages_to_dev;
	atomic64_t pages_from_dev;
	atomic64_t folios_to_dev;	/* 2 MiB folios among pages_to_dev */
	atomic64_t folios_from_dev;	/* 2 MiB folios among pages_from_dev */
	atomic64_t cpu_faults;
	atomic64_t cpu_fault_pages;	/* pages CPU faults brought home */
	atomic64_t remote_maps;
	atomic64_t evictions;
	atomic64_t pages_evicted;
	atomic64_t huge_maps;
	atomic64_t pages_replicated;
	atomic64_t access_notifications;
};

/**
 * struct svm_ext_devchunk - one 2 MiB chunk of a device's memory
 * @core: the device it belongs to
 * @pfn_first: first device-private pfn
 * @used: pages of the chunk in use (refcount held by the mm)
 * @used_map: which pages are in use
 * @range: the range whose pages live here, or NULL
 * @node: on the device's free list or LRU list
 * @evicting: an eviction of this chunk is in progress
 * @replica: it holds read-only copies (read-mostly), not data: its pages are
 *	in no CPU page table and can be dropped at any time (replica.c)
 * @faults: device faults on it since it was allocated
 * @last_ns: monotonic time of the last of them
 * @alloc_ns: monotonic time it was allocated
 *
 * Everything but @core and @pfn_first is protected by the device's @lock.
 */
struct svm_ext_devchunk {
	struct svm_ext_device_core *core;
	unsigned long pfn_first;
	unsigned int used;
	DECLARE_BITMAP(used_map, SVM_EXT_CHUNK_PAGES);
	struct svm_ext_range *range;
	struct list_head node;
	bool evicting;
	bool replica;
	u64 faults;
	u64 last_ns;
	u64 alloc_ns;
};

/**
 * struct svm_ext_fault_req - one device fault, what its kfuncs need beside
 * the context (svm_ext_fault_ctx.priv points here)
 * @range: the fault's range
 * @batch: pages of the range faulting together (bit per page), or NULL
 */
struct svm_ext_fault_req {
	struct svm_ext_range *range;
	const unsigned long *batch;
};

/**
 * struct svm_ext_evict_req - one call of a policy's evict hook
 * @ctx: what the program sees
 * @info: a snapshot of the candidates, coldest first (@ctx.nr_chunks)
 * @chunks: the candidates themselves
 * @chosen: indices of the victims the policy named (@ctx.nr_chosen)
 */
struct svm_ext_evict_req {
	struct svm_ext_evict_ctx ctx;
	struct svm_ext_chunk_info *info;
	struct svm_ext_devchunk **chunks;
	u32 chosen[SVM_EXT_EVICT_BATCH];
};

/**
 * struct svm_ext_device_core - core state of a registered device
 * @dev: the driver's device
 * @pgmap: its device-private pagemap
 * @res: the physical address range reserved for it
 * @pfn_first: first device-private pfn
 * @npages: device memory pages
 * @chunks: the 2 MiB chunks of device memory
 * @nchunks: how many
 * @lock: protects chunk lists and per-chunk state; taken from folio_free
 * @free_list: chunks holding no page
 * @lru: allocated chunks, coldest first
 * @nfree: chunks on @free_list
 * @nreplica: chunks holding read-only copies (off both lists)
 * @evict_lock: one eviction at a time per device
 * @cnt: counters (sysfs)
 * @kobj: /sys/kernel/svm_ext/devices/<index>/
 */
struct svm_ext_device_core {
	struct svm_ext_device *dev;
	struct dev_pagemap pgmap;
	struct resource *res;
	unsigned long pfn_first;
	unsigned long npages;
	struct svm_ext_devchunk *chunks;
	unsigned int nchunks;
	/* protects the chunk lists and per-chunk state; taken from folio_free */
	spinlock_t lock;
	struct list_head free_list;
	struct list_head lru;		/* allocated chunks, coldest first */
	unsigned int nfree;
	unsigned int nreplica;		/* chunks holding replicas */
	struct mutex evict_lock;	/* one eviction at a time per device */
	struct svm_ext_dev_counters cnt;
	struct kobject kobj;
};

/**
 * struct svm_ext_mm - state of one process address space, shared by all
 * devices bound to it (one per mm, found through mmu_notifier_get())
 * @mn: the mm notifier (release); its users count is the binding count
 * @notifier_lock: device page-table updates against invalidations
 * @bindings: bound devices, under @notifier_lock and @lock
 * @nbindings: their number, under @lock
 * @lock: range insertion, binding and teardown
 * @ranges: VA >> SVM_EXT_CHUNK_SHIFT -> struct svm_ext_range
 * @dead: the mm has exited
 * @attr_lock: protects @attr_ranges and @attr_sets
 * @attr_ranges: sorted ranges with non-default attributes (attr.c)
 * @attr_sets: interned attribute sets
 * @unmap_lock: protects the unmap queue below
 * @nunmapped: queued unmapped spans
 * @unmap_overflow: the queue overflowed
 * @unmapped: spans unmapped since attributes were last used
 * @nranges: ranges in @ranges, under @lock (capped: svm_ext_max_ranges)
 * @nattr_ranges: entries on @attr_ranges, under @attr_lock (same cap)
 * @reap_list: ranges an unmap touched, to free if no VMA is left in them,
 *	under @unmap_lock
 * @reap_work: frees them (mm.c)
 * @tgid: the process that bound the first device
 * @cgroup: id of the process's cgroup (v2) as of its last device fault, 0
 *	without cgroups; READ_ONCE/WRITE_ONCE
 * @all: on the list of every context (debugfs), under svm_ext_mm_list_lock
 */
struct svm_ext_mm {
	struct mmu_notifier mn;
	/* device page-table updates versus invalidations */
	struct mutex notifier_lock;
	struct list_head bindings;	/* under notifier_lock */
	unsigned int nbindings;		/* under lock */
	/* ranges: insertion and removal */
	struct mutex lock;
	struct xarray ranges;		/* VA >> CHUNK_SHIFT -> range */
	bool dead;			/* mm exited */
	/* attributes: ranges of interned sets, see attr.c */
	struct mutex attr_lock;
	struct list_head attr_ranges;	/* sorted, see attr.c */
	struct list_head attr_sets;
	/* unmapped ranges whose attributes are still to be dropped */
	spinlock_t unmap_lock;
	unsigned int nunmapped;
	bool unmap_overflow;
	struct { unsigned long start, end; } unmapped[16];
	unsigned int nranges;		/* under lock */
	unsigned int nattr_ranges;	/* under attr_lock */
	struct list_head reap_list;	/* under unmap_lock */
	struct work_struct reap_work;
	pid_t tgid;
	u64 cgroup;
	struct list_head all;
};

/* Per-range counters. */
struct svm_ext_range_counters {
	atomic64_t faults;
	atomic64_t pages_in;		/* migrated to any device */
	atomic64_t folios_in;		/* of those, in 2 MiB folios (x512) */
	atomic64_t pages_out;		/* migrated back to system memory */
	atomic64_t folios_out;		/* of those, in 2 MiB folios (x512) */
	atomic64_t remote_maps;
};

/**
 * struct svm_ext_range - 2 MiB of an mm's address space and its notifier
 * @notifier: covers [@start, @end)
 * @smm: owning context
 * @start: chunk-aligned start
 * @end: @start + SVM_EXT_CHUNK_SIZE
 * @devchunk: per device, the device chunk holding this range's pages (under
 *	that device's core lock)
 * @replica: per device, the chunk holding read-only copies of this range's
 *	pages (read-mostly), under that device's core lock; created and
 *	dropped under the context's notifier_lock
 * @cnt: counters
 * @ref: the context's xarray holds one reference while the range is in it,
 *	each svm_ext_range_get() caller one more; the last put frees it
 * @reap_link: on the context's @reap_list (under its unmap_lock)
 * @gone: out of the xarray, only waiting for its last reference
 * @rcu: freed after a grace period (lockless lookup)
 */
struct svm_ext_range {
	struct mmu_interval_notifier notifier;
	struct svm_ext_mm *smm;
	unsigned long start;
	unsigned long end;
	struct svm_ext_devchunk *devchunk[SVM_EXT_MAX_DEVICES];
	struct svm_ext_devchunk *replica[SVM_EXT_MAX_DEVICES];
	struct svm_ext_range_counters cnt;
	refcount_t ref;
	struct list_head reap_link;
	bool gone;
	struct rcu_head rcu;
};

/*
 * A user range [start, start + len): page aligned, non-empty, not wrapping,
 * below TASK_SIZE.  The numbers come straight from an ioctl.
 */
static inline bool svm_ext_user_range_ok(unsigned long start, unsigned long len)
{
	unsigned long end;

	return PAGE_ALIGNED(start) && PAGE_ALIGNED(len) && len &&
	       !check_add_overflow(start, len, &end) && end <= TASK_SIZE;
}

/*
 * The pgmap owner of every svm_ext device page: svm_ext.ko itself.  All
 * svm_ext devices share it, so hmm_range_fault() and migrate_vma_setup()
 * hand the core every svm_ext device page as it is.  svm_ext is only built
 * as a module (Kbuild: obj-m), so THIS_MODULE is never NULL.
 */
#ifndef MODULE
#error "svm_ext is built as a module: its pgmap owner is THIS_MODULE"
#endif
#define SVM_EXT_PGMAP_OWNER	((void *)THIS_MODULE)

/* device_table.c */
extern struct svm_ext_device __rcu *svm_ext_devices[SVM_EXT_MAX_DEVICES];
struct svm_ext_device *svm_ext_device_get(u32 index);
u32 svm_ext_device_count(void);
u64 svm_ext_device_link_bw(struct svm_ext_device *dev, u32 to);

/* device.c */
int svm_ext_devices_init(struct kobject *parent);
void svm_ext_devices_exit(void);

/* devmem.c */
int svm_ext_devmem_init(struct svm_ext_device_core *core, struct device *parent,
			u64 bytes);
void svm_ext_devmem_fini(struct svm_ext_device_core *core);
struct svm_ext_devchunk *svm_ext_devchunk_take(struct svm_ext_device_core *core,
						struct svm_ext_range *range);
void svm_ext_devchunk_evicted(struct svm_ext_device_core *core,
			      struct svm_ext_devchunk *c);
unsigned long svm_ext_devmem_alloc_window(struct svm_ext_device_core *core,
					  struct svm_ext_devchunk *chunk,
					  struct svm_ext_range *range,
					  unsigned long start,
					  unsigned long npages,
					  const bool *want, struct page **pages);
void svm_ext_devpage_init(struct svm_ext_device_core *core, struct page *page,
			  unsigned int order);
struct page *svm_ext_devmem_alloc_folio(struct svm_ext_device_core *core,
					struct svm_ext_devchunk *chunk,
					struct svm_ext_range *range);
void svm_ext_devchunk_put_unused(struct svm_ext_device_core *core,
				 struct svm_ext_devchunk *chunk,
				 struct svm_ext_range *range);
bool svm_ext_devmem_range_empty(struct svm_ext_device_core *core,
				struct svm_ext_range *range);
void svm_ext_devmem_count_out(struct svm_ext_range *range, struct page *page,
			      unsigned long pages, unsigned long folios);
void svm_ext_devmem_forget_range(struct svm_ext_device_core *core,
				 struct svm_ext_range *range);
u64 svm_ext_devmem_used_pages(struct svm_ext_device_core *core);
struct svm_ext_devchunk *svm_ext_devmem_replica_chunk(struct svm_ext_device_core *core,
						       struct svm_ext_range *range);
void svm_ext_devmem_replica_put_empty(struct svm_ext_device_core *core,
				      struct svm_ext_range *range);

/* A chunk on its way out, and whose it was (for tracing and policies). */
struct svm_ext_victim {
	struct svm_ext_devchunk *chunk;
	unsigned long addr;
	pid_t tgid;
};

bool svm_ext_victim_claim(struct svm_ext_device_core *core,
			  struct svm_ext_devchunk *c, struct svm_ext_range *keep,
			  struct svm_ext_victim *v);
unsigned int svm_ext_default_victims(struct svm_ext_device_core *core,
				     struct svm_ext_range *range,
				     struct svm_ext_victim *v);

/* evict.c */
struct svm_ext_devchunk *svm_ext_devchunk_get(struct svm_ext_device_core *core,
					       struct svm_ext_range *range,
					       struct svm_ext_fault_stats *stats);
void svm_ext_evict_touch(struct svm_ext_device_core *core,
			 struct svm_ext_range *range);
void svm_ext_evict_all(struct svm_ext_device_core *core);

/* replica.c */
int svm_ext_replicate_window(struct svm_ext_binding *b,
			     struct svm_ext_range *range, unsigned long start,
			     unsigned long end, const unsigned long *req,
			     struct svm_ext_fault_stats *stats);
void svm_ext_replicas_drop(struct svm_ext_range *range, unsigned long start,
			   unsigned long end, bool invalidate);
bool svm_ext_replicas_in(struct svm_ext_range *range, unsigned long start,
			 unsigned long end);
void svm_ext_replicas_drop_dev(struct svm_ext_range *range, u32 d,
			       unsigned long start, unsigned long end,
			       bool invalidate);

/**
 * svm_ext_page_core() - the svm_ext device a page belongs to
 * @page: any page, or NULL
 *
 * Inline: the migration loops ask it of every page they move.
 *
 * Return: the device's core state, or NULL if @page is not an svm_ext
 * device page.
 */
static inline struct svm_ext_device_core *svm_ext_page_core(struct page *page)
{
	struct dev_pagemap *pgmap;

	if (!page || !is_device_private_page(page))
		return NULL;
	pgmap = page_pgmap(page);
	if (pgmap->owner != SVM_EXT_PGMAP_OWNER)
		return NULL;
	return container_of(pgmap, struct svm_ext_device_core, pgmap);
}

/*
 * The zone_device_data of an svm_ext device folio is non-NULL while the
 * folio holds the data of its addresses: set when it is allocated for a
 * move, cleared under the folio lock once a move has taken the data away
 * (the folio is then only waiting for its last reference).  Eviction takes
 * folios by pfn, not through a page table, so between a move's unlock and
 * its put it could catch such a folio; it skips folios without the mark.
 * The mark lives in the folio's first page (a tail page's field is the
 * folio's metadata); a split copies it to every new folio (folio_split).
 */
static inline void svm_ext_page_set_live(struct page *page,
					 struct svm_ext_device_core *core)
{
	folio_set_zone_device_data(page_folio(page), core);
}

static inline void svm_ext_page_clear_live(struct page *page)
{
	folio_set_zone_device_data(page_folio(page), NULL);
}

static inline bool svm_ext_page_live(struct page *page)
{
	return folio_zone_device_data(page_folio(page));
}

/* migrate.c */
long svm_ext_migrate_to_device(struct svm_ext_range *range,
			       struct vm_area_struct *vma, unsigned long start,
			       unsigned long end, struct svm_ext_device *dst,
			       u32 cause, struct svm_ext_fault_stats *stats);
long svm_ext_migrate_to_system(struct svm_ext_range *range,
			       struct vm_area_struct *vma,
			       unsigned long start, unsigned long end,
			       u64 keep_mask, struct page *fault_page,
			       u32 cause, struct svm_ext_fault_stats *stats);
int svm_ext_migrate_init(void);
void svm_ext_migrate_exit(void);

/* copy.c */
int svm_ext_copy_pages(struct page **dst, struct page **src,
		       unsigned long npages);

/* mm.c */
struct svm_ext_range *svm_ext_range_get(struct svm_ext_mm *smm,
					unsigned long addr);
void svm_ext_range_put(struct svm_ext_range *range);
void svm_ext_mm_exit(void);
extern unsigned int svm_ext_max_ranges;
void svm_ext_mm_note_cgroup(struct svm_ext_mm *smm, struct mm_struct *mm);
extern struct mutex svm_ext_mm_list_lock;
extern struct list_head svm_ext_mm_list;

/* debugfs.c */
void svm_ext_debugfs_init(void);
void svm_ext_debugfs_exit(void);

/* attr.c */
void svm_ext_attrs_init(struct svm_ext_mm *smm);
void svm_ext_attrs_fini(struct svm_ext_mm *smm);
void svm_ext_attrs_get(struct svm_ext_mm *smm, unsigned long addr,
		       struct svm_ext_attrs *out);
void svm_ext_attrs_unmapped(struct svm_ext_mm *smm, unsigned long start,
			    unsigned long end);
int svm_ext_attrs_store(struct svm_ext_mm *smm, unsigned long start,
			unsigned long end, u32 type, u64 value,
			unsigned int limit);

/* range_fault.c */
int svm_ext_hmm_fault_locked(struct svm_ext_range *range, unsigned long start,
			     unsigned long end, unsigned long *pfns,
			     unsigned long flags, const unsigned long *req);

/* fault.c */
void svm_ext_fault_req(unsigned long *req, struct svm_ext_range *range,
		       unsigned long start, unsigned long end,
		       unsigned long addr, const unsigned long *batch);
vm_fault_t svm_ext_cpu_fault(struct vm_fault *vmf);

/* default.c: the built-in default policy */
void svm_ext_default_fault(struct svm_ext_fault_ctx *ctx);
void svm_ext_default_cpu_fault(struct svm_ext_cpu_fault_ctx *ctx);

/*
 * The index of hook @op in struct svm_ext_ops, as bpf_prog's
 * expected_attach_type gives it: every member before flags is a function
 * pointer (as sched_ext's SCX_OP_IDX()).
 */
#define SVM_EXT_OP_IDX(op) \
	(offsetof(struct svm_ext_ops, op) / sizeof(void (*)(void)))

/* policy.c */
int svm_ext_policy_init(void);
void svm_ext_policy_exit(void);
void svm_ext_policy_fault(struct svm_ext_fault_ctx *ctx);
void svm_ext_policy_cpu_fault(struct svm_ext_cpu_fault_ctx *ctx);
int svm_ext_policy_advise(struct svm_ext_binding *b, unsigned long start,
			  unsigned long end, u32 type, u64 *value);
bool svm_ext_policy_has_evict(void);
bool svm_ext_policy_wants_counters(void);
void svm_ext_policy_evict(struct svm_ext_evict_req *req);
void svm_ext_policy_range_event(bool add, pid_t tgid, unsigned long start,
				unsigned long end);
void svm_ext_policy_migrated(pid_t tgid, u32 cause, u32 src, u32 dst,
			     unsigned long start, unsigned long end, u64 bytes);
void svm_ext_policy_invalidated(pid_t tgid, u32 event, unsigned long start,
				unsigned long end);
extern const struct attribute_group svm_ext_policy_attr_group;
struct bpf_prog_aux;
void svm_ext_error_eject(const struct bpf_prog_aux *aux, const char *msg);

/* kfuncs.c */
int svm_ext_kfuncs_register(void);

#endif /* _SVM_EXT_INTERNAL_H */
