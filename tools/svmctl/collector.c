// SPDX-License-Identifier: GPL-2.0
/* svmctl: start, stop and find the statistics collector (collector.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <svm_ext/stats.h>

#include "bpffs.h"
#include "collector.h"
#include "registry.h"
#include "svmctl.h"
#include "sysfs.h"

/* Program stats_EVENT is pinned as link_EVENT. */
static const char *const events[] = {
	"fault", "migrate", "evict", "cpu_fault", "invalidate", "advise",
};
static const char *const maps[] = {
	SVM_STATS_RANGES, SVM_STATS_DEVICES, SVM_STATS_INFO,
};

void collector_path(char *buf, size_t sz, const char *file)
{
	if (file)
		snprintf(buf, sz, "%s/svm_ext/" SVM_STATS_DIR "/%s",
			 bpffs_root(), file);
	else
		snprintf(buf, sz, "%s/svm_ext/" SVM_STATS_DIR, bpffs_root());
}

bool collector_running(void)
{
	char path[1024], name[64];

	for (size_t i = 0; i < ARRAY_SIZE(maps); i++) {
		collector_path(path, sizeof(path), maps[i]);
		if (!path_exists(path))
			return false;
	}
	for (size_t i = 0; i < ARRAY_SIZE(events); i++) {
		snprintf(name, sizeof(name), "link_%s", events[i]);
		collector_path(path, sizeof(path), name);
		if (!path_exists(path))
			return false;
	}
	return true;
}

static int exit_for(int err)
{
	return err == EPERM || err == EACCES ? EXIT_PERM : EXIT_FAIL;
}

static int attach_and_pin(struct bpf_object *obj)
{
	char path[1024], name[64];
	struct bpf_program *prog;
	struct bpf_link *link;
	int err;

	bpf_object__for_each_program(prog, obj) {
		const char *pname = bpf_program__name(prog);

		if (strncmp(pname, "stats_", 6))
			continue;
		link = bpf_program__attach(prog);
		if (!link)
			return p_err(exit_for(errno), errno,
				     "attaching the collector's %s to tracepoint svm_ext_%s",
				     pname, pname + 6);
		snprintf(name, sizeof(name), "link_%s", pname + 6);
		collector_path(path, sizeof(path), name);
		err = bpf_link__pin(link, path);
		/* the pin holds the link now, or nothing does */
		bpffs_link_release(link);
		if (err)
			return p_err(exit_for(-err), -err, "pinning %s", path);
	}
	return 0;
}

int collector_start(bool *started)
{
	const struct svm_embedded_policy *e = svm_embedded_collector;
	char dir[1024], path[1024];
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "svm_stats");
	struct bpf_object *obj;
	int ret, err;

	*started = false;
	if (!e->name)
		return p_err(EXIT_FAIL, ENOTSUP,
			     "this svmctl was built without the statistics collector (bpf/collect/stats.bpf.o)");
	ret = svm_require_loaded();
	if (ret)
		return ret;
	ret = bpffs_prepare();
	if (ret)
		return ret;
	if (collector_running())
		return 0;
	ret = check_bpf_caps("starting the statistics collector");
	if (ret)
		return ret;

	/* a partial directory (an interrupted start) goes first */
	collector_path(dir, sizeof(dir), NULL);
	if (path_exists(dir) && (err = bpffs_remove_tree(dir)))
		return p_err(exit_for(-err), -err, "removing the stale %s", dir);
	if (mkdir(dir, 0755))
		return p_err(exit_for(errno), errno, "creating %s", dir);

	obj = bpf_object__open_mem(e->start, e->end - e->start, &opts);
	if (!obj) {
		ret = p_err(EXIT_FAIL, errno, "opening the collector object");
		goto fail;
	}
	for (size_t i = 0; i < ARRAY_SIZE(maps); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, maps[i]);

		if (!m) {
			ret = p_err(EXIT_FAIL, ENOENT,
				    "the collector object has no map '%s'",
				    maps[i]);
			goto fail;
		}
		collector_path(path, sizeof(path), maps[i]);
		err = bpf_map__set_pin_path(m, path);
		if (err) {
			ret = p_err(EXIT_FAIL, -err, "setting pin path %s",
				    path);
			goto fail;
		}
	}
	err = bpf_object__load(obj);
	if (err) {
		if (err == -ESRCH || err == -ENOENT)
			ret = p_err(EXIT_FAIL, -err,
				    "loading the collector: svm_ext.ko lacks a tracepoint it attaches to (older module?)");
		else
			ret = p_err(exit_for(-err), -err,
				    "loading the collector (libbpf's messages above; more with --debug)");
		goto fail;
	}
	ret = attach_and_pin(obj);
	if (ret)
		goto fail;
	bpf_object__close(obj);
	*started = true;
	return 0;
fail:
	bpf_object__close(obj);
	bpffs_remove_tree(dir);
	return ret;
}

int collector_stop(bool *stopped)
{
	char dir[1024];
	int err;

	collector_path(dir, sizeof(dir), NULL);
	*stopped = path_exists(dir);
	if (!*stopped)
		return 0;
	err = bpffs_remove_tree(dir);
	if (err)
		return p_err(exit_for(-err), -err, "removing %s", dir);
	return 0;
}

int collector_map_fd(const char *name, int *exit_code)
{
	char path[1024];
	int fd;

	collector_path(path, sizeof(path), name);
	fd = bpf_obj_get(path);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		*exit_code = p_err(EXIT_FAIL, ENOENT,
				   "the statistics collector is not running (no %s): start it with 'svmctl stats --start'",
				   path);
	else
		*exit_code = p_err(exit_for(errno), errno, "opening %s", path);
	return -1;
}

/* ---------------------------------------------------------- reading */

#define F(s, m) { #m, offsetof(struct s, m) }
const struct stats_field range_fields[] = {
	F(svm_range_stats, faults_read), F(svm_range_stats, faults_write),
	F(svm_range_stats, faults_atomic), F(svm_range_stats, map_faults),
	F(svm_range_stats, throttles), F(svm_range_stats, pages_to_dev),
	F(svm_range_stats, pages_from_peer), F(svm_range_stats, pages_to_sys),
	F(svm_range_stats, evictions), F(svm_range_stats, pages_evicted),
	F(svm_range_stats, cpu_faults), F(svm_range_stats, invalidations),
	F(svm_range_stats, advise),
};
const size_t n_range_fields = ARRAY_SIZE(range_fields);
const struct stats_field dev_fields[] = {
	F(svm_dev_stats, faults_read), F(svm_dev_stats, faults_write),
	F(svm_dev_stats, faults_atomic), F(svm_dev_stats, map_faults),
	F(svm_dev_stats, throttles), F(svm_dev_stats, pages_to_dev),
	F(svm_dev_stats, cpu_faults), F(svm_dev_stats, cpu_fault_pages),
	F(svm_dev_stats, evictions), F(svm_dev_stats, pages_evicted),
};
const size_t n_dev_fields = ARRAY_SIZE(dev_fields);
#undef F

_Static_assert(sizeof(struct svm_range_stats) == 13 * 8,
	       "range_fields out of step with struct svm_range_stats");
_Static_assert(sizeof(struct svm_dev_stats) == 10 * 8,
	       "dev_fields out of step with struct svm_dev_stats");

static int check_map(int fd, const char *name, __u32 key_sz, __u32 val_sz)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);

	if (bpf_map_get_info_by_fd(fd, &mi, &len))
		return p_err(EXIT_FAIL, errno, "reading map info of %s", name);
	if (mi.key_size != key_sz || mi.value_size != val_sz)
		return p_err(EXIT_FAIL, EPROTO,
			     "pinned map %s has key/value sizes %u/%u, this svmctl expects %u/%u: restart the collector (svmctl stats --stop; svmctl stats --start)",
			     name, mi.key_size, mi.value_size, key_sz, val_sz);
	return 0;
}

int stats_snapshot_read(struct stats_snapshot *s)
{
	struct svm_stats_key key, next, *prev = NULL;
	int rfd, dfd = -1, ifd = -1, ret;
	size_t cap = 0;
	__u32 zero = 0;

	memset(s, 0, sizeof(*s));
	rfd = collector_map_fd(SVM_STATS_RANGES, &ret);
	if (rfd < 0)
		return ret;
	dfd = collector_map_fd(SVM_STATS_DEVICES, &ret);
	if (dfd < 0)
		goto out;
	ifd = collector_map_fd(SVM_STATS_INFO, &ret);
	if (ifd < 0)
		goto out;
	ret = check_map(rfd, SVM_STATS_RANGES, sizeof(key),
			sizeof(struct svm_range_stats)) ?:
	      check_map(dfd, SVM_STATS_DEVICES, sizeof(__u32),
			sizeof(struct svm_dev_stats)) ?:
	      check_map(ifd, SVM_STATS_INFO, sizeof(__u32),
			sizeof(struct svm_stats_info));
	if (ret)
		goto out;

	/* a key deleted under us restarts nothing: lookups just miss */
	while (!bpf_map_get_next_key(rfd, prev, &next)) {
		if (s->n == cap) {
			struct stats_row *tmp;

			cap = cap ? 2 * cap : 64;
			tmp = realloc(s->rows, cap * sizeof(*tmp));
			if (!tmp) {
				ret = p_err(EXIT_FAIL, ENOMEM, "reading ranges");
				goto out;
			}
			s->rows = tmp;
		}
		if (!bpf_map_lookup_elem(rfd, &next, &s->rows[s->n].v)) {
			s->rows[s->n].key = next;
			s->n++;
		}
		key = next;
		prev = &key;
	}
	if (errno != ENOENT) {
		ret = p_err(EXIT_FAIL, errno, "iterating the ranges map");
		goto out;
	}
	for (__u32 i = 0; i < SVM_STATS_MAX_DEVICES; i++)
		if (bpf_map_lookup_elem(dfd, &i, &s->dev[i])) {
			ret = p_err(EXIT_FAIL, errno, "reading device %u", i);
			goto out;
		}
	if (bpf_map_lookup_elem(ifd, &zero, &s->info)) {
		ret = p_err(EXIT_FAIL, errno, "reading the info map");
		goto out;
	}
	ret = 0;
out:
	if (ret)
		stats_snapshot_free(s);
	close(rfd);
	if (dfd >= 0)
		close(dfd);
	if (ifd >= 0)
		close(ifd);
	return ret;
}

void stats_snapshot_free(struct stats_snapshot *s)
{
	free(s->rows);
	s->rows = NULL;
	s->n = 0;
}
