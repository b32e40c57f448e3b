// SPDX-License-Identifier: GPL-2.0
/*
 * mru: evict the most recently used chunk of a full device.
 *
 * Wrong for most workloads, right for the one LRU handles worst: a
 * sequential sweep, repeated, over more data than the device holds (say,
 * LLM weights streamed layer by layer through an oversubscribed GPU).
 * LRU evicts each chunk just before the sweep comes back to it, so every
 * pass faults on every chunk.  MRU sacrifices the chunk it just brought in
 * and keeps a stable subset resident: a pass over capacity + k chunks
 * faults on about k + 1 of them.
 *
 * "Used" means a device fault on the chunk (the last_ns the core records).
 *
 * params.keep_recent: spare the N most recently used chunks (0..7) and
 * evict the next one: for sweeps that reuse what they have just touched
 * (a stencil's halo), at the cost of N + 1 faults per pass instead of 1.
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "evict the most recently used chunk (repeated sweeps larger than memory)";

#define MRU_KEEP_MAX	7

struct mru_params {
	__u32 keep_recent;
	__u32 _pad;
};

SVM_EXT_PARAMS(struct mru_params, .keep_recent = 0);

/*
 * Candidates are ranked by (last_ns, index): on equal timestamps the later
 * one in the core's list counts as more recent.  Is (ns, i) below (bns, bi)?
 */
static __always_inline bool before(__u64 ns, __u32 i, __u64 bns, __u32 bi)
{
	return ns < bns || (ns == bns && i < bi);
}

SEC("struct_ops")
int BPF_PROG(mru_evict, struct svm_ext_evict_ctx *e)
{
	__u32 keep = 0, k, i, lim_i = ~0U, best = 0;
	struct mru_params *p = svm_ext_params();
	struct svm_ext_chunk_info info;
	__u64 lim_ns = ~0ULL;

	if (!e->nr_chunks)
		return 0;
	if (p)
		keep = p->keep_recent > MRU_KEEP_MAX ? MRU_KEEP_MAX : p->keep_recent;
	/*
	 * Pass k finds the most recent candidate ranked below the one pass
	 * k - 1 found: after keep + 1 passes, the one to evict.  With fewer
	 * candidates than that, the least recent of them goes.
	 */
	bpf_for(k, 0, MRU_KEEP_MAX + 1) {
		bool found = false;
		__u64 bns = 0;
		__u32 bi = 0;

		if (k > keep)
			break;
		bpf_for(i, 0, e->nr_chunks) {
			if (svm_ext_evict_chunk(e, i, &info))
				break;
			if (!before(info.last_ns, i, lim_ns, lim_i))
				continue;
			if (!found || !before(info.last_ns, i, bns, bi)) {
				found = true;
				bns = info.last_ns;
				bi = i;
			}
		}
		if (!found)
			break;
		best = bi;
		lim_ns = bns;
		lim_i = bi;
	}
	svm_ext_evict_choose(e, best, SVM_EXT_LOC_SYSTEM);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops mru_ops = {
	.evict = (void *)mru_evict,
	.name = "mru",
};
