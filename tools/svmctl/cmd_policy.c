// SPDX-License-Identifier: GPL-2.0
/* svmctl list / load / unload: policies and their lifetime. */
#include <errno.h>
#include <linux/capability.h>
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
#include "json_writer.h"
#include "params.h"
#include "registry.h"
#include "svmctl.h"
#include "sysfs.h"

#define STATE_TIMEOUT_MS 5000
#define MAX_DIRS 16
#define MAX_SETS 64

enum { OPT_POLICY_DIR = OPT_CMD_BASE };

static int add_dir(const struct svm_cmd *cmd, char **dirs, size_t *n,
		   char *dir)
{
	if (*n >= MAX_DIRS)
		return usage_err(cmd, "at most %d --policy-dir options",
				 MAX_DIRS);
	dirs[(*n)++] = dir;
	return -1;
}

static const char *source_key(const struct svm_policy *p)
{
	switch (p->source) {
	case SRC_POLICY_DIR: return "policy-dir";
	case SRC_EMBEDDED: return "embedded";
	case SRC_DEFAULT_DIR: return "default-dir";
	default: return "path";
	}
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

/* ---------------------------------------------------------------- list */

struct list_row {
	char ops_name[128];
	char error[160];
};

static void probe(const struct svm_policy *p, struct list_row *row)
{
	struct bpf_object *obj;
	struct bpf_map *st;
	int cnt, err;

	row->ops_name[0] = row->error[0] = '\0';
	if (p->read_err) {
		snprintf(row->error, sizeof(row->error), "cannot read: %s",
			 strerror(-p->read_err));
		return;
	}
	libbpf_quiet = true;
	obj = policy_open(p);
	libbpf_quiet = false;
	if (!obj) {
		snprintf(row->error, sizeof(row->error),
			 "not a BPF object: %s", strerror(errno));
		return;
	}
	st = policy_struct_ops_map(obj, &cnt);
	if (!st) {
		snprintf(row->error, sizeof(row->error),
			 "%d struct_ops maps, expected one", cnt);
	} else {
		err = policy_ops_name(obj, st, row->ops_name,
				      sizeof(row->ops_name));
		if (err)
			snprintf(row->error, sizeof(row->error),
				 "no struct_ops name: %s", strerror(-err));
	}
	bpf_object__close(obj);
}

static int do_list(int argc, char **argv)
{
	char *dirs[MAX_DIRS];
	size_t ndirs = 0, width = 4;
	struct svm_registry reg;
	struct list_row *rows;
	struct svm_status st;
	const char *active = NULL;
	bool loaded, quiet = false;
	int c, ret;

	optind = 0;
	while ((c = cmd_getopt(&cmd_list, argc, argv)) != -1) {
		switch (c) {
		case OPT_POLICY_DIR:
			ret = add_dir(&cmd_list, dirs, &ndirs, optarg);
			break;
		case 'q':
			quiet = true;
			ret = -1;
			break;
		default:
			ret = common_opt(&cmd_list, c, argv);
		}
		if (ret >= 0)
			return ret;
	}
	if (optind < argc)
		return usage_err(&cmd_list, "unexpected argument '%s'",
				 argv[optind]);

	ret = registry_build(&reg, dirs, ndirs);
	if (ret)
		return p_err(EXIT_FAIL, -ret, "collecting policies");
	loaded = svm_sysfs_present();
	if (loaded) {
		svm_status_read(&st);
		if (svm_policy_active(&st))
			active = st.policy;
	}

	if (quiet) {
		for (size_t i = 0; i < reg.n; i++)
			if (!reg.v[i].shadowed)
				printf("%s\n", reg.v[i].name);
		registry_free(&reg);
		return EXIT_OKAY;
	}

	rows = calloc(reg.n ? reg.n : 1, sizeof(*rows));
	if (!rows) {
		registry_free(&reg);
		return p_err(EXIT_FAIL, ENOMEM, "listing policies");
	}
	for (size_t i = 0; i < reg.n; i++) {
		probe(&reg.v[i], &rows[i]);
		if (strlen(reg.v[i].name) > width)
			width = strlen(reg.v[i].name);
	}

	if (json_output) {
		json_writer_t *jw = jw_new(stdout, pretty_output);

		jw_start_object(jw);
		jw_bool_field(jw, "loaded", loaded);
		jw_string_field(jw, "state",
				loaded && !st.state_err ? st.state : NULL);
		jw_string_field(jw, "active", active);
		jw_name(jw, "policies");
		jw_start_array(jw);
		for (size_t i = 0; i < reg.n; i++) {
			const struct svm_policy *p = &reg.v[i];
			const struct list_row *r = &rows[i];

			jw_start_object(jw);
			jw_string_field(jw, "name", p->name);
			jw_string_field(jw, "ops_name",
					r->ops_name[0] ? r->ops_name : NULL);
			jw_string_field(jw, "description",
					p->desc[0] ? p->desc : NULL);
			jw_string_field(jw, "source", source_key(p));
			jw_string_field(jw, "path", p->path);
			jw_bool_field(jw, "active",
				      active && !p->shadowed &&
				      !strcmp(active, r->ops_name));
			jw_bool_field(jw, "shadowed", p->shadowed);
			jw_bool_field(jw, "has_defaults", p->defaults != NULL);
			jw_string_field(jw, "error",
					r->error[0] ? r->error : NULL);
			jw_end_object(jw);
		}
		jw_end_array(jw);
		jw_end_object(jw);
		jw_destroy(&jw);
	} else {
		printf("  %-*s  %s\n", (int)width, "NAME", "DESCRIPTION");
		for (size_t i = 0; i < reg.n; i++) {
			const struct svm_policy *p = &reg.v[i];
			const struct list_row *r = &rows[i];
			bool is_active = active && !p->shadowed &&
					 !strcmp(active, r->ops_name);

			printf("%c %-*s  %s", is_active ? '*' : ' ',
			       (int)width, p->name,
			       r->error[0] ? "" :
			       p->desc[0] ? p->desc : "(no description)");
			if (r->error[0])
				printf("(%s)", r->error);
			if (r->ops_name[0] && strcmp(r->ops_name, p->name))
				printf(" (attaches as '%s')", r->ops_name);
			if (p->path)
				printf(" [%s]", p->path);
			if (p->shadowed)
				printf(" [shadowed]");
			printf("\n");
		}
		if (!reg.n)
			printf("  (no policies: none embedded, none in %s)\n",
			       registry_default_dir());
		if (!loaded)
			printf("\nsvm_ext is not loaded (no %s)\n",
			       svm_sysfs_root());
		else if (active)
			printf("\nactive: %s (%s)\n", active,
			       st.state_err ? "?" : st.state);
		else
			printf("\nactive: none (built-in default%s%s)\n",
			       !st.state_err && !strcmp(st.state, "ejected") ?
			       "; last policy ejected: " : "",
			       !st.state_err && !strcmp(st.state, "ejected") ?
			       (st.exit_reason_err ? "?" : st.exit_reason) : "");
	}
	free(rows);
	registry_free(&reg);
	return EXIT_OKAY;
}

/* ---------------------------------------------------------------- load */

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
static int resolve_policy(const char *arg, char **dirs, size_t ndirs,
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
			const char *name, char **sets, size_t nsets,
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

static void load_output(const char *name, const struct svm_policy *p,
			const char *dir, __u32 link_id, bool has_params,
			char **stale, size_t nstale, const char *collector)
{
	json_writer_t *jw;

	if (!json_output) {
		printf("loaded policy '%s' (%s), pinned at %s/\n", name,
		       policy_source_str(p), dir);
		if (!strcmp(collector, "started"))
			printf("statistics collector started ('svmctl stats')\n");
		return;
	}
	jw = jw_new(stdout, pretty_output);
	jw_start_object(jw);
	jw_string_field(jw, "policy", name);
	jw_string_field(jw, "source", source_key(p));
	jw_string_field(jw, "path", p->path);
	jw_string_field(jw, "pin_dir", dir);
	jw_uint_field(jw, "link_id", link_id);
	jw_bool_field(jw, "params", has_params);
	jw_name(jw, "stale_removed");
	jw_start_array(jw);
	for (size_t i = 0; i < nstale; i++)
		jw_string(jw, stale[i]);
	jw_end_array(jw);
	jw_string_field(jw, "collector", collector);
	jw_end_object(jw);
	jw_destroy(&jw);
}

/*
 * The arguments load and switch share: POLICY|FILE.bpf.o, --set KEY=VALUE
 * (repeatable) and --policy-dir DIR.  Returns -1 to go on, or the exit
 * status (help, usage error).
 */
static int parse_policy_args(const struct svm_cmd *cmd, int argc, char **argv,
			     char **sets, size_t *nsets, char **dirs,
			     size_t *ndirs)
{
	const char *val;
	char key[128];
	int c, ret;

	optind = 0;
	while ((c = cmd_getopt(cmd, argc, argv)) != -1) {
		switch (c) {
		case 's':
			if (*nsets >= MAX_SETS)
				return usage_err(cmd, "at most %d --set options",
						 MAX_SETS);
			if (!pval_split(optarg, key, sizeof(key), &val))
				return usage_err(cmd,
						 "--set '%s' is not KEY=VALUE",
						 optarg);
			sets[(*nsets)++] = optarg;
			ret = -1;
			break;
		case OPT_POLICY_DIR:
			ret = add_dir(cmd, dirs, ndirs, optarg);
			break;
		default:
			ret = common_opt(cmd, c, argv);
		}
		if (ret >= 0)
			return ret;
	}
	if (optind >= argc)
		return usage_err(cmd, "missing POLICY or FILE.bpf.o");
	if (optind + 1 < argc)
		return usage_err(cmd, "unexpected argument '%s'",
				 argv[optind + 1]);
	return -1;
}

/*
 * What load and switch do before attaching: find POLICY|FILE.bpf.o, open
 * it, find its one struct_ops map and the name that names its pins, and
 * fill its params from the defaults and --set.  Whatever it set up is
 * handed back even on failure, for the caller's cleanup.  Returns 0 or the
 * exit status.
 */
static int policy_prepare(const char *arg, char **dirs, size_t ndirs,
			  char **sets, size_t nsets, struct svm_registry *reg,
			  struct svm_policy *file, struct svm_policy **p,
			  struct bpf_object **obj, struct bpf_map **st_map,
			  char *name, size_t namelen, struct bpf_map **pmap,
			  void **pbuf)
{
	int ret, err, cnt;

	ret = resolve_policy(arg, dirs, ndirs, reg, file, p);
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
	return build_params(*obj, *p, name, sets, nsets, pmap, pbuf);
}

static int do_load(int argc, char **argv)
{
	static const char *const settled[] = { "enabled", "ejected", NULL };
	char *dirs[MAX_DIRS], *sets[MAX_SETS], **stale = NULL;
	char name[128], dir[1024], path[1200];
	struct svm_policy file = {}, *p = NULL;
	struct bpf_link_info linfo = {};
	struct bpf_object *obj = NULL;
	struct bpf_map *st_map, *pmap;
	struct bpf_link *link = NULL;
	struct svm_registry reg = {};
	size_t ndirs = 0, nsets = 0, nstale = 0;
	__u32 zero = 0, len = sizeof(linfo);
	struct svm_status st;
	bool pinned_dir = false;
	void *pbuf = NULL;
	int ret, err;

	ret = parse_policy_args(&cmd_load, argc, argv, sets, &nsets, dirs,
				&ndirs);
	if (ret >= 0)
		return ret;

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

	ret = policy_prepare(argv[optind], dirs, ndirs, sets, nsets, &reg, &file,
			     &p, &obj, &st_map, name, sizeof(name), &pmap,
			     &pbuf);
	if (ret)
		goto out;

	ret = bpffs_prepare();
	if (ret)
		goto out;
	/* Nothing is active: every pin directory left is stale. */
	ret = remove_stale(NULL, &stale, &nstale);
	if (ret)
		goto out;
	for (size_t i = 0; i < nstale; i++)
		p_info("removed the stale pins of policy '%s'", stale[i]);
	/* an ejected policy is still attached until its link goes */
	svm_status_read(&st);
	if (!st.state_err && strcmp(st.state, "disabled")) {
		if (!nstale) {
			ret = p_err(EXIT_FAIL, EBUSY,
				    "policy '%s' is %s but still attached, by a program other than svmctl (no pins under %s/svm_ext)",
				    st.policy, st.state, bpffs_root());
			goto out;
		}
		ret = wait_disabled("its stale pins were removed");
		if (ret)
			goto out;
	}
	bpffs_policy_path(dir, sizeof(dir), name, NULL);
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
	ret = pin_maps_in(obj, dir);
	if (ret)
		goto out;
	ret = load_object(obj, name);
	if (ret)
		goto out;
	if (pmap && bpf_map_update_elem(bpf_map__fd(pmap), &zero, pbuf,
					BPF_ANY)) {
		ret = p_err(EXIT_FAIL, errno, "writing the params of '%s'",
			    name);
		goto out;
	}

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
	if (bpf_link_get_info_by_fd(bpf_link__fd(link), &linfo, &len))
		linfo.id = 0;

	/* The pins hold the policy from now on. */
	bpf_link__disconnect(link);
	bpf_link__destroy(link);
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
	load_output(name, p, dir, linfo.id, pmap != NULL, stale, nstale,
		    autostart_collector());
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
	for (size_t i = 0; i < nstale; i++)
		free(stale[i]);
	free(stale);
	registry_free(&reg);
	policy_free(&file);
	return ret;
}

/* -------------------------------------------------------------- unload */

static int do_unload(int argc, char **argv)
{
	char dir[1024], name[128], **stale = NULL;
	const char *unloaded = NULL;
	size_t nstale = 0;
	struct svm_status st;
	int ret, err;

	ret = parse_common_only(&cmd_unload, argc, argv);
	if (ret >= 0)
		return ret;

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
		bpffs_policy_path(dir, sizeof(dir), st.policy, NULL);
		if (!path_exists(dir))
			return p_err(EXIT_FAIL, ENOENT,
				     "policy '%s' is active but has no pins at %s: the program that attached it must detach it",
				     st.policy, dir);
		err = bpffs_remove_tree(dir);
		if (err)
			return p_err(err == -EPERM || err == -EACCES ?
				     EXIT_PERM : EXIT_FAIL, -err,
				     "removing %s", dir);
		snprintf(name, sizeof(name), "%s", st.policy);
		unloaded = name;
		ret = wait_disabled("its pins were removed");
		if (ret)
			return ret;
	}
	ret = remove_stale(NULL, &stale, &nstale);
	if (ret)
		goto out;
	if (!unloaded && !nstale) {
		if (!st.policy_err && st.policy[0] && !st.state_err &&
		    strcmp(st.state, "disabled"))
			ret = p_err(EXIT_FAIL, ENOENT,
				    "policy '%s' is %s but has no pins under %s/svm_ext: the program that attached it must detach it",
				    st.policy, st.state, bpffs_root());
		else
			ret = p_err(EXIT_FAIL, ENOENT, "no policy is loaded");
		goto out;
	}
	if (nstale) {
		ret = wait_disabled("its stale pins were removed");
		if (ret)
			goto out;
	}
	svm_status_read(&st);

	if (json_output) {
		json_writer_t *jw = jw_new(stdout, pretty_output);

		jw_start_object(jw);
		jw_string_field(jw, "unloaded", unloaded);
		jw_name(jw, "stale_removed");
		jw_start_array(jw);
		for (size_t i = 0; i < nstale; i++)
			jw_string(jw, stale[i]);
		jw_end_array(jw);
		jw_string_field(jw, "state", st.state_err ? NULL : st.state);
		jw_end_object(jw);
		jw_destroy(&jw);
	} else {
		if (unloaded)
			printf("unloaded policy '%s'; the built-in default decides again\n",
			       unloaded);
		for (size_t i = 0; i < nstale; i++)
			printf("removed the stale pins of policy '%s' (ejected or detached)\n",
			       stale[i]);
	}
	ret = EXIT_OKAY;
out:
	for (size_t i = 0; i < nstale; i++)
		free(stale[i]);
	free(stale);
	return ret;
}

/* -------------------------------------------------------------- switch */

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

static void switch_output(const char *name, const char *old,
			  const struct svm_policy *p, const char *dir,
			  __u32 link_id, const struct svm_status *st)
{
	json_writer_t *jw;

	if (!json_output) {
		printf("switched from policy '%s' to '%s' (%s), pinned at %s/\n",
		       old, name, policy_source_str(p), dir);
		return;
	}
	jw = jw_new(stdout, pretty_output);
	jw_start_object(jw);
	jw_string_field(jw, "policy", name);
	jw_string_field(jw, "replaced", old);
	jw_string_field(jw, "source", source_key(p));
	jw_string_field(jw, "path", p->path);
	jw_string_field(jw, "pin_dir", dir);
	jw_uint_field(jw, "link_id", link_id);
	if (st->count_err)
		jw_null_field(jw, "enable_count");
	else
		jw_uint_field(jw, "enable_count", st->enable_count);
	jw_end_object(jw);
	jw_destroy(&jw);
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

static int do_switch(int argc, char **argv)
{
	char *dirs[MAX_DIRS], *sets[MAX_SETS];
	char name[128], old[128], dir[1024], olddir[512], tmp[1024];
	char path[1200], path2[1200];
	struct svm_policy file = {}, *p = NULL;
	struct bpf_link_info linfo = {};
	struct bpf_object *obj = NULL;
	struct bpf_map *st_map, *pmap;
	struct bpf_link *fresh = NULL;
	struct svm_registry reg = {};
	size_t ndirs = 0, nsets = 0;
	__u32 zero = 0, len = sizeof(linfo);
	struct svm_status st;
	bool tmp_made = false;
	int ret, err, link_fd = -1;
	void *pbuf = NULL;

	ret = parse_policy_args(&cmd_switch, argc, argv, sets, &nsets, dirs,
				&ndirs);
	if (ret >= 0)
		return ret;

	ret = svm_require_loaded();
	if (ret)
		return ret;
	svm_status_read(&st);
	/* an ejected policy still holds the link: switching replaces it too */
	if (st.policy_err || !st.policy[0] ||
	    (!st.state_err && !strcmp(st.state, "disabled")))
		return usage_err(&cmd_switch,
				 "no policy is loaded (state %s): nothing to switch from; use 'svmctl load %s'",
				 st.state_err ? "?" : st.state, argv[optind]);
	ret = check_bpf_caps("switching a struct_ops policy");
	if (ret)
		return ret;
	ret = bpffs_check_pin_root();
	if (ret)
		return ret;
	snprintf(old, sizeof(old), "%s", st.policy);
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

	ret = policy_prepare(argv[optind], dirs, ndirs, sets, nsets, &reg, &file,
			     &p, &obj, &st_map, name, sizeof(name), &pmap,
			     &pbuf);
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
	ret = pin_maps_in(obj, tmp);
	if (ret)
		goto out;
	ret = load_object(obj, name);
	if (ret)
		goto out;
	if (pmap && bpf_map_update_elem(bpf_map__fd(pmap), &zero, pbuf,
					BPF_ANY)) {
		ret = p_err(EXIT_FAIL, errno, "writing the params of '%s'",
			    name);
		goto out;
	}

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
		if (bpf_link_get_info_by_fd(bpf_link__fd(fresh), &linfo, &len))
			linfo.id = 0;
		bpf_link__disconnect(fresh);
		bpf_link__destroy(fresh);
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
		if (bpf_link_get_info_by_fd(link_fd, &linfo, &len))
			linfo.id = 0;
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
	bpffs_policy_path(dir, sizeof(dir), name, NULL);
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

	ret = wait_switched(name, &st);
	if (ret)
		goto out;
	switch_output(name, old, p, dir, linfo.id, &st);
	autostart_collector();
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

/* -------------------------------------------------------- documentation */

#define POLICY_ARGS_OPTS						\
	{ "set", 's', "KEY=VALUE", COMP_PARAM_SET, .help =		\
"Initial value of a parameter (repeatable); <VALUE> takes the forms\n"	\
"`svmctl set --help` lists." },						\
	{ "policy-dir", OPT_POLICY_DIR, "DIR", COMP_DIR, .help =	\
"Also look for <POLICY>`.bpf.o` in <DIR> (repeatable), before the\n"	\
"embedded policies." }

const struct svm_cmd cmd_list = {
	.name = "list",
	.fn = do_list,
	.summary = "list the installed policies and show which is active",
	.synopsis = "svmctl list [--json] [--quiet] [--policy-dir DIR]...",
	.desc =
"Lists the policies svmctl can load, in lookup order:\n"
"\n"
":1.: `*.bpf.o` in each `--policy-dir` <DIR>, in the order given;\n"
":2.: the policies built into svmctl (\"embedded\");\n"
":3.: `*.bpf.o` in `$SVMCTL_POLICY_DIR` (default\n"
"<" POLICY_DIR_DEFAULT ">).\n"
"\n"
"A policy's name is its file name without `.bpf.o`.  When two have the\n"
"same name the first wins; the others are marked `[shadowed]`.  Each line\n"
"shows the one-line description the policy carries.  The active policy\n"
"(from </sys/kernel/svm_ext/policy>) is marked with `*`.  svm_ext need not\n"
"be loaded.",
	.opts = (const struct svm_opt[]){
		{ "quiet", 'q', .help =
"Print the loadable names only, one per line." },
		{ "policy-dir", OPT_POLICY_DIR, "DIR", COMP_DIR, .help =
"Also look in <DIR> (repeatable), before the embedded policies." },
		{ "json", 'j', .help =
"JSON output: `{loaded, state, active, policies: [{name, ops_name,\n"
"description, source, path, active, shadowed, has_defaults, error}]}`." },
		{ NULL }
	},
	.exits = (const struct svm_exit[]){
		{ 0, "listed" },
		{ 1, "failed (a policy directory could not be read)" },
		{ 2, "usage error" },
		{ 0, NULL }
	},
	.examples = (const struct svm_example[]){
		{ "svmctl list",
		  "the policies, where each comes from, which one is active",
		  NULL },
		{ "svmctl list --policy-dir ./build/bpf --json",
		  "also the policies in <build/bpf> (the build's), as JSON", NULL },
		{ NULL }
	},
};

const struct svm_cmd cmd_load = {
	.name = "load",
	.fn = do_load,
	.summary = "load and attach a policy (it stays attached)",
	.synopsis =
"svmctl load [--json] [--set KEY=VALUE]... [--policy-dir DIR]... POLICY\n"
"svmctl load [--json] [--set KEY=VALUE]... FILE.bpf.o",
	.desc =
"Loads the policy named <POLICY> (see `svmctl list`), or the object file\n"
"<FILE>`.bpf.o` (any argument containing `/` or ending in `.bpf.o`),\n"
"attaches its struct_ops map and pins what keeps it alive under\n"
"</sys/fs/bpf/svm_ext/NAME/>:\n"
"\n"
":`link`: the struct_ops link; `svmctl unload` removes it\n"
":`params`: the policy's tunables map, if it has one\n"
":<MAP>: the maps the policy declares with `LIBBPF_PIN_BY_NAME`\n"
"\n"
"<NAME> is the struct_ops `name` member, as </sys/kernel/svm_ext/policy>\n"
"shows it (the object name if that is empty).  svmctl then exits; the\n"
"policy stays attached.  The bpf filesystem is mounted on </sys/fs/bpf> if\n"
"it is not.  Pin directories of policies that were ejected are removed\n"
"first.\n"
"\n"
"Before attaching, the params map is filled from the policy's\n"
"`params_default` section (zeroes if it has none), then each `--set` is\n"
"applied, with the checks `svmctl set` makes.\n"
"\n"
"Refuses (EBUSY) when a policy is already active: `unload` it first, or\n"
"`switch`.  After attaching, waits up to 5 s for\n"
"</sys/kernel/svm_ext/state> to say `enabled`, and fails if the policy was\n"
"ejected at once.  Then starts the statistics collector if it is not\n"
"running (see `svmctl stats`); if it cannot start, that is a warning, not\n"
"a failure.",
	.opts = (const struct svm_opt[]){
		POLICY_ARGS_OPTS,
		{ "json", 'j', .help =
"JSON output: `{policy, source, path, pin_dir, link_id, params,\n"
"stale_removed, collector}`, `collector` being `started`, `running`,\n"
"`failed` or `unavailable`." },
		{ NULL }
	},
	.args = COMP_POLICY,
	.exits = (const struct svm_exit[]){
		{ 0, "attached" },
		{ 1, "failed: EBUSY, a policy is active; a load or verifier error;\n"
		     "a bad `--set` (ENOENT, ERANGE, EINVAL); ECANCELED, ejected at\n"
		     "once" },
		{ 2, "usage error" },
		{ 3, "svm_ext is not loaded" },
		{ 4, "permission denied (needs CAP_SYS_ADMIN: svm_ext_ops is in\n"
		     "svm_ext.ko's BTF, which CAP_BPF with CAP_PERFMON cannot read)" },
		{ 5, "no such policy" },
		{ 0, NULL }
	},
	.examples = (const struct svm_example[]){
		{ "svmctl load sysmem",
		  "keep data in system memory; devices map it in place",
		  "unloaded" },
		{ "svmctl load --set threshold=60 --set max_window_kb=512 prefetch",
		  "density prefetch: move the largest window of at most 512 KiB\n"
		  "in which over 60% of the pages fault or are on the device",
		  "unloaded" },
		{ "svmctl load ./build/bpf/lfu.bpf.o",
		  "an object file by its path (here the build's lfu)",
		  "unloaded" },
		{ NULL }
	},
};

const struct svm_cmd cmd_unload = {
	.name = "unload",
	.fn = do_unload,
	.summary = "detach the active policy (the built-in default takes over)",
	.synopsis = "svmctl unload [--json]",
	.desc =
"Removes </sys/fs/bpf/svm_ext/NAME/> of the active policy <NAME>.  Its link\n"
"is the last reference, so this detaches the policy and the built-in\n"
"default takes over; svmctl waits up to 5 s for\n"
"</sys/kernel/svm_ext/state> to leave `enabled`.  Also removes the pin\n"
"directories of policies that were ejected (stale pins).  If another\n"
"process still holds the policy's link, it stays attached and unload fails\n"
"after the wait.  The statistics collector keeps running\n"
"(`svmctl stats --stop` stops it).",
	.opts = (const struct svm_opt[]){
		{ "json", 'j', .help =
"JSON output: `{unloaded, stale_removed, state}`." },
		{ NULL }
	},
	.exits = (const struct svm_exit[]){
		{ 0, "detached (or stale pins removed)" },
		{ 1, "failed (ENOENT: nothing was loaded; ETIMEDOUT: another\n"
		     "process holds the link, the policy is still attached)" },
		{ 2, "usage error" },
		{ 3, "svm_ext is not loaded" },
		{ 4, "permission denied" },
		{ 0, NULL }
	},
	.examples = (const struct svm_example[]){
		{ "svmctl unload", "back to the built-in default", "loaded" },
		{ NULL }
	},
};

const struct svm_cmd cmd_switch = {
	.name = "switch",
	.fn = do_switch,
	.summary = "replace the active policy in place, atomically",
	.synopsis =
"svmctl switch [--json] [--set KEY=VALUE]... [--policy-dir DIR]... POLICY\n"
"svmctl switch [--json] [--set KEY=VALUE]... FILE.bpf.o",
	.desc =
"Loads <POLICY> (or <FILE>`.bpf.o`) and hands it the active policy's\n"
"pinned struct_ops link (BPF_LINK_UPDATE): the core swaps the two under\n"
"its lock, so every fault is decided by the old policy or the new one,\n"
"never by the built-in default in between.  The old policy's `exit_kind`\n"
"becomes `replaced` and `enable_count` grows by one.  The pins move: the\n"
"link and the new params go to </sys/fs/bpf/svm_ext/NEW/>; the old\n"
"directory, with its params and maps, is removed.  Params start from the\n"
"new policy's `params_default`, then each `--set`, as with `load`.\n"
"Switching to the same policy reloads it with fresh params and maps.  The\n"
"statistics collector keeps counting across the switch.\n"
"\n"
"With nothing loaded this is a usage error (exit status 2): use `load`.\n"
"If the module cannot replace a policy in place, it fails with EOPNOTSUPP\n"
"and the old policy runs on.",
	.opts = (const struct svm_opt[]){
		POLICY_ARGS_OPTS,
		{ "json", 'j', .help =
"JSON output: `{policy, replaced, source, path, pin_dir, link_id,\n"
"enable_count}`." },
		{ NULL }
	},
	.args = COMP_POLICY,
	.exits = (const struct svm_exit[]){
		{ 0, "switched" },
		{ 1, "failed; the old policy still runs, except where the message\n"
		     "says otherwise (EOPNOTSUPP: the module cannot replace in place)" },
		{ 2, "usage error, or no policy is active (use `load`)" },
		{ 3, "svm_ext is not loaded" },
		{ 4, "permission denied" },
		{ 5, "no such policy" },
		{ 0, NULL }
	},
	.examples = (const struct svm_example[]){
		{ "svmctl switch default",
		  "from sysmem to the built-in decisions in BPF, with no moment\n"
		  "without a policy", "sysmem" },
		{ "svmctl switch --set window_kb=64 sysmem",
		  "back to sysmem, mapping 64 KiB around each fault", "default" },
		{ NULL }
	},
};
