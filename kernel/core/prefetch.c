// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: prefetch - move a range to a location ahead of use.
 *
 * Like cudaMemPrefetchAsync or KFD's PREFETCH_LOC, but synchronous: when it
 * returns, every page of the range that could move is at the location.
 * Pages that cannot move (shared or file mappings, mlocked, no room even
 * after eviction) stay where they are and keep working in place.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include "internal.h"

/**
 * svm_ext_prefetch() - migrate [@start, @start + @len) to @loc
 * @b: binding of the calling process
 * @start: page-aligned start
 * @len: page-aligned length
 * @loc: a device index or SVM_EXT_LOC_SYSTEM
 * @stats: accounting for the driver (may be NULL)
 *
 * Return: pages moved (>= 0); -EINVAL for a bad range or location; -ENODEV
 * for a device that does not exist; -ENOMEM when part of the range is not
 * mapped; -EINTR on a fatal signal; -ESRCH when the mm is gone; or the errno
 * a policy's advise hook chose.
 */
long svm_ext_prefetch(struct svm_ext_binding *b, unsigned long start,
		      unsigned long len, u32 loc, struct svm_ext_fault_stats *stats)
{
	struct svm_ext_mm *smm = b->smm;
	struct mm_struct *mm = smm->mn.mm;
	unsigned long end = start + len, addr;
	struct svm_ext_device *dst = NULL;
	u64 value = loc;
	long moved = 0, ret;

	if (!svm_ext_user_range_ok(start, len))
		return -EINVAL;
	if (loc == SVM_EXT_LOC_NONE)
		return -EINVAL;
	ret = svm_ext_attr_check(SVM_EXT_ATTR_PREFERRED_LOC, loc);
	if (ret)
		return ret;
	if (READ_ONCE(smm->dead) || !mmget_not_zero(mm))
		return -ESRCH;

	mmap_read_lock(mm);
	ret = svm_ext_policy_advise(b, start, end, SVM_EXT_ADVISE_PREFETCH,
				    &value);
	mmap_read_unlock(mm);
	if (ret)
		goto out;
	loc = value;
	if (loc != SVM_EXT_LOC_SYSTEM)
		dst = svm_ext_device_get(loc);

	for (addr = start; addr < end;) {
		unsigned long wend = min(ALIGN_DOWN(addr, SVM_EXT_CHUNK_SIZE) +
					 SVM_EXT_CHUNK_SIZE, end);
		struct svm_ext_range *range = svm_ext_range_get(smm, addr);
		struct vm_area_struct *vma;

		if (IS_ERR(range)) {
			ret = PTR_ERR(range);
			break;
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		mmap_read_lock(mm);
		vma = vma_lookup(mm, addr);
		if (!vma) {
			mmap_read_unlock(mm);
			ret = -ENOMEM;
			break;
		}
		wend = min(wend, vma->vm_end);
		/*
		 * Memory the process may not read (PROT_NONE) is no device's
		 * either: it stays, as the fault path would refuse it.
		 */
		if (dst && !(vma->vm_flags & VM_READ))
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
