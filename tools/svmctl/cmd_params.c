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
#include "policy_ops.h"
#include "svmctl.h"
#include "sysfs.h"

enum { OPT_MAP = OPT_CMD_BASE, OPT_POLICY };

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
	struct svm_params_map pm;
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

	ret = svm_params_open(&pm, map_path, policy);
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
	ret = svm_params_read(&pm, buf);
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
	svm_params_close(&pm);
	return ret;
}

static int do_set(int argc, char **argv)
{
	const char *map_path = NULL, *policy = NULL, *val;
	struct svm_params_map pm;
	void *buf = NULL, *old = NULL;
	char key[128], s1[1024], s2[1024];
	json_writer_t *jw = NULL;
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

	ret = svm_params_open(&pm, map_path, policy);
	if (ret)
		return ret;
	buf = calloc(1, pm.value_size);
	old = calloc(1, pm.value_size);
	if (!buf || !old) {
		ret = p_err(EXIT_FAIL, ENOMEM, "allocating the params value");
		goto out;
	}
	ret = svm_params_set(&pm, (const char *const *)argv + optind,
			     argc - optind, old, buf);
	if (ret)
		goto out;

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
	svm_params_close(&pm);
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
