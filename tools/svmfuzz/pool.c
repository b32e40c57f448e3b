// SPDX-License-Identifier: GPL-2.0
/*
 * svmfuzz: the memory handed to the devices.
 *
 * One reservation of FZ_NSLOTS 2 MiB slots.  A slot is always mapped with
 * some kind (a remap is one mmap(MAP_FIXED) over it, never munmap and map):
 * a hole in the reservation could be filled by a mapping of our own (malloc,
 * a thread stack), and a fuzzed device write there would corrupt the fuzzer
 * instead of testing the kernel.  Every address the generator calls "valid"
 * lies in the reservation; every other address it uses is one no process
 * can map (NULL page, kernel half, non-canonical).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz.h"

static const char *const kind_names[FZ_NKINDS] = {
	[FZ_PRIV_RW] = "private",
	[FZ_PRIV_THP] = "private-thp",
	[FZ_PRIV_RO] = "private-ro",
	[FZ_SHARED_RW] = "shared",
	[FZ_MEMFD_RW] = "memfd",
	[FZ_MEMFD_SHORT] = "memfd-4k",
	[FZ_FILE_RW] = "file",
	[FZ_NONE] = "prot-none",
};

const char *fz_kind_name(enum fz_kind k)
{
	return k < FZ_NKINDS ? kind_names[k] : "?";
}

bool fz_kind_readable(enum fz_kind k)
{
	/* FZ_MEMFD_SHORT: only its first page exists; the rest is SIGBUS */
	return k != FZ_NONE && k != FZ_MEMFD_SHORT;
}

bool fz_kind_writable(enum fz_kind k)
{
	return fz_kind_readable(k) && k != FZ_PRIV_RO;
}

static int backing_fd(struct fz_pool *p, enum fz_kind k)
{
	char path[256];
	int fd;

	if (k == FZ_MEMFD_RW || k == FZ_MEMFD_SHORT) {
		fd = memfd_create("svmfuzz", MFD_CLOEXEC);
		if (fd < 0)
			return -1;
		if (ftruncate(fd, k == FZ_MEMFD_SHORT ? 4096 : FZ_SLOT_SIZE)) {
			close(fd);
			return -1;
		}
		return fd;
	}
	snprintf(path, sizeof(path), "%s/svmfuzz.XXXXXX", p->tmpdir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -1;
	unlink(path);
	if (ftruncate(fd, FZ_SLOT_SIZE)) {
		close(fd);
		return -1;
	}
	return fd;
}

int fz_pool_remap(struct fz_pool *p, unsigned int i, enum fz_kind k)
{
	char *at = p->base + (size_t)i * FZ_SLOT_SIZE;
	int prot = PROT_READ | PROT_WRITE, flags = MAP_FIXED, fd = -1;
	void *m;

	switch (k) {
	case FZ_PRIV_RW:
	case FZ_PRIV_THP:
	case FZ_PRIV_RO:
		flags |= MAP_PRIVATE | MAP_ANONYMOUS;
		break;
	case FZ_SHARED_RW:
		flags |= MAP_SHARED | MAP_ANONYMOUS;
		break;
	case FZ_MEMFD_RW:
	case FZ_MEMFD_SHORT:
	case FZ_FILE_RW:
		fd = backing_fd(p, k);
		if (fd < 0)
			return -errno;
		flags |= MAP_SHARED;
		break;
	case FZ_NONE:
	default:
		prot = PROT_NONE;
		flags |= MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
		break;
	}
	m = mmap(at, FZ_SLOT_SIZE, prot, flags, fd, 0);
	if (fd >= 0)
		close(fd);
	if (m == MAP_FAILED)
		return -errno;
	if (k == FZ_PRIV_THP) {
		madvise(at, FZ_SLOT_SIZE, MADV_HUGEPAGE);
		memset(at, 0x5a, FZ_SLOT_SIZE);
	} else if (k == FZ_MEMFD_SHORT) {
		memset(at, 0x3c, 4096);
	} else if (fz_kind_writable(k)) {
		/* populate half of it: the device sees both present and absent pages */
		for (size_t off = 0; off < FZ_SLOT_SIZE / 2; off += 4096)
			at[off] = (char)off;
	}
	if (k == FZ_PRIV_RO)
		mprotect(at, FZ_SLOT_SIZE, PROT_READ);
	atomic_store(&p->kind[i], k);
	return 0;
}

int fz_pool_init(struct fz_pool *p, const char *tmpdir)
{
	size_t len = FZ_NSLOTS * FZ_SLOT_SIZE;
	char *m;
	int ret;

	p->tmpdir = tmpdir;
	/*
	 * Two chunks more: one to align the base on 2 MiB, and at least one
	 * more left PROT_NONE after the last slot, a guard an access running
	 * off the end of the pool faults on.
	 */
	m = mmap(NULL, len + 2 * FZ_SLOT_SIZE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return -errno;
	p->base = (char *)(((uintptr_t)m + FZ_SLOT_SIZE - 1) & ~(FZ_SLOT_SIZE - 1));
	for (unsigned int i = 0; i < FZ_NSLOTS; i++) {
		ret = fz_pool_remap(p, i, (enum fz_kind)(i % FZ_NKINDS));
		if (ret)
			return ret;
	}
	return 0;
}
