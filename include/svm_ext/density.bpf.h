/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The density tree of NVIDIA UVM's fault prefetcher, for svm_ext policies
 * (uvm, prefetch).  Include after <svm_ext/common.bpf.h>.
 *
 * The fault's 2 MiB chunk is seen as a binary tree of aligned subregions:
 * the 4 KiB page, the 8 KiB pair around it, ... the whole chunk.  A page
 * counts when it is already resident on the faulting device or is faulting:
 * the faulting page and the others the device reported in the same batch
 * (a GPU's fault buffer, svm_ext_fault_batch()).  Walking up from the
 * faulting page, the window is the largest subregion in which more than
 * threshold percent of the pages count (UVM keeps going past a level that
 * fails, so a sparse middle level does not stop the walk); the faulting
 * page alone if none does.  Pages outside the VMA (the chunk as the core
 * clipped it) are left out of every count and out of the window.
 *
 * A sequential first touch doubles the window every fault, so a chunk takes
 * 2 faults with 256-page batches, 5 with 32-page ones (17 with single
 * faults) instead of 512;
 * scattered access stays near one page per fault.
 */
#ifndef __SVM_EXT_DENSITY_BPF_H
#define __SVM_EXT_DENSITY_BPF_H

#define SVM_EXT_DENSITY_LEVELS	10	/* 1 << level pages: 4 KiB .. 2 MiB */
#define SVM_EXT_DENSITY_WORDS	(SVM_EXT_CHUNK_PAGES / 64)

/*
 * Does the tree apply to fault @f, i.e. would the default migrate it to the
 * faulting device?  Not when the page is already there, the mapping cannot
 * migrate, the preferred location is system memory or a peer the device
 * reaches, or the device is in the accessed-by set with the data within
 * reach: those are the user's hints, which the default carries out.
 */
static __always_inline bool svm_ext_density_applies(struct svm_ext_fault_ctx *f)
{
	if (f->cur_loc == f->dev || !(f->flags & SVM_EXT_FAULT_MIGRATABLE) ||
	    f->preferred_loc == SVM_EXT_LOC_SYSTEM)
		return false;
	/* cur_loc is not the faulting device here */
	if ((f->accessed_by & (1ULL << (f->dev & 63))) &&
	    (f->cur_loc == SVM_EXT_LOC_SYSTEM ||
	     svm_ext_fault_linked(f, f->cur_loc)))
		return false;
	if (svm_ext_fault_linked(f, f->preferred_loc))
		return false;
	return true;
}

/* BPF has no popcount instruction: the usual SWAR sum. */
static __always_inline __u32 svm_ext_popcount64(__u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (x * 0x0101010101010101ULL) >> 56;
}

/* Set bits of the 512-bit @map in page indices [lo, hi), lo < hi <= 512. */
static __always_inline __u32 svm_ext_density_count(const __u64 *map, __u32 lo,
						   __u32 hi)
{
	__u32 w, cnt = 0;

	for (w = 0; w < SVM_EXT_DENSITY_WORDS; w++) {
		__u32 wlo = w * 64, whi = wlo + 64;
		__u64 bits = map[w];

		if (hi <= wlo || lo >= whi)
			continue;
		if (lo > wlo)
			bits &= ~0ULL << (lo - wlo);
		if (hi < whi)
			bits &= ~0ULL >> (whi - hi);
		cnt += svm_ext_popcount64(bits);
	}
	return cnt;
}

/*
 * The tree walk on a map the caller filled (the faulting page's bit set):
 * @page the faulting page's index in the chunk, [@rlo, @rhi) the pages
 * inside the VMA, @max_level the largest subregion considered (9 = 2 MiB).
 * Returns the window in page indices, [*lo, *hi).
 */
static __always_inline void svm_ext_density_walk(const __u64 *map, __u32 page,
						 __u32 rlo, __u32 rhi,
						 __u32 threshold,
						 __u32 max_level,
						 __u32 *lo, __u32 *hi)
{
	__u32 level;

	*lo = page;
	*hi = page + 1;
	for (level = 1; level < SVM_EXT_DENSITY_LEVELS; level++) {
		__u32 size = 1U << level, slo, shi;

		if (level > max_level)
			break;
		slo = page & ~(size - 1);
		shi = slo + size;
		if (slo < rlo)
			slo = rlo;
		if (shi > rhi)
			shi = rhi;
		/* more than threshold% of the subregion's pages count */
		if (svm_ext_density_count(map, slo, shi) * 100 >
		    threshold * (shi - slo)) {
			*lo = slo;
			*hi = shi;
		}
	}
}

/*
 * The density window of fault @f: what the faulting device holds of the
 * chunk plus the faulting batch, walked with @threshold (percent, 1..100)
 * up to @max_level.  On 0, [*start, *start + *len) is inside the chunk as
 * the core clipped it and contains the faulting page; a negative return
 * means the fault does not have the shape the core promises or the
 * residency could not be read: leave the decision to the default.
 */
static __always_inline int svm_ext_density_window(struct svm_ext_fault_ctx *f,
						  __u32 threshold,
						  __u32 max_level,
						  __u64 *start, __u64 *len)
{
	__u64 base = SVM_EXT_ALIGN_DOWN(f->addr, SVM_EXT_CHUNK_SIZE);
	__u64 map[SVM_EXT_DENSITY_WORDS] = {};
	__u64 batch[SVM_EXT_DENSITY_WORDS] = {};
	__u32 page, rlo, rhi, lo, hi, w;

	if (f->addr < f->range_start || f->addr >= f->range_end ||
	    f->range_start < base || f->range_end > base + SVM_EXT_CHUNK_SIZE)
		return -1;
	if (svm_ext_fault_resident(f, f->dev, map, sizeof(map)) < 0)
		return -1;
	if (svm_ext_fault_batch(f, batch, sizeof(batch)) < 0)
		return -1;
	for (w = 0; w < SVM_EXT_DENSITY_WORDS; w++)
		map[w] |= batch[w];
	page = (f->addr - base) >> 12;
	map[(page >> 6) & (SVM_EXT_DENSITY_WORDS - 1)] |= 1ULL << (page & 63);
	rlo = (f->range_start - base) >> 12;
	rhi = (f->range_end - base) >> 12;
	svm_ext_density_walk(map, page, rlo, rhi, threshold, max_level, &lo,
			     &hi);
	*start = base + ((__u64)lo << 12);
	*len = (__u64)(hi - lo) << 12;
	return 0;
}

#endif /* __SVM_EXT_DENSITY_BPF_H */
