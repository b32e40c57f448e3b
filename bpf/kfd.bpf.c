// SPDX-License-Identifier: GPL-2.0
/*
 * kfd: AMD KFD's restore-location rules (amdkfd's SVM fault handler).
 *
 * On a device fault KFD picks the best location for the data and moves it
 * there, then maps it for the faulting device:
 *  1. the preferred location, if it is the faulting device, system memory,
 *     or a peer the faulting device has a link to;
 *  2. else, if the faulting device is in the accessed-by set, where the
 *     data is, if the device reaches it (system memory or a linked peer;
 *     system memory for data not populated yet), else system memory: the
 *     device maps it in place;
 *  3. else the faulting device (what happens with no attributes at all).
 * Memory that cannot migrate (shared or file mappings) is mapped in place,
 * and data already on the faulting device is mapped where it is.
 *
 * Where this differs from svm_ext's default: a preferred location wins over
 * accessed-by (the default maps in place whenever the device is in the
 * accessed-by set and reaches the data), preferred system memory pulls the
 * data home from a peer (the default maps it over the link), accessed-by
 * data on a device the faulter cannot reach goes to system memory (the
 * default migrates it to the faulter), and read-mostly makes no copies
 * (KFD has none).  The migration window is the range's granularity, as in
 * KFD (its granularity attribute, default 2 MiB).
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") =
	"AMD KFD's restore location: preferred (device, system, linked peer), "
	"else accessed-by in place, else the faulting device";

static __always_inline bool kfd_linked(struct svm_ext_fault_ctx *f, __u32 loc)
{
	return svm_ext_loc_is_device(loc) && (f->peer_mask & (1ULL << loc));
}

/* Where the data should be for this fault (KFD's best restore location). */
static __always_inline __u32 kfd_best_loc(struct svm_ext_fault_ctx *f)
{
	__u32 pref = f->preferred_loc, cur = f->cur_loc;

	if (pref == f->dev || pref == SVM_EXT_LOC_SYSTEM || kfd_linked(f, pref))
		return pref;
	if (f->accessed_by & (1ULL << (f->dev & 63))) {
		if (kfd_linked(f, cur))
			return cur;
		return SVM_EXT_LOC_SYSTEM;
	}
	return f->dev;
}

SEC("struct_ops")
int BPF_PROG(kfd_fault, struct svm_ext_fault_ctx *f)
{
	__u64 start, len;
	__u32 best, cur = f->cur_loc;

	svm_ext_window(f, SVM_EXT_PAGE_SIZE << f->granularity, &start, &len);
	if (cur == f->dev || !(f->flags & SVM_EXT_FAULT_MIGRATABLE)) {
		svm_ext_fault_map(f, start, len);
		return 0;
	}
	best = kfd_best_loc(f);
	/* there already (not populated counts as system memory) */
	if (best == cur ||
	    (best == SVM_EXT_LOC_SYSTEM && cur == SVM_EXT_LOC_NONE)) {
		svm_ext_fault_map(f, start, len);
		return 0;
	}
	/* moved there, then mapped: locally, over a peer link or the host's */
	svm_ext_fault_migrate(f, start, len, best);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops kfd_ops = {
	.fault = (void *)kfd_fault,
	.name = "kfd",
};
