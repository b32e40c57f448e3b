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

struct lfu_cand {
	__u64 score;
	__u64 last_ns;
	__u32 idx;
	__u32 pad;
};

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

/* Is (score, last_ns) a better victim than @b? */
static __always_inline bool lfu_before(__u64 score, __u64 last_ns,
				       const struct lfu_cand *b)
{
	return score < b->score || (score == b->score && last_ns < b->last_ns);
}

SEC("struct_ops")
int BPF_PROG(lfu_evict, struct svm_ext_evict_ctx *e)
{
	struct lfu_cand best[SVM_EXT_EVICT_BATCH] = {};
	__u32 zero = 0, want, nbest = 0, j;
	struct lfu_params *p;
	__u64 decay_ns = 0, now = bpf_ktime_get_ns();
	int i;

	p = bpf_map_lookup_elem(&params, &zero);
	if (p)
		decay_ns = (__u64)p->decay_ms * 1000000;
	want = (e->need_bytes + SVM_EXT_CHUNK_SIZE - 1) / SVM_EXT_CHUNK_SIZE;
	if (want < 1)
		want = 1;
	if (want > SVM_EXT_EVICT_BATCH)
		want = SVM_EXT_EVICT_BATCH;

	/* one pass keeps the @want best victims, sorted, best first */
	bpf_for(i, 0, e->nr_chunks) {
		struct svm_ext_chunk_info c = {};
		__u32 pos = SVM_EXT_EVICT_BATCH;
		__u64 score;

		if (svm_ext_evict_chunk(e, i, &c))
			break;
		score = lfu_score(&c, now, decay_ns);
		for (j = 0; j < SVM_EXT_EVICT_BATCH; j++) {
			if (j >= nbest || lfu_before(score, c.last_ns, &best[j])) {
				pos = j;
				break;
			}
		}
		if (pos >= want)
			continue;
		for (j = SVM_EXT_EVICT_BATCH - 1; j > 0; j--)
			if (j > pos)
				best[j] = best[j - 1];
		best[pos & (SVM_EXT_EVICT_BATCH - 1)] = (struct lfu_cand){
			.score = score, .last_ns = c.last_ns, .idx = i,
		};
		if (nbest < want)
			nbest++;
	}
	for (j = 0; j < SVM_EXT_EVICT_BATCH; j++) {
		if (j >= nbest)
			break;
		svm_ext_evict_choose(e, best[j].idx, SVM_EXT_LOC_SYSTEM);
	}
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops lfu_ops = {
	.evict = (void *)lfu_evict,
	.name = "lfu",
};
