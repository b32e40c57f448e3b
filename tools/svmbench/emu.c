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
 * migrate: to the device by fault (a one-word-per-page strided device read
 * faults whole chunks in) or explicitly (PREFETCH to the device); back by
 * fault (the CPU touches one word per page) or explicitly (PREFETCH to
 * SVM_EXT_LOC_SYSTEM).  Each round trip: memcpy, to, residency check, back,
 * residency check, data check.
 */
int wl_migrate(const struct opts *o)
{
	size_t npages = o->size >> 12;
	double *tt, *tb, *tc, t0;
	struct mig_result r = {
		.workload = "migrate", .path = "svm_emu",
		.to_how = move_name(o->to), .back_how = move_name(o->back),
		.data_ok = 1,
	};
	uint64_t *buf, *dst;
	unsigned int k;
	long n, bad;
	int fd, ret;

	ret = open_bound(o, &fd);
	if (ret)
		return ret;
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

		t0 = now_s();
		if (o->to == MOVE_FAULT)
			n = emu_exec1(fd, SVM_EMU_OP_READ, buf, o->size, 4096, 0,
				      NULL, NULL);
		else
			n = emu_prefetch(fd, buf, o->size, o->device);
		tt[k] = now_s() - t0;
		if (n < 0) {
			fprintf(stderr, "svmbench: to device: %s\n", strerror(-n));
			goto fail;
		}
		n = emu_count_at(fd, buf, npages, o->device);
		if (n < 0) {
			fprintf(stderr, "svmbench: query: %s\n", strerror(-n));
			goto fail;
		}
		r.pages_to_dev = n;

		t0 = now_s();
		if (o->back == MOVE_FAULT)
			touch_pages(buf, o->size), n = 0;
		else
			n = emu_prefetch(fd, buf, o->size, SVM_EXT_LOC_SYSTEM);
		tb[k] = now_s() - t0;
		if (n < 0) {
			fprintf(stderr, "svmbench: back: %s\n", strerror(-n));
			goto fail;
		}
		n = emu_count_at(fd, buf, npages, SVM_EXT_RES_SYSTEM);
		if (n < 0) {
			fprintf(stderr, "svmbench: query: %s\n", strerror(-n));
			goto fail;
		}
		r.pages_back = n;
		bad = check_pattern(buf, o->size, 17);
		if (bad >= 0) {
			fprintf(stderr, "svmbench: round %u: word %ld differs\n",
				k + 1, bad);
			r.data_ok = 0;
			k++;
			break;
		}
	}
	/* medians over the rounds done: all of them unless data broke */
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
