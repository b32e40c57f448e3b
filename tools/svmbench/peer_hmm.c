// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench migrate-hmm: the migrate workload through the kernel's own HMM
 * test driver (lib/test_hmm.c, /dev/hmm_dmirrorN), as a reference point
 * measured in the same VM and the same run as svm_emu.
 *
 * To the device: HMM_DMIRROR_MIGRATE_TO_DEV over the whole buffer, in the
 * driver's 64-page windows (test_hmm has no device-fault path that
 * migrates: its device reads only mirror).  The ioctl then also copies the
 * migrated data out to cmd.ptr for verification, one more pass over SIZE
 * that is part of test_hmm's figure (and which mig.c checks).
 * Back by fault (default, as svmbench migrate): the CPU touches one word per
 * page; test_hmm's migrate_to_ram moves one page per fault.
 * Back explicitly: HMM_DMIRROR_MIGRATE_TO_SYS (64-page windows).
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
