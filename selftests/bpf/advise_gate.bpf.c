// SPDX-License-Identifier: GPL-2.0
/*
 * Test policy for the advise hook: refuses prefetches to device 1 with
 * EPERM, redirects "preferred location device 1" to device 0, and answers a
 * read-mostly hint with an errno outside the allowed set (a bad decision).
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: advise_gate";

SEC("struct_ops")
int BPF_PROG(advise_gate_advise, struct svm_ext_advise_ctx *a)
{
	if (a->type == SVM_EXT_ADVISE_PREFETCH && a->value == 1)
		svm_ext_advise_refuse(a, -SVM_EXT_EPERM);
	else if (a->type == SVM_EXT_ATTR_PREFERRED_LOC && a->value == 1)
		svm_ext_advise_set_value(a, 0);
	else if (a->type == SVM_EXT_ATTR_READ_MOSTLY)
		svm_ext_advise_refuse(a, -2 /* ENOENT: not allowed */);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops advise_gate_ops = {
	.advise = (void *)advise_gate_advise,
	.name = "advise_gate",
};
