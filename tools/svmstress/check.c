// SPDX-License-Identifier: GPL-2.0
/*
 * svmstress: comparing memory with the shadow, from the CPU and from a
 * device, and reporting what differs with the history of its page.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "svm_user.h"
#include "svmstress.h"

#define FNV_INIT	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL
#define DEV_REPORT_MAX	8	/* wrong words located per device check */

/* a fork child shares the shadow with its parent: it must not change it */
bool check_no_adopt;

void note_error(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	CNT_ADD(errors, 1);
	snprintf(sh->last_err, sizeof(sh->last_err), "%s", buf);
	dprintf(2, "svmstress: error: %s\n", buf);
}

/* The entries of @r's history that touched the page of word @w, oldest first. */
static int format_history(char *out, size_t len, struct region_sh *r,
			  uint64_t w)
{
	uint64_t page = w / STRESS_WPP;
	uint32_t head = r->hist_head, n = head < STRESS_HIST ? head : STRESS_HIST;
	int used = 0, shown = 0;
	uint32_t i;

	used += snprintf(out + used, len - used,
			 "  history of page %llu (word offsets in the region; newest last):\n",
			 (unsigned long long)page);
	for (i = 0; i < n && used < (int)len - 160; i++) {
		const struct hist *h = &r->hist[(head - n + i) % STRESS_HIST];
		uint64_t p0 = h->w0 / STRESS_WPP;
		uint64_t p1 = (h->w0 + (h->nw ? h->nw : 1) - 1) / STRESS_WPP;

		if (page < p0 || page > p1)
			continue;
		shown++;
		used += snprintf(out + used, len - used,
				 "    #%llu t%u %-16s dev/loc %-10u words [%llu, +%llu) param 0x%llx -> %d\n",
				 (unsigned long long)h->seq, h->tid, op_name(h->op),
				 h->dev, (unsigned long long)h->w0,
				 (unsigned long long)h->nw,
				 (unsigned long long)h->param, h->ret);
	}
	if (!shown)
		used += snprintf(out + used, len - used,
				 "    (no operation on this page in the last %u of the region)\n",
				 STRESS_HIST);
	return used;
}

void report_mismatch(const struct seen *by, struct region_sh *r,
		     uint64_t addr, uint64_t w, uint64_t want, uint64_t got,
		     const char *note)
{
	char buf[sizeof(sh->first)];
	uint64_t nr = CNT_ADD(mismatches, 1);
	int used;

	CNT_ADD(mismatches_by_kind[r->kind < KIND_NR ? r->kind : 0], 1);
	if (nr > sh->cfg.max_reports && __atomic_load_n(&sh->first_taken, __ATOMIC_RELAXED))
		return;
	used = snprintf(buf, sizeof(buf),
			"MISMATCH #%llu seed %llu: %s in worker %u (gen %u) t%u during %s: "
			"%s region at 0x%llx, word %llu (address 0x%llx): expected 0x%016llx, got 0x%016llx%s%s\n",
			(unsigned long long)nr, (unsigned long long)sh->cfg.seed,
			by->who, by->slot, by->gen, by->tid, op_name(by->op),
			kind_name(r->kind), (unsigned long long)r->addr,
			(unsigned long long)w, (unsigned long long)addr,
			(unsigned long long)want, (unsigned long long)got,
			note ? " " : "", note ? note : "");
	format_history(buf + used, sizeof(buf) - used, r, w);
	if (!__atomic_exchange_n(&sh->first_taken, 1, __ATOMIC_SEQ_CST))
		memcpy(sh->first, buf, sizeof(buf));
	if (CNT_ADD(reports, 1) <= sh->cfg.max_reports)
		dprintf(2, "%s", buf);
}

uint64_t cpu_check(const struct seen *by, struct region_sh *r,
		   const uint64_t *mem, uint64_t *exp, uint64_t w0, uint64_t nw)
{
	const volatile uint64_t *m = mem;
	uint64_t w, bad = 0;

	for (w = w0; w < w0 + nw; w++) {
		uint64_t got = m[w];

		if (got == exp[w])
			continue;
		if (!bad++)
			report_mismatch(by, r, (uint64_t)(uintptr_t)&mem[w], w,
					exp[w], got, NULL);
		if (!check_no_adopt)
			exp[w] = got;	/* go on from what memory holds */
	}
	if (bad)
		CNT_ADD(mismatched_words, bad);
	return bad;
}

uint64_t resolve_partial(const struct seen *by, struct region_sh *r,
			 const uint64_t *mem, uint64_t *exp,
			 const struct journal *j)
{
	const volatile uint64_t *m = mem;
	uint64_t i, bad = 0, changed = 0;

	for (i = 0; i < j->nw; i++) {
		uint64_t w = j->w0 + i, got = m[w];
		uint64_t nv = write_value(j->kind, j->param, i, exp[w]);

		if (got == exp[w])
			continue;
		if (got == nv) {
			changed++;
		} else if (!bad++) {
			char note[96];

			snprintf(note, sizeof(note),
				 "(in-flight write: old 0x%llx or new 0x%llx allowed)",
				 (unsigned long long)exp[w], (unsigned long long)nv);
			report_mismatch(by, r, (uint64_t)(uintptr_t)&mem[w], w,
					nv, got, note);
		}
		if (!check_no_adopt)
			exp[w] = got;
	}
	CNT_ADD(uncertain_words, j->nw);
	if (bad)
		CNT_ADD(mismatched_words, bad);
	return bad;
}

uint64_t fnv_words(const uint64_t *w, uint64_t nw, uint64_t step)
{
	uint64_t h = FNV_INIT, i;

	for (i = 0; i < nw; i += step)
		h = (h ^ w[i]) * FNV_PRIME;
	return h;
}

/* the device's checksum of one word gives the word back: FNV_PRIME is odd */
static uint64_t unfnv1(uint64_t h)
{
	uint64_t inv = FNV_PRIME;
	int i;

	for (i = 0; i < 6; i++)
		inv *= 2 - FNV_PRIME * inv;
	return (h * inv) ^ FNV_INIT;
}

/* checksum of touched words a .. b-1 (word w0 + k * s) on the device */
static int dev_sum(int fd, uint64_t base, uint64_t w0, uint64_t s,
		   uint64_t a, uint64_t b, uint64_t *sum)
{
	uint64_t addr = base + (w0 + a * s) * 8, len = ((b - a - 1) * s + 1) * 8;

	/* the uapi wants 8 <= stride <= length: one word needs none */
	return emu_exec1(fd, SVM_EMU_OP_CHECKSUM, (void *)(uintptr_t)addr, len,
			 s > 1 && b - a > 1 ? s * 8 : 0, 0, sum, NULL);
}

static uint64_t exp_sum(const uint64_t *exp, uint64_t w0, uint64_t s,
			uint64_t a, uint64_t b)
{
	return fnv_words(exp + w0 + a * s, (b - a - 1) * s + 1, s);
}

/* bisect [a, b) down to the wrong words; returns how many were reported */
static unsigned int dev_locate(const struct seen *by, int fd,
			       struct region_sh *r, uint64_t base,
			       uint64_t *exp, uint64_t w0, uint64_t s,
			       uint64_t a, uint64_t b, unsigned int found)
{
	uint64_t sum, mid;

	if (found >= DEV_REPORT_MAX || a >= b)
		return found;
	if (dev_sum(fd, base, w0, s, a, b, &sum) ||
	    sum == exp_sum(exp, w0, s, a, b))
		return found;
	if (b - a == 1) {
		uint64_t w = w0 + a * s, got = unfnv1(sum);
		uint64_t cpu = *(volatile uint64_t *)(uintptr_t)(base + w * 8);
		char note[96];

		snprintf(note, sizeof(note), "(the CPU reads 0x%llx there)",
			 (unsigned long long)cpu);
		report_mismatch(by, r, base + w * 8, w, exp[w], got, note);
		CNT_ADD(mismatched_words, 1);
		/* memory wrong for the CPU too: go on from what it holds */
		if (!check_no_adopt)
			exp[w] = cpu;
		return found + 1;
	}
	mid = a + (b - a) / 2;
	found = dev_locate(by, fd, r, base, exp, w0, s, a, mid, found);
	return dev_locate(by, fd, r, base, exp, w0, s, mid, b, found);
}

uint64_t dev_check(const struct seen *by, int fd, struct region_sh *r,
		   uint64_t base, uint64_t *exp, uint64_t w0, uint64_t nw,
		   uint64_t s, int *err)
{
	uint64_t n = (nw + s - 1) / s, sum;
	int ret;

	*err = 0;
	if (!n)
		return 0;
	ret = dev_sum(fd, base, w0, s, 0, n, &sum);
	if (ret) {
		*err = ret;
		return 0;
	}
	if (sum == exp_sum(exp, w0, s, 0, n))
		return 0;
	if (!dev_locate(by, fd, r, base, exp, w0, s, 0, n, 0)) {
		/* gone by the time we looked: still a wrong read */
		report_mismatch(by, r, base + w0 * 8, w0, 0, 0,
				"(checksum of the span differed once, the words not found again)");
		CNT_ADD(mismatched_words, 1);
	}
	return 1;
}
