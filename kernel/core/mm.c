// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: per-mm contexts, bindings and ranges.
 *
 * DOC: address spaces
 *
 * One struct svm_ext_mm exists per process address space that has at least
 * one device bound, found with mmu_notifier_get() so that every device bound
 * to the same mm shares it (and its ranges, attributes and counters).  Each
 * binding holds one reference; the context goes when the last binding does.
 *
 * Ranges are 2 MiB VA chunks, created on first use, each with its own
 * mmu_interval_notifier.  An invalidation of any part of a range takes the
 * context's notifier_lock and tells every bound device to drop its entries
 * there; a device fault maps pages only under the same lock and only if no
 * invalidation happened since it sampled the notifier sequence, which is the
 * whole of the device/CPU page-table coherence protocol (as in hmm.rst).
 */
#include <linux/cgroup.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include "internal.h"
#include "trace.h"

/* Every context with a binding, for the debugfs dump; taken before smm->lock. */
DEFINE_MUTEX(svm_ext_mm_list_lock);
LIST_HEAD(svm_ext_mm_list);

/**
 * svm_ext_mm_note_cgroup() - remember the cgroup of the process using @mm
 * @smm: the context
 * @mm: its address space
 *
 * Policies that share device memory between cgroups (tenant_quota) see a
 * chunk's owner by this id.  A process may move between cgroups, so it is
 * refreshed at every device fault the process itself takes; faults serviced
 * for @mm from another task (none today) leave it as it was.
 */
void svm_ext_mm_note_cgroup(struct svm_ext_mm *smm, struct mm_struct *mm)
{
#ifdef CONFIG_CGROUPS
	u64 id;

	if (current->mm != mm)
		return;
	rcu_read_lock();
	id = cgroup_id(task_dfl_cgroup(current));
	rcu_read_unlock();
	if (READ_ONCE(smm->cgroup) != id)
		WRITE_ONCE(smm->cgroup, id);
#endif
}

static struct mmu_notifier *svm_ext_mm_alloc(struct mm_struct *mm)
{
	struct svm_ext_mm *smm = kzalloc_obj(*smm, GFP_KERNEL);

	if (!smm)
		return ERR_PTR(-ENOMEM);
	mutex_init(&smm->notifier_lock);
	mutex_init(&smm->lock);
	INIT_LIST_HEAD(&smm->bindings);
	INIT_LIST_HEAD(&smm->all);
	xa_init(&smm->ranges);
	smm->tgid = current->tgid;
	svm_ext_mm_note_cgroup(smm, mm);
	svm_ext_attrs_init(smm);
	return &smm->mn;
}

static void svm_ext_mm_free(struct mmu_notifier *mn)
{
	struct svm_ext_mm *smm = container_of(mn, struct svm_ext_mm, mn);

	WARN_ON(!xa_empty(&smm->ranges));
	xa_destroy(&smm->ranges);
	kfree(smm);
}

/* The mm is exiting: every device drops all its entries at once. */
static void svm_ext_mm_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct svm_ext_mm *smm = container_of(mn, struct svm_ext_mm, mn);
	struct svm_ext_binding *b;

	mutex_lock(&smm->notifier_lock);
	WRITE_ONCE(smm->dead, true);
	list_for_each_entry(b, &smm->bindings, link)
		b->dev->ops->invalidate(b, 0, ULONG_MAX);
	mutex_unlock(&smm->notifier_lock);
}

static const struct mmu_notifier_ops svm_ext_mm_ops = {
	.release = svm_ext_mm_release,
	.alloc_notifier = svm_ext_mm_alloc,
	.free_notifier = svm_ext_mm_free,
};

static bool svm_ext_range_invalidate(struct mmu_interval_notifier *mni,
				     const struct mmu_notifier_range *r,
				     unsigned long cur_seq)
{
	struct svm_ext_range *range =
		container_of(mni, struct svm_ext_range, notifier);
	struct svm_ext_mm *smm = range->smm;
	unsigned long start = max(r->start, range->start);
	unsigned long end = min(r->end, range->end);
	struct svm_ext_binding *b;

	if (mmu_notifier_range_blockable(r))
		mutex_lock(&smm->notifier_lock);
	else if (!mutex_trylock(&smm->notifier_lock))
		return false;

	mmu_interval_set_seq(mni, cur_seq);
	list_for_each_entry(b, &smm->bindings, link)
		b->dev->ops->invalidate(b, start, end);
	/* the original may change or move: its copies go (replica.c) */
	svm_ext_replicas_drop(range, start, end, false);
	mutex_unlock(&smm->notifier_lock);
	trace_svm_ext_invalidate(start, end, r->event);
	svm_ext_policy_invalidated(smm->tgid, r->event, start, end);
	/* hints belong to the mapping: unmapping forgets them (as KFD) */
	if (r->event == MMU_NOTIFY_UNMAP)
		svm_ext_attrs_unmapped(smm, start, end);
	return true;
}

static const struct mmu_interval_notifier_ops svm_ext_range_ops = {
	.invalidate = svm_ext_range_invalidate,
};

/**
 * svm_ext_range_lookup() - the range covering @addr, if it exists
 * @smm: context
 * @addr: any address
 *
 * Return: the range or NULL.  Ranges live until the context's last binding
 * goes, so the pointer stays valid while the caller's binding does.
 */
struct svm_ext_range *svm_ext_range_lookup(struct svm_ext_mm *smm,
					   unsigned long addr)
{
	return xa_load(&smm->ranges, addr >> SVM_EXT_CHUNK_SHIFT);
}

/**
 * svm_ext_range_get() - the range covering @addr, created if needed
 * @smm: context
 * @addr: any user address
 *
 * Must be called without mmap_lock: inserting an interval notifier takes it.
 *
 * Return: the range or an ERR_PTR().
 */
struct svm_ext_range *svm_ext_range_get(struct svm_ext_mm *smm,
					unsigned long addr)
{
	unsigned long idx = addr >> SVM_EXT_CHUNK_SHIFT;
	struct svm_ext_range *range;
	int ret;

	range = xa_load(&smm->ranges, idx);
	if (range)
		return range;

	mutex_lock(&smm->lock);
	range = xa_load(&smm->ranges, idx);
	if (range)
		goto out;
	range = kzalloc_obj(*range, GFP_KERNEL);
	if (!range) {
		range = ERR_PTR(-ENOMEM);
		goto out;
	}
	range->smm = smm;
	range->start = idx << SVM_EXT_CHUNK_SHIFT;
	range->end = range->start + SVM_EXT_CHUNK_SIZE;
	ret = mmu_interval_notifier_insert(&range->notifier, smm->mn.mm,
					   range->start, SVM_EXT_CHUNK_SIZE,
					   &svm_ext_range_ops);
	if (ret)
		goto err_free;
	ret = xa_err(xa_store(&smm->ranges, idx, range, GFP_KERNEL));
	if (ret) {
		mmu_interval_notifier_remove(&range->notifier);
		goto err_free;
	}
	svm_ext_policy_range_event(true, smm->tgid, range->start, range->end);
out:
	mutex_unlock(&smm->lock);
	return range;
err_free:
	kfree(range);
	range = ERR_PTR(ret);
	goto out;
}

/*
 * Last binding gone: drop every range (their notifiers hold the mm) and
 * every attribute.  Done here, not in free_notifier, which runs from an
 * SRCU callback and cannot sleep.
 */
static void svm_ext_mm_drop_ranges(struct svm_ext_mm *smm)
{
	struct svm_ext_range *range;
	unsigned long idx;

	xa_for_each(&smm->ranges, idx, range) {
		xa_erase(&smm->ranges, idx);
		mmu_interval_notifier_remove(&range->notifier);
		/* no binding is left to map them: just free the copies */
		mutex_lock(&smm->notifier_lock);
		svm_ext_replicas_drop(range, range->start, range->end, false);
		mutex_unlock(&smm->notifier_lock);
		svm_ext_devmem_forget_range(range);
		svm_ext_policy_range_event(false, smm->tgid, range->start,
					   range->end);
		kfree(range);
	}
	svm_ext_attrs_fini(smm);
}

/**
 * svm_ext_bind() - bind a device to a process address space
 * @dev: a registered device
 * @mm: the address space, normally current->mm
 * @drvdata: driver pointer stored in the binding
 *
 * Creates the mm's context on first use.  The driver must not call
 * svm_ext_device_fault() on the binding after svm_ext_unbind().
 *
 * Return: the binding or an ERR_PTR(): -EINVAL without an mm, -ENOMEM.
 */
struct svm_ext_binding *svm_ext_bind(struct svm_ext_device *dev,
				     struct mm_struct *mm, void *drvdata)
{
	struct svm_ext_binding *b;
	struct mmu_notifier *mn;
	struct svm_ext_mm *smm;

	if (!mm)
		return ERR_PTR(-EINVAL);
	b = kzalloc_obj(*b, GFP_KERNEL);
	if (!b)
		return ERR_PTR(-ENOMEM);
	mn = mmu_notifier_get(&svm_ext_mm_ops, mm);
	if (IS_ERR(mn)) {
		kfree(b);
		return ERR_CAST(mn);
	}
	smm = container_of(mn, struct svm_ext_mm, mn);
	b->dev = dev;
	b->smm = smm;
	b->drvdata = drvdata;

	mutex_lock(&svm_ext_mm_list_lock);
	mutex_lock(&smm->lock);
	if (!smm->nbindings++)
		list_add_tail(&smm->all, &svm_ext_mm_list);
	mutex_lock(&smm->notifier_lock);
	list_add_tail(&b->link, &smm->bindings);
	mutex_unlock(&smm->notifier_lock);
	mutex_unlock(&smm->lock);
	mutex_unlock(&svm_ext_mm_list_lock);
	return b;
}
EXPORT_SYMBOL_GPL(svm_ext_bind);

/**
 * svm_ext_unbind() - undo svm_ext_bind()
 * @b: the binding; no fault may be running on it
 *
 * The device's entries for the mm are dropped first.  Data stays where it
 * is: pages in device memory remain the process's and come back on CPU
 * access or when the device evicts them.
 */
void svm_ext_unbind(struct svm_ext_binding *b)
{
	struct svm_ext_mm *smm = b->smm;

	mutex_lock(&svm_ext_mm_list_lock);
	mutex_lock(&smm->lock);
	mutex_lock(&smm->notifier_lock);
	list_del(&b->link);
	b->dev->ops->invalidate(b, 0, ULONG_MAX);
	mutex_unlock(&smm->notifier_lock);
	if (!--smm->nbindings) {
		list_del_init(&smm->all);
		svm_ext_mm_drop_ranges(smm);
	}
	mutex_unlock(&smm->lock);
	mutex_unlock(&svm_ext_mm_list_lock);
	mmu_notifier_put(&smm->mn);
	kfree(b);
}
EXPORT_SYMBOL_GPL(svm_ext_unbind);

void svm_ext_mm_exit(void)
{
	/* contexts are freed from SRCU callbacks that run module code */
	mmu_notifier_synchronize();
}
