// SPDX-License-Identifier: GPL-2.0
/*
 * Test policy: hands a decision kfunc a number (the faulting address) cast
 * to a context pointer; the verifier must refuse it.
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: kfunc_scalar_ctx";

SEC("struct_ops")
int BPF_PROG(kfunc_scalar_ctx_fault, struct svm_ext_fault_ctx *f)
{
	svm_ext_fault_migrate((struct svm_ext_fault_ctx *)f->addr, f->addr,
			      4096, f->dev);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops kfunc_scalar_ctx_ops = {
	.fault = (void *)kfunc_scalar_ctx_fault,
	.name = "kfunc_scalar_ctx",
};
