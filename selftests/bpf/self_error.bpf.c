// SPDX-License-Identifier: GPL-2.0
/* Test policy: gives up on its first fault with svm_ext_error(). */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: self_error";

SEC("struct_ops")
int BPF_PROG(self_error_fault, struct svm_ext_fault_ctx *f)
{
	svm_ext_error("self_error: giving up");
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops self_error_ops = {
	.fault = (void *)self_error_fault,
	.name = "self_error",
};
