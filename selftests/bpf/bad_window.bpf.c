// SPDX-License-Identifier: GPL-2.0
/* Test policy: decides a migration window outside the fault's chunk. */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: bad_window";

SEC("struct_ops")
int BPF_PROG(bad_window_fault, struct svm_ext_fault_ctx *f)
{
	svm_ext_fault_migrate(f, f->range_end, 4096, f->dev);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops bad_window_ops = {
	.fault = (void *)bad_window_fault,
	.name = "bad_window",
};
