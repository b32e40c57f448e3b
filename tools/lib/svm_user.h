/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace helpers shared by selftests, svmbench and the demo: emulated GPU access, sysfs
 * reading, the device checksum, running svmctl.
 */
#ifndef SVM_USER_H
#define SVM_USER_H

#include <stddef.h>
#include <stdint.h>
#include <drm/svm_emu_drm.h>

#define SVM_SYSFS "/sys/kernel/svm_ext"
#define MIB (1UL << 20)

/* Open the render node of svm_ext device @index; -1 with errno if absent. */
int emu_open(unsigned int index);
/* Number of svm_emu render nodes present. */
int emu_count(void);
int emu_bind(int fd);
/* One access; returns 0 or -errno; fills *result and *cnt when non-NULL. */
int emu_exec1(int fd, uint32_t op, void *addr, uint64_t len, uint64_t stride,
	      uint64_t value, uint64_t *result,
	      struct drm_svm_emu_counters *cnt);
int emu_exec(int fd, struct drm_svm_emu_access *acc, uint32_t n,
	     struct drm_svm_emu_counters *cnt);

/* Residency of npages pages from addr (SVM_EXT_RES_* codes); 0 or -errno. */
int emu_query(int fd, void *addr, uint64_t npages, uint16_t *res);
/* How many of npages pages from addr are at loc (low byte of the code). */
long emu_count_at(int fd, void *addr, uint64_t npages, unsigned int loc);

/* Hints: set one attribute; 0 or -errno. */
int emu_set_attr(int fd, void *addr, uint64_t len, uint32_t type,
		 uint64_t value);
int emu_get_attr(int fd, void *addr, uint64_t len,
		 struct drm_svm_emu_get_attr *out);
/* GPU dev's cost model directory in sysfs (cost/ of its render node). */
int emu_cost_dir(unsigned int dev, char *buf, size_t len);
/* Prefetch to loc; pages moved (>= 0) or -errno. */
long emu_prefetch(int fd, void *addr, uint64_t len, uint32_t loc);
/* the same, and the move's time in the device's cost model */
long emu_prefetch_modeled(int fd, void *addr, uint64_t len, uint32_t loc,
			  uint64_t *modeled_ns);

/* The device checksum (FNV-1a over 64-bit words), computed by the CPU. */
uint64_t cpu_checksum(const void *buf, size_t len, size_t stride);
/* Does the device see @want in the word at @addr?  1, 0, or -errno. */
int emu_word_is(int fd, const void *addr, uint64_t want);

/* sysfs */
int read_str(const char *path, char *buf, size_t len);
/* SVM_SYSFS/@name into @buf: "" when it cannot be read. */
void sys_str(const char *name, char *buf, size_t len);
long long read_ll(const char *path);
/* Write @s to a file (sysfs): 0 or -errno (a short write: -errno too). */
int write_str(const char *path, const char *s);
long long dev_counter(unsigned int dev, const char *name);
long long dev_mem_used(unsigned int dev);
long long dev_mem_free(unsigned int dev);

/* Pages moved into and out of device @dev since moved_snap(). */
struct moved {
	long long to, from;
};
void moved_snap(unsigned int dev, struct moved *m);
long long moved_since(unsigned int dev, const struct moved *m);

/*
 * Reload svm_emu with module parameters @params (e.g. "ndevices=2
 * peers=none") and wait for its second render node: 0, or non-zero.
 */
int emu_reload(const char *params);

/*
 * Memory charged to a cgroup: run @fn in a child process that first joins
 * the cgroup v2 directory @cg (created here, the memory controller enabled
 * on the root, removed afterwards).  0 with @fn's return value in *@result
 * (a measurement; @fn returns a negative step number when it fails);
 * -ENOTSUP without cgroup v2 or its memory controller (the caller skips);
 * another -errno when the set-up or the child failed.
 */
int run_in_memcg(const char *cg, long long (*fn)(void), long long *result);
/* Run a shell command; returns its exit status (or -1). */
int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Path of svmctl ($SVMCTL, else next to the test binaries). */
const char *svmctl_path(void);
/* Path of anything under build/: build/REL */
const char *build_file(const char *rel);
/* Path of a built module: build/modules/NAME.ko */
const char *module_path(const char *name);
/* Path of a BPF object built for tests: build/bpf/tests/NAME.bpf.o */
const char *test_bpf_obj(const char *name);

/*
 * Anonymous memory (@flags: MAP_PRIVATE or MAP_SHARED) of @len bytes,
 * rounded up to whole pages, starting on a 2 MiB (chunk) boundary.  The
 * excess mapped to find the boundary is unmapped again, so munmap(p, len)
 * frees it all.  MAP_FAILED with errno set on failure.
 */
void *map_chunk_aligned(size_t len, int prot, int flags);

void fill_pattern(void *buf, size_t len, uint64_t seed);
/* index of the first word != seed + i, or -1 */
long check_pattern(const void *buf, size_t len, uint64_t seed);

#endif
