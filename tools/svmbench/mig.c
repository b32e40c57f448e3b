// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench: the migration benchmark driver shared by migrate (emu.c) and
 * migrate-hmm (peer_hmm.c).  Each round trip:
 *
 *   memcpy(dst, buf)            timed: memcpy before
 *   ops->to(buf)                timed: to the device
 *   ops->on_dev == npages?      untimed
 *   ops->back(buf)              timed: back to system memory
 *   npages - ops->on_dev        untimed: pages back home
 *   check every word of buf     untimed
 *   memcpy(dst, buf)            timed: memcpy after
 *
 * MB/s are medians over the rounds; the ratios are medians of each round's
 * own ratio (memcpy time, mean of before and after, over the move's time),
 * which keeps host load drifting between rounds out of them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "svm_user.h"
#include "workloads.h"

#define SEED	17

struct mig_samples {
	double *to, *back, *copy, *r_to, *r_back;
};

static void mig_report(const struct opts *o, const struct mig_ops *ops,
		       struct mig_samples *s, unsigned int rounds,
		       long on_dev, long home, int data_ok)
{
	double to = o->size / median(s->to, rounds) / 1e6;
	double back = o->size / median(s->back, rounds) / 1e6;
	double cp = o->size / median(s->copy, 2 * rounds) / 1e6;
	double r_to = median(s->r_to, rounds), r_back = median(s->r_back, rounds);

	if (o->json) {
		printf("{\"workload\":\"%s\",\"path\":\"%s\",\"to\":\"%s\","
		       "\"back\":\"%s\",\"size\":%zu,\"repeat\":%u,"
		       "\"to_dev_mbps\":%.1f,\"to_sys_mbps\":%.1f,"
		       "\"memcpy_mbps\":%.1f,\"to_dev_ratio\":%.3f,"
		       "\"to_sys_ratio\":%.3f,\"npages\":%zu,"
		       "\"pages_to_dev\":%ld,\"pages_back\":%ld,"
		       "\"data_ok\":%s}\n",
		       ops->workload, ops->path, move_name(o->to),
		       move_name(o->back), o->size, rounds, to, back, cp, r_to,
		       r_back, o->size >> 12, on_dev, home,
		       data_ok ? "true" : "false");
		return;
	}
	printf("  %zu MiB %s: to device (%s) %.1f MB/s, back (%s) %.1f MB/s, "
	       "memcpy %.1f MB/s (ratios %.2fx, %.2fx), median of %u; "
	       "%ld/%zu pages reached the device, %ld came back; data %s\n",
	       o->size >> 20, ops->path, move_name(o->to), to,
	       move_name(o->back), back, cp, r_to, r_back, rounds, on_dev,
	       o->size >> 12, home, data_ok ? "intact" : "CORRUPT");
}

static double timed_memcpy(void *dst, const void *src, size_t n)
{
	double t0 = now_s();

	memcpy(dst, src, n);
	return now_s() - t0;
}

int mig_run(const struct opts *o, const struct mig_ops *ops, void *ctx)
{
	long npages = o->size >> 12, on_dev = -1, home = -1, n, bad;
	struct mig_samples s;
	unsigned int k;
	double *all, t0;
	uint64_t *buf, *dst;
	int data_ok = 1, ret = 1;

	all = calloc(6 * o->repeat, sizeof(*all));
	if (!all)
		return 1;
	s.to = all;
	s.back = s.to + o->repeat;
	s.r_to = s.back + o->repeat;
	s.r_back = s.r_to + o->repeat;
	s.copy = s.r_back + o->repeat;	/* 2 per round */
	buf = mmap(NULL, o->size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	dst = mmap(NULL, o->size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED || dst == MAP_FAILED) {
		fprintf(stderr, "svmbench: mmap %zu MiB: %s\n", o->size >> 20,
			strerror(errno));
		goto out;
	}
	fill_pattern(buf, o->size, SEED);

	for (k = 0; k < o->repeat && data_ok; k++) {
		double c0, c1;

		c0 = timed_memcpy(dst, buf, o->size);
		if (!k && check_pattern(dst, o->size, SEED) >= 0) {
			fprintf(stderr, "svmbench: memcpy copy differs\n");
			goto out;
		}
		if (ops->to_fills_scratch)
			memset(dst, 0, o->size);

		t0 = now_s();
		n = ops->to(ctx, o, buf, dst);
		s.to[k] = now_s() - t0;
		if (n < 0) {
			fprintf(stderr, "svmbench: to device: %s\n", strerror(-n));
			goto out;
		}
		on_dev = ops->on_dev(ctx, o, buf);
		if (on_dev < 0) {
			fprintf(stderr, "svmbench: residency: %s\n", strerror(-on_dev));
			goto out;
		}
		if (ops->to_fills_scratch &&
		    (bad = check_pattern(dst, o->size, SEED)) >= 0) {
			fprintf(stderr, "svmbench: round %u: device copy word %ld "
				"differs\n", k + 1, bad);
			data_ok = 0;
		}

		t0 = now_s();
		n = ops->back(ctx, o, buf);
		s.back[k] = now_s() - t0;
		if (n < 0) {
			fprintf(stderr, "svmbench: back: %s\n", strerror(-n));
			goto out;
		}
		n = ops->on_dev(ctx, o, buf);
		if (n < 0) {
			fprintf(stderr, "svmbench: residency: %s\n", strerror(-n));
			goto out;
		}
		home = npages - n;
		bad = check_pattern(buf, o->size, SEED);
		if (bad >= 0) {
			fprintf(stderr, "svmbench: round %u: word %ld differs\n",
				k + 1, bad);
			data_ok = 0;
		}

		c1 = timed_memcpy(dst, buf, o->size);
		s.copy[2 * k] = c0;
		s.copy[2 * k + 1] = c1;
		s.r_to[k] = (c0 + c1) / 2 / s.to[k];
		s.r_back[k] = (c0 + c1) / 2 / s.back[k];
	}
	mig_report(o, ops, &s, k, on_dev, home, data_ok);
	ret = data_ok ? 0 : 1;
out:
	if (buf != MAP_FAILED)
		munmap(buf, o->size);
	if (dst != MAP_FAILED)
		munmap(dst, o->size);
	free(all);
	return ret;
}
