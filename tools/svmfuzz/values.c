// SPDX-License-Identifier: GPL-2.0
/*
 * svmfuzz: random numbers, edge values and errno sets.
 */
#include <errno.h>
#include <string.h>
#include "fuzz.h"

void fz_rng_init(struct fz_rng *r, uint64_t seed, uint64_t stream)
{
	/* splitmix64 of (seed, stream): distinct, never-zero thread streams */
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	r->s = z ? z : 1;
}

/*
 * The numbers where length, stride and count checks go wrong: around zero,
 * around a page and a chunk, around the 32- and 64-bit limits, and the
 * user/kernel split of x86-64 (TASK_SIZE is 2^47 - 4096 with 4-level paging).
 */
static const uint64_t edges[] = {
	0, 1, 7, 8, 16, 4088, 4095, 4096, 4097, 8192,
	(2ULL << 20) - 8, 2ULL << 20, (2ULL << 20) + 8, 64ULL << 20,
	(1ULL << 31) - 8, 1ULL << 31, (1ULL << 32) - 8, 1ULL << 32,
	(1ULL << 47) - 4096, (1ULL << 47), (1ULL << 56),
	(1ULL << 63) - 8, 1ULL << 63, (1ULL << 63) + 8,
	~0ULL - 4095, ~0ULL - 8, ~0ULL - 7, ~0ULL,
};

uint64_t fz_edge(struct fz_rng *r)
{
	uint64_t v = edges[fz_below(r, sizeof(edges) / sizeof(edges[0]))];

	/* now and then a neighbour of an edge, or a plain random word */
	switch (fz_below(r, 8)) {
	case 0:
		return v + 8;
	case 1:
		return v - 8;
	case 2:
		return fz_next(r);
	default:
		return v;
	}
}

void fz_errs_add(struct fz_errs *s, int e)
{
	if (e > 0 && e < 192)
		s->w[e / 64] |= 1ULL << (e % 64);
}

bool fz_errs_has(const struct fz_errs *s, int e)
{
	return e > 0 && e < 192 && (s->w[e / 64] >> (e % 64)) & 1;
}

bool fz_errs_any(const struct fz_errs *s)
{
	for (size_t i = 0; i < sizeof(s->w) / sizeof(s->w[0]); i++)
		if (s->w[i])
			return true;
	return false;
}

void fz_errs_or(struct fz_errs *s, const struct fz_errs *o)
{
	for (int i = 0; i < 3; i++)
		s->w[i] |= o->w[i];
}

void fz_errs_str(const struct fz_errs *s, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int e = 1; e < 192 && n + 16 < len; e++) {
		if (!fz_errs_has(s, e))
			continue;
		n += snprintf(buf + n, len - n, "%s%s", n ? "," : "",
			      strerrorname_np(e) ?: "?");
	}
	if (!n)
		snprintf(buf, len, "none");
}
