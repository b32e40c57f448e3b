// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench replay: reading a trace file and turning it into a plan
 * (replay.h says what becomes of each record).  A trace file is untrusted
 * input: every size, count and field is checked before it is used.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "replay.h"

#define CHUNK_BYTES	(1ULL << REPLAY_CHUNK_SHIFT)
#define ATTR_PREFERRED_LOC	1	/* enum svm_ext_attr_type */
#define ATTR_ACCESSED_BY	3
#define ATTR_READ_MOSTLY	4

const char *const replay_hint_skip_names[HINT_NSKIP] = {
	[HINT_FAILED] = "refused by the kernel (changed nothing)",
	[HINT_TYPE] = "a type the plan cannot hold (granularity)",
	[HINT_VALUE] = "a location or device beyond the plan's two devices",
	[HINT_PARTIAL] = "covering only part of a buffer's touched memory",
	[HINT_LATE] = "after the buffer's first access",
	[HINT_UNTOUCHED] = "over memory the trace never touched",
};

static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -e;
}

static void header_from_le(struct svm_trace_header *h)
{
	int i;

	h->version = le16toh(h->version);
	h->header_size = le16toh(h->header_size);
	h->record_size = le16toh(h->record_size);
	h->ndevs = le16toh(h->ndevs);
	h->tgid = le32toh(h->tgid);
	h->flags = le32toh(h->flags);
	h->start_ns = le64toh(h->start_ns);
	h->duration_ns = le64toh(h->duration_ns);
	h->nrecords = le64toh(h->nrecords);
	h->lost = le64toh(h->lost);
	for (i = 0; i < SVM_TRACE_MAX_DEVS; i++)
		h->dev_mem[i] = le64toh(h->dev_mem[i]);
}

/* 0, or -EINVAL with the reason for record @i in @err. */
static int check_rec(const struct svm_trace_rec *r, size_t i, char *err,
		     size_t errlen)
{
	switch (r->kind) {
	case SVM_TRACE_FAULT:
		if (r->dev == SVM_TRACE_DEV_NONE)
			return fail(err, errlen, EINVAL,
				    "record %zu: a device fault without a device", i);
		if (r->op > 2)
			return fail(err, errlen, EINVAL,
				    "record %zu: device fault of unknown access kind %u",
				    i, r->op);
		/* both kinds are at a page */
		/* fall through */
	case SVM_TRACE_CPU_FAULT:
		if (r->addr % PLAN_PAGE_SIZE)
			return fail(err, errlen, EINVAL,
				    "record %zu: fault address 0x%llx is not page-aligned",
				    i, (unsigned long long)r->addr);
		return 0;
	case SVM_TRACE_MIGRATE:
		if (r->op > SVM_TRACE_TO_SYSTEM)
			return fail(err, errlen, EINVAL,
				    "record %zu: migration of unknown direction %u",
				    i, r->op);
		/* a window, like a hint's span */
		/* fall through */
	case SVM_TRACE_ADVISE:
		if (r->end <= r->addr)
			return fail(err, errlen, EINVAL,
				    "record %zu: empty or inverted span [0x%llx, 0x%llx)",
				    i, (unsigned long long)r->addr,
				    (unsigned long long)r->end);
		return 0;
	case SVM_TRACE_INVALIDATE:
		if (r->end < r->addr)
			return fail(err, errlen, EINVAL,
				    "record %zu: inverted span [0x%llx, 0x%llx)",
				    i, (unsigned long long)r->addr,
				    (unsigned long long)r->end);
		return 0;
	case SVM_TRACE_EVICT:
		return 0;
	default:
		return fail(err, errlen, EINVAL, "record %zu: unknown kind %u",
			    i, r->kind);
	}
}

int replay_trace_parse(const void *buf, size_t len, struct replay_trace *t,
		       char *err, size_t errlen)
{
	const unsigned char *b = buf;
	struct svm_trace_header h;
	uint64_t body, want;
	size_t i;
	int ret;

	memset(t, 0, sizeof(*t));
	if (len < SVM_TRACE_MAGIC_LEN || memcmp(b, SVM_TRACE_MAGIC, SVM_TRACE_MAGIC_LEN))
		return fail(err, errlen, EINVAL,
			    "not an svm_ext trace (bad magic; svmctl record writes them)");
	if (len < sizeof(h))
		return fail(err, errlen, EINVAL,
			    "truncated: %zu bytes, less than the %zu-byte header",
			    len, sizeof(h));
	memcpy(&h, b, sizeof(h));
	header_from_le(&h);
	if (h.version != SVM_TRACE_VERSION)
		return fail(err, errlen, EPROTONOSUPPORT,
			    "trace format version %u: this svmbench reads version %u",
			    h.version, SVM_TRACE_VERSION);
	if (h.header_size != sizeof(h))
		return fail(err, errlen, EINVAL,
			    "header size %u, version %u has %zu",
			    h.header_size, SVM_TRACE_VERSION, sizeof(h));
	if (h.record_size != sizeof(struct svm_trace_rec))
		return fail(err, errlen, EINVAL,
			    "record size %u, version %u has %zu",
			    h.record_size, SVM_TRACE_VERSION,
			    sizeof(struct svm_trace_rec));
	if (h.flags & ~SVM_TRACE_F_COMPLETE)
		return fail(err, errlen, EINVAL, "unknown header flags 0x%x",
			    h.flags);
	if (!(h.flags & SVM_TRACE_F_COMPLETE))
		return fail(err, errlen, EINVAL,
			    "incomplete: its recorder did not finish (killed, or a write failed)");
	if (h.ndevs > SVM_TRACE_MAX_DEVS)
		return fail(err, errlen, EINVAL, "%u devices, at most %u",
			    h.ndevs, SVM_TRACE_MAX_DEVS);
	if (h.nrecords > REPLAY_MAX_RECORDS)
		return fail(err, errlen, E2BIG,
			    "%llu records: replay takes at most %u",
			    (unsigned long long)h.nrecords, REPLAY_MAX_RECORDS);
	body = len - sizeof(h);
	want = h.nrecords * sizeof(struct svm_trace_rec);
	if (body < want)
		return fail(err, errlen, EINVAL,
			    "truncated: the header announces %llu records (%llu bytes), %llu bytes follow it",
			    (unsigned long long)h.nrecords,
			    (unsigned long long)want,
			    (unsigned long long)body);
	if (body > want)
		return fail(err, errlen, EINVAL,
			    "%llu bytes after the %llu records the header announces",
			    (unsigned long long)(body - want),
			    (unsigned long long)h.nrecords);
	/* a name to print: printable, terminated */
	h.policy[SVM_TRACE_POLICY_LEN - 1] = '\0';
	for (i = 0; h.policy[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
			    h.policy[i]))
			h.policy[i] = '?';

	t->rec = calloc(h.nrecords ? h.nrecords : 1, sizeof(*t->rec));
	if (!t->rec)
		return fail(err, errlen, ENOMEM, "out of memory for %llu records",
			    (unsigned long long)h.nrecords);
	memcpy(t->rec, b + sizeof(h), want);
	for (i = 0; i < h.nrecords; i++) {
		struct svm_trace_rec *r = &t->rec[i];

		r->ts = le64toh(r->ts);
		r->addr = le64toh(r->addr);
		r->end = le64toh(r->end);
		r->val = le64toh(r->val);
		r->arg = le32toh(r->arg);
		ret = check_rec(r, i, err, errlen);
		if (ret) {
			replay_trace_free(t);
			return ret;
		}
	}
	t->h = h;
	t->n = h.nrecords;
	return 0;
}

int replay_trace_read(const char *path, struct replay_trace *t, char *err,
		      size_t errlen)
{
	size_t max = sizeof(struct svm_trace_header) +
		     (size_t)REPLAY_MAX_RECORDS * sizeof(struct svm_trace_rec);
	struct stat st;
	size_t got = 0;
	char *buf;
	int fd, ret;

	memset(t, 0, sizeof(*t));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, errno, "%s", strerror(errno));
	if (fstat(fd, &st)) {
		ret = fail(err, errlen, errno, "%s", strerror(errno));
		close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, errlen, EINVAL, "not a regular file");
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return fail(err, errlen, E2BIG,
			    "%lld bytes: replay takes at most %u records",
			    (long long)st.st_size, REPLAY_MAX_RECORDS);
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf) {
		close(fd);
		return fail(err, errlen, ENOMEM, "out of memory");
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = fail(err, errlen, errno, "reading: %s",
				   strerror(errno));
			goto out;
		}
		if (!n)
			break;	/* shrank under us: checked as it is */
		got += n;
	}
	ret = replay_trace_parse(buf, got, t, err, errlen);
out:
	free(buf);
	close(fd);
	return ret;
}

void replay_trace_free(struct replay_trace *t)
{
	free(t->rec);
	t->rec = NULL;
	t->n = 0;
}

/* ---------------------------------------------------------------- plan */

/* Touched chunks [lo, hi] (chunk numbers), at @base chunks into buffer @buf. */
struct run {
	uint64_t lo, hi;
	uint32_t base;
	unsigned int buf;
};

struct layout {
	struct run *runs;
	size_t nruns;
	const uint64_t *ids;	/* the touched chunks, sorted */
	size_t nids;
	size_t buf_ids[PLAN_MAX_BUFS][2];	/* each buffer's [first, last) of ids */
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool touches(const struct svm_trace_rec *r)
{
	switch (r->kind) {
	case SVM_TRACE_FAULT:
	case SVM_TRACE_CPU_FAULT:
		return true;
	case SVM_TRACE_MIGRATE:
		return r->val > 0;
	case SVM_TRACE_EVICT:
		return r->addr != 0;	/* 0: the range was gone */
	default:
		return false;
	}
}

/* The run holding chunk @id, or NULL. */
static const struct run *run_of(const struct layout *l, uint64_t id)
{
	size_t lo = 0, hi = l->nruns;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->runs[mid].hi < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->nruns && l->runs[lo].lo <= id ? &l->runs[lo] : NULL;
}

/* First index in ids[from, to) whose chunk is >= @id. */
static size_t lower_bound(const uint64_t *ids, size_t from, size_t to,
			  uint64_t id)
{
	while (from < to) {
		size_t mid = from + (to - from) / 2;

		if (ids[mid] < id)
			from = mid + 1;
		else
			to = mid;
	}
	return from;
}

/*
 * Runs of touched chunks (gaps up to REPLAY_GAP_KEEP inside), then
 * buffers: the PLAN_MAX_BUFS - 1 widest gaps between runs separate
 * buffers, the others are shortened to REPLAY_GAP_KEEP chunks.
 */
static int layout_build(struct layout *l, struct plan *p,
			struct replay_info *info, char *err, size_t errlen)
{
	uint64_t total = 0, size[PLAN_MAX_BUFS] = { 0 };
	size_t cut[PLAN_MAX_BUFS], ncut = 0, i, k;
	unsigned int b;

	l->runs = calloc(l->nids, sizeof(*l->runs));
	if (!l->runs)
		return fail(err, errlen, ENOMEM, "out of memory");
	for (i = 0; i < l->nids; i++) {
		struct run *r = l->nruns ? &l->runs[l->nruns - 1] : NULL;

		if (r && l->ids[i] - r->hi - 1 <= REPLAY_GAP_KEEP)
			r->hi = l->ids[i];
		else
			l->runs[l->nruns++] = (struct run){ l->ids[i], l->ids[i], 0, 0 };
	}
	/* the widest gaps (the first of equal ones) end a buffer */
	while (ncut < PLAN_MAX_BUFS - 1 && ncut + 1 < l->nruns) {
		uint64_t best = 0;
		size_t at = 0;
		bool found = false;

		for (i = 0; i + 1 < l->nruns; i++) {
			uint64_t gap = l->runs[i + 1].lo - l->runs[i].hi;

			for (k = 0; k < ncut && cut[k] != i; k++)
				;
			if (k == ncut && (!found || gap > best)) {
				best = gap;
				at = i;
				found = true;
			}
		}
		cut[ncut++] = at;
	}
	for (i = 0, b = 0; i < l->nruns; i++) {
		struct run *r = &l->runs[i];

		if (i && size[b])
			size[b] += REPLAY_GAP_KEEP;
		r->buf = b;
		r->base = (uint32_t)(size[b] < UINT32_MAX ? size[b] : UINT32_MAX);
		size[b] += r->hi - r->lo + 1;
		if (size[b] > REPLAY_MAX_CHUNKS)
			break;
		for (k = 0; k < ncut; k++)
			if (cut[k] == i)
				b++;
	}
	for (b = 0; b < PLAN_MAX_BUFS; b++)
		total += size[b];
	if (total > REPLAY_MAX_CHUNKS)
		return fail(err, errlen, E2BIG,
			    "the trace touches %zu chunks of 2 MiB spread so that its buffers would take more than %u chunks (%u MiB)",
			    l->nids, REPLAY_MAX_CHUNKS, REPLAY_MAX_CHUNKS * 2);
	p->nbufs = l->nruns ? l->runs[l->nruns - 1].buf + 1 : 0;
	for (b = 0; b < p->nbufs; b++) {
		p->buf_chunks[b] = size[b];
		p->buf_proc[b] = 0;
		p->advice[b] = (struct plan_advice){
			.set = false, .preferred = PLAN_LOC_NONE,
		};
		l->buf_ids[b][0] = l->buf_ids[b][1] = 0;
	}
	/* each buffer's touched chunks are a slice of ids */
	for (i = 0; i < l->nids; i++) {
		b = run_of(l, l->ids[i])->buf;
		if (!l->buf_ids[b][1])
			l->buf_ids[b][0] = i;
		l->buf_ids[b][1] = i + 1;
	}
	for (i = 0; i < l->nruns; i++)
		if (!info->buf_addr[l->runs[i].buf])
			info->buf_addr[l->runs[i].buf] = l->runs[i].lo << REPLAY_CHUNK_SHIFT;
	info->nbufs = p->nbufs;
	info->plan_chunks = total;
	info->ws_chunks = l->nids;
	return 0;
}

static int step_add(struct plan *p, const struct layout *l, uint8_t agent,
		    uint8_t op, uint64_t addr)
{
	const struct run *r = run_of(l, addr >> REPLAY_CHUNK_SHIFT);

	if (!r)
		return -EINVAL;	/* every fault's chunk is in a run */
	return plan_push(p, &(struct plan_step){
		.proc = 0, .agent = agent, .op = op, .buf = r->buf,
		.page = (r->base + (uint32_t)((addr >> REPLAY_CHUNK_SHIFT) - r->lo)) *
			PLAN_CHUNK_PAGES +
			(uint32_t)((addr / PLAN_PAGE_SIZE) % PLAN_CHUNK_PAGES),
		.npages = 1, .stride = 0,
	});
}

/*
 * A hint: advice for every buffer whose touched chunks it covers, set
 * before the buffer's first access; else the reason it cannot be.
 */
static int hint_eval(const struct svm_trace_rec *r, const struct layout *l,
		     struct plan *p, const bool *started)
{
	bool hit[PLAN_MAX_BUFS] = { false }, any = false;
	int why = -1;
	unsigned int b;

	if ((int32_t)r->arg)
		return HINT_FAILED;
	switch (r->op) {
	case ATTR_PREFERRED_LOC:
		if (r->val >= PLAN_MAX_DEVS && r->val != PLAN_LOC_SYSTEM &&
		    r->val != PLAN_LOC_NONE)
			return HINT_VALUE;
		break;
	case ATTR_ACCESSED_BY:
		if (r->val >> PLAN_MAX_DEVS)
			return HINT_VALUE;
		break;
	case ATTR_READ_MOSTLY:
		if (r->val > 1)
			return HINT_VALUE;
		break;
	default:
		return HINT_TYPE;
	}
	for (b = 0; b < p->nbufs; b++) {
		size_t first = l->buf_ids[b][0], last = l->buf_ids[b][1];
		size_t at = lower_bound(l->ids, first, last,
					r->addr >> REPLAY_CHUNK_SHIFT);

		/* no touched chunk of this buffer in the span */
		if (at == last || l->ids[at] > (r->end - 1) >> REPLAY_CHUNK_SHIFT)
			continue;
		hit[b] = any = true;
		/* end >= (chunk + 1) * 2 MiB, without overflow */
		if (r->addr > l->ids[first] << REPLAY_CHUNK_SHIFT ||
		    r->end >> REPLAY_CHUNK_SHIFT < l->ids[last - 1] + 1)
			why = HINT_PARTIAL;
		else if (started[b] && why < 0)
			why = HINT_LATE;
	}
	if (!any)
		return HINT_UNTOUCHED;
	if (why >= 0)
		return why;
	for (b = 0; b < p->nbufs; b++) {
		struct plan_advice *a = &p->advice[b];

		if (!hit[b])
			continue;
		a->set = true;
		if (r->op == ATTR_PREFERRED_LOC)
			a->preferred = r->val;
		else if (r->op == ATTR_ACCESSED_BY)
			a->accessed_by = r->val;
		else
			a->read_mostly = r->val;
	}
	return -1;
}

/* What the core does in answer to a fault: between a fault and its cause. */
static bool consequence(uint8_t kind)
{
	return kind == SVM_TRACE_MIGRATE || kind == SVM_TRACE_EVICT ||
	       kind == SVM_TRACE_INVALIDATE;
}

/*
 * For each migration: is a device fault right before it, or a CPU fault
 * right after it, with only consequences (migrations, evictions,
 * invalidations) between them?  The core traces a device fault before
 * carrying it out and a CPU fault after; a migration invalidates the
 * pages it moves.
 */
static int count_unexplained(const struct replay_trace *t,
			     struct replay_info *info)
{
	uint8_t prev = 0, *next;
	size_t i;

	next = malloc(t->n ? t->n : 1);
	if (!next)
		return -ENOMEM;
	/* next[i]: the kind of the first record after i that is no consequence */
	for (i = t->n; i-- > 0;) {
		uint8_t k = i + 1 < t->n ? t->rec[i + 1].kind : 0;

		next[i] = k && consequence(k) ? next[i + 1] : k;
	}
	for (i = 0; i < t->n; i++) {
		uint8_t k = t->rec[i].kind;

		if (k == SVM_TRACE_MIGRATE && prev != SVM_TRACE_FAULT &&
		    next[i] != SVM_TRACE_CPU_FAULT)
			info->unexplained_migrations++;
		if (!consequence(k))
			prev = k;
	}
	free(next);
	return 0;
}

int replay_plan(const struct replay_trace *t, const char *name,
		struct plan *p, struct replay_info *info, char *err,
		size_t errlen)
{
	struct layout l = { 0 };
	bool started[PLAN_MAX_BUFS] = { false };
	uint64_t *ids;
	size_t i, n = 0;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	memset(info, 0, sizeof(*info));
	snprintf(p->name, sizeof(p->name), "%s", name);
	ids = malloc((t->n ? t->n : 1) * sizeof(*ids));
	if (!ids)
		return fail(err, errlen, ENOMEM, "out of memory");
	for (i = 0; i < t->n; i++)
		if (touches(&t->rec[i]))
			ids[n++] = t->rec[i].addr >> REPLAY_CHUNK_SHIFT;
	if (!n) {
		free(ids);
		return fail(err, errlen, ENODATA,
			    "nothing to replay: no device fault, CPU fault, migration or eviction in %zu records",
			    t->n);
	}
	qsort(ids, n, sizeof(*ids), cmp_u64);
	for (i = 1, l.nids = 1; i < n; i++)
		if (ids[i] != ids[l.nids - 1])
			ids[l.nids++] = ids[i];
	l.ids = ids;
	ret = layout_build(&l, p, info, err, errlen);
	if (ret)
		goto out;

	for (i = 0; i < t->n && !ret; i++) {
		const struct svm_trace_rec *r = &t->rec[i];
		int why;

		switch (r->kind) {
		case SVM_TRACE_FAULT:
			info->faults++;
			info->faults_access[r->op]++;
			if (r->dev < SVM_TRACE_MAX_DEVS)
				info->faults_dev[r->dev]++;
			if (r->dev >= PLAN_MAX_DEVS) {
				info->skip_dev_faults++;
				break;
			}
			ret = step_add(p, &l, AG_DEV0 + r->dev,
				       r->op ? OP_WRITE : OP_READ, r->addr);
			if (!ret)
				started[p->steps[p->nsteps - 1].buf] = true;
			info->dev_steps++;
			break;
		case SVM_TRACE_CPU_FAULT:
			info->cpu_faults++;
			if ((int32_t)r->arg > 0)
				info->cpu_fault_pages += (int32_t)r->arg;
			ret = step_add(p, &l, AG_CPU, OP_WRITE, r->addr);
			if (!ret)
				started[p->steps[p->nsteps - 1].buf] = true;
			info->cpu_steps++;
			break;
		case SVM_TRACE_MIGRATE:
			info->migrations++;
			if (r->op == SVM_TRACE_TO_SYSTEM) {
				info->pages_to_sys += r->val;
			} else {
				info->pages_to_dev += r->val;
				if (r->val > r->arg)
					info->pages_from_peer += r->val - r->arg;
			}
			break;
		case SVM_TRACE_EVICT:
			info->evictions++;
			info->pages_evicted += r->arg;
			break;
		case SVM_TRACE_ADVISE:
			info->hints++;
			why = hint_eval(r, &l, p, started);
			if (why < 0)
				info->hints_replayed++;
			else
				info->skip_hints[why]++;
			break;
		case SVM_TRACE_INVALIDATE:
			info->invalidations++;
			break;
		}
	}
	if (!ret)
		ret = count_unexplained(t, info);
	if (ret) {
		fail(err, errlen, -ret, "building the plan: %s", strerror(-ret));
		goto out;
	}
	if (!p->nsteps)
		ret = fail(err, errlen, ENODATA,
			   "nothing to replay: no fault of device 0 or 1 and no CPU fault in %zu records",
			   t->n);
out:
	if (ret)
		plan_free(p);
	free(l.runs);
	free(ids);
	return ret;
}
