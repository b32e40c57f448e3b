// SPDX-License-Identifier: GPL-2.0
/*
 * svmstress: the operations.  Each runs with its region's lock held (the
 * caller's), so the shadow is exact: it changes the memory, then the
 * shadow, with a journal entry around writes whose result may be cut short
 * (a failed EXEC, a SIGKILL).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "svm_user.h"
#include "svmstress.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static struct seen seen_of(struct thread_ctx *t, const char *who, uint32_t op)
{
	struct seen s = {
		.who = who, .op = op, .tid = t->tid, .slot = t->w->slot,
		.gen = t->w->ss->gen,
	};
	return s;
}

/* a span of words: mostly within a page, sometimes many pages or all */
static void pick_words(struct thread_ctx *t, struct region *rg, uint64_t *w0,
		       uint64_t *nw)
{
	uint64_t n = rg->s->nwords, r = rng_below(&t->rng, 32), len;

	if (r == 0) {
		*w0 = 0;
		*nw = n;
		return;
	}
	len = r < 16 ? 1 + rng_below(&t->rng, STRESS_WPP) :
		       1 + rng_below(&t->rng, 64 * STRESS_WPP);
	if (len > n)
		len = n;
	*w0 = rng_below(&t->rng, n - len + 1);
	*nw = len;
}

/* a span of whole pages, in words */
static void pick_pages(struct thread_ctx *t, struct region *rg, uint64_t *w0,
		       uint64_t *nw)
{
	uint64_t pages = rg->s->nwords / STRESS_WPP, np, p0;

	np = rng_below(&t->rng, 16) ? 1 + rng_below(&t->rng, 64) :
				      1 + rng_below(&t->rng, pages);
	if (np > pages)
		np = pages;
	p0 = rng_below(&t->rng, pages - np + 1);
	*w0 = p0 * STRESS_WPP;
	*nw = np * STRESS_WPP;
}

static unsigned int pick_dev(struct thread_ctx *t)
{
	return rng_below(&t->rng, sh->cfg.ndevs);
}

static uint64_t *mem(struct region *rg)
{
	return (uint64_t *)rg->addr;
}

static void apply(struct region *rg, const struct journal *j)
{
	uint64_t i;

	for (i = 0; i < j->nw; i++)
		rg->exp[j->w0 + i] = write_value(j->kind, j->param, i,
						  rg->exp[j->w0 + i]);
}

static bool benign(int ret)
{
	/* with --inject, what the injected failures give (fault injection) */
	return ret == -EBUSY || ret == -EINTR ||
	       (sh->cfg.inject && (ret == -ENOMEM || ret == -EIO));
}

/* What a policy may refuse a hint or prefetch with (uapi header). */
static bool refused(int ret)
{
	return ret == -EPERM || ret == -EACCES || ret == -EBUSY ||
	       ret == -ENOSPC || ret == -EINVAL;
}

/* One device write-kind EXEC, journaled; a cut-short one is resolved. */
static void dev_write(struct thread_ctx *t, struct region *rg, uint32_t op,
		      uint32_t emu_op, uint32_t wkind, uint64_t param)
{
	struct journal *j = &t->w->ss->jr[t->tid][0];
	unsigned int dev = pick_dev(t);
	uint64_t w0, nw;
	int ret;

	pick_words(t, rg, &w0, &nw);
	journal_set(j, wkind, rg->idx, w0, nw, param);
	ret = emu_exec1(t->w->fd[dev], emu_op, rg->addr + w0 * 8, nw * 8, 0,
			param, NULL, NULL);
	hist_add(rg->s, op, t->tid, dev, w0, nw, param, ret);
	if (!ret) {
		apply(rg, j);
	} else {
		struct seen by = seen_of(t, "cpu (after a failed device write)", op);

		if (benign(ret))
			CNT_ADD(busy, 1);
		else
			note_error("%s on dev%u of %s region [%llu,+%llu): %s", op_name(op),
				   dev, kind_name(rg->s->kind), (unsigned long long)w0,
				   (unsigned long long)nw, strerror(-ret));
		resolve_partial(&by, rg->s, mem(rg), rg->exp, j);
	}
	journal_clear(j);
}

static void cpu_write(struct thread_ctx *t, struct region *rg)
{
	struct journal *j = &t->w->ss->jr[t->tid][0];
	volatile uint64_t *m = mem(rg);
	uint64_t w0, nw, i, v = rng_next(&t->rng);

	pick_words(t, rg, &w0, &nw);
	journal_set(j, WR_SEQ, rg->idx, w0, nw, v);
	for (i = 0; i < nw; i++)
		m[w0 + i] = v + i;
	hist_add(rg->s, OP_CPU_WRITE, t->tid, 0, w0, nw, v, 0);
	apply(rg, j);
	journal_clear(j);
}

static void cpu_atomic(struct thread_ctx *t, struct region *rg)
{
	struct journal *j = &t->w->ss->jr[t->tid][0];
	struct seen by = seen_of(t, "cpu atomic", OP_CPU_ATOMIC);
	unsigned int k, n = 1 + rng_below(&t->rng, 8);

	for (k = 0; k < n; k++) {
		uint64_t w = rng_below(&t->rng, rg->s->nwords);
		uint64_t v = 1 + rng_below(&t->rng, 1000), old;

		journal_set(j, WR_ADD, rg->idx, w, 1, v);
		old = __atomic_fetch_add(&mem(rg)[w], v, __ATOMIC_SEQ_CST);
		hist_add(rg->s, OP_CPU_ATOMIC, t->tid, 0, w, 1, v, 0);
		if (old != rg->exp[w]) {
			report_mismatch(&by, rg->s, (uintptr_t)&mem(rg)[w], w,
					rg->exp[w], old, "(value before the atomic add)");
			CNT_ADD(mismatched_words, 1);
		}
		rg->exp[w] = old + v;
		journal_clear(j);
	}
}

static void dev_read(struct thread_ctx *t, struct region *rg)
{
	static const uint64_t strides[] = { 0, 16, 64, STRESS_PAGE };
	unsigned int dev = pick_dev(t);
	uint64_t w0, nw, s = strides[rng_below(&t->rng, 4)];
	int ret;

	pick_words(t, rg, &w0, &nw);
	if (s > nw * 8)		/* the uapi wants stride <= length */
		s = 0;
	ret = emu_exec1(t->w->fd[dev], SVM_EMU_OP_READ, rg->addr + w0 * 8,
			nw * 8, s, 0, NULL, NULL);
	hist_add(rg->s, OP_DEV_READ, t->tid, dev, w0, nw, s, ret);
	if (ret && benign(ret))
		CNT_ADD(busy, 1);
	else if (ret)
		note_error("dev_read on dev%u: %s", dev, strerror(-ret));
}

static void dev_checksum(struct thread_ctx *t, struct region *rg, uint32_t op,
			 uint64_t w0, uint64_t nw, uint64_t s, int dev)
{
	struct seen by;
	char who[16];
	int err;

	if (!sh->cfg.ndevs)
		return;
	if (dev < 0)
		dev = pick_dev(t);
	snprintf(who, sizeof(who), "dev%d", dev);
	by = seen_of(t, who, op);
	dev_check(&by, t->w->fd[dev], rg->s, (uintptr_t)rg->addr, rg->exp, w0,
		  nw, s, &err);
	hist_add(rg->s, OP_DEV_CHECKSUM, t->tid, dev, w0, nw, s, err);
	if (err && benign(err))
		CNT_ADD(busy, 1);
	else if (err)
		note_error("checksum on dev%d of %s region: %s", dev,
			   kind_name(rg->s->kind), strerror(-err));
}

static void cpu_read(struct thread_ctx *t, struct region *rg, uint32_t op,
		     uint64_t w0, uint64_t nw)
{
	struct seen by = seen_of(t, "cpu", op);

	cpu_check(&by, rg->s, mem(rg), rg->exp, w0, nw);
	hist_add(rg->s, OP_CPU_READ, t->tid, 0, w0, nw, 0, 0);
}

static void prefetch(struct thread_ctx *t, struct region *rg)
{
	unsigned int dev = pick_dev(t);
	uint32_t loc = rng_below(&t->rng, 3) ? pick_dev(t) : SVM_EXT_LOC_SYSTEM;
	uint64_t w0, nw;
	long ret;

	pick_pages(t, rg, &w0, &nw);
	ret = emu_prefetch(t->w->fd[dev], rg->addr + w0 * 8, nw * 8, loc);
	hist_add(rg->s, OP_PREFETCH, t->tid, loc, w0, nw, 0, ret < 0 ? ret : 0);
	if (ret < 0 && (refused(ret) || benign(ret)))
		CNT_ADD(refused, 1);
	else if (ret < 0)
		note_error("prefetch to 0x%x: %s", loc, strerror(-ret));
}

static void hint(struct thread_ctx *t, struct region *rg)
{
	unsigned int dev = pick_dev(t), n = sh->cfg.ndevs;
	uint32_t type = 1 + rng_below(&t->rng, SVM_EXT_ATTR_MAX - 1);
	uint64_t w0, nw, v = 0;
	int ret;

	switch (type) {
	case SVM_EXT_ATTR_PREFERRED_LOC:
		v = rng_below(&t->rng, n + 2);
		if (v == n)
			v = SVM_EXT_LOC_SYSTEM;
		else if (v == n + 1)
			v = SVM_EXT_LOC_NONE;
		break;
	case SVM_EXT_ATTR_PREFERRED_FD:
		v = t->w->fd[pick_dev(t)];
		break;
	case SVM_EXT_ATTR_ACCESSED_BY:
		v = rng_below(&t->rng, 1ULL << n);
		break;
	case SVM_EXT_ATTR_READ_MOSTLY:
		v = rng_below(&t->rng, 2);
		break;
	default:
		v = rng_below(&t->rng, 10);
		break;
	}
	pick_pages(t, rg, &w0, &nw);
	ret = emu_set_attr(t->w->fd[dev], rg->addr + w0 * 8, nw * 8, type, v);
	hist_add(rg->s, OP_HINT, t->tid, type, w0, nw, v, ret);
	if (ret && (refused(ret) || benign(ret)))
		CNT_ADD(refused, 1);
	else if (ret)
		note_error("hint %u=0x%llx: %s", type, (unsigned long long)v,
			   strerror(-ret));
}

static void advise(struct thread_ctx *t, struct region *rg, uint32_t op)
{
	int advice = op == OP_PAGEOUT ? MADV_PAGEOUT : MADV_DONTNEED;
	uint64_t w0, nw;
	int ret;

	pick_pages(t, rg, &w0, &nw);
	ret = madvise(rg->addr + w0 * 8, nw * 8, advice) ? -errno : 0;
	hist_add(rg->s, op, t->tid, 0, w0, nw, 0, ret);
	if (ret) {
		note_error("%s: %s", op_name(op), strerror(-ret));
		return;
	}
	/* DONTNEED zeroes private anonymous memory, not shared memory */
	if (op == OP_DONTNEED && rg->s->kind == KIND_PRIVATE)
		memset(rg->exp + w0, 0, nw * 8);
}

/* Read-only for a while: a device write must fault, reads must work. */
static void protect(struct thread_ctx *t, struct region *rg)
{
	struct seen by = seen_of(t, "dev (through PROT_READ)", OP_MPROTECT);
	unsigned int dev = pick_dev(t);
	uint64_t w0, nw, w, v = rng_next(&t->rng);
	int ret;

	pick_pages(t, rg, &w0, &nw);
	if (mprotect(rg->addr + w0 * 8, nw * 8, PROT_READ)) {
		note_error("mprotect: %s", strerror(errno));
		return;
	}
	hist_add(rg->s, OP_MPROTECT, t->tid, PROT_READ, w0, nw, 0, 0);
	dev_checksum(t, rg, OP_MPROTECT, w0, nw, 1, dev);
	w = w0 + rng_below(&t->rng, nw);
	ret = sh->cfg.ndevs ? emu_exec1(t->w->fd[dev], SVM_EMU_OP_WRITE,
					rg->addr + w * 8, 8, 0, v, NULL, NULL) :
			      -EFAULT;
	hist_add(rg->s, OP_DEV_WRITE, t->tid, dev, w, 1, v, ret);
	if (ret != -EFAULT) {
		uint64_t got = *(volatile uint64_t *)(rg->addr + w * 8);

		if (got != rg->exp[w]) {
			report_mismatch(&by, rg->s, (uintptr_t)(rg->addr + w * 8), w,
					rg->exp[w], got,
					"(a device write to a read-only page changed it)");
			CNT_ADD(mismatched_words, 1);
			rg->exp[w] = got;
		} else if (!ret) {
			note_error("device write to a PROT_READ page of a %s region returned 0",
				   kind_name(rg->s->kind));
		} else if (!benign(ret)) {
			note_error("device write to a PROT_READ page: %s, not EFAULT",
				   strerror(-ret));
		}
	}
	cpu_read(t, rg, OP_MPROTECT, w0, nw);
	if (mprotect(rg->addr + w0 * 8, nw * 8, PROT_READ | PROT_WRITE))
		note_error("mprotect back: %s", strerror(errno));
	hist_add(rg->s, OP_MPROTECT, t->tid, PROT_READ | PROT_WRITE, w0, nw, 0, 0);
}

/* a page at random, from a device and from the CPU */
static void spot_check(struct thread_ctx *t, struct region *rg, uint32_t op)
{
	uint64_t w0 = rng_below(&t->rng, rg->s->nwords / STRESS_WPP) * STRESS_WPP;

	dev_checksum(t, rg, op, w0, STRESS_WPP, 1, -1);
	cpu_read(t, rg, op, w0, STRESS_WPP);
}

static void move(struct thread_ctx *t, struct region *rg, bool dontunmap)
{
	uint32_t op = dontunmap ? OP_MREMAP_DONTUNMAP : OP_MREMAP;
	uint8_t *old;
	int ret;

	ret = region_move(rg, dontunmap, &old);
	hist_add(rg->s, op, t->tid, 0, 0, rg->s->nwords, (uintptr_t)rg->addr, ret);
	if (ret) {
		note_error("%s of a %s region: %s", op_name(op),
			   kind_name(rg->s->kind), strerror(-ret));
		return;
	}
	if (old) {
		/* private memory left behind by DONTUNMAP reads zero */
		struct seen by = seen_of(t, "dev (old range after DONTUNMAP)", op);
		uint64_t p = rng_below(&t->rng, rg->s->nwords / STRESS_WPP);
		uint64_t sum, zero[STRESS_WPP] = { 0 };
		unsigned int dev = pick_dev(t);
		uint8_t *at = old + p * STRESS_PAGE;

		ret = sh->cfg.ndevs ? emu_exec1(t->w->fd[dev], SVM_EMU_OP_CHECKSUM,
						at, STRESS_PAGE, 0, 0, &sum, NULL) :
				      -EBUSY;
		if (!ret && sum != fnv_words(zero, STRESS_WPP, 1)) {
			report_mismatch(&by, rg->s, (uintptr_t)at, p * STRESS_WPP,
					0, 0, "(page left by MREMAP_DONTUNMAP not zero for the device)");
			CNT_ADD(mismatched_words, 1);
		} else if (ret && !benign(ret)) {
			note_error("checksum of the range DONTUNMAP left: %s",
				   strerror(-ret));
		}
		by.who = "cpu (old range after DONTUNMAP)";
		cpu_check(&by, rg->s, (uint64_t *)at, zero, 0, STRESS_WPP);
		munmap(old, rg->s->size);
	}
	spot_check(t, rg, op);
}

static void remap(struct thread_ctx *t, struct region *rg)
{
	int ret = region_unmap(rg);

	if (!ret)
		ret = region_map(rg);
	hist_add(rg->s, OP_REMAP, t->tid, 0, 0, rg->s->nwords, (uintptr_t)rg->addr, ret);
	if (ret) {
		note_error("munmap/mmap of a %s region: %s", kind_name(rg->s->kind),
			   strerror(-ret));
		return;
	}
	/* anonymous memory starts over at zero; memfd and files keep theirs */
	if (rg->s->kind == KIND_PRIVATE || rg->s->kind == KIND_SHARED_ANON)
		memset(rg->exp, 0, rg->s->size);
	spot_check(t, rg, OP_REMAP);
}

void verify_region(struct thread_ctx *t, struct region *rg, int dev)
{
	dev_checksum(t, rg, OP_VERIFY, 0, rg->s->nwords, 1, dev);
	cpu_read(t, rg, OP_VERIFY, 0, rg->s->nwords);
}

/* fork: the child's spans, chosen by the parent (A: CPU, B: device) */
struct fork_plan {
	uint64_t a0, an, av, b0, bn, bv;
	unsigned int dev;
};

/*
 * The child: sees the values of the fork, writes A from the CPU and B from a
 * device of its own, and reads both back.  Exit 0, 1 wrong word seen, 2
 * error, 3 a device write was cut short (benign).
 */
static int fork_child(struct thread_ctx *t, struct region *rg,
		      const struct fork_plan *fp)
{
	struct seen by = seen_of(t, "fork child cpu", OP_FORK);
	volatile uint64_t *m = mem(rg);
	uint64_t i, bad = 0, sum;
	int fd, ret, err;

	check_no_adopt = true;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	bad += cpu_check(&by, rg->s, mem(rg), rg->exp, 0, rg->s->nwords);
	if (!sh->cfg.ndevs) {	/* --cpu-only: the CPU writes B too */
		for (i = 0; i < fp->an; i++)
			m[fp->a0 + i] = fp->av + i;
		for (i = 0; i < fp->bn; i++)
			m[fp->b0 + i] = fp->bv + i;
		return bad ? 1 : 0;
	}
	fd = emu_open(fp->dev);
	if (fd < 0 || emu_bind(fd))
		return 2;
	by.who = "fork child dev";
	bad += dev_check(&by, fd, rg->s, (uintptr_t)rg->addr, rg->exp, fp->b0,
			 fp->bn, 1, &err);
	if (err)
		return benign(err) ? 3 : 2;
	for (i = 0; i < fp->an; i++)
		m[fp->a0 + i] = fp->av + i;
	ret = emu_exec1(fd, SVM_EMU_OP_WRITE, rg->addr + fp->b0 * 8, fp->bn * 8,
			0, fp->bv, NULL, NULL);
	if (ret)
		return benign(ret) ? 3 : 2;
	for (i = 0; i < fp->an && !bad; i++)
		if (m[fp->a0 + i] != fp->av + i) {
			report_mismatch(&by, rg->s, (uintptr_t)&m[fp->a0 + i], fp->a0 + i,
					fp->av + i, m[fp->a0 + i], "(the child's own CPU write)");
			bad++;
		}
	for (i = 0; i < fp->bn && !bad; i++)
		if (m[fp->b0 + i] != fp->bv + i) {
			report_mismatch(&by, rg->s, (uintptr_t)&m[fp->b0 + i], fp->b0 + i,
					fp->bv + i, m[fp->b0 + i], "(the child's own device write)");
			bad++;
		}
	/* the child's device sees its CPU write */
	if (!bad && !emu_exec1(fd, SVM_EMU_OP_CHECKSUM, rg->addr + fp->a0 * 8,
			       fp->an * 8, 0, 0, &sum, NULL)) {
		uint64_t h = 0xcbf29ce484222325ULL;

		for (i = 0; i < fp->an; i++)
			h = (h ^ (fp->av + i)) * 0x100000001b3ULL;
		if (h != sum) {
			report_mismatch(&by, rg->s, (uintptr_t)&m[fp->a0], fp->a0,
					fp->av, 0, "(the child's device does not see its CPU write)");
			bad++;
		}
	}
	close(fd);
	return bad ? 1 : 0;
}

static void do_fork(struct thread_ctx *t, struct region *rg)
{
	struct journal *ja = &t->w->ss->jr[t->tid][0], *jb = &t->w->ss->jr[t->tid][1];
	bool shared = rg->s->kind != KIND_PRIVATE;
	uint64_t half = rg->s->nwords / 2;
	struct fork_plan fp;
	int st = 0, rc;
	pid_t pid;

	fp.an = 1 + rng_below(&t->rng, half < 4 * STRESS_WPP ? half : 4 * STRESS_WPP);
	fp.a0 = rng_below(&t->rng, half - fp.an + 1);
	fp.bn = 1 + rng_below(&t->rng, half < 4 * STRESS_WPP ? half : 4 * STRESS_WPP);
	fp.b0 = half + rng_below(&t->rng, half - fp.bn + 1);
	fp.av = rng_next(&t->rng);
	fp.bv = rng_next(&t->rng);
	fp.dev = pick_dev(t);
	if (shared) {
		/* the child's writes reach this region: journaled like ours */
		journal_set(ja, WR_SEQ, rg->idx, fp.a0, fp.an, fp.av);
		journal_set(jb, WR_SEQ, rg->idx, fp.b0, fp.bn, fp.bv);
	}
	CNT_ADD(forks, 1);
	pid = fork();
	if (pid == 0)
		_exit(fork_child(t, rg, &fp));
	if (pid < 0) {
		note_error("fork: %s", strerror(errno));
		journal_clear(ja);
		journal_clear(jb);
		return;
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	hist_add(rg->s, OP_FORK, t->tid, fp.dev, fp.a0, fp.an, fp.av, -rc);
	if (rc == 3)
		CNT_ADD(busy, 1);
	else if (rc == 2 || rc > 3)
		note_error("fork child on a %s region: exit %d", kind_name(rg->s->kind), rc);
	if (shared) {
		struct seen by = seen_of(t, "cpu (after the fork child)", OP_FORK);

		if (rc == 0) {
			apply(rg, ja);
			apply(rg, jb);
		} else {
			resolve_partial(&by, rg->s, mem(rg), rg->exp, ja);
			resolve_partial(&by, rg->s, mem(rg), rg->exp, jb);
		}
		journal_clear(ja);
		journal_clear(jb);
	}
	/* private: the parent must still read the values of the fork */
	dev_checksum(t, rg, OP_FORK, fp.b0, fp.bn, 1, -1);
	dev_checksum(t, rg, OP_FORK, fp.a0, fp.an, 1, -1);
	cpu_read(t, rg, OP_FORK, fp.a0, fp.an);
	cpu_read(t, rg, OP_FORK, fp.b0, fp.bn);
}

void do_op(struct thread_ctx *t, struct region *rg, unsigned int op)
{
	uint64_t w0, nw;

	/* --cpu-only: what would use a device reads from the CPU instead */
	if (!sh->cfg.ndevs && (op == OP_DEV_WRITE || op == OP_DEV_ATOMIC ||
			       op == OP_DEV_FILL || op == OP_DEV_READ ||
			       op == OP_DEV_CHECKSUM || op == OP_PREFETCH ||
			       op == OP_HINT))
		op = OP_CPU_READ;
	switch (op) {
	case OP_CPU_WRITE:
		cpu_write(t, rg);
		break;
	case OP_CPU_READ:
		pick_words(t, rg, &w0, &nw);
		cpu_read(t, rg, op, w0, nw);
		break;
	case OP_CPU_ATOMIC:
		cpu_atomic(t, rg);
		break;
	case OP_DEV_WRITE:
		dev_write(t, rg, op, SVM_EMU_OP_WRITE, WR_SEQ, rng_next(&t->rng));
		break;
	case OP_DEV_ATOMIC:
		dev_write(t, rg, op, SVM_EMU_OP_ATOMIC_ADD, WR_ADD,
			  1 + rng_below(&t->rng, 1 << 20));
		break;
	case OP_DEV_FILL:
		dev_write(t, rg, op, SVM_EMU_OP_FILL, WR_FILL, rng_below(&t->rng, 256));
		break;
	case OP_DEV_READ:
		dev_read(t, rg);
		break;
	case OP_DEV_CHECKSUM: {
		static const uint64_t strides[] = { 1, 1, 2, 7, STRESS_WPP };

		pick_words(t, rg, &w0, &nw);
		dev_checksum(t, rg, op, w0, nw, strides[rng_below(&t->rng, 5)], -1);
		break;
	}
	case OP_PREFETCH:
		prefetch(t, rg);
		break;
	case OP_HINT:
		hint(t, rg);
		break;
	case OP_PAGEOUT:
	case OP_DONTNEED:
		advise(t, rg, op);
		break;
	case OP_MPROTECT:
		protect(t, rg);
		break;
	case OP_MREMAP:
		move(t, rg, false);
		break;
	case OP_MREMAP_DONTUNMAP:
		/* the old range of shared memory would keep the data: private only */
		move(t, rg, rg->s->kind == KIND_PRIVATE);
		break;
	case OP_REMAP:
		remap(t, rg);
		break;
	case OP_FORK:
		do_fork(t, rg);
		break;
	case OP_VERIFY:
		verify_region(t, rg, -1);
		break;
	}
	CNT_ADD(ops[op], 1);
}
