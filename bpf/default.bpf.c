// SPDX-License-Identifier: GPL-2.0
/*
 * default: the built-in placement policy, written in BPF.
 *
 * Decides exactly what the core decides with no policy loaded (see
 * kernel/core/default.c, DOC: The built-in default), so a test can check that
 * every counter of a workload is the same either way, and so policy writers
 * have a faithful starting point to copy:
 *  - the page is already on the faulting device: map it;
 *  - not migratable (shared, file, mlocked, hugetlb) or preferred location
 *    system: map in place;
 *  - the faulting device is in the accessed-by set and the data is somewhere
 *    it reaches (system memory or a peer): map in place;
 *  - else migrate the granularity-sized window around the fault to the
 *    faulting device, or to the preferred device if it is a linked peer.
 * Eviction takes the least recently used chunk, as the core does: candidate
 * 0 of the full device's list, which the core keeps coldest first.
 * CPU faults bring back the whole chunk; every hint goes ahead as asked.
 * Every hook is there, so that `svmbench overhead` measures what a policy
 * costs on each path.
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "the built-in default placement, in BPF";

SEC("struct_ops")
int BPF_PROG(default_fault, struct svm_ext_fault_ctx *f)
{
	__u64 start, len;
	__u32 loc = f->dev;

	svm_ext_window(f, SVM_EXT_PAGE_SIZE << f->granularity, &start, &len);
	if (f->cur_loc == f->dev) {
		svm_ext_fault_map(f, start, len);
		return 0;
	}
	/* read-mostly data another device holds: a copy of our own */
	if (f->read_mostly && f->access == SVM_EXT_ACCESS_READ &&
	    (f->flags & SVM_EXT_FAULT_MIGRATABLE) &&
	    svm_ext_loc_is_device(f->cur_loc)) {
		svm_ext_fault_duplicate(f, start, len);
		return 0;
	}
	if (!(f->flags & SVM_EXT_FAULT_MIGRATABLE) ||
	    f->preferred_loc == SVM_EXT_LOC_SYSTEM) {
		svm_ext_fault_map(f, start, len);
		return 0;
	}
	if ((f->accessed_by & (1ULL << (f->dev & 63))) &&
	    (f->cur_loc == SVM_EXT_LOC_SYSTEM ||
	     (svm_ext_loc_is_device(f->cur_loc) &&
	      (f->peer_mask & (1ULL << f->cur_loc))))) {
		svm_ext_fault_map(f, start, len);
		return 0;
	}
	if (svm_ext_loc_is_device(f->preferred_loc) &&
	    (f->peer_mask & (1ULL << f->preferred_loc)))
		loc = f->preferred_loc;
	svm_ext_fault_migrate(f, start, len, loc);
	return 0;
}

SEC("struct_ops")
int BPF_PROG(default_evict, struct svm_ext_evict_ctx *e)
{
	/* the least recently used candidate; none: nothing to choose */
	if (e->nr_chunks)
		svm_ext_evict_choose(e, 0, SVM_EXT_LOC_SYSTEM);
	return 0;
}

SEC("struct_ops")
int BPF_PROG(default_cpu_fault, struct svm_ext_cpu_fault_ctx *c)
{
	/* the whole chunk (as the core clipped it to the VMA) comes home */
	svm_ext_cpu_fault_window(c, c->range_start,
				 c->range_end - c->range_start);
	return 0;
}

SEC("struct_ops")
int BPF_PROG(default_advise, struct svm_ext_advise_ctx *a)
{
	/* every hint and prefetch goes ahead as asked */
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops default_ops = {
	.fault = (void *)default_fault,
	.cpu_fault = (void *)default_cpu_fault,
	.advise = (void *)default_advise,
	.evict = (void *)default_evict,
	.name = "default",
};
