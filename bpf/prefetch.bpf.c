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
#include <svm_ext/density.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") =
	"density-tree prefetch (UVM-style): migrate the largest aligned window "
	"around a fault in which more than threshold% of pages are on the device";

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

SEC("struct_ops")
int BPF_PROG(prefetch_fault, struct svm_ext_fault_ctx *f)
{
	__u32 threshold = PF_THRESHOLD, max_level = SVM_EXT_DENSITY_LEVELS - 1;
	struct prefetch_params *p;
	__u32 zero = 0, level;
	__u64 start, len;

	if (!svm_ext_density_applies(f))
		return 0;
	p = bpf_map_lookup_elem(&params, &zero);
	if (p) {
		__u32 kb = p->max_window_kb;

		if (p->threshold >= 1 && p->threshold <= 100)
			threshold = p->threshold;
		for (level = 0; level < SVM_EXT_DENSITY_LEVELS; level++)
			if (kb == 4U << level)
				max_level = level;
	}
	if (svm_ext_density_window(f, threshold, max_level, &start, &len))
		return 0;	/* not the shape the core promises: default */
	svm_ext_fault_migrate(f, start, len, f->dev);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops prefetch_ops = {
	.fault = (void *)prefetch_fault,
	.name = "prefetch",
};
