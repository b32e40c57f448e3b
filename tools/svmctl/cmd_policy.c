// SPDX-License-Identifier: GPL-2.0
/*
 * svmctl list / load / unload / switch: the commands; what they do is
 * libsvmctl's (policy_ops.c), what they print is here.
 */
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
#include "policy_ops.h"
#include "registry.h"
#include "svmctl.h"
#include "sysfs.h"

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
			jw_string_field(jw, "source", policy_source_key(p));
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

/* What load and switch both report in --json: where the policy came from and is. */
static void policy_res_fields(json_writer_t *jw, const struct svm_policy_res *r)
{
	jw_string_field(jw, "source", r->source_key);
	jw_string_field(jw, "path", r->path);
	jw_string_field(jw, "pin_dir", r->dir);
	jw_uint_field(jw, "link_id", r->link_id);
}

static void load_output(const struct svm_policy_res *r)
{
	json_writer_t *jw;

	if (!json_output) {
		printf("loaded policy '%s' (%s), pinned at %s/\n", r->name,
		       r->source, r->dir);
		if (!strcmp(r->collector, "started"))
			printf("statistics collector started ('svmctl stats')\n");
		return;
	}
	jw = jw_new(stdout, pretty_output);
	jw_start_object(jw);
	jw_string_field(jw, "policy", r->name);
	policy_res_fields(jw, r);
	jw_bool_field(jw, "params", r->has_params);
	jw_name(jw, "stale_removed");
	jw_start_array(jw);
	for (size_t i = 0; i < r->nstale; i++)
		jw_string(jw, r->stale[i]);
	jw_end_array(jw);
	jw_string_field(jw, "collector", r->collector);
	jw_end_object(jw);
	jw_destroy(&jw);
}

/*
 * The arguments load and switch share: POLICY|FILE.bpf.o, --set KEY=VALUE
 * (repeatable) and --policy-dir DIR.  Returns -1 to go on, or the exit
 * status (help, usage error).
 */
static int parse_policy_args(const struct svm_cmd *cmd, int argc, char **argv,
			     const char **sets, size_t *nsets, char **dirs,
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

static int do_load(int argc, char **argv)
{
	const char *sets[MAX_SETS];
	char *dirs[MAX_DIRS];
	struct svm_load_req req = { .sets = sets, .dirs = dirs };
	struct svm_policy_res res;
	int ret;

	ret = parse_policy_args(&cmd_load, argc, argv, sets, &req.nsets, dirs,
				&req.ndirs);
	if (ret >= 0)
		return ret;
	req.policy = argv[optind];
	ret = svm_policy_load(&req, &res);
	if (ret == EXIT_OKAY)
		load_output(&res);
	svm_policy_res_free(&res);
	return ret;
}

/* -------------------------------------------------------------- unload */

static int do_unload(int argc, char **argv)
{
	struct svm_policy_res res;
	int ret;

	ret = parse_common_only(&cmd_unload, argc, argv);
	if (ret >= 0)
		return ret;
	ret = svm_policy_unload(&res);
	if (ret != EXIT_OKAY)
		goto out;
	if (json_output) {
		json_writer_t *jw = jw_new(stdout, pretty_output);

		jw_start_object(jw);
		jw_string_field(jw, "unloaded", res.unloaded ? res.name : NULL);
		jw_name(jw, "stale_removed");
		jw_start_array(jw);
		for (size_t i = 0; i < res.nstale; i++)
			jw_string(jw, res.stale[i]);
		jw_end_array(jw);
		jw_string_field(jw, "state",
				res.st.state_err ? NULL : res.st.state);
		jw_end_object(jw);
		jw_destroy(&jw);
	} else {
		if (res.unloaded)
			printf("unloaded policy '%s'; the built-in default decides again\n",
			       res.name);
		for (size_t i = 0; i < res.nstale; i++)
			printf("removed the stale pins of policy '%s' (ejected or detached)\n",
			       res.stale[i]);
	}
out:
	svm_policy_res_free(&res);
	return ret;
}

/* -------------------------------------------------------------- switch */

static void switch_output(const struct svm_policy_res *r)
{
	json_writer_t *jw;

	if (!json_output) {
		printf("switched from policy '%s' to '%s' (%s), pinned at %s/\n",
		       r->old, r->name, r->source, r->dir);
		return;
	}
	jw = jw_new(stdout, pretty_output);
	jw_start_object(jw);
	jw_string_field(jw, "policy", r->name);
	jw_string_field(jw, "replaced", r->old);
	policy_res_fields(jw, r);
	if (r->st.count_err)
		jw_null_field(jw, "enable_count");
	else
		jw_uint_field(jw, "enable_count", r->st.enable_count);
	jw_end_object(jw);
	jw_destroy(&jw);
}

static int do_switch(int argc, char **argv)
{
	const char *sets[MAX_SETS];
	char *dirs[MAX_DIRS];
	struct svm_load_req req = { .sets = sets, .dirs = dirs };
	struct svm_policy_res res;
	int ret;

	ret = parse_policy_args(&cmd_switch, argc, argv, sets, &req.nsets,
				dirs, &req.ndirs);
	if (ret >= 0)
		return ret;
	req.policy = argv[optind];
	ret = svm_policy_switch(&req, &res);
	if (ret == EXIT_OKAY)
		switch_output(&res);
	else if (ret == EXIT_USAGE)
		fprintf(stderr, "Try 'svmctl switch --help'.\n");
	svm_policy_res_free(&res);
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
