// SPDX-License-Identifier: GPL-2.0
/*
 * svmfuzz: the svm_emu ioctls, built at their edges, with their oracle.
 *
 * Each builder fills a struct from valid-looking values and, field by
 * field, sometimes breaks a rule the uapi header states; what it broke goes
 * into @hard (the call must fail with one of those errnos) or, where another
 * thread may have changed the memory since (chaos), into @soft.  The errnos
 * are those include/uapi/drm/svm_emu_drm.h gives for each rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <drm/drm.h>
#include <drm/svm_emu_drm.h>
#include "fuzz.h"

#define PAGE		4096ULL
#define SCRATCH_SIZE	(SVM_EMU_EXEC_MAX_ACCESSES * sizeof(struct drm_svm_emu_access))
/*
 * TASK_SIZE with 4-level paging; with 5-level paging the kernel's limit is
 * 2^56 - 4096 while mmap stays below 2^47 unless asked: addresses between
 * the two are in range but never mapped here.
 */
#define USER_TOP_4L	((1ULL << 47) - PAGE)
#define USER_TOP_5L	((1ULL << 56) - PAGE)
#define MMAP_MIN	65536ULL

/* how an ioctl answers for a span of user memory */
struct span_rules {
	uint64_t align;		/* addr and length alignment */
	int misaligned;		/* errno for misalignment or length 0 */
	int out_of_range;	/* errno for a span past the user half */
	int unmapped;		/* errno for a span over no VMA (0: none) */
	int no_access;		/* errno for memory the device may not touch */
	bool needs_write;	/* the device writes the span */
};

struct span {
	uint64_t addr, len;
	bool unsafe_write;	/* may cover memory of ours outside the pool */
};

static void add(struct fz_errs *s, int e)
{
	fz_errs_add(s, e);
}

/* A span: inside the pool most of the time, else at the edges of the address space. */
static void gen_span(struct fz_worker *w, const struct span_rules *r,
		     struct span *sp, struct fz_errs *hard, struct fz_errs *soft,
		     struct fz_errs *late)
{
	struct fz_rng *g = &w->rng;
	struct fz_errs *mem = fz.cfg.chaos ? soft : late;
	uint64_t pool = (uintptr_t)fz.pool.base;
	uint64_t pool_end = pool + FZ_NSLOTS * FZ_SLOT_SIZE;
	uint64_t end;

	sp->unsafe_write = false;
	if (fz_below(g, 10) < 7) {
		unsigned int slot = fz_below(g, FZ_NSLOTS);
		uint64_t off = fz_one_in(g, 2) ? 0 :
			fz_below(g, FZ_SLOT_SIZE / r->align) * r->align;

		sp->addr = pool + slot * FZ_SLOT_SIZE + off;
		switch (fz_below(g, 6)) {
		case 0:
			sp->len = r->align;
			break;
		case 1:
			sp->len = PAGE;
			break;
		case 2:
			sp->len = FZ_SLOT_SIZE - off;
			break;
		case 3:
			sp->len = (1 + fz_below(g, 3 * FZ_SLOT_SIZE / PAGE)) * PAGE;
			break;
		case 4:
			sp->len = pool_end - sp->addr;
			break;
		default:
			sp->len = fz_edge(g) & ~(r->align - 1);
			break;
		}
		if (!sp->len)
			sp->len = r->align;
		/* a write never leaves the pool: its guard stops it */
		if (r->needs_write && (sp->addr + sp->len < sp->addr ||
				       sp->addr + sp->len > pool_end))
			sp->len = pool_end - sp->addr;
		end = sp->addr + sp->len;
		if (end < sp->addr || end > USER_TOP_5L) {
			add(hard, r->out_of_range);
			return;
		}
		if (end > pool_end) {
			/* the guard, then anything: never past the user top here */
			if (r->unmapped)
				add(soft, r->unmapped);
			if (r->no_access)
				add(soft, r->no_access);
			if (end > USER_TOP_4L)
				add(soft, r->out_of_range);
			end = pool_end;
		}
		for (uint64_t a = sp->addr; a < end;) {
			unsigned int i = (a - pool) / FZ_SLOT_SIZE;
			enum fz_kind k = atomic_load(&fz.pool.kind[i]);
			uint64_t slot_end = pool + (i + 1) * FZ_SLOT_SIZE;
			bool short_ok = k == FZ_MEMFD_SHORT &&
				a + 0 < pool + i * FZ_SLOT_SIZE + PAGE &&
				(end <= pool + i * FZ_SLOT_SIZE + PAGE);

			if (r->no_access && !short_ok &&
			    (!fz_kind_readable(k) ||
			     (r->needs_write && !fz_kind_writable(k))))
				add(mem, r->no_access);
			/* the chaos thread may remap the slot under the call */
			if (fz.cfg.chaos && r->no_access)
				add(soft, r->no_access);
			if (fz.cfg.chaos && r->unmapped)
				add(soft, r->unmapped);
			a = slot_end;
		}
		return;
	}

	/* the edges: NULL page, kernel half, non-canonical, top of user space */
	static const uint64_t bad[] = {
		0, PAGE, MMAP_MIN - PAGE, 0xffff888000000000ULL,
		0xffffffffff600000ULL, 1ULL << 47, USER_TOP_4L, USER_TOP_5L,
		1ULL << 63, ~0ULL - PAGE + 1, 1ULL << 32, 1ULL << 40,
	};
	sp->addr = fz_one_in(g, 4) ? fz_edge(g) & ~(r->align - 1) :
		bad[fz_below(g, sizeof(bad) / sizeof(bad[0]))];
	sp->len = fz_one_in(g, 2) ? PAGE : fz_edge(g) & ~(r->align - 1);
	if (!sp->len)
		sp->len = r->align;
	end = sp->addr + sp->len;
	if (end < sp->addr || end > USER_TOP_5L) {
		add(hard, r->out_of_range);
	} else if (end <= MMAP_MIN) {
		/* below mmap_min_addr: nothing can be mapped there */
		if (r->unmapped)
			add(late, r->unmapped);
		if (r->no_access)
			add(late, r->no_access);
	} else {
		/* user space outside the pool: maybe one of our own mappings */
		sp->unsafe_write = true;
		if (r->unmapped)
			add(soft, r->unmapped);
		if (r->no_access)
			add(soft, r->no_access);
		if (end > USER_TOP_4L)
			add(soft, r->out_of_range);
	}
}

/* Misalign a span now and then (a broken rule with its errno). */
static void maybe_misalign(struct fz_worker *w, const struct span_rules *r,
			   struct span *sp, struct fz_errs *hard)
{
	if (fz_one_in(&w->rng, 20)) {
		sp->addr += 1 + fz_below(&w->rng, r->align - 1);
		add(hard, r->misaligned);
	}
	if (fz_one_in(&w->rng, 20)) {
		sp->len += 1 + fz_below(&w->rng, r->align - 1);
		add(hard, r->misaligned);
	}
	if (fz_one_in(&w->rng, 40)) {
		sp->len = 0;
		add(hard, r->misaligned);
	}
}

/* A user pointer to @len bytes of input: good, NULL, kernel or read-only. */
static uint64_t gen_uptr(struct fz_worker *w, void *good, struct fz_errs *hard,
			 bool written_back)
{
	switch (fz_below(&w->rng, 40)) {
	case 0:
		add(hard, EFAULT);
		return 0;
	case 1:
		add(hard, EFAULT);
		return 0xffff888000000000ULL;
	case 2:
		add(hard, EFAULT);
		return ~0ULL - 7;
	case 3:
		if (!written_back)
			break;
		/* readable, not writable: the results cannot be copied back */
		add(hard, EFAULT);
		return (uintptr_t)w->scratch_ro;
	}
	return (uintptr_t)good;
}

static int pick_fd(struct fz_worker *w, int *slot)
{
	*slot = fz_below(&w->rng, FZ_WORKER_FDS);
	return w->fd[*slot];
}

static void need_bound(struct fz_worker *w, int slot, struct fz_errs *hard)
{
	if (!w->bound[slot])
		add(hard, ENXIO);
}

static uint32_t nonzero_bit(struct fz_worker *w)
{
	return 1u << fz_below(&w->rng, 32);
}

static int do_ioctl(int fd, unsigned long cmd, void *arg, int *err)
{
	int ret = ioctl(fd, cmd, arg);

	*err = ret ? errno : 0;
	return ret;
}

/* ---- the ioctls */

static enum fz_op fz_info(struct fz_worker *w)
{
	struct drm_svm_emu_info info;
	struct fz_errs none = { 0 };
	int slot, fd = pick_fd(w, &slot), err, ret;

	/* INFO has no input and no errors: garbage in must not matter */
	memset(&info, 0xa5, sizeof(info));
	if (fz_one_in(&w->rng, 2))
		memset(&info, 0, sizeof(info));
	ret = do_ioctl(fd, DRM_IOCTL_SVM_EMU_INFO, &info, &err);
	fz_check(w, FZ_OP_INFO, ret, err, &none, &none, &none, "INFO dev %d",
		 w->dev[slot]);
	if (!ret && (info.version != SVM_EMU_UAPI_VERSION ||
		     info.index != (uint32_t)w->dev[slot] ||
		     info.mem_used > info.mem_total))
		fz_check(w, FZ_OP_INFO, -1, EPROTO, &none, &none, &none,
			 "INFO dev %d returned version %u index %u used %llu of %llu",
			 w->dev[slot], info.version, info.index,
			 (unsigned long long)info.mem_used,
			 (unsigned long long)info.mem_total);
	return FZ_OP_INFO;
}

static enum fz_op fz_bind(struct fz_worker *w, bool unbind)
{
	struct drm_svm_emu_bind b = { 0 };
	struct fz_errs hard = { 0 }, none = { 0 }, bg = { 0 };
	int slot, fd = pick_fd(w, &slot), err, ret;
	enum fz_op op = unbind ? FZ_OP_UNBIND : FZ_OP_BIND;

	if (fz_one_in(&w->rng, 8)) {
		b.flags = nonzero_bit(w);
		add(&hard, EINVAL);
	}
	if (fz_one_in(&w->rng, 8)) {
		b.pad = nonzero_bit(w);
		add(&hard, EINVAL);
	}
	if (fz_one_in(&w->rng, 8)) {
		b.reserved[fz_below(&w->rng, 2)] = fz_edge(&w->rng) | 1;
		add(&hard, EINVAL);
	}
	if (unbind && !w->bound[slot])
		add(&hard, ENXIO);
	if (!unbind && w->bound[slot])
		add(&hard, EALREADY);
	add(&bg, ENOMEM);
	ret = do_ioctl(fd, unbind ? DRM_IOCTL_SVM_EMU_UNBIND :
		       DRM_IOCTL_SVM_EMU_BIND, &b, &err);
	fz_check(w, op, ret, err, &hard, &none, &bg, "%s dev %d (bound %d) flags %#x pad %#x",
		 unbind ? "UNBIND" : "BIND", w->dev[slot], w->bound[slot], b.flags, b.pad);
	if (!ret)
		w->bound[slot] = !unbind;
	return op;
}

static const struct span_rules exec_rules = {
	.align = 8, .misaligned = EINVAL, .out_of_range = EFAULT,
	.unmapped = EFAULT, .no_access = EFAULT,
};

static void gen_access(struct fz_worker *w, struct drm_svm_emu_access *a,
		       struct fz_errs *hard, struct fz_errs *soft,
		       struct fz_errs *late)
{
	struct span_rules r = exec_rules;
	struct fz_errs mem = { 0 }, late_mem = { 0 };
	struct span sp;
	struct fz_rng *g = &w->rng;

	memset(a, 0, sizeof(*a));
	a->op = 1 + fz_below(g, SVM_EMU_OP_MAX - 1);
	r.needs_write = a->op == SVM_EMU_OP_WRITE || a->op == SVM_EMU_OP_FILL ||
			a->op == SVM_EMU_OP_ATOMIC_ADD;
	/* the span's memory errors: certain only if every byte is touched */
	gen_span(w, &r, &sp, &mem, soft, &late_mem);
	if (sp.unsafe_write && r.needs_write)
		a->op = fz_one_in(g, 2) ? SVM_EMU_OP_READ : SVM_EMU_OP_CHECKSUM;
	maybe_misalign(w, &r, &sp, hard);
	a->addr = sp.addr;
	a->length = sp.len;
	switch (fz_below(g, 10)) {
	case 0 ... 4:
		a->stride = 0;
		break;
	case 5 ... 7:
		a->stride = 8ULL << fz_below(g, 22);
		break;
	default:
		a->stride = fz_edge(g);
		break;
	}
	/* a stride is 0 or a multiple of 8 from 8 to the length */
	if (a->stride && (a->stride % 8 || a->stride > a->length))
		add(hard, EINVAL);
	fz_errs_or(a->stride ? soft : hard, &mem);
	fz_errs_or(a->stride ? soft : late, &late_mem);
	a->value = fz_next(g);
	if (fz_one_in(g, 30)) {
		a->flags = nonzero_bit(w);
		add(hard, EINVAL);
	}
	if (fz_one_in(g, 30)) {
		static const uint32_t bad_ops[] = { 0, SVM_EMU_OP_MAX, 0x80000000u, ~0u };

		a->op = bad_ops[fz_below(g, 4)];
		add(hard, EINVAL);
	}
}

static enum fz_op fz_exec(struct fz_worker *w)
{
	struct drm_svm_emu_access *acc = w->scratch;
	struct drm_svm_emu_exec e = { 0 };
	struct fz_errs hard = { 0 }, soft = { 0 }, bg = { 0 }, late = { 0 };
	struct fz_rng *g = &w->rng;
	int slot, fd = pick_fd(w, &slot), err, ret;
	uint32_t n, gen;

	switch (fz_below(g, 20)) {
	case 0:
		n = 0;
		add(&hard, EINVAL);
		break;
	case 1:
		n = SVM_EMU_EXEC_MAX_ACCESSES;
		break;
	case 2:
		n = fz_one_in(g, 2) ? SVM_EMU_EXEC_MAX_ACCESSES + 1 :
			(uint32_t)fz_edge(g) | 0x80000000u;
		add(&hard, EINVAL);
		break;
	default:
		n = 1 + fz_below(g, 4);
		break;
	}
	gen = n < 8 ? n : 8;
	for (uint32_t i = 0; i < gen; i++)
		gen_access(w, &acc[i], &hard, &soft, &late);
	/* a long list: tiny reads of the pool's first word after the first 8 */
	for (uint32_t i = gen; i < n && i < SVM_EMU_EXEC_MAX_ACCESSES; i++) {
		enum fz_kind k = atomic_load(&fz.pool.kind[0]);

		acc[i] = (struct drm_svm_emu_access){
			.op = SVM_EMU_OP_READ,
			.addr = (uintptr_t)fz.pool.base, .length = 8,
		};
		if (!fz_kind_readable(k))
			add(fz.cfg.chaos ? &soft : &late, EFAULT);
		else if (fz.cfg.chaos)
			add(&soft, EFAULT);
	}
	{
		uint64_t total = 0;
		bool over = false;

		for (uint32_t i = 0; i < n && i < SVM_EMU_EXEC_MAX_ACCESSES; i++)
			over |= __builtin_add_overflow(total, acc[i].length, &total);
		if (over || total > SVM_EMU_EXEC_MAX_BYTES)
			add(&hard, EINVAL);
	}
	e.count = n;
	e.accesses = gen_uptr(w, acc, &hard, n <= SVM_EMU_EXEC_MAX_ACCESSES);
	if (e.accesses == (uintptr_t)w->scratch_ro && n > 1) {
		/* the read-only page holds one valid access */
		e.count = n = 1;
	}
	if (fz_one_in(g, 30)) {
		e.flags = nonzero_bit(w);
		add(&hard, EINVAL);
	}
	if (fz_one_in(g, 30)) {
		e.reserved[fz_below(g, 2)] = fz_edge(g) | 1;
		add(&hard, EINVAL);
	}
	need_bound(w, slot, &hard);
	add(&bg, EBUSY);
	add(&bg, ENOMEM);
	add(&bg, EINTR);
	add(&bg, EDQUOT);	/* the per-process range cap */
	/*
	 * Memory rules are found only when the device reaches the page that
	 * breaks them, so an errno the ioctl may return anyway can come
	 * first.  Argument rules are checked before any work: none can.
	 */
	if (!fz_errs_any(&hard) && fz_errs_any(&late))
		fz_errs_or(&soft, &bg);
	fz_errs_or(&hard, &late);
	ret = do_ioctl(fd, DRM_IOCTL_SVM_EMU_EXEC, &e, &err);
	fz_check(w, FZ_OP_EXEC, ret, err, &hard, &soft, &bg,
		 "EXEC dev %d bound %d count %u flags %#x acc0 op %u flags %#x addr %#llx len %#llx stride %#llx",
		 w->dev[slot], w->bound[slot], n, e.flags, acc[0].op, acc[0].flags,
		 (unsigned long long)acc[0].addr, (unsigned long long)acc[0].length,
		 (unsigned long long)acc[0].stride);
	return FZ_OP_EXEC;
}

static enum fz_op fz_query(struct fz_worker *w)
{
	struct drm_svm_emu_query q = { 0 };
	struct fz_errs hard = { 0 }, soft = { 0 }, bg = { 0 };
	struct fz_rng *g = &w->rng;
	int slot, fd = pick_fd(w, &slot), err, ret;
	static const struct span_rules rules = {
		.align = PAGE, .misaligned = EINVAL, .out_of_range = EINVAL,
	};
	struct fz_errs unused = { 0 };
	struct span sp;

	/* only the address: the length is npages, judged below */
	gen_span(w, &rules, &sp, &unused, &unused, &unused);
	q.addr = sp.addr;
	if (fz_one_in(g, 20)) {
		q.addr += 8 * (1 + fz_below(g, 511));
		add(&hard, EINVAL);
	}
	switch (fz_below(g, 12)) {
	case 0:
		q.npages = 0;
		add(&hard, EINVAL);
		break;
	case 1:
		q.npages = SVM_EMU_QUERY_MAX_PAGES;
		break;
	case 2:
		q.npages = fz_edge(g);
		if (!q.npages || q.npages > SVM_EMU_QUERY_MAX_PAGES)
			add(&hard, EINVAL);
		break;
	default:
		q.npages = 1 + fz_below(g, sp.len / PAGE < 1024 ? sp.len / PAGE + 1 : 1024);
		break;
	}
	/*
	 * A span past the user half: the header lists no error for it (pages
	 * there are "none"), but one is defensible; take EINVAL or EFAULT.
	 */
	if (q.npages && q.npages <= SVM_EMU_QUERY_MAX_PAGES &&
	    (q.addr + q.npages * PAGE < q.addr || q.addr + q.npages * PAGE > USER_TOP_4L)) {
		add(&soft, EINVAL);
		add(&soft, EFAULT);
	}
	q.res = gen_uptr(w, w->res, &hard, true);
	if (q.res == (uintptr_t)w->scratch_ro && q.npages > PAGE / 2)
		q.npages = PAGE / 2;	/* still not writable: EFAULT stands */
	if (fz_one_in(g, 30)) {
		q.flags = nonzero_bit(w);
		add(&hard, EINVAL);
	}
	if (fz_one_in(g, 30)) {
		q.pad = nonzero_bit(w);
		add(&hard, EINVAL);
	}
	if (fz_one_in(g, 30)) {
		q.reserved[fz_below(g, 2)] = fz_edge(g) | 1;
		add(&hard, EINVAL);
	}
	need_bound(w, slot, &hard);
	add(&bg, ENOMEM);
	add(&bg, EINTR);
	add(&bg, EDQUOT);
	ret = do_ioctl(fd, DRM_IOCTL_SVM_EMU_QUERY, &q, &err);
	fz_check(w, FZ_OP_QUERY, ret, err, &hard, &soft, &bg,
		 "QUERY dev %d bound %d addr %#llx npages %#llx res %#llx flags %#x",
		 w->dev[slot], w->bound[slot], (unsigned long long)q.addr,
		 (unsigned long long)q.npages, (unsigned long long)q.res, q.flags);
	return FZ_OP_QUERY;
}

static const struct span_rules attr_rules = {
	.align = PAGE, .misaligned = EINVAL, .out_of_range = EINVAL,
	.unmapped = ENOMEM,
};

/* a location: a present device, an absent one, system, none, garbage */
static uint32_t gen_loc(struct fz_worker *w, struct fz_errs *hard, bool none_ok)
{
	struct fz_rng *g = &w->rng;
	uint32_t loc;

	switch (fz_below(g, 8)) {
	case 0 ... 3:
		return fz_below(g, fz.ndev);
	case 4:
		return SVM_EXT_LOC_SYSTEM;
	case 5:
		if (!none_ok)
			add(hard, EINVAL);
		return SVM_EXT_LOC_NONE;
	case 6:
		if (fz.ndev >= SVM_EXT_MAX_DEVICES)
			return 0;
		loc = fz.ndev + fz_below(g, SVM_EXT_MAX_DEVICES - fz.ndev);
		add(hard, ENODEV);
		return loc;
	default:
		loc = (uint32_t)fz_edge(g);
		if (loc < (uint32_t)fz.ndev || loc == SVM_EXT_LOC_SYSTEM ||
		    (none_ok && loc == SVM_EXT_LOC_NONE))
			return loc;
		/* an index of a device slot with nothing in it may say ENODEV */
		add(hard, loc < SVM_EXT_MAX_DEVICES ? ENODEV : EINVAL);
		if (loc == SVM_EXT_LOC_NONE)
			add(hard, EINVAL);
		return loc;
	}
}

static void gen_attr(struct fz_worker *w, struct svm_ext_attr *a,
		     struct fz_errs *hard, struct fz_errs *soft)
{
	struct fz_rng *g = &w->rng;
	int slot;

	memset(a, 0, sizeof(*a));
	a->type = 1 + fz_below(g, SVM_EXT_ATTR_MAX - 1);
	switch (a->type) {
	case SVM_EXT_ATTR_PREFERRED_LOC:
		a->value = gen_loc(w, hard, true);
		if (fz_one_in(g, 10)) {
			a->value |= 1ULL << (32 + fz_below(g, 32));
			add(hard, EINVAL);
		}
		break;
	case SVM_EXT_ATTR_PREFERRED_FD:
		switch (fz_below(g, 5)) {
		case 0 ... 2:
			pick_fd(w, &slot);
			a->value = w->fd[slot];
			/* "a bound render node": an unbound one may be refused */
			if (!w->bound[slot]) {
				add(soft, EINVAL);
				add(soft, ENXIO);
				add(soft, EBADF);
			}
			break;
		case 3:
			a->value = (uint64_t)-1;
			add(hard, EBADF);
			add(hard, EINVAL);
			break;
		default:
			/* stdin: open, but not a render node */
			a->value = 0;
			add(hard, EBADF);
			break;
		}
		break;
	case SVM_EXT_ATTR_ACCESSED_BY:
		a->value = fz_below(g, 1u << fz.ndev);
		if (fz_one_in(g, 5)) {
			a->value = fz_edge(g);
			if (a->value >> fz.ndev) {
				add(hard, EINVAL);
				add(hard, ENODEV);
			}
		}
		break;
	case SVM_EXT_ATTR_READ_MOSTLY:
		a->value = fz_below(g, 2);
		if (fz_one_in(g, 5)) {
			a->value = 2 + fz_below(g, 1000);
			add(hard, EINVAL);
		}
		break;
	case SVM_EXT_ATTR_GRANULARITY:
		a->value = fz_below(g, 10);
		if (fz_one_in(g, 5)) {
			a->value = 10 + fz_edge(g) % 100;
			add(hard, EINVAL);
		}
		break;
	}
	if (fz_one_in(g, 30)) {
		static const uint32_t bad_types[] = { 0, SVM_EXT_ATTR_MAX, 0x80000000u, ~0u };

		a->type = bad_types[fz_below(g, 4)];
		add(hard, EINVAL);
	}
	if (fz_one_in(g, 30)) {
		a->pad = nonzero_bit(w);
		add(hard, EINVAL);
	}
}

static void policy_errnos(struct fz_errs *bg)
{
	add(bg, EDQUOT);	/* not the policy's: the per-process range cap */
	/* what an active policy may refuse a hint or a prefetch with */
	add(bg, EPERM);
	add(bg, EACCES);
	add(bg, EBUSY);
	add(bg, ENOSPC);
}

static enum fz_op fz_set_attr(struct fz_worker *w)
{
	struct svm_ext_attr *attrs = w->scratch;
	struct drm_svm_emu_set_attr s = { 0 };
	struct fz_errs hard = { 0 }, soft = { 0 }, bg = { 0 };
	struct fz_rng *g = &w->rng;
	int slot, fd = pick_fd(w, &slot), err, ret;
	struct span sp;
	uint32_t n, gen;

	gen_span(w, &attr_rules, &sp, &hard, &soft, &hard);
	maybe_misalign(w, &attr_rules, &sp, &hard);
	s.addr = sp.addr;
	s.length = sp.len;
	switch (fz_below(g, 20)) {
	case 0:
		n = 0;
		add(&hard, EINVAL);
		break;
	case 1:
		n = SVM_EMU_MAX_ATTRS + 1 + fz_below(g, 1000);
		add(&hard, EINVAL);
		break;
	case 2:
		n = SVM_EMU_MAX_ATTRS;
		break;
	default:
		n = 1 + fz_below(g, 3);
		break;
	}
	gen = n <= SVM_EMU_MAX_ATTRS ? n : 0;
	for (uint32_t i = 0; i < gen; i++)
		gen_attr(w, &attrs[i], &hard, &soft);
	s.nattrs = n;
	s.attrs = gen_uptr(w, attrs, &hard, false);
	if (fz_one_in(g, 30)) {
		s.flags = nonzero_bit(w);
		add(&hard, EINVAL);
	}
	if (fz_one_in(g, 30)) {
		s.reserved[fz_below(g, 2)] = fz_edge(g) | 1;
		add(&hard, EINVAL);
	}
	need_bound(w, slot, &hard);
	add(&bg, ENOMEM);
	add(&bg, EINTR);
	policy_errnos(&bg);
	ret = do_ioctl(fd, DRM_IOCTL_SVM_EMU_SET_ATTR, &s, &err);
	fz_check(w, FZ_OP_SET_ATTR, ret, err, &hard, &soft, &bg,
		 "SET_ATTR dev %d bound %d addr %#llx len %#llx n %u attr0 %u/%#llx",
		 w->dev[slot], w->bound[slot], (unsigned long long)s.addr,
		 (unsigned long long)s.length, n, gen ? attrs[0].type : 0,
		 gen ? (unsigned long long)attrs[0].value : 0ULL);
	return FZ_OP_SET_ATTR;
}

static enum fz_op fz_get_attr(struct fz_worker *w)
{
	struct drm_svm_emu_get_attr q;
	struct fz_errs hard = { 0 }, soft = { 0 }, bg = { 0 };
	struct fz_rng *g = &w->rng;
	int slot, fd = pick_fd(w, &slot), err, ret;
	struct span sp;
	/* unmapped memory has the default attributes: no error */
	static const struct span_rules rules = {
		.align = PAGE, .misaligned = EINVAL, .out_of_range = EINVAL,
	};

	/* outputs are garbage on the way in: they must not matter */
	memset(&q, 0x5a, sizeof(q));
	gen_span(w, &rules, &sp, &hard, &soft, &hard);
	maybe_misalign(w, &rules, &sp, &hard);
	q.addr = sp.addr;
	q.length = sp.len;
	q.flags = 0;
	q.reserved[0] = q.reserved[1] = 0;
	if (fz_one_in(g, 30)) {
		q.flags = nonzero_bit(w);
		add(&hard, EINVAL);
	}
	if (fz_one_in(g, 30)) {
		q.reserved[fz_below(g, 2)] = fz_edge(g) | 1;
		add(&hard, EINVAL);
	}
	need_bound(w, slot, &hard);
	add(&bg, EUCLEAN);
	ret = do_ioctl(fd, DRM_IOCTL_SVM_EMU_GET_ATTR, &q, &err);
	fz_check(w, FZ_OP_GET_ATTR, ret, err, &hard, &soft, &bg,
		 "GET_ATTR dev %d bound %d addr %#llx len %#llx flags %#x",
		 w->dev[slot], w->bound[slot], (unsigned long long)q.addr,
		 (unsigned long long)q.length, q.flags);
	return FZ_OP_GET_ATTR;
}

static enum fz_op fz_prefetch(struct fz_worker *w)
{
	struct drm_svm_emu_prefetch p = { 0 };
	struct fz_errs hard = { 0 }, soft = { 0 }, bg = { 0 };
	struct fz_rng *g = &w->rng;
	int slot, fd = pick_fd(w, &slot), err, ret;
	struct span sp;

	gen_span(w, &attr_rules, &sp, &hard, &soft, &hard);
	maybe_misalign(w, &attr_rules, &sp, &hard);
	p.addr = sp.addr;
	p.length = sp.len;
	p.loc = gen_loc(w, &hard, false);
	p.pages_moved = fz_next(g);	/* outputs: ignored on the way in */
	p.modeled_ns = fz_next(g);
	if (fz_one_in(g, 30)) {
		p.flags = nonzero_bit(w);
		add(&hard, EINVAL);
	}
	if (fz_one_in(g, 30)) {
		p.reserved = fz_edge(g) | 1;
		add(&hard, EINVAL);
	}
	need_bound(w, slot, &hard);
	add(&bg, EINTR);
	add(&bg, ENOMEM);
	policy_errnos(&bg);
	if (fz.cfg.policies)
		add(&bg, EINVAL);	/* a policy may refuse with EINVAL too */
	ret = do_ioctl(fd, DRM_IOCTL_SVM_EMU_PREFETCH, &p, &err);
	fz_check(w, FZ_OP_PREFETCH, ret, err, &hard, &soft, &bg,
		 "PREFETCH dev %d bound %d addr %#llx len %#llx loc %#x",
		 w->dev[slot], w->bound[slot], (unsigned long long)p.addr,
		 (unsigned long long)p.length, p.loc);
	if (!ret && p.pages_moved > p.length / PAGE)
		fz_check(w, FZ_OP_PREFETCH, -1, EPROTO, &hard, &soft, &bg,
			 "PREFETCH moved %llu pages of a %llu-page range",
			 (unsigned long long)p.pages_moved,
			 (unsigned long long)(p.length / PAGE));
	return FZ_OP_PREFETCH;
}

static enum fz_op fz_unknown(struct fz_worker *w)
{
	struct fz_errs hard = { 0 }, none = { 0 };
	int slot, fd = pick_fd(w, &slot), err, ret;
	/* driver ioctls are DRM_COMMAND_BASE .. DRM_COMMAND_END - 1 */
	unsigned int nr = DRM_COMMAND_BASE + DRM_SVM_EMU_PREFETCH + 1 +
		fz_below(&w->rng, DRM_COMMAND_END - DRM_COMMAND_BASE -
				  DRM_SVM_EMU_PREFETCH - 1);
	uint8_t buf[256];
	unsigned long cmd;

	memset(buf, 0, sizeof(buf));
	cmd = fz_one_in(&w->rng, 2) ? DRM_IOWR(nr, struct drm_svm_emu_exec) :
				      DRM_IO(nr);
	/* drm_ioctl(): a driver ioctl past the table is EINVAL */
	add(&hard, EINVAL);
	ret = do_ioctl(fd, cmd, buf, &err);
	fz_check(w, FZ_OP_UNKNOWN, ret, err, &hard, &none, &none,
		 "unknown ioctl nr %#x cmd %#lx", nr, cmd);
	return FZ_OP_UNKNOWN;
}

enum fz_op fz_one_ioctl(struct fz_worker *w)
{
	switch (fz_below(&w->rng, 64)) {
	case 0:
		return fz_info(w);
	case 1:
		return fz_bind(w, false);
	case 2:
		return fz_bind(w, true);
	case 3:
		return fz_unknown(w);
	case 4 ... 23:
		return fz_exec(w);
	case 24 ... 33:
		return fz_query(w);
	case 34 ... 43:
		return fz_set_attr(w);
	case 44 ... 49:
		return fz_get_attr(w);
	default:
		return fz_prefetch(w);
	}
}

/* ---- workers */

static int open_dev(int index)
{
	return open(fz.dev_path[index], O_RDWR | O_CLOEXEC);
}

int fz_worker_init(struct fz_worker *w, unsigned int id)
{
	struct drm_svm_emu_access *ro;
	struct drm_svm_emu_bind b = { 0 };

	memset(w, 0, sizeof(*w));
	w->id = id;
	fz_rng_init(&w->rng, fz.cfg.seed, id);
	w->scratch = mmap(NULL, SCRATCH_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	w->res = mmap(NULL, SVM_EMU_QUERY_MAX_PAGES * sizeof(uint16_t),
		      PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	w->scratch_ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w->scratch == MAP_FAILED || w->res == MAP_FAILED ||
	    w->scratch_ro == MAP_FAILED)
		return -ENOMEM;
	/* a valid READ of the pool's first word, readable but not writable */
	ro = w->scratch_ro;
	ro->op = SVM_EMU_OP_READ;
	ro->addr = (uintptr_t)fz.pool.base;
	ro->length = 8;
	mprotect(w->scratch_ro, PAGE, PROT_READ);
	for (int i = 0; i < FZ_WORKER_FDS; i++) {
		w->dev[i] = (id + i) % fz.ndev;
		w->fd[i] = open_dev(w->dev[i]);
		if (w->fd[i] < 0)
			return -errno;
		/* the first file bound, the others as the fuzzing leaves them */
		if (i == 0) {
			if (ioctl(w->fd[i], DRM_IOCTL_SVM_EMU_BIND, &b))
				return -errno;
			w->bound[i] = true;
		}
	}
	return 0;
}

void fz_worker_fini(struct fz_worker *w)
{
	for (int i = 0; i < FZ_WORKER_FDS; i++)
		if (w->fd[i] >= 0)
			close(w->fd[i]);
}

void fz_check(struct fz_worker *w, enum fz_op op, int ret, int err,
	      const struct fz_errs *hard, const struct fz_errs *soft,
	      const struct fz_errs *bg, const char *fmt, ...)
{
	struct fz_errs want = *hard;
	bool hard_set = fz_errs_any(hard);
	char what[512], wants[256];
	va_list ap;

	atomic_fetch_add(&fz.st.calls[op], 1);
	if (!ret)
		atomic_fetch_add(&fz.st.ok[op], 1);
	fz_errs_or(&want, soft);
	if (!hard_set)
		fz_errs_or(&want, bg);
	/* an injected allocation failure may come before any check */
	if (fz.cfg.inject)
		fz_errs_add(&want, ENOMEM);
	if (hard_set ? (ret && fz_errs_has(&want, err)) :
		       (!ret || fz_errs_has(&want, err)))
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	fz_errs_str(&want, wants, sizeof(wants));
	atomic_fetch_add(&fz.st.violations, 1);
	fz_report("oracle: %s: got %s, want %s%s (worker %u)", what,
		  ret ? (strerrorname_np(err) ?: "?") : "success",
		  hard_set ? "" : "success or ", wants, w->id);
}
