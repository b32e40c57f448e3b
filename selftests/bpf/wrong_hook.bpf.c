// SPDX-License-Identifier: GPL-2.0
/* Test policy: calls a fault decision kfunc from the cpu_fault hook. */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: wrong_hook";

SEC("struct_ops")
int BPF_PROG(wrong_hook_cpu_fault, struct svm_ext_cpu_fault_ctx *c)
{
	svm_ext_fault_map((struct svm_ext_fault_ctx *)c, c->addr, 4096);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops wrong_hook_ops = {
	.cpu_fault = (void *)wrong_hook_cpu_fault,
	.name = "wrong_hook",
};
