// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include "svm_user.h"

/* svm_ext's chunk: the unit of device memory and of migration windows */
#define SVM_CHUNK_SIZE (2 * MIB)

static int is_svm_emu(int fd)
{
	char name[32] = "";
	struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };

	if (ioctl(fd, DRM_IOCTL_VERSION, &v))
		return 0;
	return !strcmp(name, "svm_emu");
}

int emu_open(unsigned int index)
{
	char path[64];
	int i;

	for (i = 128; i < 192; i++) {
		struct drm_svm_emu_info info = { 0 };
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/renderD%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (is_svm_emu(fd) &&
		    !ioctl(fd, DRM_IOCTL_SVM_EMU_INFO, &info) &&
		    info.index == index)
			return fd;
		close(fd);
	}
	errno = ENODEV;
	return -1;
}

int emu_count(void)
{
	char path[64];
	int i, n = 0;

	for (i = 128; i < 192; i++) {
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/renderD%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		n += is_svm_emu(fd);
		close(fd);
	}
	return n;
}

int emu_bind(int fd)
{
	struct drm_svm_emu_bind b = { 0 };

	return ioctl(fd, DRM_IOCTL_SVM_EMU_BIND, &b) ? -errno : 0;
}

int emu_exec(int fd, struct drm_svm_emu_access *acc, uint32_t n,
	     struct drm_svm_emu_counters *cnt)
{
	struct drm_svm_emu_exec e = {
		.accesses = (uintptr_t)acc,
		.count = n,
	};
	int ret = ioctl(fd, DRM_IOCTL_SVM_EMU_EXEC, &e) ? -errno : 0;

	if (cnt)
		*cnt = e.counters;
	return ret;
}

int emu_exec1(int fd, uint32_t op, void *addr, uint64_t len, uint64_t stride,
	      uint64_t value, uint64_t *result,
	      struct drm_svm_emu_counters *cnt)
{
	struct drm_svm_emu_access a = {
		.op = op,
		.addr = (uintptr_t)addr,
		.length = len,
		.stride = stride,
		.value = value,
	};
	int ret = emu_exec(fd, &a, 1, cnt);

	if (result)
		*result = a.result;
	return ret;
}

int emu_query(int fd, void *addr, uint64_t npages, uint16_t *res)
{
	struct drm_svm_emu_query q = {
		.addr = (uintptr_t)addr,
		.npages = npages,
		.res = (uintptr_t)res,
	};

	return ioctl(fd, DRM_IOCTL_SVM_EMU_QUERY, &q) ? -errno : 0;
}

long emu_count_at(int fd, void *addr, uint64_t npages, unsigned int loc)
{
	uint16_t *res = calloc(npages, sizeof(*res));
	long n = 0;
	uint64_t i;

	if (!res)
		return -ENOMEM;
	if (emu_query(fd, addr, npages, res)) {
		n = -errno;
		goto out;
	}
	for (i = 0; i < npages; i++)
		n += (res[i] & SVM_EXT_RES_LOC_MASK) == loc;
out:
	free(res);
	return n;
}

int emu_set_attr(int fd, void *addr, uint64_t len, uint32_t type,
		 uint64_t value)
{
	struct svm_ext_attr a = { .type = type, .value = value };
	struct drm_svm_emu_set_attr s = {
		.addr = (uintptr_t)addr,
		.length = len,
		.attrs = (uintptr_t)&a,
		.nattrs = 1,
	};

	return ioctl(fd, DRM_IOCTL_SVM_EMU_SET_ATTR, &s) ? -errno : 0;
}

int emu_get_attr(int fd, void *addr, uint64_t len,
		 struct drm_svm_emu_get_attr *out)
{
	memset(out, 0, sizeof(*out));
	out->addr = (uintptr_t)addr;
	out->length = len;
	return ioctl(fd, DRM_IOCTL_SVM_EMU_GET_ATTR, out) ? -errno : 0;
}

int emu_cost_dir(unsigned int dev, char *buf, size_t len)
{
	struct stat st;
	int fd = emu_open(dev), n;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	n = snprintf(buf, len, "/sys/dev/char/%u:%u/device/cost",
		     major(st.st_rdev), minor(st.st_rdev));
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

long emu_prefetch_modeled(int fd, void *addr, uint64_t len, uint32_t loc,
			  uint64_t *modeled_ns)
{
	struct drm_svm_emu_prefetch p = {
		.addr = (uintptr_t)addr,
		.length = len,
		.loc = loc,
	};

	if (ioctl(fd, DRM_IOCTL_SVM_EMU_PREFETCH, &p))
		return -errno;
	if (modeled_ns)
		*modeled_ns = p.modeled_ns;
	return (long)p.pages_moved;
}

long emu_prefetch(int fd, void *addr, uint64_t len, uint32_t loc)
{
	return emu_prefetch_modeled(fd, addr, len, loc, NULL);
}

uint64_t cpu_checksum(const void *buf, size_t len, size_t stride)
{
	const uint64_t *w = buf;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t step = stride ? stride / 8 : 1, i;

	for (i = 0; i < len / 8; i += step)
		h = (h ^ w[i]) * 0x100000001b3ULL;
	return h;
}

int read_str(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n'))
		buf[--n] = '\0';
	return 0;
}

void sys_str(const char *name, char *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), SVM_SYSFS "/%s", name);
	if (read_str(path, buf, len))
		buf[0] = '\0';
}

int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -errno;
}

long long read_ll(const char *path)
{
	char buf[64];

	if (read_str(path, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 0);
}

long long dev_counter(unsigned int dev, const char *name)
{
	char path[128], line[128];
	size_t nlen = strlen(name);
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), SVM_SYSFS "/devices/%u/counters", dev);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, nlen) && line[nlen] == ' ') {
			v = strtoll(line + nlen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

void moved_snap(unsigned int dev, struct moved *m)
{
	m->to = dev_counter(dev, "pages_to_dev");
	m->from = dev_counter(dev, "pages_from_dev");
}

long long moved_since(unsigned int dev, const struct moved *m)
{
	return dev_counter(dev, "pages_to_dev") - m->to +
	       dev_counter(dev, "pages_from_dev") - m->from;
}

long long dev_mem_used(unsigned int dev)
{
	char path[128];

	snprintf(path, sizeof(path), SVM_SYSFS "/devices/%u/mem_used", dev);
	return read_ll(path);
}

long long dev_mem_free(unsigned int dev)
{
	char path[128];

	snprintf(path, sizeof(path), SVM_SYSFS "/devices/%u/mem_free", dev);
	return read_ll(path);
}

#define CGROUP_ROOT	"/sys/fs/cgroup"

static int write_file(const char *path, const char *s)
{
	ssize_t len = strlen(s), n;
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n != len)
		n = n < 0 ? -errno : -EIO;
	close(fd);
	return n == len ? 0 : (int)n;
}

int run_in_memcg(const char *cg, long long (*fn)(void), long long *result)
{
	char procs[PATH_MAX];
	int pfd[2], st, ret = 0;
	long long v = -1;
	pid_t pid;

	if (access(CGROUP_ROOT "/cgroup.procs", F_OK) &&
	    mount("none", CGROUP_ROOT, "cgroup2", 0, NULL))
		return -ENOTSUP;
	if (write_file(CGROUP_ROOT "/cgroup.subtree_control", "+memory"))
		return -ENOTSUP;
	if (mkdir(cg, 0755) && errno != EEXIST)
		return -errno;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	if (pipe(pfd)) {
		ret = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(pfd[0]);
		close(pfd[1]);
		goto out;
	}
	if (!pid) {
		close(pfd[0]);
		v = write_file(procs, "0") ? -1000 : fn();
		_exit(write(pfd[1], &v, sizeof(v)) == sizeof(v) ? 0 : 1);
	}
	close(pfd[1]);
	if (read(pfd[0], &v, sizeof(v)) != sizeof(v))
		ret = -EIO;
	close(pfd[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		ret = -ECHILD;
out:
	rmdir(cg);
	*result = v;
	return ret;
}

int run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static const char *build_dir(void)
{
	static char dir[PATH_MAX];
	char *slash;
	ssize_t n;

	if (dir[0])
		return dir;
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n < 0)
		return "build";
	dir[n] = '\0';
	/* .../build/selftests/<test> -> .../build */
	for (int i = 0; i < 2; i++) {
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
	}
	return dir;
}

const char *svmctl_path(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("SVMCTL");

	if (env)
		return env;
	snprintf(path, sizeof(path), "%s/svmctl/svmctl", build_dir());
	return path;
}

const char *build_file(const char *rel)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", build_dir(), rel);
	return path;
}

const char *module_path(const char *name)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/modules/%s.ko", build_dir(), name);
	return path;
}

int emu_reload(const char *params)
{
	return run("rmmod svm_emu && insmod %s %s && udevadm settle 2>/dev/null;"
		   " for i in $(seq 50); do [ -e /dev/dri/renderD129 ] && exit 0;"
		   " sleep 0.1; done; exit 1", module_path("svm_emu"), params);
}

const char *test_bpf_obj(const char *name)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/bpf/tests/%s.bpf.o", build_dir(), name);
	return path;
}

void *map_chunk_aligned(size_t len, int prot, int flags)
{
	size_t page = sysconf(_SC_PAGESIZE), rawlen, head, tail;
	uint8_t *raw, *p;

	if (!len || len > SIZE_MAX - SVM_CHUNK_SIZE - page) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	len = (len + page - 1) & ~(page - 1);
	rawlen = len + SVM_CHUNK_SIZE;
	raw = mmap(NULL, rawlen, prot, flags | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return MAP_FAILED;
	p = (uint8_t *)(((uintptr_t)raw + SVM_CHUNK_SIZE - 1) &
			~(SVM_CHUNK_SIZE - 1));
	head = p - raw;
	tail = rawlen - head - len;
	if ((head && munmap(raw, head)) || (tail && munmap(p + len, tail))) {
		int err = errno;

		munmap(raw, rawlen);
		errno = err;
		return MAP_FAILED;
	}
	return p;
}

void fill_pattern(void *buf, size_t len, uint64_t seed)
{
	uint64_t *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = seed + i;
}

long check_pattern(const void *buf, size_t len, uint64_t seed)
{
	const uint64_t *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i] != seed + i)
			return (long)i;
	return -1;
}

int emu_word_is(int fd, const void *addr, uint64_t want)
{
	uint64_t sum;
	int ret = emu_exec1(fd, SVM_EMU_OP_CHECKSUM, (void *)addr, 8, 0, 0,
			    &sum, NULL);

	return ret ? ret : sum == cpu_checksum(&want, 8, 0);
}
