// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench: a plan as the cost model sees it - the per-device cost trace
 * (optimum.h) that the optimum is computed on.
 *
 * Each access a device makes to a chunk becomes one event whose costs are
 * what kernel/emu/cost.c would charge, never more (the optimum must stay a
 * lower bound of every policy's modeled time):
 *  - local_ns / remote_ns: the bytes svm_emu's EXEC touches on each page
 *    (every word, or one per stride: the same walk as svm_emu_do_page()),
 *    over local memory's bandwidth or the fastest in-place link (the host
 *    link, or the peer link when the plan has a second device), rounded
 *    down per page as the kernel does;
 *  - load_ns: the pages this access touches, over the fastest way in (the
 *    host-to-device copy, or the peer link); grow_ns: the pages of this
 *    access the chunk's accesses since its last invalidation had not
 *    touched yet - a stay that reaches here must have them too;
 *  - evict_ns: after a write, its pages copied back over the
 *    device-to-host bandwidth; after a read, 0 (a clean copy may be a
 *    replica that is dropped);
 *  - inval_ns: 0.  Another agent's write moves the data back on that
 *    agent's account: the CPU's is not modeled and another device's is in
 *    its own time.
 * Fault service is not charged either: a clairvoyant placement does not
 * need to fault to know.  Loads are charged at the read-fault rate, the
 * faster of the two (cost.c), and the launch cost of each access, the same
 * for every placement, is added by the caller (suite.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "plan.h"

static uint64_t bytes_ns(uint64_t bytes, uint64_t mbps)
{
	return mbps ? bytes * 1000 / mbps : 0;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* What one access does to one chunk, summed over its pages. */
struct chunk_use {
	uint64_t local_ns, remote_ns;
	uint32_t pages, fresh;	/* pages touched; of them, new in the segment */
};

/*
 * Walk the words of step @s the way the kernel does and add each page's
 * bytes to the chunk it lies in (index relative to the step's first chunk).
 */
static void step_use(const struct plan_step *s, const struct opt_rates *c,
		     uint64_t remote_mbps, struct chunk_use *use,
		     uint64_t (*seen)[PLAN_CHUNK_PAGES / 64], uint32_t first)
{
	uint64_t pos = (uint64_t)s->page * PLAN_PAGE_SIZE;
	uint64_t end = pos + (uint64_t)s->npages * PLAN_PAGE_SIZE;

	while (pos < end) {
		uint64_t va = pos & ~(uint64_t)(PLAN_PAGE_SIZE - 1);
		uint64_t to = va + PLAN_PAGE_SIZE < end ? va + PLAN_PAGE_SIZE : end;
		uint64_t page = va / PLAN_PAGE_SIZE, n;
		uint32_t chunk = page / PLAN_CHUNK_PAGES - first;
		uint32_t in = page % PLAN_CHUNK_PAGES;
		struct chunk_use *u = &use[chunk];

		if (s->stride) {
			uint64_t k = (to - pos + s->stride - 1) / s->stride;

			n = 8 * k;
			pos += k * s->stride;
		} else {
			n = (to - pos) / 8 * 8;
			pos = to;
		}
		u->local_ns += bytes_ns(n, c->local_mbps);
		u->remote_ns += bytes_ns(n, remote_mbps);
		u->pages++;
		if (!(seen[chunk][in / 64] & (1ULL << (in % 64)))) {
			seen[chunk][in / 64] |= 1ULL << (in % 64);
			u->fresh++;
		}
	}
}

int plan_cost_trace(const struct plan *p, unsigned int dev,
		    const struct opt_rates *c, struct opt_trace *t)
{
	bool two = plan_dev_mask(p) & ~(1u << dev);
	uint64_t remote_mbps = two ? max_u64(c->host_mbps, c->peer_mbps) :
				     c->host_mbps;
	uint64_t in_mbps = two ? max_u64(c->h2d_mbps, c->peer_mbps) :
				 c->h2d_mbps;
	uint64_t (*seen)[PLAN_CHUNK_PAGES / 64] = NULL;
	struct chunk_use *use = NULL;
	uint32_t base[PLAN_MAX_BUFS], nchunks = 0;
	size_t i;
	int ret = -ENOMEM;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < p->nbufs; i++) {
		base[i] = nchunks;
		nchunks += p->buf_chunks[i];
	}
	seen = calloc(nchunks ? nchunks : 1, sizeof(*seen));
	use = calloc(nchunks ? nchunks : 1, sizeof(*use));
	if (!seen || !use)
		goto out;

	for (i = 0; i < p->nsteps; i++) {
		const struct plan_step *s = &p->steps[i];
		bool mine = s->agent == AG_DEV0 + dev;
		uint32_t k, first = s->page / PLAN_CHUNK_PAGES;
		uint32_t last = (s->page + s->npages - 1) / PLAN_CHUNK_PAGES;
		uint32_t id0 = base[s->buf] + first;

		/* others' reads leave this device's copy valid */
		if (!mine && s->op != OP_WRITE)
			continue;
		if (!mine) {
			for (k = 0; k <= last - first; k++) {
				struct opt_event e = {
					.chunk = id0 + k, .kind = OPT_INVAL,
				};

				memset(seen[id0 + k], 0, sizeof(seen[0]));
				ret = opt_trace_add(t, &e);
				if (ret)
					goto out;
			}
			continue;
		}
		memset(&use[id0], 0, (last - first + 1) * sizeof(*use));
		step_use(s, c, remote_mbps, &use[id0], &seen[id0], first);
		for (k = 0; k <= last - first; k++) {
			const struct chunk_use *u = &use[id0 + k];
			uint64_t bytes = (uint64_t)u->pages * PLAN_PAGE_SIZE;
			struct opt_event e = {
				.chunk = id0 + k, .kind = OPT_ACCESS,
				.local_ns = u->local_ns,
				.remote_ns = u->remote_ns,
				.load_ns = bytes_ns(bytes, in_mbps),
				.grow_ns = bytes_ns((uint64_t)u->fresh *
						    PLAN_PAGE_SIZE, in_mbps),
				.evict_ns = s->op == OP_WRITE ?
					    c->evict_ns +
					    bytes_ns(bytes, c->d2h_mbps) : 0,
			};

			/* a page not touched at all is not an access */
			if (!u->pages)
				continue;
			/*
			 * Local memory configured slower than a link: a
			 * lower bound may take the cheaper of the two.
			 */
			if (e.local_ns > e.remote_ns)
				e.local_ns = e.remote_ns;
			ret = opt_trace_add(t, &e);
			if (ret)
				goto out;
		}
	}
	ret = 0;
out:
	if (ret)
		opt_trace_free(t);
	free(seen);
	free(use);
	return ret;
}
