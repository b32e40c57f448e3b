// SPDX-License-Identifier: GPL-2.0
/*
 * svmstress: a region's mapping - made, moved (mremap, with or without
 * MREMAP_DONTUNMAP) and remade (munmap + mmap) - always at a 2 MiB
 * boundary, so that private regions can use 2 MiB device folios.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include "svmstress.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

int kind_migratable(unsigned int kind)
{
	return kind == KIND_PRIVATE;
}

/*
 * An inaccessible reservation of @size bytes at a 2 MiB boundary: the place
 * a mapping goes with MAP_FIXED or MREMAP_FIXED.
 */
void *reserve_aligned(uint64_t size)
{
	uint64_t raw_len = size + STRESS_CHUNK, head, tail;
	uint8_t *raw, *p;

	raw = mmap(NULL, raw_len, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	p = (uint8_t *)(((uintptr_t)raw + STRESS_CHUNK - 1) & ~(STRESS_CHUNK - 1));
	head = p - raw;
	tail = raw_len - head - size;
	if (head)
		munmap(raw, head);
	if (tail)
		munmap(p + size, tail);
	return p;
}

int region_map(struct region *rg)
{
	struct region_sh *s = rg->s;
	int flags = MAP_FIXED, fd = -1;
	uint8_t *p = reserve_aligned(s->size);

	if (!p)
		return -errno;
	switch (s->kind) {
	case KIND_PRIVATE:
		flags |= MAP_PRIVATE | MAP_ANONYMOUS;
		break;
	case KIND_SHARED_ANON:
		flags |= MAP_SHARED | MAP_ANONYMOUS;
		break;
	default:
		flags |= MAP_SHARED;
		fd = s->fd;
		break;
	}
	if (mmap(p, s->size, PROT_READ | PROT_WRITE, flags, fd, 0) == MAP_FAILED) {
		int err = -errno;

		munmap(p, s->size);
		return err;
	}
	rg->addr = p;
	rg->prot = PROT_READ | PROT_WRITE;
	s->addr = (uintptr_t)p;
	return 0;
}

int region_unmap(struct region *rg)
{
	if (munmap(rg->addr, rg->s->size))
		return -errno;
	rg->addr = NULL;
	rg->s->addr = 0;
	return 0;
}

/*
 * Move the whole mapping elsewhere.  With @dontunmap the old range stays
 * mapped (empty for private memory); *@old gets it, for the caller to
 * check and unmap.
 */
int region_move(struct region *rg, bool dontunmap, uint8_t **old)
{
	uint64_t size = rg->s->size;
	uint8_t *to = reserve_aligned(size), *p;
	int flags = MREMAP_MAYMOVE | MREMAP_FIXED;

	*old = NULL;
	if (!to)
		return -errno;
	if (dontunmap)
		flags |= MREMAP_DONTUNMAP;
	p = mremap(rg->addr, size, size, flags, to);
	if (p == MAP_FAILED) {
		int err = -errno;

		munmap(to, size);
		return err;
	}
	if (dontunmap)
		*old = rg->addr;
	rg->addr = p;
	rg->s->addr = (uintptr_t)p;
	return 0;
}
