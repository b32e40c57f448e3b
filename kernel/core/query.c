// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: residency queries.
 */

/**
 * DOC: Residency queries
 *
 * Like test_hmm's SNAPSHOT, for any size: svm_ext_query() walks the CPU
 * page table with hmm_range_fault() without faulting anything in, one
 * 2 MiB range at a time, and reports for each page an SVM_EXT_RES_* code:
 * where it is (a device index, system memory, or nowhere yet), whether the
 * CPU may write it and whether it is part of a PMD-sized mapping.  A 2 MiB
 * piece no VMA intersects reports SVM_EXT_RES_NONE without creating a
 * range.  It is a snapshot: pages may move as soon as it returns.
 */
#include <linux/hmm.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include "internal.h"

static u16 svm_ext_res_code(unsigned long pfn)
{
	u16 res;
	u32 idx;

	if (!(pfn & HMM_PFN_VALID))
		return SVM_EXT_RES_NONE;
	if (svm_ext_page_is_device(hmm_pfn_to_page(pfn), &idx))
		res = idx;
	else
		res = SVM_EXT_RES_SYSTEM;
	if (pfn & HMM_PFN_WRITE)
		res |= SVM_EXT_RES_WRITE;
	if (hmm_pfn_to_map_order(pfn) >= PMD_SHIFT - PAGE_SHIFT)
		res |= SVM_EXT_RES_HUGE;
	return res;
}

/**
 * svm_ext_query() - per-page residency of [@start, @start + @npages pages)
 * @b: a binding of the process whose address space is queried
 * @start: page-aligned user address
 * @npages: pages to report
 * @res: out, one SVM_EXT_RES_* code per page
 *
 * A 2 MiB chunk no VMA intersects reports SVM_EXT_RES_NONE for every page
 * without creating anything; a mapped one gets its range (for the
 * notifier the walk needs) if it has none yet.
 *
 * Context: Process context, without mmap_lock: takes it for reading for each 2
 * MiB range in turn.
 *
 * Return: 0, -EINVAL for an unaligned, wrapping or out-of-bounds range
 * (past TASK_SIZE), -ESRCH when the mm is gone, -EDQUOT when a mapped
 * chunk needs a range and the process has the most it may (max_ranges),
 * -EINTR on a fatal signal, -ENOMEM.
 */
int svm_ext_query(struct svm_ext_binding *b, unsigned long start,
		  unsigned long npages, u16 *res)
{
	struct svm_ext_mm *smm = b->smm;
	struct mm_struct *mm = smm->mn.mm;
	unsigned long *pfns, addr, end, len, i;
	int ret = 0;

	if (check_shl_overflow(npages, PAGE_SHIFT, &len) ||
	    !svm_ext_user_range_ok(start, len))
		return -EINVAL;
	end = start + len;
	if (READ_ONCE(smm->dead) || !mmget_not_zero(mm))
		return -ESRCH;
	/* scratch for one chunk, whatever the size asked for */
	pfns = kvcalloc(SVM_EXT_CHUNK_PAGES, sizeof(*pfns), GFP_KERNEL_ACCOUNT);
	if (!pfns) {
		ret = -ENOMEM;
		goto out;
	}
	for (addr = start; addr < end;) {
		unsigned long wend = min(ALIGN_DOWN(addr, SVM_EXT_CHUNK_SIZE) +
					 SVM_EXT_CHUNK_SIZE, end);
		unsigned long n = (wend - addr) >> PAGE_SHIFT;
		struct svm_ext_range *range;
		struct hmm_range hr = {
			.start = addr,
			.end = wend,
			.hmm_pfns = pfns,
			.dev_private_owner = SVM_EXT_PGMAP_OWNER,
		};

		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		range = svm_ext_range_get(smm, addr);
		if (IS_ERR(range)) {
			ret = PTR_ERR(range);
			if (ret != -EFAULT)
				break;
			/* nothing mapped in the chunk: nothing to report */
			for (i = 0; i < n; i++)
				*res++ = SVM_EXT_RES_NONE;
			ret = 0;
			addr = wend;
			continue;
		}
		hr.notifier = &range->notifier;
		mmap_read_lock(mm);
		do {
			hr.notifier_seq = mmu_interval_read_begin(&range->notifier);
			ret = hmm_range_fault(&hr);
		} while (ret == -EBUSY);
		mmap_read_unlock(mm);
		svm_ext_range_put(range);
		if (ret)
			break;
		for (i = 0; i < n; i++)
			*res++ = svm_ext_res_code(pfns[i]);
		addr = wend;
		cond_resched();
	}
	kvfree(pfns);
out:
	mmput(mm);
	return ret;
}
EXPORT_SYMBOL_GPL(svm_ext_query);
