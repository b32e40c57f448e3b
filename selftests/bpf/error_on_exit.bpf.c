// SPDX-License-Identifier: GPL-2.0
/*
 * Test policy: calls svm_ext_error() from its exit hook, which runs after a
 * switch has made its successor active.  Only this policy may be blamed: the
 * successor must stay.
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: error_on_exit";

SEC("struct_ops")
void BPF_PROG(error_on_exit_exit, struct svm_ext_exit_info *info)
{
	svm_ext_error("error_on_exit: from the exit hook");
}

SEC("struct_ops")
int BPF_PROG(error_on_exit_fault, struct svm_ext_fault_ctx *f)
{
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops error_on_exit_ops = {
	.exit = (void *)error_on_exit_exit,
	.fault = (void *)error_on_exit_fault,
	.name = "error_on_exit",
};
