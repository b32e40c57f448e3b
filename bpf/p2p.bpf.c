// SPDX-License-Identifier: GPL-2.0
/*
 * p2p: for data several devices share, prefer a linked peer's memory over
 * system memory.
 *
 * Under the default, devices taking turns on the same data pull it back and
 * forth: every turn migrates it to the faulting device.  With a peer link
 * (NVLink, xGMI) between them that is wasted: reading a peer's memory over
 * the link is several times faster than the host link, and costs no copy.
 * So:
 *  - a device faulting on data resident on a peer it is linked to maps it
 *    there, over the link, instead of migrating it;
 *  - data in system memory (or not populated yet) that a device touches
 *    after another device touched its 2 MiB chunk first goes to that first
 *    toucher's memory, if the two are linked both ways, and the faulting
 *    device maps it over the link: shared data ends up in device memory,
 *    not in host memory every device reaches slowly.
 * A link counts only if it is faster than the faulting device's host link
 * (svm_ext_link_bw()), and `min_peer_mbps` if set.  Everything else (first
 * touch, unlinked devices, hints, memory that cannot migrate) is the
 * default's.
 *
 * The first toucher of each 2 MiB chunk of each process is kept in an LRU
 * hash map (64 Ki chunks, 128 GiB).
 *
 * params: min_peer_mbps (0: any link faster than the host link).
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") =
	"shared data: map a linked peer's memory over the link; system memory "
	"shared by linked devices goes to the first toucher's memory";

struct p2p_params {
	__u32 min_peer_mbps;
	__u32 _pad;
};

SVM_EXT_PARAMS(struct p2p_params, .min_peer_mbps = 0);

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct svm_ext_chunk_key);
	__type(value, __u32);		/* the first device to fault on it */
} first_toucher SEC(".maps");

/* Is @peer worth going through for @dev: linked both ways and fast? */
static __always_inline bool p2p_good_link(struct svm_ext_fault_ctx *f,
					  __u32 peer)
{
	struct p2p_params *p;
	__u64 bw, host, min = 0;

	if (!svm_ext_fault_linked(f, peer) ||
	    !(svm_ext_dev_peers(peer) & (1ULL << (f->dev & 63))))
		return false;
	p = svm_ext_params();
	if (p)
		min = p->min_peer_mbps;
	bw = svm_ext_link_bw(f->dev, peer);
	host = svm_ext_link_bw(f->dev, SVM_EXT_LOC_SYSTEM);
	return bw > host && bw >= min;
}

SEC("struct_ops")
int BPF_PROG(p2p_fault, struct svm_ext_fault_ctx *f)
{
	struct svm_ext_chunk_key k =
		SVM_EXT_CHUNK_KEY(bpf_get_current_pid_tgid() >> 32, f->addr);
	__u32 *first, dev = f->dev, cur = f->cur_loc;
	__u64 start, len;

	first = bpf_map_lookup_elem(&first_toucher, &k);
	if (!first) {
		bpf_map_update_elem(&first_toucher, &k, &dev, BPF_NOEXIST);
		return 0;	/* first touch: the default places it */
	}
	/* the user's hints and what cannot move: the default's */
	if (cur == dev || !(f->flags & SVM_EXT_FAULT_MIGRATABLE) ||
	    svm_ext_fault_hinted(f))
		return 0;
	svm_ext_window(f, SVM_EXT_PAGE_SIZE << f->granularity, &start, &len);
	if (svm_ext_loc_is_device(cur)) {
		/* on a peer: use it in place if the link is worth it */
		if (p2p_good_link(f, cur))
			svm_ext_fault_map(f, start, len);
		return 0;
	}
	/* in system memory or not populated: to the first toucher's memory */
	if (p2p_good_link(f, *first))
		svm_ext_fault_migrate(f, start, len, *first);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops p2p_ops = {
	.fault = (void *)p2p_fault,
	.name = "p2p",
};
