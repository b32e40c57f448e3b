// SPDX-License-Identifier: GPL-2.0
/* svmctl set / get: the active policy's tunables (its pinned params map). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "bpffs.h"
#include "json_writer.h"
#include "params.h"
#include "svmctl.h"
#include "sysfs.h"

enum { OPT_MAP = OPT_CMD_BASE, OPT_POLICY };

struct params_map {
	int fd;
	struct btf *btf;
	struct pval pv;
	unsigned int value_size;
	char path[1024];
	char policy[128];		/* "" with --map */
};

static void params_close(struct params_map *pm)
{
	if (pm->fd >= 0)
		close(pm->fd);
	btf__free(pm->btf);
	pm->fd = -1;
	pm->btf = NULL;
}

/*
 * Opens the params map: --map PATH, else --policy NAME's pin, else the
 * active policy's pin.  Prints its own error; returns an exit status.
 */
static int params_open(struct params_map *pm, const char *map_path,
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
		params_close(pm);
		return p_err(EXIT_FAIL, err, "%s: reading map info", pm->path);
	}
	if (info.type != BPF_MAP_TYPE_ARRAY || info.key_size != 4 ||
	    info.max_entries < 1) {
		params_close(pm);
		return p_err(EXIT_FAIL, EINVAL,
			     "%s is not a params map (want an ARRAY map with a u32 key)",
			     pm->path);
	}
	if (!info.btf_id || !info.btf_value_type_id) {
		params_close(pm);
		return p_err(EXIT_FAIL, ENOTSUP,
			     "%s has no BTF type for its value", pm->path);
	}
	pm->btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!pm->btf) {
		err = errno;
		params_close(pm);
		if (err == EPERM)
			return p_err(EXIT_PERM, err,
				     "reading the BTF of %s (id %u) needs CAP_SYS_ADMIN",
				     pm->path, info.btf_id);
		return p_err(EXIT_FAIL, err, "reading the BTF of %s (id %u)",
			     pm->path, info.btf_id);
	}
	if (pval_init(&pm->pv, pm->btf, info.btf_value_type_id,
		      info.value_size)) {
		params_close(pm);
		return EXIT_FAIL;
	}
	pm->value_size = info.value_size;
	return 0;
}

static int params_read(struct params_map *pm, void *buf)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(pm->fd, &zero, buf))
		return p_err(EXIT_FAIL, errno, "reading %s", pm->path);
	return 0;
}

static int params_getopt(const struct svm_cmd *cmd, int argc, char **argv,
			 const char **map_path, const char **policy)
{
	int c, ret;

	optind = 0;
	while ((c = cmd_getopt(cmd, argc, argv)) != -1) {
		switch (c) {
		case OPT_MAP:
			*map_path = optarg;
			break;
		case OPT_POLICY:
			*policy = optarg;
			break;
		default:
			ret = common_opt(cmd, c, argv);
			if (ret >= 0)
				return ret;
		}
	}
	if (*map_path && *policy)
		return usage_err(cmd, "--map and --policy exclude each other");
	return -1;
}

static int do_get(int argc, char **argv)
{
	const char *map_path = NULL, *policy = NULL;
	struct params_map pm;
	json_writer_t *jw;
	void *buf;
	char s[1024];
	int ret, nkeys, *idx = NULL;

	ret = params_getopt(&cmd_get, argc, argv, &map_path, &policy);
	if (ret >= 0)
		return ret;
	nkeys = argc - optind;
	for (int i = optind; i < argc; i++)
		if (strchr(argv[i], '='))
			return usage_err(&cmd_get,
					 "'%s': get takes KEY, not KEY=VALUE (see 'svmctl set')",
					 argv[i]);

	ret = params_open(&pm, map_path, policy);
	if (ret)
		return ret;
	buf = calloc(1, pm.value_size);
	idx = calloc(nkeys ? nkeys : 1, sizeof(*idx));
	if (!buf || !idx) {
		ret = p_err(EXIT_FAIL, ENOMEM, "allocating the params value");
		goto out;
	}
	for (int i = 0; i < nkeys; i++) {
		idx[i] = pval_lookup(&pm.pv, argv[optind + i]);
		if (idx[i] < 0) {
			ret = EXIT_FAIL;
			goto out;
		}
	}
	ret = params_read(&pm, buf);
	if (ret)
		goto out;

	if (json_output) {
		jw = jw_new(stdout, pretty_output);
		jw_start_object(jw);
		for (unsigned int i = 0; i < (nkeys ? (unsigned int)nkeys :
						   pval_count(&pm.pv)); i++) {
			unsigned int m = nkeys ? (unsigned int)idx[i] : i;

			if (pval_hidden(&pm.pv, m))
				continue;
			jw_name(jw, pval_name(&pm.pv, m));
			pval_json(&pm.pv, buf, m, jw);
		}
		jw_end_object(jw);
		jw_destroy(&jw);
	} else if (nkeys == 1) {
		pval_format(&pm.pv, buf, idx[0], s, sizeof(s));
		printf("%s\n", s);
	} else {
		for (unsigned int i = 0; i < (nkeys ? (unsigned int)nkeys :
						   pval_count(&pm.pv)); i++) {
			unsigned int m = nkeys ? (unsigned int)idx[i] : i;

			if (pval_hidden(&pm.pv, m))
				continue;
			pval_format(&pm.pv, buf, m, s, sizeof(s));
			printf("%s=%s\n", pval_name(&pm.pv, m), s);
		}
	}
out:
	free(idx);
	free(buf);
	params_close(&pm);
	return ret;
}

static int do_set(int argc, char **argv)
{
	const char *map_path = NULL, *policy = NULL, *val;
	struct params_map pm;
	void *buf = NULL, *old = NULL;
	char key[128], s1[1024], s2[1024];
	json_writer_t *jw = NULL;
	__u32 zero = 0;
	int ret;

	ret = params_getopt(&cmd_set, argc, argv, &map_path, &policy);
	if (ret >= 0)
		return ret;
	if (optind >= argc)
		return usage_err(&cmd_set, "missing KEY=VALUE");
	for (int i = optind; i < argc; i++)
		if (!pval_split(argv[i], key, sizeof(key), &val))
			return usage_err(&cmd_set,
					 "'%s' is not KEY=VALUE", argv[i]);

	ret = params_open(&pm, map_path, policy);
	if (ret)
		return ret;
	buf = calloc(1, pm.value_size);
	old = calloc(1, pm.value_size);
	if (!buf || !old) {
		ret = p_err(EXIT_FAIL, ENOMEM, "allocating the params value");
		goto out;
	}
	ret = params_read(&pm, buf);
	if (ret)
		goto out;
	memcpy(old, buf, pm.value_size);
	/* all or nothing: check every assignment before writing */
	for (int i = optind; i < argc; i++) {
		pval_split(argv[i], key, sizeof(key), &val);
		if (pval_set(&pm.pv, buf, key, val)) {
			ret = EXIT_FAIL;
			goto out;
		}
	}
	if (bpf_map_update_elem(pm.fd, &zero, buf, BPF_ANY)) {
		ret = p_err(errno == EPERM || errno == EACCES ? EXIT_PERM :
			    EXIT_FAIL, errno, "writing %s", pm.path);
		goto out;
	}

	if (json_output) {
		jw = jw_new(stdout, pretty_output);
		jw_start_object(jw);
	}
	for (int i = optind; i < argc; i++) {
		int m;
		bool dup = false;

		pval_split(argv[i], key, sizeof(key), &val);
		for (int j = i + 1; j < argc && !dup; j++) {
			char k2[128];
			const char *v2;

			pval_split(argv[j], k2, sizeof(k2), &v2);
			dup = !strcmp(k2, key);
		}
		if (dup)
			continue;	/* report the last assignment only */
		m = pval_find(&pm.pv, key);
		if (jw) {
			jw_name(jw, key);
			jw_start_object(jw);
			jw_name(jw, "old");
			pval_json(&pm.pv, old, m, jw);
			jw_name(jw, "new");
			pval_json(&pm.pv, buf, m, jw);
			jw_end_object(jw);
		} else {
			pval_format(&pm.pv, old, m, s1, sizeof(s1));
			pval_format(&pm.pv, buf, m, s2, sizeof(s2));
			printf("%s: %s -> %s\n", key, s1, s2);
		}
	}
	if (jw) {
		jw_end_object(jw);
		jw_destroy(&jw);
	}
out:
	free(buf);
	free(old);
	params_close(&pm);
	return ret;
}

/* -------------------------------------------------------- documentation */

#define PARAMS_WHERE							\
"By default the map is the active policy's, pinned at\n"		\
"</sys/fs/bpf/svm_ext/POLICY/params> (<POLICY> as in\n"		\
"</sys/kernel/svm_ext/policy>).  The value is a struct described by the\n" \
"map's BTF: keys are its member names."

#define PARAMS_OPTS							\
	{ "policy", OPT_POLICY, "NAME", COMP_PINNED, .help =		\
"Use the pins of policy <NAME> instead of the active one." },		\
	{ "map", OPT_MAP, "PATH", COMP_FILE, .help =			\
"Use the ARRAY map pinned at <PATH>: any map whose value is a BTF\n"	\
"struct; svm_ext need not be loaded." }

#define PARAMS_EXITS							\
	{ 0, "done" },							\
	{ 1, "failed: an unknown key (ENOENT), a value out of range (ERANGE)\n" \
	     "or that does not parse (EINVAL), a map error" },		\
	{ 2, "usage error" },						\
	{ 3, "svm_ext is not loaded" },					\
	{ 4, "permission denied (reading a map's BTF needs CAP_SYS_ADMIN)" }, \
	{ 5, "no policy is active, or `--policy` <NAME> has no pins" },	\
	{ 0, NULL }

const struct svm_cmd cmd_get = {
	.name = "get",
	.fn = do_get,
	.summary = "show the active policy's parameters",
	.synopsis = "svmctl get [--json] [--policy NAME | --map PATH] [KEY...]",
	.desc =
"Reads the tunables of the active policy.  Without <KEY>, prints every\n"
"member as <KEY>=<VALUE> (the form `svmctl set` takes).  With one <KEY>,\n"
"prints its value alone; with several, <KEY>=<VALUE> lines.  Enums print\n"
"as enumerator names, bools as `true` or `false`, char arrays as strings.\n"
"\n"
PARAMS_WHERE,
	.opts = (const struct svm_opt[]){
		PARAMS_OPTS,
		{ "json", 'j', .help =
"JSON output: an object of the members and their values." },
		{ NULL }
	},
	.args = COMP_PARAM,
	.exits = (const struct svm_exit[]){ PARAMS_EXITS },
	.examples = (const struct svm_example[]){
		{ "svmctl get", "every tunable of the active policy, as KEY=VALUE",
		  "prefetch" },
		{ "svmctl get max_window_kb", "one value alone", "prefetch" },
		{ "svmctl get --json | jq .threshold", NULL, "prefetch" },
		{ "svmctl get --map /sys/fs/bpf/svm_ext/prefetch/params",
		  "a params map named by its pin", "prefetch" },
		{ NULL }
	},
};

const struct svm_cmd cmd_set = {
	.name = "set",
	.fn = do_set,
	.summary = "change the active policy's parameters while it runs",
	.synopsis = "svmctl set [--json] [--policy NAME | --map PATH] KEY=VALUE...",
	.desc =
"Changes tunables of the active policy, in its pinned `params` map; the\n"
"policy sees the new values at its next decision.  Every assignment is\n"
"checked against the member's BTF type before anything is written, and\n"
"all are written at once.  Prints <KEY>: <OLD> -> <NEW> for each key.\n"
"\n"
PARAMS_WHERE "\n"
"\n"
"<VALUE> takes these forms:\n"
"\n"
":integers: decimal or `0x` hex, negative for signed members, with an\n"
"optional suffix `k`, `m`, `g` or `t` (powers of 1024); it must fit the\n"
"member (ERANGE otherwise, with the member's range: u8 0..255, s16\n"
"-32768..32767, ...)\n"
":bool: `true`, `false`, `yes`, `no`, `on`, `off`, `1`, `0`\n"
":enum: an enumerator name or an integer\n"
":char[N]: a string of at most N-1 bytes\n"
"\n"
"An unknown key fails with ENOENT and lists the valid ones.  Bitfields and\n"
"nested structs cannot be set.  Members whose name starts with `_`\n"
"(padding, reserved) are neither shown nor settable.",
	.opts = (const struct svm_opt[]){
		PARAMS_OPTS,
		{ "json", 'j', .help =
"JSON output: `{KEY: {old, new}}` for each key." },
		{ NULL }
	},
	.args = COMP_PARAM_SET,
	.exits = (const struct svm_exit[]){ PARAMS_EXITS },
	.examples = (const struct svm_example[]){
		{ "svmctl set --policy sysmem window_kb=64",
		  "the tunables of a policy named, here sysmem's", "sysmem" },
		{ "svmctl set --map /sys/fs/bpf/svm_ext/lfu/params decay_ms=100",
		  "a params map named by its pin: lfu's counts halve for every\n"
		  "100 ms without a fault", "lfu" },
		{ "svmctl set threshold=60 max_window_kb=512",
		  "prefetch: move the largest window of at most 512 KiB in which\n"
		  "over 60% of the pages fault or are on the device", "prefetch" },
		{ NULL }
	},
};
