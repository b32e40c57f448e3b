// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench workloads, written down as plans (plan.h): which agent touches
 * which pages, in which order.  Every random choice comes from one seeded
 * generator, so a plan - and the counters of running it - repeat exactly.
 *
 * Sizes: W = ratio x device 0's memory, in 2 MiB chunks.  Whole-chunk
 * device reads touch every byte (stride 0); writes too, unless the plan
 * parameters ask for one word per page (write_stride 4 KiB: the plans the
 * H100 figures were measured with, tools/svmbench/h100-uvm.csv), which
 * faults every page like a full write would but moves 8 bytes a page over
 * a remote mapping.  Random accesses are 64 KiB blocks
 * (GNN gathers: 4 KiB rows), so a chunk-granular policy loads 2 MiB to use
 * a piece of it - exactly the trade-off policies differ on.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "plan.h"

#define BLOCK_PAGES	16u	/* 64 KiB random blocks */
#define TENANT_TURN	8u	/* accesses per tenant before the other runs */

uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t rng_below(struct rng *r, uint32_t n)
{
	/* the modulo bias is below 2^-32 for our n: irrelevant here */
	return (uint32_t)(rng_next(r) % n);
}

static int plan_buf(struct plan *p, uint32_t chunks, uint8_t proc)
{
	if (p->nbufs == PLAN_MAX_BUFS || !chunks)
		return -EINVAL;
	p->buf_chunks[p->nbufs] = chunks;
	p->buf_proc[p->nbufs] = proc;
	return p->nbufs++;
}

int plan_push(struct plan *p, const struct plan_step *step)
{
	if (p->nsteps == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 256;
		struct plan_step *s = realloc(p->steps, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		p->steps = s;
		p->cap = cap;
	}
	p->steps[p->nsteps++] = *step;
	return 0;
}

static int plan_add(struct plan *p, uint8_t proc, uint8_t agent, uint8_t op,
		    uint8_t buf, uint32_t page, uint32_t npages, uint32_t stride)
{
	/* oracle.c relies on a stride of at most a page */
	if (buf >= p->nbufs || !npages || stride > PLAN_PAGE_SIZE ||
	    page + npages > p->buf_chunks[buf] * PLAN_CHUNK_PAGES ||
	    p->buf_proc[buf] != proc)
		return -EINVAL;
	return plan_push(p, &(struct plan_step){
		.proc = proc, .agent = agent, .op = op, .buf = buf,
		.page = page, .npages = npages, .stride = stride,
	});
}

/* One access per chunk of the buffer, in address order. */
static int plan_chunks(struct plan *p, uint8_t agent, uint8_t op, uint8_t buf)
{
	uint32_t stride = op == OP_WRITE && agent != AG_CPU ? p->write_stride : 0, c;
	int ret = 0;

	for (c = 0; c < p->buf_chunks[buf] && !ret; c++)
		ret = plan_add(p, p->buf_proc[buf], agent, op, buf,
			       c * PLAN_CHUNK_PAGES, PLAN_CHUNK_PAGES, stride);
	return ret;
}

static int plan_block(struct plan *p, uint8_t proc, uint8_t buf,
		      uint32_t chunk, struct rng *r)
{
	uint32_t page = chunk * PLAN_CHUNK_PAGES +
		rng_below(r, PLAN_CHUNK_PAGES / BLOCK_PAGES) * BLOCK_PAGES;

	return plan_add(p, proc, AG_DEV0, OP_READ, buf, page, BLOCK_PAGES, 0);
}

uint32_t plan_ws_chunks(const struct plan_params *pp)
{
	uint32_t w = (uint32_t)lround(pp->ratio * pp->cap_chunks);

	return w < 2 ? 2 : w;
}

/* The LLM-weights stream: every pass reads the whole set in order. */
static int wl_sweep(struct plan *p, const struct plan_params *pp)
{
	unsigned int i;
	int b = plan_buf(p, plan_ws_chunks(pp), 0), ret = 0;

	for (i = 0; i < pp->passes && !ret && b >= 0; i++)
		ret = plan_chunks(p, AG_DEV0, OP_READ, b);
	return b < 0 ? b : ret;
}

static int wl_random(struct plan *p, const struct plan_params *pp)
{
	uint32_t w = plan_ws_chunks(pp), i;
	struct rng r = { pp->seed };
	int b = plan_buf(p, w, 0), ret = 0;

	for (i = 0; i < pp->passes * w && !ret && b >= 0; i++)
		ret = plan_block(p, 0, b, rng_below(&r, w), &r);
	return b < 0 ? b : ret;
}

/*
 * Zipf (s = 1) over the chunks, hot chunks scattered by a random
 * permutation so that address order says nothing about heat.
 */
static int wl_zipf(struct plan *p, const struct plan_params *pp)
{
	uint32_t w = plan_ws_chunks(pp), i, *perm;
	struct rng r = { pp->seed };
	int b = plan_buf(p, w, 0), ret = 0;
	double *cdf, sum = 0;

	if (b < 0)
		return b;
	perm = calloc(w, sizeof(*perm));
	cdf = calloc(w, sizeof(*cdf));
	if (!perm || !cdf) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < w; i++) {
		perm[i] = i;
		sum += 1.0 / (i + 1);
		cdf[i] = sum;
	}
	for (i = w - 1; i > 0; i--) {
		uint32_t j = rng_below(&r, i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < pp->passes * w && !ret; i++) {
		/* 53 random bits -> [0, sum); first rank whose cdf exceeds it */
		double u = (rng_next(&r) >> 11) * (1.0 / 9007199254740992.0) * sum;
		uint32_t lo = 0, hi = w - 1;

		while (lo < hi) {
			uint32_t mid = (lo + hi) / 2;

			if (cdf[mid] > u)
				hi = mid;
			else
				lo = mid + 1;
		}
		ret = plan_block(p, 0, b, perm[lo], &r);
	}
out:
	free(perm);
	free(cdf);
	return ret;
}

/*
 * 1-D three-point Jacobi stencil over two arrays of W/2 chunks: read
 * src[i-1..i+1], write dst[i]; then the arrays swap roles.
 */
static int wl_stencil(struct plan *p, const struct plan_params *pp)
{
	uint32_t w = plan_ws_chunks(pp), half = w / 2, i;
	int a = plan_buf(p, half, 0), b = plan_buf(p, w - half, 0), ret = 0;
	unsigned int it;

	if (a < 0 || b < 0)
		return -EINVAL;
	for (it = 0; it < pp->passes && !ret; it++) {
		uint8_t src = it % 2 ? b : a, dst = it % 2 ? a : b;
		uint32_t n = p->buf_chunks[src] < p->buf_chunks[dst] ?
			     p->buf_chunks[src] : p->buf_chunks[dst];

		for (i = 0; i < n && !ret; i++) {
			uint32_t lo = i ? i - 1 : 0, hi = i + 1 < n ? i + 1 : i;

			ret = plan_add(p, 0, AG_DEV0, OP_READ, src,
				       lo * PLAN_CHUNK_PAGES,
				       (hi - lo + 1) * PLAN_CHUNK_PAGES, 0);
			if (!ret)
				ret = plan_add(p, 0, AG_DEV0, OP_WRITE, dst,
					       i * PLAN_CHUNK_PAGES,
					       PLAN_CHUNK_PAGES, p->write_stride);
		}
	}
	return ret;
}

/*
 * The GPU writes the buffer, then the CPU updates it, round after round.
 * Advice: keep it in system memory, mapped by the GPU (preferred = CPU,
 * accessed-by = GPU 0): nothing moves.
 *
 * PINGPONG_CPU_ROUNDS rounds per pass: without advice, the first round's
 * migration to the GPU and back is unavoidable (nothing has ping-ponged
 * yet), so over 4 rounds a policy that stops the ping-pong after one round
 * still moves a quarter of what the default moves; issue 5 asks for 10x
 * fewer bytes than uvm, which only a run of more than 10 rounds can show.
 */
#define PINGPONG_CPU_ROUNDS	4

static int wl_pingpong_cpu(struct plan *p, const struct plan_params *pp)
{
	int b = plan_buf(p, plan_ws_chunks(pp), 0), ret = 0;
	unsigned int i;

	if (b >= 0)
		p->advice[b] = (struct plan_advice){ true, PLAN_LOC_SYSTEM, 1, 0 };
	for (i = 0; i < PINGPONG_CPU_ROUNDS * pp->passes && !ret && b >= 0;
	     i++) {
		ret = plan_chunks(p, AG_DEV0, OP_WRITE, b);
		if (!ret)
			ret = plan_chunks(p, AG_CPU, OP_WRITE, b);
	}
	return b < 0 ? b : ret;
}

/*
 * GPU 0 and GPU 1 take turns writing the same buffer.  Advice: it lives on
 * GPU 0, GPU 1 maps it over the peer link.
 */
static int wl_pingpong_gpu(struct plan *p, const struct plan_params *pp)
{
	int b = plan_buf(p, plan_ws_chunks(pp), 0), ret = 0;
	unsigned int i;

	if (b >= 0)
		p->advice[b] = (struct plan_advice){ true, 0, 2, 0 };
	for (i = 0; i < pp->passes && !ret && b >= 0; i++) {
		ret = plan_chunks(p, AG_DEV0, OP_WRITE, b);
		if (!ret)
			ret = plan_chunks(p, AG_DEV1, OP_WRITE, b);
	}
	return b < 0 ? b : ret;
}

/*
 * Two GPUs read the same buffer in turns; after each round the CPU updates
 * one random chunk (read-mostly, not read-only).  Advice: read-mostly.
 */
static int wl_shared_read(struct plan *p, const struct plan_params *pp)
{
	uint32_t w = plan_ws_chunks(pp);
	struct rng r = { pp->seed };
	int b = plan_buf(p, w, 0), ret = 0;
	unsigned int i;

	if (b >= 0)
		p->advice[b] = (struct plan_advice){ true, PLAN_LOC_NONE, 0, 1 };
	for (i = 0; i < pp->passes && !ret && b >= 0; i++) {
		ret = plan_chunks(p, AG_DEV0, OP_READ, b);
		if (!ret)
			ret = plan_chunks(p, AG_DEV1, OP_READ, b);
		if (!ret)
			ret = plan_add(p, 0, AG_CPU, OP_WRITE, b,
				       rng_below(&r, w) * PLAN_CHUNK_PAGES,
				       PLAN_CHUNK_PAGES, 0);
	}
	return b < 0 ? b : ret;
}

/*
 * Two processes on GPU 0, each reading random blocks of its own half of
 * the working set, taking turns of TENANT_TURN accesses (the runner keeps
 * them in lockstep, so the interleaving is the plan's, not the scheduler's).
 */
static int wl_tenants(struct plan *p, const struct plan_params *pp)
{
	uint32_t w = plan_ws_chunks(pp), n = pp->passes * w, i;
	struct rng r = { pp->seed };
	int b[2], ret = 0;

	b[0] = plan_buf(p, w / 2, 0);
	b[1] = plan_buf(p, w - w / 2, 1);
	if (b[0] < 0 || b[1] < 0)
		return -EINVAL;
	for (i = 0; i < n && !ret; i++) {
		uint8_t t = (i / TENANT_TURN) % 2;

		ret = plan_block(p, t, b[t], rng_below(&r, p->buf_chunks[b[t]]),
				 &r);
	}
	return ret;
}

/* GNN feature lookup: 4 KiB rows gathered from random places of a table. */
static int wl_gather(struct plan *p, const struct plan_params *pp)
{
	uint32_t w = plan_ws_chunks(pp), i;
	struct rng r = { pp->seed };
	int b = plan_buf(p, w, 0), ret = 0;

	for (i = 0; i < 2 * pp->passes * w && !ret && b >= 0; i++)
		ret = plan_add(p, 0, AG_DEV0, OP_READ, b,
			       rng_below(&r, w * PLAN_CHUNK_PAGES), 1, 0);
	return b < 0 ? b : ret;
}

/*
 * LLM decode (the case gpu_ext reports on): per token, every layer reads
 * its weights (3/4 of the working set, streamed layer by layer) and its KV
 * cache so far, then appends the token's entries to the cache.  The cache
 * grows linearly to the other quarter by the last token
 * (LLM_TOKENS_PER_PASS per pass).
 */
#define LLM_LAYERS		8u
#define LLM_TOKENS_PER_PASS	8u

static int wl_llm_decode(struct plan *p, const struct plan_params *pp)
{
	uint32_t w = plan_ws_chunks(pp);
	uint32_t layers = w >= 2 * LLM_LAYERS ? LLM_LAYERS : w / 2;
	uint32_t kvl = w / 4 / layers ? w / 4 / layers : 1;	/* chunks per layer */
	uint32_t wt = w - kvl * layers, tokens = LLM_TOKENS_PER_PASS * pp->passes;
	uint32_t kvl_pages = kvl * PLAN_CHUNK_PAGES, t, l, c;
	int wb = plan_buf(p, wt, 0), kb = plan_buf(p, kvl * layers, 0), ret = 0;

	if (wb < 0 || kb < 0)
		return -EINVAL;
	for (t = 0; t < tokens && !ret; t++) {
		/* KV pages per layer before and after this token: >= 1 */
		uint32_t prev = t ? (uint32_t)((uint64_t)t * kvl_pages / tokens) : 0;
		uint32_t cur = (uint32_t)((uint64_t)(t + 1) * kvl_pages / tokens);

		if (cur <= prev)
			cur = prev + 1;
		for (l = 0; l < layers && !ret; l++) {
			uint32_t kv0 = l * kvl_pages;

			for (c = l * wt / layers; c < (l + 1) * wt / layers && !ret; c++)
				ret = plan_add(p, 0, AG_DEV0, OP_READ, wb,
					       c * PLAN_CHUNK_PAGES,
					       PLAN_CHUNK_PAGES, 0);
			if (!ret && prev)
				ret = plan_add(p, 0, AG_DEV0, OP_READ, kb, kv0,
					       prev, 0);
			if (!ret)
				ret = plan_add(p, 0, AG_DEV0, OP_WRITE, kb,
					       kv0 + prev, cur - prev,
					       p->write_stride);
		}
	}
	return ret;
}

/*
 * GNN training: per epoch (pass) GNN_BATCHES minibatches, each reading the
 * graph (CSR, a quarter of the working set: hot, reused every minibatch),
 * gathering random 4 KiB feature rows (as many as the feature table has
 * chunks) and writing back the embedding rows of an eighth of them.
 */
#define GNN_BATCHES	4u

static int wl_gnn_train(struct plan *p, const struct plan_params *pp)
{
	uint32_t w = plan_ws_chunks(pp), g = w / 4 ? w / 4 : 1, f = w - g;
	uint32_t e, mb, i, c;
	struct rng r = { pp->seed };
	int gb = plan_buf(p, g, 0), fb = plan_buf(p, f, 0), ret = 0;

	if (gb < 0 || fb < 0)
		return -EINVAL;
	for (e = 0; e < pp->passes && !ret; e++) {
		for (mb = 0; mb < GNN_BATCHES && !ret; mb++) {
			for (c = 0; c < g && !ret; c++)
				ret = plan_add(p, 0, AG_DEV0, OP_READ, gb,
					       c * PLAN_CHUNK_PAGES,
					       PLAN_CHUNK_PAGES, 0);
			for (i = 0; i < f && !ret; i++) {
				uint32_t row = rng_below(&r, f * PLAN_CHUNK_PAGES);

				ret = plan_add(p, 0, AG_DEV0, OP_READ, fb, row,
					       1, 0);
				if (!ret && i % 8 == 7)
					ret = plan_add(p, 0, AG_DEV0, OP_WRITE,
						       fb, row, 1,
						       p->write_stride);
			}
		}
	}
	return ret;
}

const struct plan_workload plan_workloads[] = {
	{ "sweep", "repeated sequential read (LLM weights streamed through the GPU)", 1, wl_sweep },
	{ "random", "uniform random 64 KiB reads", 1, wl_random },
	{ "zipf", "Zipf(1) hot/cold 64 KiB reads, hot chunks scattered", 1, wl_zipf },
	{ "stencil", "3-point Jacobi stencil over two arrays", 1, wl_stencil },
	{ "pingpong-cpu", "GPU writes, then CPU updates, each round", 1, wl_pingpong_cpu },
	{ "pingpong-gpu", "GPU 0 and GPU 1 write the same buffer in turns", 2, wl_pingpong_gpu },
	{ "shared-read", "two GPUs read one buffer; the CPU rarely writes", 2, wl_shared_read },
	{ "tenants", "two processes on GPU 0, random reads of their own data", 1, wl_tenants },
	{ "gather", "random 4 KiB row gather (GNN feature lookup)", 1, wl_gather },
	{ "llm-decode", "LLM decode: weights streamed per layer, KV cache growing per token", 1, wl_llm_decode },
	{ "gnn-train", "GNN training: hot graph, random feature gathers, embedding writes", 1, wl_gnn_train },
};
const size_t plan_nworkloads = sizeof(plan_workloads) / sizeof(plan_workloads[0]);

const struct plan_workload *plan_workload_find(const char *name)
{
	size_t i;

	for (i = 0; i < plan_nworkloads; i++)
		if (!strcmp(plan_workloads[i].name, name))
			return &plan_workloads[i];
	return NULL;
}

int plan_build(const struct plan_workload *w, const struct plan_params *pp,
	       struct plan *p)
{
	int ret;

	memset(p, 0, sizeof(*p));
	strncpy(p->name, w->name, sizeof(p->name) - 1);
	if (!pp->cap_chunks || pp->ratio <= 0 || !pp->passes ||
	    (pp->write_stride && pp->write_stride != PLAN_PAGE_SIZE))
		return -EINVAL;
	p->write_stride = pp->write_stride;
	ret = w->build(p, pp);
	if (ret)
		plan_free(p);
	return ret;
}

void plan_free(struct plan *p)
{
	free(p->steps);
	p->steps = NULL;
	p->nsteps = p->cap = 0;
}

bool plan_has_advice(const struct plan *p)
{
	unsigned int b;

	for (b = 0; b < p->nbufs; b++)
		if (p->advice[b].set)
			return true;
	return false;
}

unsigned int plan_dev_mask(const struct plan *p)
{
	unsigned int m = 0;
	size_t i;

	for (i = 0; i < p->nsteps; i++)
		if (p->steps[i].agent != AG_CPU)
			m |= 1u << (p->steps[i].agent - AG_DEV0);
	return m;
}

uint64_t plan_dev_accesses(const struct plan *p, unsigned int dev)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < p->nsteps; i++)
		n += p->steps[i].agent == AG_DEV0 + dev;
	return n;
}
