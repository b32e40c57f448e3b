// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: per-mm contexts, bindings and ranges.
 */

/**
 * DOC: Address-space model
 *
 * A device sees a process's memory at the process's own virtual addresses:
 * the driver's page table maps a user address to the page the CPU page table
 * has there (or to the device's copy of it), and the core keeps the two in
 * step.  There is no device-side address space to allocate or manage.
 *
 * - Context:
 *	one struct svm_ext_mm per mm that has at least one device bound,
 *	found with mmu_notifier_get() so that every device bound to the same
 *	mm shares it, with its ranges, attributes and counters.  Each binding
 *	(struct svm_ext_binding, from svm_ext_bind()) holds one reference on
 *	the mm notifier; when the last binding goes, every range and every
 *	attribute is dropped, and the context itself is freed once the mm
 *	notifier's last reference is put.
 * - Ranges:
 *	the address space is tracked in naturally aligned 2 MiB pieces
 *	(SVM_EXT_CHUNK_SIZE).  A piece that is in use gets a struct
 *	svm_ext_range, in the context's xarray under VA >> 21, with an
 *	mmu_interval_notifier covering exactly that piece.  Ranges are created
 *	on first use by a device fault, a hint, a prefetch or a query, and
 *	only over memory some VMA maps (DOC: Range lifetime).
 * - Device chunks:
 *	a range owns at most one 2 MiB chunk of each device's memory for its
 *	data (and one for read-mostly copies, DOC: Read-mostly copies), and
 *	the page at offset i of the range always lives at offset i of that
 *	chunk, so a chunk can be evicted by pfn without knowing its mm.
 * - Windows:
 *	every decision, move and mapping works on a window: page-aligned,
 *	inside one range and clipped to one VMA.  A range is the largest
 *	window and the largest migration granularity.
 *
 * All svm_ext devices share one pgmap owner, so hmm_range_fault() and
 * migrate_vma_setup() report a page in any svm_ext device's memory as the
 * device page it is, instead of faulting it back to system memory; the core
 * decides between local, peer-to-peer and system access.
 *
 * Coherence with the CPU page table is the protocol of
 * Documentation/mm/hmm.rst.  An invalidation of any part of a range takes
 * the context's notifier_lock, sets the notifier's sequence, tells every
 * bound device to drop its entries in the span (&svm_ext_device_ops.invalidate)
 * and drops read-mostly copies there.  A device fault samples the sequence,
 * runs hmm_range_fault(), takes notifier_lock and hands pages to the driver
 * only if no invalidation happened in between, else it starts again.  When
 * the mm exits, every device drops all its entries at once and the context
 * is marked dead: later faults fail with -ESRCH.
 *
 * An unmap (MMU_NOTIFY_UNMAP) also queues the span so that its attributes
 * are dropped (DOC: Attributes) and queues the range for the reaper, which
 * frees it if no VMA is left in it.
 */

/**
 * DOC: Range lifetime
 *
 * A user decides how many ranges exist (every hint, prefetch, query and
 * device access may create some), so they are a resource like any other
 * kernel memory a user can cause: a range is only created over a 2 MiB
 * chunk some VMA intersects; its memory (and the xarray's) is charged to
 * the memory cgroup of the task that caused it; a process may hold at most
 * svm_ext_max_ranges of them (module parameter max_ranges), beyond which
 * creation fails with -EDQUOT; and an unmap that leaves a range without
 * any VMA frees it.  The notifier callback cannot free its own notifier,
 * so it queues the range on the context's reap list and a work item checks
 * it under mmap_lock; at the cap, creation first reaps synchronously every
 * range no VMA intersects any more.
 *
 * Ranges are reference counted: the xarray holds one reference, every
 * svm_ext_range_get() caller another until svm_ext_range_put().  Freeing
 * (the last put) drops every device mapping and copy made through the
 * range, removes its notifier and unlinks its device chunks; a caller
 * still holding an unlinked range keeps using it safely, and the next
 * lookup simply creates a new one.  A policy hears of both ends
 * (&svm_ext_ops.range_add, &svm_ext_ops.range_remove).
 *
 * Locking: DOC: Locking in internal.h.
 */
#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include "internal.h"
#include "trace.h"

/*
 * 2 MiB ranges per process, and separately attribute ranges per process:
 * 262144 is 512 GiB of address space in use by devices, about 128 MiB of
 * range objects.  Root may raise or lower it at any time; lowering it
 * frees nothing, it only stops further creation (-EDQUOT).
 */
unsigned int svm_ext_max_ranges = 262144;

/*
 * Writing a parameter that changes every process's behaviour at run time is
 * an admin's call, checked here and not only by the file's mode: uid 0
 * without CAP_SYS_ADMIN (in a container, say) passes the mode.
 */
static int svm_ext_set_admin_uint(const char *val, const struct kernel_param *kp)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return param_set_uint(val, kp);
}

/**
 * var svm_ext_admin_uint_ops - uint module parameter only CAP_SYS_ADMIN may set
 *
 * For module_param_cb() with a 0644 mode; reads are param_get_uint().
 * Writing fails with -EPERM without CAP_SYS_ADMIN (in the initial user
 * namespace), whatever the file's mode lets through: svm_ext's max_ranges
 * and svm_emu's pt_max_pages and access_counter_bytes use it.
 */
const struct kernel_param_ops svm_ext_admin_uint_ops = {
	.set = svm_ext_set_admin_uint,
	.get = param_get_uint,
};
EXPORT_SYMBOL_GPL(svm_ext_admin_uint_ops);

module_param_cb(max_ranges, &svm_ext_admin_uint_ops, &svm_ext_max_ranges, 0644);
MODULE_PARM_DESC(max_ranges,
		 "Per process: most 2 MiB ranges, and most attribute ranges; more fail with EDQUOT (default 262144)");

static void svm_ext_reap_workfn(struct work_struct *work);

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
	struct svm_ext_mm *smm = kzalloc_obj(*smm, GFP_KERNEL_ACCOUNT);

	if (!smm)
		return ERR_PTR(-ENOMEM);
	mutex_init(&smm->notifier_lock);
	mutex_init(&smm->lock);
	INIT_LIST_HEAD(&smm->bindings);
	INIT_LIST_HEAD(&smm->all);
	INIT_LIST_HEAD(&smm->reap_list);
	INIT_WORK(&smm->reap_work, svm_ext_reap_workfn);
	/* its nodes are the user's too (xa_init_flags(): see svm_emu_open()) */
	xa_init_flags(&smm->ranges, XA_FLAGS_ACCOUNT);
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

/*
 * An unmap touched @range: the reaper frees it if no VMA is left in it.
 * From the notifier, so no sleeping; the work item does the rest.
 */
static void svm_ext_range_unmapped(struct svm_ext_range *range)
{
	struct svm_ext_mm *smm = range->smm;
	unsigned long flags;
	bool queue = false;

	spin_lock_irqsave(&smm->unmap_lock, flags);
	if (!range->gone) {
		if (list_empty(&range->reap_link))
			list_add_tail(&range->reap_link, &smm->reap_list);
		queue = true;
	}
	spin_unlock_irqrestore(&smm->unmap_lock, flags);
	if (queue)
		queue_work(system_dfl_wq, &smm->reap_work);
}

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
	if (r->event == MMU_NOTIFY_UNMAP) {
		svm_ext_attrs_unmapped(smm, start, end);
		svm_ext_range_unmapped(range);
	}
	return true;
}

static const struct mmu_interval_notifier_ops svm_ext_range_ops = {
	.invalidate = svm_ext_range_invalidate,
};

/*
 * The last reference went: nothing reaches @range any more but its own
 * notifier.  Whatever devices map or copied through it goes first, while
 * the notifier still covers the span, then the notifier.
 */
static void svm_ext_range_free(struct svm_ext_range *range)
{
	struct svm_ext_mm *smm = range->smm;
	struct svm_ext_binding *b;
	unsigned int i;

	might_sleep();
	mutex_lock(&smm->notifier_lock);
	list_for_each_entry(b, &smm->bindings, link)
		b->dev->ops->invalidate(b, range->start, range->end);
	svm_ext_replicas_drop(range, range->start, range->end, false);
	mutex_unlock(&smm->notifier_lock);
	mmu_interval_notifier_remove(&range->notifier);
	for (i = 0; i < SVM_EXT_MAX_DEVICES; i++) {
		struct svm_ext_device *dev = svm_ext_device_get(i);

		if (dev)
			svm_ext_devmem_forget_range(dev->core, range);
	}
	svm_ext_policy_range_event(false, smm->tgid, range->start, range->end);
	kfree_rcu(range, rcu);
}

/**
 * svm_ext_range_put() - drop a reference from svm_ext_range_get()
 * @range: the range
 *
 * The last reference frees the range and removes its notifier.
 *
 * Context: Process context, without mmap_lock or the context's
 * notifier_lock held; may sleep.
 */
void svm_ext_range_put(struct svm_ext_range *range)
{
	if (refcount_dec_and_test(&range->ref))
		svm_ext_range_free(range);
}

/*
 * Take @range out of the xarray (its reference goes to the caller, who
 * puts it without smm->lock).  Under smm->lock.
 */
static void svm_ext_range_unlink(struct svm_ext_mm *smm,
				 struct svm_ext_range *range)
{
	lockdep_assert_held(&smm->lock);
	xa_erase(&smm->ranges, range->start >> SVM_EXT_CHUNK_SHIFT);
	smm->nranges--;
	spin_lock_irq(&smm->unmap_lock);
	range->gone = true;
	list_del_init(&range->reap_link);
	spin_unlock_irq(&smm->unmap_lock);
}

/*
 * Free the ranges no VMA intersects any more: those an unmap queued, or
 * with @all every range of the context (at the cap, where a range whose
 * unmap raced with its creation would otherwise hold a slot for good).
 */
static void svm_ext_ranges_reap(struct svm_ext_mm *smm, bool all)
{
	struct mm_struct *mm = smm->mn.mm;
	struct svm_ext_range *range, *n;
	unsigned long idx;
	LIST_HEAD(todo);
	LIST_HEAD(dead);

	/* an exiting mm: the last unbind frees everything */
	if (!mmget_not_zero(mm))
		return;
	mutex_lock(&smm->lock);
	mmap_read_lock(mm);
	spin_lock_irq(&smm->unmap_lock);
	list_splice_init(&smm->reap_list, &todo);
	spin_unlock_irq(&smm->unmap_lock);
	if (all) {
		xa_for_each(&smm->ranges, idx, range) {
			if (fatal_signal_pending(current))
				break;
			if (!find_vma_intersection(mm, range->start, range->end)) {
				svm_ext_range_unlink(smm, range);
				list_add(&range->reap_link, &dead);
			}
			cond_resched();
		}
	}
	/*
	 * VMAs only go under the write lock, so what is seen here stays;
	 * an unmap after this point queues its ranges again.
	 */
	list_for_each_entry_safe(range, n, &todo, reap_link) {
		spin_lock_irq(&smm->unmap_lock);
		list_del_init(&range->reap_link);
		spin_unlock_irq(&smm->unmap_lock);
		if (range->gone ||
		    find_vma_intersection(mm, range->start, range->end))
			continue;
		svm_ext_range_unlink(smm, range);
		list_add(&range->reap_link, &dead);
	}
	mmap_read_unlock(mm);
	mutex_unlock(&smm->lock);
	/* @gone keeps notifier callbacks off reap_link: it is ours now */
	list_for_each_entry_safe(range, n, &dead, reap_link)
		svm_ext_range_put(range);
	mmput(mm);
}

static void svm_ext_reap_workfn(struct work_struct *work)
{
	svm_ext_ranges_reap(container_of(work, struct svm_ext_mm, reap_work),
			    false);
}

/* Is any of [start, end) mapped?  Takes mmap_lock for reading. */
static bool svm_ext_span_mapped(struct mm_struct *mm, unsigned long start,
				unsigned long end)
{
	bool mapped;

	mmap_read_lock(mm);
	mapped = find_vma_intersection(mm, start, end);
	mmap_read_unlock(mm);
	return mapped;
}

/* A new range at @idx, in the xarray with two references.  Under smm->lock. */
static struct svm_ext_range *svm_ext_range_create(struct svm_ext_mm *smm,
						  unsigned long idx)
{
	struct mm_struct *mm = smm->mn.mm;
	struct svm_ext_range *range;
	int ret;

	lockdep_assert_held(&smm->lock);
	range = kzalloc_obj(*range, GFP_KERNEL_ACCOUNT);
	if (!range)
		return ERR_PTR(-ENOMEM);
	range->smm = smm;
	range->start = idx << SVM_EXT_CHUNK_SHIFT;
	range->end = range->start + SVM_EXT_CHUNK_SIZE;
	refcount_set(&range->ref, 2);
	INIT_LIST_HEAD(&range->reap_link);
	ret = mmu_interval_notifier_insert(&range->notifier, mm, range->start,
					   SVM_EXT_CHUNK_SIZE,
					   &svm_ext_range_ops);
	if (ret)
		goto err_free;
	ret = xa_insert(&smm->ranges, idx, range, GFP_KERNEL_ACCOUNT);
	if (ret)
		goto err_remove;
	smm->nranges++;
	svm_ext_policy_range_event(true, smm->tgid, range->start, range->end);
	/*
	 * An unmap between the check in svm_ext_range_get() and the insertion
	 * above was not seen by the notifier: look again, now that any later
	 * one will be.  A lockless lookup may have taken a reference already,
	 * so the range goes the ordinary way.
	 */
	if (!svm_ext_span_mapped(mm, range->start, range->end)) {
		svm_ext_range_unlink(smm, range);
		svm_ext_range_put(range);
		svm_ext_range_put(range);
		return ERR_PTR(-EFAULT);
	}
	return range;

err_remove:
	mmu_interval_notifier_remove(&range->notifier);
err_free:
	kfree(range);
	return ERR_PTR(ret);
}

/**
 * svm_ext_range_get() - the range covering @addr, created if needed
 * @smm: context
 * @addr: any user address (the caller holds a reference on the mm)
 *
 * Must be called without mmap_lock: creating a range takes it, and
 * inserting an interval notifier may take it for writing.  The range stays
 * valid until the caller's svm_ext_range_put(), even if it is unmapped and
 * unlinked meanwhile.
 *
 * Context: Process context, without mmap_lock; takes the context's lock, and
 * mmap_lock for reading under it.
 *
 * Return: the range, with a reference, or an ERR_PTR(): -EFAULT when no
 * VMA intersects @addr's 2 MiB chunk (nothing is created there), -EDQUOT
 * when the process already has svm_ext_max_ranges ranges, -ENOMEM.
 */
struct svm_ext_range *svm_ext_range_get(struct svm_ext_mm *smm,
					unsigned long addr)
{
	unsigned long idx = addr >> SVM_EXT_CHUNK_SHIFT;
	unsigned long start = idx << SVM_EXT_CHUNK_SHIFT;
	struct svm_ext_range *range;
	bool reaped = false;

	might_sleep();
	rcu_read_lock();
	range = xa_load(&smm->ranges, idx);
	if (range && !refcount_inc_not_zero(&range->ref))
		range = NULL;
	rcu_read_unlock();
	if (range)
		return range;

again:
	mutex_lock(&smm->lock);
	range = xa_load(&smm->ranges, idx);
	if (range) {
		/* the xarray's reference keeps it above zero under smm->lock */
		refcount_inc(&range->ref);
		goto out;
	}
	if (smm->nranges >= READ_ONCE(svm_ext_max_ranges)) {
		if (!reaped) {
			mutex_unlock(&smm->lock);
			svm_ext_ranges_reap(smm, true);
			reaped = true;
			goto again;
		}
		range = ERR_PTR(-EDQUOT);
		goto out;
	}
	if (!svm_ext_span_mapped(smm->mn.mm, start, start + SVM_EXT_CHUNK_SIZE)) {
		range = ERR_PTR(-EFAULT);
		goto out;
	}
	range = svm_ext_range_create(smm, idx);
out:
	mutex_unlock(&smm->lock);
	return range;
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

	lockdep_assert_held(&smm->lock);
	/* no binding is left: nobody else holds a reference */
	xa_for_each(&smm->ranges, idx, range) {
		svm_ext_range_unlink(smm, range);
		WARN_ON_ONCE(refcount_read(&range->ref) != 1);
		svm_ext_range_put(range);
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
 * Context: Process context, without mmap_lock (mmu_notifier_get() takes it
 * for writing); may sleep.  Takes svm_ext_mm_list_lock, the context's lock
 * and its notifier_lock.
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
	b = kzalloc_obj(*b, GFP_KERNEL_ACCOUNT);
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
 * access or when the device evicts them.  The mm's last binding takes every
 * range and attribute of the context with it.
 *
 * Context: Process context, without mmap_lock; may sleep (frees the
 * context's ranges and waits for its reaper).
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
	/*
	 * A reap queued before the ranges went may still run: it must be
	 * done before the context can be freed.  With no range left nothing
	 * queues it again, unless a new binding came, which keeps the
	 * context alive.
	 */
	flush_work(&smm->reap_work);
	mmu_notifier_put(&smm->mn);
	kfree(b);
}
EXPORT_SYMBOL_GPL(svm_ext_unbind);

void svm_ext_mm_exit(void)
{
	/* contexts are freed from SRCU callbacks that run module code */
	mmu_notifier_synchronize();
}
