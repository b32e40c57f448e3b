// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: device and CPU fault service.
 */

/**
 * DOC: Fault path
 *
 * A driver whose device faults on a user address calls
 * svm_ext_device_fault() (or svm_ext_device_fault_batch() with the other
 * pages of the 2 MiB range that faulted with it, as a GPU's fault buffer
 * reports them), in process context and without mmap_lock.  The core then:
 *
 * 1. takes a reference on the mm (-ESRCH once it has exited), looks up or
 *    creates the address's range (svm_ext_range_get()) and takes mmap_lock
 *    for reading; the address needs a VMA that allows the access (read, or
 *    write for a write or atomic access), else -EFAULT, as the CPU would
 *    get SIGSEGV;
 * 2. fills a struct svm_ext_fault_ctx: the range clipped to the VMA, where
 *    the faulting page is now (a device, system memory or not populated),
 *    the attributes in force, the faulting device's peers, the range's
 *    counters, and whether the VMA may migrate at all (private anonymous
 *    memory that is not mlocked, hugetlb or a special mapping);
 * 3. asks the policy (svm_ext_policy_fault()): the attached policy's fault
 *    hook, its decision checked, or the built-in default
 *    (svm_ext_default_fault()).  The decision is one of: migrate a window
 *    to a location, then map it; map the window in place; throttle (the
 *    device waits up to SVM_EXT_THROTTLE_MAX_NS, without mmap_lock, then
 *    maps in place); or, for reads, map read-only copies made in the
 *    faulting device's memory (read-mostly, DOC: Read-mostly copies);
 * 4. carries it out.  A migration happens only where the VMA may migrate;
 *    pages that do not move stay where they are, which is never an error.
 *    The faulting device's chunk of the range becomes its most recently
 *    used one;
 * 5. maps the window (svm_ext_map_window()): hmm_range_fault() faults in
 *    the pages the device accessed (the faulting page and its batch, with
 *    write permission for a write) and looks at the others without
 *    faulting them in; notifier_lock is taken and the sequence checked
 *    (svm_ext_hmm_fault_locked()), and the pages go to the driver's
 *    &svm_ext_device_ops.map, each marked as local, peer or system memory;
 *    an aligned 2 MiB window of physically contiguous pages of one kind
 *    and permission goes as one 2 MiB entry.  The rest of the window is
 *    mapped only when all of it is present.  A write first drops the
 *    window's read-mostly copies, and system pages mapped writable are
 *    marked dirty, since the device writes them behind the CPU page
 *    table's back.  Pages in the memory of a device the faulting one has
 *    no peer link to, and device pages shared copy-on-write after fork()
 *    that a write needs, are migrated to system memory and the mapping is
 *    tried again, up to three times in all (then -EBUSY).
 *
 * On success the device page table maps the address with the permission
 * the access needs, unless an invalidation has removed it again, in which
 * case the device simply faults again.  A fault is counted once in the
 * device's counters and in the caller's struct svm_ext_fault_stats,
 * whatever the batch size.
 *
 * Access-counter notifications (svm_ext_device_access_counter()) take the
 * same path when a policy asked for them (SVM_EXT_OPS_ACCESS_COUNTERS):
 * the fault hook sees SVM_EXT_FAULT_COUNTER in &svm_ext_fault_ctx.flags,
 * only a migrate decision is acted on, and the default decides nothing.
 *
 * CPU faults: the CPU touching a page in device memory ends up in the
 * pagemap's migrate_to_ram callback, svm_ext_cpu_fault(), with mmap_lock
 * held and the page locked.  The policy's cpu_fault hook may choose the
 * window around the address that comes back; by default it is the page's
 * whole range, clipped to the VMA.  The window is migrated to system memory
 * (2 MiB device folios as transparent huge pages where the VMA allows);
 * the CPU then retries the access.
 */
#include <linux/delay.h>
#include <linux/hmm.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include "internal.h"
#include "trace.h"

/* Where the page at @addr is now, without faulting anything in. */
static u32 svm_ext_page_loc(struct svm_ext_range *range, unsigned long addr)
{
	unsigned long pfn;
	struct hmm_range hr = {
		.notifier = &range->notifier,
		.start = addr,
		.end = addr + PAGE_SIZE,
		.hmm_pfns = &pfn,
		.dev_private_owner = SVM_EXT_PGMAP_OWNER,
	};
	u32 idx;
	int ret;

	do {
		hr.notifier_seq = mmu_interval_read_begin(&range->notifier);
		ret = hmm_range_fault(&hr);
	} while (ret == -EBUSY);
	if (ret || !(pfn & HMM_PFN_VALID))
		return SVM_EXT_LOC_NONE;
	if (svm_ext_page_is_device(hmm_pfn_to_page(pfn), &idx))
		return idx;
	return SVM_EXT_LOC_SYSTEM;
}

static bool svm_ext_vma_migratable(struct vm_area_struct *vma)
{
	return vma_is_anonymous(vma) &&
	       !(vma->vm_flags & (VM_SHARED | VM_LOCKED | VM_HUGETLB |
				  VM_IO | VM_PFNMAP | VM_MIXEDMAP));
}

/**
 * svm_ext_fault_req() - the pages of a window a device fault accessed
 * @req: out, one bit per page of the window (SVM_EXT_CHUNK_PAGES bits)
 * @range: the range of the window
 * @start: window start
 * @end: window end
 * @addr: the faulting address, inside the window
 * @batch: pages of @range that faulted with it (bit per page from
 *	@range->start), or NULL
 */
void svm_ext_fault_req(unsigned long *req, struct svm_ext_range *range,
		       unsigned long start, unsigned long end,
		       unsigned long addr, const unsigned long *batch)
{
	unsigned long off = (start - range->start) >> PAGE_SHIFT;
	unsigned long npages = (end - start) >> PAGE_SHIFT, i;

	bitmap_zero(req, SVM_EXT_CHUNK_PAGES);
	if (batch) {
		i = off;
		for_each_set_bit_from(i, batch, off + npages)
			__set_bit(i - off, req);
	}
	i = (addr - start) >> PAGE_SHIFT;
	if (!WARN_ON_ONCE(addr < start || i >= npages))
		__set_bit(i, req);
}

/*
 * The device may write @page without faulting once it maps it writable,
 * and the CPU page table never learns of it: the PTE may well be writable
 * but clean (shared memory the CPU only read, a swap-cache page a read
 * brought back, a lazily freed page), and reclaim drops a clean page, or
 * keeps its stale swap copy.  So the folio is made dirty before the device
 * gets it, as a CPU write fault would make the PTE dirty.  It then stays
 * dirty while the device maps it: whatever cleans a mapped folio
 * (writeback's folio_mkclean(), reclaim's unmap, MADV_FREE) first goes
 * through the interval notifier, which removes the device's mapping.  The
 * folio is not locked here: it cannot be truncated while notifier_lock is
 * held, as truncation first unmaps it and that invalidation waits for the
 * lock (zap_pte_range() relies on its PTE lock the same way).
 */
static void svm_ext_dirty_for_device(struct page *page, struct folio **last)
{
	struct folio *folio = page_folio(page);

	if (folio == *last)
		return;
	*last = folio;
	if (!folio_test_dirty(folio))
		folio_mark_dirty(folio);
}

/*
 * Can the window go to the driver as one 2 MiB mapping?  It must be a whole
 * aligned chunk of physically contiguous pages, all of one kind and
 * permission: a THP in system memory (hmm reports its order) or a chunk
 * fully resident in one device's memory (device chunks are contiguous).
 */
static bool svm_ext_window_huge(unsigned long start, unsigned long npages,
				const unsigned long *pfns, struct page **pages,
				const bool *writable,
				const enum svm_ext_map_kind *kind)
{
	unsigned long pfn0, i;

	if (npages != SVM_EXT_CHUNK_PAGES ||
	    !IS_ALIGNED(start, SVM_EXT_CHUNK_SIZE) || !pages[0])
		return false;
	if (kind[0] == SVM_EXT_MAP_SYSTEM &&
	    hmm_pfn_to_map_order(pfns[0]) < SVM_EXT_CHUNK_ORDER)
		return false;
	pfn0 = page_to_pfn(pages[0]);
	for (i = 1; i < npages; i++)
		if (!pages[i] || page_to_pfn(pages[i]) != pfn0 + i ||
		    kind[i] != kind[0] || writable[i] != writable[0])
			return false;
	return true;
}

/*
 * hmm_range_fault() the window and give the driver its pages.  Pages on a
 * device other than @dev appear as they are (shared pgmap owner); the caller
 * has already moved home those @dev cannot reach.
 */
static int svm_ext_map_window(struct svm_ext_binding *b,
			      struct svm_ext_range *range,
			      unsigned long start, unsigned long end,
			      enum svm_ext_access access, unsigned long addr,
			      const unsigned long *req,
			      struct svm_ext_fault_stats *stats)
{
	unsigned long npages = (end - start) >> PAGE_SHIFT, i;
	unsigned long flags = HMM_PFN_REQ_FAULT |
			      (access != SVM_EXT_ACCESS_READ ? HMM_PFN_REQ_WRITE : 0);
	DECLARE_BITMAP(one, SVM_EXT_CHUNK_PAGES);
	struct svm_ext_mm *smm = b->smm;
	struct folio *dirtied = NULL;
	enum svm_ext_map_kind *kind;
	unsigned long *pfns;
	struct page **pages;
	bool *writable, huge, replicas, whole;
	u64 remote = 0;
	int ret;

	pfns = kvcalloc(npages, sizeof(*pfns), GFP_KERNEL);
	pages = kvcalloc(npages, sizeof(*pages), GFP_KERNEL);
	writable = kvcalloc(npages, sizeof(*writable), GFP_KERNEL);
	kind = kvcalloc(npages, sizeof(*kind), GFP_KERNEL);
	if (!pfns || !pages || !writable || !kind) {
		ret = -ENOMEM;
		goto out;
	}
	ret = svm_ext_hmm_fault_locked(range, start, end, pfns, flags, req);
	if (ret && ret != -EBUSY && ret != -ENOMEM &&
	    bitmap_weight(req, npages) > 1) {
		/*
		 * A page the access reaches later may be one the process
		 * could not touch either (beyond the end of its file): this
		 * one still works, and that one fails when the device gets
		 * there, as it would on the CPU.
		 */
		bitmap_zero(one, SVM_EXT_CHUNK_PAGES);
		__set_bit((addr - start) >> PAGE_SHIFT, one);
		req = one;
		ret = svm_ext_hmm_fault_locked(range, start, end, pfns, flags,
					       req);
	}
	if (ret)
		goto out;

	if (access != SVM_EXT_ACCESS_READ)
		svm_ext_replicas_drop(range, start, end, true);
	/* copies elsewhere in the range are of other pages: this window's */
	replicas = svm_ext_replicas_in(range, start, end);
	/*
	 * The rest of the window goes along only when all of it is present
	 * (it was migrated here, or the CPU populated it): a window that is
	 * filling up page by page would otherwise be handed over again at
	 * every fault.
	 */
	for (i = 0, whole = true; i < npages && whole; i++)
		whole = pfns[i] & HMM_PFN_VALID;
	for (i = 0; i < npages; i++) {
		u32 idx;

		if (!(pfns[i] & HMM_PFN_VALID) || (!whole && !test_bit(i, req)))
			continue;
		pages[i] = hmm_pfn_to_page(pfns[i]);
		/* with copies about, nobody writes without faulting */
		writable[i] = (pfns[i] & HMM_PFN_WRITE) && !replicas;
		if (access != SVM_EXT_ACCESS_READ && !writable[i] &&
		    test_bit(i, req)) {
			/*
			 * hmm_range_fault() reports our device pages as they
			 * are, even when write is required: a read-only one
			 * is shared copy-on-write (fork), which only the CPU
			 * can break.  The caller brings it home first.  A
			 * page the device did not write to is mapped
			 * read-only, as it is.
			 */
			mutex_unlock(&smm->notifier_lock);
			ret = -EACCES;
			goto out;
		}
		if (!svm_ext_page_is_device(pages[i], &idx)) {
			kind[i] = SVM_EXT_MAP_SYSTEM;
			if (writable[i])
				svm_ext_dirty_for_device(pages[i], &dirtied);
		} else if (idx == b->dev->index) {
			kind[i] = SVM_EXT_MAP_LOCAL;
		} else if (b->dev->peer_mask & BIT_ULL(idx)) {
			kind[i] = SVM_EXT_MAP_PEER;
		} else {
			/* no path to that device: the caller moves it home */
			mutex_unlock(&smm->notifier_lock);
			ret = -EAGAIN;
			goto out;
		}
	}
	huge = svm_ext_window_huge(start, npages, pfns, pages, writable, kind);
	/* remote maps: what the device newly maps in place */
	remote = b->dev->ops->map(b, start, pages, writable, kind, npages,
				  huge ? SVM_EXT_CHUNK_ORDER : 0);
	mutex_unlock(&smm->notifier_lock);

	if (huge) {
		atomic64_inc(&b->dev->core->cnt.huge_maps);
		if (stats)
			stats->huge_maps++;
	}
	atomic64_add(remote, &b->dev->core->cnt.remote_maps);
	atomic64_add(remote, &range->cnt.remote_maps);
	if (stats)
		stats->remote_maps += remote;
out:
	kvfree(kind);
	kvfree(writable);
	kvfree(pages);
	kvfree(pfns);
	return ret;
}

/*
 * One device fault (or batch of faults), or with @counter an access-counter
 * notification: the device has accessed a chunk it maps in place heavily
 * and asks whether the data should come closer.  A notification is only
 * delivered to a policy that asked for them; what it does not decide to
 * migrate stays mapped where it is.
 */
static int svm_ext_service(struct svm_ext_binding *b, unsigned long addr,
			   enum svm_ext_access access,
			   const unsigned long *batch,
			   struct svm_ext_fault_stats *stats, bool counter)
{
	struct svm_ext_mm *smm = b->smm;
	struct mm_struct *mm = smm->mn.mm;
	struct svm_ext_fault_ctx ctx = {};
	struct svm_ext_fault_req req = {};
	DECLARE_BITMAP(accessed, SVM_EXT_CHUNK_PAGES);
	struct svm_ext_attrs attrs;
	struct svm_ext_range *range;
	struct vm_area_struct *vma;
	unsigned long start, end;
	unsigned int tries;
	u64 keep;
	int ret;

	if (access > SVM_EXT_ACCESS_ATOMIC)
		return -EINVAL;
	addr = PAGE_ALIGN_DOWN(addr);
	if (READ_ONCE(smm->dead) || !mmget_not_zero(mm))
		return -ESRCH;
	svm_ext_mm_note_cgroup(smm, mm);
	range = svm_ext_range_get(smm, addr);
	if (IS_ERR(range)) {
		ret = PTR_ERR(range);
		goto out_mmput;
	}

	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	if (!vma || !(vma->vm_flags & VM_READ) ||
	    (access != SVM_EXT_ACCESS_READ && !(vma->vm_flags & VM_WRITE))) {
		ret = -EFAULT;
		goto out_unlock;
	}

	ctx.dev = b->dev->index;
	ctx.access = access;
	ctx.addr = addr;
	ctx.range_start = max(range->start, vma->vm_start);
	ctx.range_end = min(range->end, vma->vm_end);
	ctx.cur_loc = svm_ext_page_loc(range, addr);
	svm_ext_attrs_get(smm, addr, &attrs);
	ctx.preferred_loc = attrs.preferred_loc;
	ctx.granularity = attrs.granularity;
	ctx.accessed_by = attrs.accessed_by;
	ctx.read_mostly = attrs.read_mostly;
	ctx.peer_mask = b->dev->peer_mask;
	ctx.flags = svm_ext_vma_migratable(vma) ? SVM_EXT_FAULT_MIGRATABLE : 0;
	if (counter)
		ctx.flags |= SVM_EXT_FAULT_COUNTER;
	ctx.nr_devices = svm_ext_device_count();
	ctx.range_faults = counter ? atomic64_read(&range->cnt.faults) :
				     atomic64_inc_return(&range->cnt.faults);
	ctx.range_pages_in = atomic64_read(&range->cnt.pages_in);
	ctx.range_remote_maps = atomic64_read(&range->cnt.remote_maps);
	ctx.now_ns = ktime_get_ns();
	req.range = range;
	req.batch = batch;
	ctx.priv = &req;
	ctx.batch_pages = batch ? bitmap_weight(batch, SVM_EXT_CHUNK_PAGES) : 0;
	if (!batch || !test_bit((addr - range->start) >> PAGE_SHIFT, batch))
		ctx.batch_pages++;

	/* Always returns with a valid decision: the policy's or the default. */
	svm_ext_policy_fault(&ctx);
	trace_svm_ext_fault(ctx.dev, addr, access, ctx.decision, ctx.dec_loc,
			    ctx.dec_start, ctx.dec_end);
	if (counter) {
		atomic64_inc(&b->dev->core->cnt.access_notifications);
		if (stats)
			stats->access_notifications++;
		/* only a move is acted on: the mapping in place stays */
		if (ctx.decision != SVM_EXT_DECIDE_MIGRATE ||
		    !(ctx.flags & SVM_EXT_FAULT_MIGRATABLE)) {
			ret = 0;
			goto out_unlock;
		}
	} else {
		atomic64_inc(&b->dev->core->cnt.faults[access]);
		if (stats)
			stats->faults++;
	}

	start = ctx.dec_start;
	end = ctx.dec_end;
	if (ctx.decision == SVM_EXT_DECIDE_THROTTLE && ctx.dec_ns) {
		/* back off without holding the mm, then map in place */
		mmap_read_unlock(mm);
		fsleep(div_u64(ctx.dec_ns, NSEC_PER_USEC));
		if (stats)
			stats->throttle_ns += ctx.dec_ns;
		mmap_read_lock(mm);
		vma = vma_lookup(mm, addr);
		if (!vma || !(vma->vm_flags & VM_READ) ||
		    (access != SVM_EXT_ACCESS_READ &&
		     !(vma->vm_flags & VM_WRITE))) {
			ret = -EFAULT;
			goto out_unlock;
		}
		start = max(start, vma->vm_start);
		end = min(end, vma->vm_end);
	}
	/* only these are faulted in; the rest of the window if present */
	svm_ext_fault_req(accessed, range, start, end, addr, batch);
	if (ctx.decision == SVM_EXT_DECIDE_DUPLICATE &&
	    access == SVM_EXT_ACCESS_READ &&
	    !svm_ext_replicate_window(b, range, start, end, accessed, stats)) {
		svm_ext_evict_touch(b->dev->core, range);
		ret = 0;
		goto out_unlock;
	}
	/* no copy could be made: map the ordinary way, below */
	if (ctx.decision == SVM_EXT_DECIDE_MIGRATE &&
	    (ctx.flags & SVM_EXT_FAULT_MIGRATABLE)) {
		if (ctx.dec_loc == SVM_EXT_LOC_SYSTEM) {
			svm_ext_migrate_to_system(range, vma, start, end, 0, NULL,
						  SVM_EXT_CAUSE_FAULT, stats);
		} else {
			struct svm_ext_device *dst = svm_ext_device_get(ctx.dec_loc);

			if (dst)
				svm_ext_migrate_to_device(range, vma, start, end,
							  dst, SVM_EXT_CAUSE_FAULT,
							  stats);
		}
	}

	svm_ext_evict_touch(b->dev->core, range);

	/*
	 * Whatever was decided, pages on devices the faulting device cannot
	 * reach must come home before it can map them.
	 */
	keep = BIT_ULL(b->dev->index) | b->dev->peer_mask;
	for (tries = 0; tries < 3; tries++) {
		ret = svm_ext_map_window(b, range, start, end, access, addr,
					 accessed, stats);
		if (ret == -EAGAIN)
			svm_ext_migrate_to_system(range, vma, start, end, keep, NULL,
						  SVM_EXT_CAUSE_FAULT, stats);
		else if (ret == -EACCES)	/* COW-shared device pages */
			svm_ext_migrate_to_system(range, vma, start, end, 0, NULL,
						  SVM_EXT_CAUSE_FAULT, stats);
		else
			break;
	}
	if (ret == -EAGAIN || ret == -EACCES)
		ret = -EBUSY;
out_unlock:
	mmap_read_unlock(mm);
	svm_ext_range_put(range);
out_mmput:
	mmput(mm);
	return ret;
}

/**
 * svm_ext_device_fault_batch() - service a batch of device page faults
 * @b: the binding the device faulted through
 * @addr: faulting address
 * @access: kind of access
 * @batch: pages of @addr's 2 MiB chunk that faulted together (one bit per
 *	page from the chunk's start), as a GPU's fault buffer reports them;
 *	NULL for @addr alone.  Policies see it (svm_ext_fault_batch()); the
 *	default window does not depend on it.
 * @stats: per-call accounting for the driver (may be NULL)
 *
 * One fault as far as accounting goes, whatever the batch size.  On return
 * 0 the driver's page table maps @addr with at least the permission
 * @access needs (or an invalidation has already removed it again, in which
 * case the driver simply faults again).
 *
 * Context: Process context, without mmap_lock (takes it for reading) and
 * without the driver's binding lock held for writing; may sleep, also for a
 * policy's throttle.
 *
 * Return: 0; -EINVAL for an unknown @access; -EFAULT for an address without
 * a VMA or without the needed permission (the process would get SIGSEGV);
 * -ESRCH when the mm is gone; -ENOMEM; -EDQUOT when the process already
 * has the most ranges it may (max_ranges); -EBUSY when invalidations kept
 * racing for 5 seconds, or the window still could not be mapped after its
 * pages were moved home; or hmm_range_fault()'s errno for the faulting
 * page.
 */
int svm_ext_device_fault_batch(struct svm_ext_binding *b, unsigned long addr,
			       enum svm_ext_access access,
			       const unsigned long *batch,
			       struct svm_ext_fault_stats *stats)
{
	return svm_ext_service(b, addr, access, batch, stats, false);
}
EXPORT_SYMBOL_GPL(svm_ext_device_fault_batch);

/**
 * svm_ext_access_counters_wanted() - does the active policy take
 * access-counter notifications
 *
 * Lets a driver skip counting accesses to memory it maps in place while no
 * policy would hear about them.  Racy by nature: a policy attached a moment
 * later sees its first notification a little later.
 *
 * Context: Any context; does not sleep.
 *
 * Return: true if svm_ext_device_access_counter() would reach a policy.
 */
bool svm_ext_access_counters_wanted(void)
{
	return svm_ext_policy_wants_counters();
}
EXPORT_SYMBOL_GPL(svm_ext_access_counters_wanted);

/**
 * svm_ext_device_access_counter() - a device's access counter for the
 * chunk of @addr crossed its threshold
 * @b: the binding the device accessed through
 * @addr: an address in the chunk, mapped in place (system or peer memory)
 * @access: the access that crossed the threshold
 * @stats: per-call accounting for the driver (may be NULL)
 *
 * Like the access counters of NVIDIA's Volta and later GPUs: a device that
 * keeps reading or writing memory it maps remotely tells the core, which
 * lets a policy that set SVM_EXT_OPS_ACCESS_COUNTERS decide in its fault
 * hook (ctx->flags has SVM_EXT_FAULT_COUNTER) whether to migrate a window
 * closer.  Nothing happens without such a policy, or when it decides
 * anything but a migration; this is never counted as a fault.
 *
 * Context: As svm_ext_device_fault_batch().
 *
 * Return: 0, or an error as svm_ext_device_fault_batch(); the mapping in
 * place stays valid either way.
 */
int svm_ext_device_access_counter(struct svm_ext_binding *b,
				  unsigned long addr,
				  enum svm_ext_access access,
				  struct svm_ext_fault_stats *stats)
{
	if (!svm_ext_policy_wants_counters())
		return 0;
	return svm_ext_service(b, addr, access, NULL, stats, true);
}
EXPORT_SYMBOL_GPL(svm_ext_device_access_counter);

/**
 * svm_ext_device_fault() - service one device page fault
 * @b: the binding the device faulted through
 * @addr: faulting address
 * @access: kind of access
 * @stats: per-call accounting for the driver (may be NULL)
 *
 * svm_ext_device_fault_batch() without a batch.
 *
 * Context: As svm_ext_device_fault_batch().
 *
 * Return: as svm_ext_device_fault_batch().
 */
int svm_ext_device_fault(struct svm_ext_binding *b, unsigned long addr,
			 enum svm_ext_access access,
			 struct svm_ext_fault_stats *stats)
{
	return svm_ext_device_fault_batch(b, addr, access, NULL, stats);
}
EXPORT_SYMBOL_GPL(svm_ext_device_fault);

/**
 * svm_ext_cpu_fault() - the pagemap's migrate_to_ram: the CPU touched a page
 * in device memory
 * @vmf: the fault (mmap_lock held for read)
 *
 * Context: The pagemap's migrate_to_ram: mmap_lock held for reading,
 * @vmf->page locked and referenced.
 *
 * Return: 0 (the CPU retries the access), VM_FAULT_OOM or VM_FAULT_SIGBUS.
 */
vm_fault_t svm_ext_cpu_fault(struct vm_fault *vmf)
{
	struct svm_ext_device_core *core = svm_ext_page_core(vmf->page);
	struct vm_area_struct *vma = vmf->vma;
	unsigned long addr = vmf->address & PAGE_MASK;
	struct svm_ext_cpu_fault_ctx ctx = {};
	long ret;

	ctx.dev = core->dev->index;
	ctx.addr = addr;
	ctx.range_start = max(ALIGN_DOWN(addr, SVM_EXT_CHUNK_SIZE), vma->vm_start);
	ctx.range_end = min(ALIGN_DOWN(addr, SVM_EXT_CHUNK_SIZE) +
			    SVM_EXT_CHUNK_SIZE, vma->vm_end);
	/* Always returns with a valid window around addr. */
	svm_ext_policy_cpu_fault(&ctx);

	atomic64_inc(&core->cnt.cpu_faults);
	ret = svm_ext_migrate_to_system(NULL, vma, ctx.dec_start, ctx.dec_end, 0,
					vmf->page, SVM_EXT_CAUSE_CPU_FAULT, NULL);
	/*
	 * A 2 MiB device folio that must come home as 4 KiB pages (no THP
	 * for this VMA, or none free) cannot be split while a PMD maps it
	 * and this fault holds a reference: the first attempt only turns
	 * the PMD into PTEs and moves nothing, the second splits and moves.
	 */
	if (!ret && folio_test_large(page_folio(vmf->page)))
		ret = svm_ext_migrate_to_system(NULL, vma, ctx.dec_start,
						ctx.dec_end, 0, vmf->page,
						SVM_EXT_CAUSE_CPU_FAULT, NULL);
	/* the pages this fault brought home, from any device: for cost models */
	if (ret > 0)
		atomic64_add(ret, &core->cnt.cpu_fault_pages);
	trace_svm_ext_cpu_fault(ctx.dev, addr, ctx.dec_start, ctx.dec_end, ret);
	if (ret == -ENOMEM)
		return VM_FAULT_OOM;
	if (ret < 0)
		return VM_FAULT_SIGBUS;
	return 0;
}
