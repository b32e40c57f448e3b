// SPDX-License-Identifier: GPL-2.0
/* Test policy: writes its context directly; the verifier must refuse it. */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: write_ctx";

SEC("struct_ops")
int BPF_PROG(write_ctx_fault, struct svm_ext_fault_ctx *f)
{
	f->dec_loc = 7;
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops write_ctx_ops = {
	.fault = (void *)write_ctx_fault,
	.name = "write_ctx",
};
