// SPDX-License-Identifier: GPL-2.0
/*
 * Test policy: the no-prefetch baseline.  A migratable fault moves only the
 * faulting page to the faulting device; everything else is the default's.
 * The prefetch tests compare the prefetch policy against it.
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: migrate only the faulting page";

SEC("struct_ops")
int BPF_PROG(one_page_fault, struct svm_ext_fault_ctx *f)
{
	if (f->cur_loc != f->dev && (f->flags & SVM_EXT_FAULT_MIGRATABLE) &&
	    f->preferred_loc == SVM_EXT_LOC_NONE && !f->accessed_by)
		svm_ext_fault_migrate(f, f->addr, SVM_EXT_PAGE_SIZE, f->dev);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops one_page_ops = {
	.fault = (void *)one_page_fault,
	.name = "one_page",
};
