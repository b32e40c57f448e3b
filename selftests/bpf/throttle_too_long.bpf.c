// SPDX-License-Identifier: GPL-2.0
/*
 * Test policy: throttles a fault for longer than SVM_EXT_THROTTLE_MAX_NS (a
 * bad decision: the core must eject it, not make the device wait).
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: throttle_too_long";

SEC("struct_ops")
int BPF_PROG(throttle_too_long_fault, struct svm_ext_fault_ctx *f)
{
	svm_ext_fault_throttle(f, SVM_EXT_THROTTLE_MAX_NS + 1);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops throttle_too_long_ops = {
	.fault = (void *)throttle_too_long_fault,
	.name = "throttle_too_long",
};
