// SPDX-License-Identifier: GPL-2.0
/*
 * lru: evict the least recently used chunk of a full device.
 *
 * "Used" is what the core can see: a device fault on the chunk (resident
 * pages the device has mapped do not fault, so an access to them leaves no
 * trace - the same blind spot NVIDIA's UVM driver has).  The candidates
 * arrive coldest first already, but the policy picks by the timestamps
 * itself so that it stays right if the core ever hands them over in
 * another order.
 *
 * params.fifo: 1 = order by allocation time instead (FIFO): a chunk's
 * later faults do not save it.
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "evict the least recently used chunk (fifo=1: the oldest)";

struct lru_params {
	__u32 fifo;
	__u32 _pad;
};

SVM_EXT_PARAMS(struct lru_params, .fifo = 0);

SEC("struct_ops")
int BPF_PROG(lru_evict, struct svm_ext_evict_ctx *e)
{
	__u32 i, best = 0;
	struct lru_params *p = svm_ext_params();
	bool fifo = p && p->fifo;
	struct svm_ext_chunk_info info;
	__u64 best_ns = ~0ULL, ns;

	bpf_for(i, 0, e->nr_chunks) {
		if (svm_ext_evict_chunk(e, i, &info))
			break;
		ns = fifo ? info.alloc_ns : info.last_ns;
		/* strictly older: on a tie the earlier (colder) candidate */
		if (ns < best_ns) {
			best_ns = ns;
			best = i;
		}
	}
	if (e->nr_chunks)
		svm_ext_evict_choose(e, best, SVM_EXT_LOC_SYSTEM);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops lru_ops = {
	.evict = (void *)lru_evict,
	.name = "lru",
};
