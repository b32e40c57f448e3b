// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: module init and exit.
 */

/**
 * DOC: Overview
 *
 * svm_ext is a vendor-neutral shared virtual memory (SVM) core built on HMM:
 * a device and the CPU use the same virtual addresses of a process, and the
 * core decides where each page of that address space lives - in system
 * memory or in the device-private memory of one of the registered devices -
 * and keeps every device's page table coherent with the CPU's.  Where pages
 * go is the decision of a BPF policy (struct svm_ext_ops, a struct_ops type)
 * when one is attached, and of the built-in default otherwise.
 *
 * Components of svm_ext.ko:
 *
 * - Devices (device.c, device_table.c, devmem.c, copy.c):
 *	a GPU driver registers each device with svm_ext_device_register().  The
 *	core creates the device's memory as device-private struct pages
 *	(memremap_pages()), cut into 2 MiB device chunks, and publishes it in
 *	/sys/kernel/svm_ext/devices/<index>/; every other file finds devices
 *	in device_table.c and copies with the drivers' engines through copy.c.
 * - Contexts, bindings and ranges (mm.c):
 *	svm_ext_bind() binds a device to a process address space.  All devices
 *	bound to one mm share one context (struct svm_ext_mm), which tracks
 *	the address space in 2 MiB ranges, each with its own mmu interval
 *	notifier (DOC: Address-space model).
 * - Attributes (attr.c, advise.c):
 *	preferred location, accessed-by devices, read-mostly and migration
 *	granularity per address range: attr.c stores them, advise.c sets one
 *	(svm_ext_attr_set()) once the policy agreed.
 * - Fault service (fault.c, range_fault.c):
 *	a device fault asks the policy, carries out the checked decision and
 *	hands the pages to the driver's page table; a CPU access to device
 *	memory brings a window home (DOC: Fault path).  range_fault.c faults
 *	a window in with hmm_range_fault() under its range's notifier.
 * - Migration (migrate.c) and read-mostly copies (replica.c):
 *	migrate_vma_*() moves of up to one range at a time, 2 MiB folios
 *	whole where possible (DOC: Migration).
 * - Eviction (evict.c):
 *	a full device makes room by moving a resident chunk home, the policy's
 *	choice or the least recently used one (DOC: Eviction).
 * - Prefetch (prefetch.c) and residency queries (query.c):
 *	helpers a driver wires into its own ioctls.
 * - Policies (policy.c, kfuncs.c, default.c, ops.h):
 *	the struct_ops type, its kfuncs, the checks of every decision and the
 *	ejection of a policy that makes a bad one (DOC: Policies and
 *	ejection); the built-in default decides when no policy is attached.
 * - Observability:
 *	policy state in /sys/kernel/svm_ext/, every range of every process in
 *	/sys/kernel/debug/svm_ext/ranges (debugfs.c), tracepoints svm_ext:*
 *	(trace.h, defined in trace.c).
 *
 * The files are layered: each calls only files below it, never one that
 * calls it back, and ``make modules`` checks it (tools/build/layers.sh,
 * which prints the layers).  From the bottom: the device memory pool,
 * copies and tracepoints; the device table and the built-in default's
 * eviction choice; the attribute store and read-mostly copies; the policy
 * hooks (policy.c: the core calls its policy, as sched_ext's core calls its
 * scheduler); contexts and ranges; eviction, queries and setting hints;
 * registration and migration; and at the top fault service, prefetch and
 * module init.  The one call up is the kernel's own callback: a CPU access
 * to device memory reaches fault.c through devmem.c's dev_pagemap_ops.
 *
 * A driver supplies what only it can do, through struct svm_ext_device_ops:
 * copying pages with its engines, and installing and removing entries of its
 * device page table; it calls svm_ext_device_fault() from its fault handler.
 * The interface is <svm_ext/driver.h> (DOC: Driver interface); svm_emu.ko
 * implements it for emulated GPUs.  How the locks nest is in DOC: Locking
 * (internal.h).
 */
#include <linux/kobject.h>
#include <linux/module.h>
#include "internal.h"

/* /sys/kernel/svm_ext/ */
static struct kobject *svm_ext_kobj;

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
	ret = svm_ext_devices_init(svm_ext_kobj);
	if (ret)
		goto err_migrate;
	/* the kfuncs first: the struct_ops type makes policies loadable */
	ret = svm_ext_kfuncs_register();
	if (ret)
		goto err_devices;
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
