// SPDX-License-Identifier: GPL-2.0
/*
 * svmfuzz: writes of hostile strings to every writable sysfs file of
 * svm_ext and svm_emu (core state, devices, module parameters, the emulated
 * GPUs' cost model), and reads of their debugfs files.
 *
 * Each write must either be taken or fail with an errno that says the value
 * was bad (EINVAL, ERANGE, EOVERFLOW) or not allowed (EPERM, EACCES, EBUSY);
 * then the file's first value is written back and must read back the same.
 * Files that change what is bound (bind, unbind, uevent, ...) are left alone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fuzz.h"

#define FZ_MAX_FILES	256

struct fz_file {
	char path[256];
	char orig[256];		/* first content, to restore */
	size_t orig_len;
};

static struct fz_file files[FZ_MAX_FILES];
static unsigned int nfiles;

static const char *const skip_names[] = {
	"uevent", "bind", "unbind", "new_id", "remove_id", "driver_override",
	"remove", "rescan", "online", NULL,
};

static bool skipped(const char *name)
{
	for (int i = 0; skip_names[i]; i++)
		if (!strcmp(name, skip_names[i]))
			return true;
	return name[0] == '.';
}

static ssize_t read_all(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static void add_file(const char *path)
{
	struct fz_file *f;
	ssize_t n;

	struct stat st;

	/* by mode, not access(): root may open a read-only file for writing */
	if (nfiles >= FZ_MAX_FILES || stat(path, &st) || !(st.st_mode & 0222))
		return;
	f = &files[nfiles];
	memcpy(f->path, path, strlen(path) + 1);	/* walk() checked the size */
	n = read_all(path, f->orig, sizeof(f->orig));
	/* write-only files have no value to restore: leave them alone */
	if (n <= 0)
		return;
	f->orig_len = n;
	nfiles++;
}

/* Regular files under @dir, @depth levels deep, symlinks not followed. */
static void walk(const char *dir, int depth)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;

		if (skipped(de->d_name) || !strcmp(de->d_name, "power") ||
		    !strcmp(de->d_name, "subsystem") || !strcmp(de->d_name, "driver") ||
		    !strcmp(de->d_name, "module") || !strcmp(de->d_name, "holders"))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    sizeof(files[0].path))
			continue;
		if (lstat(path, &st))
			continue;
		if (S_ISREG(st.st_mode))
			add_file(path);
		else if (S_ISDIR(st.st_mode) && depth > 0)
			walk(path, depth - 1);
	}
	closedir(d);
}

int fz_sysfs_init(void)
{
	static const char *const roots[] = {
		"/sys/kernel/svm_ext",
		"/sys/module/svm_ext/parameters",
		"/sys/module/svm_emu/parameters",
	};
	struct dirent *de;
	DIR *d;

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		walk(roots[i], 3);
	/* the emulated GPUs' platform devices (their cost model) */
	d = opendir("/sys/bus/platform/drivers/svm_emu");
	if (d) {
		while ((de = readdir(d))) {
			char path[PATH_MAX];

			if (strncmp(de->d_name, "svm_emu", 7))
				continue;
			snprintf(path, sizeof(path),
				 "/sys/bus/platform/drivers/svm_emu/%s", de->d_name);
			walk(path, 1);
		}
		closedir(d);
	}
	return nfiles;
}

static const char *const hostile[] = {
	"", "\n", "0", "1", "-1", "-0", "2147483648", "4294967296",
	"18446744073709551615", "18446744073709551616", "99999999999999999999999",
	"0x10", "010", " 5", "5 ", "5\n\n", "abc", "1e3", "1.5", "+7", "--1",
	"9223372036854775808", "-9223372036854775809", "\x01\x02", "1\0002",
};

static bool value_error(int e)
{
	return e == EINVAL || e == ERANGE || e == EOVERFLOW || e == EPERM ||
	       e == EACCES || e == EBUSY || (fz.cfg.inject && e == ENOMEM);
}

static int write_str(const char *path, const char *s, size_t len, int *err)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		*err = errno;
		return -1;
	}
	n = write(fd, s, len);
	*err = n < 0 ? errno : 0;
	close(fd);
	return n < 0 ? -1 : 0;
}

void fz_sysfs_one(struct fz_worker *w)
{
	struct fz_file *f;
	char buf[4096], now[256];
	const char *s;
	size_t len;
	int ret, err;

	if (!nfiles)
		return;
	f = &files[fz_below(&w->rng, nfiles)];
	switch (fz_below(&w->rng, 4)) {
	case 0:
		/* a long number */
		len = 1 + fz_below(&w->rng, sizeof(buf) - 1);
		memset(buf, '9', len);
		s = buf;
		break;
	case 1:
		len = snprintf(buf, sizeof(buf), "%llu",
			       (unsigned long long)fz_edge(&w->rng));
		s = buf;
		break;
	default:
		s = hostile[fz_below(&w->rng, sizeof(hostile) / sizeof(hostile[0]))];
		len = s[0] ? strlen(s) : fz_below(&w->rng, 2);
		if (s == hostile[sizeof(hostile) / sizeof(hostile[0]) - 1])
			len = 3;	/* "1\0" "2": a NUL inside */
		break;
	}
	atomic_fetch_add(&fz.st.calls[FZ_OP_SYSFS], 1);
	ret = write_str(f->path, s, len, &err);
	if (!ret)
		atomic_fetch_add(&fz.st.ok[FZ_OP_SYSFS], 1);
	else if (!value_error(err)) {
		atomic_fetch_add(&fz.st.violations, 1);
		fz_report("sysfs: writing %zu bytes \"%.20s\" to %s: %s", len, s,
			  f->path, strerrorname_np(err) ?: "?");
	}
	/* put the first value back; it must read back the same */
	if (write_str(f->path, f->orig, f->orig_len, &err) ||
	    read_all(f->path, now, sizeof(now)) < 0 || strcmp(now, f->orig)) {
		atomic_fetch_add(&fz.st.violations, 1);
		fz_report("sysfs: %s could not be restored to \"%.*s\" (%s)",
			  f->path, (int)strcspn(f->orig, "\n"), f->orig,
			  err ? strerrorname_np(err) : "reads back different");
	}
}

void fz_sysfs_restore(void)
{
	int err;

	for (unsigned int i = 0; i < nfiles; i++)
		write_str(files[i].path, files[i].orig, files[i].orig_len, &err);
}
