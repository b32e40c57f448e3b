// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench: the migration benchmark driver shared by migrate (emu.c) and
 * migrate-hmm (peer_hmm.c).  Each round trip, on a buffer of its own:
 *
 *   map buf (2 MiB aligned, --backing), fill  untimed; THP share recorded
 *   memcpy(dst, buf)            timed: memcpy before
 *   ops->to(buf)                timed: to the device
 *   ops->on_dev == npages?      untimed; 2 MiB device entries counted
 *   ops->to_extra(buf)          timed, optional: the non-move part of ->to
 *   ops->back(buf)              timed: back to system memory
 *   npages - ops->on_dev        untimed: pages back home; THP share again
 *   check every word of buf     untimed
 *   memcpy(dst, buf)            timed: memcpy after
 *   unmap buf
 *
 * A fresh buffer per round keeps every round's source what --backing says
 * (a round trip may bring the data back in 4 KiB pages) and the pattern
 * differs per round (a stale device copy cannot pass the check).  dst has
 * the same backing and stays mapped and populated.
 *
 * MB/s are medians over the rounds; the ratios are medians of each round's
 * own ratio (memcpy time, mean of before and after, over the move's time),
 * which keeps host load drifting between rounds out of them.  The page
 * counts reported are the minimum over the rounds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/fs.h>
#include "svm_user.h"
#include "workloads.h"

#define SEED	17

long huge_pages(const void *p, size_t len, unsigned long long cats)
{
	static int fd = -1;
	struct page_region r[64];
	struct pm_scan_arg a = {
		.size = sizeof(a),
		.start = (uintptr_t)p,
		.end = (uintptr_t)p + len,
		.vec = (uintptr_t)r,
		.vec_len = sizeof(r) / sizeof(r[0]),
		.category_mask = PAGE_IS_HUGE | cats,
		.return_mask = PAGE_IS_HUGE | cats,
	};
	long n = 0;
	int i, k;

	if (fd < 0)
		fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (a.start < a.end) {
		k = ioctl(fd, PAGEMAP_SCAN, &a);
		if (k < 0)
			return -errno;
		for (i = 0; i < k; i++)
			n += (r[i].end - r[i].start) >> 12;
		if (a.walk_end <= a.start)
			return -EIO;	/* no progress */
		a.start = a.walk_end;
	}
	return n;
}

/*
 * SIZE bytes, 2 MiB aligned, with the backing --backing asks for, every
 * page populated and writable (MADV_POPULATE_WRITE: a THP where
 * MADV_HUGEPAGE and free memory allow).  MAP_FAILED with errno.
 */
static void *mig_map(const struct opts *o)
{
	void *p = map_chunk_aligned(o->size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	int adv = o->backing == BACKING_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE;

	if (p == MAP_FAILED)
		return p;
	if (madvise(p, o->size, adv) || madvise(p, o->size, MADV_POPULATE_WRITE)) {
		int err = errno;

		munmap(p, o->size);
		errno = err;
		return MAP_FAILED;
	}
	return p;
}

static const char *backing_name(enum backing b)
{
	return b == BACKING_THP ? "thp" : "4k";
}

struct mig_samples {
	double *to, *back, *copy, *r_to, *r_back, *extra, *r_net;
	double *cp_before, *cp_after;	/* the two memcpys of each round */
	unsigned int n_net;
	/* minimum over the rounds; -1: not known */
	long on_dev, home, thp_src, huge_dev, thp_back, thp_dst;
	long long folios_to, folios_back;
};

/* -2: no sample yet; a failed count (-errno) makes it -1, not known */
static void min_into(long *m, long v)
{
	if (v < 0)
		v = -1;
	if (*m == -2 || v < *m)
		*m = v;
}

static void min_into_ll(long long *m, long long v)
{
	if (*m == -2 || v < *m)
		*m = v;
}

static void mig_report(const struct opts *o, const struct mig_ops *ops,
		       struct mig_samples *s, unsigned int rounds, int data_ok)
{
	double to = o->size / median(s->to, rounds) / 1e6;
	double back = o->size / median(s->back, rounds) / 1e6;
	double cp = o->size / median(s->copy, 2 * rounds) / 1e6;
	double cp0 = o->size / median(s->cp_before, rounds) / 1e6;
	double cp1 = o->size / median(s->cp_after, rounds) / 1e6;
	double r_to = median(s->r_to, rounds), r_back = median(s->r_back, rounds);
	double extra = -1, r_net = -1;

	if (ops->to_extra && rounds)
		extra = median(s->extra, rounds);
	if (ops->to_extra && s->n_net)
		r_net = median(s->r_net, s->n_net);
	if (o->json) {
		printf("{\"workload\":\"%s\",\"path\":\"%s\",\"to\":\"%s\","
		       "\"back\":\"%s\",\"backing\":\"%s\",\"size\":%zu,"
		       "\"repeat\":%u,\"to_dev_mbps\":%.1f,\"to_sys_mbps\":%.1f,"
		       "\"memcpy_mbps\":%.1f,\"memcpy_before_mbps\":%.1f,"
		       "\"memcpy_after_mbps\":%.1f,\"to_dev_ratio\":%.3f,"
		       "\"to_sys_ratio\":%.3f,\"to_extra_s\":%.4f,"
		       "\"to_net_ratio\":%.3f,\"net_rounds\":%u,\"npages\":%zu,"
		       "\"pages_to_dev\":%ld,\"pages_back\":%ld,"
		       "\"thp_src\":%ld,\"huge_dev\":%ld,\"thp_back\":%ld,"
		       "\"thp_dst\":%ld,\"folios_to_dev\":%lld,"
		       "\"folios_back\":%lld,\"data_ok\":%s}\n",
		       ops->workload, ops->path, move_name(o->to),
		       move_name(o->back), backing_name(o->backing), o->size,
		       rounds, to, back, cp, cp0, cp1, r_to, r_back, extra, r_net,
		       s->n_net, o->size >> 12, s->on_dev, s->home, s->thp_src,
		       s->huge_dev, s->thp_back, s->thp_dst, s->folios_to,
		       s->folios_back, data_ok ? "true" : "false");
		return;
	}
	printf("  %zu MiB (%s) %s: to device (%s) %.1f MB/s, back (%s) %.1f MB/s, "
	       "memcpy %.1f MB/s (ratios %.2fx, %.2fx), median of %u\n"
	       "  memcpy before the round trip (from the fresh buffer) %.1f MB/s, "
	       "after it (from the buffer moved back) %.1f MB/s\n",
	       o->size >> 20, backing_name(o->backing), ops->path,
	       move_name(o->to), to, move_name(o->back), back, cp, r_to,
	       r_back, rounds, cp0, cp1);
	if (ops->to_extra)
		printf("  to device less its copy-out (%.3f s): %.2fx memcpy\n",
		       extra, r_net);
	printf("  pages (fewest in a round, of %zu): %ld reached the device, "
	       "%ld came back; in 2 MiB THPs: %ld before, %ld after; under "
	       "2 MiB device entries: %ld; data %s\n", o->size >> 12,
	       s->on_dev, s->home, s->thp_src, s->thp_back, s->huge_dev,
	       data_ok ? "intact" : "CORRUPT");
	if (s->folios_to >= 0)
		printf("  driver counters: %lld 2 MiB folios to the device, "
		       "%lld back\n", s->folios_to, s->folios_back);
}

/*
 * After a mismatch: how many 4 KiB pages of @buf differ from round @k's
 * pattern, the first few of them, and what the first differing word of each
 * holds (zeros, another round's data, data from elsewhere in the buffer),
 * so that a report says more than "word N differs".
 */
static void describe_mismatch(const char *what, const uint64_t *buf,
			      size_t size, unsigned int k)
{
	size_t nw = size / 8, i, pw = 4096 / 8, bad = 0, shown = 0;
	uint64_t seed = SEED + k;

	for (i = 0; i < nw; i += pw) {
		size_t j;

		for (j = i; j < i + pw && buf[j] == seed + j; j++)
			;
		if (j == i + pw)
			continue;
		if (bad++ >= 4)
			continue;
		shown++;
		fprintf(stderr, "svmbench:   %s page %zu (2 MiB chunk %zu) word "
			"%zu: 0x%llx, ", what, i / pw, i / (512 * pw), j - i,
			(unsigned long long)buf[j]);
		if (!buf[j])
			fprintf(stderr, "zero\n");
		else if (buf[j] - j >= SEED && buf[j] - j < SEED + 1000)
			fprintf(stderr, "round %llu's data for this word\n",
				(unsigned long long)(buf[j] - j - SEED + 1));
		else if (buf[j] - seed < nw)
			fprintf(stderr, "this round's data of page %llu\n",
				(unsigned long long)((buf[j] - seed) / pw));
		else
			fprintf(stderr, "not from the pattern\n");
	}
	fprintf(stderr, "svmbench:   %s: %zu of %zu pages differ%s\n", what, bad,
		size / 4096, bad > shown ? " (first 4 shown)" : "");
}

static double timed_memcpy(void *dst, const void *src, size_t n)
{
	double t0 = now_s();

	memcpy(dst, src, n);
	return now_s() - t0;
}

int mig_run(const struct opts *o, const struct mig_ops *ops, void *ctx)
{
	struct mig_samples s = {
		.on_dev = -2, .home = -2, .thp_src = -2, .huge_dev = -2,
		.thp_back = -2, .thp_dst = -1, .folios_to = -2,
		.folios_back = -2,
	};
	long npages = o->size >> 12, n, bad;
	long long f_to0 = 0, f_back0 = 0, f_to1, f_back1;
	unsigned int k;
	double *all, t0;
	uint64_t *buf = MAP_FAILED, *dst;
	int data_ok = 1, ret = 1;

	all = calloc(10 * o->repeat, sizeof(*all));
	if (!all)
		return 1;
	s.to = all;
	s.back = s.to + o->repeat;
	s.r_to = s.back + o->repeat;
	s.r_back = s.r_to + o->repeat;
	s.extra = s.r_back + o->repeat;
	s.r_net = s.extra + o->repeat;
	s.cp_before = s.r_net + o->repeat;
	s.cp_after = s.cp_before + o->repeat;
	s.copy = s.cp_after + o->repeat;	/* 2 per round */
	dst = mig_map(o);
	if (dst == MAP_FAILED) {
		fprintf(stderr, "svmbench: mapping %zu MiB: %s\n", o->size >> 20,
			strerror(errno));
		free(all);
		return 1;
	}
	s.thp_dst = huge_pages(dst, o->size, PAGE_IS_PRESENT);

	for (k = 0; k < o->repeat && data_ok; k++) {
		double c0, c1, extra = 0;

		buf = mig_map(o);
		if (buf == MAP_FAILED) {
			fprintf(stderr, "svmbench: mapping %zu MiB: %s\n",
				o->size >> 20, strerror(errno));
			goto out;
		}
		fill_pattern(buf, o->size, SEED + k);
		min_into(&s.thp_src, huge_pages(buf, o->size, PAGE_IS_PRESENT));

		c0 = timed_memcpy(dst, buf, o->size);
		if (!k && check_pattern(dst, o->size, SEED + k) >= 0) {
			fprintf(stderr, "svmbench: memcpy copy differs\n");
			goto out;
		}
		if (ops->to_fills_scratch)
			memset(dst, 0, o->size);
		if (ops->folios && ops->folios(ctx, o, &f_to0, &f_back0))
			s.folios_to = s.folios_back = -1;

		t0 = now_s();
		n = ops->to(ctx, o, buf, dst);
		s.to[k] = now_s() - t0;
		if (n < 0) {
			fprintf(stderr, "svmbench: to device: %s\n", strerror(-n));
			goto out;
		}
		n = ops->on_dev(ctx, o, buf);
		if (n < 0) {
			fprintf(stderr, "svmbench: residency: %s\n", strerror(-n));
			goto out;
		}
		min_into(&s.on_dev, n);
		min_into(&s.huge_dev, huge_pages(buf, o->size, PAGE_IS_SWAPPED));
		if (ops->to_fills_scratch &&
		    (bad = check_pattern(dst, o->size, SEED + k)) >= 0) {
			fprintf(stderr, "svmbench: round %u: device copy word %ld "
				"differs\n", k + 1, bad);
			data_ok = 0;
			describe_mismatch("device copy", dst, o->size, k);
		}
		if (ops->to_extra) {
			if (ops->to_fills_scratch)
				memset(dst, 0, o->size);
			t0 = now_s();
			n = ops->to_extra(ctx, o, buf, dst);
			extra = now_s() - t0;
			if (n < 0) {
				fprintf(stderr, "svmbench: copy-out: %s\n",
					strerror(-n));
				goto out;
			}
			if (ops->to_fills_scratch &&
			    (bad = check_pattern(dst, o->size, SEED + k)) >= 0) {
				fprintf(stderr, "svmbench: round %u: copy-out "
					"word %ld differs\n", k + 1, bad);
				data_ok = 0;
				describe_mismatch("copy-out", dst, o->size, k);
			}
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
		min_into(&s.home, npages - n);
		min_into(&s.thp_back, huge_pages(buf, o->size, PAGE_IS_PRESENT));
		if (ops->folios && s.folios_to != -1) {
			if (ops->folios(ctx, o, &f_to1, &f_back1)) {
				s.folios_to = s.folios_back = -1;
			} else {
				min_into_ll(&s.folios_to, f_to1 - f_to0);
				min_into_ll(&s.folios_back, f_back1 - f_back0);
			}
		}
		bad = check_pattern(buf, o->size, SEED + k);
		if (bad >= 0) {
			fprintf(stderr, "svmbench: round %u: word %ld differs\n",
				k + 1, bad);
			data_ok = 0;
			describe_mismatch("buffer", buf, o->size, k);
		}

		c1 = timed_memcpy(dst, buf, o->size);
		munmap(buf, o->size);
		buf = MAP_FAILED;
		s.copy[2 * k] = c0;
		s.copy[2 * k + 1] = c1;
		s.cp_before[k] = c0;
		s.cp_after[k] = c1;
		s.r_to[k] = (c0 + c1) / 2 / s.to[k];
		s.r_back[k] = (c0 + c1) / 2 / s.back[k];
		s.extra[k] = extra;
		/* a round whose copy-out took as long as the whole move is noise */
		if (ops->to_extra && s.to[k] > extra)
			s.r_net[s.n_net++] = (c0 + c1) / 2 / (s.to[k] - extra);
	}
	if (!ops->folios)
		s.folios_to = s.folios_back = -1;
	mig_report(o, ops, &s, k, data_ok);
	ret = data_ok ? 0 : 1;
out:
	if (buf != MAP_FAILED)
		munmap(buf, o->size);
	munmap(dst, o->size);
	free(all);
	return ret;
}
