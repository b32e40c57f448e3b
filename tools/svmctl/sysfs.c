// SPDX-License-Identifier: GPL-2.0
/* svmctl: readers for /sys/kernel/svm_ext. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "svmctl.h"
#include "sysfs.h"

const char *svm_sysfs_root(void)
{
	const char *env = getenv("SVMCTL_SYSFS");

	return env && env[0] ? env : SVM_SYSFS_DEFAULT;
}

bool svm_sysfs_present(void)
{
	struct stat st;

	return stat(svm_sysfs_root(), &st) == 0 && S_ISDIR(st.st_mode);
}

int svm_require_loaded(void)
{
	if (svm_sysfs_present())
		return 0;
	return p_err(EXIT_NOT_LOADED, ENOENT,
		     "svm_ext is not loaded (no %s)", svm_sysfs_root());
}

int svm_sysfs_read(const char *rel, char *buf, size_t sz)
{
	char path[512];
	ssize_t n;
	size_t len = 0;
	int fd, err = 0;

	if (!sz)
		return -EINVAL;
	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", svm_sysfs_root(), rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < sz - 1) {
		n = read(fd, buf + len, sz - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' ' ||
		       buf[len - 1] == '\t'))
		buf[--len] = '\0';
	return err;
}

int svm_sysfs_read_u64(const char *rel, unsigned long long *v)
{
	char buf[64], *end;
	int err = svm_sysfs_read(rel, buf, sizeof(buf));

	if (err)
		return err;
	if (!buf[0] || buf[0] == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoull(buf, &end, 0);
	if (errno)
		return -errno;
	if (*end)
		return -EINVAL;
	return 0;
}

/* Attributes are documented as one line: keep the first. */
static int read_line(const char *rel, char *buf, size_t sz)
{
	int err = svm_sysfs_read(rel, buf, sz);
	char *nl = strchr(buf, '\n');

	if (nl)
		*nl = '\0';
	return err;
}

void svm_status_read(struct svm_status *st)
{
	memset(st, 0, sizeof(*st));
	st->state_err = read_line("state", st->state, sizeof(st->state));
	st->policy_err = read_line("policy", st->policy, sizeof(st->policy));
	st->since_err = svm_sysfs_read_u64("enabled_since",
					   &st->enabled_since);
	st->count_err = svm_sysfs_read_u64("enable_count", &st->enable_count);
	st->exit_kind_err = read_line("exit_kind", st->exit_kind,
				      sizeof(st->exit_kind));
	st->exit_reason_err = read_line("exit_reason", st->exit_reason,
					sizeof(st->exit_reason));
	st->exit_msg_err = read_line("exit_msg", st->exit_msg,
				     sizeof(st->exit_msg));
}

bool svm_policy_active(const struct svm_status *st)
{
	if (st->policy_err || !st->policy[0])
		return false;
	if (!st->state_err && (!strcmp(st->state, "disabled") ||
			       !strcmp(st->state, "ejected")))
		return false;
	return true;
}

/* Numeric ids sort as numbers, then the rest by name. */
static int dev_cmp(const void *a, const void *b)
{
	const struct svm_device *x = a, *y = b;
	char *ex, *ey;
	unsigned long nx = strtoul(x->id, &ex, 10);
	unsigned long ny = strtoul(y->id, &ey, 10);
	bool dx = x->id[0] && !*ex, dy = y->id[0] && !*ey;

	if (dx && dy)
		return nx < ny ? -1 : nx > ny;
	if (dx != dy)
		return dx ? -1 : 1;
	return strcmp(x->id, y->id);
}

int svm_devices_read(struct svm_device **devs, size_t *n)
{
	char path[512], rel[256];
	struct svm_device *v = NULL, *tmp;
	struct dirent *de;
	size_t cnt = 0;
	DIR *dir;

	*devs = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/devices", svm_sysfs_root());
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		struct svm_device *d;

		if (de->d_name[0] == '.')
			continue;
		if (strlen(de->d_name) >= sizeof(d->id))
			continue;
		tmp = realloc(v, (cnt + 1) * sizeof(*v));
		if (!tmp) {
			free(v);
			closedir(dir);
			return -ENOMEM;
		}
		v = tmp;
		d = &v[cnt++];
		memset(d, 0, sizeof(*d));
		strcpy(d->id, de->d_name);
		snprintf(rel, sizeof(rel), "devices/%s/name", d->id);
		d->name_err = read_line(rel, d->name, sizeof(d->name));
		snprintf(rel, sizeof(rel), "devices/%s/mem_total", d->id);
		d->total_err = svm_sysfs_read_u64(rel, &d->mem_total);
		snprintf(rel, sizeof(rel), "devices/%s/mem_used", d->id);
		d->used_err = svm_sysfs_read_u64(rel, &d->mem_used);
	}
	closedir(dir);
	if (cnt)
		qsort(v, cnt, sizeof(*v), dev_cmp);
	*devs = v;
	*n = cnt;
	return 0;
}

int svm_wait_state(const char *const *want, int timeout_ms,
		   struct svm_status *st)
{
	struct timespec start, now, nap = { 0, 20 * 1000 * 1000 };

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		svm_status_read(st);
		if (st->state_err)
			return st->state_err;
		for (const char *const *w = want; *w; w++)
			if (!strcmp(st->state, *w))
				return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000 >= timeout_ms)
			return -ETIMEDOUT;
		nanosleep(&nap, NULL);
	}
}
