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
 * the rest of the chunk comes at once (2 faults per chunk with svm_emu's
 * default 256-page batches, 5 with 32-page ones), while a sparse access pattern
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
 * Stride detection.  A strided access (every d-th page: a column of a
 * row-major matrix, one field of an array of large structures) leaves the
 * tree at 1/d density, below any useful threshold: one page per fault.
 * So the policy also looks for a constant stride of 2 .. stride_max_kb
 * between the pages that fault:
 *  - in the fault buffer: the faulting page and the next three pages of the
 *    batch after it, equally spaced (the threads of one access faulting
 *    together show the stride at once);
 *  - else in the stream of faults of the process on that device: two
 *    deltas in a row equal, or the fault landing where the last stride
 *    window said the stream would come next.
 * With a stride d, the window also covers the next stride_ahead strided
 * pages from the fault (backwards for a negative stride), clipped to the
 * chunk: one fault then serves stride_ahead accesses, moving the pages in
 * between too (d - 1 of every d pages unused; in svm_emu's H100 model a
 * fault costs as much as copying about 640 KiB over the host link, so a
 * stride up to a few hundred KiB is worth it).  Random access shows no
 * stride and is left to the tree.
 *
 * params.threshold: percent, 1 .. 100 (default 51).
 * params.max_window_kb: largest density window, a power of two,
 * 4 .. 2048 KiB (default 2048).  Values out of range mean the default.
 * params.stride_ahead: strided pages a stride window covers ahead, 1 .. 512;
 * 0 = no stride detection (default 64).
 * params.stride_max_kb: largest stride taken, 8 .. 1024 KiB (default 256).
 */
#include <svm_ext/common.bpf.h>
#include <svm_ext/density.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") =
	"density-tree prefetch (UVM-style): migrate the largest aligned window "
	"around a fault in which more than threshold% of pages are on the "
	"device; strided access prefetches stride_ahead strides";

#define PF_THRESHOLD	51
#define PF_MAX_KB	2048
#define PF_STRIDE_AHEAD	64
#define PF_STRIDE_KB	256
#define PF_BATCH_SCAN	3	/* batch pages after the fault that must agree */

struct prefetch_params {
	__u32 threshold;
	__u32 max_window_kb;
	__u32 stride_ahead;
	__u32 stride_max_kb;
};

SVM_EXT_PARAMS(struct prefetch_params,
	.threshold = PF_THRESHOLD,
	.max_window_kb = PF_MAX_KB,
	.stride_ahead = PF_STRIDE_AHEAD,
	.stride_max_kb = PF_STRIDE_KB,
);

/* A process's stream of faults on one device. */
struct pf_stream_key {
	__u32 tgid;
	__u32 dev;
};

struct pf_stream {
	__u64 last;		/* page number (address >> 12) of the last fault */
	__u64 expect;		/* where its stride window said it comes next */
	__s64 delta;		/* last - the fault before, 0 if not a signal */
	__s64 stride;		/* the stride of that window */
	__u32 single;		/* the last fault's window was its page alone */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct pf_stream_key);
	__type(value, struct pf_stream);
} streams SEC(".maps");

static __always_inline bool pf_bit(const __u64 *map, __u32 page)
{
	return map[(page >> 6) & (SVM_EXT_DENSITY_WORDS - 1)] &
	       (1ULL << (page & 63));
}

/*
 * The stride of the fault buffer: the faulting page @page and the next
 * PF_BATCH_SCAN pages of the batch after it equally spaced, 2 .. @maxd
 * pages apart; 0 if not.
 */
static __always_inline __s64 pf_batch_stride(const __u64 *batch, __u32 page,
					     __u32 maxd)
{
	__u32 prev = page, found = 0, d = 0, q, end;

	end = page + 1 + PF_BATCH_SCAN * maxd;
	if (end > SVM_EXT_CHUNK_PAGES)
		end = SVM_EXT_CHUNK_PAGES;
	bpf_for(q, page + 1, end) {
		if (!pf_bit(batch, q))
			continue;
		if (!d)
			d = q - prev;
		else if (q - prev != d)
			return 0;
		prev = q;
		if (++found == PF_BATCH_SCAN)
			break;
	}
	return found == PF_BATCH_SCAN && d >= 2 && d <= maxd ? d : 0;
}

/* The faulting process's stream on the faulting device (new: at @vp). */
static __always_inline struct pf_stream *
pf_stream_get(struct svm_ext_fault_ctx *f, __u64 vp)
{
	struct pf_stream_key k = {
		.tgid = bpf_get_current_pid_tgid() >> 32, .dev = f->dev,
	};
	struct pf_stream fresh = { .last = vp }, *s;

	s = bpf_map_lookup_elem(&streams, &k);
	if (s)
		return s;
	bpf_map_update_elem(&streams, &k, &fresh, BPF_ANY);
	return bpf_map_lookup_elem(&streams, &k);
}

/*
 * Stream @s's stride, learning this fault at page number @vp: the fault
 * where the last stride window said the stream would come next, or the
 * same delta twice in a row between faults that each took only their own
 * page (a delta after a larger window is how far that window reached, not
 * how the device accesses memory); 0 if none, or out of 2 .. @maxd.
 */
static __always_inline __s64 pf_stream_stride(struct pf_stream *s, __u64 vp,
					      __u32 maxd)
{
	__s64 delta, d = 0, ad;

	delta = (__s64)(vp - s->last);
	if (s->expect && s->expect == vp) {
		d = s->stride;
		s->delta = 0;
	} else if (s->single) {
		if (delta == s->delta)
			d = delta;
		s->delta = delta;
	} else {
		s->delta = 0;
	}
	s->last = vp;
	s->expect = 0;
	ad = d >= 0 ? d : -d;
	return ad >= 2 && ad <= maxd ? d : 0;
}

SEC("struct_ops")
int BPF_PROG(prefetch_fault, struct svm_ext_fault_ctx *f)
{
	__u32 threshold = PF_THRESHOLD, max_level = SVM_EXT_DENSITY_LEVELS - 1;
	__u32 ahead = PF_STRIDE_AHEAD, maxd = PF_STRIDE_KB / 4;
	__u64 batch[SVM_EXT_DENSITY_WORDS] = {};
	__u64 start, len, base, vp, lo, hi, rlo, rhi, n, ud, next = 0;
	struct prefetch_params *p;
	struct pf_stream *s = NULL;
	__u32 page;
	__s64 d = 0, sd;

	if (!svm_ext_density_applies(f))
		return 0;
	p = svm_ext_params();
	if (p) {
		__u32 kb = p->max_window_kb;

		if (p->threshold >= 1 && p->threshold <= 100)
			threshold = p->threshold;
		/*
		 * 4 << level KiB: level = log2(kb / 4), the bits of
		 * kb / 4 - 1.  Computed, not found by a loop over the levels:
		 * a loop gives max_level one constant per level, and the
		 * verifier then walks the tree and the stride code once for
		 * each (430,000 instructions instead of 84,000).
		 */
		if (kb >= 4 && kb <= 2048 && !(kb & (kb - 1)))
			max_level = svm_ext_popcount64(kb / 4 - 1);
		ahead = p->stride_ahead <= SVM_EXT_CHUNK_PAGES ?
			p->stride_ahead : PF_STRIDE_AHEAD;
		if (p->stride_max_kb >= 8 && p->stride_max_kb <= 1024)
			maxd = p->stride_max_kb / 4;
	}
	if (svm_ext_density_window(f, threshold, max_level, &start, &len))
		return 0;	/* not the shape the core promises: default */
	if (!ahead) {
		svm_ext_fault_migrate(f, start, len, f->dev);
		return 0;
	}

	/* stride: from the fault buffer, else from the stream of faults */
	base = SVM_EXT_ALIGN_DOWN(f->addr, SVM_EXT_CHUNK_SIZE);
	page = (f->addr - base) >> 12;
	vp = f->addr >> 12;
	if (svm_ext_fault_batch(f, batch, sizeof(batch)) > PF_BATCH_SCAN)
		d = pf_batch_stride(batch, page, maxd);
	s = pf_stream_get(f, vp);
	if (s) {
		sd = pf_stream_stride(s, vp, maxd);	/* learns every fault */
		if (!d)
			d = sd;
	}
	if (!d)
		goto out;

	/* the window also covers the next `ahead` strides, inside the chunk */
	rlo = (f->range_start - base) >> 12;
	rhi = (f->range_end - base) >> 12;
	lo = (start - base) >> 12;
	hi = lo + (len >> 12);
	ud = d > 0 ? d : -d;
	if (d > 0) {
		n = page + ahead * ud;
		if (n > rhi)
			n = rhi;
		if (n > hi)
			hi = n;
		/* its next access: the first strided page past the window */
		next = vp + (hi - page + ud - 1) / ud * ud;
	} else {
		n = page + 1 > ahead * ud ? page + 1 - ahead * ud : 0;
		if (n < rlo)
			n = rlo;
		if (n < lo)
			lo = n;
		next = vp - ((page - lo) / ud + 1) * ud;
	}
	start = base + (lo << 12);
	len = (hi - lo) << 12;
out:
	if (s) {
		s->single = len == SVM_EXT_PAGE_SIZE;
		s->expect = next;
		s->stride = d;
	}
	svm_ext_fault_migrate(f, start, len, f->dev);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops prefetch_ops = {
	.fault = (void *)prefetch_fault,
	.name = "prefetch",
};
