// SPDX-License-Identifier: GPL-2.0
/* Test policy: an svm_ext_ops flag the core does not know; must be refused. */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: unknown ops flag";

SEC("struct_ops")
int BPF_PROG(bad_ops_flags_fault, struct svm_ext_fault_ctx *f)
{
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops bad_ops_flags_ops = {
	.fault = (void *)bad_ops_flags_fault,
	.flags = 1ULL << 7,
	.name = "bad_ops_flags",
};
