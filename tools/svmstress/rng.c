// SPDX-License-Identifier: GPL-2.0
/* svmstress: the seeded random numbers (splitmix64: tiny, fast, portable). */
#include "svmstress.h"

uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, n); n == 0 gives 0 */
uint64_t rng_below(uint64_t *s, uint64_t n)
{
	return n ? rng_next(s) % n : 0;
}

/* a seed for a sub-stream (slot, generation, thread) of seed @a */
uint64_t rng_mix(uint64_t a, uint64_t b)
{
	uint64_t s = a ^ (b * 0xd1b54a32d192ed03ULL);

	return rng_next(&s);
}
