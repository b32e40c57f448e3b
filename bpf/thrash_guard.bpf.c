// SPDX-License-Identifier: GPL-2.0
/*
 * thrash_guard: stop data bouncing between processors: prevent it (rent
 * first, below) and, where it happens all the same, detect it and stop it
 * as NVIDIA UVM does.  Every other decision is the default's.
 *
 * Data two processors take turns on (CPU<->GPU or GPU<->GPU ping-pong)
 * migrates on every turn under the default: each turn pays a fault and a
 * full copy.  Here a 64 KiB granule whose pages move 3 times in a row, each
 * move within 1 s of the one before, is thrashing (see
 * <svm_ext/thrash.bpf.h>): a device faulting on it is throttled (waits,
 * then maps the page where it is), and after 10 throttles in its 2 MiB
 * block the thrashing data is pinned where it is for 10 s, every device
 * mapping it remotely.  Once mapped in place it stops faulting, so it stays
 * there until something invalidates the mappings; after the pin expires the
 * next fault may migrate it again.
 *
 * Prevention (rent_first = 1, the default): reacting needs the data to move
 * back and forth a few times first, and on a CPU<->GPU ping-pong those
 * moves alone cost far more than the advised placement (preferred = CPU,
 * accessed-by = GPU) does over the whole run.  So data in system memory,
 * or on another device the faulting one reaches over a peer link, is
 * first mapped in place, and migrates only when the device's access
 * counters report that it keeps using it (SVM_EXT_FAULT_COUNTER: a chunk's
 * worth accessed over the link), as memory the CPU allocated does on Grace
 * Hopper.  Data the device touches sparsely, as in a ping-pong, never
 * moves; data it uses heavily moves after one chunk's worth of remote
 * accesses; and when such moves thrash all the same (the CPU pulls the data
 * back, the counters bring it in again), the detection below refuses the
 * next notification, and the data stays in place.  rent_first = 0 migrates
 * at the first fault, as the default does, and only reacts.
 *
 * Why not UVM's own times (500 us, 150 ms; the uvm policy keeps them): they
 * assume turns much shorter than real workloads take.  A CPU<->GPU round on
 * 64 MiB took 36 ms on an H100 under NVIDIA's driver, so its pages move tens
 * of milliseconds apart and UVM never calls that thrashing - which is why
 * users must hint such data by hand there.  A 1 s lapse catches turns up to
 * a second apart, on hardware and under an emulator (TCG, about a hundred
 * times slower) alike, without tuning.
 *
 * params (0 = default):
 *   lapse_us     a move this soon after the last one repeats it (1000000)
 *   moves        repeats in a row that make thrashing, >= 2 (3)
 *   epoch_ms     thrashing lasts this long after the last move (10000)
 *   throttle_us  how long a throttled device waits, <= 10000 (100)
 *   pin_after    throttles in a block before pinning it (10)
 *   pin_ms       how long a pin lasts (10000)
 *   rent_first   1: map system memory in place, migrate it on access
 *                counters; 0: migrate at the first fault (1)
 */
#include <svm_ext/common.bpf.h>
#include <svm_ext/thrash.bpf.h>

char _license[] SEC("license") = "GPL";
char _desc[] SEC("description") =
	"UVM-style thrashing detection: throttle, then pin and map remotely data "
	"that keeps migrating back and forth; CPU data is rented first and "
	"migrates on access counters";

/* thrash_guard's own times; the rest are UVM's (<svm_ext/thrash.bpf.h>) */
#define TG_LAPSE_US	1000000
#define TG_EPOCH_MS	10000
#define TG_PIN_MS	10000

struct thrash_guard_params {
	__u32 lapse_us;
	__u32 moves;
	__u32 epoch_ms;
	__u32 throttle_us;
	__u32 pin_after;
	__u32 pin_ms;
	__u32 rent_first;
};

SVM_EXT_PARAMS(struct thrash_guard_params,
	.lapse_us = TG_LAPSE_US,
	.moves = SVM_EXT_THRASH_MOVES,
	.epoch_ms = TG_EPOCH_MS,
	.throttle_us = SVM_EXT_THRASH_THROTTLE_US,
	.pin_after = SVM_EXT_THRASH_PIN_AFTER,
	.pin_ms = TG_PIN_MS,
	.rent_first = 1,
);

/* The thrashing configuration; returns rent_first. */
static __always_inline bool tg_cfg(struct svm_ext_thrash_cfg *c)
{
	struct thrash_guard_params *p = svm_ext_params();

	if (!p) {
		svm_ext_thrash_cfg_init(c, TG_LAPSE_US, 0, TG_EPOCH_MS, 0, 0,
					TG_PIN_MS);
		return true;
	}
	svm_ext_thrash_cfg_init(c, p->lapse_us ?: TG_LAPSE_US, p->moves,
				p->epoch_ms ?: TG_EPOCH_MS, p->throttle_us,
				p->pin_after, p->pin_ms ?: TG_PIN_MS);
	return p->rent_first;
}

/*
 * Can the faulting device use the data where it is: in system memory, or
 * on another device it reaches over a peer link?
 */
static __always_inline bool tg_reachable(const struct svm_ext_fault_ctx *f)
{
	return f->cur_loc == SVM_EXT_LOC_SYSTEM ||
	       svm_ext_fault_linked(f, f->cur_loc);
}

SEC("struct_ops")
int BPF_PROG(thrash_guard_fault, struct svm_ext_fault_ctx *f)
{
	__u64 start = f->range_start, len = f->range_end - f->range_start;
	struct svm_ext_thrash_cfg c;
	bool rent = tg_cfg(&c);

	if (f->flags & SVM_EXT_FAULT_COUNTER) {
		/* the device keeps using it in place: bring it, unless it thrashes */
		if (rent && tg_reachable(f) && !svm_ext_thrash_active(&c, f))
			svm_ext_fault_migrate(f, start, len, f->dev);
		return 0;
	}
	/*
	 * Rent first what the CPU or a linked device holds, unless the user
	 * said where it goes (those hints are the default's) or it cannot
	 * move anyway.  Thrashing or not: mapped in place it cannot bounce,
	 * nothing to throttle.
	 */
	if (rent && tg_reachable(f) &&
	    (f->flags & SVM_EXT_FAULT_MIGRATABLE) && !svm_ext_fault_hinted(f)) {
		svm_ext_fault_map(f, start, len);
		return 0;
	}
	svm_ext_thrash_fault(&c, f);	/* nothing recorded: the default */
	return 0;
}

SEC("struct_ops")
void BPF_PROG(thrash_guard_migrated, struct svm_ext_migrate_event *ev)
{
	struct svm_ext_thrash_cfg c;

	tg_cfg(&c);
	svm_ext_thrash_migrated(&c, ev);
}

SEC(".struct_ops.link")
struct svm_ext_ops thrash_guard_ops = {
	.fault = (void *)thrash_guard_fault,
	.migrated = (void *)thrash_guard_migrated,
	.flags = SVM_EXT_OPS_ACCESS_COUNTERS,
	.name = "thrash_guard",
};
