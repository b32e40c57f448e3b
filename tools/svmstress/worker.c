// SPDX-License-Identifier: GPL-2.0
/*
 * svmstress: one worker process - its devices, its regions, its threads.
 * A thread picks a region, takes its lock, does one operation; the lock
 * makes the shadow exact, the many regions, threads, processes and devices
 * make the concurrency.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "svm_user.h"
#include "svmstress.h"

/* relative frequencies of the operations */
static const unsigned int weight[OP_NR] = {
	[OP_CPU_WRITE] = 10, [OP_CPU_READ] = 8, [OP_CPU_ATOMIC] = 4,
	[OP_DEV_WRITE] = 12, [OP_DEV_ATOMIC] = 5, [OP_DEV_FILL] = 4,
	[OP_DEV_READ] = 6, [OP_DEV_CHECKSUM] = 12, [OP_PREFETCH] = 6,
	[OP_HINT] = 4, [OP_PAGEOUT] = 6, [OP_DONTNEED] = 3,
	[OP_MPROTECT] = 2, [OP_MREMAP] = 2, [OP_MREMAP_DONTUNMAP] = 1,
	[OP_REMAP] = 1, [OP_FORK] = 1, [OP_VERIFY] = 1,
};

static struct worker wk;

static unsigned int pick_op(uint64_t *rng)
{
	unsigned int total = 0, op, r;

	for (op = 0; op < OP_NR; op++)
		total += (op == OP_FORK && sh->cfg.no_fork) ? 0 : weight[op];
	r = rng_below(rng, total);
	for (op = 0; op < OP_NR; op++) {
		unsigned int wgt = (op == OP_FORK && sh->cfg.no_fork) ? 0 : weight[op];

		if (r < wgt)
			return op;
		r -= wgt;
	}
	return OP_VERIFY;
}

static void *thread_main(void *arg)
{
	struct thread_ctx *t = arg;

	while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
		struct region *rg = &wk.reg[rng_below(&t->rng, sh->cfg.regions)];
		unsigned int op = pick_op(&t->rng);

		pthread_mutex_lock(&rg->lock);
		do_op(t, rg, op);
		pthread_mutex_unlock(&rg->lock);
	}
	return NULL;
}

int worker_main(unsigned int slot)
{
	static struct thread_ctx ctx[STRESS_MAX_THREADS];
	pthread_t th[STRESS_MAX_THREADS];
	uint64_t base;
	unsigned int i;
	int ret;

	setpgid(0, 0);
	wk.slot = slot;
	wk.ss = &sh->slot[slot];
	base = rng_mix(sh->cfg.seed, slot * 100003ULL + wk.ss->gen);
	for (i = 0; i < sh->cfg.ndevs; i++) {
		wk.fd[i] = emu_open(i);
		if (wk.fd[i] < 0 || (ret = emu_bind(wk.fd[i]))) {
			dprintf(2, "svmstress: worker %u: device %u: %s\n", slot, i,
				strerror(errno));
			return EXIT_SETUP;
		}
	}
	for (i = 0; i < sh->cfg.regions; i++) {
		struct region *rg = &wk.reg[i];

		pthread_mutex_init(&rg->lock, NULL);
		rg->idx = i;
		rg->s = &wk.ss->reg[i];
		rg->exp = region_exp(rg->s);
		ret = region_map(rg);
		if (ret) {
			dprintf(2, "svmstress: worker %u: mapping region %u (%s, %llu bytes): %s\n",
				slot, i, kind_name(rg->s->kind),
				(unsigned long long)rg->s->size, strerror(-ret));
			return EXIT_SETUP;
		}
	}
	for (i = 0; i < sh->cfg.threads; i++) {
		ctx[i].w = &wk;
		ctx[i].tid = i;
		ctx[i].rng = rng_mix(base, i + 1);
		if (pthread_create(&th[i], NULL, thread_main, &ctx[i])) {
			dprintf(2, "svmstress: worker %u: pthread_create failed\n", slot);
			return EXIT_SETUP;
		}
	}
	for (i = 0; i < sh->cfg.threads; i++)
		pthread_join(th[i], NULL);
	/* the end: every word of every region, from a device and the CPU */
	for (i = 0; i < sh->cfg.regions; i++)
		verify_region(&ctx[0], &wk.reg[i],
			      sh->cfg.ndevs ? (int)(i % sh->cfg.ndevs) : -1);
	return 0;
}
