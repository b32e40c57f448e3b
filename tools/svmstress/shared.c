// SPDX-License-Identifier: GPL-2.0
/*
 * svmstress: the shared area (shadow, journals, histories, counters).
 *
 * One MAP_SHARED anonymous mapping made by the supervisor before any fork:
 * every worker and fork child sees the same bytes, and a worker's SIGKILL
 * leaves its shadow for the supervisor to check against.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "svmstress.h"

struct shared *sh;

static const char *const kind_names[KIND_NR] = {
	[KIND_PRIVATE] = "private",
	[KIND_SHARED_ANON] = "shared_anon",
	[KIND_MEMFD] = "memfd",
	[KIND_FILE] = "file",
};

static const char *const op_names[OP_ALL] = {
	[OP_CPU_WRITE] = "cpu_write", [OP_CPU_READ] = "cpu_read",
	[OP_CPU_ATOMIC] = "cpu_atomic", [OP_DEV_WRITE] = "dev_write",
	[OP_DEV_ATOMIC] = "dev_atomic", [OP_DEV_FILL] = "dev_fill",
	[OP_DEV_READ] = "dev_read", [OP_DEV_CHECKSUM] = "dev_checksum",
	[OP_PREFETCH] = "prefetch", [OP_HINT] = "hint",
	[OP_PAGEOUT] = "madv_pageout", [OP_DONTNEED] = "madv_dontneed",
	[OP_MPROTECT] = "mprotect", [OP_MREMAP] = "mremap",
	[OP_MREMAP_DONTUNMAP] = "mremap_dontunmap", [OP_REMAP] = "munmap_mmap",
	[OP_FORK] = "fork", [OP_VERIFY] = "verify",
	[OP_KILLED] = "worker_killed", [OP_SUPERVISOR_CHECK] = "supervisor_check",
};

const char *kind_name(unsigned int kind)
{
	return kind < KIND_NR ? kind_names[kind] : "?";
}

const char *op_name(unsigned int op)
{
	return op < OP_ALL && op_names[op] ? op_names[op] : "?";
}

static uint64_t page_up(uint64_t n)
{
	return (n + STRESS_PAGE - 1) & ~(STRESS_PAGE - 1);
}

static uint64_t private_size;

/*
 * Private regions share out oversub x the devices' memory, so that the
 * migratable data is that many times what the devices hold; 2 MiB multiples.
 */
static bool cfg_private_size(const struct config *cfg, const unsigned int *kinds)
{
	unsigned int i, npriv = 0;
	double want;

	private_size = cfg->private_size;
	if (private_size)
		return true;
	for (i = 0; i < cfg->regions; i++)
		npriv += kinds[i] == KIND_PRIVATE;
	if (!npriv)
		return true;
	want = cfg->oversub * (double)cfg->dev_mem / (cfg->procs * npriv);
	private_size = ((uint64_t)want + STRESS_CHUNK - 1) & ~(STRESS_CHUNK - 1);
	if (!private_size)
		private_size = STRESS_CHUNK;
	return true;
}

/*
 * Lay out the area for cfg: header, then for each slot and region its
 * shadow.  Region sizes are fixed here; kinds cycle private, shared_anon,
 * private, memfd, private, file (skipping disabled ones).
 */
int shared_setup(const struct config *cfg)
{
	static const unsigned int cycle[] = {
		KIND_PRIVATE, KIND_SHARED_ANON, KIND_PRIVATE, KIND_MEMFD,
		KIND_PRIVATE, KIND_FILE,
	};
	uint64_t off = page_up(sizeof(struct shared)), total;
	unsigned int kinds[STRESS_MAX_REGIONS], i, p, k = 0;

	for (i = 0; i < cfg->regions; i++) {
		unsigned int tries;

		for (tries = 0; tries < 6; tries++, k++)
			if (cfg->kinds_mask & (1u << cycle[k % 6]))
				break;
		kinds[i] = cycle[k++ % 6];
	}
	if (!cfg_private_size(cfg, kinds))
		return -1;
	total = off;
	for (p = 0; p < cfg->procs; p++)
		for (i = 0; i < cfg->regions; i++)
			total += kinds[i] == KIND_PRIVATE ? private_size :
							  cfg->shared_size;
	sh = mmap(NULL, total, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		fprintf(stderr, "svmstress: shared area of %llu bytes: %s\n",
			(unsigned long long)total, strerror(errno));
		sh = NULL;
		return -1;
	}
	sh->cfg = *cfg;
	sh->cfg.private_size = private_size;
	for (p = 0; p < cfg->procs; p++) {
		for (i = 0; i < cfg->regions; i++) {
			struct region_sh *r = &sh->slot[p].reg[i];

			r->kind = kinds[i];
			r->fd = -1;
			r->size = kinds[i] == KIND_PRIVATE ? private_size :
							     cfg->shared_size;
			r->nwords = r->size / 8;
			r->exp_off = off;
			off += r->size;
		}
	}
	return 0;
}

uint64_t *region_exp(struct region_sh *r)
{
	return (uint64_t *)((char *)sh + r->exp_off);
}

uint64_t next_seq(void)
{
	return CNT_ADD(seq, 1);
}

void hist_add(struct region_sh *r, uint32_t op, uint32_t tid, uint32_t dev,
	      uint64_t w0, uint64_t nw, uint64_t param, int ret)
{
	/* the region's lock is held: one writer at a time */
	struct hist *h = &r->hist[r->hist_head++ % STRESS_HIST];

	h->seq = next_seq();
	h->op = op;
	h->ret = ret;
	h->dev = dev;
	h->tid = tid;
	h->w0 = w0;
	h->nw = nw;
	h->param = param;
}

uint64_t write_value(uint32_t kind, uint64_t param, uint64_t i, uint64_t old)
{
	switch (kind) {
	case WR_SEQ:
		return param + i;
	case WR_ADD:
		return old + param;
	case WR_FILL:
		return 0x0101010101010101ULL * (uint8_t)param;
	}
	return old;
}

/*
 * The journal entry is written before the memory is touched and cleared
 * after the shadow took the new values, with full barriers: a SIGKILL at
 * any point leaves either no entry (shadow exact) or one whose words read
 * the shadow's value or the write's value of it.
 */
void journal_set(struct journal *j, uint32_t kind, uint32_t region,
		 uint64_t w0, uint64_t nw, uint64_t param)
{
	j->region = region;
	j->w0 = w0;
	j->nw = nw;
	j->param = param;
	__atomic_store_n(&j->kind, kind, __ATOMIC_SEQ_CST);
}

void journal_clear(struct journal *j)
{
	__atomic_store_n(&j->kind, WR_NONE, __ATOMIC_SEQ_CST);
}
