// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: the table of registered devices (device.c fills it) and
 * looking a device up - by index, by one of its pages - and its links.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include "internal.h"

/* Written under device.c's registration lock; read under RCU or by holders. */
struct svm_ext_device __rcu *svm_ext_devices[SVM_EXT_MAX_DEVICES];

/**
 * svm_ext_device_get() - look up a registered device by index
 * @index: device index
 *
 * Return: the device or NULL.  Valid while the caller keeps the device's
 * driver from unregistering it (every caller runs on behalf of a binding).
 */
struct svm_ext_device *svm_ext_device_get(u32 index)
{
	if (index >= SVM_EXT_MAX_DEVICES)
		return NULL;
	return rcu_access_pointer(svm_ext_devices[index]);
}

/**
 * svm_ext_device_count() - number of registered devices
 *
 * Return: how many devices are registered now.
 */
u32 svm_ext_device_count(void)
{
	u32 i, n = 0;

	for (i = 0; i < SVM_EXT_MAX_DEVICES; i++)
		if (rcu_access_pointer(svm_ext_devices[i]))
			n++;
	return n;
}

/**
 * svm_ext_device_link_bw() - bandwidth of one of a device's links
 * @dev: the device, may be NULL
 * @to: a device index or SVM_EXT_LOC_SYSTEM
 *
 * Return: MB/s as the driver reports it; 0 without a direct link, for a
 * NULL @dev, or when the driver does not say.
 */
u64 svm_ext_device_link_bw(struct svm_ext_device *dev, u32 to)
{
	if (!dev || !dev->ops->link_bw)
		return 0;
	if (to != SVM_EXT_LOC_SYSTEM &&
	    (to >= SVM_EXT_MAX_DEVICES || !(dev->peer_mask & BIT_ULL(to))))
		return 0;
	return dev->ops->link_bw(dev, to);
}

/**
 * svm_ext_device_mem_usage() - device memory size and use
 * @dev: a registered device
 * @total: out, bytes
 * @used: out, bytes in use
 *
 * Context: Any context.
 *
 * Return: 0.
 */
int svm_ext_device_mem_usage(struct svm_ext_device *dev, u64 *total, u64 *used)
{
	*total = (u64)dev->core->npages << PAGE_SHIFT;
	*used = svm_ext_devmem_used_pages(dev->core) << PAGE_SHIFT;
	return 0;
}
EXPORT_SYMBOL_GPL(svm_ext_device_mem_usage);

/**
 * svm_ext_page_is_device() - is @page in some svm_ext device's memory
 * @page: any page
 * @index: out, the device's index when true (may be NULL)
 *
 * Context: Any context.
 *
 * Return: true for a device-private page of an svm_ext device.
 */
bool svm_ext_page_is_device(struct page *page, u32 *index)
{
	struct svm_ext_device_core *core = svm_ext_page_core(page);

	if (!core)
		return false;
	if (index)
		*index = core->dev->index;
	return true;
}
EXPORT_SYMBOL_GPL(svm_ext_page_is_device);

/**
 * svm_ext_page_device() - the svm_ext device a page belongs to
 * @page: any page
 * @offset: out, the page's index in that device's memory (may be NULL)
 *
 * Context: Any context.
 *
 * Return: the device, or NULL if @page is not an svm_ext device page.
 */
struct svm_ext_device *svm_ext_page_device(struct page *page,
					   unsigned long *offset)
{
	struct svm_ext_device_core *core = svm_ext_page_core(page);

	if (!core)
		return NULL;
	if (offset)
		*offset = page_to_pfn(page) - core->pfn_first;
	return core->dev;
}
EXPORT_SYMBOL_GPL(svm_ext_page_device);
