// SPDX-License-Identifier: GPL-2.0
/*
 * Test policy: a slow evict hook that names one process's chunk.  It
 * spins for params.spin_ms first (a policy that takes its time, while the
 * chunks it was shown change hands), then names the candidate that held
 * params.tgid's range at params.addr when the hook was called.  The core
 * must not evict a chunk that was freed and handed out again meanwhile,
 * even to the same process at the same address (evict_policies.c).
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: evict_stale";

struct evict_stale_params {
	__u64 addr;
	__u32 tgid;
	__u32 spin_ms;
};

SVM_EXT_PARAMS(struct evict_stale_params);

SEC("struct_ops")
int BPF_PROG(evict_stale_evict, struct svm_ext_evict_ctx *e)
{
	struct evict_stale_params *p;
	struct svm_ext_chunk_info info;
	__u32 i, victim = ~0U;
	__u64 t0 = bpf_ktime_get_ns();
	bool done = false;
	int j, k;

	p = svm_ext_params();
	if (!p)
		return 0;
	/* the snapshot the core passes is taken: look at it now */
	bpf_for(i, 0, e->nr_chunks) {
		if (svm_ext_evict_chunk(e, i, &info))
			break;
		if (info.tgid == p->tgid && info.addr == p->addr) {
			victim = i;
			break;
		}
	}
	/*
	 * Then take long enough for the chunk to change hands (an open-coded
	 * loop runs at most BPF_MAX_LOOPS times: three of them, nested).
	 */
	bpf_for(i, 0, 1 << 12) {
		bpf_for(j, 0, 1 << 12) {
			bpf_for(k, 0, 1 << 12) {
				done = bpf_ktime_get_ns() - t0 >=
				       (__u64)p->spin_ms * 1000000;
				if (done)
					break;
			}
			if (done)
				break;
		}
		if (done)
			break;
	}
	if (victim != ~0U)
		svm_ext_evict_choose(e, victim, SVM_EXT_LOC_SYSTEM);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops evict_stale_ops = {
	.evict = (void *)evict_stale_evict,
	.name = "evict_stale",
};
