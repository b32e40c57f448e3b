/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svmctl's documentation, kept in one place: the command table.  Each
 * command's struct svm_cmd (svmctl.h) carries its summary, synopsis,
 * description, options, exit statuses and examples; main.c holds the
 * overview and the sections that belong to no command.  From that table
 * come:
 *
 *   svmctl --help, svmctl help CMD, svmctl CMD --help   (help_*)
 *   the option parsing of every command                 (cmd_getopt)
 *   svmctl.8, the man page              svmctl --gen-man
 *   the bash completion                 svmctl --gen-completion
 *   the examples, for the selftest      svmctl --gen-examples
 *   a check of README.md and docs/      svmctl --check-doc FILE...
 *
 * The --gen-* and --check-doc options are for the build and are not
 * listed in the help; they need neither root nor svm_ext.
 *
 * Text markup (descriptions, option and exit texts, sections).  Blocks are
 * separated by an empty line:
 *
 *   a paragraph      lines of text; rewrapped (help) or filled (man)
 *   a list           lines ":TERM: text"; a line without the leading ':'
 *                    continues the item before it
 *   verbatim lines   lines starting with a tab, printed as they are; in a
 *                    list they belong to the item before them
 *
 * Inline: `code` is bold in the man page, <ARG> (a metavariable) italic;
 * the help prints both without their marks.  A backslash takes the next
 * character literally.
 */
#ifndef SVMCTL_DOC_H
#define SVMCTL_DOC_H

#include <stdbool.h>
#include <stdio.h>

/* What an option's argument or a command's positional arguments are. */
enum svm_complete {
	COMP_NONE,	/* anything: nothing to offer */
	COMP_FILE,	/* a file */
	COMP_DIR,	/* a directory */
	COMP_PID,	/* a process id */
	COMP_WORDS,	/* one of svm_opt.words */
	COMP_POLICY,	/* an installed policy, or a FILE.bpf.o */
	COMP_PINNED,	/* a policy with pins under /sys/fs/bpf/svm_ext */
	COMP_PARAM,	/* a member of the policy's params */
	COMP_PARAM_SET,	/* KEY=VALUE for a member of the policy's params */
	COMP_COMMAND,	/* an svmctl command */
};

struct svm_opt {
	const char *name;	/* long name, without "--"; NULL ends a table */
	int val;		/* getopt's value: the short letter, or OPT_* */
	const char *arg;	/* its argument's metavariable; NULL: none */
	enum svm_complete comp;	/* what the argument is */
	const char *words;	/* COMP_WORDS: the choices, space separated */
	const char *help;	/* what it does (markup) */
	bool hidden;		/* parsed, never shown (the build's --gen-*) */
};

struct svm_exit {
	int code;
	const char *text;	/* NULL ends a table (markup) */
};

/*
 * An example is run as it is by selftests/svmctl_examples.c, from the
 * top of the source tree, with $PID a process that has memory on a device.
 * Before it, the test makes the state in .needs:
 *   NULL         anything (it runs after the example before it)
 *   "unloaded"   no policy attached
 *   "loaded"     a policy attached (sysmem if none is)
 *   "stats"      the statistics collector running
 *   POLICY       that policy attached (loaded now if another or none is),
 *                and the collector running
 * The test follows the table's order: an example that needs what the one
 * before left costs no load.
 */
struct svm_example {
	const char *cmd;	/* a shell command line; NULL ends a table */
	const char *what;	/* what it shows (markup), or NULL */
	const char *needs;
};

/* A man page section of the overview (POLICIES, FILES, ...). */
struct svm_section {
	const char *title;	/* NULL ends a table */
	const char *text;	/* markup */
	bool in_help;		/* also in `svmctl --help` */
};

struct svm_cmd;

/* What main.c holds beside the commands. */
struct svm_doc {
	const char *name;		/* "svmctl" */
	const char *summary;		/* the man page's NAME line */
	const char *usage;		/* usage lines, as a synopsis */
	const char *desc;		/* DESCRIPTION (markup) */
	const char *opts_intro;		/* before the global options */
	const struct svm_opt *opts;	/* global options, beyond the common */
	const struct svm_cmd *const *cmds;	/* NULL-terminated */
	const struct svm_section *topics;	/* after COMMANDS (man) */
	const struct svm_exit *exits;
	const char *exits_more;		/* after them, only in the man page */
	const struct svm_section *sections;	/* after EXIT STATUS */
	const char *examples_intro;
	const struct svm_example *examples;	/* a session, in order */
	const char *const *see_also;	/* "bpftool(8)", ...; NULL-terminated */
};

extern const struct svm_doc svm_doc;
/* The options every command takes: --json, --pretty, --debug, --help. */
extern const struct svm_opt svm_common_opts[];

/* `svmctl --help` and `svmctl CMD --help`. */
void help_overview(FILE *f);
void help_cmd(const struct svm_cmd *cmd, FILE *f);

/* The build's generators; each returns an exit status. */
int gen_man(FILE *f);
int gen_completion(FILE *f);
int gen_examples(FILE *f);
/* Checks every `svmctl ...` in the files and the table's own examples. */
int check_doc(int nfiles, char **files);

/*
 * getopt_long() over @cmd's options and the common ones (opterr is set to
 * 0: the caller reports).  Reset optind before the first call.
 */
int cmd_getopt(const struct svm_cmd *cmd, int argc, char **argv);
/* The same for the global options before COMMAND (stops at COMMAND). */
int main_getopt(int argc, char **argv);

#endif /* SVMCTL_DOC_H */
