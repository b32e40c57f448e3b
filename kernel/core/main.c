// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext: programmable placement for shared virtual memory.
 *
 * DOC: overview
 *
 * A vendor-neutral SVM core on HMM: one context per process address space
 * shared by every bound device, ranges with interval notifiers, a device
 * fault service built on migrate_vma and hmm_range_fault, device memory
 * with LRU eviction, and a struct_ops type (svm_ext_ops) through which BPF
 * policies take the placement decisions.  Drivers register their devices
 * (see <svm_ext/driver.h>); state is under /sys/kernel/svm_ext/.
 */
#include <linux/kobject.h>
#include <linux/module.h>
#include "internal.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

struct kobject *svm_ext_kobj;

static int __init svm_ext_init(void)
{
	int ret;

	svm_ext_kobj = kobject_create_and_add("svm_ext", kernel_kobj);
	if (!svm_ext_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(svm_ext_kobj, &svm_ext_policy_attr_group);
	if (ret)
		goto err_kobj;
	ret = svm_ext_migrate_init();
	if (ret)
		goto err_kobj;
	ret = svm_ext_devices_init();
	if (ret)
		goto err_migrate;
	ret = svm_ext_policy_init();
	if (ret)
		goto err_devices;
	svm_ext_debugfs_init();
	return 0;

err_devices:
	svm_ext_devices_exit();
err_migrate:
	svm_ext_migrate_exit();
err_kobj:
	kobject_put(svm_ext_kobj);
	return ret;
}

static void __exit svm_ext_exit(void)
{
	svm_ext_debugfs_exit();
	svm_ext_policy_exit();
	svm_ext_mm_exit();
	svm_ext_devices_exit();
	svm_ext_migrate_exit();
	kobject_put(svm_ext_kobj);
}

module_init(svm_ext_init);
module_exit(svm_ext_exit);
MODULE_DESCRIPTION("svm_ext: programmable shared virtual memory placement");
MODULE_LICENSE("GPL");
