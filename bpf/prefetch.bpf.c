// SPDX-License-Identifier: GPL-2.0
/*
 * prefetch: density-tree prefetch, the idea of NVIDIA UVM's fault prefetcher.
 *
 * The default migrates a fixed window (the range's granularity) on every
 * fault: too much for sparse access, and a fixed cost per fault for dense
 * access.  Here the window adapts to what the device already holds.  The
 * fault's 2 MiB chunk is seen as a binary tree of aligned subregions: the
 * 4 KiB page, the 8 KiB pair around it, ... the whole 2 MiB.  A page counts
 * when it is already resident on the faulting device or is faulting: the
 * faulting page and the others the device reported in the same batch (a
 * GPU's fault buffer; svm_ext_fault_batch()).  Walking up from the faulting page, the window is the largest
 * subregion in which more than `threshold` percent of the pages count; the
 * faulting page alone if none does.
 *
 * A sequential first touch thus doubles the window with every fault until
 * the rest of the chunk comes at once (5 faults per chunk with 32-fault
 * batches), while a sparse access pattern
 * stays near one page per fault.  Threshold 51 (UVM's default) needs a
 * strict majority; 100 never prefetches.  Only the faulting page's own
 * subregions count (no neighbouring chunk), so a chunk always takes at least
 * one fault; pages outside the VMA are left out of every count.
 *
 * The tree decides only where the default would migrate to the faulting
 * device.  Everything else is the default's (no decision recorded): the
 * page already on the device, mappings that cannot migrate, preferred
 * location system, accessed-by with the data in reach, a preferred peer.
 *
 * params.threshold: percent, 1 .. 100 (default 51).
 * params.max_window_kb: largest window, a power of two, 4 .. 2048 KiB
 * (default 2048).  Values out of range mean the default.
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") =
	"density-tree prefetch (UVM-style): migrate the largest aligned window "
	"around a fault in which more than threshold% of pages are on the device";

#define PF_LEVELS	10	/* 4 KiB .. 2 MiB: 1 << level pages */
#define PF_WORDS	(SVM_EXT_CHUNK_PAGES / 64)
#define PF_THRESHOLD	51
#define PF_MAX_KB	2048

struct prefetch_params {
	__u32 threshold;
	__u32 max_window_kb;
};

struct prefetch_params _params_default SEC("params_default") = {
	.threshold = PF_THRESHOLD,
	.max_window_kb = PF_MAX_KB,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct prefetch_params);
} params SEC(".maps");

/* BPF has no popcount instruction: the usual SWAR sum. */
static __always_inline __u32 popcount64(__u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (x * 0x0101010101010101ULL) >> 56;
}

/* Set bits of @map in page indices [lo, hi), 0 <= lo < hi <= 512. */
static __always_inline __u32 count_bits(const __u64 *map, __u32 lo, __u32 hi)
{
	__u32 w, cnt = 0;

	for (w = 0; w < PF_WORDS; w++) {
		__u32 wlo = w * 64, whi = wlo + 64;
		__u64 bits = map[w];

		if (hi <= wlo || lo >= whi)
			continue;
		if (lo > wlo)
			bits &= ~0ULL << (lo - wlo);
		if (hi < whi)
			bits &= ~0ULL >> (whi - hi);
		cnt += popcount64(bits);
	}
	return cnt;
}

/* Would the default migrate this fault to the faulting device? */
static __always_inline bool default_migrates_here(struct svm_ext_fault_ctx *f)
{
	if (f->cur_loc == f->dev || !(f->flags & SVM_EXT_FAULT_MIGRATABLE) ||
	    f->preferred_loc == SVM_EXT_LOC_SYSTEM)
		return false;
	if ((f->accessed_by & (1ULL << (f->dev & 63))) &&
	    (f->cur_loc == SVM_EXT_LOC_SYSTEM ||
	     (f->cur_loc < 64 && (f->peer_mask & (1ULL << f->cur_loc)))))
		return false;
	/* a preferred peer the device reaches gets the data instead */
	if (f->preferred_loc < 64 && f->preferred_loc != f->dev &&
	    (f->peer_mask & (1ULL << f->preferred_loc)))
		return false;
	return true;
}

SEC("struct_ops")
int BPF_PROG(prefetch_fault, struct svm_ext_fault_ctx *f)
{
	__u64 base = SVM_EXT_ALIGN_DOWN(f->addr, SVM_EXT_CHUNK_SIZE);
	__u32 threshold = PF_THRESHOLD, max_level = PF_LEVELS - 1;
	__u64 map[PF_WORDS] = {}, batch[PF_WORDS] = {};
	struct prefetch_params *p;
	__u32 zero = 0, page, rlo, rhi, lo, hi, level;

	if (!default_migrates_here(f))
		return 0;
	if (f->addr < f->range_start || f->addr >= f->range_end ||
	    f->range_start < base || f->range_end > base + SVM_EXT_CHUNK_SIZE)
		return 0;	/* not the shape the core promises: default */

	p = bpf_map_lookup_elem(&params, &zero);
	if (p) {
		__u32 kb = p->max_window_kb;

		if (p->threshold >= 1 && p->threshold <= 100)
			threshold = p->threshold;
		for (level = 0; level < PF_LEVELS; level++)
			if (kb == 4U << level)
				max_level = level;
	}

	if (svm_ext_fault_resident(f, f->dev, map, sizeof(map)) < 0)
		return 0;
	/* faulting: the whole batch the device reported, this page included */
	if (svm_ext_fault_batch(f, batch, sizeof(batch)) < 0)
		return 0;
	for (level = 0; level < PF_WORDS; level++)
		map[level] |= batch[level];
	page = (f->addr - base) >> 12;

	/* the part of the chunk inside the VMA, in pages */
	rlo = (f->range_start - base) >> 12;
	rhi = (f->range_end - base) >> 12;

	/* level 0 (the page itself) is the fallback */
	lo = page;
	hi = page + 1;
	for (level = 1; level < PF_LEVELS; level++) {
		__u32 size = 1U << level, slo, shi, n;

		if (level > max_level)
			break;
		slo = page & ~(size - 1);
		shi = slo + size;
		if (slo < rlo)
			slo = rlo;
		if (shi > rhi)
			shi = rhi;
		n = shi - slo;
		/* more than threshold% of the subregion's pages count */
		if (count_bits(map, slo, shi) * 100 > threshold * n) {
			lo = slo;
			hi = shi;
		}
	}
	svm_ext_fault_migrate(f, base + ((__u64)lo << 12),
			      (__u64)(hi - lo) << 12, f->dev);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops prefetch_ops = {
	.fault = (void *)prefetch_fault,
	.name = "prefetch",
};
