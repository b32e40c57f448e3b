// SPDX-License-Identifier: GPL-2.0
/*
 * The short versions of `make fuzz` (tools/svmfuzz): what make check runs.
 *  - svmfuzz with a fixed seed, chaos on (remaps, forks, SIGKILLed
 *    processes, sysfs writes) while two policies take turns: zero oracle
 *    violations, and every kind of call was made and some of each ran;
 *  - svmfuzz without chaos, where memory kinds stay fixed and the oracle is
 *    exact for memory errors too.
 * trinity is not here: in this VM it makes no progress (make fuzz runs it,
 * bounded, and says so).
 * Each stops at its call count or its time limit, whichever comes first:
 * on the base kernel the counts (60,000 in about 50 s, 40,000 in a few);
 * on the debug kernel, ten times slower, the limits.
 * A kernel report during any of them fails the whole run (tools/vm/run.sh).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

#define OUT_LEN		(64 * 1024)

/* Run @cmd, keep its standard output in @out; its exit status or -1. */
static int capture(const char *cmd, char *out, size_t len)
{
	FILE *f = popen(cmd, "r");
	size_t n = 0, r;
	int st;

	if (!f)
		return -1;
	while (n + 1 < len && (r = fread(out + n, 1, len - 1 - n, f)) > 0)
		n += r;
	out[n] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The count svmfuzz's summary gives for one kind of call ("  exec  N  M"). */
static long long op_count(const char *out, const char *op, int col)
{
	char key[64];
	const char *p;
	long long calls, ok;

	snprintf(key, sizeof(key), "\n  %s ", op);
	p = strstr(out, key);
	if (!p || sscanf(p + strlen(key), "%lld %lld", &calls, &ok) != 2)
		return -1;
	return col ? ok : calls;
}

FIXTURE(fuzz) {
	char *out;
	char cmd[1024];
};

FIXTURE_SETUP(fuzz)
{
	self->out = malloc(OUT_LEN);
	ASSERT_NE(NULL, self->out);
	if (emu_count() < 2)
		SKIP(return, "needs two svm_emu devices (selftests/setup.sh loads them)");
}

FIXTURE_TEARDOWN(fuzz)
{
	free(self->out);
}

TEST_F_TIMEOUT(fuzz, svmfuzz_chaos_and_policies, 900)
{
	static const char *const ops[] = {
		"info", "bind", "unbind", "exec", "query", "set_attr",
		"get_attr", "prefetch", "unknown_ioctl", "sysfs_write",
	};
	int rc;

	snprintf(self->cmd, sizeof(self->cmd),
		 "%s --calls 60000 --seconds 150 --seed 1 --threads 4 --policies default,adaptive "
		 "--svmctl %s", build_file("svmfuzz/svmfuzz"), svmctl_path());
	rc = capture(self->cmd, self->out, OUT_LEN);
	fputs(self->out, stderr);
	ASSERT_EQ(0, rc);
	ASSERT_NE(NULL, strstr(self->out, " 0 oracle violations"));
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		/* every kind of call was made; the ioctls that can succeed did */
		EXPECT_LT(0, op_count(self->out, ops[i], 0)) TH_LOG("%s", ops[i]);
		if (strcmp(ops[i], "unknown_ioctl"))
			EXPECT_LT(0, op_count(self->out, ops[i], 1)) TH_LOG("%s", ops[i]);
	}
	EXPECT_LT(0, op_count(self->out, "killed_process", 0));
}

TEST_F_TIMEOUT(fuzz, svmfuzz_exact_oracle_without_chaos, 600)
{
	int rc;

	snprintf(self->cmd, sizeof(self->cmd),
		 "%s --calls 40000 --seconds 100 --seed 2 --threads 2 --no-chaos --no-sysfs",
		 build_file("svmfuzz/svmfuzz"));
	rc = capture(self->cmd, self->out, OUT_LEN);
	fputs(self->out, stderr);
	ASSERT_EQ(0, rc);
	ASSERT_NE(NULL, strstr(self->out, " 0 oracle violations"));
	EXPECT_LT(0, op_count(self->out, "exec", 1));
}

TEST_HARNESS_MAIN
