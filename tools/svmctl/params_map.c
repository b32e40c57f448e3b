// SPDX-License-Identifier: GPL-2.0
/*
 * libsvmctl: a policy's params map - the pinned ARRAY map whose one value
 * is the policy's tunables, typed by its BTF (policy_ops.h).  svmctl set
 * and get print what these read and write (cmd_params.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "bpffs.h"
#include "params.h"
#include "policy_ops.h"
#include "svmctl.h"
#include "sysfs.h"

/**
 * svm_params_close() - release what svm_params_open() took
 * @pm: an opened (or failed) params map
 */
void svm_params_close(struct svm_params_map *pm)
{
	if (pm->fd >= 0)
		close(pm->fd);
	btf__free(pm->btf);
	pm->fd = -1;
	pm->btf = NULL;
}

/**
 * svm_params_open() - open a policy's params map (svmctl set/get)
 * @pm: out; svm_params_close() it in every case
 * @map_path: a pinned map, or NULL
 * @policy: without @map_path, the policy whose pinned params to open;
 *	NULL: the active policy's
 *
 * Return: an exit status (its message printed unless svm_quiet).
 */
int svm_params_open(struct svm_params_map *pm, const char *map_path,
		    const char *policy)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct svm_status st;
	char dir[1024];
	int err;

	memset(pm, 0, sizeof(*pm));
	pm->fd = -1;
	if (map_path) {
		snprintf(pm->path, sizeof(pm->path), "%s", map_path);
	} else {
		if (policy) {
			if (!policy_name_ok(policy))
				return p_err(EXIT_NO_POLICY, EINVAL,
					     "'%s' is not a valid policy name",
					     policy);
		} else {
			err = svm_require_loaded();
			if (err)
				return err;
			svm_status_read(&st);
			if (st.policy_err)
				return p_err(EXIT_FAIL, -st.policy_err,
					     "reading %s/policy",
					     svm_sysfs_root());
			if (!svm_policy_active(&st))
				return p_err(EXIT_NO_POLICY, ENOENT,
					     "no policy is active (the built-in default has no parameters)");
			policy = st.policy;
			if (!policy_name_ok(policy))
				return p_err(EXIT_FAIL, EINVAL,
					     "active policy name '%s' cannot name a pin directory",
					     policy);
		}
		snprintf(pm->policy, sizeof(pm->policy), "%s", policy);
		err = bpffs_check_pin_root();
		if (err)
			return err;
		bpffs_policy_path(dir, sizeof(dir), policy, NULL);
		bpffs_policy_path(pm->path, sizeof(pm->path), policy, "params");
		if (!path_exists(dir))
			return p_err(policy == st.policy ? EXIT_FAIL :
							   EXIT_NO_POLICY,
				     ENOENT,
				     "policy '%s' has no pins at %s (not loaded by svmctl?)",
				     policy, dir);
		if (!path_exists(pm->path))
			return p_err(EXIT_FAIL, ENOENT,
				     "policy '%s' has no tunable parameters (no %s)",
				     policy, pm->path);
	}

	pm->fd = bpf_obj_get(pm->path);
	if (pm->fd < 0) {
		err = errno;
		return p_err(err == EPERM || err == EACCES ? EXIT_PERM :
			     EXIT_FAIL, err, "opening pinned map %s", pm->path);
	}
	if (bpf_map_get_info_by_fd(pm->fd, &info, &len)) {
		err = errno;
		svm_params_close(pm);
		return p_err(EXIT_FAIL, err, "%s: reading map info", pm->path);
	}
	if (info.type != BPF_MAP_TYPE_ARRAY || info.key_size != 4 ||
	    info.max_entries < 1) {
		svm_params_close(pm);
		return p_err(EXIT_FAIL, EINVAL,
			     "%s is not a params map (want an ARRAY map with a u32 key)",
			     pm->path);
	}
	if (!info.btf_id || !info.btf_value_type_id) {
		svm_params_close(pm);
		return p_err(EXIT_FAIL, ENOTSUP,
			     "%s has no BTF type for its value", pm->path);
	}
	pm->btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!pm->btf) {
		err = errno;
		svm_params_close(pm);
		if (err == EPERM)
			return p_err(EXIT_PERM, err,
				     "reading the BTF of %s (id %u) needs CAP_SYS_ADMIN",
				     pm->path, info.btf_id);
		return p_err(EXIT_FAIL, err, "reading the BTF of %s (id %u)",
			     pm->path, info.btf_id);
	}
	if (pval_init(&pm->pv, pm->btf, info.btf_value_type_id,
		      info.value_size)) {
		svm_params_close(pm);
		return EXIT_FAIL;
	}
	pm->value_size = info.value_size;
	return 0;
}

/**
 * svm_params_read() - the map's value
 * @pm: an open params map
 * @buf: out, @pm->value_size bytes
 *
 * Return: an exit status.
 */
int svm_params_read(struct svm_params_map *pm, void *buf)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(pm->fd, &zero, buf))
		return p_err(EXIT_FAIL, errno, "reading %s", pm->path);
	return 0;
}


/**
 * svm_params_set() - change params, all or nothing (svmctl set)
 * @pm: an open params map
 * @sets: "KEY=VALUE" assignments, in order (a later one of a key wins)
 * @nsets: how many
 * @old: out, the value before (@pm->value_size bytes), or NULL
 * @new: out, the value written (@pm->value_size bytes), or NULL
 *
 * Every assignment is checked before the value is written.
 *
 * Return: an exit status.
 */
int svm_params_set(struct svm_params_map *pm, const char *const *sets,
		   size_t nsets, void *old, void *new)
{
	void *buf = calloc(1, pm->value_size);
	const char *val;
	char key[128];
	__u32 zero = 0;
	int ret;

	if (!buf)
		return p_err(EXIT_FAIL, ENOMEM, "allocating the params value");
	ret = svm_params_read(pm, buf);
	if (ret)
		goto out;
	if (old)
		memcpy(old, buf, pm->value_size);
	for (size_t i = 0; i < nsets; i++) {
		if (!pval_split(sets[i], key, sizeof(key), &val)) {
			ret = p_err(EXIT_USAGE, EINVAL, "'%s' is not KEY=VALUE",
				    sets[i]);
			goto out;
		}
		if (pval_set(&pm->pv, buf, key, val)) {
			ret = EXIT_FAIL;
			goto out;
		}
	}
	if (bpf_map_update_elem(pm->fd, &zero, buf, BPF_ANY)) {
		ret = p_err(errno == EPERM || errno == EACCES ? EXIT_PERM :
			    EXIT_FAIL, errno, "writing %s", pm->path);
		goto out;
	}
	if (new)
		memcpy(new, buf, pm->value_size);
out:
	free(buf);
	return ret;
}
