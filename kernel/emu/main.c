// SPDX-License-Identifier: GPL-2.0
/*
 * svm_emu: emulated GPUs for svm_ext.
 */

/**
 * DOC: Emulated GPUs
 *
 * Each emulated GPU is a render-only DRM device (driver "svm_emu",
 * /dev/dri/renderD*) registered with the svm_ext core like a real driver:
 * its memory is device-private struct pages backed by RAM, it keeps its own
 * page table per bound address space, and its EXEC ioctl performs memory
 * accesses that fault into the core exactly as a GPU's would.
 *
 * Module parameters: ndevices (1..8, default 2), mem_mb (per device, even,
 * 4..65536, default 64) and peers ("all", "none" or pairs "0-1,2-3" that
 * can map each other's memory directly).
 */
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/platform_device.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_ioctl.h>
#include "emu.h"

static unsigned int ndevices = 2;
module_param(ndevices, uint, 0444);
MODULE_PARM_DESC(ndevices, "number of emulated GPUs (1-8, default 2)");

static unsigned int mem_mb = 64;
module_param(mem_mb, uint, 0444);
MODULE_PARM_DESC(mem_mb, "device memory per GPU in MiB (multiple of 2, >= 4, default 64)");

static char *peers = "all";
module_param(peers, charp, 0444);
MODULE_PARM_DESC(peers, "peer links: all, none, or pairs like 0-1,2-3 (default all)");

static struct svm_emu_device *svm_emu_devs[SVM_EMU_MAX_DEVICES];

static int svm_emu_parse_peers(const char *s, u64 *mask, unsigned int n)
{
	unsigned int i, a, b;
	const char *p = s;
	int len;

	memset(mask, 0, sizeof(*mask) * n);
	if (!strcmp(s, "none") || !*s)
		return 0;
	if (!strcmp(s, "all")) {
		for (i = 0; i < n; i++)
			mask[i] = GENMASK_ULL(n - 1, 0) & ~BIT_ULL(i);
		return 0;
	}
	while (*p) {
		if (sscanf(p, "%u-%u%n", &a, &b, &len) != 2 || a >= n ||
		    b >= n || a == b)
			return -EINVAL;
		mask[a] |= BIT_ULL(b);
		mask[b] |= BIT_ULL(a);
		p += len;
		if (*p == ',')
			p++;
		else if (*p)
			return -EINVAL;
	}
	return 0;
}

static int svm_emu_ioctl_info(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct svm_emu_device *edev = to_emu(drm);
	struct drm_svm_emu_info *info = data;

	memset(info, 0, sizeof(*info));
	info->version = SVM_EMU_UAPI_VERSION;
	info->index = edev->sdev.index;
	info->peers = edev->sdev.peer_mask;
	svm_ext_device_mem_usage(&edev->sdev, &info->mem_total, &info->mem_used);
	return 0;
}

/*
 * Pages one step of QUERY reports: one 2 MiB chunk, the core's unit of
 * work.  The answer goes out a step at a time, so the kernel never holds
 * more than 1 KiB of it however many pages are asked for, and a fatal
 * signal is seen between steps.
 */
#define SVM_EMU_QUERY_STEP	(1UL << SVM_EXT_CHUNK_ORDER)

static int svm_emu_ioctl_query(struct drm_device *drm, void *data,
			       struct drm_file *file)
{
	struct drm_svm_emu_query *q = data;
	struct svm_emu_file *ef = file->driver_priv;
	u16 __user *ures = u64_to_user_ptr(q->res);
	unsigned long addr = q->addr, left = q->npages;
	struct svm_ext_binding *b;
	u64 bytes, end;
	int ret = 0;
	u16 *res;

	if (q->flags || q->pad || q->reserved[0] || q->reserved[1] ||
	    !q->npages || q->npages > SVM_EMU_QUERY_MAX_PAGES ||
	    !PAGE_ALIGNED(q->addr))
		return -EINVAL;
	/* npages is bounded above, so the shift cannot overflow */
	bytes = q->npages << PAGE_SHIFT;
	if (check_add_overflow(q->addr, bytes, &end) || end > TASK_SIZE)
		return -EINVAL;
	if (!access_ok(ures, array_size(q->npages, sizeof(*res))))
		return -EFAULT;
	res = kmalloc_array(SVM_EMU_QUERY_STEP, sizeof(*res),
			    GFP_KERNEL_ACCOUNT);
	if (!res)
		return -ENOMEM;
	b = svm_emu_get_binding(ef, &ret);
	if (!b)
		goto out_free;
	while (left) {
		/* steps end on chunk boundaries, as the core walks */
		unsigned long n = min(left, SVM_EMU_QUERY_STEP -
				      ((addr >> PAGE_SHIFT) &
				       (SVM_EMU_QUERY_STEP - 1)));

		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		ret = svm_ext_query(b, addr, n, res);
		if (ret)
			break;
		if (copy_to_user(ures, res, n * sizeof(*res))) {
			ret = -EFAULT;
			break;
		}
		ures += n;
		addr += n << PAGE_SHIFT;
		left -= n;
	}
	up_read(&ef->sem);
out_free:
	kfree(res);
	return ret;
}

static const struct drm_ioctl_desc svm_emu_ioctls[] = {
	DRM_IOCTL_DEF_DRV(SVM_EMU_INFO, svm_emu_ioctl_info, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(SVM_EMU_BIND, svm_emu_ioctl_bind, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(SVM_EMU_UNBIND, svm_emu_ioctl_unbind, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(SVM_EMU_EXEC, svm_emu_ioctl_exec, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(SVM_EMU_QUERY, svm_emu_ioctl_query, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(SVM_EMU_SET_ATTR, svm_emu_ioctl_set_attr, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(SVM_EMU_GET_ATTR, svm_emu_ioctl_get_attr, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(SVM_EMU_PREFETCH, svm_emu_ioctl_prefetch, DRM_RENDER_ALLOW),
};

static const struct file_operations svm_emu_fops = {
	.owner = THIS_MODULE,
	.open = drm_open,
	.release = drm_release,
	.unlocked_ioctl = drm_ioctl,
	.compat_ioctl = drm_compat_ioctl,
	.poll = drm_poll,
	.read = drm_read,
	.llseek = noop_llseek,
	.fop_flags = FOP_UNSIGNED_OFFSET,
};

static const struct drm_driver svm_emu_driver = {
	.driver_features = DRIVER_RENDER,
	.open = svm_emu_open,
	.postclose = svm_emu_postclose,
	.ioctls = svm_emu_ioctls,
	.num_ioctls = ARRAY_SIZE(svm_emu_ioctls),
	.fops = &svm_emu_fops,
	.name = "svm_emu",
	.desc = "svm_ext emulated GPU",
	.major = 1,
	.minor = 0,
};

static void svm_emu_destroy(struct svm_emu_device *edev)
{
	struct platform_device *pdev = edev->pdev;

	drm_dev_unregister(&edev->drm);
	if (edev->sdev.core)
		svm_ext_device_unregister(&edev->sdev);
	devres_release_group(&pdev->dev, NULL);	/* frees edev */
	platform_device_unregister(pdev);
}

static struct svm_emu_device *svm_emu_create(unsigned int i, u64 peer_mask)
{
	struct platform_device *pdev;
	struct svm_emu_device *edev;
	int ret;

	pdev = platform_device_register_simple("svm_emu", i, NULL, 0);
	if (IS_ERR(pdev))
		return ERR_CAST(pdev);
	if (!devres_open_group(&pdev->dev, NULL, GFP_KERNEL)) {
		ret = -ENOMEM;
		goto err_pdev;
	}
	edev = devm_drm_dev_alloc(&pdev->dev, &svm_emu_driver,
				  struct svm_emu_device, drm);
	if (IS_ERR(edev)) {
		ret = PTR_ERR(edev);
		goto err_group;
	}
	edev->pdev = pdev;
	platform_set_drvdata(pdev, edev);
	svm_emu_cost_defaults(&edev->cost);
	snprintf(edev->name, sizeof(edev->name), "svm_emu%u", i);
	edev->sdev.name = edev->name;
	edev->sdev.ops = &svm_emu_ext_ops;
	edev->sdev.drvdata = edev;

	ret = svm_ext_device_register(&edev->sdev, &pdev->dev,
				      (u64)mem_mb << 20);
	if (ret)
		goto err_group;
	/* peers are named by emulator index; core indices may differ */
	edev->sdev.peer_mask = peer_mask;

	ret = devm_device_add_group(&pdev->dev, &svm_emu_cost_group);
	if (ret)
		goto err_unreg;
	ret = drm_dev_register(&edev->drm, 0);
	if (ret)
		goto err_unreg;
	return edev;

err_unreg:
	svm_ext_device_unregister(&edev->sdev);
err_group:
	devres_release_group(&pdev->dev, NULL);
err_pdev:
	platform_device_unregister(pdev);
	return ERR_PTR(ret);
}

static int __init svm_emu_init(void)
{
	u64 peer_mask[SVM_EMU_MAX_DEVICES];
	u32 core_index[SVM_EMU_MAX_DEVICES];
	unsigned int i, j;
	int ret;

	if (!ndevices || ndevices > SVM_EMU_MAX_DEVICES) {
		pr_err("svm_emu: ndevices=%u: must be 1..%u\n", ndevices,
		       SVM_EMU_MAX_DEVICES);
		return -EINVAL;
	}
	if (mem_mb < 4 || mem_mb % 2 || mem_mb > 65536) {
		pr_err("svm_emu: mem_mb=%u: must be even, 4..65536\n", mem_mb);
		return -EINVAL;
	}
	if (svm_emu_parse_peers(peers, peer_mask, ndevices)) {
		pr_err("svm_emu: peers=\"%s\": expected all, none or pairs like 0-1,2-3 below ndevices\n",
		       peers);
		return -EINVAL;
	}

	for (i = 0; i < ndevices; i++) {
		struct svm_emu_device *edev = svm_emu_create(i, 0);

		if (IS_ERR(edev)) {
			ret = PTR_ERR(edev);
			pr_err("svm_emu: device %u: %d\n", i, ret);
			goto err;
		}
		svm_emu_devs[i] = edev;
		core_index[i] = edev->sdev.index;
	}
	/* translate the topology to svm_ext device indices */
	for (i = 0; i < ndevices; i++) {
		u64 m = 0;

		for (j = 0; j < ndevices; j++)
			if (peer_mask[i] & BIT_ULL(j))
				m |= BIT_ULL(core_index[j]);
		WRITE_ONCE(svm_emu_devs[i]->sdev.peer_mask, m);
	}
	return 0;

err:
	while (i--)
		svm_emu_destroy(svm_emu_devs[i]);
	return ret;
}

static void __exit svm_emu_exit(void)
{
	unsigned int i;

	for (i = ndevices; i--;)
		if (svm_emu_devs[i])
			svm_emu_destroy(svm_emu_devs[i]);
}

module_init(svm_emu_init);
module_exit(svm_emu_exit);
MODULE_DESCRIPTION("svm_emu: emulated GPUs for svm_ext");
MODULE_LICENSE("GPL");
MODULE_SOFTDEP("pre: svm_ext");
