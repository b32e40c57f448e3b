// SPDX-License-Identifier: GPL-2.0
/*
 * svm_emu: a render node's file - its binding to one address space
 * (BIND, UNBIND), the binding each ioctl holds while it runs, and the
 * file's lifetime (open, postclose).
 */
#include <linux/sched.h>
#include <linux/slab.h>
#include <drm/drm_file.h>
#include "emu.h"

static bool svm_emu_bind_args_ok(const struct drm_svm_emu_bind *args)
{
	return !args->flags && !args->pad && !args->reserved[0] &&
	       !args->reserved[1];
}

/**
 * svm_emu_ioctl_bind() - DRM_IOCTL_SVM_EMU_BIND
 * @drm: device
 * @data: struct drm_svm_emu_bind
 * @file: caller's file
 *
 * Binds the file to the caller's address space (svm_ext_bind()).
 *
 * Return: 0; -EINVAL for set flags or reserved fields; -EALREADY when the
 * file is bound to this address space already, -EBUSY to another; or
 * svm_ext_bind()'s errno.
 */
int svm_emu_ioctl_bind(struct drm_device *drm, void *data,
		       struct drm_file *file)
{
	struct drm_svm_emu_bind *args = data;
	struct svm_emu_file *ef = file->driver_priv;
	struct svm_ext_binding *b;
	int ret = 0;

	if (!svm_emu_bind_args_ok(args))
		return -EINVAL;
	down_write(&ef->sem);
	if (ef->binding) {
		ret = ef->mm == current->mm ? -EALREADY : -EBUSY;
		goto out;
	}
	b = svm_ext_bind(&ef->edev->sdev, current->mm, ef);
	if (IS_ERR(b)) {
		ret = PTR_ERR(b);
		goto out;
	}
	ef->binding = b;
	ef->mm = current->mm;
out:
	up_write(&ef->sem);
	return ret;
}

static void svm_emu_unbind_locked(struct svm_emu_file *ef)
{
	svm_ext_unbind(ef->binding);
	ef->binding = NULL;
	ef->mm = NULL;
	xa_destroy(&ef->pt);
	ef->pt_pages = 0;
	xa_destroy(&ef->acnt);
}

/**
 * svm_emu_ioctl_unbind() - DRM_IOCTL_SVM_EMU_UNBIND
 * @drm: device
 * @data: struct drm_svm_emu_bind
 * @file: caller's file
 *
 * Return: 0; -EINVAL for set flags or reserved fields; -ENXIO when the
 * file is not bound; -EPERM from another address space than the bound one.
 */
int svm_emu_ioctl_unbind(struct drm_device *drm, void *data,
			 struct drm_file *file)
{
	struct drm_svm_emu_bind *args = data;
	struct svm_emu_file *ef = file->driver_priv;
	int ret = 0;

	if (!svm_emu_bind_args_ok(args))
		return -EINVAL;
	down_write(&ef->sem);
	if (!ef->binding)
		ret = -ENXIO;
	else if (ef->mm != current->mm)
		ret = -EPERM;
	else
		svm_emu_unbind_locked(ef);
	up_write(&ef->sem);
	return ret;
}

/**
 * svm_emu_get_binding() - hold the file's binding for one ioctl
 * @ef: the file
 * @err: out, -ENXIO (not bound) or -EPERM (bound by another address space)
 *
 * Return: the binding, with @ef->sem held for read until the caller's
 * up_read(), or NULL with @err set and the lock released.
 */
struct svm_ext_binding *svm_emu_get_binding(struct svm_emu_file *ef, int *err)
{
	down_read(&ef->sem);
	if (!ef->binding)
		*err = -ENXIO;
	else if (ef->mm != current->mm)
		*err = -EPERM;
	else
		return ef->binding;
	up_read(&ef->sem);
	return NULL;
}

/**
 * svm_emu_open() - &drm_driver.open: a file's emulated page table
 * @drm: device
 * @file: the new file
 *
 * Return: 0 or -ENOMEM.
 */
int svm_emu_open(struct drm_device *drm, struct drm_file *file)
{
	struct svm_emu_file *ef = kzalloc(sizeof(*ef), GFP_KERNEL_ACCOUNT);

	if (!ef)
		return -ENOMEM;
	ef->edev = to_emu(drm);
	init_rwsem(&ef->sem);
	/*
	 * XA_FLAGS_ACCOUNT, not only __GFP_ACCOUNT at the call sites: a store
	 * first allocates its nodes itself, GFP_NOWAIT, and charges them only
	 * if the xarray says so; the caller's gfp is for the retry.
	 */
	xa_init_flags(&ef->pt, XA_FLAGS_ACCOUNT);
	xa_init_flags(&ef->acnt, XA_FLAGS_ACCOUNT);
	file->driver_priv = ef;
	return 0;
}

/**
 * svm_emu_postclose() - &drm_driver.postclose: unbind and free
 * @drm: device
 * @file: the file going away
 */
void svm_emu_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct svm_emu_file *ef = file->driver_priv;

	down_write(&ef->sem);
	if (ef->binding)
		svm_emu_unbind_locked(ef);
	up_write(&ef->sem);
	kfree(ef);
}
