// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: moving pages between system memory and devices.
 */

/**
 * DOC: Migration
 *
 * Every move through a page table is one migrate_vma_setup() / copy /
 * migrate_vma_pages() / migrate_vma_finalize() sequence over a window of at
 * most one range (2 MiB) of one VMA, with mmap_lock held for reading: one
 * page-table walk and one batch handed to the drivers' copy engines for up
 * to 512 pages.  Two directions:
 *
 * - To a device (svm_ext_migrate_to_device(), for device faults and
 *   prefetch): system pages, pages in other devices' memory (device to
 *   device) and not yet populated anonymous pages, which are allocated
 *   directly in device memory and zeroed there.  Pages already on the
 *   destination stay.  Destination pages come from the range's chunk on
 *   that device (svm_ext_devchunk_get(), which may evict another chunk
 *   first: DOC: Eviction), in 4 KiB pages (svm_ext_devmem_alloc_window())
 *   or as one 2 MiB folio.
 * - To system memory (svm_ext_migrate_to_system(), for CPU faults,
 *   prefetch, a fault decision for system memory, and pages a faulting
 *   device cannot map): device pages of the window, except those of the
 *   devices in a keep mask.  Destination pages come from one bulk
 *   allocation (it ignores the VMA's NUMA policy), then alloc_page_vma()
 *   for what it could not supply, and are marked dirty: after the move
 *   they hold the only copy of what the device may have written.
 *
 * Each pair is copied by the driver of its destination device, or of its
 * source device when the destination is system memory
 * (&svm_ext_device_ops.copy).  Pages that cannot move - locked by a
 * concurrent migration, pinned, no destination page to be had - stay where
 * they are, and the fault path maps them in place.  A failed copy drops
 * every destination of the batch, so nothing moves.  A failed move never
 * loses data: the CPU page table points at the source until
 * migrate_vma_pages() commits the copy.
 *
 * A window that is a whole aligned range asks for 2 MiB entries
 * (MIGRATE_VMA_SELECT_COMPOUND), on the way to a device only when the
 * device holds none of the range's pages yet: a transparent huge page, an
 * empty PMD of an anonymous VMA or a 2 MiB device folio then comes as one
 * entry and moves into one 2 MiB folio on the other side - a device folio
 * from svm_ext_devmem_alloc_folio(), or a THP on the way home unless the
 * VMA disables THP (MADV_NOHUGEPAGE, PR_SET_THP_DISABLE) or none is free.
 * Where the other side has no 2 MiB folio to give, every page of it gets a
 * 4 KiB page and migrate_vma_pages() splits the source.
 *
 * A source device page that moved loses its live mark (svm_ext_page_live())
 * while still locked, so eviction, which finds pages by pfn, skips it until
 * its last reference goes.  Every move is counted per device and per range,
 * traced (svm_ext:svm_ext_migrate) and reported to the policy
 * (&svm_ext_ops.migrated) with its cause and its source: one location, or
 * SVM_EXT_LOC_NONE for several.  Eviction moves pages home by pfn instead,
 * with migrate_device_range(), and needs no mm (DOC: Eviction).
 */
#include <linux/highmem.h>
#include <linux/huge_mm.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "internal.h"
#include "trace.h"

/* Scratch arrays of one migration window (at most one chunk). */
struct svm_ext_mig {
	unsigned long src[SVM_EXT_CHUNK_PAGES];
	unsigned long dst[SVM_EXT_CHUNK_PAGES];
	struct page *spages[SVM_EXT_CHUNK_PAGES];
	struct page *dpages[SVM_EXT_CHUNK_PAGES];
	bool want[SVM_EXT_CHUNK_PAGES];
	struct page *bulk[SVM_EXT_CHUNK_PAGES];
};

/*
 * Every device fault of a large range takes one: a cache of them keeps
 * 20 KiB allocations (and zeroing all of it) off the page allocator.
 */
static struct kmem_cache *svm_ext_mig_cache;

/* Scratch space and migrate_vma_setup() for a window of one VMA. */
static struct svm_ext_mig *svm_ext_mig_setup(struct migrate_vma *args,
					     struct vm_area_struct *vma,
					     unsigned long start,
					     unsigned long end, unsigned long flags,
					     struct page *fault_page, int *err)
{
	unsigned long npages = (end - start) >> PAGE_SHIFT;
	struct svm_ext_mig *m = kmem_cache_alloc(svm_ext_mig_cache, GFP_KERNEL);

	if (!m) {
		*err = -ENOMEM;
		return NULL;
	}
	/* src is filled by migrate_vma_setup(); want and bulk by the caller */
	memset(m->dst, 0, npages * sizeof(*m->dst));
	memset(m->spages, 0, npages * sizeof(*m->spages));
	memset(m->dpages, 0, npages * sizeof(*m->dpages));
	args->vma = vma;
	args->start = start;
	args->end = end;
	args->src = m->src;
	args->dst = m->dst;
	args->pgmap_owner = SVM_EXT_PGMAP_OWNER;
	args->flags = flags;
	args->fault_page = fault_page;
	*err = migrate_vma_setup(args);
	if (*err) {
		kmem_cache_free(svm_ext_mig_cache, m);
		return NULL;
	}
	return m;
}

/* Give back every destination (a 2 MiB folio is one dst entry). */
static void svm_ext_mig_drop_dst(struct svm_ext_mig *m, unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++) {
		struct page *d = migrate_pfn_to_page(m->dst[i]);

		if (d) {
			folio_unlock(page_folio(d));
			folio_put(page_folio(d));
		}
		m->dst[i] = 0;
		m->dpages[i] = NULL;
	}
}

/*
 * End a collected window with nothing moved (every page stays where it
 * was) and free its scratch space: for a window to be collected again
 * without MIGRATE_VMA_SELECT_COMPOUND.
 *
 * Why a 2 MiB source whose destination cannot be 2 MiB takes that detour
 * instead of going to migrate_vma_pages() with 4 KiB destinations: there
 * (Linux 7.3.4) the folio is split with the PMD of the moving VMA alone,
 * while the same folio's PMD in a fork child - a migration entry by then -
 * is left pointing into the split folio, and finalizing the move maps a
 * 4 KiB page through it (VM_BUG_ON_FOLIO in remove_migration_pte()).
 * Collected without COMPOUND, the folio is split by split_folio(), which
 * remaps every mapping of it.
 */
static void svm_ext_mig_abort(struct migrate_vma *args, struct svm_ext_mig *m,
			      unsigned long npages)
{
	svm_ext_mig_drop_dst(m, npages);
	migrate_vma_finalize(args);
	kmem_cache_free(svm_ext_mig_cache, m);
}

/*
 * A window can move as one 2 MiB folio only if it is a whole aligned
 * chunk; then migrate_vma_setup() reports a THP (or an empty PMD) as one
 * MIGRATE_PFN_COMPOUND entry followed by 511 empty ones.
 */
static bool svm_ext_mig_whole(unsigned long start, unsigned long npages)
{
	return npages == SVM_EXT_CHUNK_PAGES &&
	       IS_ALIGNED(start, SVM_EXT_CHUNK_SIZE);
}

/* Pages moved by entry @i after migrate_vma_pages(): 0, 1 or 512. */
static unsigned long svm_ext_mig_moved(const struct svm_ext_mig *m,
				       unsigned long i)
{
	if (!m->dst[i] || !(m->src[i] & MIGRATE_PFN_MIGRATE))
		return 0;
	return m->dst[i] & MIGRATE_PFN_COMPOUND ? SVM_EXT_CHUNK_PAGES : 1;
}

/* The pages of a 2 MiB source (a THP, a device folio, or nothing) as pairs. */
static void svm_ext_mig_pairs(struct svm_ext_mig *m, struct page *spage,
			      struct page *dhead)
{
	unsigned long i;

	for (i = 0; i < SVM_EXT_CHUNK_PAGES; i++) {
		m->spages[i] = spage ? spage + i : NULL;
		m->dpages[i] = dhead ? dhead + i : NULL;
	}
}

/* No source yet (for svm_ext_merge_src()); never a valid location. */
#define SVM_EXT_SRC_UNSET	0xfffffffdu

/* The source of a move: one location, or SVM_EXT_LOC_NONE for several. */
static u32 svm_ext_merge_src(u32 src, u32 loc)
{
	return src == SVM_EXT_SRC_UNSET || src == loc ? loc : SVM_EXT_LOC_NONE;
}

/**
 * svm_ext_migrate_to_device() - move a window of a range into a device
 * @range: the range containing the window
 * @vma: the VMA containing the window (mmap_lock held)
 * @start: page-aligned window start
 * @end: page-aligned window end, at most @range->end
 * @dst: destination device
 * @cause: why (enum svm_ext_cause), for the policy's migrated notification
 * @stats: accounting (may be NULL)
 *
 * Moves system pages, unpopulated anonymous pages (allocated directly in
 * device memory, zeroed) and pages on other devices.  Pages already on @dst
 * or that cannot move stay.
 *
 * Context: mmap_lock held for reading; may sleep (copies, eviction).
 *
 * Return: pages moved, or a negative errno from migrate_vma_setup().
 */
long svm_ext_migrate_to_device(struct svm_ext_range *range,
			       struct vm_area_struct *vma, unsigned long start,
			       unsigned long end, struct svm_ext_device *dst,
			       u32 cause, struct svm_ext_fault_stats *stats)
{
	unsigned long npages = (end - start) >> PAGE_SHIFT, i, nr;
	unsigned long flags = MIGRATE_VMA_SELECT_SYSTEM |
			      MIGRATE_VMA_SELECT_DEVICE_PRIVATE;
	struct svm_ext_devchunk *chunk = NULL;
	struct migrate_vma args = {};
	struct svm_ext_mig *m;
	long moved = 0, from_sys = 0, folios = 0;
	u32 src = SVM_EXT_SRC_UNSET;	/* no source seen yet */
	bool whole = svm_ext_mig_whole(start, npages);
	int ret;

	if (WARN_ON_ONCE(npages > SVM_EXT_CHUNK_PAGES || start < range->start ||
			 end > range->end))
		return -EINVAL;
	/*
	 * Ask for 2 MiB entries only when the device chunk can take a 2 MiB
	 * folio: with some of the range's pages already in it, an empty PMD
	 * must come as 512 entries, which 4 KiB pages can fill one by one.
	 */
	if (whole && svm_ext_devmem_range_empty(dst->core, range))
		flags |= MIGRATE_VMA_SELECT_COMPOUND;
again:
	m = svm_ext_mig_setup(&args, vma, start, end, flags, NULL, &ret);
	if (!m)
		return ret;

	if ((m->src[0] & MIGRATE_PFN_COMPOUND) &&
	    (m->src[0] & MIGRATE_PFN_MIGRATE)) {
		struct page *spage = migrate_pfn_to_page(m->src[0]);
		bool here = spage && svm_ext_page_core(spage) == dst->core;
		struct page *head = NULL;
		unsigned long write = MIGRATE_PFN_WRITE;

		if (!(m->src[0] & MIGRATE_PFN_WRITE) &&
		    (spage || !(vma->vm_flags & VM_WRITE)))
			write = 0;
		if (!here) {
			chunk = svm_ext_devchunk_get(dst->core, range, stats);
			head = svm_ext_devmem_alloc_folio(dst->core, chunk,
							  range);
		}
		if (head) {
			svm_ext_mig_pairs(m, spage, head);
			m->dst[0] = migrate_pfn(page_to_pfn(head)) |
				    MIGRATE_PFN_COMPOUND | write;
		} else if (!here && spage && chunk) {
			/* room, but no 2 MiB folio, for a 2 MiB source: split it */
			svm_ext_mig_abort(&args, m, npages);
			svm_ext_devchunk_put_unused(dst->core, chunk, range);
			chunk = NULL;
			flags &= ~MIGRATE_VMA_SELECT_COMPOUND;
			goto again;
		} else if (!here && !spage) {
			/*
			 * No 2 MiB folio for an empty PMD: 4 KiB pages, every
			 * entry filled or none.  (A 2 MiB source with no room
			 * at all does not move, and stays whole.)
			 */
			for (i = 0; i < npages; i++)
				m->want[i] = true;
			if (!chunk)
				chunk = svm_ext_devchunk_get(dst->core, range,
							     stats);
			nr = svm_ext_devmem_alloc_window(dst->core, chunk,
							 range, start, npages,
							 m->want, m->dpages);
			for (i = 0; i < npages; i++)
				if (m->dpages[i])
					m->dst[i] = migrate_pfn(page_to_pfn(m->dpages[i])) |
						    write;
			if (nr != npages)
				svm_ext_mig_drop_dst(m, npages);
		}
	} else {
		for (i = 0; i < npages; i++) {
			struct page *spage = migrate_pfn_to_page(m->src[i]);

			m->want[i] = (m->src[i] & MIGRATE_PFN_MIGRATE) &&
				     !(spage && svm_ext_page_core(spage) == dst->core);
		}
		/* nothing to place: take no chunk for it */
		if (memchr_inv(m->want, 0, npages * sizeof(*m->want)))
			chunk = svm_ext_devchunk_get(dst->core, range, stats);
		svm_ext_devmem_alloc_window(dst->core, chunk, range, start,
					    npages, m->want, m->dpages);
		for (i = 0; i < npages; i++) {
			struct page *spage = migrate_pfn_to_page(m->src[i]);

			if (!m->dpages[i])
				continue;
			m->spages[i] = spage;
			m->dst[i] = migrate_pfn(page_to_pfn(m->dpages[i]));
			if ((m->src[i] & MIGRATE_PFN_WRITE) ||
			    (!spage && (vma->vm_flags & VM_WRITE)))
				m->dst[i] |= MIGRATE_PFN_WRITE;
		}
	}
	if (svm_ext_copy_pages(m->dpages, m->spages, npages))
		svm_ext_mig_drop_dst(m, npages);

	migrate_vma_pages(&args);
	for (i = 0; i < npages; i++) {
		struct svm_ext_device_core *score;

		nr = svm_ext_mig_moved(m, i);
		if (!nr)
			continue;
		moved += nr;
		folios += nr > 1;
		score = svm_ext_page_core(m->spages[i]);
		if (score) {
			svm_ext_page_clear_live(m->spages[i]);
			atomic64_add(nr, &score->cnt.pages_from_dev);
			atomic64_add(nr > 1, &score->cnt.folios_from_dev);
			if (stats)
				stats->pages_peer += nr;
		} else {
			from_sys += nr;
		}
		src = svm_ext_merge_src(src, score ? score->dev->index :
						       SVM_EXT_LOC_SYSTEM);
	}
	migrate_vma_finalize(&args);

	atomic64_add(moved, &dst->core->cnt.pages_to_dev);
	atomic64_add(folios, &dst->core->cnt.folios_to_dev);
	atomic64_add(moved, &range->cnt.pages_in);
	atomic64_add(folios, &range->cnt.folios_in);
	if (stats) {
		stats->pages_to_dev += moved;
		stats->folios_to_dev += folios;
	}
	trace_svm_ext_migrate(start, end, SVM_EXT_LOC_SYSTEM, dst->index,
			      moved, from_sys);
	if (moved)
		svm_ext_policy_migrated(current->tgid, cause, src, dst->index,
					start, end, (u64)moved << PAGE_SHIFT);
	kmem_cache_free(svm_ext_mig_cache, m);
	return moved;
}

/*
 * System pages for the device pages of a window that go home: a 2 MiB
 * folio for a 2 MiB device folio where the allocator has one at hand, else
 * (but for a CPU fault's folio, below) -EAGAIN before anything is
 * allocated: the window is then collected again without
 * MIGRATE_VMA_SELECT_COMPOUND (svm_ext_mig_abort() says why).  One
 * bulk allocation for the 4 KiB pages (5x cheaper than a page at a time);
 * it ignores the VMA's NUMA mempolicy, which the kernel does not export a
 * bulk variant for; pages the bulk call could not supply fall back to
 * alloc_page_vma().  Return: 0 or -EAGAIN; *@fault_page_oom tells whether
 * @fault_page got no destination.
 */
static int svm_ext_mig_sys_alloc(struct svm_ext_mig *m,
				 struct vm_area_struct *vma,
				 unsigned long start, unsigned long npages,
				 u64 keep_mask, struct page *fault_page,
				 bool *fault_page_oom)
{
	unsigned long want = 0, got, i, j;

	/* the loop below skips the 511 entries after a 2 MiB one */
	memset(m->want, 0, npages * sizeof(*m->want));
	for (i = 0; i < npages; i++) {
		struct page *spage = migrate_pfn_to_page(m->src[i]);
		struct svm_ext_device_core *core = svm_ext_page_core(spage);
		unsigned long write = m->src[i] & MIGRATE_PFN_WRITE;
		struct folio *folio;

		m->want[i] = (m->src[i] & MIGRATE_PFN_MIGRATE) && core &&
			     !(keep_mask & BIT_ULL(core->dev->index));
		if (!m->want[i] || !(m->src[i] & MIGRATE_PFN_COMPOUND)) {
			want += m->want[i];
			continue;
		}
		/* MADV_NOHUGEPAGE and PR_SET_THP_DISABLE hold on the way back */
		folio = vma_thp_disabled(vma, vma->vm_flags, false) ? NULL :
			vma_alloc_folio(GFP_TRANSHUGE_LIGHT | __GFP_NOWARN,
					SVM_EXT_CHUNK_ORDER, vma, start);
		if (folio) {
			folio_lock(folio);
			svm_ext_mig_pairs(m, spage, &folio->page);
			m->dst[i] = migrate_pfn(folio_pfn(folio)) |
				    MIGRATE_PFN_COMPOUND | write;
			m->want[i] = false;
			i += SVM_EXT_CHUNK_PAGES - 1;
			continue;
		}
		if (!fault_page)
			return -EAGAIN;	/* only a whole window is compound */
		/*
		 * A CPU fault holds a reference to the folio, so
		 * migrate_vma_pages() cannot split it: with 4 KiB pages it
		 * only turns this VMA's PMD into PTEs and moves nothing, and
		 * svm_ext_cpu_fault() tries again, when the kernel splits the
		 * PTE-mapped folio with split_folio() (every mapping of it).
		 */
		for (j = 0; j < SVM_EXT_CHUNK_PAGES; j++) {
			m->want[i + j] = true;
			m->spages[i + j] = spage + j;
			m->dst[i + j] = write;	/* flags until a page comes */
		}
		want += SVM_EXT_CHUNK_PAGES;
		i += SVM_EXT_CHUNK_PAGES - 1;
	}
	/* the bulk allocator fills only the NULL slots */
	memset(m->bulk, 0, want * sizeof(*m->bulk));
	got = want ? alloc_pages_bulk(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN,
				      want, m->bulk) : 0;
	for (i = 0, j = 0; i < npages; i++) {
		unsigned long addr = start + (i << PAGE_SHIFT);
		struct page *spage = m->spages[i] ?: migrate_pfn_to_page(m->src[i]);
		unsigned long write = m->dst[i] & MIGRATE_PFN_WRITE;
		struct page *dpage;

		if (!m->want[i])
			continue;
		if (!m->spages[i] && (m->src[i] & MIGRATE_PFN_WRITE))
			write = MIGRATE_PFN_WRITE;
		if (j < got)
			dpage = m->bulk[j++];
		else
			dpage = alloc_page_vma(GFP_HIGHUSER_MOVABLE |
					       __GFP_NOWARN, vma, addr);
		if (!dpage) {
			m->dst[i] = 0;
			m->spages[i] = NULL;
			if (spage == fault_page)
				*fault_page_oom = true;
			continue;
		}
		__SetPageLocked(dpage);
		m->spages[i] = spage;
		m->dpages[i] = dpage;
		m->dst[i] = migrate_pfn(page_to_pfn(dpage)) | write;
	}
	/* unused bulk pages (a slot whose source went) go back */
	while (j < got)
		__free_page(m->bulk[j++]);
	return 0;
}

/**
 * svm_ext_migrate_to_system() - bring device pages of a window home
 * @range: the range the window is in, for its counters; NULL when the
 *	caller has none (a CPU fault: the device chunk's range is used)
 * @vma: the VMA containing the window (mmap_lock held)
 * @start: page-aligned window start
 * @end: page-aligned window end (at most one chunk away from @start)
 * @keep_mask: devices whose pages stay where they are
 * @fault_page: the page of a CPU fault in progress, or NULL
 * @cause: why (enum svm_ext_cause), for the policy's migrated notification
 * @stats: accounting (may be NULL)
 *
 * A whole aligned chunk held by one 2 MiB device folio comes back as one
 * 2 MiB folio (a THP again) when the page allocator has one to give.
 *
 * Context: mmap_lock held for reading; may sleep.
 *
 * Return: pages moved, -ENOMEM when @fault_page could not be given a
 * system page, or a negative errno from migrate_vma_setup().
 */
long svm_ext_migrate_to_system(struct svm_ext_range *range,
			       struct vm_area_struct *vma,
			       unsigned long start, unsigned long end,
			       u64 keep_mask, struct page *fault_page,
			       u32 cause, struct svm_ext_fault_stats *stats)
{
	unsigned long npages = (end - start) >> PAGE_SHIFT, i, nr;
	unsigned long flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE;
	struct migrate_vma args = {};
	struct svm_ext_mig *m;
	struct page *first = NULL;
	bool fault_page_oom;
	u32 src = SVM_EXT_SRC_UNSET;
	long moved = 0, folios = 0;
	int ret;

	if (WARN_ON_ONCE(npages > SVM_EXT_CHUNK_PAGES))
		return -EINVAL;
	if (svm_ext_mig_whole(start, npages))
		flags |= MIGRATE_VMA_SELECT_COMPOUND;
again:
	m = svm_ext_mig_setup(&args, vma, start, end, flags, fault_page, &ret);
	if (!m)
		return ret;

	fault_page_oom = false;
	if (svm_ext_mig_sys_alloc(m, vma, start, npages, keep_mask, fault_page,
				  &fault_page_oom)) {
		svm_ext_mig_abort(&args, m, npages);
		flags &= ~MIGRATE_VMA_SELECT_COMPOUND;
		goto again;
	}
	if (svm_ext_copy_pages(m->dpages, m->spages, npages)) {
		svm_ext_mig_drop_dst(m, npages);
		fault_page_oom = fault_page != NULL;
	}

	migrate_vma_pages(&args);
	for (i = 0; i < npages; i++) {
		struct svm_ext_device_core *score;

		nr = svm_ext_mig_moved(m, i);
		if (!nr)
			continue;
		moved += nr;
		folios += nr > 1;
		if (!first)
			first = m->spages[i];
		/*
		 * The device may have written the data while it held it;
		 * this folio is now its only copy and must never pass for a
		 * clean one that reclaim may drop.
		 */
		folio_mark_dirty(page_folio(migrate_pfn_to_page(m->dst[i])));
		score = svm_ext_page_core(m->spages[i]);
		svm_ext_page_clear_live(m->spages[i]);
		atomic64_add(nr, &score->cnt.pages_from_dev);
		atomic64_add(nr > 1, &score->cnt.folios_from_dev);
		src = svm_ext_merge_src(src, score->dev->index);
	}
	/* the source pages are still ours: their chunk knows its range */
	if (moved)
		svm_ext_devmem_count_out(range, first, moved, folios);
	migrate_vma_finalize(&args);
	if (stats) {
		stats->pages_from_dev += moved;
		stats->folios_from_dev += folios;
	}
	trace_svm_ext_migrate(start, end, SVM_EXT_LOC_NONE, SVM_EXT_LOC_SYSTEM,
			      moved, 0);
	if (moved)
		svm_ext_policy_migrated(current->tgid, cause, src,
					SVM_EXT_LOC_SYSTEM, start, end,
					(u64)moved << PAGE_SHIFT);
	kmem_cache_free(svm_ext_mig_cache, m);
	return fault_page_oom ? -ENOMEM : moved;
}

/**
 * svm_ext_migrate_init() - create the migration scratch cache
 *
 * Return: 0 or -ENOMEM.
 */
int svm_ext_migrate_init(void)
{
	svm_ext_mig_cache = KMEM_CACHE(svm_ext_mig, 0);
	return svm_ext_mig_cache ? 0 : -ENOMEM;
}

/** svm_ext_migrate_exit() - destroy the migration scratch cache */
void svm_ext_migrate_exit(void)
{
	kmem_cache_destroy(svm_ext_mig_cache);
}
