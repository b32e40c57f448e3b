// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: device registration and per-device sysfs state.  The table
 * every other file looks devices up in is device_table.c's.
 */

/**
 * DOC: Devices
 *
 * A driver registers each of its devices with svm_ext_device_register(); the
 * core gives it the lowest free index (0 .. SVM_EXT_MAX_DEVICES-1), creates
 * its device-private memory and publishes /sys/kernel/svm_ext/devices/<index>/
 * with name, mem_total, mem_used, mem_free (bytes in free chunks), peers
 * (mask of device indices), links (bandwidth per link, as the driver
 * reports it) and counters.  All svm_ext devices share one pgmap owner, so
 * hmm_range_fault() and migrate_vma_setup() hand the core every svm_ext
 * device page as it is, and the core, not the mm, decides between local,
 * peer and system access.  svm_ext_device_unregister() brings every page
 * still in the device's memory home before the memory goes.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include "internal.h"

/* serializes registrations; svm_ext_devices[] is read under RCU */
static DEFINE_MUTEX(svm_ext_devices_lock);
static struct kobject *svm_ext_devices_kobj;

#define to_core(k) container_of(k, struct svm_ext_device_core, kobj)

static ssize_t name_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_core(k)->dev->name);
}

static ssize_t mem_total_show(struct kobject *k, struct kobj_attribute *a,
			      char *buf)
{
	return sysfs_emit(buf, "%lu\n", to_core(k)->npages << PAGE_SHIFT);
}

static ssize_t mem_used_show(struct kobject *k, struct kobj_attribute *a,
			     char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  svm_ext_devmem_used_pages(to_core(k)) << PAGE_SHIFT);
}

/* Free chunks: what can be allocated without evicting anything. */
static ssize_t mem_free_show(struct kobject *k, struct kobj_attribute *a,
			     char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  (u64)READ_ONCE(to_core(k)->nfree) << SVM_EXT_CHUNK_SHIFT);
}

static ssize_t peers_show(struct kobject *k, struct kobj_attribute *a,
			  char *buf)
{
	return sysfs_emit(buf, "0x%llx\n", to_core(k)->dev->peer_mask);
}

/* One line per link: "system <MB/s>", then "<peer index> <MB/s>". */
static ssize_t links_show(struct kobject *k, struct kobj_attribute *a,
			  char *buf)
{
	struct svm_ext_device *dev = to_core(k)->dev;
	ssize_t n;
	u32 i;

	n = sysfs_emit(buf, "system %llu\n",
		       svm_ext_device_link_bw(dev, SVM_EXT_LOC_SYSTEM));
	for (i = 0; i < SVM_EXT_MAX_DEVICES; i++)
		if (dev->peer_mask & BIT_ULL(i))
			n += sysfs_emit_at(buf, n, "%u %llu\n", i,
					   svm_ext_device_link_bw(dev, i));
	return n;
}

static ssize_t counters_show(struct kobject *k, struct kobj_attribute *a,
			     char *buf)
{
	struct svm_ext_dev_counters *c = &to_core(k)->cnt;

	return sysfs_emit(buf,
			  "faults_read %lld\nfaults_write %lld\nfaults_atomic %lld\n"
			  "pages_to_dev %lld\npages_from_dev %lld\ncpu_faults %lld\n"
			  "remote_maps %lld\nevictions %lld\npages_evicted %lld\n"
			  "huge_maps %lld\npages_replicated %lld\n"
			  "access_notifications %lld\nfolios_to_dev %lld\n"
			  "folios_from_dev %lld\ncpu_fault_pages %lld\n",
			  atomic64_read(&c->faults[0]), atomic64_read(&c->faults[1]),
			  atomic64_read(&c->faults[2]), atomic64_read(&c->pages_to_dev),
			  atomic64_read(&c->pages_from_dev),
			  atomic64_read(&c->cpu_faults),
			  atomic64_read(&c->remote_maps),
			  atomic64_read(&c->evictions),
			  atomic64_read(&c->pages_evicted),
			  atomic64_read(&c->huge_maps),
			  atomic64_read(&c->pages_replicated),
			  atomic64_read(&c->access_notifications),
			  atomic64_read(&c->folios_to_dev),
			  atomic64_read(&c->folios_from_dev),
			  atomic64_read(&c->cpu_fault_pages));
}

static struct kobj_attribute name_attr = __ATTR_RO(name);
static struct kobj_attribute mem_total_attr = __ATTR_RO(mem_total);
static struct kobj_attribute mem_used_attr = __ATTR_RO(mem_used);
static struct kobj_attribute mem_free_attr = __ATTR_RO(mem_free);
static struct kobj_attribute peers_attr = __ATTR_RO(peers);
static struct kobj_attribute counters_attr = __ATTR_RO(counters);
static struct kobj_attribute links_attr = __ATTR_RO(links);

static struct attribute *svm_ext_dev_attrs[] = {
	&name_attr.attr,
	&mem_total_attr.attr,
	&mem_used_attr.attr,
	&mem_free_attr.attr,
	&peers_attr.attr,
	&counters_attr.attr,
	&links_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(svm_ext_dev);

static void svm_ext_dev_kobj_release(struct kobject *kobj)
{
	kfree(to_core(kobj));
}

static const struct kobj_type svm_ext_dev_ktype = {
	.release = svm_ext_dev_kobj_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = svm_ext_dev_groups,
};

/**
 * svm_ext_device_register() - put a device under the svm_ext core
 * @dev: the device; @name and @ops must be set, @index is assigned
 * @parent: the driver's struct device (for the pagemap's NUMA node)
 * @mem_bytes: device memory to create, a multiple of 2 MiB, at least 4 MiB
 *
 * Creates the device's device-private memory and its sysfs directory.
 *
 * Context: Process context; may sleep.
 *
 * Return: 0, -EINVAL for a bad size or missing ops, -ENOSPC when
 * SVM_EXT_MAX_DEVICES are registered already, or the errno of a failed
 * allocation.
 */
int svm_ext_device_register(struct svm_ext_device *dev, struct device *parent,
			    u64 mem_bytes)
{
	struct svm_ext_device_core *core;
	int i, ret;

	if (!dev->name || !dev->ops || !dev->ops->copy || !dev->ops->map ||
	    !dev->ops->invalidate)
		return -EINVAL;
	if (mem_bytes < 2 * SVM_EXT_CHUNK_SIZE ||
	    !IS_ALIGNED(mem_bytes, SVM_EXT_CHUNK_SIZE))
		return -EINVAL;

	core = kzalloc_obj(*core, GFP_KERNEL);
	if (!core)
		return -ENOMEM;
	core->dev = dev;
	dev->core = core;

	mutex_lock(&svm_ext_devices_lock);
	for (i = 0; i < SVM_EXT_MAX_DEVICES; i++)
		if (!rcu_access_pointer(svm_ext_devices[i]))
			break;
	if (i == SVM_EXT_MAX_DEVICES) {
		ret = -ENOSPC;
		goto err_unlock;
	}
	dev->index = i;

	ret = svm_ext_devmem_init(core, parent, mem_bytes);
	if (ret)
		goto err_unlock;

	ret = kobject_init_and_add(&core->kobj, &svm_ext_dev_ktype,
				   svm_ext_devices_kobj, "%u", dev->index);
	if (ret) {
		svm_ext_devmem_fini(core);
		dev->core = NULL;
		mutex_unlock(&svm_ext_devices_lock);
		kobject_put(&core->kobj);	/* frees core */
		return ret;
	}
	rcu_assign_pointer(svm_ext_devices[i], dev);
	mutex_unlock(&svm_ext_devices_lock);
	pr_info("svm_ext: device %u (%s): %llu MiB device memory\n",
		dev->index, dev->name, mem_bytes >> 20);
	return 0;

err_unlock:
	mutex_unlock(&svm_ext_devices_lock);
	dev->core = NULL;
	kfree(core);
	return ret;
}
EXPORT_SYMBOL_GPL(svm_ext_device_register);

/**
 * svm_ext_device_unregister() - remove a device from the core
 * @dev: a registered device with no bindings left
 *
 * Every page still in the device's memory is migrated back to system memory
 * first, so no process loses data when a driver goes away.
 *
 * Context: Process context; sleeps until every page of the device is home,
 * however long that takes.
 */
void svm_ext_device_unregister(struct svm_ext_device *dev)
{
	struct svm_ext_device_core *core = dev->core;

	mutex_lock(&svm_ext_devices_lock);
	RCU_INIT_POINTER(svm_ext_devices[dev->index], NULL);
	mutex_unlock(&svm_ext_devices_lock);
	synchronize_rcu();

	svm_ext_evict_all(core);
	svm_ext_devmem_fini(core);
	dev->core = NULL;
	kobject_put(&core->kobj);
}
EXPORT_SYMBOL_GPL(svm_ext_device_unregister);

/* @parent: /sys/kernel/svm_ext, where devices/ goes */
int svm_ext_devices_init(struct kobject *parent)
{
	svm_ext_devices_kobj = kobject_create_and_add("devices", parent);
	return svm_ext_devices_kobj ? 0 : -ENOMEM;
}

void svm_ext_devices_exit(void)
{
	kobject_put(svm_ext_devices_kobj);
}
