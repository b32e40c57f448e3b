// SPDX-License-Identifier: GPL-2.0
/*
 * svm_emu: the cost model.
 */

/**
 * DOC: Cost model
 *
 * Each EXEC reports modeled device time beside real time: a launch cost
 * per access; accesses cost bytes over the bandwidth of where the page is
 * mapped from (local memory, host link, peer link); each batch of faults a
 * fixed service latency, during which the faulting device waits; an
 * access-counter notification notify_ns, 0 by default because the device
 * does not wait for it (NVIDIA's access counters fill a notification
 * buffer the driver drains while the GPU runs on; what the driver then
 * migrates is charged as any migration); migrations bytes over the
 * bandwidth of their direction, where host -> device has one rate for
 * pages brought in by read faults and one for write faults (the real
 * driver is slower on the second); and each eviction evict_ns before its
 * bytes go over the device -> host rate, since moving a chunk out is an
 * operation with a fixed cost of its own, which a partly resident chunk
 * pays in full.  Everything is integer arithmetic on deterministic counters, so
 * two runs of the same workload model the same time.
 *
 * The CPU side is modeled by the same parameters but charged by tools, not
 * by the kernel (the CPU's own accesses do not go through the device): a
 * CPU fault on device memory costs cpu_fault_ns plus its pages over
 * cpu_fault_mbps (counters cpu_faults and cpu_fault_pages), and a page the
 * CPU touches in system memory 4 KiB over cpu_mbps.  Device memory here is
 * device-private, so the CPU never accesses it in place.
 *
 * The defaults are fitted to an H100 80GB (HBM3, PCIe host link) running
 * NVIDIA's UVM driver 580 with its defaults (docs/bench.md, "The fit"):
 * fault service 50 us (42-58 measured); one fault plus a 2 MiB migration
 * took 206 us when read faults brought the chunk in (13.4 GB/s beyond the
 * fault) and 320 us for write faults (7.8 GB/s); an eviction of a whole
 * chunk 262 us, of which 49 us are the operation's own (a queued 2 MiB
 * prefetch to the host took 175 us where bulk ones ran at 16.3-17 GB/s,
 * 126 us for 2 MiB) and the rest 2 MiB at 9.84 GB/s; remote
 * reads of host memory 51 GB/s; HBM3 3.1 TB/s; a kernel launch 3.5 us; a
 * CPU fault that brings a 2 MiB chunk home 438 us (of which cpu_fault_ns is
 * assumed: the card's figures do not separate it); a CPU touching a page
 * already in system memory about 19 ns; an explicit prefetch (the PREFETCH
 * ioctl, cudaMemPrefetchAsync() on the card) of 2 MiB to the device took
 * 119 us queued one chunk at a time and ran at 50.7 GB/s for 1 GiB in one
 * call, so a call costs 78 us before its bytes go at 50.75 GB/s; to the
 * host 175 us a chunk and 16.65 GB/s in bulk: 49 us and 16.65 GB/s.
 * Evictions a prefetch causes cost what any eviction does.  Parameters are
 * per device, in
 * sysfs under /sys/class/drm/renderD<N>/device/cost/.  Writing one needs
 * CAP_SYS_ADMIN, not only write permission on the file: the figures shape
 * every process's modeled time and the bandwidths policies read
 * (svm_ext_link_bw()), and a uid 0 process without capabilities owns the
 * files (docs/security.md).
 */
#include <linux/capability.h>
#include <linux/device.h>
#include <linux/kstrtox.h>
#include <linux/math64.h>
#include "emu.h"

/**
 * svm_emu_cost_defaults() - defaults fitted to an H100 with UVM
 * @c: model to fill
 */
void svm_emu_cost_defaults(struct svm_emu_cost *c)
{
	c->local_mbps = 3100000;	/* HBM3 reads: 3.11-3.14 TB/s */
	c->host_mbps = 51000;		/* zero-copy reads of host memory */
	c->peer_mbps = 450000;		/* NVLink 4 class (not measured) */
	c->h2d_mbps = 13400;		/* read faults: 206 us - fault per 2 MiB */
	c->h2d_write_mbps = 7800;	/* write faults: 320 us - fault */
	c->d2h_mbps = 9840;		/* eviction: 262 us per 2 MiB - evict_ns */
	c->evict_ns = 49000;		/* 175 us queued per 2 MiB, 16.6 GB/s bulk */
	c->fault_ns = 50000;		/* one fault batch serviced: 42-58 us */
	c->notify_ns = 0;		/* the device does not wait: see DOC */
	c->launch_ns = 3500;		/* one kernel per 2 MiB: 3.49-3.55 us */
	c->cpu_fault_ns = 5000;		/* assumed, see DOC: Cost model */
	c->cpu_fault_mbps = 4850;	/* 438 us - cpu_fault_ns per 2 MiB */
	c->cpu_mbps = 225000;		/* 212-238 GB/s per 4 KiB touched */
	c->prefetch_h2d_ns = 78000;	/* 119 us per 2 MiB queued - bytes */
	c->prefetch_h2d_mbps = 50750;	/* 50.7-50.8 GB/s for 1 GiB */
	c->prefetch_d2h_ns = 49000;	/* 175-176 us per 2 MiB queued - bytes */
	c->prefetch_d2h_mbps = 16650;	/* 16.3-17.0 GB/s for 1 GiB */
}

static u64 svm_emu_bytes_ns(u64 bytes, u64 mbps)
{
	return mbps ? div64_u64(bytes * 1000, mbps) : 0;
}

/**
 * svm_emu_cost_access() - modeled time of device accesses
 * @c: model
 * @k: where the accessed page is mapped from
 * @bytes: bytes accessed
 *
 * Return: nanoseconds.
 */
u64 svm_emu_cost_access(const struct svm_emu_cost *c, enum svm_ext_map_kind k,
			u64 bytes)
{
	switch (k) {
	case SVM_EXT_MAP_LOCAL:
		return svm_emu_bytes_ns(bytes, c->local_mbps);
	case SVM_EXT_MAP_PEER:
		return svm_emu_bytes_ns(bytes, c->peer_mbps);
	default:
		return svm_emu_bytes_ns(bytes, c->host_mbps);
	}
}

/**
 * svm_emu_cost_faults() - modeled time of fault service
 * @c: model
 * @st: what the core did while servicing faults
 * @pages_in_write: of @st's pages brought from system memory, those that
 *	write or atomic faults brought
 *
 * Return: nanoseconds.
 */
u64 svm_emu_cost_faults(const struct svm_emu_cost *c,
			const struct svm_ext_fault_stats *st, u64 pages_in_write)
{
	u64 in = st->pages_to_dev - st->pages_peer;
	u64 in_write = min(pages_in_write, in);
	u64 peer = st->pages_peer << PAGE_SHIFT;
	u64 out = st->pages_from_dev << PAGE_SHIFT;
	u64 evicted = st->pages_evicted << PAGE_SHIFT;
	u64 copies = st->pages_replicated << PAGE_SHIFT;

	return st->faults * c->fault_ns +
	       st->access_notifications * c->notify_ns +
	       st->throttle_ns +
	       st->evictions * c->evict_ns +
	       svm_emu_bytes_ns((in - in_write) << PAGE_SHIFT, c->h2d_mbps) +
	       svm_emu_bytes_ns(in_write << PAGE_SHIFT, c->h2d_write_mbps) +
	       svm_emu_bytes_ns(peer + copies, c->peer_mbps) +
	       svm_emu_bytes_ns(out + evicted, c->d2h_mbps);
}

/**
 * svm_emu_cost_prefetch() - modeled time of one explicit prefetch
 * @c: model
 * @st: what the core did for the call (svm_ext_prefetch())
 *
 * The call's fixed cost is that of its direction, which is the one the
 * core took (a policy's advise hook may have sent the data elsewhere).  A
 * call that moved nothing costs nothing: the driver found the data where
 * it was asked to be.  Pages that came from a peer go over the peer link;
 * chunks evicted to make room cost what an eviction costs on the fault
 * path.
 *
 * Return: nanoseconds.
 */
u64 svm_emu_cost_prefetch(const struct svm_emu_cost *c,
			  const struct svm_ext_fault_stats *st)
{
	u64 in = (st->pages_to_dev - st->pages_peer) << PAGE_SHIFT;
	u64 peer = st->pages_peer << PAGE_SHIFT;
	u64 out = st->pages_from_dev << PAGE_SHIFT;
	u64 evicted = st->pages_evicted << PAGE_SHIFT;
	u64 ns = 0;

	if (st->pages_to_dev)
		ns = c->prefetch_h2d_ns;
	else if (st->pages_from_dev)
		ns = c->prefetch_d2h_ns;
	return ns + st->evictions * c->evict_ns +
	       svm_emu_bytes_ns(in, c->prefetch_h2d_mbps) +
	       svm_emu_bytes_ns(peer, c->peer_mbps) +
	       svm_emu_bytes_ns(out, c->prefetch_d2h_mbps) +
	       svm_emu_bytes_ns(evicted, c->d2h_mbps);
}

/**
 * svm_emu_link_bw() - &svm_ext_device_ops.link_bw: the model's bandwidths
 * @sdev: the device
 * @to: SVM_EXT_LOC_SYSTEM or a peer (the core checks the topology)
 *
 * Return: MB/s: the host link's remote-read bandwidth, or the peer link's.
 */
u64 svm_emu_link_bw(struct svm_ext_device *sdev, u32 to)
{
	struct svm_emu_device *edev =
		container_of(sdev, struct svm_emu_device, sdev);

	return to == SVM_EXT_LOC_SYSTEM ? READ_ONCE(edev->cost.host_mbps) :
					  READ_ONCE(edev->cost.peer_mbps);
}

#define SVM_EMU_COST_ATTR(field)					\
static ssize_t field##_show(struct device *d, struct device_attribute *a,\
			    char *buf)					\
{									\
	struct svm_emu_device *edev = dev_get_drvdata(d);		\
									\
	return sysfs_emit(buf, "%llu\n", READ_ONCE(edev->cost.field));	\
}									\
static ssize_t field##_store(struct device *d, struct device_attribute *a,\
			     const char *buf, size_t len)		\
{									\
	struct svm_emu_device *edev = dev_get_drvdata(d);		\
	u64 v;								\
	int ret;							\
									\
	if (!capable(CAP_SYS_ADMIN))					\
		return -EPERM;						\
	ret = kstrtou64(buf, 0, &v);					\
	if (ret)							\
		return ret;						\
	if (v > (1ULL << 40))						\
		return -ERANGE;						\
	WRITE_ONCE(edev->cost.field, v);				\
	return len;							\
}									\
static DEVICE_ATTR_RW(field)

SVM_EMU_COST_ATTR(local_mbps);
SVM_EMU_COST_ATTR(host_mbps);
SVM_EMU_COST_ATTR(peer_mbps);
SVM_EMU_COST_ATTR(h2d_mbps);
SVM_EMU_COST_ATTR(h2d_write_mbps);
SVM_EMU_COST_ATTR(d2h_mbps);
SVM_EMU_COST_ATTR(evict_ns);
SVM_EMU_COST_ATTR(fault_ns);
SVM_EMU_COST_ATTR(notify_ns);
SVM_EMU_COST_ATTR(launch_ns);
SVM_EMU_COST_ATTR(cpu_fault_ns);
SVM_EMU_COST_ATTR(cpu_fault_mbps);
SVM_EMU_COST_ATTR(cpu_mbps);
SVM_EMU_COST_ATTR(prefetch_h2d_ns);
SVM_EMU_COST_ATTR(prefetch_h2d_mbps);
SVM_EMU_COST_ATTR(prefetch_d2h_ns);
SVM_EMU_COST_ATTR(prefetch_d2h_mbps);

static struct attribute *svm_emu_cost_attrs[] = {
	&dev_attr_local_mbps.attr,
	&dev_attr_host_mbps.attr,
	&dev_attr_peer_mbps.attr,
	&dev_attr_h2d_mbps.attr,
	&dev_attr_h2d_write_mbps.attr,
	&dev_attr_d2h_mbps.attr,
	&dev_attr_evict_ns.attr,
	&dev_attr_fault_ns.attr,
	&dev_attr_notify_ns.attr,
	&dev_attr_launch_ns.attr,
	&dev_attr_cpu_fault_ns.attr,
	&dev_attr_cpu_fault_mbps.attr,
	&dev_attr_cpu_mbps.attr,
	&dev_attr_prefetch_h2d_ns.attr,
	&dev_attr_prefetch_h2d_mbps.attr,
	&dev_attr_prefetch_d2h_ns.attr,
	&dev_attr_prefetch_d2h_mbps.attr,
	NULL,
};

const struct attribute_group svm_emu_cost_group = {
	.name = "cost",
	.attrs = svm_emu_cost_attrs,
};
