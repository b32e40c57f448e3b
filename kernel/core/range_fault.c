// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: faulting a window of a range in with hmm_range_fault()
 * under the range's interval notifier, for the device fault path (fault.c)
 * and read-mostly copies (replica.c).
 */
#include <linux/error-injection.h>
#include <linux/hmm.h>
#include <linux/mm.h>
#include "internal.h"

/* how long invalidations may keep racing with one window's fault-in */
#define SVM_EXT_FAULT_TIMEOUT	(HZ * 5)

/*
 * Fault in the pages of the window that @req names, a run of them at a
 * time.  One hmm_range_fault() over the whole window with per-page
 * requests would not do: where it meets a hole (an empty page table, a
 * missing PMD) it faults in every page of the hole from its start as soon
 * as one of them is wanted, and so would populate, COW-break or allocate
 * file space for pages nobody accessed, and fail on a neighbour the
 * process could not touch either (a mapping beyond the end of its file).
 */
static bool svm_ext_pfns_ok(const unsigned long *pfns, unsigned long n,
			    unsigned long flags)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		if (!(pfns[i] & HMM_PFN_VALID))
			return false;
		/* our device pages are reported as they are (COW: read-only) */
		if ((flags & HMM_PFN_REQ_WRITE) && !(pfns[i] & HMM_PFN_WRITE) &&
		    !is_device_private_page(hmm_pfn_to_page(pfns[i])))
			return false;
	}
	return true;
}

static int svm_ext_hmm_fault_runs(struct svm_ext_range *range,
				  unsigned long start, unsigned long npages,
				  unsigned long *pfns, unsigned long flags,
				  const unsigned long *req, unsigned long seq)
{
	unsigned long i, j;
	int ret;

	for_each_set_bitrange(i, j, req, npages) {
		struct hmm_range hr = {
			.notifier = &range->notifier,
			.notifier_seq = seq,
			.start = start + (i << PAGE_SHIFT),
			.end = start + (j << PAGE_SHIFT),
			.hmm_pfns = pfns + i,
			.default_flags = flags,
			.dev_private_owner = SVM_EXT_PGMAP_OWNER,
		};

		/* already there as wanted: nothing to fault in */
		hr.default_flags = 0;
		ret = hmm_range_fault(&hr);
		if (ret)
			return ret;
		if (svm_ext_pfns_ok(pfns + i, j - i, flags))
			continue;
		hr.default_flags = flags;
		ret = hmm_range_fault(&hr);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * svm_ext_hmm_fault_locked() - fault a window in and take the notifier lock
 * @range: the range the window is in
 * @start: window start
 * @end: window end
 * @pfns: out, one hmm pfn per page
 * @flags: HMM_PFN_REQ_* for the pages to fault in
 * @req: which pages of the window to fault in (bit per page from @start);
 *	the others are only looked at, and reported if present.  NULL: all.
 *
 * hmm_range_fault() until no invalidation raced with it, the way hmm.rst
 * prescribes.  On success the context's notifier_lock is held, so @pfns
 * stay valid until the caller drops it; the caller maps them under it.
 *
 * Context: mmap_lock held for reading; returns 0 with the context's
 * notifier_lock held.
 *
 * Return: 0 with notifier_lock held; -EBUSY when invalidations kept racing
 * for SVM_EXT_FAULT_TIMEOUT, or hmm_range_fault()'s errno for a page of
 * @req.
 */
int svm_ext_hmm_fault_locked(struct svm_ext_range *range, unsigned long start,
			     unsigned long end, unsigned long *pfns,
			     unsigned long flags, const unsigned long *req)
{
	unsigned long timeout = jiffies + SVM_EXT_FAULT_TIMEOUT;
	struct svm_ext_mm *smm = range->smm;
	struct hmm_range hr = {
		.notifier = &range->notifier,
		.start = start,
		.end = end,
		.hmm_pfns = pfns,
		.default_flags = req ? 0 : flags,
		.dev_private_owner = SVM_EXT_PGMAP_OWNER,
	};
	int ret;

	for (;;) {
		if (time_after(jiffies, timeout))
			return -EBUSY;
		hr.notifier_seq = mmu_interval_read_begin(&range->notifier);
		ret = req ? svm_ext_hmm_fault_runs(range, start,
						   (end - start) >> PAGE_SHIFT,
						   pfns, flags, req,
						   hr.notifier_seq) : 0;
		/* then the whole window as it is, under the same sequence */
		if (!ret)
			ret = hmm_range_fault(&hr);
		if (ret == -EBUSY)
			continue;
		if (ret)
			return ret;
		mutex_lock(&smm->notifier_lock);
		if (!mmu_interval_read_retry(&range->notifier, hr.notifier_seq))
			return 0;
		mutex_unlock(&smm->notifier_lock);
	}
}
/* fail_function: walk every caller's error path (make fuzz --inject) */
ALLOW_ERROR_INJECTION(svm_ext_hmm_fault_locked, ERRNO);
