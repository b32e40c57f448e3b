// SPDX-License-Identifier: GPL-2.0
/*
 * adaptive: one policy for all of the workloads.  It watches what happens
 * to each 2 MiB range (per process) and picks placement from that history:
 *
 *  0. Rent before buying.  Data the CPU already holds (a range in system
 *     memory that has no history yet) is first mapped in place, and moves
 *     to the device only when the device's access counters report that it
 *     has accessed a chunk's worth of it over the link (an access-counter
 *     notification, SVM_EXT_FAULT_COUNTER; svm_emu's threshold is 2 MiB per
 *     chunk).  By then reading in place has cost about what the migration
 *     would have, so the move is never more than twice the better of the
 *     two (the ski-rental argument), and data the device touches only
 *     sparsely, as in a CPU<->GPU ping-pong, never moves at all.  Data the
 *     device creates (not populated yet) is allocated on the device.
 *  1. Bypass under capacity thrash.  A range that was evicted before, faulting
 *     again on a device that is full, is mapped in place (system memory over
 *     the host link) instead of migrated: migrating it would evict another
 *     range that is likely to come back too.  In svm_emu's H100-class model
 *     migrating a chunk in costs about as much as reading it once remotely
 *     (13.4 GB/s host-to-device copy plus a 50 us fault, 51 GB/s remote
 *     reads: the H100 figures of the cost model) and an eviction
 *     adds a copy out at 8 GB/s; migration pays only for data reused while
 *     resident, which a range that was evicted before has shown it is not.
 *     A remote mapping does not fault again until something invalidates it,
 *     so the range stops costing faults too.
 *  2. Ping-pong.  A range the CPU pulled back from a device (a CPU fault
 *     migration) is mapped in place from then on, as the advice preferred =
 *     system, accessed-by = GPU would have it: the CPU's accesses stay local
 *     and the GPU's go over the link, nothing moves any more.  A range that
 *     moved from one device to another `peer_moves` times is left where it
 *     is and mapped over the peer link, or, without a link, brought to
 *     system memory once and mapped there by both.
 *  3. Reads of data another device holds: map it over a peer link when there
 *     is one (peer reads are 450 GB/s, nothing to copy back later), else a
 *     read-only copy (svm_ext_fault_duplicate()); a write collapses copies.
 *  4. Sequential first touch: where the range's granularity is below 2 MiB,
 *     the migration window is the density tree's (<svm_ext/density.bpf.h>)
 *     when that is larger: a sequential first touch takes a few faults per
 *     chunk instead of one per granule.
 *
 * Eviction is the core's least recently used chunk: with the bypass, a
 * repeated scan over more than the device holds stops evicting after its
 * first pass (the ranges it evicted are mapped in place when they come
 * back), so the victim choice matters only for the first pass.
 *
 * The user's hints (preferred location, accessed-by, read-mostly) and
 * memory that cannot migrate are the default's.  Range history lives in an
 * LRU hash map (64 Ki ranges = 128 GiB per policy instance).
 *
 * params (0 = default where noted):
 *   bypass_free_kb  a device with less free memory than this is full (2048)
 *   evictions       evictions of a range before it may bypass (1; 0: never)
 *   cpu_pulls       CPU pull-backs of a range before it stays in place
 *                   (1; 0: never)
 *   peer_moves      device-to-device moves before a range stays put (1;
 *                   0: never)
 *   peer_reads      1: reads of another device's data map over the peer link
 *                   or duplicate (1)
 *   threshold       density tree threshold, percent (51; 100: no prefetch)
 *   remote_first    1: rule 0; 0: migrate on the first fault (1)
 */
#include <svm_ext/common.bpf.h>
#include <svm_ext/density.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") =
	"per-range history: map in place ranges that thrash capacity or "
	"ping-pong, share peers' data over the link, density prefetch";

#define AD_BYPASS_FREE_KB	2048
#define AD_THRESHOLD		51

struct adaptive_params {
	__u32 bypass_free_kb;
	__u32 evictions;
	__u32 cpu_pulls;
	__u32 peer_moves;
	__u32 peer_reads;
	__u32 threshold;
	__u32 remote_first;
};

SVM_EXT_PARAMS(struct adaptive_params,
	.bypass_free_kb = AD_BYPASS_FREE_KB,
	.evictions = 1,
	.cpu_pulls = 1,
	.peer_moves = 1,
	.peer_reads = 1,
	.threshold = AD_THRESHOLD,
	.remote_first = 1,
);

/* What happened to a range; counts saturate, they are only compared. */
struct ad_range {
	__u32 evictions;	/* evicted from any device */
	__u32 cpu_pulls;	/* migrated back because the CPU touched it */
	__u32 peer_moves;	/* migrated from one device to another */
	__u32 bypassed;		/* faults mapped in place by rule 1 */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct svm_ext_chunk_key);
	__type(value, struct ad_range);
} ranges SEC(".maps");

static __always_inline struct adaptive_params ad_params(void)
{
	struct adaptive_params d = {
		.evictions = 1, .cpu_pulls = 1, .peer_moves = 1,
		.peer_reads = 1, .remote_first = 1,
	}, *p = svm_ext_params();

	if (p)
		d = *p;
	if (!d.bypass_free_kb)
		d.bypass_free_kb = AD_BYPASS_FREE_KB;
	if (!d.threshold || d.threshold > 100)
		d.threshold = AD_THRESHOLD;
	return d;
}

static __always_inline void ad_inc(__u32 *c)
{
	if (*c < ~0U)
		(*c)++;
}

/* What a range's history says about data in system memory (rules 1, 2). */
enum ad_verdict {
	AD_MOVE,	/* nothing against migrating it */
	AD_PINGPONG,	/* rule 2: the CPU pulls it back, or it went device to device */
	AD_BYPASS,	/* rule 1: evicted before, and the device is full */
};

static __always_inline enum ad_verdict
ad_in_place(struct svm_ext_fault_ctx *f, const struct adaptive_params *p,
	    const struct ad_range *r)
{
	if ((p->cpu_pulls && r->cpu_pulls >= p->cpu_pulls) ||
	    (p->peer_moves && r->peer_moves >= p->peer_moves))
		return AD_PINGPONG;
	if (p->evictions && r->evictions >= p->evictions &&
	    svm_ext_dev_mem_free(f->dev) < (__u64)p->bypass_free_kb << 10)
		return AD_BYPASS;
	return AD_MOVE;
}

SEC("struct_ops")
int BPF_PROG(adaptive_fault, struct svm_ext_fault_ctx *f)
{
	struct svm_ext_chunk_key k =
		SVM_EXT_CHUNK_KEY(bpf_get_current_pid_tgid() >> 32, f->addr);
	struct adaptive_params p = ad_params();
	__u64 start = f->range_start, len = f->range_end - f->range_start;
	__u64 gs, gl, ds, dl;
	struct ad_range *r;
	__u32 cur = f->cur_loc;

	/* here already, cannot move, or the user said where: the default's */
	if (cur == f->dev || !(f->flags & SVM_EXT_FAULT_MIGRATABLE) ||
	    svm_ext_fault_hinted(f))
		return 0;
	r = bpf_map_lookup_elem(&ranges, &k);

	if (f->flags & SVM_EXT_FAULT_COUNTER) {
		/*
		 * The device keeps using a range it maps in place.  Bring it
		 * in, unless its history says in place is where it
		 * belongs: a range the CPU pulls back, one that went from
		 * device to device, or one that thrashes a full device.
		 */
		if (cur == SVM_EXT_LOC_SYSTEM &&
		    (!r || ad_in_place(f, &p, r) == AD_MOVE))
			svm_ext_fault_migrate(f, start, len, f->dev);
		return 0;
	}

	if (svm_ext_loc_is_device(cur)) {
		/* another device holds it */
		if (p.peer_reads && f->access == SVM_EXT_ACCESS_READ) {
			if (svm_ext_fault_linked(f, cur))
				svm_ext_fault_map(f, start, len);
			else
				svm_ext_fault_duplicate(f, start, len);
			return 0;
		}
		if (r && p.peer_moves && r->peer_moves >= p.peer_moves) {
			/* ping-pong between devices: stay put */
			if (svm_ext_fault_linked(f, cur))
				svm_ext_fault_map(f, start, len);
			else
				svm_ext_fault_migrate(f, start, len,
						      SVM_EXT_LOC_SYSTEM);
			return 0;
		}
	} else if (!r) {
		/* rule 0: data the CPU holds is rented first */
		if (p.remote_first && cur == SVM_EXT_LOC_SYSTEM) {
			svm_ext_fault_map(f, start, len);
			return 0;
		}
	} else {
		/* in system memory (or not populated yet) */
		enum ad_verdict v = ad_in_place(f, &p, r);

		if (v != AD_MOVE) {
			if (v == AD_BYPASS)
				ad_inc(&r->bypassed);
			svm_ext_fault_map(f, start, len);
			return 0;
		}
	}

	/* migrate to the faulting device: how much? */
	if (f->granularity >= 9 || !svm_ext_density_applies(f))
		return 0;
	svm_ext_window(f, SVM_EXT_PAGE_SIZE << f->granularity, &gs, &gl);
	if (svm_ext_density_window(f, p.threshold, SVM_EXT_DENSITY_LEVELS - 1,
				   &ds, &dl))
		return 0;
	if (dl > gl)
		svm_ext_fault_migrate(f, ds, dl, f->dev);
	else
		svm_ext_fault_migrate(f, gs, gl, f->dev);
	return 0;
}

SEC("struct_ops")
void BPF_PROG(adaptive_migrated, struct svm_ext_migrate_event *ev)
{
	struct svm_ext_chunk_key k = SVM_EXT_CHUNK_KEY(ev->tgid, ev->start);
	struct ad_range fresh = {}, *r;

	if (!ev->bytes)
		return;
	if (ev->cause == SVM_EXT_CAUSE_FAULT &&
	    !(svm_ext_loc_is_device(ev->src) &&
	      svm_ext_loc_is_device(ev->dst) && ev->src != ev->dst))
		return;		/* a first touch, or our own move home */
	if (ev->cause == SVM_EXT_CAUSE_PREFETCH)
		return;
	r = bpf_map_lookup_elem(&ranges, &k);
	if (!r) {
		bpf_map_update_elem(&ranges, &k, &fresh, BPF_NOEXIST);
		r = bpf_map_lookup_elem(&ranges, &k);
		if (!r)
			return;
	}
	if (ev->cause == SVM_EXT_CAUSE_EVICT)
		ad_inc(&r->evictions);
	else if (ev->cause == SVM_EXT_CAUSE_CPU_FAULT)
		ad_inc(&r->cpu_pulls);
	else
		ad_inc(&r->peer_moves);
}

/* The process's last binding went: its history goes with it. */
SEC("struct_ops")
void BPF_PROG(adaptive_range_remove, struct svm_ext_range_event *ev)
{
	struct svm_ext_chunk_key k = SVM_EXT_CHUNK_KEY(ev->tgid, ev->start);

	bpf_map_delete_elem(&ranges, &k);
}

SEC(".struct_ops.link")
struct svm_ext_ops adaptive_ops = {
	.fault = (void *)adaptive_fault,
	.migrated = (void *)adaptive_migrated,
	.range_remove = (void *)adaptive_range_remove,
	.flags = SVM_EXT_OPS_ACCESS_COUNTERS,
	.name = "adaptive",
};
