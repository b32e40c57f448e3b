// SPDX-License-Identifier: GPL-2.0
/*
 * lfu: evict the least frequently used device chunks.
 *
 * The default evicts the least recently used chunk, so one pass over a
 * working set larger than the device (a scan) pushes out everything, the
 * chunks the device keeps coming back to included.  Here the victims are the
 * chunks with the fewest device faults; among equals, the one whose last
 * fault is older.  A scan's chunks, faulted once each, go before a chunk
 * faulted often.
 *
 * Faults are counted per 2 MiB of a process's address space, not per
 * device chunk, so the count outlives eviction.  That is what makes it a
 * frequency: at a 2 MiB granularity a resident chunk faults once (the
 * device then uses it without faulting), so the counts that tell hot from
 * cold are those of data that was evicted and came back, again and again.
 * Counting only while resident, every chunk of an oversubscribed workload
 * would count 1 and LFU would be LRU.  Unmapping a whole 2 MiB forgets its
 * count; the history (an LRU hash, 64 Ki entries = 128 GiB per policy
 * instance) drops the least recently faulted first.
 *
 * A plain fault count never forgets: a chunk hot an hour ago would outlive
 * today's working set.  With params.decay_ms set, a chunk's count halves for
 * every decay_ms since its last fault (count >> (idle / decay_ms)), so idle
 * hot chunks age out.  decay_ms = 0 (the default) keeps pure counts.
 *
 * Victims cover need_bytes (each chunk frees one 2 MiB chunk of device
 * memory), at most SVM_EXT_EVICT_BATCH per call, and go to system memory.
 * Fault decisions are the default's (the fault hook only counts).
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") =
	"evict the least frequently faulted device chunks, counting faults "
	"across evictions (ties: least recently); counts halve every decay_ms "
	"of idleness (0: never)";

struct lfu_params {
	__u32 decay_ms;
	__u32 _pad;
};

SVM_EXT_PARAMS(struct lfu_params, .decay_ms = 0);

struct lfu_hist {
	__u64 count;		/* faults, decayed as of last_ns */
	__u64 last_ns;		/* time of the last fault */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct svm_ext_chunk_key);
	__type(value, struct lfu_hist);
} hist SEC(".maps");

static __always_inline __u64 lfu_decay_ns(void)
{
	struct lfu_params *p = svm_ext_params();

	return p ? (__u64)p->decay_ms * 1000000 : 0;
}

/* @count faults, the last at @last, as of @now. */
static __always_inline __u64 lfu_decayed(__u64 count, __u64 last, __u64 now,
					 __u64 decay_ns)
{
	__u64 halvings;

	if (!decay_ns || now <= last)
		return count;
	halvings = (now - last) / decay_ns;
	return halvings >= 64 ? 0 : count >> halvings;
}

/* Count every device fault (of this process, in this 2 MiB). */
SEC("struct_ops")
int BPF_PROG(lfu_fault, struct svm_ext_fault_ctx *f)
{
	struct svm_ext_chunk_key k =
		SVM_EXT_CHUNK_KEY(bpf_get_current_pid_tgid() >> 32, f->addr);
	struct lfu_hist fresh = { .count = 1, .last_ns = f->now_ns }, *h;

	h = bpf_map_lookup_elem(&hist, &k);
	if (!h) {
		bpf_map_update_elem(&hist, &k, &fresh, BPF_NOEXIST);
		return 0;	/* the default's decision */
	}
	h->count = lfu_decayed(h->count, h->last_ns, f->now_ns,
			       lfu_decay_ns()) + 1;
	h->last_ns = f->now_ns;
	return 0;
}

/*
 * A candidate's decayed count: its history, or for a chunk faulted before
 * the policy came (or whose history was dropped) its faults while resident.
 */
static __always_inline __u64 lfu_score(const struct svm_ext_chunk_info *c,
				       __u64 now, __u64 decay_ns)
{
	struct svm_ext_chunk_key k = SVM_EXT_CHUNK_KEY(c->tgid, c->addr);
	struct lfu_hist *h = c->tgid ? bpf_map_lookup_elem(&hist, &k) : NULL;

	if (h && h->count >= c->faults)
		return lfu_decayed(h->count, h->last_ns, now, decay_ns);
	return lfu_decayed(c->faults, c->last_ns, now, decay_ns);
}

/*
 * Victim order: fewer (decayed) faults first, then the older last fault,
 * then the candidate index (the core's LRU order), so no two are equal.
 */
struct lfu_rank {
	__u64 score;
	__u64 last_ns;
	__u32 idx;
};

static __always_inline bool lfu_less(const struct lfu_rank *a,
				     const struct lfu_rank *b)
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
	struct lfu_rank prev = {}, best = {};
	__u64 decay_ns = lfu_decay_ns(), now = bpf_ktime_get_ns();
	bool have_prev = false, found;
	__u32 want;
	int r, i;

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
			struct lfu_rank k;

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

/* A whole 2 MiB unmapped: what comes there next is other data. */
SEC("struct_ops")
void BPF_PROG(lfu_invalidated, struct svm_ext_invalidate_event *ev)
{
	struct svm_ext_chunk_key k = SVM_EXT_CHUNK_KEY(ev->tgid, ev->start);

	if (ev->event == MMU_NOTIFY_UNMAP &&
	    !(ev->start & (SVM_EXT_CHUNK_SIZE - 1)) &&
	    ev->end - ev->start >= SVM_EXT_CHUNK_SIZE)
		bpf_map_delete_elem(&hist, &k);
}

/* The process's last binding went. */
SEC("struct_ops")
void BPF_PROG(lfu_range_remove, struct svm_ext_range_event *ev)
{
	struct svm_ext_chunk_key k = SVM_EXT_CHUNK_KEY(ev->tgid, ev->start);

	bpf_map_delete_elem(&hist, &k);
}

SEC(".struct_ops.link")
struct svm_ext_ops lfu_ops = {
	.fault = (void *)lfu_fault,
	.evict = (void *)lfu_evict,
	.invalidated = (void *)lfu_invalidated,
	.range_remove = (void *)lfu_range_remove,
	.name = "lfu",
};
