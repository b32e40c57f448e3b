// SPDX-License-Identifier: GPL-2.0
/*
 * lfu: evict the least frequently used device chunks.
 *
 * The default evicts the least recently used chunk, so one pass over a
 * working set larger than the device (a scan) pushes out everything, the
 * chunks the device keeps coming back to included.  Here the victims are the
 * chunks with the fewest device faults since they were allocated; among
 * equals, the one whose last fault is older.  A scan's chunks, faulted once
 * each, go before a chunk faulted often.
 *
 * A plain fault count never forgets: a chunk hot an hour ago would outlive
 * today's working set.  With params.decay_ms set, a chunk's count halves for
 * every decay_ms since its last fault (count >> (idle / decay_ms)), so idle
 * hot chunks age out.  decay_ms = 0 (the default) keeps pure counts.
 *
 * Victims cover need_bytes (each chunk frees one 2 MiB chunk of device
 * memory), at most SVM_EXT_EVICT_BATCH per call, and go to system memory.
 * Fault decisions are the default's.
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") =
	"evict the least frequently faulted device chunks (ties: least recently); "
	"counts halve every decay_ms of idleness (0: never)";

struct lfu_params {
	__u32 decay_ms;
	__u32 _pad;
};

struct lfu_params _params_default SEC("params_default") = {
	.decay_ms = 0,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lfu_params);
} params SEC(".maps");

/* The decayed fault count of a chunk. */
static __always_inline __u64 lfu_score(const struct svm_ext_chunk_info *c,
				       __u64 now, __u64 decay_ns)
{
	__u64 halvings;

	if (!decay_ns || now <= c->last_ns)
		return c->faults;
	halvings = (now - c->last_ns) / decay_ns;
	return halvings >= 64 ? 0 : c->faults >> halvings;
}

/*
 * Victim order: fewer (decayed) faults first, then the older last fault,
 * then the candidate index (the core's LRU order), so no two are equal.
 */
struct lfu_key {
	__u64 score;
	__u64 last_ns;
	__u32 idx;
};

static __always_inline bool lfu_less(const struct lfu_key *a,
				     const struct lfu_key *b)
{
	if (a->score != b->score)
		return a->score < b->score;
	if (a->last_ns != b->last_ns)
		return a->last_ns < b->last_ns;
	return a->idx < b->idx;
}

SEC("struct_ops")
int BPF_PROG(lfu_evict, struct svm_ext_evict_ctx *e)
{
	struct lfu_key prev = {}, best = {};
	__u64 decay_ns = 0, now = bpf_ktime_get_ns();
	bool have_prev = false, found;
	struct lfu_params *p;
	__u32 zero = 0, want;
	int r, i;

	p = bpf_map_lookup_elem(&params, &zero);
	if (p)
		decay_ns = (__u64)p->decay_ms * 1000000;
	want = (e->need_bytes + SVM_EXT_CHUNK_SIZE - 1) / SVM_EXT_CHUNK_SIZE;
	if (want < 1)
		want = 1;
	if (want > SVM_EXT_EVICT_BATCH)
		want = SVM_EXT_EVICT_BATCH;

	/*
	 * Round r names the r-th best victim: the least key above the last
	 * one named.  One candidate at a time keeps the verifier's work
	 * small; the core asks for one chunk (2 MiB) at a time anyway.
	 */
	bpf_for(r, 0, want) {
		found = false;
		bpf_for(i, 0, e->nr_chunks) {
			struct svm_ext_chunk_info c = {};
			struct lfu_key k;

			if (svm_ext_evict_chunk(e, i, &c))
				break;
			k.score = lfu_score(&c, now, decay_ns);
			k.last_ns = c.last_ns;
			k.idx = i;
			if (have_prev && !lfu_less(&prev, &k))
				continue;
			if (found && !lfu_less(&k, &best))
				continue;
			best = k;
			found = true;
		}
		if (!found)
			break;
		svm_ext_evict_choose(e, best.idx, SVM_EXT_LOC_SYSTEM);
		prev = best;
		have_prev = true;
	}
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops lfu_ops = {
	.evict = (void *)lfu_evict,
	.name = "lfu",
};
