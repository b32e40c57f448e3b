// SPDX-License-Identifier: GPL-2.0
/*
 * svm_emu: the cost model.
 */

/**
 * DOC: Cost model
 *
 * Each EXEC reports modeled device time beside real time: accesses cost
 * bytes over the bandwidth of where the page is mapped from (local memory,
 * host link, peer link), faults a fixed service latency, migrations bytes
 * over the bulk-copy bandwidth of their direction.  Everything is integer
 * arithmetic on deterministic counters, so two runs of the same workload
 * model the same time.  Parameters are per device, in sysfs under
 * /sys/class/drm/renderD<N>/device/cost/.  Writing one needs CAP_SYS_ADMIN,
 * not only write permission on the file: the figures shape every
 * process's modeled time and the bandwidths policies read
 * (svm_ext_link_bw()), and a uid 0 process without capabilities owns the
 * files (docs/security.md).
 */
#include <linux/capability.h>
#include <linux/device.h>
#include <linux/kstrtox.h>
#include <linux/math64.h>
#include "emu.h"

/**
 * svm_emu_cost_defaults() - H100-class defaults
 * @c: model to fill
 */
void svm_emu_cost_defaults(struct svm_emu_cost *c)
{
	c->local_mbps = 3070000;	/* HBM3 reads, 3.07 TB/s */
	c->host_mbps = 51000;		/* remote reads of host memory */
	c->peer_mbps = 450000;		/* NVLink 4 class */
	c->h2d_mbps = 45000;		/* bulk copy host -> device */
	c->d2h_mbps = 8000;		/* bulk copy device -> host */
	c->fault_ns = 15000;		/* isolated device fault */
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
 *
 * Return: nanoseconds.
 */
u64 svm_emu_cost_faults(const struct svm_emu_cost *c,
			const struct svm_ext_fault_stats *st)
{
	u64 in = (st->pages_to_dev - st->pages_peer) << PAGE_SHIFT;
	u64 peer = st->pages_peer << PAGE_SHIFT;
	u64 out = st->pages_from_dev << PAGE_SHIFT;
	u64 evicted = st->pages_evicted << PAGE_SHIFT;
	u64 copies = st->pages_replicated << PAGE_SHIFT;

	/* an access-counter notification is serviced like a fault */
	return (st->faults + st->access_notifications) * c->fault_ns +
	       st->throttle_ns +
	       svm_emu_bytes_ns(in, c->h2d_mbps) +
	       svm_emu_bytes_ns(peer + copies, c->peer_mbps) +
	       svm_emu_bytes_ns(out + evicted, c->d2h_mbps);
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
SVM_EMU_COST_ATTR(d2h_mbps);
SVM_EMU_COST_ATTR(fault_ns);

static struct attribute *svm_emu_cost_attrs[] = {
	&dev_attr_local_mbps.attr,
	&dev_attr_host_mbps.attr,
	&dev_attr_peer_mbps.attr,
	&dev_attr_h2d_mbps.attr,
	&dev_attr_d2h_mbps.attr,
	&dev_attr_fault_ns.attr,
	NULL,
};

const struct attribute_group svm_emu_cost_group = {
	.name = "cost",
	.attrs = svm_emu_cost_attrs,
};
