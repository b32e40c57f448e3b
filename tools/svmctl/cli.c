// SPDX-License-Identifier: GPL-2.0
/* svmctl: the options every command takes, and usage errors. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "doc.h"
#include "svmctl.h"

int usage_err(const struct svm_cmd *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p_err(EXIT_USAGE, EINVAL, "%s", msg);
	if (cmd)
		fprintf(stderr, "Try 'svmctl %s --help'.\n", cmd->name);
	else
		fprintf(stderr, "Try 'svmctl help'.\n");
	return EXIT_USAGE;
}

int parse_common_only(const struct svm_cmd *cmd, int argc, char **argv)
{
	int c, ret;

	optind = 0;
	while ((c = cmd_getopt(cmd, argc, argv)) != -1) {
		ret = common_opt(cmd, c, argv);
		if (ret >= 0)
			return ret;
	}
	if (optind < argc)
		return usage_err(cmd, "unexpected argument '%s'", argv[optind]);
	return -1;
}

int common_opt(const struct svm_cmd *cmd, int c, char **argv)
{
	switch (c) {
	case 'h':
		help_cmd(cmd, stdout);
		return EXIT_OKAY;
	case 'j':
		json_output = true;
		return -1;
	case OPT_PRETTY:
		json_output = pretty_output = true;
		return -1;
	case 'd':
		verbose++;
		return -1;
	case ':':
		return usage_err(cmd, "option '%s' needs an argument",
				 argv[optind - 1]);
	case '?':
		if (optopt > 0 && optopt < 0x80)
			return usage_err(cmd, "unknown option '-%c'", optopt);
		return usage_err(cmd, "unknown option '%s'", argv[optind - 1]);
	default:
		return usage_err(cmd, "unhandled option %d", c);
	}
}
