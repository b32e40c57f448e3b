// SPDX-License-Identifier: GPL-2.0
/*
 * s3fifo: S3-FIFO eviction (Yang et al., SOSP 2023) over 2 MiB chunks.
 *
 * Three FIFO queues per device: a small one (params.small_pct of the
 * device's chunks) where every chunk starts, a main one for chunks that
 * proved they are reused, and a ghost one that remembers what left the
 * small queue (identities only, no data).  Victims come from the small
 * queue while it is over its size: a chunk there that was used again is
 * promoted to main instead, the others leave and are remembered by the
 * ghost.  A chunk that comes back while the ghost still remembers it goes
 * straight to main.  Main evicts like CLOCK: a chunk used since its last
 * pass gets another round (its frequency, at most 3, decremented).
 *
 * The effect: data touched once (a scan) passes through the small queue
 * and leaves without disturbing the reused set in main, where LRU would
 * push the reused set out.
 *
 * An object is (device, tgid, 2 MiB chunk address).  "Used again" is what
 * the core sees: device faults on the chunk beyond the one that brought it
 * in (chunk_info.faults); resident pages the device has mapped do not
 * fault, which is why the ghost matters: it is how data that keeps coming
 * back is recognised.  Queue membership and frequencies are kept in BPF
 * maps and brought up to date from the candidate snapshot at each
 * eviction; a chunk whose alloc_ns changed is a new arrival.
 *
 * params.small_pct: small queue size, % of the device's chunks (1..50)
 * params.ghost_pct: ghost length, % of the device's chunks (0..400)
 * params.promote_freq: uses after arrival that move a chunk from the small
 *	queue to main (1..3)
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "S3-FIFO eviction: small, main and ghost FIFOs (scan resistant)";

#define S3_MAX_CAND	1024	/* candidates looked at: 2 GiB of device memory */
#define S3_MAX_OBJS	16384
#define S3_FREQ_MAX	3
/* promotions out of the small queue per eviction (the rest wait) */
#define S3_SMALL_STEPS	64

#define S3_SMALL	0
#define S3_MAIN		1

struct s3fifo_params {
	__u32 small_pct;
	__u32 ghost_pct;
	__u32 promote_freq;
	__u32 _pad;
};

SVM_EXT_PARAMS(struct s3fifo_params,
	.small_pct = 10,
	.ghost_pct = 90,	/* as long as main, as in the paper */
	.promote_freq = 1,
);

struct s3_key {
	__u64 addr;
	__u32 tgid;
	__u32 dev;
};

/* A resident chunk's place in the queues. */
struct s3_obj {
	__u64 alloc_ns;		/* identifies this residency */
	__u64 seq;		/* FIFO position: alloc_ns in small, main_seq in main */
	__u64 seen;		/* chunk_info.faults already counted */
	__u32 queue;
	__u32 freq;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, S3_MAX_OBJS);
	__type(key, struct s3_key);
	__type(value, struct s3_obj);
} objs SEC(".maps");

/* ghost: object -> ghost_seq when it left the small queue */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, S3_MAX_OBJS);
	__type(key, struct s3_key);
	__type(value, __u64);
} ghost SEC(".maps");

struct s3_dev {
	__u64 main_seq;		/* last position handed out in main */
	__u64 ghost_seq;	/* entries ever put in the ghost */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SVM_EXT_MAX_DEVICES);
	__type(key, __u32);
	__type(value, struct s3_dev);
} devs SEC(".maps");

/* One eviction's working copy of a candidate's state. */
struct s3_cand {
	__u64 addr;
	__u64 alloc_ns;
	__u64 seq;
	__u64 faults;
	__u32 tgid;
	__u16 queue;
	__u16 freq;
};

/*
 * One eviction's working state.  Everything the loops carry from one
 * iteration to the next lives here, in map memory, rather than in
 * registers: the verifier then sees each loop body once or twice instead
 * of walking all S3_MAX_CAND iterations with exact values.
 */
struct s3_scratch {
	__u32 n;		/* candidates looked at */
	__u32 nsmall;
	__u32 nmain;
	__u32 victim;
	__u32 have_victim;
	__u32 from_small;
	__u32 t;		/* oldest of the small queue */
	__u32 found;
	__u32 m;		/* lowest freq in main */
	__u32 pad;
	__u64 vseq;
	__u64 minseq;
	struct s3_cand c[S3_MAX_CAND];
};

/* per device: evictions of one device are serialised by the core */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SVM_EXT_MAX_DEVICES);
	__type(key, __u32);
	__type(value, struct s3_scratch);
} scratch SEC(".maps");

static __always_inline __u32 clamp(__u32 v, __u32 lo, __u32 hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

#define CAND(sc, i)	(&(sc)->c[(i) & (S3_MAX_CAND - 1)])

/* 1. Bring every candidate's queue state up to date. */
static __always_inline void s3_gather(struct svm_ext_evict_ctx *e, __u32 dev,
				      struct s3_dev *d, struct s3_scratch *sc,
				      __u32 ghost_len)
{
	struct svm_ext_chunk_info info;
	struct s3_key key;
	struct s3_cand *c;
	struct s3_obj *o;
	__u64 *g;
	__u32 i;

	bpf_for(i, 0, S3_MAX_CAND) {
		if (i >= sc->n)
			break;
		if (svm_ext_evict_chunk(e, i, &info)) {
			sc->n = i;
			break;
		}
		__builtin_memset(&key, 0, sizeof(key));
		key.addr = info.addr;
		key.tgid = info.tgid;
		key.dev = dev;
		c = CAND(sc, i);
		c->addr = info.addr;
		c->alloc_ns = info.alloc_ns;
		c->tgid = info.tgid;
		c->faults = info.faults;
		o = bpf_map_lookup_elem(&objs, &key);
		if (o && o->alloc_ns == info.alloc_ns) {
			c->seq = o->seq;
			c->queue = o->queue;
			c->freq = o->freq;
			if (info.faults > o->seen)
				c->freq = svm_ext_min(c->freq + (info.faults - o->seen),
						      S3_FREQ_MAX);
		} else {
			/* arrived since the last look: remembered by the ghost? */
			g = bpf_map_lookup_elem(&ghost, &key);
			if (g && d->ghost_seq - *g < ghost_len) {
				c->queue = S3_MAIN;
				c->seq = ++d->main_seq;
			} else {
				c->queue = S3_SMALL;
				c->seq = info.alloc_ns;
			}
			if (g)
				bpf_map_delete_elem(&ghost, &key);
			/* the first fault is the one that brought it in */
			c->freq = info.faults > 1 ?
				  svm_ext_min(info.faults - 1, S3_FREQ_MAX) : 0;
		}
		if (c->queue == S3_SMALL)
			sc->nsmall++;
		else
			sc->nmain++;
	}
}

/*
 * 2. The small queue, while over its size (or main is empty): its oldest
 * chunk is promoted to main if it was used again, else it is the victim.
 */
static __always_inline void s3_small(struct s3_dev *d, struct s3_scratch *sc,
				     __u32 small_max, __u32 promote)
{
	struct s3_cand *c;
	__u32 step, i;

	bpf_for(step, 0, S3_SMALL_STEPS) {
		if (!sc->nsmall || (sc->nsmall <= small_max && sc->nmain))
			break;
		sc->found = 0;
		bpf_for(i, 0, S3_MAX_CAND) {
			if (i >= sc->n)
				break;
			c = CAND(sc, i);
			if (c->queue == S3_SMALL &&
			    (!sc->found || c->seq < CAND(sc, sc->t)->seq)) {
				sc->found = 1;
				sc->t = i;
			}
		}
		if (!sc->found)
			break;
		c = CAND(sc, sc->t);
		if (c->freq >= promote) {
			c->queue = S3_MAIN;
			c->seq = ++d->main_seq;
			c->freq = 0;
			sc->nsmall--;
			sc->nmain++;
			continue;
		}
		sc->victim = sc->t;
		sc->have_victim = 1;
		sc->from_small = 1;
		break;
	}
}

/*
 * 3. Main, as CLOCK: walking it from the oldest, a chunk with freq > 0 is
 * reinserted at the head with freq - 1, the first with 0 goes.  In one
 * step: with m the lowest freq in main, the victim is the oldest chunk of
 * freq m; every chunk loses m, and those older than the victim lose one
 * more and move, in order, to the head.
 */
static __always_inline void s3_main(struct s3_dev *d, struct s3_scratch *sc)
{
	struct s3_cand *c;
	__u32 i;

	sc->m = S3_FREQ_MAX + 1;
	sc->vseq = 0;
	sc->minseq = ~0ULL;
	bpf_for(i, 0, S3_MAX_CAND) {
		if (i >= sc->n)
			break;
		c = CAND(sc, i);
		if (c->queue != S3_MAIN)
			continue;
		if (c->seq < sc->minseq)
			sc->minseq = c->seq;
		if (c->freq < sc->m || (c->freq == sc->m && c->seq < sc->vseq)) {
			sc->m = c->freq;
			sc->vseq = c->seq;
			sc->victim = i;
		}
	}
	bpf_for(i, 0, S3_MAX_CAND) {
		if (i >= sc->n)
			break;
		c = CAND(sc, i);
		if (c->queue != S3_MAIN || i == sc->victim)
			continue;
		c->freq -= sc->m;
		if (c->seq < sc->vseq) {
			c->freq--;
			c->seq = d->main_seq + 1 + (c->seq - sc->minseq);
		}
	}
	d->main_seq += sc->vseq - sc->minseq + 1;
	sc->have_victim = 1;
}

/* 4. Write the state back; the victim leaves (to the ghost if small). */
static __always_inline void s3_store(__u32 dev, struct s3_dev *d,
				     struct s3_scratch *sc)
{
	struct s3_key key;
	struct s3_cand *c;
	struct s3_obj nv;
	__u64 gs;
	__u32 i;

	bpf_for(i, 0, S3_MAX_CAND) {
		if (i >= sc->n)
			break;
		c = CAND(sc, i);
		__builtin_memset(&key, 0, sizeof(key));
		key.addr = c->addr;
		key.tgid = c->tgid;
		key.dev = dev;
		if (i == sc->victim) {
			bpf_map_delete_elem(&objs, &key);
			if (sc->from_small) {
				gs = ++d->ghost_seq;
				bpf_map_update_elem(&ghost, &key, &gs, BPF_ANY);
			}
			continue;
		}
		__builtin_memset(&nv, 0, sizeof(nv));
		nv.alloc_ns = c->alloc_ns;
		nv.seq = c->seq;
		nv.seen = c->faults;
		nv.queue = c->queue;
		nv.freq = c->freq;
		bpf_map_update_elem(&objs, &key, &nv, BPF_ANY);
	}
}

SEC("struct_ops")
int BPF_PROG(s3fifo_evict, struct svm_ext_evict_ctx *e)
{
	__u32 dev = e->dev, small_max, ghost_len, promote;
	struct s3fifo_params *p = svm_ext_params();
	struct s3_scratch *sc;
	struct s3_dev *d;
	__u64 nchunks;

	if (!p || dev >= SVM_EXT_MAX_DEVICES || !e->nr_chunks)
		return 0;	/* the core's LRU decides */
	d = bpf_map_lookup_elem(&devs, &dev);
	sc = bpf_map_lookup_elem(&scratch, &dev);
	if (!d || !sc)
		return 0;
	nchunks = svm_ext_dev_mem_total(dev) / SVM_EXT_CHUNK_SIZE;
	small_max = nchunks * clamp(p->small_pct, 1, 50) / 100;
	if (!small_max)
		small_max = 1;
	ghost_len = nchunks * clamp(p->ghost_pct, 0, 400) / 100;
	promote = clamp(p->promote_freq, 1, S3_FREQ_MAX);

	sc->n = e->nr_chunks < S3_MAX_CAND ? e->nr_chunks : S3_MAX_CAND;
	sc->nsmall = sc->nmain = 0;
	sc->victim = 0;
	sc->have_victim = sc->from_small = 0;
	s3_gather(e, dev, d, sc, ghost_len);
	s3_small(d, sc, small_max, promote);
	if (!sc->have_victim && sc->nmain)
		s3_main(d, sc);
	if (!sc->have_victim)
		return 0;
	s3_store(dev, d, sc);
	svm_ext_evict_choose(e, sc->victim, SVM_EXT_LOC_SYSTEM);
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops s3fifo_ops = {
	.evict = (void *)s3fifo_evict,
	.name = "s3fifo",
};
