// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: device memory.
 *
 * DOC: device memory
 *
 * Each device's memory is a range of device-private struct pages created
 * with memremap_pages(), split into 2 MiB chunks.  A chunk is handed to one
 * VA chunk (struct svm_ext_range) at a time; the page for address A lives at
 * offset (A % 2 MiB) / PAGE_SIZE in it.  Allocated chunks sit on an LRU list
 * that device faults refresh; when no chunk is free the coldest one is
 * evicted to system memory by pfn with migrate_device_range(), which needs no
 * mm and so no mmap_lock of the (possibly different) owning process.
 *
 * Pages return through the pagemap's page_free callback, which can run in
 * atomic context: the chunk state is under a spinlock.
 */
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "internal.h"
#include "trace.h"

static void svm_ext_page_free(struct page *page)
{
	struct svm_ext_device_core *core =
		container_of(page->pgmap, struct svm_ext_device_core, pgmap);
	unsigned long off = page_to_pfn(page) - core->pfn_first;
	struct svm_ext_devchunk *chunk = &core->chunks[off / SVM_EXT_CHUNK_PAGES];
	unsigned long flags;

	spin_lock_irqsave(&core->lock, flags);
	if (!WARN_ON_ONCE(!__test_and_clear_bit(off % SVM_EXT_CHUNK_PAGES,
						chunk->used_map)) &&
	    !--chunk->used && !chunk->evicting) {
		if (chunk->range)
			chunk->range->devchunk[core->dev->index] = NULL;
		chunk->range = NULL;
		list_move_tail(&chunk->node, &core->free_list);
		core->nfree++;
	}
	spin_unlock_irqrestore(&core->lock, flags);
}

static const struct dev_pagemap_ops svm_ext_pagemap_ops = {
	.page_free = svm_ext_page_free,
	.migrate_to_ram = svm_ext_cpu_fault,
};

/**
 * svm_ext_page_core() - the svm_ext device a page belongs to
 * @page: any page
 *
 * Return: the device's core state, or NULL if @page is not an svm_ext
 * device page.
 */
struct svm_ext_device_core *svm_ext_page_core(struct page *page)
{
	if (!page || !is_device_private_page(page) ||
	    page->pgmap->ops != &svm_ext_pagemap_ops)
		return NULL;
	return container_of(page->pgmap, struct svm_ext_device_core, pgmap);
}

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

/*
 * Move every in-use page of @chunk to system memory.  Pages that cannot be
 * moved right now (locked by a concurrent migration) stay; the caller looks
 * at chunk->used afterwards.
 */
static unsigned long svm_ext_devchunk_evict(struct svm_ext_devchunk *chunk)
{
	unsigned long *src, *dst;
	struct page **spages, **dpages;
	unsigned long i, moved = 0;

	src = kvcalloc(SVM_EXT_CHUNK_PAGES, sizeof(*src), GFP_KERNEL);
	dst = kvcalloc(SVM_EXT_CHUNK_PAGES, sizeof(*dst), GFP_KERNEL);
	spages = kvcalloc(SVM_EXT_CHUNK_PAGES, sizeof(*spages), GFP_KERNEL);
	dpages = kvcalloc(SVM_EXT_CHUNK_PAGES, sizeof(*dpages), GFP_KERNEL);
	if (!src || !dst || !spages || !dpages)
		goto out;

	migrate_device_range(src, chunk->pfn_first, SVM_EXT_CHUNK_PAGES);
	for (i = 0; i < SVM_EXT_CHUNK_PAGES; i++) {
		struct page *spage = migrate_pfn_to_page(src[i]);
		struct page *dpage;

		if (!spage || !(src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		/*
		 * No fallback on failure: the page simply stays on the device
		 * and migrate_device_finalize() restores its mapping.
		 */
		dpage = alloc_page(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN);
		if (!dpage)
			continue;
		lock_page(dpage);
		spages[i] = spage;
		dpages[i] = dpage;
		dst[i] = migrate_pfn(page_to_pfn(dpage));
	}
	if (svm_ext_copy_pages(dpages, spages, SVM_EXT_CHUNK_PAGES)) {
		/* data stays on the device: drop every destination */
		for (i = 0; i < SVM_EXT_CHUNK_PAGES; i++) {
			if (dpages[i]) {
				unlock_page(dpages[i]);
				put_page(dpages[i]);
				dst[i] = 0;
			}
		}
	}
	migrate_device_pages(src, dst, SVM_EXT_CHUNK_PAGES);
	for (i = 0; i < SVM_EXT_CHUNK_PAGES; i++)
		if (dst[i] && (src[i] & MIGRATE_PFN_MIGRATE))
			moved++;
	migrate_device_finalize(src, dst, SVM_EXT_CHUNK_PAGES);
out:
	kvfree(dpages);
	kvfree(spages);
	kvfree(dst);
	kvfree(src);
	return moved;
}

/* Take a free chunk, evicting the coldest one when there is none. */
static struct svm_ext_devchunk *
svm_ext_devchunk_alloc(struct svm_ext_device_core *core,
		       struct svm_ext_range *range,
		       struct svm_ext_fault_stats *stats)
{
	struct svm_ext_devchunk *chunk, *victim;
	unsigned int tries;
	unsigned long moved;

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
			range->devchunk[core->dev->index] = chunk;
			spin_unlock_irq(&core->lock);
			return chunk;
		}
		spin_unlock_irq(&core->lock);

		/* Full: evict the least recently used chunk. */
		mutex_lock(&core->evict_lock);
		spin_lock_irq(&core->lock);
		victim = NULL;
		list_for_each_entry(chunk, &core->lru, node) {
			if (!chunk->evicting && chunk->range != range) {
				victim = chunk;
				break;
			}
		}
		if (victim && !core->nfree) {
			victim->evicting = true;
			if (victim->range)
				victim->range->devchunk[core->dev->index] = NULL;
			victim->range = NULL;
		} else {
			victim = NULL;
		}
		spin_unlock_irq(&core->lock);
		if (victim) {
			moved = svm_ext_devchunk_evict(victim);
			trace_svm_ext_evict(core->dev->index,
					    victim->pfn_first - core->pfn_first,
					    moved);
			atomic64_inc(&core->cnt.evictions);
			atomic64_add(moved, &core->cnt.pages_evicted);
			atomic64_add(moved, &core->cnt.pages_from_dev);
			if (stats) {
				stats->evictions++;
				stats->pages_evicted += moved;
			}
			spin_lock_irq(&core->lock);
			victim->evicting = false;
			if (!victim->used) {
				list_move_tail(&victim->node, &core->free_list);
				core->nfree++;
			}
			spin_unlock_irq(&core->lock);
		}
		mutex_unlock(&core->evict_lock);
	}
	return NULL;
}

/**
 * svm_ext_devmem_alloc_window() - device pages for a window of @range
 * @core: the device
 * @range: the VA chunk the window is in
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
	}
	spin_unlock_irq(&core->lock);
	for (i = 0; i < npages; i++)
		if (pages[i])
			zone_device_page_init(pages[i]);
	return n;
}

/**
 * svm_ext_devmem_touch() - mark @range's chunk on @core recently used
 * @core: the device
 * @range: a VA chunk
 */
void svm_ext_devmem_touch(struct svm_ext_device_core *core,
			  struct svm_ext_range *range)
{
	struct svm_ext_devchunk *chunk;

	spin_lock_irq(&core->lock);
	chunk = range->devchunk[core->dev->index];
	if (chunk && !chunk->evicting)
		list_move_tail(&chunk->node, &core->lru);
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
		}
		spin_unlock_irq(&dev->core->lock);
	}
}

/*
 * Device goes away: bring every page home, then drop the pagemap.  With the
 * device unregistered nothing allocates from it any more.
 */
void svm_ext_devmem_fini(struct svm_ext_device_core *core)
{
	unsigned int i, pass;

	for (pass = 0; pass < 8; pass++) {
		bool busy = false;

		for (i = 0; i < core->nchunks; i++) {
			struct svm_ext_devchunk *c = &core->chunks[i];

			if (READ_ONCE(c->used)) {
				svm_ext_devchunk_evict(c);
				busy |= READ_ONCE(c->used) != 0;
			}
		}
		if (!busy)
			break;
		msleep(20);
	}
	if (core->dev->ops->devmem_fini)
		core->dev->ops->devmem_fini(core->dev,
					    pfn_to_page(core->pfn_first),
					    core->npages);
	memunmap_pages(&core->pgmap);
	release_mem_region(core->res->start, resource_size(core->res));
	kvfree(core->chunks);
}
