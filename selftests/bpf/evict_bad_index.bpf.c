// SPDX-License-Identifier: GPL-2.0
/*
 * Test policy: names an eviction victim past the end of the candidate list
 * (a bad decision: the core must eject it and evict by LRU instead).
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: evict_bad_index";

SEC("struct_ops")
int BPF_PROG(evict_bad_index_evict, struct svm_ext_evict_ctx *e)
{
	svm_ext_evict_choose(e, e->nr_chunks + 3, SVM_EXT_LOC_SYSTEM);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops evict_bad_index_ops = {
	.evict = (void *)evict_bad_index_evict,
	.name = "evict_bad_index",
};
