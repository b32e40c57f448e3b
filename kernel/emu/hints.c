// SPDX-License-Identifier: GPL-2.0
/*
 * svm_emu: hint ioctls - SET_ATTR, GET_ATTR, PREFETCH.
 */

/**
 * DOC: Hint ioctls
 *
 * SET_ATTR, GET_ATTR and PREFETCH are thin wrappers over svm_ext_attr_set(),
 * svm_ext_attr_get() and svm_ext_prefetch(), as any real driver would wire
 * them into its own uAPI; the only driver-specific part is naming a
 * preferred device by the fd of its render node
 * (SVM_EXT_ATTR_PREFERRED_FD).  SET_ATTR checks every attribute before it
 * applies any.
 */
#include <linux/file.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "emu.h"

/*
 * A span of user memory as the hint ioctls take it: page aligned, not
 * empty, not wrapping, below TASK_SIZE.  The core checks again; checking
 * here first keeps a bad call from taking any lock.
 */
static bool svm_emu_span_ok(u64 addr, u64 length)
{
	u64 end;

	return PAGE_ALIGNED(addr) && PAGE_ALIGNED(length) && length &&
	       !check_add_overflow(addr, length, &end) && end <= TASK_SIZE;
}

/*
 * fd of an svm_emu render node -> that device's svm_ext index.  @self is
 * the caller's own svm_emu file: another file of this driver has the same
 * file operations (DRM installs the driver's on open).
 */
static int svm_emu_fd_to_index(const struct drm_file *self, int fd,
			       u64 *index)
{
	struct drm_file *dfile;
	struct file *f;
	int ret = 0;

	f = fget(fd);
	if (!f)
		return -EBADF;
	if (f->f_op != self->filp->f_op) {
		ret = -EBADF;
		goto out;
	}
	dfile = f->private_data;
	*index = to_emu(dfile->minor->dev)->sdev.index;
out:
	fput(f);
	return ret;
}

int svm_emu_ioctl_set_attr(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct drm_svm_emu_set_attr *args = data;
	struct svm_emu_file *ef = file->driver_priv;
	struct svm_ext_binding *b;
	struct svm_ext_attr *attrs;
	u32 i;
	int ret = 0;

	if (args->flags || args->reserved[0] || args->reserved[1] ||
	    !args->nattrs || args->nattrs > SVM_EMU_MAX_ATTRS ||
	    !svm_emu_span_ok(args->addr, args->length))
		return -EINVAL;
	attrs = memdup_array_user(u64_to_user_ptr(args->attrs), args->nattrs,
				  sizeof(*attrs));	/* <= 256 bytes */
	if (IS_ERR(attrs))
		return PTR_ERR(attrs);
	/*
	 * Every attribute is checked (a file descriptor resolved to its
	 * device) before any is applied: a bad one applies none of them.
	 */
	for (i = 0; i < args->nattrs; i++) {
		if (attrs[i].pad) {
			ret = -EINVAL;
			goto out_free;
		}
		if (attrs[i].type == SVM_EXT_ATTR_PREFERRED_FD) {
			if (attrs[i].value > INT_MAX) {
				ret = -EBADF;
				goto out_free;
			}
			ret = svm_emu_fd_to_index(file, attrs[i].value,
						  &attrs[i].value);
			if (ret)
				goto out_free;
			attrs[i].type = SVM_EXT_ATTR_PREFERRED_LOC;
		}
		ret = svm_ext_attr_check(attrs[i].type, attrs[i].value);
		if (ret)
			goto out_free;
	}
	b = svm_emu_get_binding(ef, &ret);
	if (!b)
		goto out_free;
	for (i = 0; i < args->nattrs && !ret; i++) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		ret = svm_ext_attr_set(b, args->addr, args->length,
				       attrs[i].type, attrs[i].value);
	}
	up_read(&ef->sem);
out_free:
	kfree(attrs);
	return ret;
}

int svm_emu_ioctl_get_attr(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct drm_svm_emu_get_attr *args = data;
	struct svm_emu_file *ef = file->driver_priv;
	struct svm_ext_binding *b;
	struct svm_ext_attrs a;
	int ret = 0;

	if (args->flags || args->reserved[0] || args->reserved[1] ||
	    !svm_emu_span_ok(args->addr, args->length))
		return -EINVAL;
	b = svm_emu_get_binding(ef, &ret);
	if (!b)
		return ret;
	ret = svm_ext_attr_get(b, args->addr, args->length, &a);
	if (!ret) {
		args->preferred_loc = a.preferred_loc;
		args->granularity = a.granularity;
		args->accessed_by = a.accessed_by;
		args->read_mostly = a.read_mostly;
		args->nranges = svm_ext_attr_count(b);
	}
	up_read(&ef->sem);
	return ret;
}

int svm_emu_ioctl_prefetch(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct drm_svm_emu_prefetch *args = data;
	struct svm_emu_file *ef = file->driver_priv;
	struct svm_ext_fault_stats st = { 0 };
	struct svm_ext_binding *b;
	long moved;
	int ret = 0;

	if (args->flags || args->reserved ||
	    !svm_emu_span_ok(args->addr, args->length) ||
	    args->loc == SVM_EXT_LOC_NONE)
		return -EINVAL;
	b = svm_emu_get_binding(ef, &ret);
	if (!b)
		return ret;
	moved = svm_ext_prefetch(b, args->addr, args->length, args->loc, &st);
	up_read(&ef->sem);
	if (moved < 0)
		return moved;
	args->pages_moved = moved;
	args->modeled_ns = svm_emu_cost_prefetch(&ef->edev->cost, &st);
	return 0;
}
