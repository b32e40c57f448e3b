// SPDX-License-Identifier: GPL-2.0
/*
 * chaos: random but legal decisions, and now and then an illegal one.
 *
 * A test policy for `make stress` (tools/svmstress): every decision the
 * core accepts must keep the data intact, whatever its placement sense, so
 * this policy picks among them at random - map in place, migrate a random
 * window to the faulting device, another device or system memory, throttle
 * briefly, duplicate for reads, bring back a random window on a CPU fault,
 * evict random candidates, refuse or redirect a hint or prefetch.  About
 * params.illegal_ppm hook calls in a million it makes a decision the core
 * must refuse (a window that misses the fault, a location that is no
 * device, a throttle too long, an eviction index out of range, an errno
 * outside the documented set, an empty CPU window): the policy must then
 * be ejected with exit_kind "bad_decision" and no word may be lost.  The
 * stress tool reloads it.
 *
 * params.illegal_ppm: illegal decisions per million hook calls (0: never).
 * params.refuse_ppm: advise requests refused per million (legal errnos).
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "stress test: random legal decisions, sometimes an illegal one";

struct chaos_params {
	__u32 illegal_ppm;
	__u32 refuse_ppm;
};

SVM_EXT_PARAMS(struct chaos_params,
	.illegal_ppm = 200,
	.refuse_ppm = 30000,
);

/* decisions made, by kind: what a run exercised (bpftool map dump) */
enum {
	CH_FAULT_DEFAULT, CH_FAULT_MAP, CH_FAULT_MIGRATE_DEV, CH_FAULT_MIGRATE_OTHER,
	CH_FAULT_MIGRATE_SYS, CH_FAULT_THROTTLE, CH_FAULT_DUPLICATE,
	CH_CPU_WINDOW, CH_EVICT, CH_ADVISE_REFUSE, CH_ADVISE_ADJUST, CH_ILLEGAL,
	CH_NR,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CH_NR);
	__type(key, __u32);
	__type(value, __u64);
} chaos_counts SEC(".maps");

static __always_inline void count(__u32 what)
{
	__u64 *c = bpf_map_lookup_elem(&chaos_counts, &what);

	if (c)
		__sync_fetch_and_add(c, 1);
}

static __always_inline bool illegal_now(void)
{
	struct chaos_params *p = svm_ext_params();

	if (!p || !p->illegal_ppm)
		return false;
	if (bpf_get_prandom_u32() % 1000000 >= p->illegal_ppm)
		return false;
	count(CH_ILLEGAL);
	return true;
}

/* a random power-of-two window, 4 KiB .. 2 MiB, around the fault */
static __always_inline void rand_window(struct svm_ext_fault_ctx *f,
					__u64 *start, __u64 *len)
{
	__u32 order = bpf_get_prandom_u32() % 10;

	svm_ext_window(f, SVM_EXT_PAGE_SIZE << order, start, len);
}

SEC("struct_ops")
int BPF_PROG(chaos_fault, struct svm_ext_fault_ctx *f)
{
	__u32 r = bpf_get_prandom_u32(), n = f->nr_devices;
	__u64 start, len;

	if (illegal_now()) {
		switch (r % 3) {
		case 0:	/* a window that does not hold the faulting page */
			svm_ext_fault_migrate(f, f->range_end, SVM_EXT_PAGE_SIZE,
					      f->dev);
			break;
		case 1:	/* a location that is no device */
			svm_ext_window(f, SVM_EXT_PAGE_SIZE, &start, &len);
			svm_ext_fault_migrate(f, start, len, 0x40);
			break;
		default: /* a throttle longer than the core allows */
			svm_ext_fault_throttle(f, SVM_EXT_THROTTLE_MAX_NS + 1);
			break;
		}
		return 0;
	}
	rand_window(f, &start, &len);
	switch ((r >> 8) % 8) {
	case 0:
		count(CH_FAULT_DEFAULT);
		break;
	case 1:
		count(CH_FAULT_MAP);
		svm_ext_fault_map(f, start, len);
		break;
	case 2:
	case 3:
		count(CH_FAULT_MIGRATE_DEV);
		svm_ext_fault_migrate(f, start, len, f->dev);
		break;
	case 4:
		count(CH_FAULT_MIGRATE_OTHER);
		svm_ext_fault_migrate(f, start, len, n ? (r >> 16) % n : f->dev);
		break;
	case 5:
		count(CH_FAULT_MIGRATE_SYS);
		svm_ext_fault_migrate(f, start, len, SVM_EXT_LOC_SYSTEM);
		break;
	case 6:
		/* short: the stress tool runs many faults */
		count(CH_FAULT_THROTTLE);
		svm_ext_fault_throttle(f, (r >> 16) % 50000);
		break;
	default:
		count(CH_FAULT_DUPLICATE);
		svm_ext_fault_duplicate(f, start, len);
		break;
	}
	return 0;
}

SEC("struct_ops")
int BPF_PROG(chaos_cpu_fault, struct svm_ext_cpu_fault_ctx *c)
{
	__u32 order = bpf_get_prandom_u32() % 10;
	__u64 size = SVM_EXT_PAGE_SIZE << order;
	__u64 start = SVM_EXT_ALIGN_DOWN(c->addr, size);
	__u64 end = start + size;

	if (illegal_now()) {
		svm_ext_cpu_fault_window(c, c->addr, 0);	/* empty */
		return 0;
	}
	if (order == 9)		/* the default: the whole chunk */
		return 0;
	start = svm_ext_max(start, c->range_start);
	end = svm_ext_min(end, c->range_end);
	count(CH_CPU_WINDOW);
	svm_ext_cpu_fault_window(c, start, end - start);
	return 0;
}

SEC("struct_ops")
int BPF_PROG(chaos_evict, struct svm_ext_evict_ctx *e)
{
	__u32 n = e->nr_chunks, k, i;

	if (!n)
		return 0;
	if (illegal_now()) {
		svm_ext_evict_choose(e, n, SVM_EXT_LOC_SYSTEM);	/* past the end */
		return 0;
	}
	count(CH_EVICT);
	k = 1 + bpf_get_prandom_u32() % 3;
	bpf_for(i, 0, k)
		svm_ext_evict_choose(e, bpf_get_prandom_u32() % n,
				     SVM_EXT_LOC_SYSTEM);
	return 0;
}

SEC("struct_ops")
int BPF_PROG(chaos_advise, struct svm_ext_advise_ctx *a)
{
	__u32 r = bpf_get_prandom_u32();
	struct chaos_params *p = svm_ext_params();

	if (illegal_now()) {
		svm_ext_advise_refuse(a, -2);	/* ENOENT: not in the set */
		return 0;
	}
	if (p && r % 1000000 < p->refuse_ppm) {
		count(CH_ADVISE_REFUSE);
		svm_ext_advise_refuse(a, -SVM_EXT_EBUSY);
		return 0;
	}
	/* now and then a prefetch goes to system memory instead */
	if (a->type == SVM_EXT_ADVISE_PREFETCH && (r >> 20) % 16 == 0) {
		count(CH_ADVISE_ADJUST);
		svm_ext_advise_set_value(a, SVM_EXT_LOC_SYSTEM);
	}
	return 0;
}

SEC(".struct_ops.link")
struct svm_ext_ops chaos_ops = {
	.fault = (void *)chaos_fault,
	.cpu_fault = (void *)chaos_cpu_fault,
	.evict = (void *)chaos_evict,
	.advise = (void *)chaos_advise,
	.name = "chaos",
};
