// SPDX-License-Identifier: GPL-2.0
/*
 * Test policy: a sleepable fault hook.  Fault hooks run with the faulting
 * mm's mmap_lock held and under the core's locks; the verifier must refuse
 * the program (svm_ext_ops.check_member), so that it can never call a
 * helper that sleeps or faults in user memory from there.
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: sleepable_hook";

SEC("struct_ops.s/fault")
int BPF_PROG(sleepable_hook_fault, struct svm_ext_fault_ctx *f)
{
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops sleepable_hook_ops = {
	.fault = (void *)sleepable_hook_fault,
	.name = "sleepable_hook",
};
