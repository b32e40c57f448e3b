// SPDX-License-Identifier: GPL-2.0
/*
 * uvm: what NVIDIA's UVM driver does by default, as the baseline users know.
 *
 *  - Prefetch: the density tree (<svm_ext/density.bpf.h>) sizes every
 *    migration to the faulting device: the largest aligned subregion of the
 *    fault's 2 MiB chunk in which more than `threshold` percent (51) of the
 *    pages are resident there or faulting.  UVM migrates from 4 KiB up, so
 *    the range's granularity attribute (svm_ext's default is the whole
 *    chunk) is not used: a sequential first touch takes about 10 faults per
 *    chunk, a scattered one about one page per fault.
 *  - Thrashing (<svm_ext/thrash.bpf.h>): a 64 KiB granule moving 3 times
 *    in a row within 500 us of its previous move is throttled, and after 10
 *    throttles in its block pinned where it is and mapped remotely for
 *    300 ms (the driver's uvm_perf_thrashing_pin; thrash_guard's own
 *    default is 150 ms).
 *  - Eviction: no evict hook, so the core's built-in choice, the least
 *    recently used chunk (UVM evicts the LRU root chunk).
 *
 * Hints keep their default meaning (preferred location, accessed-by,
 * read-mostly, non-migratable memory): where the default would not migrate
 * to the faulting device, uvm records nothing.
 *
 * params (0 = default): threshold (percent, 1..100; 51) and the thrashing
 * tunables of thrash_guard: lapse_us (500), moves (3), epoch_ms (1000),
 * throttle_us (100), pin_after (10), and pin_ms (300, not 150).
 * Every default is the live driver's module parameter.
 */
#include <svm_ext/common.bpf.h>
#include <svm_ext/density.bpf.h>
#include <svm_ext/thrash.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") =
	"NVIDIA UVM's defaults: density-tree prefetch (51%), thrashing "
	"throttle/pin, LRU eviction";

#define UVM_THRESHOLD	51
#define UVM_PIN_MS	300	/* uvm_perf_thrashing_pin */

struct uvm_params {
	__u32 threshold;
	__u32 lapse_us;
	__u32 moves;
	__u32 epoch_ms;
	__u32 throttle_us;
	__u32 pin_after;
	__u32 pin_ms;
	__u32 _pad;
};

SVM_EXT_PARAMS(struct uvm_params,
	.threshold = UVM_THRESHOLD,
	.lapse_us = SVM_EXT_THRASH_LAPSE_US,
	.moves = SVM_EXT_THRASH_MOVES,
	.epoch_ms = SVM_EXT_THRASH_EPOCH_MS,
	.throttle_us = SVM_EXT_THRASH_THROTTLE_US,
	.pin_after = SVM_EXT_THRASH_PIN_AFTER,
	.pin_ms = UVM_PIN_MS,
);

static __always_inline __u32 uvm_cfg(struct svm_ext_thrash_cfg *c)
{
	struct uvm_params *p = svm_ext_params();

	if (!p) {
		svm_ext_thrash_cfg_init(c, 0, 0, 0, 0, 0, UVM_PIN_MS);
		return UVM_THRESHOLD;
	}
	svm_ext_thrash_cfg_init(c, p->lapse_us, p->moves, p->epoch_ms,
				p->throttle_us, p->pin_after,
				p->pin_ms ?: UVM_PIN_MS);
	return p->threshold >= 1 && p->threshold <= 100 ? p->threshold :
							    UVM_THRESHOLD;
}

SEC("struct_ops")
int BPF_PROG(uvm_fault, struct svm_ext_fault_ctx *f)
{
	struct svm_ext_thrash_cfg c;
	__u32 threshold = uvm_cfg(&c);
	__u64 start, len;

	if (svm_ext_thrash_fault(&c, f))
		return 0;
	if (!svm_ext_density_applies(f))
		return 0;
	if (svm_ext_density_window(f, threshold, SVM_EXT_DENSITY_LEVELS - 1,
				   &start, &len))
		return 0;
	svm_ext_fault_migrate(f, start, len, f->dev);
	return 0;
}

SEC("struct_ops")
void BPF_PROG(uvm_migrated, struct svm_ext_migrate_event *ev)
{
	struct svm_ext_thrash_cfg c;

	uvm_cfg(&c);
	svm_ext_thrash_migrated(&c, ev);
}

SEC(".struct_ops.link")
struct svm_ext_ops uvm_ops = {
	.fault = (void *)uvm_fault,
	.migrated = (void *)uvm_migrated,
	.name = "uvm",
};
