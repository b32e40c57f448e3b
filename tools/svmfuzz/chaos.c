// SPDX-License-Identifier: GPL-2.0
/*
 * svmfuzz: what happens around the calls.  One thread remaps, reclaims,
 * moves and protects the pool's slots, touches them from the CPU, forks
 * children that try the parent's files, and reads debugfs; one forks
 * processes that bind and work and SIGKILLs them at random points; one
 * switches the active policy.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <drm/drm.h>
#include <drm/svm_emu_drm.h>
#include "fuzz.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static char *slot_addr(unsigned int i)
{
	return fz.pool.base + (size_t)i * FZ_SLOT_SIZE;
}

/*
 * A child of a process bound to a device: every ioctl that needs the binding
 * must say EPERM (another address space) or ENXIO (not bound); exit 0 if so.
 */
static void child_tries_parent_file(int fd)
{
	struct drm_svm_emu_access a = {
		.op = SVM_EMU_OP_WRITE, .addr = (uintptr_t)fz.pool.base,
		.length = 4096, .value = 1,
	};
	struct drm_svm_emu_exec e = { .accesses = (uintptr_t)&a, .count = 1 };
	struct drm_svm_emu_bind b = { 0 };
	int bad = 0;

	if (!ioctl(fd, DRM_IOCTL_SVM_EMU_EXEC, &e) || (errno != EPERM && errno != ENXIO))
		bad = 1;
	if (!ioctl(fd, DRM_IOCTL_SVM_EMU_UNBIND, &b) || (errno != EPERM && errno != ENXIO))
		bad = 1;
	/* touch the pool: private slots copy on write, shared ones are the parent's */
	for (unsigned int i = 0; i < FZ_NSLOTS; i++)
		if (fz_kind_writable(atomic_load(&fz.pool.kind[i])))
			slot_addr(i)[4096 * (i % 8)] ^= 1;
	_exit(bad);
}

void *fz_chaos_thread(void *arg)
{
	struct fz_worker *w = arg;	/* its fds are the children's target */
	struct fz_rng g;
	char buf[4096];

	fz_rng_init(&g, fz.cfg.seed, 1000);
	while (!atomic_load(&fz.stop)) {
		unsigned int i = fz_below(&g, FZ_NSLOTS), j;
		enum fz_kind k = atomic_load(&fz.pool.kind[i]);
		pid_t pid;
		int status, fd;

		switch (fz_below(&g, 16)) {
		case 0 ... 4:
			if (!fz_pool_remap(&fz.pool, i, fz_below(&g, FZ_NKINDS)))
				atomic_fetch_add(&fz.st.remaps, 1);
			break;
		case 5:
			madvise(slot_addr(i), FZ_SLOT_SIZE, MADV_PAGEOUT);
			break;
		case 6:
			madvise(slot_addr(i), FZ_SLOT_SIZE, MADV_DONTNEED);
			break;
		case 7:
			madvise(slot_addr(i), FZ_SLOT_SIZE, MADV_COLD);
			break;
		case 8:
			/* move a private slot's pages onto another, keeping the old VMA */
			j = fz_below(&g, FZ_NSLOTS);
			if (i != j && (k == FZ_PRIV_RW || k == FZ_PRIV_THP) &&
			    mremap(slot_addr(i), FZ_SLOT_SIZE, FZ_SLOT_SIZE,
				   MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP,
				   slot_addr(j)) != MAP_FAILED)
				atomic_store(&fz.pool.kind[j], k);
			break;
		case 9:
			if (fz_kind_writable(k) && k != FZ_FILE_RW && k != FZ_MEMFD_RW &&
			    k != FZ_SHARED_RW &&
			    !mprotect(slot_addr(i), FZ_SLOT_SIZE, PROT_READ))
				atomic_store(&fz.pool.kind[i], FZ_PRIV_RO);
			break;
		case 10 ... 12:
			/* the CPU writes where the device may have been */
			if (fz_kind_writable(k))
				for (size_t off = 0; off < FZ_SLOT_SIZE; off += 4096 * 7)
					slot_addr(i)[off] = (char)fz_next(&g);
			break;
		case 13:
			pid = fork();
			if (pid == 0)
				child_tries_parent_file(w->fd[0]);
			if (pid > 0 && waitpid(pid, &status, 0) == pid) {
				atomic_fetch_add(&fz.st.forks, 1);
				if (!WIFEXITED(status) || WEXITSTATUS(status)) {
					atomic_fetch_add(&fz.st.violations, 1);
					fz_report("chaos: a forked child could use its parent's binding (status %#x)",
						  status);
				}
			}
			break;
		default:
			fd = open("/sys/kernel/debug/svm_ext/ranges", O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				while (read(fd, buf, sizeof(buf)) > 0)
					;
				close(fd);
			}
			break;
		}
		usleep(200 + fz_below(&g, 2000));
	}
	return NULL;
}

/* A process that binds and keeps the device busy until it is killed. */
static void busy_child(int dev, uint64_t seed)
{
	size_t len = 8UL << 20;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct drm_svm_emu_bind b = { 0 };
	int fd = open(fz.dev_path[dev], O_RDWR | O_CLOEXEC);
	struct fz_rng g;

	if (m == MAP_FAILED || fd < 0 || ioctl(fd, DRM_IOCTL_SVM_EMU_BIND, &b))
		_exit(3);
	fz_rng_init(&g, seed, 2000);
	for (;;) {
		struct drm_svm_emu_access a = {
			.op = fz_one_in(&g, 2) ? SVM_EMU_OP_WRITE : SVM_EMU_OP_CHECKSUM,
			.addr = (uintptr_t)m, .length = len, .value = fz_next(&g),
		};
		struct drm_svm_emu_exec e = { .accesses = (uintptr_t)&a, .count = 1 };
		struct drm_svm_emu_prefetch p = {
			.addr = (uintptr_t)m, .length = len,
			.loc = fz_one_in(&g, 2) ? SVM_EXT_LOC_SYSTEM : (uint32_t)dev,
		};

		ioctl(fd, DRM_IOCTL_SVM_EMU_EXEC, &e);
		ioctl(fd, DRM_IOCTL_SVM_EMU_PREFETCH, &p);
		m[fz_below(&g, len)] = 1;
	}
}

double fz_max_kill_ms;

void *fz_killer_thread(void *arg)
{
	struct fz_rng g;

	(void)arg;
	fz_rng_init(&g, fz.cfg.seed, 3000);
	while (!atomic_load(&fz.stop)) {
		int status, dev = fz_below(&g, fz.ndev);
		pid_t pid = fork();
		double t0, ms;

		if (pid < 0)
			break;
		if (pid == 0)
			busy_child(dev, fz_next(&g));
		usleep(1000 * (1 + fz_below(&g, 50)));
		t0 = now_ms();
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ms = now_ms() - t0;
		if (ms > fz_max_kill_ms)
			fz_max_kill_ms = ms;
		atomic_fetch_add(&fz.st.kills, 1);
		atomic_fetch_add(&fz.st.calls[FZ_OP_KILLED], 1);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 3 && !fz.cfg.inject) {
			atomic_fetch_add(&fz.st.violations, 1);
			fz_report("killer: a child could not bind device %d", dev);
		} else if (ms > 2000) {
			atomic_fetch_add(&fz.st.violations, 1);
			fz_report("killer: a process killed inside an ioctl took %.0f ms to die",
				  ms);
		}
		usleep(1000 * fz_below(&g, 20));
	}
	return NULL;
}

static int svmctl(const char *verb, const char *policy)
{
	char cmd[512];

	/*
	 * svmctl is not under test here: with --inject it must not inherit
	 * this process's make-it-fail (fault injection's task filter).
	 */
	snprintf(cmd, sizeof(cmd), "%s%s %s %s >/dev/null 2>&1",
		 fz.cfg.inject ? "echo 0 >/proc/self/make-it-fail; " : "",
		 fz.cfg.svmctl, verb, policy ? policy : "");
	return system(cmd);
}

void *fz_policy_thread(void *arg)
{
	char list[512], *names[32], *save = NULL, *tok;
	unsigned int n = 0, k = 0;
	bool loaded = false;

	(void)arg;
	snprintf(list, sizeof(list), "%s", fz.cfg.policies);
	for (tok = strtok_r(list, ",", &save); tok && n < 32;
	     tok = strtok_r(NULL, ",", &save))
		names[n++] = tok;
	while (n && !atomic_load(&fz.stop)) {
		const char *p = names[k++ % n];
		int ret = loaded ? svmctl("switch", p) : svmctl("load", p);

		if (ret) {
			atomic_fetch_add(&fz.st.violations, 1);
			fz_report("policy: svmctl %s %s failed (status %d)",
				  loaded ? "switch" : "load", p, ret);
		} else {
			loaded = true;
			atomic_fetch_add(&fz.st.switches, 1);
		}
		for (int i = 0; i < 20 && !atomic_load(&fz.stop); i++)
			usleep(100000);
	}
	if (loaded && svmctl("unload", NULL)) {
		atomic_fetch_add(&fz.st.violations, 1);
		fz_report("policy: svmctl unload failed");
	}
	return NULL;
}
