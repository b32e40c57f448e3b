// SPDX-License-Identifier: GPL-2.0
/*
 * Every example of svmctl's documentation runs as written and exits 0:
 *  - those of its command table, which are the help's and the man page's
 *    (`svmctl --gen-examples` lists them, each with the state it needs:
 *    tools/svmctl/doc.h), in their order;
 *  - every svmctl command line in README.md's code blocks (in a sh block
 *    the lines starting with "svmctl ", in a transcript those after the
 *    prompt "# "), in the README's order, which is a session (its
 *    transcript runs over several blocks), starting as after a fresh boot:
 *    no policy attached, the statistics collector stopped.
 * Each runs under `bash -o pipefail -c` from the top of the source tree,
 * with svmctl and the tree's bpftool first on PATH and $PID this process,
 * which has memory on both devices.  A failure prints the command and
 * what it said.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

#define CH (2 * MIB)			/* one range */
#define NCH 4				/* ranges in the test buffer */
#define OUT_MAX (32 * 1024)		/* an example's output kept for the log */

FIXTURE(ex)
{
	int fd0, fd1;
	uint8_t *buf;
	char out[OUT_MAX];
};

/* Prepends @dir of @file to PATH. */
static void path_prepend(const char *file)
{
	char dir[PATH_MAX], path[2 * PATH_MAX + 4096];
	const char *old = getenv("PATH");

	snprintf(dir, sizeof(dir), "%s", file);
	snprintf(path, sizeof(path), "%s:%s", dirname(dir),
		 old ? old : "/usr/sbin:/usr/bin:/sbin:/bin");
	setenv("PATH", path, 1);
}

FIXTURE_SETUP(ex)
{
	char root[PATH_MAX], pid[16];

	self->fd0 = emu_open(0);
	self->fd1 = emu_open(1);
	ASSERT_GE(self->fd0, 0);
	ASSERT_GE(self->fd1, 0);
	ASSERT_EQ(0, emu_bind(self->fd0));
	ASSERT_EQ(0, emu_bind(self->fd1));
	run("%s unload >/dev/null 2>&1", svmctl_path());
	/* memory on both devices, for the examples that name $PID */
	self->buf = map_chunk_aligned(NCH * CH, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, self->buf);
	ASSERT_EQ(0, emu_exec1(self->fd0, SVM_EMU_OP_WRITE, self->buf, 2 * CH,
			       0, 5, NULL, NULL));
	ASSERT_EQ(0, emu_exec1(self->fd1, SVM_EMU_OP_WRITE,
			       self->buf + 2 * CH, CH, 0, 7, NULL, NULL));

	/* the examples say "svmctl" and "bpftool", from the tree's top */
	ASSERT_NE(NULL, realpath(build_file(".."), root));
	ASSERT_EQ(0, chdir(root));
	ASSERT_EQ(0, access("README.md", R_OK)) TH_LOG("no %s/README.md", root);
	path_prepend(SVM_BPFTOOL);
	path_prepend(svmctl_path());
	snprintf(pid, sizeof(pid), "%d", getpid());
	setenv("PID", pid, 1);
}

FIXTURE_TEARDOWN(ex)
{
	run("%s unload >/dev/null 2>&1", svmctl_path());
	run("%s stats --start >/dev/null 2>&1", svmctl_path());
	if (self->buf != MAP_FAILED)
		munmap(self->buf, NCH * CH);
	close(self->fd1);
	close(self->fd0);
}

/*
 * Runs @cmd with `bash -o pipefail -c`, its output (stdout and stderr) in
 * @out.  Returns its exit status, 128 + the signal that killed it, or -1.
 */
static int run_example(const char *cmd, char *out, size_t len)
{
	size_t got = 0;
	int pfd[2], st;
	ssize_t n;
	pid_t pid;

	out[0] = '\0';
	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int nul = open("/dev/null", O_RDONLY);

		dup2(nul, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		execlp("bash", "bash", "-o", "pipefail", "-c", cmd, NULL);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		char sink[4096];

		/* keep the start, drain the rest */
		if (got + 1 < len)
			n = read(pfd[0], out + got, len - 1 - got);
		else
			n = read(pfd[0], sink, sizeof(sink));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (got + 1 < len)
			got += n;
	}
	out[got] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* What a failed example said, each line as a TAP comment. */
static void show_output(const char *out)
{
	while (*out) {
		size_t n = strcspn(out, "\n");

		fprintf(stderr, "#     | %.*s\n", (int)n, out);
		out += n + (out[n] == '\n');
	}
}

/* Is @name the attached, enabled policy? */
static bool attached(const char *name)
{
	char state[32], policy[128];

	sys_str("state", state, sizeof(state));
	sys_str("policy", policy, sizeof(policy));
	return !strcmp(state, "enabled") && !strcmp(policy, name);
}

/*
 * Makes the state an example needs (doc.h): "-" nothing, "unloaded" no
 * policy, "loaded" some policy (sysmem if none), "stats" the collector
 * running, else that policy attached and the collector running.  0, or
 * the step that failed.
 */
static int make_state(const char *needs)
{
	const char *c = svmctl_path();
	char state[32];

	if (!strcmp(needs, "-"))
		return 0;
	if (!strcmp(needs, "unloaded")) {
		run("%s unload >/dev/null 2>&1", c);
		sys_str("state", state, sizeof(state));
		return strcmp(state, "disabled") ? 1 : 0;
	}
	sys_str("state", state, sizeof(state));
	if (!strcmp(needs, "loaded") && strcmp(state, "enabled"))
		needs = "sysmem";
	if (strcmp(needs, "stats") && strcmp(needs, "loaded") &&
	    !attached(needs)) {
		run("%s unload >/dev/null 2>&1", c);
		if (run("%s load %s >/dev/null", c, needs))
			return 2;
	}
	return run("%s stats --start >/dev/null", c) ? 3 : 0;
}

/* The help's and the man page's examples, from svmctl's command table. */
TEST_F_TIMEOUT(ex, command_table_examples, 240)
{
	char line[1024];
	int n = 0, failed = 0;
	FILE *p;

	snprintf(line, sizeof(line), "%s --gen-examples", svmctl_path());
	p = popen(line, "r");
	ASSERT_NE(NULL, p);
	while (fgets(line, sizeof(line), p)) {
		char *tab = strchr(line, '\t'), *cmd;
		int rc;

		line[strcspn(line, "\n")] = '\0';
		ASSERT_NE(NULL, tab) TH_LOG("not NEEDS<tab>COMMAND: '%s'", line);
		*tab = '\0';
		cmd = tab + 1;
		rc = make_state(line);
		EXPECT_EQ(0, rc) TH_LOG("making the state '%s' for `%s`: step %d",
					line, cmd, rc);
		rc = run_example(cmd, self->out, sizeof(self->out));
		EXPECT_EQ(0, rc) {
			TH_LOG("`%s` (needs %s) exited %d:", cmd, line, rc);
			show_output(self->out);
			failed++;
		}
		n++;
	}
	ASSERT_EQ(0, pclose(p));
	/* the table has examples for every command: not a vacuous pass */
	EXPECT_GE(n, 30);
	TH_LOG("%d examples run, %d failed", n, failed);
}

/* README.md: every svmctl line of its code blocks, in order. */
TEST_F_TIMEOUT(ex, readme_examples, 120)
{
	char line[1024], info[64] = "", state[32];
	bool fence = false, fresh = false;
	int n = 0, blocks = 0, lineno = 0;
	FILE *f = fopen("README.md", "r");

	ASSERT_NE(NULL, f);
	/* as after a fresh boot */
	run("%s unload >/dev/null 2>&1", svmctl_path());
	run("%s stats --stop >/dev/null 2>&1", svmctl_path());
	sys_str("state", state, sizeof(state));
	ASSERT_STREQ("disabled", state);
	while (fgets(line, sizeof(line), f)) {
		const char *cmd = NULL;
		int rc;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "```", 3)) {
			fence = !fence;
			snprintf(info, sizeof(info), "%.*s",
				 (int)(sizeof(info) - 1), line + 3);
			fresh = fence;
			continue;
		}
		if (!fence)
			continue;
		if (!strcmp(info, "sh") || !strcmp(info, "bash")) {
			if (!strncmp(line, "svmctl ", 7))
				cmd = line;
		} else if (!strncmp(line, "# svmctl ", 9)) {
			cmd = line + 2;	/* a root prompt */
		}
		if (!cmd)
			continue;
		blocks += fresh;	/* blocks with examples */
		fresh = false;
		rc = run_example(cmd, self->out, sizeof(self->out));
		EXPECT_EQ(0, rc) {
			TH_LOG("README.md:%d: `%s` exited %d:", lineno, cmd, rc);
			show_output(self->out);
		}
		n++;
	}
	fclose(f);
	EXPECT_GE(blocks, 2);
	EXPECT_GE(n, 15);
	TH_LOG("%d README examples in %d blocks", n, blocks);
}

TEST_HARNESS_MAIN
