// SPDX-License-Identifier: GPL-2.0
/*
 * svmctl: administration CLI for svm_ext, the BPF-driven shared virtual
 * memory placement framework.  This file: global options, the command
 * table and `svmctl help`.
 */
#include <errno.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "registry.h"
#include "svmctl.h"

/* Add new commands here (and in svmctl.h, svmctl.8, the completion). */
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
};

static const char exit_status_text[] =
"EXIT STATUS\n"
"  0  success\n"
"  1  the operation failed (the message names what and the errno text)\n"
"  2  usage error\n"
"  3  svm_ext is not loaded (no /sys/kernel/svm_ext)\n"
"  4  permission denied (loading a policy or the collector needs\n"
"     CAP_SYS_ADMIN: libbpf reads svm_ext.ko's BTF)\n"
"  5  no such policy\n";

static void overview(FILE *f)
{
	fprintf(f,
"Usage: svmctl [OPTIONS] COMMAND [ARGS]\n"
"       svmctl help [COMMAND]\n"
"       svmctl COMMAND --help\n"
"\n"
"Manage svm_ext, the BPF struct_ops framework that decides where shared\n"
"virtual memory pages live (device memory or system memory).\n"
"\n"
"Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i]->name,
			commands[i]->summary);
	fprintf(f,
"\n"
"Options (before COMMAND, or after it):\n"
"  -j, --json      JSON output for commands that print data\n"
"      --pretty    indented JSON (implies --json)\n"
"  -d, --debug     show libbpf's messages (twice: its debug log too)\n"
"  -V, --version   print version information and exit\n"
"  -h, --help      print this help and exit\n"
"\n"
"%s"
"\n"
"Environment: SVMCTL_POLICY_DIR (default %s),\n"
"SVMCTL_SYSFS (default /sys/kernel/svm_ext), SVMCTL_BPFFS (default\n"
"/sys/fs/bpf).  See svmctl(8).\n",
		exit_status_text, POLICY_DIR_DEFAULT);
}

void cmd_help(const struct svm_cmd *cmd, FILE *f)
{
	fprintf(f, "NAME\n  svmctl %s - %s\n\nSYNOPSIS\n", cmd->name,
		cmd->summary);
	for (const char *s = cmd->synopsis; *s;) {
		size_t n = strcspn(s, "\n");

		fprintf(f, "  %.*s\n", (int)n, s);
		s += n + (s[n] == '\n');
	}
	fprintf(f, "\n%s", cmd->help);
}

static const struct svm_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static int do_help(int argc, char **argv)
{
	const struct svm_cmd *cmd;

	if (argc < 2) {
		overview(stdout);
		return EXIT_OKAY;
	}
	if (argc > 2)
		return usage_err(NULL, "help takes at most one COMMAND");
	cmd = find_cmd(argv[1]);
	if (!cmd)
		return usage_err(NULL, "unknown command '%s'", argv[1]);
	cmd_help(cmd, stdout);
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
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, OPT_PRETTY },
		{ "debug", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	const struct svm_cmd *cmd;
	int c, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	setup_libbpf_print();

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hjdV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			overview(stdout);
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
		default:
			if (optopt > 0 && optopt < 0x80)
				return usage_err(NULL, "unknown option '-%c'",
						 optopt);
			return usage_err(NULL, "unknown option '%s'",
					 argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		overview(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "help"))
		return do_help(argc - optind, argv + optind);
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
