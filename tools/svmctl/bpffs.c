// SPDX-License-Identifier: GPL-2.0
/* svmctl: pins under the bpf filesystem. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include <bpf/libbpf.h>

#include "bpffs.h"
#include "svmctl.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

const char *bpffs_root(void)
{
	const char *env = getenv("SVMCTL_BPFFS");

	return env && env[0] ? env : BPFFS_DEFAULT;
}

void bpffs_pin_root(char *buf, size_t sz)
{
	snprintf(buf, sz, "%s/svm_ext", bpffs_root());
}

void bpffs_policy_path(char *buf, size_t sz, const char *name,
		       const char *file)
{
	if (file)
		snprintf(buf, sz, "%s/svm_ext/%s/%s", bpffs_root(), name, file);
	else
		snprintf(buf, sz, "%s/svm_ext/%s", bpffs_root(), name);
}

bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int perm_exit(int err)
{
	return err == EPERM || err == EACCES ? EXIT_PERM : EXIT_FAIL;
}

/*
 * Pins decide which policy stays attached: removing one detaches it.  A pin
 * root another user created (bpffs is often mode 1777, and whoever makes
 * <root>/svm_ext first owns it) or may write into lets that user rename,
 * replace or keep our pins, so that unload fails and a policy stays.  Use
 * only a real directory owned by our effective uid that neither group nor
 * others may write.
 */
int bpffs_check_pin_root(void)
{
	char dir[512];
	struct stat st;

	bpffs_pin_root(dir, sizeof(dir));
	if (lstat(dir, &st)) {
		if (errno == ENOENT)
			return 0;
		return p_err(perm_exit(errno), errno, "checking %s", dir);
	}
	if (!S_ISDIR(st.st_mode))
		return p_err(EXIT_PERM, ENOTDIR,
			     "refusing to use %s: not a directory (a symbolic link?); remove it",
			     dir);
	if (st.st_uid != geteuid())
		return p_err(EXIT_PERM, EPERM,
			     "refusing to use %s: it is owned by uid %u, not by uid %u; another user may have created it to control the pins: remove it (as root) and retry",
			     dir, (unsigned int)st.st_uid,
			     (unsigned int)geteuid());
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return p_err(EXIT_PERM, EPERM,
			     "refusing to use %s: it is group or world writable (mode %04o); chmod go-w it",
			     dir, (unsigned int)(st.st_mode & 07777));
	return 0;
}

int bpffs_prepare(void)
{
	const char *root = bpffs_root();
	char dir[512];
	struct statfs sfs;

	if (statfs(root, &sfs))
		return p_err(EXIT_FAIL, errno, "cannot access %s", root);
	if (sfs.f_type != BPF_FS_MAGIC) {
		if (strcmp(root, BPFFS_DEFAULT))
			return p_err(EXIT_FAIL, ENOTSUP,
				     "%s (from $SVMCTL_BPFFS) is not a bpf filesystem",
				     root);
		if (mount("bpf", root, "bpf", 0, "mode=0700")) {
			int err = errno;

			if (err == EPERM)
				return p_err(EXIT_PERM, err,
					     "mounting the bpf filesystem on %s needs CAP_SYS_ADMIN",
					     root);
			return p_err(EXIT_FAIL, err,
				     "mounting the bpf filesystem on %s", root);
		}
		p_info("mounted the bpf filesystem on %s", root);
	}
	bpffs_pin_root(dir, sizeof(dir));
	if (mkdir(dir, 0755) && errno != EEXIST)
		return p_err(perm_exit(errno), errno, "creating %s", dir);
	return bpffs_check_pin_root();
}

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP ? rmdir(path) : unlink(path))
		return errno ? errno : EIO;
	return 0;
}

int bpffs_remove_tree(const char *path)
{
	int ret = nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);

	if (ret < 0)
		return -errno;
	return -ret;
}

int bpffs_policy_dirs(char ***names, size_t *n)
{
	char root[512], path[1024];
	char **v = NULL, **tmp;
	struct dirent *de;
	size_t cnt = 0;
	DIR *dir;

	*names = NULL;
	*n = 0;
	if (bpffs_check_pin_root())
		return -EPERM;
	bpffs_pin_root(root, sizeof(root));
	dir = opendir(root);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		bool is_policy;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/link", root, de->d_name);
		is_policy = path_exists(path);
		snprintf(path, sizeof(path), "%s/%s/params", root, de->d_name);
		is_policy = is_policy || path_exists(path);
		if (!is_policy)
			continue;
		tmp = realloc(v, (cnt + 1) * sizeof(*v));
		if (!tmp || !(tmp[cnt] = strdup(de->d_name))) {
			bpffs_free_names(tmp ? tmp : v, cnt);
			closedir(dir);
			return -ENOMEM;
		}
		v = tmp;
		cnt++;
	}
	closedir(dir);
	*names = v;
	*n = cnt;
	return 0;
}

void bpffs_free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void bpffs_link_release(struct bpf_link *link)
{
	int fd = bpf_link__fd(link);

	bpf_link__disconnect(link);
	bpf_link__destroy(link);
	if (fd >= 0)
		close(fd);
}
