// SPDX-License-Identifier: GPL-2.0
/*
 * Test policy: counts every notification in a pinned map (`counts`, pinned
 * by svmctl under /sys/fs/bpf/svm_ext/notify_count/) and decides nothing.
 */
#include <svm_ext/common.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") = "selftest policy: notify_count";

/* selftests/framework.c reads this layout */
struct notify_counts {
	__u64 range_add;
	__u64 range_remove;
	__u64 invalidated;
	__u64 migrated;			/* events */
	__u64 migrated_bytes[4];	/* by SVM_EXT_CAUSE_* */
	__u64 migrated_bad_cause;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct notify_counts);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} counts SEC(".maps");

static __always_inline struct notify_counts *get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&counts, &zero);
}

SEC("struct_ops")
void BPF_PROG(notify_count_range_add, struct svm_ext_range_event *ev)
{
	struct notify_counts *c = get();

	if (c)
		__sync_fetch_and_add(&c->range_add, 1);
}

SEC("struct_ops")
void BPF_PROG(notify_count_range_remove, struct svm_ext_range_event *ev)
{
	struct notify_counts *c = get();

	if (c)
		__sync_fetch_and_add(&c->range_remove, 1);
}

SEC("struct_ops")
void BPF_PROG(notify_count_invalidated, struct svm_ext_invalidate_event *ev)
{
	struct notify_counts *c = get();

	if (c)
		__sync_fetch_and_add(&c->invalidated, 1);
}

SEC("struct_ops")
void BPF_PROG(notify_count_migrated, struct svm_ext_migrate_event *ev)
{
	struct notify_counts *c = get();
	__u32 cause = ev->cause;

	if (!c)
		return;
	__sync_fetch_and_add(&c->migrated, 1);
	if (cause < 4)
		__sync_fetch_and_add(&c->migrated_bytes[cause], ev->bytes);
	else
		__sync_fetch_and_add(&c->migrated_bad_cause, 1);
}

SEC(".struct_ops.link")
struct svm_ext_ops notify_count_ops = {
	.range_add = (void *)notify_count_range_add,
	.range_remove = (void *)notify_count_range_remove,
	.invalidated = (void *)notify_count_invalidated,
	.migrated = (void *)notify_count_migrated,
	.name = "notify_count",
};
