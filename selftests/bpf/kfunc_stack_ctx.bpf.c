// SPDX-License-Identifier: GPL-2.0
/*
 * Test policy: hands an eviction kfunc a context of its own making on the
 * stack instead of the one the hook received.  The kfunc would follow the
 * core's private pointer in it; the verifier must refuse the program.
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: kfunc_stack_ctx";

SEC("struct_ops")
int BPF_PROG(kfunc_stack_ctx_evict, struct svm_ext_evict_ctx *e)
{
	struct svm_ext_evict_ctx fake = { .nr_chunks = 1 };
	struct svm_ext_chunk_info info;

	svm_ext_evict_chunk(&fake, 0, &info);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops kfunc_stack_ctx_ops = {
	.evict = (void *)kfunc_stack_ctx_evict,
	.name = "kfunc_stack_ctx",
};
