// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: device memory - the chunks of a device and the pages and
 * 2 MiB folios handed out from them.  Making room when a device is full is
 * evict.c's.
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
 * its memory home, for as long as that takes (svm_ext_evict_all()), and
 * then releases it (svm_ext_devmem_fini()).
 */

#include <linux/device.h>
#include <linux/error-injection.h>
#include <linux/ktime.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "internal.h"

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

/*
 * A CPU access to a device page is the one call from device memory up into
 * the fault path: the kernel's callback, not a dependency of this file's.
 */
static const struct dev_pagemap_ops svm_ext_pagemap_ops = {
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
	core->pgmap.owner = SVM_EXT_PGMAP_OWNER;
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

/**
 * svm_ext_devchunk_take() - @range's chunk on @core, or a free one for it
 * @core: the device
 * @range: the range that needs device memory
 *
 * A chunk taken from the free list goes to the tail of the LRU list, as
 * the most recently used.
 *
 * Context: Process context; takes core->lock.
 *
 * Return: the chunk, or NULL when @range has none and none is free.
 */
struct svm_ext_devchunk *svm_ext_devchunk_take(struct svm_ext_device_core *core,
						struct svm_ext_range *range)
{
	struct svm_ext_devchunk *chunk;

	spin_lock_irq(&core->lock);
	/* a concurrent fault on the same range may have got one */
	chunk = range->devchunk[core->dev->index];
	if (!chunk) {
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
		}
	}
	spin_unlock_irq(&core->lock);
	return chunk;
}

/**
 * svm_ext_devchunk_evicted() - an eviction of @c is over
 * @core: its device
 * @c: a chunk svm_ext_victim_claim() took
 *
 * The chunk is free again unless pages that could not move are still in
 * it; the last of them frees it then (folio_free).
 *
 * Context: Process context; takes core->lock.
 */
void svm_ext_devchunk_evicted(struct svm_ext_device_core *core,
			      struct svm_ext_devchunk *c)
{
	spin_lock_irq(&core->lock);
	c->evicting = false;
	if (!c->used) {
		list_move_tail(&c->node, &core->free_list);
		core->nfree++;
	}
	spin_unlock_irq(&core->lock);
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
 * @chunk: @range's chunk on @core (svm_ext_devchunk_get()), or NULL
 * @range: the range the window is in
 * @start: window start
 * @npages: window pages
 * @want: which pages of the window need a device page
 * @pages: out, a locked device page with a reference per wanted page, or
 *	NULL where none could be had (that page then stays where it is)
 *
 * One lock hold for the whole window.  Pages a concurrent fault took, and
 * every page when @chunk was evicted or freed meanwhile, are not handed out.
 *
 * Context: Process context.
 *
 * Return: pages allocated.
 */
unsigned long svm_ext_devmem_alloc_window(struct svm_ext_device_core *core,
					  struct svm_ext_devchunk *chunk,
					  struct svm_ext_range *range,
					  unsigned long start,
					  unsigned long npages,
					  const bool *want, struct page **pages)
{
	unsigned long off0 = (start - range->start) >> PAGE_SHIFT, i, n = 0;

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
 * @chunk: @range's chunk on @core (svm_ext_devchunk_get()), or NULL
 * @range: the range that moves whole
 *
 * The range's device chunk becomes one compound folio when none of its
 * pages is in use (a chunk still holding some of the range's 4 KiB pages,
 * or pages a move emptied that wait for their last reference, cannot).
 *
 * Context: Process context.
 *
 * Return: the folio's first page, locked, with one reference; NULL when
 * no whole chunk is to be had (the caller then moves 4 KiB pages).
 */
struct page *svm_ext_devmem_alloc_folio(struct svm_ext_device_core *core,
					struct svm_ext_devchunk *chunk,
					struct svm_ext_range *range)
{
	struct page *page = NULL;

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
 * svm_ext_devchunk_put_unused() - give back a chunk a move took in vain
 * @core: the device
 * @chunk: what svm_ext_devchunk_get() gave for @range, or NULL
 * @range: the range
 *
 * For a move that took @range's chunk and then placed nothing in it (it
 * gave up before allocating): the chunk goes back to the free list if it
 * holds none of @range's pages, as a chunk holding no page must.
 *
 * Context: Process context.
 */
void svm_ext_devchunk_put_unused(struct svm_ext_device_core *core,
				 struct svm_ext_devchunk *chunk,
				 struct svm_ext_range *range)
{
	if (!chunk)
		return;
	spin_lock_irq(&core->lock);
	if (chunk->range == range)
		svm_ext_devchunk_put_empty(core, chunk);
	spin_unlock_irq(&core->lock);
}

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
 * svm_ext_devmem_forget_range() - a range goes away: unlink its chunk
 * @core: a device
 * @range: the range
 *
 * The chunk keeps its pages (still mapped by the process until it unmaps
 * or exits); it just stops being found through the range.
 *
 * Context: Any context; takes core->lock.
 */
void svm_ext_devmem_forget_range(struct svm_ext_device_core *core,
				 struct svm_ext_range *range)
{
	u32 i = core->dev->index;
	struct svm_ext_devchunk *chunk;

	spin_lock_irq(&core->lock);
	chunk = range->devchunk[i];
	if (chunk) {
		chunk->range = NULL;
		range->devchunk[i] = NULL;
		svm_ext_devchunk_put_empty(core, chunk);
	}
	spin_unlock_irq(&core->lock);
}

/**
 * svm_ext_devmem_fini() - drop a device's memory
 * @core: the device, unpublished, with no page in use any more: every page
 *	a process mapped was brought home first (svm_ext_evict_all()), as
 *	freeing first would leave those pages pointing at memory that is
 *	someone else's by then
 *
 * The driver frees what backs the pages (&svm_ext_device_ops.devmem_fini),
 * then the pagemap and the physical address range go.
 *
 * Context: Process context; may sleep.
 */
void svm_ext_devmem_fini(struct svm_ext_device_core *core)
{
	might_sleep();
	if (core->dev->ops->devmem_fini)
		core->dev->ops->devmem_fini(core->dev,
					    pfn_to_page(core->pfn_first),
					    core->npages);
	memunmap_pages(&core->pgmap);
	release_mem_region(core->res->start, resource_size(core->res));
	kvfree(core->chunks);
}
