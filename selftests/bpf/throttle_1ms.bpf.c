// SPDX-License-Identifier: GPL-2.0
/* Test policy: throttles every device fault by 1 ms (then maps in place). */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: throttle_1ms";

SEC("struct_ops")
int BPF_PROG(throttle_1ms_fault, struct svm_ext_fault_ctx *f)
{
	svm_ext_fault_throttle(f, 1000 * 1000);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops throttle_1ms_ops = {
	.fault = (void *)throttle_1ms_fault,
	.name = "throttle_1ms",
};
