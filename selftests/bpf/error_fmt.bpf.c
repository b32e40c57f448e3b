// SPDX-License-Identifier: GPL-2.0
/*
 * Test policy: ejects itself on its first fault with a formatted message
 * (svm_ext_errorf()), exercising each conversion svm_ext_error_bstr()
 * takes; the test compares sysfs exit_msg with what printf gives.
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: error_fmt";

SEC("struct_ops")
int BPF_PROG(error_fmt_fault, struct svm_ext_fault_ctx *f)
{
	svm_ext_errorf("error_fmt: dev %u addr 0x%llx %d|%05d|%-4x|%X|%c|%hhu|%%",
		       f->dev, f->addr, -7, -42, 0xab, 0xbeef, 'z', 258);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops error_fmt_ops = {
	.fault = (void *)error_fmt_fault,
	.name = "error_fmt",
};
