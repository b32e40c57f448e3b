// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: device memory and eviction.
 */

/**
 * DOC: Device memory
 *
 * Each device's memory is a range of device-private struct pages created
 * with memremap_pages() when the device registers, cut into 2 MiB chunks
 * (struct svm_ext_devchunk).  A chunk holds the pages of one range (one
 * 2 MiB piece of one address space) at a time, the page for address A at
 * offset (A % 2 MiB) / PAGE_SIZE, so its pages are found by pfn alone.
 *
 * A chunk is on the device's free list until a move to the device needs
 * room for a range that has none there; it then goes to the tail of the
 * device's LRU list and is that range's until it is evicted or the range
 * goes.  A chunk none of whose pages is in use any more returns to the
 * free list.  Pages are handed out one by one
 * (svm_ext_devmem_alloc_window()), or, where a whole range moves at once
 * and none of its pages is on the device yet, as one 2 MiB compound
 * device-private folio (svm_ext_devmem_alloc_folio()), which the CPU maps
 * with one PMD and the device with one entry; the kernel splits it when
 * only part of it is unmapped, protected or moved.  Chunks holding
 * read-mostly copies are on neither list (DOC: Read-mostly copies).
 *
 * Pages come back through the pagemap's folio_free callback, which can run
 * in atomic context: the chunk lists and per-chunk state are under a
 * spinlock.  A device that unregisters first brings every page still in
 * its memory home, for as long as that takes (svm_ext_devmem_fini()).
 */

/**
 * DOC: Eviction
 *
 * A device has no background reclaim: room is made when a move to the
 * device finds no free chunk (svm_ext_devchunk_alloc()).  Each of up to
 * four rounds, until a chunk is free:
 *
 * 1. a chunk the range got meanwhile from a concurrent fault is used, else
 *    the first free chunk is taken;
 * 2. a device holding read-mostly copies drops them first, as they are
 *    only copies (svm_ext_replicas_reclaim(), which skips contexts whose
 *    locks are busy);
 * 3. under the device's evict_lock, one eviction at a time: with a policy
 *    that has an evict hook, the core snapshots the LRU list (coldest
 *    first; neither the chunk of the range that needs room nor chunks
 *    already being evicted) into struct svm_ext_chunk_info records, the
 *    hook names up to SVM_EXT_EVICT_BATCH victims (svm_ext_evict_choose()),
 *    and each is claimed only if it still holds the allocation the
 *    snapshot showed, for the same range: a chunk freed and handed out
 *    again since, even at the same address, is skipped.  Claiming stops
 *    as soon as some chunk is free;
 * 4. without a policy's victim, the least recently used chunk goes;
 * 5. each victim is evicted: its pages in use are moved to system memory
 *    by pfn with migrate_device_range(), which needs no mm and so no
 *    mmap_lock of the owning process, which may not be the faulting one.
 *    A 2 MiB device folio moves into a 2 MiB system folio or not at all
 *    (the kernel splits a device folio only through a page table); pages
 *    that cannot move now stay, and the chunk is freed when they go.
 *
 * Chunks reach the tail of the LRU list when allocated and at every device
 * fault in their range by their device (svm_ext_devmem_touch()), so the
 * head is the chunk whose device touched it least recently.  Evicted pages
 * always go to system memory: the faults that follow decide where they go
 * next.  A move that finds no chunk even after four rounds leaves its pages
 * where they are, mapped in place.  Each eviction is counted in the device's
 * counters and the caller's stats and traced (svm_ext:svm_ext_evict); the
 * pages it moved are reported to the policy as a migration with cause
 * SVM_EXT_CAUSE_EVICT.
 */
#include <linux/delay.h>
#include <linux/error-injection.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "internal.h"
#include "trace.h"

/*
 * A chunk that holds no page (its last page went, or it was taken for a
 * window none of whose pages could move) goes back to the free list.  One
 * left out would be lost to the device for good: it is no range's any more
 * once the range goes, and eviction only takes chunks that hold something.
 * A chunk being evicted is freed by the eviction.  Under core->lock.
 */
static void svm_ext_devchunk_put_empty(struct svm_ext_device_core *core,
				       struct svm_ext_devchunk *chunk)
{
	if (chunk->used || chunk->evicting)
		return;
	if (chunk->replica) {
		if (chunk->range)
			chunk->range->replica[core->dev->index] = NULL;
		chunk->replica = false;
		core->nreplica--;
	} else if (chunk->range) {
		chunk->range->devchunk[core->dev->index] = NULL;
	}
	chunk->range = NULL;
	list_move_tail(&chunk->node, &core->free_list);
	core->nfree++;
}

/*
 * A device folio's last reference went: its pages (one, or 512 for a 2 MiB
 * folio) are free again.  May run in atomic context.
 */
static void svm_ext_folio_free(struct folio *folio)
{
	struct svm_ext_device_core *core =
		container_of(folio->pgmap, struct svm_ext_device_core, pgmap);
	unsigned long off = folio_pfn(folio) - core->pfn_first;
	unsigned long nr = folio_nr_pages(folio), bit = off % SVM_EXT_CHUNK_PAGES;
	struct svm_ext_devchunk *chunk = &core->chunks[off / SVM_EXT_CHUNK_PAGES];
	unsigned long flags;

	spin_lock_irqsave(&core->lock, flags);
	if (!WARN_ON_ONCE(bit + nr > SVM_EXT_CHUNK_PAGES ||
			  find_next_zero_bit(chunk->used_map, bit + nr, bit) <
			  bit + nr)) {
		bitmap_clear(chunk->used_map, bit, nr);
		chunk->used -= nr;
		svm_ext_devchunk_put_empty(core, chunk);
	}
	spin_unlock_irqrestore(&core->lock, flags);
}

/*
 * A 2 MiB device folio is being split (partial munmap, mprotect, a CPU
 * fault or a move of part of it): each new folio keeps the device's
 * pagemap, the anon mapping and the live mark.  The chunk's bookkeeping is
 * per page already, so it needs nothing: each piece frees its own pages.
 * @tail is NULL once every new folio is done.
 */
static void svm_ext_folio_split(struct folio *head, struct folio *tail)
{
	if (!tail)
		return;
	tail->pgmap = head->pgmap;
	tail->page.mapping = head->page.mapping;
	folio_set_zone_device_data(tail, folio_zone_device_data(head));
}

const struct dev_pagemap_ops svm_ext_pagemap_ops = {
	.folio_free = svm_ext_folio_free,
	.folio_split = svm_ext_folio_split,
	.migrate_to_ram = svm_ext_cpu_fault,
};

/**
 * svm_ext_devmem_used_pages() - pages of a device's memory in use
 * @core: the device
 *
 * Context: Any context.
 *
 * Return: the pages in use in all its chunks, copies included.
 */
u64 svm_ext_devmem_used_pages(struct svm_ext_device_core *core)
{
	unsigned long flags;
	u64 used = 0;
	unsigned int i;

	spin_lock_irqsave(&core->lock, flags);
	for (i = 0; i < core->nchunks; i++)
		used += core->chunks[i].used;
	spin_unlock_irqrestore(&core->lock, flags);
	return used;
}

/**
 * svm_ext_devmem_init() - create a device's memory
 * @core: the device being registered
 * @parent: the driver's device, for the NUMA node of the struct pages (may
 *	be NULL: the current node)
 * @bytes: size, a multiple of 2 MiB
 *
 * Reserves a free physical address range, creates device-private struct
 * pages over it with memremap_pages(), puts every chunk on the free list
 * and lets the driver set up what backs the pages
 * (&svm_ext_device_ops.devmem_init).
 *
 * Context: Process context; may sleep.
 *
 * Return: 0, or a negative errno with nothing left behind.
 */
int svm_ext_devmem_init(struct svm_ext_device_core *core, struct device *parent,
			u64 bytes)
{
	unsigned int i;
	void *addr;
	int ret;

	spin_lock_init(&core->lock);
	mutex_init(&core->evict_lock);
	INIT_LIST_HEAD(&core->free_list);
	INIT_LIST_HEAD(&core->lru);

	core->nchunks = bytes >> SVM_EXT_CHUNK_SHIFT;
	core->chunks = kvcalloc(core->nchunks, sizeof(*core->chunks), GFP_KERNEL);
	if (!core->chunks)
		return -ENOMEM;

	core->res = request_free_mem_region(&iomem_resource, bytes, "svm_ext");
	if (IS_ERR(core->res)) {
		ret = PTR_ERR(core->res);
		goto err_chunks;
	}
	core->pgmap.type = MEMORY_DEVICE_PRIVATE;
	core->pgmap.range.start = core->res->start;
	core->pgmap.range.end = core->res->end;
	core->pgmap.nr_range = 1;
	core->pgmap.ops = &svm_ext_pagemap_ops;
	core->pgmap.owner = svm_ext_pgmap_owner;
	addr = memremap_pages(&core->pgmap,
			      parent ? dev_to_node(parent) : numa_node_id());
	if (IS_ERR(addr)) {
		ret = PTR_ERR(addr);
		goto err_release;
	}
	core->pfn_first = core->res->start >> PAGE_SHIFT;
	core->npages = bytes >> PAGE_SHIFT;

	for (i = 0; i < core->nchunks; i++) {
		struct svm_ext_devchunk *c = &core->chunks[i];

		c->core = core;
		c->pfn_first = core->pfn_first + i * SVM_EXT_CHUNK_PAGES;
		list_add_tail(&c->node, &core->free_list);
	}
	core->nfree = core->nchunks;

	if (core->dev->ops->devmem_init) {
		ret = core->dev->ops->devmem_init(core->dev,
						  pfn_to_page(core->pfn_first),
						  core->npages);
		if (ret)
			goto err_unmap;
	}
	return 0;

err_unmap:
	memunmap_pages(&core->pgmap);
err_release:
	if (!IS_ERR(core->res))
		release_mem_region(core->res->start, resource_size(core->res));
err_chunks:
	kvfree(core->chunks);
	return ret;
}

/* Scratch arrays of one chunk's eviction. */
struct svm_ext_evict_buf {
	unsigned long src[SVM_EXT_CHUNK_PAGES];
	unsigned long dst[SVM_EXT_CHUNK_PAGES];
	struct page *spages[SVM_EXT_CHUNK_PAGES];
	struct page *dpages[SVM_EXT_CHUNK_PAGES];
	DECLARE_BITMAP(used, SVM_EXT_CHUNK_PAGES);
};

/*
 * Move every in-use page of @chunk to system memory.  Pages that cannot be
 * moved right now (locked by a concurrent migration) stay; the caller looks
 * at chunk->used afterwards.
 *
 * A 2 MiB folio goes into a 2 MiB system folio (reclaim and compaction
 * allowed).  Without one it stays on the device: splitting a device folio
 * needs the mm (migrate_vma_*() split it on every other path) and eviction
 * works by pfn without one, as the kernel exports no split for a folio
 * alone; the device then evicts another chunk.
 */
static unsigned long svm_ext_devchunk_evict_buf(struct svm_ext_devchunk *chunk,
						struct svm_ext_evict_buf *eb,
						unsigned long *folios)
{
	unsigned long *src = eb->src, *dst = eb->dst;
	struct page **spages = eb->spages, **dpages = eb->dpages;
	unsigned long i, j, moved = 0;

	memset(src, 0, sizeof(eb->src));
	memset(dst, 0, sizeof(eb->dst));
	memset(spages, 0, sizeof(eb->spages));
	memset(dpages, 0, sizeof(eb->dpages));
	*folios = 0;
	/*
	 * Only runs of pages in use: a free page that was a tail of a 2 MiB
	 * folio still points at its old head, and migrate_device_range()
	 * would take it for that folio.  The chunk is claimed for eviction,
	 * so nothing new lands in it meanwhile.
	 */
	spin_lock_irq(&chunk->core->lock);
	bitmap_copy(eb->used, chunk->used_map, SVM_EXT_CHUNK_PAGES);
	spin_unlock_irq(&chunk->core->lock);
	for_each_set_bitrange(i, j, eb->used, SVM_EXT_CHUNK_PAGES)
		migrate_device_range(src + i, chunk->pfn_first + i, j - i);
	for (i = 0; i < SVM_EXT_CHUNK_PAGES; i++) {
		struct page *spage = migrate_pfn_to_page(src[i]);
		struct folio *dfolio;

		if (!spage || !(src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		if (!svm_ext_page_live(spage)) {
			/* moved away already, or a copy: not ours to move */
			src[i] &= ~MIGRATE_PFN_MIGRATE;
			continue;
		}
		/*
		 * No fallback on failure: the page simply stays on the device
		 * and migrate_device_finalize() restores its mapping.
		 */
		if (src[i] & MIGRATE_PFN_COMPOUND) {
			dfolio = folio_alloc(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN,
					     SVM_EXT_CHUNK_ORDER);
			if (!dfolio) {
				src[i] &= ~MIGRATE_PFN_MIGRATE;
				break;
			}
			folio_lock(dfolio);
			dst[i] = migrate_pfn(folio_pfn(dfolio)) |
				 MIGRATE_PFN_COMPOUND;
			for (j = 0; j < SVM_EXT_CHUNK_PAGES - i; j++) {
				spages[i + j] = spage + j;
				dpages[i + j] = folio_page(dfolio, j);
			}
			i += SVM_EXT_CHUNK_PAGES - 1;
			continue;
		}
		dfolio = folio_alloc(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, 0);
		if (!dfolio)
			continue;
		folio_lock(dfolio);
		spages[i] = spage;
		dpages[i] = &dfolio->page;
		dst[i] = migrate_pfn(folio_pfn(dfolio));
	}
	if (svm_ext_copy_pages(dpages, spages, SVM_EXT_CHUNK_PAGES)) {
		/* data stays on the device: drop every destination */
		for (i = 0; i < SVM_EXT_CHUNK_PAGES; i++) {
			struct page *d = migrate_pfn_to_page(dst[i]);

			if (d) {
				folio_unlock(page_folio(d));
				folio_put(page_folio(d));
				dst[i] = 0;
			}
		}
	}
	migrate_device_pages(src, dst, SVM_EXT_CHUNK_PAGES);
	for (i = 0; i < SVM_EXT_CHUNK_PAGES; i++) {
		if (dst[i] && (src[i] & MIGRATE_PFN_MIGRATE)) {
			unsigned long nr = dst[i] & MIGRATE_PFN_COMPOUND ?
					   SVM_EXT_CHUNK_PAGES : 1;

			svm_ext_page_clear_live(spages[i]);
			/* the device's writes live only here now (migrate.c) */
			folio_mark_dirty(page_folio(dpages[i]));
			moved += nr;
			*folios += nr > 1;
		}
	}
	migrate_device_finalize(src, dst, SVM_EXT_CHUNK_PAGES);
	return moved;
}

/* svm_ext_devchunk_evict_buf() with scratch space of its own. */
static unsigned long svm_ext_devchunk_evict(struct svm_ext_devchunk *chunk,
					    unsigned long *folios)
{
	struct svm_ext_evict_buf *eb;
	unsigned long moved;

	*folios = 0;
	eb = kvmalloc_obj(*eb, GFP_KERNEL);
	if (!eb)
		return 0;
	moved = svm_ext_devchunk_evict_buf(chunk, eb, folios);
	kvfree(eb);
	return moved;
}

/**
 * svm_ext_victim_claim() - take a chunk out of service for eviction
 * @core: its device
 * @c: the chunk
 * @keep: the range that needs room (its chunk is never taken)
 * @v: filled with the victim
 *
 * Context: core->lock held.
 * Return: false, taking nothing, when @c is already going, holds @keep's
 * pages or is free.
 */
bool svm_ext_victim_claim(struct svm_ext_device_core *core,
			  struct svm_ext_devchunk *c, struct svm_ext_range *keep,
			  struct svm_ext_victim *v)
{
	struct svm_ext_range *r = c->range;

	lockdep_assert_held(&core->lock);
	if (c->evicting || r == keep || (!r && !c->used))
		return false;
	v->chunk = c;
	v->addr = r ? r->start : 0;
	v->tgid = r ? r->smm->tgid : 0;
	c->evicting = true;
	if (r)
		r->devchunk[core->dev->index] = NULL;
	c->range = NULL;
	return true;
}

/*
 * Whose a chunk was when the policy's snapshot was taken: the range (2 MiB
 * of one mm's address space) and the allocation (a chunk freed and handed out
 * again, to another process at the same address or to a new range of the
 * same one, gets a new alloc_ns).
 */
struct svm_ext_victim_snap {
	struct svm_ext_range *range;
	u64 alloc_ns;
};

/*
 * Ask the policy which chunks go: a snapshot of the LRU list (coldest
 * first) is what its evict hook iterates.  Each victim it names is claimed
 * only if it still holds what the snapshot showed: the same allocation of
 * the chunk, for the same range of the same mm, not merely something at
 * the same virtual address.
 */
static unsigned int svm_ext_policy_victims(struct svm_ext_device_core *core,
					   struct svm_ext_range *range,
					   struct svm_ext_victim *v)
{
	struct svm_ext_evict_req req = {};
	struct svm_ext_victim_snap *snap;
	struct svm_ext_devchunk *c;
	unsigned int n = 0, nv = 0, i;

	req.info = kvcalloc(core->nchunks, sizeof(*req.info), GFP_KERNEL);
	req.chunks = kvcalloc(core->nchunks, sizeof(*req.chunks), GFP_KERNEL);
	snap = kvcalloc(core->nchunks, sizeof(*snap), GFP_KERNEL);
	if (!req.info || !req.chunks || !snap)
		goto out;

	spin_lock_irq(&core->lock);
	list_for_each_entry(c, &core->lru, node) {
		struct svm_ext_chunk_info *ci = &req.info[n];

		if (c->evicting || c->range == range || n == core->nchunks)
			continue;
		ci->addr = c->range ? c->range->start : 0;
		ci->tgid = c->range ? c->range->smm->tgid : 0;
		ci->index = c - core->chunks;
		ci->resident = c->used;
		ci->faults = c->faults;
		ci->last_ns = c->last_ns;
		ci->alloc_ns = c->alloc_ns;
		ci->cgroup = c->range ? READ_ONCE(c->range->smm->cgroup) : 0;
		snap[n].range = c->range;
		snap[n].alloc_ns = c->alloc_ns;
		req.chunks[n++] = c;
	}
	spin_unlock_irq(&core->lock);

	req.ctx.dev = core->dev->index;
	req.ctx.nr_chunks = n;
	req.ctx.need_bytes = SVM_EXT_CHUNK_SIZE;
	req.ctx.for_addr = range->start;
	req.ctx.for_tgid = range->smm->tgid;
	req.ctx.for_cgroup = READ_ONCE(range->smm->cgroup);
	svm_ext_policy_evict(&req);

	spin_lock_irq(&core->lock);
	for (i = 0; i < min_t(u32, req.ctx.nr_chosen, SVM_EXT_EVICT_BATCH) &&
		    !core->nfree; i++) {
		u32 k = req.chosen[i];

		c = req.chunks[k];
		/* changed hands since the snapshot: not the policy's choice */
		if (c->range != snap[k].range ||
		    c->alloc_ns != snap[k].alloc_ns || c->replica)
			continue;
		if (svm_ext_victim_claim(core, c, range, &v[nv]))
			nv++;
	}
	spin_unlock_irq(&core->lock);
out:
	kvfree(snap);
	kvfree(req.chunks);
	kvfree(req.info);
	return nv;
}

static void svm_ext_victim_evict(struct svm_ext_device_core *core,
				 struct svm_ext_victim *v,
				 struct svm_ext_fault_stats *stats)
{
	struct svm_ext_devchunk *c = v->chunk;
	unsigned long folios;
	unsigned long moved = svm_ext_devchunk_evict(c, &folios);

	trace_svm_ext_evict(core->dev->index, c->pfn_first - core->pfn_first,
			    v->tgid, v->addr, moved);
	if (moved)
		svm_ext_policy_migrated(v->tgid, SVM_EXT_CAUSE_EVICT,
					core->dev->index, SVM_EXT_LOC_SYSTEM,
					v->addr, v->addr + SVM_EXT_CHUNK_SIZE,
					(u64)moved << PAGE_SHIFT);
	atomic64_inc(&core->cnt.evictions);
	atomic64_add(moved, &core->cnt.pages_evicted);
	atomic64_add(moved, &core->cnt.pages_from_dev);
	atomic64_add(folios, &core->cnt.folios_from_dev);
	if (stats) {
		stats->evictions++;
		stats->pages_evicted += moved;
	}
	spin_lock_irq(&core->lock);
	c->evicting = false;
	if (!c->used) {
		list_move_tail(&c->node, &core->free_list);
		core->nfree++;
	}
	spin_unlock_irq(&core->lock);
}

/*
 * Take a free chunk; when there is none, the policy's victims go, or else
 * the least recently used chunk.
 */
static struct svm_ext_devchunk *
svm_ext_devchunk_alloc(struct svm_ext_device_core *core,
		       struct svm_ext_range *range,
		       struct svm_ext_fault_stats *stats)
{
	struct svm_ext_victim v[SVM_EXT_EVICT_BATCH];
	struct svm_ext_devchunk *chunk;
	unsigned int tries, nv, i;

	for (tries = 0; tries < 4; tries++) {
		spin_lock_irq(&core->lock);
		chunk = range->devchunk[core->dev->index];
		if (chunk) {
			/* a concurrent fault on the same range got one */
			spin_unlock_irq(&core->lock);
			return chunk;
		}
		chunk = list_first_entry_or_null(&core->free_list,
						 struct svm_ext_devchunk, node);
		if (chunk) {
			list_move_tail(&chunk->node, &core->lru);
			core->nfree--;
			chunk->range = range;
			chunk->faults = 0;
			chunk->alloc_ns = ktime_get_ns();
			chunk->last_ns = chunk->alloc_ns;
			range->devchunk[core->dev->index] = chunk;
			spin_unlock_irq(&core->lock);
			return chunk;
		}
		spin_unlock_irq(&core->lock);

		/* Full: copies go first, they are only copies. */
		if (READ_ONCE(core->nreplica)) {
			svm_ext_replicas_reclaim(core);
			if (READ_ONCE(core->nfree))
				continue;
		}
		/* Then evict. */
		mutex_lock(&core->evict_lock);
		nv = 0;
		if (svm_ext_policy_has_evict())
			nv = svm_ext_policy_victims(core, range, v);
		if (!nv)
			nv = svm_ext_default_victims(core, range, v);
		for (i = 0; i < nv; i++)
			svm_ext_victim_evict(core, &v[i], stats);
		mutex_unlock(&core->evict_lock);
	}
	return NULL;
}

/**
 * svm_ext_devpage_init() - hand out a free device page or 2 MiB folio
 * @core: its device
 * @page: the first page
 * @order: 0 or SVM_EXT_CHUNK_ORDER
 *
 * Not zone_device_folio_init(page_folio(@page)): a page that was a tail of
 * a 2 MiB folio before still points at its old head until initialized.
 * The folio comes back locked, with one reference; no live mark (a
 * replica's pages never get one).
 */
void svm_ext_devpage_init(struct svm_ext_device_core *core, struct page *page,
			  unsigned int order)
{
	zone_device_page_init(page, &core->pgmap, order);
	if (order)
		folio_set_large_rmappable(page_folio(page));
	/* a mark left by the page's last user (freed by munmap) goes */
	svm_ext_page_clear_live(page);
}

/**
 * svm_ext_devmem_alloc_window() - device pages for a window of @range
 * @core: the device
 * @range: the range the window is in
 * @start: window start
 * @npages: window pages
 * @want: which pages of the window need a device page
 * @pages: out, a locked device page with a reference per wanted page, or
 *	NULL where none could be had (that page then stays where it is)
 * @stats: where evictions are accounted (may be NULL)
 *
 * One chunk lookup (evicting the coldest chunk if the device is full) and
 * one lock hold for the whole window.
 *
 * Context: Process context, mmap_lock held for reading; may evict (the
 * device's evict_lock).
 *
 * Return: pages allocated.
 */
unsigned long svm_ext_devmem_alloc_window(struct svm_ext_device_core *core,
					  struct svm_ext_range *range,
					  unsigned long start,
					  unsigned long npages,
					  const bool *want, struct page **pages,
					  struct svm_ext_fault_stats *stats)
{
	unsigned long off0 = (start - range->start) >> PAGE_SHIFT, i, n = 0;
	struct svm_ext_devchunk *chunk;

	for (i = 0; i < npages && !want[i]; i++)
		;
	if (i == npages)	/* nothing to place: take no chunk for it */
		return 0;
	chunk = svm_ext_devchunk_alloc(core, range, stats);
	if (!chunk)
		return 0;
	spin_lock_irq(&core->lock);
	if (chunk->range == range && !chunk->evicting) {
		for (i = 0; i < npages; i++) {
			if (!want[i] ||
			    __test_and_set_bit(off0 + i, chunk->used_map))
				continue;
			pages[i] = pfn_to_page(chunk->pfn_first + off0 + i);
			n++;
		}
		chunk->used += n;
		/* every wanted page was taken by a concurrent fault */
		svm_ext_devchunk_put_empty(core, chunk);
	}
	spin_unlock_irq(&core->lock);
	for (i = 0; i < npages; i++) {
		if (pages[i]) {
			svm_ext_devpage_init(core, pages[i], 0);
			svm_ext_page_set_live(pages[i], core);
		}
	}
	return n;
}

/**
 * svm_ext_devmem_alloc_folio() - a 2 MiB device folio for all of @range
 * @core: the device
 * @range: the range that moves whole
 * @stats: where evictions are accounted (may be NULL)
 *
 * The range's device chunk becomes one compound folio when none of its
 * pages is in use (a chunk still holding some of the range's 4 KiB pages,
 * or pages a move emptied that wait for their last reference, cannot).
 *
 * Context: As svm_ext_devmem_alloc_window().
 *
 * Return: the folio's first page, locked, with one reference; NULL when
 * no whole chunk is to be had (the caller then moves 4 KiB pages).
 */
struct page *svm_ext_devmem_alloc_folio(struct svm_ext_device_core *core,
					struct svm_ext_range *range,
					struct svm_ext_fault_stats *stats)
{
	struct svm_ext_devchunk *chunk;
	struct page *page = NULL;

	chunk = svm_ext_devchunk_alloc(core, range, stats);
	if (!chunk)
		return NULL;
	spin_lock_irq(&core->lock);
	if (chunk->range == range && !chunk->evicting && !chunk->used) {
		bitmap_fill(chunk->used_map, SVM_EXT_CHUNK_PAGES);
		chunk->used = SVM_EXT_CHUNK_PAGES;
		page = pfn_to_page(chunk->pfn_first);
	}
	spin_unlock_irq(&core->lock);
	if (!page)
		return NULL;
	svm_ext_devpage_init(core, page, SVM_EXT_CHUNK_ORDER);
	svm_ext_page_set_live(page, core);
	return page;
}
/* no 2 MiB device folio: the move falls back to 4 KiB pages */
ALLOW_ERROR_INJECTION(svm_ext_devmem_alloc_folio, NULL);

/**
 * svm_ext_devmem_replica_chunk() - the chunk holding @range's copies on @core
 * @core: the device
 * @range: a read-mostly range
 *
 * Takes a free chunk the first time; never evicts for it (copies are worth
 * less than anyone's data).  The chunk stays off the LRU list: replica.c
 * drops its pages, and the last one frees it.
 *
 * Return: the chunk, or NULL when the device has no free chunk.
 */
struct svm_ext_devchunk *svm_ext_devmem_replica_chunk(struct svm_ext_device_core *core,
						       struct svm_ext_range *range)
{
	struct svm_ext_devchunk *chunk;

	spin_lock_irq(&core->lock);
	chunk = range->replica[core->dev->index];
	if (!chunk) {
		chunk = list_first_entry_or_null(&core->free_list,
						 struct svm_ext_devchunk, node);
		if (chunk) {
			list_del_init(&chunk->node);
			core->nfree--;
			core->nreplica++;
			chunk->replica = true;
			chunk->range = range;
			chunk->alloc_ns = ktime_get_ns();
			range->replica[core->dev->index] = chunk;
		}
	}
	spin_unlock_irq(&core->lock);
	return chunk;
}

/**
 * svm_ext_devmem_replica_put_empty() - give back a replica chunk with no pages
 * @core: the device
 * @range: the range it was taken for
 *
 * A chunk is freed by its last page; one that never got a page (every copy
 * failed) is freed here.
 */
void svm_ext_devmem_replica_put_empty(struct svm_ext_device_core *core,
				      struct svm_ext_range *range)
{
	struct svm_ext_devchunk *chunk;

	spin_lock_irq(&core->lock);
	chunk = range->replica[core->dev->index];
	if (chunk)
		svm_ext_devchunk_put_empty(core, chunk);
	spin_unlock_irq(&core->lock);
}

/**
 * svm_ext_devmem_range_empty() - could @range's pages go to @core as one
 * 2 MiB folio
 * @core: the device
 * @range: a range
 *
 * Return: true when none of @range's pages is in @core's memory (no chunk
 * yet, or an empty one).  A hint: a concurrent fault may change it, and
 * svm_ext_devmem_alloc_folio() checks again.
 */
bool svm_ext_devmem_range_empty(struct svm_ext_device_core *core,
				struct svm_ext_range *range)
{
	struct svm_ext_devchunk *chunk;
	bool empty;

	spin_lock_irq(&core->lock);
	chunk = range->devchunk[core->dev->index];
	empty = !chunk || !chunk->used;
	spin_unlock_irq(&core->lock);
	return empty;
}

/**
 * svm_ext_devmem_count_out() - count pages that went home in their range
 * @range: the range, or NULL to take the one @page's chunk belongs to
 * @page: a device page the move took data from, still referenced
 * @pages: pages moved
 * @folios: of which 2 MiB folios
 */
void svm_ext_devmem_count_out(struct svm_ext_range *range, struct page *page,
			      unsigned long pages, unsigned long folios)
{
	struct svm_ext_device_core *core = svm_ext_page_core(page);
	struct svm_ext_devchunk *chunk;
	unsigned long flags;

	if (range || !core) {
		if (range) {
			atomic64_add(pages, &range->cnt.pages_out);
			atomic64_add(folios, &range->cnt.folios_out);
		}
		return;
	}
	/* a chunk's range is valid while the chunk links it (core->lock) */
	chunk = &core->chunks[(page_to_pfn(page) - core->pfn_first) /
			      SVM_EXT_CHUNK_PAGES];
	spin_lock_irqsave(&core->lock, flags);
	if (chunk->range && !chunk->replica) {
		atomic64_add(pages, &chunk->range->cnt.pages_out);
		atomic64_add(folios, &chunk->range->cnt.folios_out);
	}
	spin_unlock_irqrestore(&core->lock, flags);
}

/**
 * svm_ext_devmem_touch() - mark @range's chunk on @core recently used
 * @core: the device
 * @range: a range
 */
void svm_ext_devmem_touch(struct svm_ext_device_core *core,
			  struct svm_ext_range *range)
{
	struct svm_ext_devchunk *chunk;

	u64 now = ktime_get_ns();

	spin_lock_irq(&core->lock);
	chunk = range->devchunk[core->dev->index];
	if (chunk && !chunk->evicting) {
		list_move_tail(&chunk->node, &core->lru);
		chunk->faults++;
		chunk->last_ns = now;
	}
	spin_unlock_irq(&core->lock);
}

/**
 * svm_ext_devmem_forget_range() - a range goes away: unlink its chunks
 * @range: the range
 *
 * The chunks keep their pages (still mapped by the process until it unmaps
 * or exits); they just stop being found through the range.
 */
void svm_ext_devmem_forget_range(struct svm_ext_range *range)
{
	unsigned int i;

	for (i = 0; i < SVM_EXT_MAX_DEVICES; i++) {
		struct svm_ext_device *dev = svm_ext_device_get(i);
		struct svm_ext_devchunk *chunk;

		if (!dev)
			continue;
		spin_lock_irq(&dev->core->lock);
		chunk = range->devchunk[i];
		if (chunk) {
			chunk->range = NULL;
			range->devchunk[i] = NULL;
			svm_ext_devchunk_put_empty(dev->core, chunk);
		}
		spin_unlock_irq(&dev->core->lock);
	}
}

/* longest pause between two passes of svm_ext_devmem_fini(), ms */
#define SVM_EXT_FINI_MAX_PAUSE	1000UL
/* svm_ext_devmem_fini() says what it waits for after this long, ms */
#define SVM_EXT_FINI_WARN_AFTER	10000UL

/* Pages still in @core's memory. */
static u64 svm_ext_devmem_fini_pass(struct svm_ext_device_core *core)
{
	u64 left = 0;
	unsigned int i;

	for (i = 0; i < core->nchunks; i++) {
		struct svm_ext_devchunk *c = &core->chunks[i];
		unsigned long folios;

		if (READ_ONCE(c->used))
			svm_ext_devchunk_evict(c, &folios);
		left += READ_ONCE(c->used);
		cond_resched();
	}
	return left;
}

/**
 * svm_ext_devmem_fini() - a device goes away: bring every page home, then
 * drop its memory
 * @core: the device, already unpublished (nothing allocates from it any more)
 *
 * Every page a process still maps in the device's memory is migrated to
 * system memory before the driver frees what backs it (devmem_fini) and the
 * pagemap goes: freeing first would leave those pages pointing at memory
 * that is someone else's by then.  A page can refuse for a while - a CPU
 * fault is moving it, or a 2 MiB folio waits for a free 2 MiB page of
 * system memory - so this tries again, pausing up to a second between
 * passes, for as long as it takes, and says in the log what it waits for.
 *
 * It cannot give up: a driver's removal path (module exit, a device
 * unbind) has no way to fail, and there is no safe way to leave.  The
 * pauses are short sleeps, so the waiting task is never reported hung; the
 * pages come home as soon as memory allows, or as the processes that map
 * them touch, unmap or exit.
 *
 * Context: Process context; sleeps as long as pages take to come home.
 */
void svm_ext_devmem_fini(struct svm_ext_device_core *core)
{
	unsigned long pause = 1, waited = 0, warn = SVM_EXT_FINI_WARN_AFTER;
	u64 left;

	might_sleep();
	while ((left = svm_ext_devmem_fini_pass(core))) {
		if (waited >= warn) {
			pr_warn("svm_ext: %s: %llu pages still in device memory after %lu s, waiting for them to move\n",
				core->dev->name, left, waited / 1000);
			warn *= 2;
		}
		msleep(pause);
		waited += pause;
		pause = min(pause * 2, SVM_EXT_FINI_MAX_PAUSE);
	}
	if (core->dev->ops->devmem_fini)
		core->dev->ops->devmem_fini(core->dev,
					    pfn_to_page(core->pfn_first),
					    core->npages);
	memunmap_pages(&core->pgmap);
	release_mem_region(core->res->start, resource_size(core->res));
	kvfree(core->chunks);
}
