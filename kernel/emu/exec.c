// SPDX-License-Identifier: GPL-2.0
/*
 * svm_emu: the EXEC ioctl - the device performs memory accesses.
 */

/**
 * DOC: Device accesses
 *
 * DRM_IOCTL_SVM_EMU_EXEC runs a list of accesses (read, write, atomic add,
 * fill, checksum over [addr, addr + length), every byte or one word per
 * stride), all checked before the first runs.  The device walks its own
 * page table (&svm_emu_file.pt).  A missing entry, or a read-only entry for
 * a write, is a device page fault: the device collects the pages of the
 * same 2 MiB range the access will miss next, up to fault_batch (256, as
 * NVIDIA's driver services at most 256 faults per batch) with the faulting
 * one, as a GPU's fault buffer would, and calls
 * svm_ext_device_fault_batch(); the access then retries.  It gives up with
 * -EBUSY only after 10 s without progress on the page (under TCG, devices
 * thrashing one working set can take hundreds of rounds).  Each mapped
 * page is touched with the page table's lock held, so an invalidation
 * (which takes the same lock) cannot free a page under the device: the
 * lock is the emulated TLB shootdown.  A fatal signal ends the call
 * between pages (-EINTR).  The call reports the core's counters for its
 * faults and a modeled device time (DOC: Cost model).
 */
#include <linux/capability.h>
#include <linux/highmem.h>
#include <linux/kstrtox.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <drm/drm_print.h>
#include "emu.h"

/*
 * A page may be unmapped again between its fault and the access (eviction,
 * another device taking it): the device faults again.  It gives up with
 * EBUSY only after this long without touching the page, which under TCG
 * with many devices thrashing one working set can take hundreds of rounds.
 */
#define SVM_EMU_FAULT_PATIENCE	(10 * HZ)
/*
 * Pages one fault batch reports at most, like a GPU fault buffer: NVIDIA's
 * driver services up to 256 faults per batch (uvm_perf_fault_batch_count),
 * so with warps touching a whole 2 MiB chunk its prefetcher sees half of it
 * on the first batch.  Batches stay inside one 2 MiB chunk, as the real
 * driver services one 2 MiB block at a time.
 */
static unsigned int fault_batch = 256;

static int svm_emu_set_fault_batch(const char *val,
				   const struct kernel_param *kp)
{
	unsigned int v;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = kstrtouint(val, 0, &v);
	if (ret)
		return ret;
	if (!v || v > (1U << SVM_EXT_CHUNK_ORDER))
		return -ERANGE;
	WRITE_ONCE(fault_batch, v);
	return 0;
}

static const struct kernel_param_ops svm_emu_fault_batch_ops = {
	.set = svm_emu_set_fault_batch,
	.get = param_get_uint,
};
module_param_cb(fault_batch, &svm_emu_fault_batch_ops, &fault_batch, 0644);
MODULE_PARM_DESC(fault_batch,
		 "pages one device fault batch reports at most (1-512, default 256)");
/**
 * DOC: Access counters
 *
 * Like the access counters of NVIDIA's Volta and later GPUs, the device
 * counts the bytes it reads and writes in place (system or peer memory) per
 * 2 MiB chunk; when a chunk's count reaches access_counter_bytes it notifies
 * the core (svm_ext_device_access_counter()) and starts again from zero.  A
 * policy may then move the data closer.  The default threshold is one chunk:
 * once the device has moved as many bytes over the link as a migration of
 * the chunk would, moving it stops being a gamble (ski rental).  Nothing is
 * counted while no policy takes the notifications.
 */
static unsigned int access_counter_bytes = PAGE_SIZE << SVM_EXT_CHUNK_ORDER;

module_param_cb(access_counter_bytes, &svm_ext_admin_uint_ops,
		&access_counter_bytes, 0644);
MODULE_PARM_DESC(access_counter_bytes,
		 "bytes a device accesses in place in one 2 MiB chunk before it notifies the core (0: never; default 2097152)");

#define FNV_OFFSET		0xcbf29ce484222325ULL
#define FNV_PRIME		0x100000001b3ULL

struct svm_emu_run {
	struct svm_emu_file *ef;
	struct svm_ext_fault_stats st;
	u64 access_ns;
	u64 pages_in_write;	/* of st's pages from system: by write faults */
};

static enum svm_ext_access svm_emu_op_access(u32 op)
{
	switch (op) {
	case SVM_EMU_OP_WRITE:
	case SVM_EMU_OP_FILL:
		return SVM_EXT_ACCESS_WRITE;
	case SVM_EMU_OP_ATOMIC_ADD:
		return SVM_EXT_ACCESS_ATOMIC;
	default:
		return SVM_EXT_ACCESS_READ;
	}
}

/* Apply @a to the part of it inside one page, mapped at @kaddr. */
static u64 svm_emu_do_page(struct drm_svm_emu_access *a, void *kaddr,
			   unsigned long va, unsigned long from,
			   unsigned long to, u64 *widx)
{
	u64 bytes = 0;

	if (!a->stride) {
		u64 *w = kaddr + (from - va);
		unsigned long n = (to - from) / 8, i;

		switch (a->op) {
		case SVM_EMU_OP_READ:
			break;
		case SVM_EMU_OP_WRITE:
			for (i = 0; i < n; i++)
				w[i] = a->value + *widx + i;
			break;
		case SVM_EMU_OP_ATOMIC_ADD:
			for (i = 0; i < n; i++)
				atomic64_add(a->value, (atomic64_t *)&w[i]);
			break;
		case SVM_EMU_OP_FILL:
			memset(w, (u8)a->value, n * 8);
			break;
		case SVM_EMU_OP_CHECKSUM:
			for (i = 0; i < n; i++)
				a->result = (a->result ^ w[i]) * FNV_PRIME;
			break;
		}
		*widx += n;
		return n * 8;
	}

	/* strided: one word at each addr + k * stride inside [from, to) */
	for (; from < to; from += a->stride) {
		u64 *w = kaddr + (from - va);

		switch (a->op) {
		case SVM_EMU_OP_WRITE:
			*w = a->value + *widx;
			break;
		case SVM_EMU_OP_ATOMIC_ADD:
			atomic64_add(a->value, (atomic64_t *)w);
			break;
		case SVM_EMU_OP_FILL:
			memset(w, (u8)a->value, 8);
			break;
		case SVM_EMU_OP_CHECKSUM:
			a->result = (a->result ^ *w) * FNV_PRIME;
			break;
		}
		(*widx)++;
		bytes += 8;
	}
	return bytes;
}

/*
 * The fault buffer: a GPU reports the faults of many threads at once.  Here
 * the batch is the pages this access touches next, from @pos, inside the
 * same 2 MiB chunk, that the device page table cannot serve either, up to
 * fault_batch of them.  Returns the batch size (@pos's page
 * included); @batch has a bit per page from the chunk's start.
 */
static unsigned int svm_emu_fault_batch(struct svm_emu_file *ef,
					const struct drm_svm_emu_access *a,
					enum svm_ext_access acc,
					unsigned long pos, unsigned long end,
					unsigned long *batch)
{
	unsigned long chunk = ALIGN_DOWN(pos, PAGE_SIZE << SVM_EXT_CHUNK_ORDER);
	unsigned long lim = min(end, chunk + (PAGE_SIZE << SVM_EXT_CHUNK_ORDER));
	unsigned int n = 0, max = READ_ONCE(fault_batch);

	bitmap_zero(batch, 1U << SVM_EXT_CHUNK_ORDER);
	while (pos < lim && n < max) {
		unsigned long va = pos & PAGE_MASK;
		unsigned long to = min(lim, va + PAGE_SIZE);
		void *entry = xa_load(&ef->pt, va >> PAGE_SHIFT);

		if (!entry || (acc != SVM_EXT_ACCESS_READ &&
			       !(xa_to_value(entry) & SVM_EMU_PTE_WRITE))) {
			__set_bit((va - chunk) >> PAGE_SHIFT, batch);
			n++;
		}
		if (a->stride)
			pos += DIV_ROUND_UP(to - pos, a->stride) * a->stride;
		else
			pos = to;
	}
	return n;
}

/*
 * Count @bytes accessed in place at @va.  Returns true when the chunk's
 * counter reached the threshold (and restarts it): the caller notifies.
 * A counter that cannot be stored (no memory) just misses these bytes.
 */
static bool svm_emu_count_in_place(struct svm_emu_file *ef, unsigned long va,
				   u64 bytes)
{
	unsigned long idx = va >> (PAGE_SHIFT + SVM_EXT_CHUNK_ORDER);
	u64 limit = READ_ONCE(access_counter_bytes), n;
	bool crossed;
	void *old;

	if (!limit)
		return false;
	xa_lock(&ef->acnt);
	old = xa_load(&ef->acnt, idx);
	n = (old ? xa_to_value(old) : 0) + bytes;
	crossed = n >= limit;
	/* user-driven: charged, and no dip into the atomic reserves */
	__xa_store(&ef->acnt, idx, xa_mk_value(crossed ? 0 : n),
		   GFP_NOWAIT | __GFP_NOWARN | __GFP_ACCOUNT);
	xa_unlock(&ef->acnt);
	return crossed;
}

/* pages one lock hold of the page table may serve from a 2 MiB entry */
#define SVM_EMU_TLB_RUN	16

static bool svm_emu_same_chunk(unsigned long a, unsigned long b)
{
	return (a >> (PAGE_SHIFT + SVM_EXT_CHUNK_ORDER)) ==
	       (b >> (PAGE_SHIFT + SVM_EXT_CHUNK_ORDER));
}

static int svm_emu_do_access(struct svm_emu_run *run,
			     struct drm_svm_emu_access *a)
{
	struct svm_emu_file *ef = run->ef;
	enum svm_ext_access acc = svm_emu_op_access(a->op);
	unsigned long end = a->addr + a->length;
	unsigned long pos = a->addr;
	DECLARE_BITMAP(batch, 1U << SVM_EXT_CHUNK_ORDER);
	u64 widx = 0, bytes = 0;
	unsigned long since = 0;	/* jiffies of the first unserved fault */
	bool counting = svm_ext_access_counters_wanted();
	unsigned int run_left;
	u64 from_sys;
	int ret;

	a->result = a->op == SVM_EMU_OP_CHECKSUM ? FNV_OFFSET : 0;
	run->access_ns += READ_ONCE(ef->edev->cost.launch_ns);
	while (pos < end) {
		unsigned long va = pos & PAGE_MASK;
		unsigned long to = min(end, va + PAGE_SIZE);
		enum svm_ext_map_kind kind;
		struct page *page;
		void *entry, *kaddr;
		unsigned long v;
		u64 n;

		xa_lock(&ef->pt);
		entry = xa_load(&ef->pt, va >> PAGE_SHIFT);
		v = entry ? xa_to_value(entry) : 0;
		if (!entry || (acc != SVM_EXT_ACCESS_READ &&
			       !(v & SVM_EMU_PTE_WRITE))) {
			xa_unlock(&ef->pt);
			if (!since)
				since = jiffies ?: 1;
			else if (time_after(jiffies, since + SVM_EMU_FAULT_PATIENCE))
				return -EBUSY;
			if (fatal_signal_pending(current))
				return -EINTR;
			svm_emu_pt_trim(ef);
			svm_emu_fault_batch(ef, a, acc, pos, end, batch);
			svm_emu_pt_reserve(ef, va >> PAGE_SHIFT);
			from_sys = run->st.pages_to_dev - run->st.pages_peer;
			ret = svm_ext_device_fault_batch(ef->binding, va, acc,
							 batch, &run->st);
			if (acc != SVM_EXT_ACCESS_READ)
				run->pages_in_write += run->st.pages_to_dev -
						       run->st.pages_peer -
						       from_sys;
			svm_emu_pt_release(ef, va >> PAGE_SHIFT);
			if (ret)
				return ret;
			continue;
		}
		since = 0;
		kind = (v >> SVM_EMU_PTE_KIND_SHIFT) & SVM_EMU_PTE_KIND_MASK;
		/*
		 * A 2 MiB entry of local memory is a TLB hit for the pages
		 * after this one as well: take up to SVM_EMU_TLB_RUN of them
		 * in this lock hold (only local ones: in-place accesses feed
		 * the access counters page by page).
		 */
		run_left = (v & SVM_EMU_PTE_HUGE) && kind == SVM_EXT_MAP_LOCAL ?
			   SVM_EMU_TLB_RUN : 1;
		for (;;) {
			page = pfn_to_page((v >> SVM_EMU_PTE_PFN_SHIFT) +
					   (v & SVM_EMU_PTE_HUGE ?
					    (va >> PAGE_SHIFT) %
					    (1UL << SVM_EXT_CHUNK_ORDER) : 0));
			kaddr = svm_emu_kmap(ef->edev, page);
			n = svm_emu_do_page(a, kaddr, va, pos, to, &widx);
			kunmap_local(kaddr);
			run->access_ns += svm_emu_cost_access(&ef->edev->cost,
							      kind, n);
			bytes += n;
			if (a->stride)
				pos += DIV_ROUND_UP(to - pos, a->stride) *
				       a->stride;
			else
				pos = to;
			if (!--run_left || pos >= end ||
			    !svm_emu_same_chunk(pos, va))
				break;
			va = pos & PAGE_MASK;
			to = min(end, va + PAGE_SIZE);
		}
		xa_unlock(&ef->pt);

		if (kind != SVM_EXT_MAP_LOCAL && counting &&
		    svm_emu_count_in_place(ef, va, n)) {
			/* the mapping stays valid whatever the core does */
			ret = svm_ext_device_access_counter(ef->binding, va, acc,
							    &run->st);
			if (ret == -EINTR || ret == -ESRCH)
				return ret;
		}
		/*
		 * A page at a time: an access may span terabytes of mapped
		 * memory, and a killed process must not wait for all of it.
		 */
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	if (a->op == SVM_EMU_OP_READ)
		a->result = bytes;
	return 0;
}

/*
 * Every number of an access is the user's: check it before any of it is
 * used in address arithmetic.  With the stride at most the length (itself
 * at most TASK_SIZE), addr + k * stride never wraps, every word touched lies
 * in [addr, addr + length), and the device's inner loops, which run under
 * the page table's spinlock, step forward by at least 8 bytes each time.
 */
static int svm_emu_check_access(const struct drm_svm_emu_access *a)
{
	u64 end;

	if (!a->op || a->op >= SVM_EMU_OP_MAX || a->flags)
		return -EINVAL;
	if (!IS_ALIGNED(a->addr, 8) || !IS_ALIGNED(a->length, 8) ||
	    !a->length || !IS_ALIGNED(a->stride, 8) || a->stride > a->length)
		return -EINVAL;
	if (check_add_overflow(a->addr, a->length, &end) || end > TASK_SIZE)
		return -EFAULT;
	return 0;
}

/**
 * svm_emu_ioctl_exec() - DRM_IOCTL_SVM_EMU_EXEC
 * @drm: device
 * @data: struct drm_svm_emu_exec
 * @file: caller's file
 *
 * Return: 0; -EINVAL for bad flags, counts, ops, alignment, a stride longer
 * than its access or more than SVM_EMU_EXEC_MAX_BYTES in all; -ENXIO when
 * the file is not bound; -EPERM when called from another address space than
 * the bound one; -EFAULT for an access outside the caller's mappings or the
 * permission it needs; -EINTR on a fatal signal.  Accesses before a failed
 * one have been performed and their results copied back.
 */
int svm_emu_ioctl_exec(struct drm_device *drm, void *data,
		       struct drm_file *file)
{
	struct drm_svm_emu_exec *args = data;
	struct svm_emu_file *ef = file->driver_priv;
	struct drm_svm_emu_access *acc;
	struct svm_emu_run run = { .ef = ef };
	u64 __user *uptr = u64_to_user_ptr(args->accesses);
	ktime_t t0 = ktime_get();
	u64 total = 0;
	u32 i;
	int ret;

	if (args->flags || args->reserved[0] || args->reserved[1] ||
	    !args->count || args->count > SVM_EMU_EXEC_MAX_ACCESSES)
		return -EINVAL;
	/* up to 192 KiB, the caller's: charged, and no high-order kmalloc */
	acc = kvmalloc_array(args->count, sizeof(*acc), GFP_KERNEL_ACCOUNT);
	if (!acc)
		return -ENOMEM;
	if (copy_from_user(acc, uptr, array_size(args->count, sizeof(*acc)))) {
		ret = -EFAULT;
		goto out_free;
	}
	for (i = 0; i < args->count; i++) {
		ret = svm_emu_check_access(&acc[i]);
		if (ret)
			goto out_free;
		/* bound the work of one call (4096 x TASK_SIZE would not be) */
		if (check_add_overflow(total, acc[i].length, &total) ||
		    total > SVM_EMU_EXEC_MAX_BYTES) {
			ret = -EINVAL;
			goto out_free;
		}
	}

	if (svm_emu_get_binding(ef, &ret)) {
		for (i = 0; i < args->count && !ret; i++) {
			ret = svm_emu_do_access(&run, &acc[i]);
			if (!ret && fatal_signal_pending(current))
				ret = -EINTR;
		}
		up_read(&ef->sem);
	}

	memset(&args->counters, 0, sizeof(args->counters));
	args->counters.faults = run.st.faults;
	args->counters.pages_to_dev = run.st.pages_to_dev;
	args->counters.pages_from_dev = run.st.pages_from_dev;
	args->counters.remote_maps = run.st.remote_maps;
	args->counters.evictions = run.st.evictions;
	args->counters.throttle_ns = run.st.throttle_ns;
	args->counters.pages_evicted = run.st.pages_evicted;
	args->counters.huge_maps = run.st.huge_maps;
	args->counters.pages_replicated = run.st.pages_replicated;
	args->counters.access_notifications = run.st.access_notifications;
	args->counters.folios_to_dev = run.st.folios_to_dev;
	args->counters.folios_from_dev = run.st.folios_from_dev;
	args->counters.modeled_ns = run.access_ns +
		svm_emu_cost_faults(&ef->edev->cost, &run.st,
				    run.pages_in_write);
	args->counters.real_ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	if (copy_to_user(uptr, acc, array_size(args->count, sizeof(*acc))))
		ret = ret ?: -EFAULT;
out_free:
	kvfree(acc);
	return ret;
}
