// SPDX-License-Identifier: GPL-2.0
/*
 * tenant_quota: share each device's memory between tenants: processes, or
 * cgroups (params.by_cgroup = 1), as when several jobs share one GPU.
 *
 * Every tenant (a tgid, or a cgroup v2 id) is entitled to a share of each
 * device's memory: the one configured for it, else an equal part of what
 * the configured tenants leave.  Nothing is reserved: a tenant uses free
 * memory beyond its share as long as there is some.  When a device is
 * full, the room comes
 *  - from chunks whose process is gone, if any;
 *  - else from the requester itself if it would be over its share with the
 *    chunk it needs;
 *  - else from the tenant most over its share;
 * in each case that tenant's least recently used chunk.  So under
 * contention every tenant converges to its share and then stays within
 * one chunk of it, whatever the others do.
 *
 * Usage is counted from the eviction's candidate snapshot (all resident
 * chunks of the device but the one being filled); shares are in percent of
 * the device's memory.
 *
 * A cgroup tenant holds the chunks of every process in it (all its
 * threads' address spaces); the core notes a process's cgroup at each of
 * its device faults, so one that moves is counted in its new cgroup from
 * its next fault on.
 *
 * params.by_cgroup: 0 (default): tenants are processes; 1: cgroups.
 * params.tenantN_pct (N = 0..3): the share of tenant N, which is
 *	params.tenantN_tgid (a process; 0 = slot unused) or, by cgroup,
 *	params.tenantN_cgroup (a cgroup v2 id, the inode number of its
 *	directory: stat -c %i /sys/fs/cgroup/job1; 0 = slot unused).  Set
 *	them while the policy runs:
 *	svmctl set tenant0_tgid=1234 tenant0_pct=75
 *	svmctl set by_cgroup=1 tenant0_cgroup=$(stat -c %i /sys/fs/cgroup/a) tenant0_pct=75
 *	Configured shares above 100% in total are scaled down.
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") =
	"per-process or per-cgroup shares of device memory (evict from the "
	"tenant most over its share)";

#define TQ_SLOTS	4	/* configured tenants in params */
#define TQ_MAX		16	/* tenants tracked per eviction (more: plain LRU) */

struct tenant_quota_params {
	__u32 tenant0_tgid;
	__u32 tenant0_pct;
	__u32 tenant1_tgid;
	__u32 tenant1_pct;
	__u32 tenant2_tgid;
	__u32 tenant2_pct;
	__u32 tenant3_tgid;
	__u32 tenant3_pct;
	__u32 by_cgroup;
	__u32 _pad;
	__u64 tenant0_cgroup;
	__u64 tenant1_cgroup;
	__u64 tenant2_cgroup;
	__u64 tenant3_cgroup;
};

SVM_EXT_PARAMS(struct tenant_quota_params);

struct tenant {
	__u64 id;		/* tgid or cgroup id; 0: the owner is gone */
	__u32 used;		/* resident chunks (+1 for the requester) */
	__u32 pct;		/* share, 0 until known */
	__u32 coldest;		/* its least recently used candidate */
	__u32 _pad;
	__u64 coldest_ns;
};

struct tq_scratch {
	struct tenant t[TQ_MAX];
};

/* per device: evictions of one device are serialised by the core */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct tq_scratch);
} scratch SEC(".maps");

/* Tenant N's id: its tgid, or by cgroup its cgroup id. */
static __always_inline __u64 tenant_id(const struct tenant_quota_params *p,
				       __u32 tgid, __u64 cgroup)
{
	return p->by_cgroup ? cgroup : tgid;
}

/* The configured share of tenant @id, or -1. */
static __always_inline int configured(const struct tenant_quota_params *p,
				      __u64 id)
{
	if (!id)
		return -1;
	if (tenant_id(p, p->tenant0_tgid, p->tenant0_cgroup) == id)
		return p->tenant0_pct;
	if (tenant_id(p, p->tenant1_tgid, p->tenant1_cgroup) == id)
		return p->tenant1_pct;
	if (tenant_id(p, p->tenant2_tgid, p->tenant2_cgroup) == id)
		return p->tenant2_pct;
	if (tenant_id(p, p->tenant3_tgid, p->tenant3_cgroup) == id)
		return p->tenant3_pct;
	return -1;
}

/* @id's slot in @s (adding it), or TQ_MAX when the table is full. */
static __always_inline __u32 slot(struct tq_scratch *s, __u32 *nt, __u64 id)
{
	__u32 j;

	bpf_for(j, 0, TQ_MAX) {
		if (j >= *nt)
			break;
		if (s->t[j].id == id)
			return j;
	}
	if (*nt >= TQ_MAX)
		return TQ_MAX;
	j = *nt & (TQ_MAX - 1);
	s->t[j].id = id;
	s->t[j].used = 0;
	s->t[j].pct = 0;
	s->t[j].coldest = ~0U;
	s->t[j].coldest_ns = ~0ULL;
	(*nt)++;
	return j;
}

SEC("struct_ops")
int BPF_PROG(tenant_quota_evict, struct svm_ext_evict_ctx *e)
{
	__u32 dev = e->dev, nt = 0, i, j, k, req, best = TQ_MAX;
	struct tenant_quota_params *p = svm_ext_params();
	__u32 conf_sum = 0, nfree = 0, rest;
	__s64 over, best_over = 0;
	struct svm_ext_chunk_info info;
	struct tq_scratch *s;
	struct tenant *t;
	__u64 nchunks;
	int c;

	if (!p || !e->nr_chunks)
		return 0;
	s = bpf_map_lookup_elem(&scratch, &dev);
	if (!s)
		return 0;
	nchunks = svm_ext_dev_mem_total(dev) / SVM_EXT_CHUNK_SIZE;

	/* Who holds what.  The requester counts the chunk it is about to get. */
	req = slot(s, &nt, tenant_id(p, e->for_tgid, e->for_cgroup));
	if (req >= TQ_MAX)
		return 0;
	s->t[req].used = 1;
	bpf_for(i, 0, e->nr_chunks) {
		if (svm_ext_evict_chunk(e, i, &info))
			break;
		if (!info.tgid) {
			/* its process is gone: nobody's share */
			svm_ext_evict_choose(e, i, SVM_EXT_LOC_SYSTEM);
			return 0;
		}
		k = slot(s, &nt, tenant_id(p, info.tgid, info.cgroup));
		if (k >= TQ_MAX)
			return 0;	/* too many tenants: plain LRU */
		t = &s->t[k];
		t->used++;
		if (info.last_ns < t->coldest_ns) {
			t->coldest_ns = info.last_ns;
			t->coldest = i;
		}
	}

	/* Shares: configured ones, the rest split equally. */
	bpf_for(j, 0, TQ_MAX) {
		if (j >= nt)
			break;
		c = configured(p, s->t[j].id);
		if (c >= 0) {
			s->t[j].pct = c;
			conf_sum += c;
		} else {
			nfree++;
		}
	}
	rest = conf_sum < 100 ? 100 - conf_sum : 0;
	bpf_for(j, 0, TQ_MAX) {
		if (j >= nt)
			break;
		t = &s->t[j];
		if (configured(p, t->id) < 0)
			t->pct = rest / nfree;
		else if (conf_sum > 100)
			t->pct = t->pct * 100 / conf_sum;
	}

	/*
	 * Over its share by how much, in chunk-percent (used * 100 against
	 * pct * nchunks, no rounding).  The requester first: if it would be
	 * over, it pays itself (when it has something to give).
	 */
	t = &s->t[req & (TQ_MAX - 1)];
	over = (__s64)t->used * 100 - (__s64)t->pct * nchunks;
	if (over > 0 && t->coldest != ~0U) {
		svm_ext_evict_choose(e, t->coldest, SVM_EXT_LOC_SYSTEM);
		return 0;
	}
	bpf_for(j, 0, TQ_MAX) {
		if (j >= nt)
			break;
		t = &s->t[j];
		if (j == req || t->coldest == ~0U)
			continue;
		over = (__s64)t->used * 100 - (__s64)t->pct * nchunks;
		if (best == TQ_MAX || over > best_over) {
			best = j;
			best_over = over;
		}
	}
	if (best < TQ_MAX)
		svm_ext_evict_choose(e, s->t[best].coldest, SVM_EXT_LOC_SYSTEM);
	/* else only the requester holds memory: the core's LRU decides */
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops tenant_quota_ops = {
	.evict = (void *)tenant_quota_evict,
	.name = "tenant_quota",
};
