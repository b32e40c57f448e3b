// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: the built-in default policy.
 */

/**
 * DOC: The built-in default
 *
 * What decides when no policy is attached, when the attached one leaves a
 * hook out or returns without deciding, and when one is ejected: the same
 * decisions the BPF policy ``default`` (bpf/default.bpf.c) makes, which
 * the selftests check on the same inputs.
 *
 * - Device fault (svm_ext_default_fault()): migrate the granularity-sized
 *   window around the fault to the faulting device, honouring the hints.
 * - CPU fault (svm_ext_default_cpu_fault()): the whole chunk comes home.
 * - Eviction (svm_ext_default_victims()): the least recently used chunk of
 *   the device, in the order its LRU list keeps: a chunk goes to the tail
 *   when allocated (devmem.c) and at every device fault in its range
 *   (evict.c).
 * - Advice: every hint and prefetch goes ahead as asked.
 */
#include <linux/lockdep.h>
#include <linux/spinlock.h>
#include "internal.h"

/* The default window: granularity-aligned around @addr, inside the range. */
static void svm_ext_default_window(struct svm_ext_fault_ctx *ctx,
				   unsigned long *start, unsigned long *end)
{
	unsigned long size = PAGE_SIZE << ctx->granularity;

	*start = max_t(unsigned long, ALIGN_DOWN(ctx->addr, size),
		       ctx->range_start);
	*end = min_t(unsigned long, ALIGN_DOWN(ctx->addr, size) + size,
		     ctx->range_end);
}

/**
 * svm_ext_default_fault() - the built-in fault decision
 * @ctx: the fault; a decision is recorded in it
 *
 * Migrate the granularity-sized window around the fault (inside the range,
 * clipped to the VMA) to the faulting device when the VMA allows it, else
 * map in place.  A page already on the faulting device is mapped where it
 * is; a read of read-mostly data held by another device gets copies
 * (SVM_EXT_DECIDE_DUPLICATE).  Hints change the rest: preferred location
 * system, or the faulting device in the accessed-by set with the data
 * somewhere it can reach, map in place; a preferred peer the device can
 * reach gets the data and the device maps it over the link.
 */
void svm_ext_default_fault(struct svm_ext_fault_ctx *ctx)
{
	unsigned long start, end;

	svm_ext_default_window(ctx, &start, &end);
	ctx->dec_start = start;
	ctx->dec_end = end;
	/* already here: the device lost only its mapping, or needs write */
	if (ctx->cur_loc == ctx->dev) {
		ctx->decision = SVM_EXT_DECIDE_MAP;
		ctx->dec_loc = ctx->dev;
		return;
	}
	/* read-mostly data another device holds: a copy of our own */
	if (ctx->read_mostly && ctx->access == SVM_EXT_ACCESS_READ &&
	    (ctx->flags & SVM_EXT_FAULT_MIGRATABLE) &&
	    ctx->cur_loc < SVM_EXT_MAX_DEVICES) {
		ctx->decision = SVM_EXT_DECIDE_DUPLICATE;
		ctx->dec_loc = ctx->dev;
		return;
	}
	ctx->decision = SVM_EXT_DECIDE_MAP;
	ctx->dec_loc = SVM_EXT_LOC_SYSTEM;
	if (!(ctx->flags & SVM_EXT_FAULT_MIGRATABLE) ||
	    ctx->preferred_loc == SVM_EXT_LOC_SYSTEM)
		return;
	if ((ctx->accessed_by & BIT_ULL(ctx->dev)) &&
	    (ctx->cur_loc == SVM_EXT_LOC_SYSTEM ||
	     (ctx->cur_loc < SVM_EXT_MAX_DEVICES &&
	      (ctx->peer_mask & BIT_ULL(ctx->cur_loc)))))
		return;
	ctx->decision = SVM_EXT_DECIDE_MIGRATE;
	ctx->dec_loc = ctx->dev;
	if (ctx->preferred_loc < SVM_EXT_MAX_DEVICES &&
	    (ctx->peer_mask & BIT_ULL(ctx->preferred_loc)))
		ctx->dec_loc = ctx->preferred_loc;
}

/**
 * svm_ext_default_cpu_fault() - the built-in CPU fault decision
 * @ctx: the fault; the window to bring home is recorded in it
 *
 * The whole chunk (clipped to the VMA) comes back: the CPU is likely to
 * touch the rest of it, and one migration costs less than many.
 */
void svm_ext_default_cpu_fault(struct svm_ext_cpu_fault_ctx *ctx)
{
	ctx->dec_start = ctx->range_start;
	ctx->dec_end = ctx->range_end;
}

/**
 * svm_ext_default_victims() - the built-in eviction choice
 * @core: the full device
 * @range: the range that needs room (its own chunk is never chosen)
 * @v: filled with the victim
 *
 * The least recently used chunk that can go, unless a chunk became free
 * meanwhile.
 *
 * Context: core->evict_lock held.
 * Return: the number of victims claimed in @v: 0 or 1.
 */
unsigned int svm_ext_default_victims(struct svm_ext_device_core *core,
				     struct svm_ext_range *range,
				     struct svm_ext_victim *v)
{
	struct svm_ext_devchunk *chunk;
	unsigned int nv = 0;

	lockdep_assert_held(&core->evict_lock);
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
	return nv;
}
