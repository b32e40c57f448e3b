// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: prefetch - move a range to a location ahead of use.
 */

/**
 * DOC: Prefetch
 *
 * Like cudaMemPrefetchAsync or KFD's PREFETCH_LOC, but synchronous: when
 * svm_ext_prefetch() returns, every page of the span that could move is at
 * the location.  Every page of the span must be mapped, else nothing is
 * done; the policy's advise hook (type SVM_EXT_ADVISE_PREFETCH) may refuse
 * the request or name another location.  The span is then moved one
 * 2 MiB range at a time, each window clipped to its VMA, with mmap_lock
 * held for reading, by the moves a device fault makes to a device
 * (evicting as a fault would) or a CPU fault makes to system memory.  Pages
 * that may not move stay where they are, keep working in place and are
 * not counted: to a device, anything but private anonymous memory the
 * process may read and has not mlocked; either way, hugetlb, DAX and
 * special (VM_IO, VM_PFNMAP, ...) mappings.  Pages for which no room can
 * be made stay too.  A fatal signal stops it between ranges (-EINTR).
 */
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include "internal.h"

/*
 * Whether prefetch may move pages of @vma.  migrate_vma_setup() refuses
 * hugetlb, special (IO, PFN, mixed, don't-expand) and DAX mappings: those
 * are left alone in both directions.  To a device, only what a device
 * fault would migrate goes: private anonymous memory the process may read,
 * and not mlocked (mlock promises the pages stay resident in RAM).
 */
static bool svm_ext_prefetch_vma_ok(struct vm_area_struct *vma, bool to_dev)
{
	if (is_vm_hugetlb_page(vma) || (vma->vm_flags & VM_SPECIAL) ||
	    vma_is_dax(vma))
		return false;
	if (!to_dev)
		return true;
	return vma_is_anonymous(vma) && (vma->vm_flags & VM_READ) &&
	       !(vma->vm_flags & (VM_SHARED | VM_LOCKED));
}

/**
 * svm_ext_prefetch() - migrate [@start, @start + @len) to @loc
 * @b: binding of the calling process
 * @start: page-aligned start
 * @len: page-aligned length
 * @loc: a device index or SVM_EXT_LOC_SYSTEM
 * @stats: accounting for the driver (may be NULL)
 *
 * Pages that may not move stay where they are and are not counted: mlocked,
 * shared, file-backed or PROT_NONE memory (to a device), hugetlb and
 * special mappings (either way).
 *
 * Context: Process context, without mmap_lock: takes it for reading for each 2
 * MiB range in turn; may sleep (migration, eviction).
 *
 * Return: pages moved (>= 0); -EINVAL for a bad range (unaligned, empty,
 * wrapping, or past TASK_SIZE) or location; -ENODEV for a device that does
 * not exist; -ENOMEM when part of the range is not mapped (nothing moved);
 * -EDQUOT when the process has the most ranges it may (max_ranges); -EINTR
 * on a fatal signal; -ESRCH when the mm is gone; or the errno a policy's
 * advise hook chose.
 */
long svm_ext_prefetch(struct svm_ext_binding *b, unsigned long start,
		      unsigned long len, u32 loc, struct svm_ext_fault_stats *stats)
{
	struct svm_ext_mm *smm = b->smm;
	struct mm_struct *mm = smm->mn.mm;
	struct svm_ext_device *dst = NULL;
	unsigned long end, addr;
	u64 value = loc;
	long moved = 0, ret;

	if (!svm_ext_user_range_ok(start, len))
		return -EINVAL;
	end = start + len;
	if (loc == SVM_EXT_LOC_NONE)
		return -EINVAL;
	ret = svm_ext_attr_check(SVM_EXT_ATTR_PREFERRED_LOC, loc);
	if (ret)
		return ret;
	if (READ_ONCE(smm->dead) || !mmget_not_zero(mm))
		return -ESRCH;

	mmap_read_lock(mm);
	/* every page mapped, or nothing is done (and no range made) */
	for (addr = start; addr < end;) {
		struct vm_area_struct *vma = vma_lookup(mm, addr);

		if (!vma) {
			ret = -ENOMEM;
			break;
		}
		addr = vma->vm_end;
	}
	if (!ret)
		ret = svm_ext_policy_advise(b, start, end,
					    SVM_EXT_ADVISE_PREFETCH, &value);
	mmap_read_unlock(mm);
	if (ret)
		goto out;
	loc = value;
	if (loc != SVM_EXT_LOC_SYSTEM)
		dst = svm_ext_device_get(loc);

	for (addr = start; addr < end;) {
		unsigned long wend = min(ALIGN_DOWN(addr, SVM_EXT_CHUNK_SIZE) +
					 SVM_EXT_CHUNK_SIZE, end);
		struct svm_ext_range *range;
		struct vm_area_struct *vma;

		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		range = svm_ext_range_get(smm, addr);
		if (IS_ERR(range)) {
			ret = PTR_ERR(range);
			/* unmapped since the check: as if it had been then */
			if (ret == -EFAULT)
				ret = -ENOMEM;
			break;
		}
		mmap_read_lock(mm);
		vma = vma_lookup(mm, addr);
		if (!vma) {
			mmap_read_unlock(mm);
			svm_ext_range_put(range);
			ret = -ENOMEM;
			break;
		}
		wend = min(wend, vma->vm_end);
		if (!svm_ext_prefetch_vma_ok(vma, dst != NULL))
			ret = 0;
		else if (dst)
			ret = svm_ext_migrate_to_device(range, vma, addr, wend,
							dst, SVM_EXT_CAUSE_PREFETCH,
							stats);
		else
			ret = svm_ext_migrate_to_system(range, vma, addr, wend, 0,
							NULL, SVM_EXT_CAUSE_PREFETCH,
							stats);
		mmap_read_unlock(mm);
		svm_ext_range_put(range);
		if (ret < 0)
			break;
		moved += ret;
		ret = 0;
		addr = wend;
		cond_resched();
	}
out:
	mmput(mm);
	return ret ? ret : moved;
}
EXPORT_SYMBOL_GPL(svm_ext_prefetch);
