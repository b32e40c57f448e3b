// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of svmbench replay's reading and planning
 * (replay_plan.c): synthetic trace files, good and broken, their parse,
 * the grouping of touched chunks into buffers, the plan's steps and
 * advice, and what is counted as not replayed.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "replay.h"
#include "unit_test.h"

#define CH(id)		((uint64_t)(id) << REPLAY_CHUNK_SHIFT)
#define PG(id, page)	(CH(id) + (uint64_t)(page) * PLAN_PAGE_SIZE)
#define LOC_SYSTEM	0xfffffffeu

static char dir[] = "/tmp/replay_test.XXXXXX";

/* A trace being written: header and records in host order. */
struct tb {
	struct svm_trace_header h;
	struct svm_trace_rec *r;
	size_t n, cap;
};

static void tb_init(struct tb *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->h.magic, SVM_TRACE_MAGIC, SVM_TRACE_MAGIC_LEN);
	t->h.version = SVM_TRACE_VERSION;
	t->h.header_size = sizeof(t->h);
	t->h.record_size = sizeof(struct svm_trace_rec);
	t->h.flags = SVM_TRACE_F_COMPLETE;
	t->h.tgid = 42;
	t->h.ndevs = 2;
	t->h.dev_mem[0] = t->h.dev_mem[1] = 64 << 20;
}

static struct svm_trace_rec *tb_add(struct tb *t, uint8_t kind, uint8_t dev,
				    uint64_t addr, uint64_t end, uint64_t val,
				    uint32_t arg, uint8_t op)
{
	struct svm_trace_rec *r;

	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->r = realloc(t->r, t->cap * sizeof(*t->r));
		if (!t->r)
			exit(2);
	}
	r = &t->r[t->n++];
	*r = (struct svm_trace_rec){
		.ts = t->n * 1000, .addr = addr, .end = end, .val = val,
		.arg = arg, .kind = kind, .dev = dev, .op = op,
	};
	t->h.nrecords = t->n;
	return r;
}

static void fault(struct tb *t, unsigned int dev, uint64_t addr, unsigned int access)
{
	tb_add(t, SVM_TRACE_FAULT, dev, addr, (addr | (CH(1) - 1)) + 1,
	       addr & ~(CH(1) - 1), dev, access);
}

static void cpu_fault(struct tb *t, unsigned int dev, uint64_t addr)
{
	tb_add(t, SVM_TRACE_CPU_FAULT, dev, addr, (addr | (CH(1) - 1)) + 1,
	       addr & ~(CH(1) - 1), 512, 0);
}

static void hint(struct tb *t, uint64_t start, uint64_t end, uint8_t type,
		 uint64_t value, int32_t ret)
{
	tb_add(t, SVM_TRACE_ADVISE, SVM_TRACE_DEV_NONE, start, end, value,
	       (uint32_t)ret, type);
}

static void migrate(struct tb *t, int dst, uint64_t start, uint64_t pages,
		    uint32_t from_sys)
{
	tb_add(t, SVM_TRACE_MIGRATE, dst < 0 ? SVM_TRACE_DEV_NONE : dst, start,
	       start + pages * PLAN_PAGE_SIZE, pages, from_sys,
	       dst < 0 ? SVM_TRACE_TO_SYSTEM : SVM_TRACE_TO_DEVICE);
}

/* The file's bytes: little-endian, as svmctl record writes them. */
static unsigned char *tb_bytes(const struct tb *t, size_t *len)
{
	struct svm_trace_header h = t->h;
	unsigned char *buf;
	size_t i;
	int k;

	*len = sizeof(h) + t->n * sizeof(*t->r);
	buf = malloc(*len);
	if (!buf)
		exit(2);
	h.version = htole16(h.version);
	h.header_size = htole16(h.header_size);
	h.record_size = htole16(h.record_size);
	h.ndevs = htole16(h.ndevs);
	h.tgid = htole32(h.tgid);
	h.flags = htole32(h.flags);
	h.nrecords = htole64(h.nrecords);
	h.lost = htole64(h.lost);
	h.duration_ns = htole64(h.duration_ns);
	for (k = 0; k < SVM_TRACE_MAX_DEVS; k++)
		h.dev_mem[k] = htole64(h.dev_mem[k]);
	memcpy(buf, &h, sizeof(h));
	for (i = 0; i < t->n; i++) {
		struct svm_trace_rec r = t->r[i];

		r.ts = htole64(r.ts);
		r.addr = htole64(r.addr);
		r.end = htole64(r.end);
		r.val = htole64(r.val);
		r.arg = htole32(r.arg);
		memcpy(buf + sizeof(h) + i * sizeof(r), &r, sizeof(r));
	}
	return buf;
}

static const char *write_file(const char *name, const void *buf, size_t len)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || (len && fwrite(buf, len, 1, f) != 1) || fclose(f)) {
		perror(path);
		exit(2);
	}
	return path;
}

/*
 * @t's bytes, changed by @patch (offset, bytes) and cut to @cut bytes
 * (0: whole), through a file: 0 or -errno, the message in @err.
 */
static int read_variant(const struct tb *t, size_t off, const void *patch,
			size_t plen, size_t cut, char *err, size_t errlen)
{
	struct replay_trace rt;
	unsigned char *buf;
	size_t len;
	int ret;

	buf = tb_bytes(t, &len);
	if (patch)
		memcpy(buf + off, patch, plen);
	if (cut)
		len = cut;
	ret = replay_trace_read(write_file("t.trace", buf, len), &rt, err,
				errlen);
	if (!ret)
		replay_trace_free(&rt);
	free(buf);
	return ret;
}

static void expect_error(const char *what, int ret, int want, const char *err,
			 const char *words)
{
	EXPECT_EQ(what, -ret, want);
	EXPECT(what, strstr(err, words) != NULL);
	if (!strstr(err, words))
		printf("     message: \"%s\", expected \"%s\" in it\n", err, words);
}

static void test_parse(void)
{
	struct tb t;
	char err[512];
	struct replay_trace rt;
	unsigned char *buf;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;
	uint8_t kind;
	size_t len;
	int ret;

	tb_init(&t);
	fault(&t, 0, PG(7, 3), 0);
	cpu_fault(&t, 0, PG(7, 3));

	/* the good file, fields in host order after reading */
	buf = tb_bytes(&t, &len);
	ret = replay_trace_read(write_file("good.trace", buf, len), &rt, err,
				sizeof(err));
	free(buf);
	EXPECT_EQ("good trace reads", ret, 0);
	if (!ret) {
		EXPECT_EQ("records", rt.n, 2);
		EXPECT_EQ("tgid", rt.h.tgid, 42);
		EXPECT_EQ("fault addr", rt.rec[0].addr, PG(7, 3));
		EXPECT_EQ("fault kind", rt.rec[0].kind, SVM_TRACE_FAULT);
		EXPECT_EQ("cpu fault pages", rt.rec[1].arg, 512);
		EXPECT_EQ("dev_mem", rt.h.dev_mem[1], 64 << 20);
		replay_trace_free(&rt);
	}

	ret = read_variant(&t, 0, "SVMTRACX", 8, 0, err, sizeof(err));
	expect_error("bad magic", ret, EINVAL, err, "bad magic");
	ret = read_variant(&t, 0, NULL, 0, 5, err, sizeof(err));
	expect_error("5 bytes", ret, EINVAL, err, "bad magic");
	v16 = htole16(2);
	ret = read_variant(&t, offsetof(struct svm_trace_header, version),
			   &v16, 2, 0, err, sizeof(err));
	expect_error("version 2", ret, EPROTONOSUPPORT, err, "version 2");
	v16 = htole16(48);
	ret = read_variant(&t, offsetof(struct svm_trace_header, record_size),
			   &v16, 2, 0, err, sizeof(err));
	expect_error("record size 48", ret, EINVAL, err, "record size 48");
	v16 = htole16(128);
	ret = read_variant(&t, offsetof(struct svm_trace_header, header_size),
			   &v16, 2, 0, err, sizeof(err));
	expect_error("header size 128", ret, EINVAL, err, "header size 128");
	v32 = 0;
	ret = read_variant(&t, offsetof(struct svm_trace_header, flags),
			   &v32, 4, 0, err, sizeof(err));
	expect_error("unfinished file", ret, EINVAL, err, "incomplete");
	v32 = htole32(0x81);
	ret = read_variant(&t, offsetof(struct svm_trace_header, flags),
			   &v32, 4, 0, err, sizeof(err));
	expect_error("unknown flag", ret, EINVAL, err, "flags 0x81");
	v16 = htole16(9);
	ret = read_variant(&t, offsetof(struct svm_trace_header, ndevs),
			   &v16, 2, 0, err, sizeof(err));
	expect_error("9 devices", ret, EINVAL, err, "9 devices");

	/* cut inside the header, inside a record, after the header */
	ret = read_variant(&t, 0, NULL, 0, 100, err, sizeof(err));
	expect_error("cut header", ret, EINVAL, err, "truncated: 100 bytes");
	ret = read_variant(&t, 0, NULL, 0, sizeof(t.h) + 60, err, sizeof(err));
	expect_error("cut record", ret, EINVAL, err,
		     "truncated: the header announces 2 records (80 bytes), 60 bytes follow");
	ret = read_variant(&t, 0, NULL, 0, sizeof(t.h), err, sizeof(err));
	expect_error("no records", ret, EINVAL, err, "truncated");
	/* more records than the header says */
	v64 = htole64(1);
	ret = read_variant(&t, offsetof(struct svm_trace_header, nrecords),
			   &v64, 8, 0, err, sizeof(err));
	expect_error("trailing bytes", ret, EINVAL, err,
		     "40 bytes after the 1 records");
	/* a count whose size overflows, and one just too big */
	v64 = htole64(~0ULL / 8);
	ret = read_variant(&t, offsetof(struct svm_trace_header, nrecords),
			   &v64, 8, 0, err, sizeof(err));
	expect_error("huge count", ret, E2BIG, err, "at most");
	v64 = htole64(REPLAY_MAX_RECORDS + 1ULL);
	ret = read_variant(&t, offsetof(struct svm_trace_header, nrecords),
			   &v64, 8, 0, err, sizeof(err));
	expect_error("count over the limit", ret, E2BIG, err, "at most");

	/* broken records: each names its index */
	kind = 9;
	ret = read_variant(&t, sizeof(t.h) + sizeof(struct svm_trace_rec) +
			   offsetof(struct svm_trace_rec, kind), &kind, 1, 0,
			   err, sizeof(err));
	expect_error("unknown kind", ret, EINVAL, err, "record 1: unknown kind 9");
	v64 = htole64(PG(7, 3) + 8);
	ret = read_variant(&t, sizeof(t.h) + offsetof(struct svm_trace_rec, addr),
			   &v64, 8, 0, err, sizeof(err));
	expect_error("unaligned fault", ret, EINVAL, err, "not page-aligned");
	kind = 3;
	ret = read_variant(&t, sizeof(t.h) + offsetof(struct svm_trace_rec, op),
			   &kind, 1, 0, err, sizeof(err));
	expect_error("access 3", ret, EINVAL, err, "access kind 3");
	kind = SVM_TRACE_DEV_NONE;
	ret = read_variant(&t, sizeof(t.h) + offsetof(struct svm_trace_rec, dev),
			   &kind, 1, 0, err, sizeof(err));
	expect_error("no device", ret, EINVAL, err, "without a device");

	/* not a file, no file */
	ret = replay_trace_read(dir, &rt, err, sizeof(err));
	expect_error("a directory", ret, EINVAL, err, "not a regular file");
	{
		char none[300];

		snprintf(none, sizeof(none), "%s/none", dir);
		ret = replay_trace_read(none, &rt, err, sizeof(err));
		expect_error("no such file", ret, ENOENT, err,
			     "No such file");
	}

	/* an empty trace reads, and has nothing to replay */
	free(t.r);
	tb_init(&t);
	buf = tb_bytes(&t, &len);
	ret = replay_trace_read(write_file("empty.trace", buf, len), &rt, err,
				sizeof(err));
	free(buf);
	EXPECT_EQ("empty trace reads", ret, 0);
	if (!ret) {
		struct replay_info in;
		struct plan p;

		ret = replay_plan(&rt, "empty", &p, &in, err, sizeof(err));
		expect_error("empty plan", ret, ENODATA, err, "nothing to replay");
		replay_trace_free(&rt);
	}
}

/* The trace of @t as read back, planned: 0 or -errno. */
static int plan_of(const struct tb *t, struct plan *p, struct replay_info *in,
		   char *err, size_t errlen)
{
	struct replay_trace rt;
	unsigned char *buf;
	size_t len;
	int ret;

	buf = tb_bytes(t, &len);
	ret = replay_trace_parse(buf, len, &rt, err, errlen);
	free(buf);
	if (ret)
		return ret;
	ret = replay_plan(&rt, "t", p, in, err, errlen);
	replay_trace_free(&rt);
	return ret;
}

static void expect_step(const char *what, const struct plan *p, size_t i,
			unsigned int agent, unsigned int op, unsigned int buf,
			uint32_t page)
{
	EXPECT(what, i < p->nsteps);
	if (i >= p->nsteps)
		return;
	EXPECT_EQ(what, p->steps[i].agent, agent);
	EXPECT_EQ(what, p->steps[i].op, op);
	EXPECT_EQ(what, p->steps[i].buf, buf);
	EXPECT_EQ(what, p->steps[i].page, page);
	EXPECT_EQ(what, p->steps[i].npages, 1);
	EXPECT_EQ(what, p->steps[i].proc, 0);
}

/*
 * Touched chunks 100, 101, 103 | 200 | 1000 | 5000 | 90000: five runs,
 * four buffers: the narrowest gap (103 -> 200) is shortened to
 * REPLAY_GAP_KEEP chunks inside buffer 0.
 */
static void test_plan(void)
{
	struct replay_info in;
	struct plan p;
	char err[512];
	struct tb t;
	int ret;

	tb_init(&t);
	/* before any access: applied, or not, by reason */
	hint(&t, CH(1000), CH(1001), 1, 0, 0);			/* applied */
	hint(&t, CH(90000), CH(90002), 4, 1, 0);		/* applied */
	hint(&t, CH(1000), CH(1001), 5, 3, 0);			/* granularity */
	hint(&t, CH(1000), CH(1001), 4, 1, -22);		/* refused */
	hint(&t, CH(100), CH(100) + CH(1) / 2, 1, 0, 0);	/* half a chunk */
	hint(&t, CH(3000), CH(3001), 1, 0, 0);			/* untouched */
	hint(&t, CH(1000), CH(1001), 1, 5, 0);			/* device 5 */
	hint(&t, CH(5000), CH(5001), 3, 1u << 2, 0);		/* device 2 */
	migrate(&t, 0, CH(100), 16, 16);	/* prefetch: no fault near */
	fault(&t, 0, PG(101, 5), 0);		/* step 0 */
	tb_add(&t, SVM_TRACE_INVALIDATE, SVM_TRACE_DEV_NONE, CH(101), CH(102),
	       0, 6, 0);
	migrate(&t, 0, CH(101), 512, 512);	/* after a fault */
	fault(&t, 1, PG(200, 511), 1);		/* step 1 */
	tb_add(&t, SVM_TRACE_EVICT, 0, CH(100), 0, 7, 512, 0);
	migrate(&t, 1, CH(200), 512, 0);	/* from a peer, after the fault */
	fault(&t, 0, PG(103, 0), 2);		/* step 2: atomic -> write */
	hint(&t, CH(100), CH(201), 3, 2, 0);	/* late for buffer 0 */
	migrate(&t, -1, CH(1000), 100, 0);	/* home, before a CPU fault */
	cpu_fault(&t, 0, PG(1000, 0));		/* step 3 */
	fault(&t, 3, PG(5000, 1), 0);		/* device 3: not replayed */
	migrate(&t, 0, CH(90000), 512, 512);	/* after the fault above */
	tb_add(&t, SVM_TRACE_INVALIDATE, SVM_TRACE_DEV_NONE, CH(100), CH(101),
	       0, 1, 0);
	fault(&t, 0, PG(90000, 17), 0);		/* step 4 */

	ret = plan_of(&t, &p, &in, err, sizeof(err));
	EXPECT_EQ("plan builds", ret, 0);
	if (ret) {
		printf("     %s\n", err);
		free(t.r);
		return;
	}
	EXPECT_EQ("buffers", p.nbufs, 4);
	EXPECT_EQ("buffer 0: 100..103, 8 chunks gap, 200", p.buf_chunks[0],
		  4 + REPLAY_GAP_KEEP + 1);
	EXPECT_EQ("buffer 1", p.buf_chunks[1], 1);
	EXPECT_EQ("buffer 2", p.buf_chunks[2], 1);
	EXPECT_EQ("buffer 3", p.buf_chunks[3], 1);
	EXPECT_EQ("touched chunks", in.ws_chunks, 7);
	EXPECT_EQ("plan chunks", in.plan_chunks, 4 + REPLAY_GAP_KEEP + 1 + 3);
	EXPECT_EQ("buffer 0 address", in.buf_addr[0], CH(100));
	EXPECT_EQ("buffer 3 address", in.buf_addr[3], CH(90000));

	EXPECT_EQ("steps", p.nsteps, 5);
	expect_step("read fault", &p, 0, AG_DEV0, OP_READ, 0, 1 * 512 + 5);
	expect_step("write fault, device 1, past the gap", &p, 1, AG_DEV1,
		    OP_WRITE, 0, (4 + REPLAY_GAP_KEEP) * 512 + 511);
	expect_step("atomic fault", &p, 2, AG_DEV0, OP_WRITE, 0, 3 * 512);
	expect_step("CPU fault", &p, 3, AG_CPU, OP_WRITE, 1, 0);
	expect_step("last fault", &p, 4, AG_DEV0, OP_READ, 3, 17);
	EXPECT_EQ("devices", plan_dev_mask(&p), 3);

	EXPECT_EQ("faults", in.faults, 5);
	EXPECT_EQ("read faults", in.faults_access[0], 3);
	EXPECT_EQ("write faults", in.faults_access[1], 1);
	EXPECT_EQ("atomic faults", in.faults_access[2], 1);
	EXPECT_EQ("device 3's fault", in.faults_dev[3], 1);
	EXPECT_EQ("faults not replayed", in.skip_dev_faults, 1);
	EXPECT_EQ("device steps", in.dev_steps, 4);
	EXPECT_EQ("CPU steps", in.cpu_steps, 1);
	EXPECT_EQ("CPU faults", in.cpu_faults, 1);
	EXPECT_EQ("migrations", in.migrations, 5);
	EXPECT_EQ("pages to devices", in.pages_to_dev, 512 * 3 + 16);
	EXPECT_EQ("pages from a peer", in.pages_from_peer, 512);
	EXPECT_EQ("pages home", in.pages_to_sys, 100);
	EXPECT_EQ("pages out", replay_pages_out(&in), 512 + 100 + 512);
	EXPECT_EQ("evictions", in.evictions, 1);
	EXPECT_EQ("pages evicted", in.pages_evicted, 512);
	EXPECT_EQ("invalidations", in.invalidations, 2);
	EXPECT_EQ("unexplained migrations", in.unexplained_migrations, 1);

	EXPECT_EQ("hints", in.hints, 9);
	EXPECT_EQ("hints replayed", in.hints_replayed, 2);
	EXPECT_EQ("hint refused", in.skip_hints[HINT_FAILED], 1);
	EXPECT_EQ("hint type", in.skip_hints[HINT_TYPE], 1);
	EXPECT_EQ("hint values", in.skip_hints[HINT_VALUE], 2);
	EXPECT_EQ("hint partial", in.skip_hints[HINT_PARTIAL], 1);
	EXPECT_EQ("hint late", in.skip_hints[HINT_LATE], 1);
	EXPECT_EQ("hint untouched", in.skip_hints[HINT_UNTOUCHED], 1);
	EXPECT("buffer 0: no advice", !p.advice[0].set);
	EXPECT("buffer 1: preferred device 0", p.advice[1].set &&
	       p.advice[1].preferred == 0 && !p.advice[1].accessed_by &&
	       !p.advice[1].read_mostly);
	EXPECT("buffer 2: no advice", !p.advice[2].set);
	EXPECT("buffer 3: read-mostly only", p.advice[3].set &&
	       p.advice[3].read_mostly == 1 &&
	       p.advice[3].preferred == PLAN_LOC_NONE);
	EXPECT("the plan has advice", plan_has_advice(&p));
	plan_free(&p);
	free(t.r);
}

/* A single run: nothing shortened, the chunk's page offsets kept. */
static void test_one_buffer(void)
{
	struct replay_info in;
	struct plan p;
	char err[512];
	struct tb t;
	int ret, i;

	tb_init(&t);
	/* a sweep of 3 chunks, faulting twice per chunk, twice over */
	for (i = 0; i < 6; i++) {
		fault(&t, 0, PG(50 + i % 3, 0), 0);
		migrate(&t, 0, CH(50 + i % 3), 512, 512);
		fault(&t, 0, PG(50 + i % 3, 256), 0);
	}
	hint(&t, CH(50), CH(53), 1, LOC_SYSTEM, 0);	/* late */
	ret = plan_of(&t, &p, &in, err, sizeof(err));
	EXPECT_EQ("sweep plan", ret, 0);
	if (!ret) {
		EXPECT_EQ("one buffer", p.nbufs, 1);
		EXPECT_EQ("of 3 chunks", p.buf_chunks[0], 3);
		EXPECT_EQ("12 steps", p.nsteps, 12);
		expect_step("first", &p, 0, AG_DEV0, OP_READ, 0, 0);
		expect_step("second", &p, 1, AG_DEV0, OP_READ, 0, 256);
		expect_step("sixth", &p, 5, AG_DEV0, OP_READ, 0, 2 * 512 + 256);
		expect_step("seventh", &p, 6, AG_DEV0, OP_READ, 0, 0);
		EXPECT_EQ("no unexplained migration", in.unexplained_migrations, 0);
		EXPECT_EQ("late hint", in.skip_hints[HINT_LATE], 1);
		EXPECT("no advice", !plan_has_advice(&p));
		plan_free(&p);
	}
	free(t.r);
}

/* Hostile addresses and sizes: refused or handled, never out of bounds. */
static void test_hostile(void)
{
	struct replay_info in;
	struct plan p;
	char err[512];
	struct tb t;
	int ret;
	uint32_t i;

	/* the top of the address space; [0, ~0) misses its last byte */
	tb_init(&t);
	fault(&t, 0, ~0ULL - PLAN_PAGE_SIZE + 1, 0);
	hint(&t, 0, ~0ULL, 4, 1, 0);
	ret = plan_of(&t, &p, &in, err, sizeof(err));
	EXPECT_EQ("last page", ret, 0);
	if (!ret) {
		EXPECT_EQ("last page's offset", p.steps[0].page, 511);
		EXPECT_EQ("a hint short of the last byte", in.skip_hints[HINT_PARTIAL], 1);
		plan_free(&p);
	}
	free(t.r);

	/* more consecutive chunks than a replay maps */
	tb_init(&t);
	for (i = 0; i <= REPLAY_MAX_CHUNKS; i++)
		fault(&t, 0, PG(i, 0), 0);
	ret = plan_of(&t, &p, &in, err, sizeof(err));
	expect_error("too many chunks", ret, E2BIG, err, "more than");
	free(t.r);

	/* chunks 9 apart: each a run, and the runs beyond four share */
	tb_init(&t);
	for (i = 0; i < 8; i++)
		fault(&t, 0, PG(i * (REPLAY_GAP_KEEP + 2), 0), 0);
	ret = plan_of(&t, &p, &in, err, sizeof(err));
	EXPECT_EQ("8 runs", ret, 0);
	if (!ret) {
		uint32_t sum = 0;

		EXPECT_EQ("in 4 buffers", p.nbufs, PLAN_MAX_BUFS);
		for (i = 0; i < p.nbufs; i++)
			sum += p.buf_chunks[i];
		EXPECT_EQ("8 chunks and 4 shortened gaps", sum,
			  8 + 4 * REPLAY_GAP_KEEP);
		for (i = 0; i < p.nsteps; i++)
			EXPECT("step inside its buffer",
			       p.steps[i].page < p.buf_chunks[p.steps[i].buf] *
			       PLAN_CHUNK_PAGES);
		plan_free(&p);
	}
	free(t.r);

	/* only faults of devices the plan does not have */
	tb_init(&t);
	fault(&t, 4, PG(1, 0), 0);
	ret = plan_of(&t, &p, &in, err, sizeof(err));
	expect_error("device 4 only", ret, ENODATA, err, "nothing to replay");
	free(t.r);
}

int main(void)
{
	char cmd[300];

	if (!mkdtemp(dir)) {
		perror(dir);
		return 2;
	}
	test_parse();
	test_plan();
	test_one_buffer();
	test_hostile();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		printf("replay_test: could not remove %s\n", dir);
	printf("replay_test: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
