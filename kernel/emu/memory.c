// SPDX-License-Identifier: GPL-2.0
/*
 * svm_emu: device memory backing, copy engine and device page table.
 */

/**
 * DOC: Emulated device memory
 *
 * Device memory is real device-private struct pages (created by the svm_ext
 * core); each is backed by one RAM page allocated when the device comes up,
 * as lib/test_hmm.c does, so the "device" can hold data the CPU cannot map.
 * The copy engine (&svm_ext_device_ops.copy) copies between backing pages
 * and system pages with the CPU.  The device page table is an xarray per
 * render-node file, indexed by user page number, whose value entries hold
 * a pfn, a kind (enum svm_ext_map_kind) and a write bit; a 2 MiB mapping is
 * one multi-index entry.
 */
#include <linux/error-injection.h>
#include <linux/highmem.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "emu.h"

/**
 * svm_emu_kmap() - map a page the emulated devices can touch
 * @edev: the device most likely to own @page (checked first), or NULL
 * @page: a system page or a device-private page of any svm_emu device
 *
 * Return: a kernel address, to be released with kunmap_local().
 */
void *svm_emu_kmap(struct svm_emu_device *edev, struct page *page)
{
	unsigned long pfn = page_to_pfn(page), off;
	struct svm_ext_device *sdev;

	/* inline tests first: a copy or an access rarely leaves edev */
	if (edev && pfn - edev->pfn_first < edev->npages)
		return kmap_local_page(edev->backing[pfn - edev->pfn_first]);
	if (is_device_private_page(page)) {
		sdev = svm_ext_page_device(page, &off);
		if (sdev) {
			edev = sdev->drvdata;
			page = edev->backing[off];
		}
	}
	return kmap_local_page(page);
}

/* Eight 64-bit loads, then eight stores: no register spills on x86-64. */
static __always_inline void svm_emu_copy_8w(u64 *d, const u64 *s)
{
	u64 w0 = s[0], w1 = s[1], w2 = s[2], w3 = s[3];
	u64 w4 = s[4], w5 = s[5], w6 = s[6], w7 = s[7];

	d[0] = w0;
	d[1] = w1;
	d[2] = w2;
	d[3] = w3;
	d[4] = w4;
	d[5] = w5;
	d[6] = w6;
	d[7] = w7;
}

/*
 * The copy engine's inner loop, two groups of eight words per iteration.
 * Under QEMU's TCG, where the tests and benchmarks run, it moves pages
 * about 1.4x faster than copy_page()'s rep movsq: 32 MiB of pages in
 * 9.8 ms against 14.0 ms (one group per iteration: 10.5 ms; four words at
 * a time: 10.8 ms; sixteen loads before the stores spill: 22.6 ms).  On
 * hardware both run at memory speed.
 */
static void svm_emu_copy_page(void *dst, const void *src)
{
	const u64 *s = src;
	u64 *d = dst;
	unsigned int i;

	for (i = 0; i < PAGE_SIZE / 8; i += 16) {
		svm_emu_copy_8w(d + i, s + i);
		svm_emu_copy_8w(d + i + 8, s + i + 8);
	}
}

/* pages copied between two chances to reschedule (about 0.1 ms in a VM) */
#define SVM_EMU_COPY_RESCHED	32

static int svm_emu_copy(struct svm_ext_device *sdev, struct page **dst,
			struct page **src, unsigned long npages)
{
	struct svm_emu_device *edev = sdev->drvdata;
	unsigned long i;

	for (i = 0; i < npages; i++) {
		void *d, *s;

		if (!dst[i])
			continue;
		d = svm_emu_kmap(edev, dst[i]);
		if (src[i]) {
			s = svm_emu_kmap(edev, src[i]);
			svm_emu_copy_page(d, s);
			kunmap_local(s);
		} else {
			clear_page(d);
		}
		kunmap_local(d);
		if (!((i + 1) % SVM_EMU_COPY_RESCHED))
			cond_resched();
	}
	return 0;
}
/* the copy engine fails (fail_function): nothing may be lost */
ALLOW_ERROR_INJECTION(svm_emu_copy, ERRNO);

/*
 * The core calls this only once no page of the device is in use any more:
 * svm_ext_evict_all() migrates every page home first, however long that
 * takes, because a page still mapped would be read from (or written to)
 * the RAM freed here.
 */
static void svm_emu_devmem_fini(struct svm_ext_device *sdev, struct page *first,
				unsigned long npages)
{
	struct svm_emu_device *edev = sdev->drvdata;
	unsigned long i;

	if (!edev->backing)
		return;
	for (i = 0; i < edev->npages; i++)
		if (edev->backing[i])
			__free_page(edev->backing[i]);
	kvfree(edev->backing);
	edev->backing = NULL;
	edev->npages = 0;
}

static int svm_emu_devmem_init(struct svm_ext_device *sdev, struct page *first,
			       unsigned long npages)
{
	struct svm_emu_device *edev = sdev->drvdata;
	unsigned long i;

	edev->backing = kvcalloc(npages, sizeof(*edev->backing), GFP_KERNEL);
	if (!edev->backing)
		return -ENOMEM;
	edev->npages = npages;
	edev->pfn_first = page_to_pfn(first);
	for (i = 0; i < npages; i++) {
		/*
		 * Zeroed now: under a VM, first touching host memory costs a
		 * host fault, which would otherwise land in the first copy.
		 */
		edev->backing[i] = alloc_page(GFP_HIGHUSER | __GFP_ZERO |
					      __GFP_NOWARN);
		if (!edev->backing[i]) {
			svm_emu_devmem_fini(sdev, first, npages);
			return -ENOMEM;
		}
		cond_resched();
	}
	return 0;
}

/**
 * DOC: Device page-table memory
 *
 * The device page table of a file grows with what its process lets the
 * device touch, which an unprivileged user controls (reading a terabyte of
 * never-written memory maps the zero page a quarter of a billion times).
 * So its nodes are charged to the caller's memory cgroup (the xarray is
 * XA_FLAGS_ACCOUNT, which also covers the nodes a store allocates itself),
 * and a file maps at most pt_max_pages pages: past that, the device drops
 * its whole page table before it takes its next fault (svm_emu_pt_trim()),
 * the way a GPU's TLB forgets, and faults back in what it still uses.
 *
 * svm_emu_map() runs under the core's notifier lock, which reclaim can need,
 * so it may only allocate without reclaim (GFP_NOWAIT); the device reserves
 * the faulting page's slot beforehand, where it may sleep
 * (svm_emu_pt_reserve()), so that the page it waits for always finds its
 * node.  A mapping that finds no memory is left out: the device faults
 * again, which costs time, never data.
 */
static unsigned int pt_max_pages = 1U << 21;
module_param_cb(pt_max_pages, &svm_ext_admin_uint_ops, &pt_max_pages, 0644);
MODULE_PARM_DESC(pt_max_pages,
		 "pages one render-node file's device page table maps before the device drops it and faults back in (default 2097152: 8 GiB)");

#define SVM_EMU_PT_GFP	(GFP_NOWAIT | __GFP_NOWARN | __GFP_ACCOUNT)

/* pages an entry maps */
static unsigned long svm_emu_pte_pages(void *entry)
{
	if (!xa_is_value(entry))
		return 0;	/* empty, or a reserved slot */
	return xa_to_value(entry) & SVM_EMU_PTE_HUGE ?
	       1UL << SVM_EXT_CHUNK_ORDER : 1;
}

/**
 * svm_emu_pt_reserve() - make room in the device page table for a fault
 * @ef: the file
 * @idx: the faulting page's index (VA >> PAGE_SHIFT)
 *
 * Allocates, charged to the caller and with reclaim allowed, the nodes that
 * reach @idx's slot, by reserving the slot if it is empty.  Undo with
 * svm_emu_pt_release() once the fault is serviced.  Process context, no
 * locks held.  Failing is harmless: svm_emu_map() then tries GFP_NOWAIT.
 */
void svm_emu_pt_reserve(struct svm_emu_file *ef, unsigned long idx)
{
	might_sleep();
	/* -ENOMEM only: then svm_emu_map() finds no node and tries itself */
	if (xa_reserve(&ef->pt, idx, GFP_KERNEL_ACCOUNT))
		return;
}

/**
 * svm_emu_pt_release() - drop a reservation svm_emu_pt_reserve() made
 * @ef: the file
 * @idx: the same index
 *
 * The slot keeps whatever the fault mapped there; a reservation nothing
 * replaced (the fault failed) is removed, so that faults at addresses that
 * never map cannot make the table grow.
 */
void svm_emu_pt_release(struct svm_emu_file *ef, unsigned long idx)
{
	xa_release(&ef->pt, idx);
}

/* entries svm_emu_pt_trim() removes per lock hold */
#define SVM_EMU_PT_TRIM_BATCH	512

/**
 * svm_emu_pt_trim() - drop the device page table once it maps too much
 * @ef: the file
 *
 * Called before each device fault.  Removing entries is always safe (it is
 * what an invalidation does); the lock is dropped every
 * SVM_EMU_PT_TRIM_BATCH entries, so no CPU spins long behind it.
 */
void svm_emu_pt_trim(struct svm_emu_file *ef)
{
	XA_STATE(xas, &ef->pt, 0);
	unsigned int n = 0;
	void *entry;

	if (READ_ONCE(ef->pt_pages) <= READ_ONCE(pt_max_pages))
		return;
	xas_lock(&xas);
	xas_for_each(&xas, entry, ULONG_MAX) {
		ef->pt_pages -= svm_emu_pte_pages(entry);
		xas_store(&xas, NULL);
		if (++n % SVM_EMU_PT_TRIM_BATCH)
			continue;
		xas_pause(&xas);
		xas_unlock(&xas);
		cond_resched();
		xas_lock(&xas);
	}
	xas_unlock(&xas);
}

/*
 * The page @entry, stored at index @at (a huge entry: anywhere in its
 * block), maps at index @idx; 0 for an empty or reserved slot.
 */
static unsigned long svm_emu_pte_pfn_at(void *entry, unsigned long at,
					unsigned long idx)
{
	unsigned long v;

	if (!xa_is_value(entry))
		return 0;
	v = xa_to_value(entry);
	if (v & SVM_EMU_PTE_HUGE)
		idx &= (1UL << SVM_EXT_CHUNK_ORDER) - 1;
	else
		idx -= at;
	return (v >> SVM_EMU_PTE_PFN_SHIFT) + idx;
}

static unsigned long svm_emu_map(struct svm_ext_binding *b, unsigned long addr,
				 struct page **pages, const bool *writable,
				 const enum svm_ext_map_kind *kind,
				 unsigned long npages, unsigned int order)
{
	struct svm_emu_file *ef = b->drvdata;
	unsigned long i, idx = addr >> PAGE_SHIFT, fresh = 0;
	XA_STATE(xas, &ef->pt, idx);
	void *old;

	/* One lock hold for the window; allocation as in the DOC above. */
	xas_lock(&xas);
	if (order) {
		/* one entry for the block, like a PMD in a GPU page table */
		unsigned long pfn0 = page_to_pfn(pages[0]);
		unsigned long v = pfn0 << SVM_EMU_PTE_PFN_SHIFT |
				  (unsigned long)kind[0] << SVM_EMU_PTE_KIND_SHIFT |
				  SVM_EMU_PTE_HUGE |
				  (writable[0] ? SVM_EMU_PTE_WRITE : 0);
		unsigned long had = 0, same = 0, n;

		xas_for_each(&xas, old, idx + (1UL << order) - 1) {
			n = svm_emu_pte_pages(old);
			had += n;
			/* a huge entry is seen once, at its first index */
			if (svm_emu_pte_pfn_at(old, xas.xa_index, xas.xa_index) ==
			    pfn0 + xas.xa_index - idx)
				same += n;
		}
		xas_set_order(&xas, idx, order);
		do {
			xas_store(&xas, xa_mk_value(v));
		} while (xas_nomem(&xas, SVM_EMU_PT_GFP));
		/* a store that found no memory changed nothing */
		if (!xas_error(&xas)) {
			ef->pt_pages += (1UL << order) - had;
			if (kind[0] != SVM_EXT_MAP_LOCAL)
				fresh = (1UL << order) - same;
		}
		xas_unlock(&xas);
		return fresh;
	}
	for (i = 0; i < npages; i++, idx++) {
		unsigned long v, pfn;
		bool same;

		if (!pages[i])
			continue;
		pfn = page_to_pfn(pages[i]);
		v = pfn << SVM_EMU_PTE_PFN_SHIFT |
		    (unsigned long)kind[i] << SVM_EMU_PTE_KIND_SHIFT |
		    (writable[i] ? SVM_EMU_PTE_WRITE : 0);
		xas_set(&xas, idx);
		old = xas_load(&xas);
		same = svm_emu_pte_pfn_at(old, idx, idx) == pfn;
		if (xa_is_value(old) && (xa_to_value(old) & SVM_EMU_PTE_HUGE)) {
			/*
			 * A store would land on all 512 indices: split first.
			 * The other 511 pages are unmapped and fault back in.
			 */
			xas_set(&xas, idx);
			xas_store(&xas, NULL);
			ef->pt_pages -= svm_emu_pte_pages(old);
			old = NULL;
			xas_set(&xas, idx);
		}
		do {
			xas_store(&xas, xa_mk_value(v));
		} while (xas_nomem(&xas, SVM_EMU_PT_GFP));
		if (xas_error(&xas))
			continue;
		ef->pt_pages += 1 - svm_emu_pte_pages(old);
		if (kind[i] != SVM_EXT_MAP_LOCAL && !same)
			fresh++;
	}
	xas_unlock(&xas);
	return fresh;
}

/*
 * Storing NULL at any index of a huge entry drops the whole entry: a
 * partial invalidation of a 2 MiB mapping unmaps all of it, and the device
 * faults the rest back in.
 */
static void svm_emu_invalidate(struct svm_ext_binding *b, unsigned long start,
			       unsigned long end)
{
	struct svm_emu_file *ef = b->drvdata;
	XA_STATE(xas, &ef->pt, start >> PAGE_SHIFT);
	void *entry;

	xas_lock(&xas);
	xas_for_each(&xas, entry, (end - 1) >> PAGE_SHIFT) {
		ef->pt_pages -= svm_emu_pte_pages(entry);
		xas_store(&xas, NULL);
	}
	xas_unlock(&xas);
}

const struct svm_ext_device_ops svm_emu_ext_ops = {
	.copy = svm_emu_copy,
	.devmem_init = svm_emu_devmem_init,
	.devmem_fini = svm_emu_devmem_fini,
	.map = svm_emu_map,
	.invalidate = svm_emu_invalidate,
	.link_bw = svm_emu_link_bw,
};
