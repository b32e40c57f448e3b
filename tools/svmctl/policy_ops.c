// SPDX-License-Identifier: GPL-2.0
/*
 * libsvmctl: a policy's lifetime - load, switch, unload - with svmctl's
 * checks and pin layout (policy_ops.h).  svmctl's commands print what these
 * return (cmd_policy.c); the selftests call them directly.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpffs.h"
#include "collector.h"
#include "params.h"
#include "policy_ops.h"
#include "registry.h"
#include "svmctl.h"
#include "sysfs.h"

#define STATE_TIMEOUT_MS 5000

/* Zero @res; returns its name buffer, which the operation fills. */
static char *res_init(struct svm_policy_res *res)
{
	memset(res, 0, sizeof(*res));
	return res->name;
}

/* The kernel's id of the link @fd, or 0 where it cannot be read (shown as such). */
static __u32 link_id_of(int fd)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	return bpf_link_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* Where @p came from, copied: the registry and the file go with the call. */
static void res_fill(struct svm_policy_res *res, const struct svm_policy *p,
		     __u32 link_id, bool has_params)
{
	snprintf(res->source, sizeof(res->source), "%s", policy_source_str(p));
	res->source_key = policy_source_key(p);
	res->path = p->path ? strdup(p->path) : NULL;
	res->link_id = link_id;
	res->has_params = has_params;
}

/**
 * svm_policy_res_free() - release what a result holds
 * @res: filled by svm_policy_load(), _switch() or _unload()
 */
void svm_policy_res_free(struct svm_policy_res *res)
{
	for (size_t i = 0; i < res->nstale; i++)
		free(res->stale[i]);
	free(res->stale);
	free(res->path);
	res->stale = NULL;
	res->nstale = 0;
	res->path = NULL;
}

/*
 * The maps a policy declares with LIBBPF_PIN_BY_NAME get pinned in @dir
 * when the object loads.  0, or the exit code after an error message.
 */
static int pin_maps_in(struct bpf_object *obj, const char *dir)
{
	char path[1200];	/* dir (<= 1024) + name */
	struct bpf_map *m;
	int err;

	bpf_object__for_each_map(m, obj) {
		if (!bpf_map__pin_path(m))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
		err = bpf_map__set_pin_path(m, path);
		if (err)
			return p_err(EXIT_FAIL, -err, "setting pin path %s",
				     path);
	}
	return 0;
}

/* Load @obj into the kernel, saying why not.  0, or the exit code. */
/*
 * SEC("struct_ops.s/init") and SEC("struct_ops.s/exit") may sleep.  (The
 * section says it: libbpf keeps sleepability out of bpf_program__flags().)
 */
static bool sleepable_ok(const char *sec)
{
	const char *hook = strrchr(sec, '/');

	return hook && (!strcmp(hook, "/init") || !strcmp(hook, "/exit"));
}

static int load_object(struct bpf_object *obj, const char *name)
{
	int err = bpf_object__load(obj);

	if (!err)
		return 0;
	if (err == -EPERM)
		return p_err(EXIT_PERM, EPERM,
			     "loading policy '%s': needs CAP_SYS_ADMIN (svm_ext.ko's BTF)",
			     name);
	if (err == -EINVAL) {
		struct bpf_program *prog;

		/* the verifier only says "attach to unsupported member" */
		bpf_object__for_each_program(prog, obj)
			if (!strncmp(bpf_program__section_name(prog),
				     "struct_ops.s/", 13) &&
			    !sleepable_ok(bpf_program__section_name(prog)))
				return p_err(EXIT_FAIL, EINVAL,
					     "loading policy '%s': program %s is sleepable (SEC(\"%s\")): svm_ext hooks run in fault paths, under mmap_lock and spinlocks, and must not sleep; only init and exit may be sleepable: use SEC(\"struct_ops/...\")",
					     name, bpf_program__name(prog),
					     bpf_program__section_name(prog));
	}
	if (err == -EACCES)
		return p_err(EXIT_FAIL, EACCES,
			     "loading policy '%s': the verifier rejected a program (its log is above)",
			     name);
	if (err == -ESRCH)
		return p_err(EXIT_FAIL, ESRCH,
			     "loading policy '%s': the running kernel has no BTF for its struct_ops type (svm_ext.ko built from other sources?)",
			     name);
	return p_err(EXIT_FAIL, -err,
		     "loading policy '%s' (libbpf's messages above; more with --debug)",
		     name);
}

static int perm_or_fail(int err)
{
	return err == EPERM || err == EACCES ? EXIT_PERM : EXIT_FAIL;
}

/*
 * Load @obj with its pinned maps in @dir, then write its params (@pmap,
 * when it has one) before anything attaches.  0, or the exit code.
 */
static int load_into(struct bpf_object *obj, const char *dir,
		     const char *name, struct bpf_map *pmap, const void *pbuf)
{
	__u32 zero = 0;
	int ret;

	ret = pin_maps_in(obj, dir);
	if (!ret)
		ret = load_object(obj, name);
	if (!ret && pmap &&
	    bpf_map_update_elem(bpf_map__fd(pmap), &zero, pbuf, BPF_ANY))
		ret = p_err(EXIT_FAIL, errno, "writing the params of '%s'",
			    name);
	return ret;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* Removes the pin directories of policies that are not attached. */
static int remove_stale(const char *keep, char ***removed, size_t *nremoved)
{
	char **names, path[1024];
	size_t n;
	int err;

	*removed = NULL;
	*nremoved = 0;
	err = bpffs_policy_dirs(&names, &n);
	if (err == -EPERM)
		return EXIT_PERM;	/* an untrusted pin root, reported */
	if (err)
		return p_err(EXIT_FAIL, -err, "scanning pin directories");
	*removed = calloc(n ? n : 1, sizeof(char *));
	if (!*removed) {
		bpffs_free_names(names, n);
		return p_err(EXIT_FAIL, ENOMEM, "scanning pin directories");
	}
	for (size_t i = 0; i < n; i++) {
		if (keep && !strcmp(names[i], keep))
			continue;
		bpffs_policy_path(path, sizeof(path), names[i], NULL);
		err = bpffs_remove_tree(path);
		if (err) {
			bpffs_free_names(names, n);
			return p_err(err == -EPERM || err == -EACCES ?
				     EXIT_PERM : EXIT_FAIL, -err,
				     "removing stale pins %s", path);
		}
		(*removed)[(*nremoved)++] = names[i];
		names[i] = NULL;
	}
	bpffs_free_names(names, n);
	return 0;
}

/*
 * Removing a link's last pin detaches it a moment later (bpffs frees the
 * inode after an RCU grace period, the link in a work item): wait until the
 * core says "disabled".  Returns an exit status.
 */
static int wait_disabled(const char *what)
{
	static const char *const disabled[] = { "disabled", NULL };
	struct svm_status st;
	int err;

	err = svm_wait_state(disabled, STATE_TIMEOUT_MS, &st);
	if (err == -ETIMEDOUT)
		return p_err(EXIT_FAIL, ETIMEDOUT,
			     "policy '%s' still '%s' %d s after %s: another process holds its link",
			     st.policy, st.state, STATE_TIMEOUT_MS / 1000, what);
	if (err)
		p_warn("reading %s/state: %s", svm_sysfs_root(),
		       strerror(-err));
	return 0;
}

/* A policy name that can name its pin directory beside the collector's. */
static bool pin_name_ok(const char *name)
{
	return policy_name_ok(name) && strcmp(name, SVM_STATS_DIR);
}

/*
 * Starts the statistics collector if it is not running: a policy load is
 * when an admin wants numbers.  Its failure does not fail the load.
 */
static const char *autostart_collector(void)
{
	bool started;

	if (collector_running())
		return "running";
	if (!svm_embedded_collector[0].name)
		return "unavailable";
	if (collector_start(&started)) {
		p_warn("the statistics collector did not start; the policy runs ('svmctl stats --start' to retry)");
		return "failed";
	}
	return started ? "started" : "running";
}

/* Resolves POLICY|FILE into *p (owned by reg or by *file). */
static int resolve_policy(const char *arg, char *const *dirs, size_t ndirs,
			  struct svm_registry *reg, struct svm_policy *file,
			  struct svm_policy **p)
{
	char names[1024];
	size_t len = 0;
	int err;

	if (strchr(arg, '/') || ends_with(arg, POLICY_EXT)) {
		err = policy_from_file(file, arg, SRC_PATH);
		if (err)
			return p_err(EXIT_FAIL, -err, "reading %s", arg);
		if (file->read_err == -ENOENT)
			return p_err(EXIT_NO_POLICY, ENOENT,
				     "no such policy file %s", arg);
		if (file->read_err)
			return p_err(file->read_err == -EACCES ? EXIT_PERM :
				     EXIT_FAIL, -file->read_err, "reading %s",
				     arg);
		*p = file;
		return 0;
	}
	err = registry_build(reg, dirs, ndirs);
	if (err)
		return p_err(EXIT_FAIL, -err, "collecting policies");
	*p = registry_find(reg, arg);
	if (*p)
		return 0;
	names[0] = '\0';
	for (size_t i = 0; i < reg->n && len < sizeof(names); i++)
		if (!reg->v[i].shadowed)
			len += snprintf(names + len, sizeof(names) - len,
					"%s%s", len ? ", " : "",
					reg->v[i].name);
	return p_err(EXIT_NO_POLICY, ENOENT,
		     "no policy named '%s' (available: %s; or give a path to a .bpf.o)",
		     arg, names[0] ? names : "none");
}

/*
 * The initial params value: the policy's params_default section, then
 * every --set.  *buf is NULL when the policy has no params map.
 */
static int build_params(struct bpf_object *obj, const struct svm_policy *p,
			const char *name, const char *const *sets, size_t nsets,
			struct bpf_map **pmap, void **buf)
{
	const char *val;
	struct pval pv;
	char key[128];
	struct bpf_map *m;
	size_t vsz;

	*buf = NULL;
	*pmap = m = bpf_object__find_map_by_name(obj, "params");
	if (!m) {
		if (nsets)
			return p_err(EXIT_FAIL, ENOENT,
				     "policy '%s' has no params map: --set cannot apply",
				     name);
		return 0;
	}
	if (bpf_map__type(m) != BPF_MAP_TYPE_ARRAY ||
	    bpf_map__key_size(m) != 4)
		return p_err(EXIT_FAIL, EINVAL,
			     "policy '%s': its params map is not an ARRAY map with a u32 key",
			     name);
	vsz = bpf_map__value_size(m);
	if (!bpf_map__btf_value_type_id(m) || !bpf_object__btf(obj))
		return p_err(EXIT_FAIL, ENOTSUP,
			     "policy '%s': its params map has no BTF value type",
			     name);
	if (pval_init(&pv, bpf_object__btf(obj), bpf_map__btf_value_type_id(m),
		      vsz))
		return EXIT_FAIL;
	*buf = calloc(1, vsz);
	if (!*buf)
		return p_err(EXIT_FAIL, ENOMEM, "allocating params");
	if (p->defaults) {
		if (p->defaults_sz != vsz)
			return p_err(EXIT_FAIL, EINVAL,
				     "policy '%s': section params_default is %zu bytes, the params value %zu",
				     name, p->defaults_sz, vsz);
		memcpy(*buf, p->defaults, vsz);
	}
	for (size_t i = 0; i < nsets; i++) {
		pval_split(sets[i], key, sizeof(key), &val);
		if (pval_set(&pv, *buf, key, val))
			return EXIT_FAIL;
	}
	return 0;
}


/*
 * What load and switch do before attaching: find POLICY|FILE.bpf.o, open
 * it, find its one struct_ops map and the name that names its pins, and
 * fill its params from the defaults and --set.  Whatever it set up is
 * handed back even on failure, for the caller's cleanup.  Returns 0 or the
 * exit status.
 */
static int policy_prepare(const struct svm_load_req *req,
			  struct svm_registry *reg, struct svm_policy *file,
			  struct svm_policy **p, struct bpf_object **obj,
			  struct bpf_map **st_map, char *name, size_t namelen,
			  struct bpf_map **pmap, void **pbuf)
{
	int ret, err, cnt;

	ret = resolve_policy(req->policy, req->dirs, req->ndirs, reg, file, p);
	if (ret)
		return ret;
	*obj = policy_open(*p);
	if (!*obj)
		return p_err(EXIT_FAIL, errno, "opening BPF object %s (%s)",
			     (*p)->name, policy_source_str(*p));
	*st_map = policy_struct_ops_map(*obj, &cnt);
	if (!*st_map)
		return p_err(EXIT_FAIL, errno,
			     "policy '%s' has %d struct_ops maps, expected exactly one",
			     (*p)->name, cnt);
	err = policy_ops_name(*obj, *st_map, name, namelen);
	if (err || !pin_name_ok(name))
		return p_err(EXIT_FAIL, err ? -err : EINVAL,
			     "policy '%s': its struct_ops name '%s' cannot name a pin directory%s",
			     (*p)->name, name,
			     err ? "" : " ('" SVM_STATS_DIR "' is the collector's)");
	return build_params(*obj, *p, name, req->sets, req->nsets, pmap, pbuf);
}

/*
 * Makes the new struct_ops map's value ready (programs in place) so that a
 * link can take it.  libbpf writes that value only in
 * bpf_map__attach_struct_ops(), and bpf_link__update_map() works only on a
 * link libbpf created itself: it reaches into libbpf's private struct_ops
 * link (container_of), which a link opened from a pin with bpf_link__open()
 * is not, so calling it on one would write past that allocation.  So:
 * attach, which writes the value and then, as a policy is active, is
 * refused by the core's reg (EBUSY, nothing changed); then
 * bpf_link_update() on the pinned link, the call bpf_link__update_map()
 * makes.  If the old policy went away in between, the attach succeeds and
 * *fresh is that new link.
 */
static int st_map_prepare(struct bpf_map *st_map, struct bpf_link **fresh)
{
	*fresh = bpf_map__attach_struct_ops(st_map);
	if (*fresh)
		return 0;
	return errno == EBUSY ? 0 : -errno;
}

/* Waits until sysfs names the new policy (enabled) or says ejected. */
static int wait_switched(const char *name, struct svm_status *st)
{
	static const char *const settled[] = { "enabled", "ejected", NULL };
	int err, waited = 0;

	for (;;) {
		err = svm_wait_state(settled, STATE_TIMEOUT_MS, st);
		if (err || !strcmp(st->state, "ejected") ||
		    (!st->policy_err && !strcmp(st->policy, name)) ||
		    waited >= STATE_TIMEOUT_MS)
			break;
		usleep(20 * 1000);
		waited += 20;
	}
	if (!err && !strcmp(st->state, "ejected"))
		return p_err(EXIT_FAIL, ECANCELED,
			     "policy '%s' was ejected at once: %s: %s%s%s", name,
			     st->exit_kind_err ? "?" : st->exit_kind,
			     st->exit_reason_err ? "?" : st->exit_reason,
			     st->exit_msg[0] ? ": " : "", st->exit_msg);
	if (err == -ETIMEDOUT || (!st->policy_err && strcmp(st->policy, name)))
		p_warn("switched the link to '%s', but %s/policy says '%s' (state %s)",
		       name, svm_sysfs_root(), st->policy, st->state);
	return 0;
}

/**
 * svm_policy_load() - load and attach a policy (svmctl load)
 * @req: the policy, its params and where else to look for it
 * @res: out: what was loaded (svm_policy_res_free() it in every case)
 *
 * Return: an svmctl exit status; EXIT_OKAY once the policy is enabled.
 */
int svm_policy_load(const struct svm_load_req *req, struct svm_policy_res *res)
{
	static const char *const settled[] = { "enabled", "ejected", NULL };
	char *name = res_init(res), *dir = res->dir, path[1200];
	struct svm_policy file = {}, *p = NULL;
	__u32 link_id = 0;
	struct bpf_object *obj = NULL;
	struct bpf_map *st_map, *pmap;
	struct bpf_link *link = NULL;
	struct svm_registry reg = {};
	struct svm_status st;
	bool pinned_dir = false;
	void *pbuf = NULL;
	int ret, err;

	ret = svm_require_loaded();
	if (ret)
		return ret;
	ret = check_bpf_caps("loading a policy");
	if (ret)
		return ret;
	svm_status_read(&st);
	if (svm_policy_active(&st))
		return p_err(EXIT_FAIL, EBUSY,
			     "policy '%s' is already active (state %s); unload it first",
			     st.policy, st.state_err ? "?" : st.state);

	ret = policy_prepare(req, &reg, &file, &p, &obj, &st_map, name,
			     sizeof(res->name), &pmap, &pbuf);
	if (ret)
		goto out;

	ret = bpffs_prepare();
	if (ret)
		goto out;
	/* Nothing is active: every pin directory left is stale. */
	ret = remove_stale(NULL, &res->stale, &res->nstale);
	if (ret)
		goto out;
	for (size_t i = 0; i < res->nstale; i++)
		p_info("removed the stale pins of policy '%s'", res->stale[i]);
	/* an ejected policy is still attached until its link goes */
	svm_status_read(&st);
	if (!st.state_err && strcmp(st.state, "disabled")) {
		if (!res->nstale) {
			ret = p_err(EXIT_FAIL, EBUSY,
				    "policy '%s' is %s but still attached, by a program other than svmctl (no pins under %s/svm_ext)",
				    st.policy, st.state, bpffs_root());
			goto out;
		}
		ret = wait_disabled("its stale pins were removed");
		if (ret)
			goto out;
	}
	bpffs_policy_path(dir, sizeof(res->dir), name, NULL);
	if (path_exists(dir) && (err = bpffs_remove_tree(dir))) {
		ret = p_err(EXIT_FAIL, -err, "removing old %s", dir);
		goto out;
	}
	if (mkdir(dir, 0755)) {
		ret = p_err(errno == EACCES || errno == EPERM ? EXIT_PERM :
			    EXIT_FAIL, errno, "creating %s", dir);
		goto out;
	}
	pinned_dir = true;
	ret = load_into(obj, dir, name, pmap, pbuf);
	if (ret)
		goto out;

	link = bpf_map__attach_struct_ops(st_map);
	if (!link) {
		err = errno;
		if (err == EBUSY || err == EEXIST)
			ret = p_err(EXIT_FAIL, err,
				    "attaching policy '%s': another policy is active",
				    name);
		else if (err == EPERM)
			ret = p_err(EXIT_PERM, err,
				    "attaching policy '%s': needs CAP_SYS_ADMIN",
				    name);
		else
			ret = p_err(EXIT_FAIL, err,
				    "attaching policy '%s' (its init may have refused: see the kernel log)",
				    name);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/link", dir);
	err = bpf_link__pin(link, path);
	if (err) {
		ret = p_err(EXIT_FAIL, -err, "pinning the link at %s", path);
		goto out;
	}
	if (pmap && !bpf_map__is_pinned(pmap)) {
		snprintf(path, sizeof(path), "%s/params", dir);
		err = bpf_map__pin(pmap, path);
		if (err) {
			ret = p_err(EXIT_FAIL, -err,
				    "pinning the params map at %s", path);
			goto out;
		}
	}
	link_id = link_id_of(bpf_link__fd(link));

	/* The pins hold the policy from now on. */
	bpffs_link_release(link);
	link = NULL;

	err = svm_wait_state(settled, STATE_TIMEOUT_MS, &st);
	if (!err && !strcmp(st.state, "ejected")) {
		ret = p_err(EXIT_FAIL, ECANCELED,
			    "policy '%s' was ejected at once: %s: %s%s%s", name,
			    st.exit_kind_err ? "?" : st.exit_kind,
			    st.exit_reason_err ? "?" : st.exit_reason,
			    st.exit_msg[0] ? ": " : "", st.exit_msg);
		goto out;
	}
	if (err == -ETIMEDOUT)
		p_warn("policy '%s' attached, but state is still '%s' after %d s",
		       name, st.state, STATE_TIMEOUT_MS / 1000);
	else if (err)
		p_warn("policy '%s' attached; reading %s/state: %s", name,
		       svm_sysfs_root(), strerror(-err));
	else if (!st.policy_err && strcmp(st.policy, name))
		p_warn("policy '%s' attached, but %s/policy says '%s'", name,
		       svm_sysfs_root(), st.policy);

	pinned_dir = false;	/* keep it */
	res_fill(res, p, link_id, pmap != NULL);
	res->collector = autostart_collector();
	svm_status_read(&res->st);
	ret = EXIT_OKAY;
out:
	if (link) {
		bpf_link__unpin(link);
		bpf_link__destroy(link);
	}
	if (pinned_dir)
		bpffs_remove_tree(dir);
	bpf_object__close(obj);
	free(pbuf);
	registry_free(&reg);
	policy_free(&file);
	return ret;
}

/**
 * svm_policy_unload() - detach the active policy (svmctl unload)
 * @res: out: which policy went (@res->unloaded, @res->name) and which stale
 *	pin directories were removed (svm_policy_res_free() it in every case)
 *
 * Return: an svmctl exit status; EXIT_FAIL (ENOENT) when nothing was loaded.
 */
int svm_policy_unload(struct svm_policy_res *res)
{
	char *dir = res->dir, *name = res_init(res);
	struct svm_status st;
	int ret, err;

	ret = svm_require_loaded();
	if (ret)
		return ret;
	ret = bpffs_check_pin_root();
	if (ret)
		return ret;
	svm_status_read(&st);
	if (svm_policy_active(&st)) {
		if (!policy_name_ok(st.policy))
			return p_err(EXIT_FAIL, EINVAL,
				     "active policy name '%s' cannot name a pin directory",
				     st.policy);
		bpffs_policy_path(dir, sizeof(res->dir), st.policy, NULL);
		if (!path_exists(dir))
			return p_err(EXIT_FAIL, ENOENT,
				     "policy '%s' is active but has no pins at %s: the program that attached it must detach it",
				     st.policy, dir);
		err = bpffs_remove_tree(dir);
		if (err)
			return p_err(err == -EPERM || err == -EACCES ?
				     EXIT_PERM : EXIT_FAIL, -err,
				     "removing %s", dir);
		snprintf(name, sizeof(res->name), "%s", st.policy);
		res->unloaded = true;
		ret = wait_disabled("its pins were removed");
		if (ret)
			return ret;
	}
	ret = remove_stale(NULL, &res->stale, &res->nstale);
	if (ret)
		return ret;
	if (!res->unloaded && !res->nstale) {
		if (!st.policy_err && st.policy[0] && !st.state_err &&
		    strcmp(st.state, "disabled"))
			return p_err(EXIT_FAIL, ENOENT,
				     "policy '%s' is %s but has no pins under %s/svm_ext: the program that attached it must detach it",
				     st.policy, st.state, bpffs_root());
		return p_err(EXIT_FAIL, ENOENT, "no policy is loaded");
	}
	if (res->nstale) {
		ret = wait_disabled("its stale pins were removed");
		if (ret)
			return ret;
	}
	svm_status_read(&res->st);
	return EXIT_OKAY;
}

/**
 * svm_policy_switch() - replace the active policy in place (svmctl switch)
 * @req: the new policy, its params and where else to look for it
 * @res: out: the new policy and the one it replaced (@res->old)
 *	(svm_policy_res_free() it in every case)
 *
 * Return: an svmctl exit status; EXIT_USAGE when no policy is loaded.
 */
int svm_policy_switch(const struct svm_load_req *req,
		      struct svm_policy_res *res)
{
	char *name = res_init(res), *old = res->old, *dir = res->dir;
	char olddir[512], tmp[1024], path[1200], path2[1200];
	struct svm_policy file = {}, *p = NULL;
	__u32 link_id = 0;
	struct bpf_object *obj = NULL;
	struct bpf_map *st_map, *pmap;
	struct bpf_link *fresh = NULL;
	struct svm_registry reg = {};
	struct svm_status st;
	bool tmp_made = false;
	int ret, err, link_fd = -1;
	void *pbuf = NULL;

	ret = svm_require_loaded();
	if (ret)
		return ret;
	svm_status_read(&st);
	/* an ejected policy still holds the link: switching replaces it too */
	if (st.policy_err || !st.policy[0] ||
	    (!st.state_err && !strcmp(st.state, "disabled")))
		return p_err(EXIT_USAGE, EINVAL,
			     "no policy is loaded (state %s): nothing to switch from; use 'svmctl load %s'",
			     st.state_err ? "?" : st.state, req->policy);
	ret = check_bpf_caps("switching a struct_ops policy");
	if (ret)
		return ret;
	ret = bpffs_check_pin_root();
	if (ret)
		return ret;
	snprintf(old, sizeof(res->old), "%s", st.policy);
	if (!pin_name_ok(old))
		return p_err(EXIT_FAIL, EINVAL,
			     "active policy name '%s' cannot name a pin directory",
			     old);
	bpffs_policy_path(olddir, sizeof(olddir), old, NULL);
	bpffs_policy_path(path, sizeof(path), old, "link");
	link_fd = bpf_obj_get(path);
	if (link_fd < 0)
		return p_err(errno == ENOENT ? EXIT_FAIL : perm_or_fail(errno),
			     errno,
			     "policy '%s' is active but its link is not pinned at %s: the program that attached it must replace it",
			     old, path);

	ret = policy_prepare(req, &reg, &file, &p, &obj, &st_map, name,
			     sizeof(res->name), &pmap, &pbuf);
	if (ret)
		goto out;

	/*
	 * The new pins gather in a directory of their own, renamed at the
	 * end.  bpffs refuses names with a dot; a leftover (svmctl killed
	 * here) holds a link or params and goes as stale pins at the next
	 * load or unload.
	 */
	bpffs_pin_root(olddir, sizeof(olddir));
	snprintf(tmp, sizeof(tmp), "%s/_switch-%d", olddir, (int)getpid());
	bpffs_policy_path(olddir, sizeof(olddir), old, NULL);
	if (path_exists(tmp))
		bpffs_remove_tree(tmp);
	if (mkdir(tmp, 0755)) {
		ret = p_err(perm_or_fail(errno), errno, "creating %s", tmp);
		goto out;
	}
	tmp_made = true;
	ret = load_into(obj, tmp, name, pmap, pbuf);
	if (ret)
		goto out;

	err = st_map_prepare(st_map, &fresh);
	if (err) {
		ret = p_err(perm_or_fail(-err), -err,
			    "preparing policy '%s' (its init may have refused: see the kernel log)",
			    name);
		goto out;
	}
	if (fresh) {
		/* the old policy left meanwhile: the new one is attached */
		p_warn("policy '%s' went away meanwhile: '%s' was attached afresh",
		       old, name);
		snprintf(path, sizeof(path), "%s/link", tmp);
		err = bpf_link__pin(fresh, path);
		if (err) {
			ret = p_err(EXIT_FAIL, -err, "pinning the link at %s",
				    path);
			bpf_link__destroy(fresh);
			goto out;
		}
		link_id = link_id_of(bpf_link__fd(fresh));
		bpffs_link_release(fresh);
	} else {
		if (bpf_link_update(link_fd, bpf_map__fd(st_map), NULL)) {
			err = errno;
			if (err == EOPNOTSUPP)
				ret = p_err(EXIT_FAIL, err,
					    "this svm_ext.ko cannot replace a policy in place (svm_ext_ops has no .update): unload, then load '%s'",
					    name);
			else
				ret = p_err(perm_or_fail(err), err,
					    "replacing policy '%s' by '%s' (the old one still runs)",
					    old, name);
			goto out;
		}
		link_id = link_id_of(link_fd);
		snprintf(path, sizeof(path), "%s/link", olddir);
		snprintf(path2, sizeof(path2), "%s/link", tmp);
		if (rename(path, path2)) {
			ret = p_err(EXIT_FAIL, errno,
				    "'%s' runs, but moving its link pin %s to %s failed",
				    name, path, path2);
			tmp_made = false;
			goto out;
		}
	}
	if (pmap && !bpf_map__is_pinned(pmap)) {
		snprintf(path, sizeof(path), "%s/params", tmp);
		err = bpf_map__pin(pmap, path);
		if (err)
			p_warn("pinning the params map at %s: %s", path,
			       strerror(-err));
	}
	/* the old policy's maps go with its directory */
	if (path_exists(olddir) && (err = bpffs_remove_tree(olddir)))
		p_warn("removing %s: %s", olddir, strerror(-err));
	bpffs_policy_path(dir, sizeof(res->dir), name, NULL);
	if (path_exists(dir) && (err = bpffs_remove_tree(dir)))
		p_warn("removing the stale %s: %s", dir, strerror(-err));
	if (rename(tmp, dir)) {
		ret = p_err(EXIT_FAIL, errno,
			    "'%s' runs, but renaming its pin directory %s to %s failed",
			    name, tmp, dir);
		tmp_made = false;
		goto out;
	}
	tmp_made = false;

	ret = wait_switched(name, &res->st);
	if (ret)
		goto out;
	res_fill(res, p, link_id, pmap != NULL);
	res->collector = autostart_collector();
	ret = EXIT_OKAY;
out:
	if (tmp_made)
		bpffs_remove_tree(tmp);
	if (link_fd >= 0)
		close(link_fd);
	bpf_object__close(obj);
	free(pbuf);
	registry_free(&reg);
	policy_free(&file);
	return ret;
}
