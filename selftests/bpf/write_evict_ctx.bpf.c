// SPDX-License-Identifier: GPL-2.0
/*
 * Test policy: writes its evict context directly (claims victims without
 * svm_ext_evict_choose()); the verifier must refuse it.
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: write_evict_ctx";

SEC("struct_ops")
int BPF_PROG(write_evict_ctx_evict, struct svm_ext_evict_ctx *e)
{
	e->nr_chosen = 1;
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops write_evict_ctx_ops = {
	.evict = (void *)write_evict_ctx_evict,
	.name = "write_evict_ctx",
};
