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

static void svm_ext_page_free(struct page *page)
{
	struct svm_ext_device_core *core =
		container_of(page->pgmap, struct svm_ext_device_core, pgmap);
	unsigned long off = page_to_pfn(page) - core->pfn_first;
	struct svm_ext_devchunk *chunk = &core->chunks[off / SVM_EXT_CHUNK_PAGES];
	unsigned long flags;

	spin_lock_irqsave(&core->lock, flags);
	if (!WARN_ON_ONCE(!__test_and_clear_bit(off % SVM_EXT_CHUNK_PAGES,
						chunk->used_map))) {
		chunk->used--;
		svm_ext_devchunk_put_empty(core, chunk);
	}
	spin_unlock_irqrestore(&core->lock, flags);
}

const struct dev_pagemap_ops svm_ext_pagemap_ops = {
	.page_free = svm_ext_page_free,
	.migrate_to_ram = svm_ext_cpu_fault,
};

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
		if (!svm_ext_page_live(spage)) {
			/* moved away already, or a copy: not ours to move */
			src[i] &= ~MIGRATE_PFN_MIGRATE;
			continue;
		}
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
	for (i = 0; i < SVM_EXT_CHUNK_PAGES; i++) {
		if (dst[i] && (src[i] & MIGRATE_PFN_MIGRATE)) {
			svm_ext_page_clear_live(spages[i]);
			moved++;
		}
	}
	migrate_device_finalize(src, dst, SVM_EXT_CHUNK_PAGES);
out:
	kvfree(dpages);
	kvfree(spages);
	kvfree(dst);
	kvfree(src);
	return moved;
}

/* A chunk on its way out, and whose it was (for tracing and policies). */
struct svm_ext_victim {
	struct svm_ext_devchunk *chunk;
	unsigned long addr;
	pid_t tgid;
};

/*
 * Take @c out of service for eviction, unless it is already going, holds
 * @keep's pages (the range that needs room) or is free.  Under core->lock.
 */
static bool svm_ext_victim_claim(struct svm_ext_device_core *core,
				 struct svm_ext_devchunk *c,
				 struct svm_ext_range *keep,
				 struct svm_ext_victim *v)
{
	struct svm_ext_range *r = c->range;

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
 * Ask the policy which chunks go: a snapshot of the LRU list (coldest
 * first) is what its evict hook iterates.  Each victim it names is claimed
 * only if it still holds what the snapshot showed.
 */
static unsigned int svm_ext_policy_victims(struct svm_ext_device_core *core,
					   struct svm_ext_range *range,
					   struct svm_ext_victim *v)
{
	struct svm_ext_evict_req req = {};
	struct svm_ext_devchunk *c;
	unsigned int n = 0, nv = 0, i;

	req.info = kvcalloc(core->nchunks, sizeof(*req.info), GFP_KERNEL);
	req.chunks = kvcalloc(core->nchunks, sizeof(*req.chunks), GFP_KERNEL);
	if (!req.info || !req.chunks)
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
		if ((c->range ? c->range->start : 0) != req.info[k].addr)
			continue;	/* changed hands since the snapshot */
		if (svm_ext_victim_claim(core, c, range, &v[nv]))
			nv++;
	}
	spin_unlock_irq(&core->lock);
out:
	kvfree(req.chunks);
	kvfree(req.info);
	return nv;
}

static void svm_ext_victim_evict(struct svm_ext_device_core *core,
				 struct svm_ext_victim *v,
				 struct svm_ext_fault_stats *stats)
{
	struct svm_ext_devchunk *c = v->chunk;
	unsigned long moved = svm_ext_devchunk_evict(c);

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
		if (!nv) {
			spin_lock_irq(&core->lock);
			list_for_each_entry(chunk, &core->lru, node) {
				if (core->nfree)
					break;
				if (svm_ext_victim_claim(core, chunk, range, v)) {
					nv = 1;
					break;
				}
			}
			spin_unlock_irq(&core->lock);
		}
		for (i = 0; i < nv; i++)
			svm_ext_victim_evict(core, &v[i], stats);
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
			zone_device_page_init(pages[i]);
			svm_ext_page_set_live(pages[i], core);
		}
	}
	return n;
}

/**
 * svm_ext_devmem_replica_chunk() - the chunk holding @range's copies on @core
 * @core: the device
 * @range: a read-mostly VA chunk
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
 * svm_ext_devmem_touch() - mark @range's chunk on @core recently used
 * @core: the device
 * @range: a VA chunk
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
