// SPDX-License-Identifier: GPL-2.0
/*
 * svmctl: administration CLI for svm_ext, the BPF-driven shared virtual
 * memory placement framework.  This file: global options, the command
 * table, `svmctl help`, and the documentation that belongs to no command
 * (the man page's overview, exit statuses, environment, files; doc.h).
 */
#include <errno.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "registry.h"
#include "svmctl.h"

/* The build's, not listed in the help (doc.h). */
enum {
	OPT_GEN_MAN = OPT_CMD_BASE,
	OPT_GEN_COMPLETION,
	OPT_GEN_EXAMPLES,
	OPT_CHECK_DOC,
};

const struct svm_opt svm_common_opts[] = {
	{ "json", 'j', .help =
"Print data as JSON on standard output.  On failure, if nothing was printed\n"
"yet, an object `{\"error\": {command, message, errno, exit_code}}` is\n"
"printed (the message also goes to standard error)." },
	{ "pretty", OPT_PRETTY, .help = "Indented JSON; implies `--json`." },
	{ "debug", 'd', .help =
"Show libbpf's informational messages; twice, its debug log too (with the\n"
"verifier's log)." },
	{ "help", 'h', .help = "Print the help and exit." },
	{ NULL }
};

static int do_help(int argc, char **argv);

const struct svm_cmd cmd_help = {
	.name = "help",
	.fn = do_help,
	.summary = "print the overview, or a command's help",
	.synopsis = "svmctl help [COMMAND]",
	.desc =
"Prints the overview of the commands and options, or the help of\n"
"<COMMAND>, as `svmctl` <COMMAND> `--help` does.",
	.args = COMP_COMMAND,
	.exits = (const struct svm_exit[]){
		{ 0, "printed" },
		{ 2, "usage error: no such command" },
		{ 0, NULL }
	},
	.examples = (const struct svm_example[]){
		{ "svmctl help load",
		  "what load does, its options and exit statuses", NULL },
		{ NULL }
	},
};

/* Add new commands here (and declare them in svmctl.h). */
static const struct svm_cmd *const commands[] = {
	&cmd_list,
	&cmd_load,
	&cmd_unload,
	&cmd_switch,
	&cmd_status,
	&cmd_set,
	&cmd_get,
	&cmd_stats,
	&cmd_top,
	&cmd_devices,
	&cmd_ranges,
	&cmd_record,
	&cmd_help,
	NULL
};

const struct svm_doc svm_doc = {
	.name = "svmctl",
	.summary = "manage svm_ext memory placement policies",
	.usage =
"svmctl [OPTIONS] COMMAND [ARGS]\n"
"svmctl help [COMMAND]\n"
"svmctl COMMAND --help",
	.desc =
"svm_ext is a kernel framework (module `svm_ext.ko`) that keeps one view of\n"
"each process address space across the CPU and devices (shared virtual\n"
"memory) and asks a BPF `struct_ops` policy where pages should live\n"
"whenever a device faults, device memory must be evicted, or user space\n"
"gives a hint.  Without a policy a built-in default decides.  A policy that\n"
"makes an invalid decision or fails is ejected and the default takes over\n"
"at once.\n"
"\n"
"`svmctl` lists the installed policies, attaches one, replaces it in\n"
"place, detaches it, shows the framework's state, reads and changes the\n"
"active policy's tunables while it runs, and shows per-range statistics,\n"
"the devices, and where a process's pages are.",
	.opts_intro =
"These options can be given before <COMMAND> or after it (`--version`\n"
"only before).",
	.opts = (const struct svm_opt[]){
		{ "version", 'V', .help =
"Print the version, the libbpf version, the embedded policies and whether\n"
"the statistics collector is built in, and exit." },
		{ "gen-man", OPT_GEN_MAN, .hidden = true },
		{ "gen-completion", OPT_GEN_COMPLETION, .hidden = true },
		{ "gen-examples", OPT_GEN_EXAMPLES, .hidden = true },
		{ "check-doc", OPT_CHECK_DOC, .hidden = true },
		{ NULL }
	},
	.cmds = commands,
	.topics = (const struct svm_section[]){
		{ "POLICIES",
"A policy is a BPF object file written in C (<bpf/NAME.bpf.c> in the\n"
"svm_ext sources).  `svmctl` needs from it:\n"
"\n"
":1.: Exactly one struct_ops map, declared\n"
"\tSEC(\".struct_ops.link\")\n"
"\tstruct svm_ext_ops NAME_ops = {\n"
"\t\t.fault = (void *)NAME_fault,\n"
"\t\t.name  = \"NAME\",\n"
"\t};\n"
"`.name` should equal the file name; it names the pin directory and is\n"
"what </sys/kernel/svm_ext/policy> shows.  Letters, digits, `_`, `-` and\n"
"`.` only, not starting with a dot.\n"
":2.: A one-line description in its own section:\n"
"\tchar _desc[] SEC(\"description\") = \"Keep every page in system memory\";\n"
":3.: Optionally, tunables: an ARRAY map named `params` with one entry, a\n"
"`u32` key and a struct value of integer, bool, enum and char-array\n"
"members, read by the program with `bpf_map_lookup_elem(&params, &zero)`.\n"
"Name padding members with a leading underscore.  `set` rewrites the\n"
"whole value, so counters the program updates belong in another map.\n"
":4.: Optionally, their defaults, in a section of exactly the value's size:\n"
"\tstruct NAME_params _params_default SEC(\"params_default\") = { ... };\n"
"Without it the tunables start at zero.\n"
"\n"
"libbpf skips the `description` and `params_default` sections when it\n"
"loads the object; nothing of them reaches the kernel.  The policies that\n"
"come with svm_ext and their tunables are in <docs/policies.md>; the hooks\n"
"a policy can implement, in <docs/writing-policies.md>.", false },
		{ NULL }
	},
	.exits = (const struct svm_exit[]){
		{ 0, "success" },
		{ 1, "the operation failed (the message names what, and the errno text)" },
		{ 2, "usage error (also `switch` with no policy loaded)" },
		{ 3, "svm_ext is not loaded (no </sys/kernel/svm_ext>)" },
		{ 4, "permission denied (loading a policy or the statistics collector\n"
		     "needs CAP_SYS_ADMIN: libbpf reads svm_ext.ko's BTF)" },
		{ 5, "no such policy (for `set` and `get`: no policy active)" },
		{ 0, NULL }
	},
	.exits_more =
"Exit status 4, permission denied, in more detail.  Loading a policy or the statistics collector needs CAP_SYS_ADMIN: libbpf\n"
"must read svm_ext.ko's BTF, which the kernel lets only CAP_SYS_ADMIN open\n"
"(CAP_BPF with CAP_PERFMON would do for struct_ops itself); mounting the\n"
"bpf filesystem and reading a map's BTF need CAP_SYS_ADMIN; the pins are\n"
"owned by root.\n"
"\n"
"Also: the pin root <svm_ext> under the bpf filesystem is not a directory,\n"
"is owned by another user or is group or world writable (another user\n"
"could then control which policy stays attached); svmctl says which, and\n"
"uses no pin under it.\n"
"\n"
"The kernel itself refuses to attach or switch a policy for a caller\n"
"without CAP_SYS_ADMIN (or CAP_BPF with CAP_PERFMON); see\n"
"<docs/security.md>.",
	.sections = (const struct svm_section[]){
		{ "ENVIRONMENT",
":`SVMCTL_POLICY_DIR`: directory of installed policy objects (default\n"
"<" POLICY_DIR_DEFAULT ">)\n"
":`SVMCTL_SYSFS`: where svm_ext's sysfs directory is (default\n"
"</sys/kernel/svm_ext>); for tests\n"
":`SVMCTL_BPFFS`: mount point of the bpf filesystem (default </sys/fs/bpf>);\n"
"for tests; only the default is mounted automatically",
		  .in_help = true },
		{ "FILES",
":</sys/kernel/svm_ext/>: `state`, `policy`, `enabled_since`,\n"
"`enable_count`, `exit_kind`, `exit_reason`, `exit_msg`, and\n"
"`devices/`<ID>`/`{`name`, `mem_total`, `mem_used`, `peers`, `counters`,\n"
"`links`}.\n"
":</sys/fs/bpf/svm_ext/NAME/>: `link` and `params` of the policy <NAME>,\n"
"and the maps it pins.\n"
":</sys/fs/bpf/svm_ext/stats/>: The statistics collector: `ranges` (key\n"
"{tgid, start}, value the range's counters), `devices` (one entry per\n"
"device index), `info` (events lost because `ranges` was full) and one\n"
"`link_`<EVENT> per tracepoint.  The member names are those of the maps'\n"
"BTF (<include/svm_ext/stats.h>).\n"
":</sys/kernel/debug/svm_ext/ranges>: The core's per-range dump, read by\n"
"`ranges`.\n"
":<" POLICY_DIR_DEFAULT "/*.bpf.o>: Installed policies.", false },
		{ NULL }
	},
	.examples_intro =
"A session, in order.  <$PID> stands for the process id of a program that\n"
"uses a device.",
	.examples = (const struct svm_example[]){
		{ "svmctl list", "What can be loaded, and what is active:",
		  "unloaded" },
		{ "svmctl load sysmem",
		  "Keep data in system memory, mapped in place by the devices:",
		  NULL },
		{ "svmctl status", NULL, NULL },
		{ "svmctl get", "Its tunables, then one changed while it runs:", NULL },
		{ "svmctl set window_kb=64", NULL, NULL },
		{ "svmctl get --json | jq .window_kb", NULL, NULL },
		{ "svmctl switch --set threshold=60 prefetch",
		  "Replace it in place by density prefetch, tuned as it starts:",
		  NULL },
		{ "svmctl stats --pid $PID --sort migrated",
		  "The ranges of one process that moved most pages, and the same "
		  "numbers through bpftool:", NULL },
		{ "bpftool map dump pinned /sys/fs/bpf/svm_ext/stats/ranges", NULL, NULL },
		{ "svmctl top --interval 2 --count 2",
		  "The busiest ranges, twice, two seconds apart:", NULL },
		{ "svmctl devices --json | jq '.devices[].links'",
		  "Each device's links, and where the process's pages are:", NULL },
		{ "svmctl ranges --pid $PID", NULL, NULL },
		{ "svmctl unload", "Back to the built-in default:", NULL },
		{ NULL }
	},
	.see_also = (const char *const[]){
		"bpftool(8)", "bpftool-struct_ops(8)", "bpftool-map(8)", NULL
	},
};

static const struct svm_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; commands[i]; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static int do_help(int argc, char **argv)
{
	const struct svm_cmd *cmd;
	int c, ret;

	optind = 0;
	while ((c = cmd_getopt(&cmd_help, argc, argv)) != -1) {
		ret = common_opt(&cmd_help, c, argv);
		if (ret >= 0)
			return ret;
	}
	if (optind >= argc) {
		help_overview(stdout);
		return EXIT_OKAY;
	}
	if (optind + 1 < argc)
		return usage_err(&cmd_help, "help takes at most one COMMAND");
	cmd = find_cmd(argv[optind]);
	if (!cmd)
		return usage_err(&cmd_help, "unknown command '%s'",
				 argv[optind]);
	help_cmd(cmd, stdout);
	return EXIT_OKAY;
}

static void version(void)
{
	size_t n = 0;

	while (svm_embedded_policies[n].name)
		n++;
	printf("svmctl %s\nlibbpf %s\n", SVMCTL_VERSION,
	       libbpf_version_string());
	printf("embedded policies:");
	for (size_t i = 0; i < n; i++)
		printf(" %s", svm_embedded_policies[i].name);
	printf("%s\n", n ? "" : " none");
	printf("statistics collector: %s\n",
	       svm_embedded_collector[0].name ? "embedded" : "not built in");
	printf("trace recorder: %s\n",
	       svm_embedded_recorder[0].name ? "embedded" : "not built in");
}

/* The generators write to stdout: a write error fails them. */
static int gen_done(int ret)
{
	if (fflush(stdout) && !ret)
		ret = p_err(EXIT_FAIL, errno, "writing output");
	return ret;
}

int main(int argc, char **argv)
{
	const struct svm_cmd *cmd;
	int c, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	setup_libbpf_print();

	while ((c = main_getopt(argc, argv)) != -1) {
		switch (c) {
		case 'h':
			help_overview(stdout);
			return EXIT_OKAY;
		case 'j':
			json_output = true;
			break;
		case OPT_PRETTY:
			json_output = pretty_output = true;
			break;
		case 'd':
			verbose++;
			break;
		case 'V':
			version();
			return EXIT_OKAY;
		case OPT_GEN_MAN:
			return gen_done(gen_man(stdout));
		case OPT_GEN_COMPLETION:
			return gen_done(gen_completion(stdout));
		case OPT_GEN_EXAMPLES:
			return gen_done(gen_examples(stdout));
		case OPT_CHECK_DOC:
			return check_doc(argc - optind, argv + optind);
		default:
			if (optopt > 0 && optopt < 0x80)
				return usage_err(NULL, "unknown option '-%c'",
						 optopt);
			return usage_err(NULL, "unknown option '%s'",
					 argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		help_overview(stderr);
		return EXIT_USAGE;
	}
	cmd = find_cmd(argv[optind]);
	if (!cmd)
		return usage_err(NULL, "unknown command '%s'", argv[optind]);

	cur_cmd = cmd->name;
	ret = cmd->fn(argc - optind, argv + optind);
	if (ret)
		json_flush_error(ret);
	if (fflush(stdout) && !ret)
		ret = p_err(EXIT_FAIL, errno, "writing output");
	return ret;
}
