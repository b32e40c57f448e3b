// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench migrate-hmm: the migrate workload through the kernel's own HMM
 * test driver (lib/test_hmm.c of Linux 7.3, /dev/hmm_dmirrorN), as a
 * reference point measured in the same VM and the same run as svm_emu.
 *
 * To the device: one HMM_DMIRROR_MIGRATE_TO_DEV over the whole buffer (test_hmm
 * has no device-fault path that migrates: its device reads only mirror).
 * In 7.3 that is, per window of PTRS_PER_PTE pages (2 MiB on x86-64):
 * migrate_vma_setup(SELECT_SYSTEM | SELECT_COMPOUND), for each THP one
 * 2 MiB device folio plus a freshly allocated 2 MiB system folio to back
 * it (for each 4 KiB page one device page and one backing page),
 * copy_highpage() of every page, migrate_vma_pages(), one xarray store per
 * page for its device page table, migrate_vma_finalize().  Then, for
 * verification, it vmalloc()s SIZE, copies every page out of the device
 * into it, copy_to_user()s SIZE to cmd.ptr and vfree()s it: two more
 * passes over SIZE that are part of its figure (mig.c checks the copy).
 * HMM_DMIRROR_READ does exactly that copy-out on its own (vmalloc, the same
 * per-page copy, copy_to_user, vfree; nothing faults while the data is on
 * the device), so it is timed right after as ->to_extra: the move alone is
 * estimated as MIGRATE_TO_DEV's time less READ's.
 * Back by fault (default, as svmbench migrate): the CPU touches one word per
 * page; 7.3's migrate_to_ram moves the faulting page's whole folio (2 MiB
 * for a device folio mapped whole) or one page.
 * Back explicitly: HMM_DMIRROR_MIGRATE_TO_SYS, per 2 MiB window
 * migrate_vma_setup(SELECT_DEVICE_PRIVATE | SELECT_COMPOUND), a new system
 * folio of the device folio's order, copy_highpage() of every page, an
 * xarray erase per page, migrate_vma_pages(), migrate_vma_finalize() (which
 * frees the device folio and its backing); no copy-out.
 * Residency comes from HMM_DMIRROR_SNAPSHOT, which faults nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "svm_user.h"
#include "workloads.h"
#include "test_hmm_uapi.h"

static long hmm_mig_to(void *ctx, const struct opts *o, void *buf,
		       void *scratch)
{
	struct hmm_dmirror_cmd cmd = {
		.addr = (uintptr_t)buf,
		.ptr = (uintptr_t)scratch,
		.npages = o->size >> 12,
	};

	return ioctl(*(int *)ctx, HMM_DMIRROR_MIGRATE_TO_DEV, &cmd) ? -errno : 0;
}

/* The copy-out MIGRATE_TO_DEV ends with, alone: HMM_DMIRROR_READ. */
static long hmm_mig_copy_out(void *ctx, const struct opts *o, void *buf,
			     void *scratch)
{
	struct hmm_dmirror_cmd cmd = {
		.addr = (uintptr_t)buf,
		.ptr = (uintptr_t)scratch,
		.npages = o->size >> 12,
	};

	if (ioctl(*(int *)ctx, HMM_DMIRROR_READ, &cmd))
		return -errno;
	/* a fault would mean the data was not all on the device */
	return cmd.faults ? -EAGAIN : 0;
}

static long hmm_mig_back(void *ctx, const struct opts *o, void *buf)
{
	struct hmm_dmirror_cmd cmd = {
		.addr = (uintptr_t)buf,
		.npages = o->size >> 12,
	};

	if (o->back == MOVE_FAULT) {
		touch_pages(buf, o->size);
		return 0;
	}
	return ioctl(*(int *)ctx, HMM_DMIRROR_MIGRATE_TO_SYS, &cmd) ? -errno : 0;
}

/* Pages of the buffer in this mirror's device memory. */
static long hmm_mig_on_dev(void *ctx, const struct opts *o, void *buf)
{
	size_t npages = o->size >> 12, i;
	struct hmm_dmirror_cmd cmd = {
		.addr = (uintptr_t)buf,
		.npages = npages,
	};
	unsigned char *perm = malloc(npages);
	long n = 0;

	if (!perm)
		return -ENOMEM;
	cmd.ptr = (uintptr_t)perm;
	if (ioctl(*(int *)ctx, HMM_DMIRROR_SNAPSHOT, &cmd)) {
		n = -errno;
		goto out;
	}
	for (i = 0; i < npages; i++)
		n += (perm[i] & 0xf0) == HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL;
out:
	free(perm);
	return n;
}

int wl_migrate_hmm(const struct opts *o)
{
	static const struct mig_ops ops = {
		.workload = "migrate-hmm",
		.path = "test_hmm",
		.to = hmm_mig_to,
		.back = hmm_mig_back,
		.on_dev = hmm_mig_on_dev,
		.to_extra = hmm_mig_copy_out,
		.to_fills_scratch = 1,
	};
	char path[64];
	int fd, ret;

	snprintf(path, sizeof(path), "/dev/hmm_dmirror%u", o->device);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "svmbench: %s: %s (is test_hmm loaded?)\n", path,
			strerror(errno));
		return 3;
	}
	ret = mig_run(o, &ops, &fd);
	close(fd);
	return ret;
}
