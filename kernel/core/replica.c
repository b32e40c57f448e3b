// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: read-mostly copies.
 */

/**
 * DOC: Read-mostly copies
 *
 * In a range with the read-mostly attribute, a device that reads data held
 * in another device's memory gets its own read-only copy instead of taking
 * the data away, as with CUDA's SetReadMostly (that is the default's rule;
 * a policy asks for copies with svm_ext_fault_duplicate()).  The copies of a
 * range on a device live in one replica chunk of that device's memory:
 * device-private pages that are in no CPU page table, so nothing but the
 * core refers to them and they can be dropped at any moment.
 *
 * What keeps every copy equal to the original:
 *
 * - copies are made and dropped under the context's notifier_lock;
 * - making copies first removes every device mapping of the window, and
 *   while a window has copies of its pages every device maps it read-only,
 *   so no device writes without faulting (svm_ext_replicas_in()); a device
 *   write fault drops the window's copies before it maps anything
 *   writable;
 * - the original is in device memory, so the CPU cannot read or write it
 *   without migrating it, and every migration, unmap or protection change
 *   goes through the range's interval notifier, which drops the copies in
 *   its span.
 *
 * Data in system memory is not copied: CPU writes to it would go unseen.
 * The first reader migrates it (the default), later readers copy from there.
 * A device that runs out of memory drops copies before it evicts any data;
 * a replica chunk is only ever taken free, never by eviction.
 */
#include <linux/error-injection.h>
#include <linux/hmm.h>
#include <linux/pagemap.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "internal.h"

/**
 * svm_ext_replicas_in() - does any device hold copies in a span of @range?
 * @range: the range
 * @start: span start
 * @end: span end
 *
 * A window may be mapped writable when no copy of its own pages exists:
 * copies elsewhere in the range are of other pages, and making a copy
 * takes every device's mapping of the copied span away first.
 *
 * Context: The context's notifier_lock held (copies are made and dropped
 * under it); takes each holding device's lock.
 *
 * Return: true if some device holds a copy of a page in [@start, @end).
 */
bool svm_ext_replicas_in(struct svm_ext_range *range, unsigned long start,
			 unsigned long end)
{
	unsigned long j0, j1;
	unsigned int d;
	bool found = false;

	lockdep_assert_held(&range->smm->notifier_lock);
	start = max(start, range->start);
	end = min(end, range->end);
	if (start >= end)
		return false;
	j0 = (start - range->start) >> PAGE_SHIFT;
	j1 = (end - range->start) >> PAGE_SHIFT;
	for (d = 0; d < SVM_EXT_MAX_DEVICES && !found; d++) {
		struct svm_ext_device *dev;
		struct svm_ext_devchunk *chunk;

		if (!READ_ONCE(range->replica[d]))
			continue;
		dev = svm_ext_device_get(d);
		if (!dev)
			continue;
		spin_lock_irq(&dev->core->lock);
		chunk = range->replica[d];
		found = chunk && find_next_bit(chunk->used_map, j1, j0) < j1;
		spin_unlock_irq(&dev->core->lock);
	}
	return found;
}

/**
 * svm_ext_replicas_drop_dev() - drop one device's copies in a span
 * @range: the range
 * @d: the device's index
 * @start: span start, inside @range
 * @end: span end, inside @range
 * @invalidate: remove the device's mappings of the span first
 *
 * Context: The context's notifier_lock held; does not sleep.
 */
void svm_ext_replicas_drop_dev(struct svm_ext_range *range, u32 d,
			       unsigned long start, unsigned long end,
			       bool invalidate)
{
	struct svm_ext_device *dev = svm_ext_device_get(d);
	unsigned long j0 = (start - range->start) >> PAGE_SHIFT;
	unsigned long j1 = (end - range->start) >> PAGE_SHIFT;
	struct page *batch[32];
	struct svm_ext_binding *b;
	unsigned int n, k;
	unsigned long j;

	if (!dev || !READ_ONCE(range->replica[d]))
		return;
	if (invalidate)
		list_for_each_entry(b, &range->smm->bindings, link)
			if (b->dev == dev)
				dev->ops->invalidate(b, start, end);
	do {
		struct svm_ext_devchunk *chunk;

		n = 0;
		spin_lock_irq(&dev->core->lock);
		chunk = range->replica[d];
		if (chunk) {
			for (j = find_next_bit(chunk->used_map, j1, j0);
			     j < j1 && n < ARRAY_SIZE(batch);
			     j = find_next_bit(chunk->used_map, j1, j + 1))
				batch[n++] = pfn_to_page(chunk->pfn_first + j);
		}
		spin_unlock_irq(&dev->core->lock);
		/* ours was the only reference: page_free clears the bit */
		for (k = 0; k < n; k++)
			put_page(batch[k]);
	} while (n);
}

/**
 * svm_ext_replicas_drop() - drop every device's copies in a span
 * @range: the range
 * @start: span start
 * @end: span end
 * @invalidate: remove the devices' mappings of the span first (false when
 *	the caller already did, as the interval notifier has)
 *
 * It does not sleep, so the interval notifier may call it from a
 * non-blocking invalidation.
 *
 * Context: The context's notifier_lock held.
 */
void svm_ext_replicas_drop(struct svm_ext_range *range, unsigned long start,
			   unsigned long end, bool invalidate)
{
	unsigned int d;

	lockdep_assert_held(&range->smm->notifier_lock);
	start = max(start, range->start);
	end = min(end, range->end);
	if (start >= end)
		return;
	for (d = 0; d < SVM_EXT_MAX_DEVICES; d++)
		svm_ext_replicas_drop_dev(range, d, start, end, invalidate);
}

/* Copy what is missing of the window into @chunk; notifier_lock held. */
static long svm_ext_replicas_fill(struct svm_ext_device_core *core,
				  struct svm_ext_range *range,
				  struct svm_ext_devchunk *chunk,
				  unsigned long start, unsigned long npages,
				  const unsigned long *pfns, struct page **src,
				  struct page **dst)
{
	unsigned long off0 = (start - range->start) >> PAGE_SHIFT, i;
	u32 me = core->dev->index, idx;
	long n = 0;

	spin_lock_irq(&core->lock);
	if (range->replica[me] != chunk) {
		/* emptied and freed since we took it: try again later */
		spin_unlock_irq(&core->lock);
		return -EAGAIN;
	}
	for (i = 0; i < npages; i++) {
		struct page *p;

		if (!(pfns[i] & HMM_PFN_VALID))
			continue;
		p = hmm_pfn_to_page(pfns[i]);
		if (!svm_ext_page_is_device(p, &idx) || idx == me ||
		    __test_and_set_bit(off0 + i, chunk->used_map))
			continue;
		chunk->used++;
		src[i] = p;
		dst[i] = pfn_to_page(chunk->pfn_first + off0 + i);
		n++;
	}
	spin_unlock_irq(&core->lock);
	if (!n)
		return 0;
	for (i = 0; i < npages; i++)
		if (dst[i])
			svm_ext_devpage_init(core, dst[i], 0);
	if (svm_ext_copy_pages(dst, src, npages)) {
		for (i = 0; i < npages; i++) {
			if (dst[i]) {
				unlock_page(dst[i]);
				put_page(dst[i]);
			}
		}
		return -EIO;
	}
	for (i = 0; i < npages; i++)
		if (dst[i])
			unlock_page(dst[i]);
	return n;
}

/**
 * svm_ext_replicate_window() - map a read-mostly window on @b's device from
 * copies in its own memory
 * @b: the binding of the reading device
 * @range: the range the window is in
 * @start: window start
 * @end: window end
 * @req: the pages the device read (bit per page from @start): only these
 *	are faulted in, the rest of the window is mapped if present
 * @stats: accounting (may be NULL)
 *
 * Pages in other devices' memory are copied into this device's replica
 * chunk (those copied before are reused); pages in this device's memory or
 * in system memory are mapped as they are.  Everything read-only.
 *
 * Context: mmap_lock held for reading; takes the context's notifier_lock.
 *
 * Return: 0 when the window is mapped; -ENOSPC (no free chunk for copies),
 * -EAGAIN, -EIO, -ENOMEM or an hmm_range_fault() errno, after which the
 * caller maps the window the ordinary way.
 */
int svm_ext_replicate_window(struct svm_ext_binding *b,
			     struct svm_ext_range *range, unsigned long start,
			     unsigned long end, const unsigned long *req,
			     struct svm_ext_fault_stats *stats)
{
	unsigned long npages = (end - start) >> PAGE_SHIFT, i;
	unsigned long off0 = (start - range->start) >> PAGE_SHIFT;
	struct svm_ext_device_core *core = b->dev->core;
	struct svm_ext_mm *smm = b->smm;
	struct svm_ext_devchunk *chunk;
	struct page **src, **dst, **map;
	enum svm_ext_map_kind *kind;
	struct svm_ext_binding *bb;
	u32 me = b->dev->index;
	unsigned long *pfns;
	u64 remote;
	bool *writable;
	long copied;
	int ret;

	chunk = svm_ext_devmem_replica_chunk(core, range);
	if (!chunk)
		return -ENOSPC;
	pfns = kvcalloc(npages, sizeof(*pfns), GFP_KERNEL);
	src = kvcalloc(npages, sizeof(*src), GFP_KERNEL);
	dst = kvcalloc(npages, sizeof(*dst), GFP_KERNEL);
	map = kvcalloc(npages, sizeof(*map), GFP_KERNEL);
	writable = kvcalloc(npages, sizeof(*writable), GFP_KERNEL);
	kind = kvcalloc(npages, sizeof(*kind), GFP_KERNEL);
	if (!pfns || !src || !dst || !map || !writable || !kind) {
		ret = -ENOMEM;
		goto out;
	}
	ret = svm_ext_hmm_fault_locked(range, start, end, pfns,
				       HMM_PFN_REQ_FAULT, req);
	if (ret)
		goto out;

	/* no device may keep a writable mapping of what gets copied */
	list_for_each_entry(bb, &smm->bindings, link)
		bb->dev->ops->invalidate(bb, start, end);
	copied = svm_ext_replicas_fill(core, range, chunk, start, npages, pfns,
				       src, dst);
	if (copied < 0) {
		mutex_unlock(&smm->notifier_lock);
		ret = copied;
		goto out;
	}

	for (i = 0; i < npages; i++) {
		u32 idx;

		if (!(pfns[i] & HMM_PFN_VALID))
			continue;
		map[i] = hmm_pfn_to_page(pfns[i]);
		if (!svm_ext_page_is_device(map[i], &idx)) {
			kind[i] = SVM_EXT_MAP_SYSTEM;
		} else if (idx == me) {
			kind[i] = SVM_EXT_MAP_LOCAL;
		} else {
			/* set by _fill() under this very notifier_lock */
			map[i] = test_bit(off0 + i, chunk->used_map) ?
				 pfn_to_page(chunk->pfn_first + off0 + i) : NULL;
			kind[i] = SVM_EXT_MAP_LOCAL;
		}
	}
	remote = b->dev->ops->map(b, start, map, writable, kind, npages, 0);
	mutex_unlock(&smm->notifier_lock);

	atomic64_add(copied, &core->cnt.pages_replicated);
	atomic64_add(remote, &core->cnt.remote_maps);
	atomic64_add(remote, &range->cnt.remote_maps);
	if (stats) {
		stats->pages_replicated += copied;
		stats->remote_maps += remote;
	}
	ret = 0;
out:
	svm_ext_devmem_replica_put_empty(core, range);
	kvfree(kind);
	kvfree(writable);
	kvfree(map);
	kvfree(dst);
	kvfree(src);
	kvfree(pfns);
	return ret;
}
/* no copy: the caller maps the window the ordinary way */
ALLOW_ERROR_INJECTION(svm_ext_replicate_window, ERRNO);
