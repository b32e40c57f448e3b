// SPDX-License-Identifier: GPL-2.0
/*
 * Test policy: calls a fault-only read kfunc (svm_ext_fault_resident) from
 * the evict hook; the verifier must refuse it.
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: fault_kfunc_in_evict";

SEC("struct_ops")
int BPF_PROG(fault_kfunc_in_evict_evict, struct svm_ext_evict_ctx *e)
{
	__u64 map[SVM_EXT_CHUNK_PAGES / 64] = {};

	svm_ext_fault_resident((struct svm_ext_fault_ctx *)e, e->dev, map,
			       sizeof(map));
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops fault_kfunc_in_evict_ops = {
	.evict = (void *)fault_kfunc_in_evict_evict,
	.name = "fault_kfunc_in_evict",
};
