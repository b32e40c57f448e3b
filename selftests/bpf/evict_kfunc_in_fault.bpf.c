// SPDX-License-Identifier: GPL-2.0
/*
 * Test policy: calls the eviction decision kfunc from the fault hook; the
 * verifier must refuse it (decision kfuncs belong to their own hook).
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: evict_kfunc_in_fault";

SEC("struct_ops")
int BPF_PROG(evict_kfunc_in_fault_fault, struct svm_ext_fault_ctx *f)
{
	svm_ext_evict_choose((struct svm_ext_evict_ctx *)f, 0,
			     SVM_EXT_LOC_SYSTEM);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops evict_kfunc_in_fault_ops = {
	.fault = (void *)evict_kfunc_in_fault_fault,
	.name = "evict_kfunc_in_fault",
};
