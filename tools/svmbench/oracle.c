// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench oracle: per-device chunk traces of a plan, and the misses of
 * Belady's MIN (and of LRU, for reference) on them.
 *
 * The model: a device can only access a chunk that is loaded in its own
 * memory, which holds @cap chunks.  A chunk is loaded on its first access,
 * after it was evicted, and after another agent (the CPU or another device)
 * wrote it - that write makes this device's copy stale.  Reads by others do
 * not: a policy that duplicates read-mostly data may keep its copy, so MIN
 * stays a lower bound for every policy that serves accesses from device
 * memory.  MIN evicts the chunk whose next access is farthest away; a chunk
 * that will be invalidated before its next access counts as never used again.
 * Prefetching cannot beat it either: for a count of loads, demand loading is
 * optimal (Belady 1966; Mattson et al. 1970).
 *
 * Device capacities are a few dozen chunks, so the victim is found by a scan
 * of the cache: O(events x capacity), simple enough to check by eye.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "plan.h"

#define NEVER	UINT64_MAX

int trace_add(struct trace *t, uint32_t id, bool inval)
{
	if (id & TRACE_INVAL)
		return -EINVAL;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 1024;
		uint32_t *ev = realloc(t->ev, cap * sizeof(*ev));

		if (!ev)
			return -ENOMEM;
		t->ev = ev;
		t->cap = cap;
	}
	t->ev[t->n++] = id | (inval ? TRACE_INVAL : 0);
	if (id >= t->nids)
		t->nids = id + 1;
	return 0;
}

void trace_free(struct trace *t)
{
	free(t->ev);
	memset(t, 0, sizeof(*t));
}

uint64_t trace_accesses(const struct trace *t)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < t->n; i++)
		n += !(t->ev[i] & TRACE_INVAL);
	return n;
}

int plan_trace(const struct plan *p, unsigned int dev, struct trace *t)
{
	uint32_t base[PLAN_MAX_BUFS], id = 0;
	size_t i;
	int ret;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < p->nbufs; i++) {
		base[i] = id;
		id += p->buf_chunks[i];
	}
	for (i = 0; i < p->nsteps; i++) {
		const struct plan_step *s = &p->steps[i];
		bool mine = s->agent == AG_DEV0 + dev;
		uint32_t c, first = s->page / PLAN_CHUNK_PAGES;
		uint32_t last = (s->page + s->npages - 1) / PLAN_CHUNK_PAGES;

		/* others' reads leave this device's copy valid */
		if (!mine && s->op != OP_WRITE)
			continue;
		/* steps stride at most a page, so every chunk in range is touched */
		for (c = first; c <= last; c++) {
			ret = trace_add(t, base[s->buf] + c, !mine);
			if (ret) {
				trace_free(t);
				return ret;
			}
		}
	}
	return 0;
}

/*
 * Replay @t through a cache of @cap chunks; on a miss with a full cache the
 * chunk with the largest key goes.  MIN keys a chunk by its next access
 * (NEVER if none, or if an invalidation comes first); LRU by the negated
 * time of its last access.
 */
static uint64_t replay(const struct trace *t, uint32_t cap, bool min)
{
	uint64_t *next = NULL, *key = NULL, *upcoming = NULL, misses = 0;
	uint32_t *cache = NULL, ncached = 0;
	bool *in = NULL;
	size_t i;

	if (!cap || !t->n)
		return 0;
	next = calloc(t->n, sizeof(*next));
	key = calloc(t->nids, sizeof(*key));
	upcoming = calloc(t->nids, sizeof(*upcoming));
	cache = calloc(cap, sizeof(*cache));
	in = calloc(t->nids, sizeof(*in));
	if (!next || !key || !upcoming || !cache || !in) {
		misses = NEVER;
		goto out;
	}

	/* backwards: the next access of each chunk, cut at invalidations */
	for (i = 0; i < t->nids; i++)
		upcoming[i] = NEVER;
	for (i = t->n; i-- > 0;) {
		uint32_t id = t->ev[i] & ~TRACE_INVAL;

		if (t->ev[i] & TRACE_INVAL) {
			upcoming[id] = NEVER;
		} else {
			next[i] = upcoming[id];
			upcoming[id] = i;
		}
	}

	for (i = 0; i < t->n; i++) {
		uint32_t id = t->ev[i] & ~TRACE_INVAL, k;

		if (t->ev[i] & TRACE_INVAL) {
			if (!in[id])
				continue;
			for (k = 0; cache[k] != id; k++)
				;
			cache[k] = cache[--ncached];
			in[id] = false;
			continue;
		}
		if (!in[id]) {
			misses++;
			if (ncached == cap) {
				uint32_t victim = 0;

				for (k = 1; k < ncached; k++)
					if (key[cache[k]] > key[cache[victim]])
						victim = k;
				in[cache[victim]] = false;
				cache[victim] = cache[--ncached];
			}
			cache[ncached++] = id;
			in[id] = true;
		}
		key[id] = min ? next[i] : NEVER - i;
	}
out:
	free(next);
	free(key);
	free(upcoming);
	free(cache);
	free(in);
	return misses;
}

uint64_t oracle_min(const struct trace *t, uint32_t cap)
{
	return replay(t, cap, true);
}

uint64_t oracle_lru(const struct trace *t, uint32_t cap)
{
	return replay(t, cap, false);
}
