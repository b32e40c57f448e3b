/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svmctl: administration CLI for svm_ext.  Shared declarations.
 *
 * Layout (modelled on tools/bpf/bpftool):
 *   main.c         global options, the command table, the overview's
 *                  documentation, `svmctl help`, version
 *   doc.c          what is made from the table: help, getopt's tables,
 *                  the man page, the bash completion, the examples (doc.h)
 *   cli.c          the common options, usage errors
 *   cmd_policy.c   list, load, unload, switch (what they print)
 *   policy_ops.c   load, switch, unload (what they do: libsvmctl.a, which
 *                  the selftests link too; policy_ops.h)
 *   cmd_status.c   status
 *   cmd_params.c   set, get
 *   cmd_stats.c    stats (and the collector's --start/--stop)
 *   cmd_top.c      top
 *   cmd_devices.c  devices
 *   cmd_ranges.c   ranges (debugfs per-range dump)
 *   cmd_record.c   record (a process's events into a trace file)
 *   collector.c    the statistics collector: start, stop, read its maps
 *   stats_view.c   filtering, sorting, printing statistics
 *   registry.c     embedded and on-disk policy objects
 *   params.c       BTF-typed params values: parse, check, print
 *   sysfs.c        /sys/kernel/svm_ext readers
 *   bpffs.c        pins under /sys/fs/bpf/svm_ext
 *   json_writer.c  streaming JSON output
 *   util.c         errors, capabilities, formatting
 *
 * libsvmctl.a is util, json_writer, sysfs, bpffs, registry, params,
 * policy_ops, collector and stats_view with the embedded objects: nothing
 * of the command line.
 *
 * To add a command: write `int do_foo(int argc, char **argv)` and a
 * `const struct svm_cmd cmd_foo` next to it (its documentation, options
 * and examples: doc.h), declare it below, and add &cmd_foo to the table in
 * main.c.  Its help, man page section, completion and the test of its
 * examples follow from that.
 */
#ifndef SVMCTL_H
#define SVMCTL_H

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "doc.h"
#include "policy_ops.h"

#ifndef SVMCTL_VERSION
#define SVMCTL_VERSION "0.1"
#endif


/* A command and its documentation (the markup is in doc.h). */
struct svm_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;	/* one line, for `svmctl help` */
	/* "svmctl NAME ..." lines; one starting with spaces continues */
	const char *synopsis;
	const char *desc;	/* DESCRIPTION */
	/* its options, parsed by cmd_getopt(); the common ones are added */
	const struct svm_opt *opts;
	enum svm_complete args;	/* what its arguments are */
	const struct svm_exit *exits;
	const struct svm_example *examples;
};

extern const struct svm_cmd cmd_list, cmd_load, cmd_unload, cmd_status,
	cmd_set, cmd_get;
extern const struct svm_cmd cmd_switch, cmd_stats, cmd_top, cmd_devices,
	cmd_ranges, cmd_help;
extern const struct svm_cmd cmd_record;

/* Global state, set by main.c and by each command's common options. */
extern bool json_output;
extern bool pretty_output;
extern int verbose;
extern const char *cur_cmd;	/* command name, for messages */
extern bool libbpf_quiet;	/* hide libbpf warnings (list) */


/*
 * Option values beyond the short letters.  Every command accepts the
 * common options (svm_common_opts: -h, -j, --pretty, -d); its parser
 * loops over cmd_getopt() and hands each option it does not know to
 * common_opt().
 */
enum { OPT_PRETTY = 0x100, OPT_DEBUG, OPT_CMD_BASE = 0x200 };

/*
 * Returns -1 if the option was handled and parsing goes on, otherwise the
 * exit status to return at once (help printed, or a usage error).
 */
int common_opt(const struct svm_cmd *cmd, int c, char **argv);
/*
 * The whole parser of a command that takes only the common options and no
 * argument.  Returns -1 to go on, otherwise the exit status.
 */
int parse_common_only(const struct svm_cmd *cmd, int argc, char **argv);

/*
 * Error reporting.  Every message reads "svmctl: CMD: WHAT: ERRNO TEXT".
 * err is a positive errno value (or 0 for none).  Returns exit_code so
 * that `return p_err(EXIT_FAIL, EBUSY, "...")` reads naturally.
 */
int p_err(int exit_code, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void p_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int usage_err(const struct svm_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Emits the last error as JSON on stdout if --json and nothing else was. */
void json_flush_error(int exit_code);

/* Capabilities. */
bool have_cap(int cap);
/* 0 if loading struct_ops is allowed, else prints why and returns 4. */
int check_bpf_caps(const char *what);

/* Formatting. */
void fmt_bytes(char *buf, size_t sz, unsigned long long v);
void fmt_duration(char *buf, size_t sz, unsigned long long secs);

/* A policy name usable as a directory name under bpffs. */
bool policy_name_ok(const char *name);

/* libbpf log callback honouring verbose and libbpf_quiet. */
void setup_libbpf_print(void);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* SVMCTL_H */
