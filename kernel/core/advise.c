// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: setting a hint over a user range - the ranges that must
 * see its unmap, the policy's say (its advise hook), then the attribute
 * store (attr.c, DOC: Attributes).
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include "internal.h"
#include "trace.h"

/* Is every page of [start, end) mapped?  mmap_lock held. */
static bool svm_ext_span_covered(struct mm_struct *mm, unsigned long start,
				 unsigned long end)
{
	struct vm_area_struct *vma;
	unsigned long addr;

	mmap_assert_locked(mm);
	for (addr = start; addr < end; addr = vma->vm_end) {
		vma = vma_lookup(mm, addr);
		if (!vma)
			return false;
	}
	return true;
}

/**
 * svm_ext_attr_set() - set one attribute over a user range
 * @b: binding of the calling process
 * @start: page-aligned start
 * @len: page-aligned length
 * @type: enum svm_ext_attr_type (not PREFERRED_FD: drivers resolve it)
 * @value: the value
 *
 * Every page of the range must be mapped.  Other attributes of the range are
 * kept; ranges are split and merged as needed.  Only the 2 MiB ranges the
 * span needs are created, after it was found mapped.
 *
 * Context: Process context, without mmap_lock: takes it for reading, and the
 * context's lock and attr_lock; may create ranges (svm_ext_range_get()).
 *
 * Return: 0; -EINVAL for a bad range (unaligned, empty, wrapping, or past
 * TASK_SIZE), type or value; -ENODEV for a device that does not exist;
 * -ENOMEM (range unmapped, like madvise, or out of memory); -EDQUOT when
 * the process would pass max_ranges 2 MiB ranges or attribute ranges (the
 * attribute is then set nowhere); -EINTR on a fatal signal; -ESRCH when
 * the mm is gone; or the errno a policy's advise hook chose.
 */
int svm_ext_attr_set(struct svm_ext_binding *b, unsigned long start,
		     unsigned long len, u32 type, u64 value)
{
	struct svm_ext_mm *smm = b->smm;
	struct mm_struct *mm = smm->mn.mm;
	struct svm_ext_range *range;
	unsigned long end, addr;
	int ret;

	if (!svm_ext_user_range_ok(start, len))
		return -EINVAL;
	end = start + len;
	ret = svm_ext_attr_check(type, value);
	if (ret)
		return ret;
	if (READ_ONCE(smm->dead) || !mmget_not_zero(mm))
		return -ESRCH;

	/* Unmapped memory fails before anything is made for it. */
	mmap_read_lock(mm);
	ret = svm_ext_span_covered(mm, start, end) ? 0 : -ENOMEM;
	mmap_read_unlock(mm);
	if (ret)
		goto out_mmput;

again:
	/*
	 * Ranges (notifiers) over the span, so that munmap clears it.  They
	 * need not be held: see below.
	 */
	for (addr = ALIGN_DOWN(start, SVM_EXT_CHUNK_SIZE); addr < end;
	     addr += SVM_EXT_CHUNK_SIZE) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out_mmput;
		}
		range = svm_ext_range_get(smm, addr);
		if (IS_ERR(range)) {
			ret = PTR_ERR(range);
			/* unmapped since the check: as if it had been then */
			if (ret == -EFAULT)
				ret = -ENOMEM;
			goto out_mmput;
		}
		svm_ext_range_put(range);
		cond_resched();
	}

	mmap_read_lock(mm);
	if (!svm_ext_span_covered(mm, start, end)) {
		ret = -ENOMEM;
		goto out_unlock_mmap;
	}
	/*
	 * A range is only freed once no VMA is left in it, under this lock
	 * (for reading): with the span mapped now, the ranges found here stay
	 * until an unmap, which their notifiers see.  One freed between the
	 * loop above and here (unmapped and mapped again meanwhile) is made
	 * again.
	 */
	for (addr = ALIGN_DOWN(start, SVM_EXT_CHUNK_SIZE); addr < end;
	     addr += SVM_EXT_CHUNK_SIZE) {
		if (!xa_load(&smm->ranges, addr >> SVM_EXT_CHUNK_SHIFT)) {
			mmap_read_unlock(mm);
			goto again;
		}
	}
	ret = svm_ext_policy_advise(b, start, end, type, &value);
	if (ret)
		goto out_unlock_mmap;

	ret = svm_ext_attrs_store(smm, start, end, type, value,
				  READ_ONCE(svm_ext_max_ranges));
	trace_svm_ext_advise(start, end, type, value, ret);
out_unlock_mmap:
	mmap_read_unlock(mm);
out_mmput:
	mmput(mm);
	return ret;
}
EXPORT_SYMBOL_GPL(svm_ext_attr_set);
