// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench migrate-hmm: the migrate workload through the kernel's own HMM
 * test driver (lib/test_hmm.c, /dev/hmm_dmirrorN), as a reference point
 * measured in the same VM and the same run as svm_emu.
 *
 * To the device: HMM_DMIRROR_MIGRATE_TO_DEV over the whole buffer (test_hmm
 * has no device-fault path that migrates; its device read only mirrors).
 * Note that the ioctl also copies the migrated data out to cmd.ptr for
 * verification (one more copy of SIZE): that is part of test_hmm's figure.
 * Back, by fault (default, as svmbench migrate): the CPU touches one word
 * per page; test_hmm's migrate_to_ram moves one page per fault.  Back,
 * explicitly: HMM_DMIRROR_MIGRATE_TO_SYS (64-page windows).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "svm_user.h"
#include "workloads.h"
#include "test_hmm_uapi.h"

/* Pages of [buf, buf + size) that are in this mirror's device memory. */
static long hmm_pages_on_dev(int fd, void *buf, size_t size)
{
	size_t npages = size >> 12, i;
	struct hmm_dmirror_cmd cmd = {
		.addr = (uintptr_t)buf,
		.npages = npages,
	};
	unsigned char *perm = malloc(npages);
	long n = 0;

	if (!perm)
		return -ENOMEM;
	cmd.ptr = (uintptr_t)perm;
	if (ioctl(fd, HMM_DMIRROR_SNAPSHOT, &cmd)) {
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
	size_t npages = o->size >> 12;
	struct mig_result r = {
		.workload = "migrate-hmm", .path = "test_hmm",
		.to_how = move_name(o->to), .back_how = move_name(o->back),
		.data_ok = 1,
	};
	struct hmm_dmirror_cmd cmd;
	double *tt, *tb, *tc, t0;
	uint64_t *buf, *dst;
	char path[64];
	unsigned int k;
	long n, bad;
	int fd;

	snprintf(path, sizeof(path), "/dev/hmm_dmirror%u", o->device);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "svmbench: %s: %s (is test_hmm loaded?)\n", path,
			strerror(errno));
		return 3;
	}
	tt = calloc(3 * o->repeat, sizeof(*tt));
	if (!tt)
		return 1;
	tb = tt + o->repeat;
	tc = tb + o->repeat;
	buf = mmap(NULL, o->size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	dst = mmap(NULL, o->size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED || dst == MAP_FAILED) {
		fprintf(stderr, "svmbench: mmap %zu MiB: %s\n", o->size >> 20,
			strerror(errno));
		return 1;
	}
	fill_pattern(buf, o->size, 17);

	for (k = 0; k < o->repeat; k++) {
		t0 = now_s();
		memcpy(dst, buf, o->size);
		tc[k] = now_s() - t0;
		if (!k && check_pattern(dst, o->size, 17) >= 0) {
			fprintf(stderr, "svmbench: memcpy copy differs\n");
			goto fail;
		}
		/* dst doubles as the bounce buffer: clear it so it proves something */
		memset(dst, 0, o->size);

		memset(&cmd, 0, sizeof(cmd));
		cmd.addr = (uintptr_t)buf;
		cmd.ptr = (uintptr_t)dst;
		cmd.npages = npages;
		t0 = now_s();
		n = ioctl(fd, HMM_DMIRROR_MIGRATE_TO_DEV, &cmd) ? -errno : 0;
		tt[k] = now_s() - t0;
		if (n < 0) {
			fprintf(stderr, "svmbench: MIGRATE_TO_DEV: %s\n", strerror(-n));
			goto fail;
		}
		n = hmm_pages_on_dev(fd, buf, o->size);
		if (n < 0) {
			fprintf(stderr, "svmbench: SNAPSHOT: %s\n", strerror(-n));
			goto fail;
		}
		r.pages_to_dev = n;
		bad = check_pattern(dst, o->size, 17);
		if (bad >= 0) {
			fprintf(stderr, "svmbench: round %u: device copy word %ld differs\n",
				k + 1, bad);
			r.data_ok = 0;
		}

		t0 = now_s();
		if (o->back == MOVE_FAULT) {
			touch_pages(buf, o->size);
			n = 0;
		} else {
			memset(&cmd, 0, sizeof(cmd));
			cmd.addr = (uintptr_t)buf;
			cmd.npages = npages;
			n = ioctl(fd, HMM_DMIRROR_MIGRATE_TO_SYS, &cmd) ? -errno : 0;
		}
		tb[k] = now_s() - t0;
		if (n < 0) {
			fprintf(stderr, "svmbench: MIGRATE_TO_SYS: %s\n", strerror(-n));
			goto fail;
		}
		n = hmm_pages_on_dev(fd, buf, o->size);
		if (n < 0) {
			fprintf(stderr, "svmbench: SNAPSHOT: %s\n", strerror(-n));
			goto fail;
		}
		r.pages_back = npages - n;
		bad = check_pattern(buf, o->size, 17);
		if (bad >= 0) {
			fprintf(stderr, "svmbench: round %u: word %ld differs\n",
				k + 1, bad);
			r.data_ok = 0;
		}
		if (!r.data_ok) {
			k++;
			break;
		}
	}
	r.rounds = k;
	r.t_to = median(tt, k);
	r.t_back = median(tb, k);
	r.t_copy = median(tc, k);
	mig_report(o, &r);
	munmap(buf, o->size);
	munmap(dst, o->size);
	free(tt);
	close(fd);
	return r.data_ok ? 0 : 1;
fail:
	munmap(buf, o->size);
	munmap(dst, o->size);
	free(tt);
	close(fd);
	return 1;
}
