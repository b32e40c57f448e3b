// SPDX-License-Identifier: GPL-2.0
/*
 * Test policy: sleepable init and exit (process context, allowed) beside a
 * plain fault hook that leaves every fault to the default.
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: sleepable_init";

SEC("struct_ops.s/init")
s32 BPF_PROG(sleepable_init_init)
{
	return 0;
}

SEC("struct_ops.s/exit")
void BPF_PROG(sleepable_init_exit, struct svm_ext_exit_info *info)
{
}

SEC("struct_ops")
int BPF_PROG(sleepable_init_fault, struct svm_ext_fault_ctx *f)
{
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops sleepable_init_ops = {
	.init = (void *)sleepable_init_init,
	.exit = (void *)sleepable_init_exit,
	.fault = (void *)sleepable_init_fault,
	.name = "sleepable_init",
};
