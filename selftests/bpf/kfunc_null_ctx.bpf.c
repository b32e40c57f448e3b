// SPDX-License-Identifier: GPL-2.0
/*
 * Test policy: hands a decision kfunc NULL where the fault context belongs;
 * the verifier must refuse it (the kfuncs take trusted arguments).
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: kfunc_null_ctx";

SEC("struct_ops")
int BPF_PROG(kfunc_null_ctx_fault, struct svm_ext_fault_ctx *f)
{
	svm_ext_fault_map(NULL, f->addr, 4096);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops kfunc_null_ctx_ops = {
	.fault = (void *)kfunc_null_ctx_fault,
	.name = "kfunc_null_ctx",
};
