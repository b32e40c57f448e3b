// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench workloads on svm_emu: writeback, migrate.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "svm_user.h"
#include "workloads.h"

int wl_writeback(const struct opts *o)
{
	struct drm_svm_emu_counters c;
	long long cpu0 = dev_counter(o->device, "cpu_faults");
	double t0, t_dev, t_cpu;
	uint64_t *buf;
	long bad;
	int fd, ret;

	ret = open_bound(o, &fd);
	if (ret)
		return ret;
	buf = mmap(NULL, o->size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 1;
	t0 = now_s();
	ret = emu_exec1(fd, SVM_EMU_OP_WRITE, buf, o->size, 0, 1, NULL, &c);
	t_dev = now_s() - t0;
	if (ret) {
		fprintf(stderr, "svmbench: exec: %s\n", strerror(-ret));
		return 1;
	}
	t0 = now_s();
	bad = check_pattern(buf, o->size, 1);
	t_cpu = now_s() - t0;
	if (o->json) {
		printf("{\"workload\":\"writeback\",\"size\":%zu,\"faults\":%llu,"
		       "\"pages_to_dev\":%llu,\"pages_from_dev\":%llu,"
		       "\"remote_maps\":%llu,\"evictions\":%llu,"
		       "\"modeled_ns\":%llu,\"real_ns\":%llu,\"cpu_faults\":%lld,"
		       "\"data_ok\":%s}\n", o->size,
		       (unsigned long long)c.faults,
		       (unsigned long long)c.pages_to_dev,
		       (unsigned long long)c.pages_from_dev,
		       (unsigned long long)c.remote_maps,
		       (unsigned long long)c.evictions,
		       (unsigned long long)c.modeled_ns,
		       (unsigned long long)c.real_ns,
		       dev_counter(o->device, "cpu_faults") - cpu0,
		       bad < 0 ? "true" : "false");
	} else {
		printf("  GPU write %zu MiB: %llu faults, %llu pages to device, "
		       "%llu remote maps, modeled %.3f ms, real %.3f s\n",
		       o->size >> 20, (unsigned long long)c.faults,
		       (unsigned long long)c.pages_to_dev,
		       (unsigned long long)c.remote_maps, c.modeled_ns / 1e6,
		       t_dev);
		printf("  CPU read back: %lld CPU faults on device memory, %.3f s, "
		       "data %s\n", dev_counter(o->device, "cpu_faults") - cpu0,
		       t_cpu, bad < 0 ? "intact" : "CORRUPT");
	}
	munmap(buf, o->size);
	close(fd);
	return bad < 0 ? 0 : 1;
}

/* The CPU reads one word per page: every device page it hits faults home. */
void touch_pages(const void *buf, size_t size)
{
	const volatile uint64_t *w = buf;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < size / 8; i += 4096 / 8)
		sum += w[i];
	(void)sum;
}

/*
 * migrate: to the device by fault (a one-word-per-page strided device read;
 * the default policy migrates each faulting 2 MiB chunk whole, a THP as one
 * 2 MiB device folio where the core does that) or
 * explicitly (PREFETCH to the device); back by fault (the CPU touches one
 * word per page; each CPU fault brings its chunk home) or explicitly
 * (PREFETCH to SVM_EXT_LOC_SYSTEM).
 */
static long emu_mig_to(void *ctx, const struct opts *o, void *buf,
		       void *scratch)
{
	int fd = *(int *)ctx;
	long n;

	(void)scratch;
	if (o->to == MOVE_FAULT)
		return emu_exec1(fd, SVM_EMU_OP_READ, buf, o->size, 4096, 0,
				 NULL, NULL);
	n = emu_prefetch(fd, buf, o->size, o->device);
	return n < 0 ? n : 0;
}

static long emu_mig_back(void *ctx, const struct opts *o, void *buf)
{
	int fd = *(int *)ctx;
	long n;

	if (o->back == MOVE_FAULT) {
		touch_pages(buf, o->size);
		return 0;
	}
	n = emu_prefetch(fd, buf, o->size, SVM_EXT_LOC_SYSTEM);
	return n < 0 ? n : 0;
}

static long emu_mig_on_dev(void *ctx, const struct opts *o, void *buf)
{
	return emu_count_at(*(int *)ctx, buf, o->size >> 12, o->device);
}

/* The core's per-device counts of 2 MiB folios moved whole, if it has them. */
static int emu_mig_folios(void *ctx, const struct opts *o, long long *to,
			  long long *back)
{
	(void)ctx;
	*to = dev_counter(o->device, "folios_to_dev");
	*back = dev_counter(o->device, "folios_from_dev");
	return *to < 0 || *back < 0 ? -1 : 0;
}

int wl_migrate(const struct opts *o)
{
	static const struct mig_ops ops = {
		.workload = "migrate",
		.path = "svm_emu",
		.to = emu_mig_to,
		.back = emu_mig_back,
		.on_dev = emu_mig_on_dev,
		.folios = emu_mig_folios,
	};
	int fd, ret;

	ret = open_bound(o, &fd);
	if (ret)
		return ret;
	ret = mig_run(o, &ops, &fd);
	close(fd);
	return ret;
}
