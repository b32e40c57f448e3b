// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench optimum: min-cost flow over one device's cost trace (the model
 * is in optimum.h).
 *
 * The network, for events 0..n-1:
 *
 *   T(t) -> T(t+1)        the time line: capacity @cap, cost 0 (a free slot)
 *   T(t) -> In(t)         a stay starts at access t: load_ns
 *   In(t) -> Out(t)       access t served locally: local_ns - remote_ns,
 *                         capacity 1 (an access is served once)
 *   Out(t) -> In(t')      the stay goes on to t', the chunk's next access,
 *                         with no invalidation between: grow_ns of t'
 *   Out(t) -> T(t+1)      the stay ends by eviction: evict_ns
 *   Out(t) -> T(v)        the chunk's next event is an invalidation at v:
 *                         the stay holds its slot until then, inval_ns
 *   Out(t) -> T(n)        nothing of the chunk happens after t: held to the
 *                         end, free
 *
 * Every access is first charged remote_ns; @cap units go from T(0) to T(n)
 * and a unit that leaves the time line is one slot holding one chunk.
 * Every edge goes forward in time, so the first potentials come from one
 * pass in topological order, and then successive shortest paths
 * (Dijkstra on reduced costs) push units while a path still lowers the
 * cost.  An access that cannot be served in place is charged a cost M
 * above any schedule's finite costs instead, so the optimum serves it
 * locally whenever a slot exists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "optimum.h"

#define NONE		UINT32_MAX
#define INF		INT64_MAX

int opt_trace_add(struct opt_trace *t, const struct opt_event *e)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 1024;
		struct opt_event *ev = realloc(t->ev, cap * sizeof(*ev));

		if (!ev)
			return -ENOMEM;
		t->ev = ev;
		t->cap = cap;
	}
	t->ev[t->n++] = *e;
	return 0;
}

void opt_trace_free(struct opt_trace *t)
{
	free(t->ev);
	memset(t, 0, sizeof(*t));
}

/* The residual network: edge e and e ^ 1 are each other's reverse. */
struct net {
	uint32_t nodes, edges;
	uint32_t *head, *next, *to;
	int64_t *resid, *cost;
};

static uint32_t node_t(size_t t)   { return 3 * t; }
static uint32_t node_in(size_t t)  { return 3 * t + 1; }
static uint32_t node_out(size_t t) { return 3 * t + 2; }

static uint32_t net_edge(struct net *g, uint32_t u, uint32_t v, int64_t cap,
			 int64_t cost)
{
	uint32_t e = g->edges;

	g->to[e] = v;
	g->resid[e] = cap;
	g->cost[e] = cost;
	g->next[e] = g->head[u];
	g->head[u] = e;
	g->to[e + 1] = u;
	g->resid[e + 1] = 0;
	g->cost[e + 1] = -cost;
	g->next[e + 1] = g->head[v];
	g->head[v] = e + 1;
	g->edges += 2;
	return e;
}

static void net_free(struct net *g)
{
	free(g->head);
	free(g->next);
	free(g->to);
	free(g->resid);
	free(g->cost);
}

/* A binary min-heap of (distance, node), entries may be stale. */
struct heap {
	int64_t *key;
	uint32_t *val;
	size_t n;
};

static void heap_push(struct heap *h, int64_t key, uint32_t val)
{
	size_t i = h->n++;

	while (i && h->key[(i - 1) / 2] > key) {
		h->key[i] = h->key[(i - 1) / 2];
		h->val[i] = h->val[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->key[i] = key;
	h->val[i] = val;
}

static void heap_pop(struct heap *h)
{
	int64_t key = h->key[--h->n];
	uint32_t val = h->val[h->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->key[c + 1] < h->key[c])
			c++;
		if (h->key[c] >= key)
			break;
		h->key[i] = h->key[c];
		h->val[i] = h->val[c];
		i = c;
	}
	h->key[i] = key;
	h->val[i] = val;
}

/*
 * Shortest paths from @s on reduced costs (non-negative by the potentials
 * @pot); @pred gets each node's incoming edge.  Nodes it cannot reach get
 * the largest distance it found, which keeps every reduced cost
 * non-negative for the next round.  Returns false if @t is unreachable.
 */
static bool dijkstra(const struct net *g, const int64_t *pot, uint32_t s,
		     uint32_t t, int64_t *dist, uint32_t *pred,
		     struct heap *h)
{
	int64_t far = 0;
	uint32_t v, e;

	for (v = 0; v < g->nodes; v++) {
		dist[v] = INF;
		pred[v] = NONE;
	}
	dist[s] = 0;
	h->n = 0;
	heap_push(h, 0, s);
	while (h->n) {
		int64_t d = h->key[0];
		uint32_t u = h->val[0];

		heap_pop(h);
		if (d > dist[u])
			continue;
		far = d;
		for (e = g->head[u]; e != NONE; e = g->next[e]) {
			uint32_t w = g->to[e];
			int64_t nd;

			if (!g->resid[e])
				continue;
			nd = d + g->cost[e] + pot[u] - pot[w];
			if (nd < dist[w]) {
				dist[w] = nd;
				pred[w] = e;
				heap_push(h, nd, w);
			}
		}
	}
	if (dist[t] == INF)
		return false;
	for (v = 0; v < g->nodes; v++)
		if (dist[v] == INF)
			dist[v] = far;
	return true;
}

static int add_u64(uint64_t *sum, uint64_t v)
{
	return __builtin_add_overflow(*sum, v, sum) ? -EINVAL : 0;
}

/*
 * M, the charge of an access that cannot be remote: above the finite
 * costs of every schedule together.  Also checks the costs: the flow's
 * path costs must fit in int64_t with room to spare.
 */
static int big_cost(const struct opt_trace *t, int64_t *big, size_t *nforced)
{
	uint64_t sum = 1;
	size_t i;

	*nforced = 0;
	for (i = 0; i < t->n; i++) {
		const struct opt_event *e = &t->ev[i];

		if (e->kind == OPT_INVAL)
			continue;
		if (e->kind != OPT_ACCESS)
			return -EINVAL;
		if (e->remote_ns == OPT_NO_REMOTE)
			(*nforced)++;
		else if (e->local_ns > e->remote_ns || add_u64(&sum, e->remote_ns))
			return -EINVAL;
		if (add_u64(&sum, e->local_ns) || add_u64(&sum, e->load_ns) ||
		    add_u64(&sum, e->grow_ns) || add_u64(&sum, e->evict_ns) ||
		    add_u64(&sum, e->inval_ns))
			return -EINVAL;
	}
	/* distances reach M times the forced accesses on one path */
	if (sum > (uint64_t)INT64_MAX / 4 / (*nforced + 1))
		return -EINVAL;
	*big = (int64_t)sum;
	return 0;
}

/*
 * For each event, the same chunk's next event: its index, or NONE.
 */
static int next_events(const struct opt_trace *t, uint32_t *next)
{
	uint32_t *last = NULL, nchunks = 0;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->ev[i].chunk >= nchunks)
			nchunks = t->ev[i].chunk + 1;
	last = malloc((nchunks ? nchunks : 1) * sizeof(*last));
	if (!last)
		return -ENOMEM;
	memset(last, 0xff, (nchunks ? nchunks : 1) * sizeof(*last));
	for (i = t->n; i-- > 0;) {
		next[i] = last[t->ev[i].chunk];
		last[t->ev[i].chunk] = i;
	}
	free(last);
	return 0;
}

/* The edges of one access that the result is read from. */
struct access_edges {
	uint32_t start, serve, evict;
};

static int build(struct net *g, const struct opt_trace *t, uint32_t cap,
		 int64_t big, const uint32_t *next, struct access_edges *ae)
{
	size_t i, n = t->n;

	g->nodes = 3 * n + 1;
	g->edges = 0;
	g->head = malloc(g->nodes * sizeof(*g->head));
	/* time line, and at most five edges per access */
	g->next = malloc(12 * (n + 1) * sizeof(*g->next));
	g->to = malloc(12 * (n + 1) * sizeof(*g->to));
	g->resid = malloc(12 * (n + 1) * sizeof(*g->resid));
	g->cost = malloc(12 * (n + 1) * sizeof(*g->cost));
	if (!g->head || !g->next || !g->to || !g->resid || !g->cost)
		return -ENOMEM;
	memset(g->head, 0xff, g->nodes * sizeof(*g->head));

	for (i = 0; i < n; i++) {
		const struct opt_event *e = &t->ev[i];
		uint32_t nx = next[i];
		int64_t saving;

		net_edge(g, node_t(i), node_t(i + 1), cap, 0);
		if (e->kind != OPT_ACCESS)
			continue;
		saving = (e->remote_ns == OPT_NO_REMOTE ? big :
			  (int64_t)e->remote_ns) - (int64_t)e->local_ns;
		ae[i].start = net_edge(g, node_t(i), node_in(i), 1,
				       (int64_t)e->load_ns);
		ae[i].serve = net_edge(g, node_in(i), node_out(i), 1, -saving);
		ae[i].evict = net_edge(g, node_out(i), node_t(i + 1), 1,
				       (int64_t)e->evict_ns);
		if (nx == NONE)
			net_edge(g, node_out(i), node_t(n), 1, 0);
		else if (t->ev[nx].kind == OPT_INVAL)
			net_edge(g, node_out(i), node_t(nx), 1,
				 (int64_t)e->inval_ns);
		else
			net_edge(g, node_out(i), node_in(nx), 1,
				 (int64_t)t->ev[nx].grow_ns);
	}
	return 0;
}

/* Potentials: shortest distances from T(0), in topological order. */
static void first_potentials(const struct net *g, int64_t *pot)
{
	uint32_t u, e;

	for (u = 0; u < g->nodes; u++)
		pot[u] = u ? INF : 0;
	for (u = 0; u < g->nodes; u++) {
		if (pot[u] == INF)
			continue;
		for (e = g->head[u]; e != NONE; e = g->next[e])
			if (g->resid[e] && pot[u] + g->cost[e] < pot[g->to[e]])
				pot[g->to[e]] = pot[u] + g->cost[e];
	}
}

/* Push units along shortest paths while they lower the cost. */
static int64_t flow(struct net *g, uint32_t cap, int64_t *pot, int64_t *dist,
		    uint32_t *pred, struct heap *h)
{
	uint32_t s = 0, t = g->nodes - 1, left = cap, v;
	int64_t total = 0;

	first_potentials(g, pot);
	while (left) {
		int64_t push = left, path;

		if (!dijkstra(g, pot, s, t, dist, pred, h))
			break;
		for (v = 0; v < g->nodes; v++)
			pot[v] += dist[v];
		path = pot[t] - pot[s];
		if (path >= 0)
			break;
		for (v = t; v != s; v = g->to[pred[v] ^ 1])
			if (g->resid[pred[v]] < push)
				push = g->resid[pred[v]];
		for (v = t; v != s; v = g->to[pred[v] ^ 1]) {
			g->resid[pred[v]] -= push;
			g->resid[pred[v] ^ 1] += push;
		}
		total += push * path;
		left -= push;
	}
	return total;
}

int opt_solve(const struct opt_trace *t, uint32_t cap, struct opt_result *r)
{
	struct net g = { 0 };
	struct heap h = { 0 };
	int64_t big, *pot = NULL, *dist = NULL;
	uint32_t *next = NULL, *pred = NULL;
	struct access_edges *ae = NULL;
	__int128 total = 0;
	size_t i, nforced;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = big_cost(t, &big, &nforced);
	if (ret)
		return ret;
	if (t->n > (UINT32_MAX - 1) / 12)
		return -EINVAL;
	if (!cap) {
		/* no device memory: everything in place */
		if (nforced)
			return -ENOSPC;
		for (i = 0; i < t->n; i++)
			if (t->ev[i].kind == OPT_ACCESS) {
				r->cost_ns += t->ev[i].remote_ns;
				r->remote++;
			}
		return 0;
	}

	ret = -ENOMEM;
	next = malloc((t->n + 1) * sizeof(*next));
	ae = malloc((t->n + 1) * sizeof(*ae));
	if (!next || !ae || next_events(t, next))
		goto out;
	if (build(&g, t, cap, big, next, ae))
		goto out;
	pot = malloc(g.nodes * sizeof(*pot));
	dist = malloc(g.nodes * sizeof(*dist));
	pred = malloc(g.nodes * sizeof(*pred));
	h.key = malloc(g.edges * sizeof(*h.key) + sizeof(*h.key));
	h.val = malloc(g.edges * sizeof(*h.val) + sizeof(*h.val));
	if (!pot || !dist || !pred || !h.key || !h.val)
		goto out;

	total = flow(&g, cap, pot, dist, pred, &h);
	for (i = 0; i < t->n; i++) {
		const struct opt_event *e = &t->ev[i];
		bool local;

		if (e->kind != OPT_ACCESS)
			continue;
		local = !g.resid[ae[i].serve];
		if (e->remote_ns == OPT_NO_REMOTE) {
			if (!local) {
				ret = -ENOSPC;
				goto out;
			}
			total += big;
		} else {
			total += e->remote_ns;
			r->remote += !local;
		}
		r->stays += !g.resid[ae[i].start];
		r->evictions += !g.resid[ae[i].evict];
	}
	if (total < 0 || total > UINT64_MAX) {
		ret = -EINVAL;
		goto out;
	}
	r->cost_ns = (uint64_t)total;
	ret = 0;
out:
	net_free(&g);
	free(h.key);
	free(h.val);
	free(pot);
	free(dist);
	free(pred);
	free(next);
	free(ae);
	return ret;
}
