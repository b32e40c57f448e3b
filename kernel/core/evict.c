// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: eviction - making room on a full device by moving chunks
 * home, in the policy's order or the least recently used first, and
 * emptying a device that goes away.
 */

/**
 * DOC: Eviction
 *
 * A device has no background reclaim: room is made when a move to the
 * device finds no free chunk (svm_ext_devchunk_get()).  Each of up to
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
 * fault in their range by their device (svm_ext_evict_touch()), so the
 * head is the chunk whose device touched it least recently.  Evicted pages
 * always go to system memory: the faults that follow decide where they go
 * next.  A move that finds no chunk even after four rounds leaves its pages
 * where they are, mapped in place.  Each eviction is counted in the device's
 * counters and the caller's stats and traced (svm_ext:svm_ext_evict); the
 * pages it moved are reported to the policy as a migration with cause
 * SVM_EXT_CAUSE_EVICT.
 *
 * A device that unregisters is emptied the same way, chunk by chunk, for
 * as long as it takes (svm_ext_evict_all()).
 */
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "internal.h"
#include "trace.h"

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
	svm_ext_devchunk_evicted(core, c);
}

/**
 * svm_ext_replicas_reclaim() - a device is full: drop the copies it holds
 * @core: the device
 *
 * Opportunistic: contexts whose locks are busy are skipped (their locks
 * may be held by a fault that is waiting for this very device), and the
 * caller evicts data if that freed nothing.
 *
 * Context: Process context; trylocks svm_ext_mm_list_lock and each context's
 * lock, takes notifier_lock.
 */
static void svm_ext_replicas_reclaim(struct svm_ext_device_core *core)
{
	u32 d = core->dev->index;
	struct svm_ext_range *range;
	struct svm_ext_mm *smm;
	unsigned long idx;

	if (!mutex_trylock(&svm_ext_mm_list_lock))
		return;
	list_for_each_entry(smm, &svm_ext_mm_list, all) {
		if (!mutex_trylock(&smm->lock))
			continue;
		xa_for_each(&smm->ranges, idx, range) {
			if (!READ_ONCE(range->replica[d]))
				continue;
			mutex_lock(&smm->notifier_lock);
			svm_ext_replicas_drop_dev(range, d, range->start,
						  range->end, true);
			mutex_unlock(&smm->notifier_lock);
		}
		mutex_unlock(&smm->lock);
	}
	mutex_unlock(&svm_ext_mm_list_lock);
}

/**
 * svm_ext_devchunk_get() - a chunk of @core for @range, evicting if full
 * @core: the device
 * @range: the range a move to @core needs room for
 * @stats: where evictions are accounted (may be NULL)
 *
 * The range's chunk or a free one; when there is none, copies are dropped,
 * then the policy's victims go, or else the least recently used chunk, up
 * to four rounds (DOC: Eviction).
 *
 * Context: Process context; may evict (the device's evict_lock).
 *
 * Return: the chunk, or NULL when none could be had.
 */
struct svm_ext_devchunk *svm_ext_devchunk_get(struct svm_ext_device_core *core,
					       struct svm_ext_range *range,
					       struct svm_ext_fault_stats *stats)
{
	struct svm_ext_victim v[SVM_EXT_EVICT_BATCH];
	struct svm_ext_devchunk *chunk;
	unsigned int tries, nv, i;

	for (tries = 0; tries < 4; tries++) {
		chunk = svm_ext_devchunk_take(core, range);
		if (chunk)
			return chunk;

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
 * svm_ext_evict_touch() - mark @range's chunk on @core recently used
 * @core: the device
 * @range: a range its device just faulted on
 *
 * The chunk goes to the tail of the LRU list, the last to be evicted, and
 * counts the fault (struct svm_ext_chunk_info, what an evict hook sees).
 *
 * Context: Process context; takes core->lock.
 */
void svm_ext_evict_touch(struct svm_ext_device_core *core,
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

/* longest pause between two passes of svm_ext_evict_all(), ms */
#define SVM_EXT_EVICT_ALL_MAX_PAUSE	1000UL
/* svm_ext_evict_all() says what it waits for after this long, ms */
#define SVM_EXT_EVICT_ALL_WARN_AFTER	10000UL

/* One pass over every chunk; returns the pages still in @core's memory. */
static u64 svm_ext_evict_pass(struct svm_ext_device_core *core)
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
 * svm_ext_evict_all() - a device goes away: bring every page home
 * @core: the device, already unpublished (nothing allocates from it any more)
 *
 * Every page a process still maps in the device's memory is migrated to
 * system memory before the device's memory goes (svm_ext_devmem_fini()).
 * A page can refuse for a while - a CPU fault is moving it, or a 2 MiB
 * folio waits for a free 2 MiB page of system memory - so this tries
 * again, pausing up to a second between passes, for as long as it takes,
 * and says in the log what it waits for.
 *
 * It cannot give up: a driver's removal path (module exit, a device
 * unbind) has no way to fail, and there is no safe way to leave.  The
 * pauses are short sleeps, so the waiting task is never reported hung; the
 * pages come home as soon as memory allows, or as the processes that map
 * them touch, unmap or exit.
 *
 * Context: Process context; sleeps as long as pages take to come home.
 */
void svm_ext_evict_all(struct svm_ext_device_core *core)
{
	unsigned long pause = 1, waited = 0, warn = SVM_EXT_EVICT_ALL_WARN_AFTER;
	u64 left;

	might_sleep();
	while ((left = svm_ext_evict_pass(core))) {
		if (waited >= warn) {
			pr_warn("svm_ext: %s: %llu pages still in device memory after %lu s, waiting for them to move\n",
				core->dev->name, left, waited / 1000);
			warn *= 2;
		}
		msleep(pause);
		waited += pause;
		pause = min(pause * 2, SVM_EXT_EVICT_ALL_MAX_PAUSE);
	}
}
