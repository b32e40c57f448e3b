/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thrashing detection and mitigation in the manner of NVIDIA UVM, for svm_ext
 * policies (thrash_guard, uvm).  Include after <svm_ext/common.bpf.h>, call
 * svm_ext_thrash_migrated() from the migrated hook and svm_ext_thrash_fault()
 * first thing in the fault hook.
 *
 * Detection, per 64 KiB granule of a process's address space: a move of
 * the granule (fault or CPU-fault migration) that comes within `lapse` of
 * its previous move, to another place, and takes again pages that move
 * took counts as a repeat; `moves` such moves in a row make the granule
 * thrashing until `epoch` has passed since its last move.  Pages of a
 * granule going one after another to the same place (a sequential first
 * touch, a prefetch window growing) are not repeats.  The migrated event
 * names the window, not the pages that moved, hence the destination test.
 * Prefetches and evictions never count.  64 KiB keeps the state small (one entry per 16 pages, 64 Ki
 * entries cover 4 GiB) and fine enough that a chunk whose two halves belong
 * to two processors is not taken as a whole; the page mask of the last move
 * keeps sequential moves of different pages apart.
 *
 * Mitigation, per 2 MiB block (UVM keeps it per VA block too): a device
 * fault on a thrashing granule is throttled (the device waits `throttle`,
 * then maps the page where it is).  The core services faults one page at a
 * time, so counting throttles per page would throttle every page of the
 * block `pin_after` times; per block, the first `pin_after` thrashing
 * faults are throttled and the next one pins the block's thrashing data
 * where it is for `pin`: its faults map the run of thrashing granules
 * around the fault in place (remote, over the host or peer link), nothing
 * migrates.  When the pin expires the block's history is forgotten and its
 * data may migrate again; only new repeats make it thrash again.
 */
#ifndef __SVM_EXT_THRASH_BPF_H
#define __SVM_EXT_THRASH_BPF_H

#define SVM_EXT_THRASH_SHIFT	16	/* 64 KiB granules */
#define SVM_EXT_THRASH_SIZE	(1ULL << SVM_EXT_THRASH_SHIFT)
#define SVM_EXT_THRASH_PER_CHUNK (SVM_EXT_CHUNK_SIZE >> SVM_EXT_THRASH_SHIFT)
#define SVM_EXT_THRASH_PAGES	(SVM_EXT_THRASH_SIZE / SVM_EXT_PAGE_SIZE)

/* What the caller's params resolved to, in nanoseconds and counts. */
struct svm_ext_thrash_cfg {
	__u64 lapse_ns;		/* a move this soon after the last repeats it */
	__u64 epoch_ns;		/* thrashing lasts this long after a move */
	__u64 throttle_ns;	/* how long a throttled device waits */
	__u64 pin_ns;		/* how long a pin lasts */
	__u32 moves;		/* repeats in a row that make thrashing */
	__u32 pin_after;	/* throttles in a block before it is pinned */
};

/* Defaults: UVM's figures. */
#define SVM_EXT_THRASH_LAPSE_US		500
#define SVM_EXT_THRASH_MOVES		3
#define SVM_EXT_THRASH_EPOCH_MS		1000
#define SVM_EXT_THRASH_THROTTLE_US	100
#define SVM_EXT_THRASH_PIN_AFTER	10
#define SVM_EXT_THRASH_PIN_MS		150

/*
 * A policy's tunables (its params map members) to a configuration; zero or
 * out-of-range values mean the default.  A throttle is at most
 * SVM_EXT_THROTTLE_MAX_NS (the core ejects a policy asking for more).
 */
static __always_inline void svm_ext_thrash_cfg_init(struct svm_ext_thrash_cfg *c,
						    __u32 lapse_us, __u32 moves,
						    __u32 epoch_ms,
						    __u32 throttle_us,
						    __u32 pin_after, __u32 pin_ms)
{
	c->lapse_ns = (__u64)(lapse_us ?: SVM_EXT_THRASH_LAPSE_US) * 1000;
	c->moves = moves >= 2 ? moves : SVM_EXT_THRASH_MOVES;
	c->epoch_ns = (__u64)(epoch_ms ?: SVM_EXT_THRASH_EPOCH_MS) * 1000000;
	if (!throttle_us || throttle_us * 1000ULL > SVM_EXT_THROTTLE_MAX_NS)
		throttle_us = SVM_EXT_THRASH_THROTTLE_US;
	c->throttle_ns = throttle_us * 1000ULL;
	c->pin_after = pin_after ?: SVM_EXT_THRASH_PIN_AFTER;
	c->pin_ns = (__u64)(pin_ms ?: SVM_EXT_THRASH_PIN_MS) * 1000000;
}

/* A granule's key; a block's is its chunk's (struct svm_ext_chunk_key). */
struct svm_ext_thrash_key {
	__u32 tgid;
	__u32 pad;
	__u64 idx;		/* address >> SVM_EXT_THRASH_SHIFT */
};

struct svm_ext_thrash_granule {
	__u64 last_ns;		/* time of its last move */
	__u32 moves;		/* repeats in a row, the first move counting 1 */
	__u32 last_pages;	/* pages the last moves took (bit i: page i) */
	__u32 last_dst;		/* where they went */
	__u32 pad;
};

struct svm_ext_thrash_block {
	__u64 pinned_until;	/* 0: not pinned */
	__u64 clean_ns;		/* moves before this are forgotten */
	__u32 throttles;	/* thrashing faults throttled since the last pin */
	__u32 pins;		/* times pinned (statistics) */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct svm_ext_thrash_key);
	__type(value, struct svm_ext_thrash_granule);
} svm_ext_thrash_granules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct svm_ext_chunk_key);
	__type(value, struct svm_ext_thrash_block);
} svm_ext_thrash_blocks SEC(".maps");

static __always_inline struct svm_ext_thrash_block *
svm_ext_thrash_block_get(__u32 tgid, __u64 addr)
{
	struct svm_ext_chunk_key k = SVM_EXT_CHUNK_KEY(tgid, addr);

	return bpf_map_lookup_elem(&svm_ext_thrash_blocks, &k);
}

static __always_inline struct svm_ext_thrash_granule *
svm_ext_thrash_granule_get(__u32 tgid, __u64 addr)
{
	struct svm_ext_thrash_key k = {
		.tgid = tgid, .idx = addr >> SVM_EXT_THRASH_SHIFT,
	};

	return bpf_map_lookup_elem(&svm_ext_thrash_granules, &k);
}

/* One move of pages [lo, hi) of granule @g0 to @dst at @now. */
static __always_inline void svm_ext_thrash_note(const struct svm_ext_thrash_cfg *c,
						__u32 tgid, __u64 g0, __u64 lo,
						__u64 hi, __u32 dst, __u64 now,
						__u64 clean_ns)
{
	struct svm_ext_thrash_key k = {
		.tgid = tgid, .idx = g0 >> SVM_EXT_THRASH_SHIFT,
	};
	struct svm_ext_thrash_granule *g, fresh = {};
	__u32 pl = (lo - g0) >> 12, ph = (hi - g0 + 4095) >> 12, pages;

	pages = (ph >= 32 ? ~0U : (1U << ph) - 1) & ~((1U << (pl & 31)) - 1);
	g = bpf_map_lookup_elem(&svm_ext_thrash_granules, &k);
	if (!g) {
		fresh.last_ns = now;
		fresh.moves = 1;
		fresh.last_pages = pages;
		fresh.last_dst = dst;
		bpf_map_update_elem(&svm_ext_thrash_granules, &k, &fresh,
				    BPF_ANY);
		return;
	}
	if (g->last_ns < clean_ns || now - g->last_ns > c->lapse_ns) {
		/* long since, or before a pin ended: a new start */
		g->moves = 1;
		g->last_pages = pages;
	} else if (dst != g->last_dst) {
		/* pages that just came soon leave again: a repeat */
		if (g->last_pages & pages)
			g->moves++;
		g->last_pages = pages;
	} else {
		/*
		 * More pages going the same way (a window growing, or the
		 * window of the event naming pages that were there already):
		 * no page can go twice to one place without leaving between.
		 */
		g->last_pages |= pages;
	}
	g->last_dst = dst;
	g->last_ns = now;
}

/* Notification: pages in [start, end) moved.  Bounded: windows <= 2 MiB. */
static __always_inline void svm_ext_thrash_migrated(const struct svm_ext_thrash_cfg *c,
						    struct svm_ext_migrate_event *ev)
{
	__u64 now = bpf_ktime_get_ns(), start = ev->start, end = ev->end;
	__u64 clean = 0, g0;
	struct svm_ext_thrash_block *b;
	__u32 i;

	if (ev->cause != SVM_EXT_CAUSE_FAULT &&
	    ev->cause != SVM_EXT_CAUSE_CPU_FAULT)
		return;
	if (end <= start || end - start > SVM_EXT_CHUNK_SIZE)
		return;
	b = svm_ext_thrash_block_get(ev->tgid, start);
	if (b)
		clean = b->clean_ns;
	g0 = SVM_EXT_ALIGN_DOWN(start, SVM_EXT_THRASH_SIZE);
	for (i = 0; i <= SVM_EXT_THRASH_PER_CHUNK; i++) {
		__u64 lo = svm_ext_max(start, g0), hi;

		if (g0 >= end)
			break;
		hi = svm_ext_min(end, g0 + SVM_EXT_THRASH_SIZE);
		svm_ext_thrash_note(c, ev->tgid, g0, lo, hi, ev->dst, now,
				    clean);
		g0 += SVM_EXT_THRASH_SIZE;
	}
}

static __always_inline bool svm_ext_thrash_is(const struct svm_ext_thrash_cfg *c,
					      const struct svm_ext_thrash_granule *g,
					      __u64 clean_ns)
{
	return g && g->moves >= c->moves && g->last_ns >= clean_ns;
}

/*
 * The run of thrashing granules around @addr, inside the fault's chunk:
 * what a pinned block maps in place.
 */
static __always_inline void svm_ext_thrash_run(const struct svm_ext_thrash_cfg *c,
					       struct svm_ext_fault_ctx *f,
					       __u32 tgid, __u64 clean_ns,
					       __u64 *start, __u64 *end)
{
	__u64 lo = SVM_EXT_ALIGN_DOWN(f->addr, SVM_EXT_THRASH_SIZE);
	__u64 hi = lo + SVM_EXT_THRASH_SIZE;
	__u32 i;

	for (i = 0; i < SVM_EXT_THRASH_PER_CHUNK; i++) {
		if (lo <= f->range_start ||
		    !svm_ext_thrash_is(c, svm_ext_thrash_granule_get(tgid,
						lo - SVM_EXT_THRASH_SIZE),
				       clean_ns))
			break;
		lo -= SVM_EXT_THRASH_SIZE;
	}
	for (i = 0; i < SVM_EXT_THRASH_PER_CHUNK; i++) {
		if (hi >= f->range_end ||
		    !svm_ext_thrash_is(c, svm_ext_thrash_granule_get(tgid, hi),
				       clean_ns))
			break;
		hi += SVM_EXT_THRASH_SIZE;
	}
	*start = svm_ext_max(lo, f->range_start);
	*end = svm_ext_min(hi, f->range_end);
}

/*
 * Is the data at the fault's address thrashing, or pinned?  For a policy
 * deciding something other than a fault (an access-counter notification):
 * no throttle, no pin taken, nothing recorded.
 */
static __always_inline bool svm_ext_thrash_active(const struct svm_ext_thrash_cfg *c,
						  struct svm_ext_fault_ctx *f)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct svm_ext_thrash_granule *g;
	struct svm_ext_thrash_block *b;
	__u64 clean = 0;

	b = svm_ext_thrash_block_get(tgid, f->addr);
	if (b) {
		if (b->pinned_until && f->now_ns < b->pinned_until)
			return true;
		clean = b->clean_ns;
	}
	g = svm_ext_thrash_granule_get(tgid, f->addr);
	return svm_ext_thrash_is(c, g, clean) &&
	       f->now_ns - g->last_ns <= c->epoch_ns;
}

/*
 * The fault hook's part: true when a decision was recorded (throttle, or
 * map in place while pinned), false to let the caller decide.
 */
static __always_inline bool svm_ext_thrash_fault(const struct svm_ext_thrash_cfg *c,
						 struct svm_ext_fault_ctx *f)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct svm_ext_chunk_key bk = SVM_EXT_CHUNK_KEY(tgid, f->addr);
	struct svm_ext_thrash_block *b, fresh = {};
	struct svm_ext_thrash_granule *g;
	__u64 now = f->now_ns, clean = 0, start, end;

	/* already here, or nothing can move: nothing to hold back */
	if (f->cur_loc == f->dev || !(f->flags & SVM_EXT_FAULT_MIGRATABLE))
		return false;
	g = svm_ext_thrash_granule_get(tgid, f->addr);
	if (!g)
		return false;
	b = bpf_map_lookup_elem(&svm_ext_thrash_blocks, &bk);
	if (b) {
		if (b->pinned_until && now >= b->pinned_until) {
			/* the pin is over: forget, let it migrate again */
			b->pinned_until = 0;
			b->throttles = 0;
			b->clean_ns = now;
		}
		clean = b->clean_ns;
	}
	if (!svm_ext_thrash_is(c, g, clean))
		return false;
	if (!b || !b->pinned_until) {
		/* thrashing lasts an epoch after the last move */
		if (now - g->last_ns > c->epoch_ns)
			return false;
		if (!b) {
			bpf_map_update_elem(&svm_ext_thrash_blocks, &bk, &fresh,
					    BPF_NOEXIST);
			b = bpf_map_lookup_elem(&svm_ext_thrash_blocks, &bk);
			if (!b)
				return false;
		}
		if (b->throttles < c->pin_after) {
			b->throttles++;
			svm_ext_fault_throttle(f, c->throttle_ns);
			return true;
		}
		b->pinned_until = now + c->pin_ns;
		b->pins++;
	}
	/* pinned: stay where it is, mapped over the link */
	svm_ext_thrash_run(c, f, tgid, clean, &start, &end);
	svm_ext_fault_map(f, start, end - start);
	return true;
}

#endif /* __SVM_EXT_THRASH_BPF_H */
