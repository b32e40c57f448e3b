// SPDX-License-Identifier: GPL-2.0
/*
 * The short version of `make stress`: svmstress (tools/svmstress) for 60 s
 * with a fixed seed on three small emulated GPUs - 2 processes x 2 threads,
 * private, MAP_SHARED anonymous, memfd and file regions, 3x oversubscribed,
 * 256 MiB of swap so that MADV_PAGEOUT really reclaims, workers SIGKILLed,
 * policies switched, chaos ejected and reloaded - and not one word may read
 * wrong, from the CPU or from a device.
 *
 * The summary is svmstress's JSON; on a mismatch its report (seed,
 * address, mapping kind, expected, got, the history of the page) is in
 * the output above the failed assertion.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_policy.h"
#include "svm_user.h"

#define STRESS_SEED	20261206
#define STRESS_SECS	60
/* three GPUs, one pair linked: both peer paths; small, so 3x stays small */
#define STRESS_EMU	"ndevices=3 mem_mb=16 peers=0-1"
/* what selftests/setup.sh loads, for the tests after this one */
#define SETUP_EMU	"ndevices=2 mem_mb=64"

static const char *stress_bin(void)
{
	return build_file("svmstress/svmstress");
}

/* a number field of svmstress's one-line JSON summary; -1 if absent */
static long long json_num(const char *json, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

/* run svmstress with @args; its stdout in @out, its exit status returned */
static int stress(const char *args, char *out, size_t len)
{
	char cmd[1024];
	size_t n = 0;
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s", stress_bin(), args);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (n + 1 < len && fgets(out + n, len - n, f))
		n += strlen(out + n);
	out[n] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* swap, so that MADV_PAGEOUT reclaims anonymous and shmem pages (swap.sh) */
static int swap(const char *how)
{
	return run("%s %s 2>&1", build_file("../tools/svmstress/swap.sh"), how);
}

static void restore(void)
{
	const char *params = getenv("SVM_EMU_PARAMS");

	swap("off");
	policy_unload_any();
	emu_reload(params ? params : SETUP_EMU);
}

/*
 * The documented exit status of every kind of bad argument is 2.  No
 * fixture: nothing is loaded or reloaded for it.
 */
TEST(bad_arguments_exit_2)
{
	char out[4096];

	EXPECT_EQ(2, stress("--procs 0 2>/dev/null", out, sizeof(out)));
	EXPECT_EQ(2, stress("--kinds bogus 2>/dev/null", out, sizeof(out)));
	EXPECT_EQ(2, stress("--duration -1 2>/dev/null", out, sizeof(out)));
	EXPECT_EQ(2, stress("--no-such-option 2>/dev/null", out, sizeof(out)));
	EXPECT_EQ(2, stress("extra 2>/dev/null", out, sizeof(out)));
	EXPECT_EQ(0, stress("--help", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "exit status"));
}

FIXTURE(st)
{
	char out[16384];
};

FIXTURE_SETUP(st)
{
	policy_unload_any();
	ASSERT_EQ(0, access(stress_bin(), X_OK)) {
		TH_LOG("no %s: build it (make build)", stress_bin());
	}
}

FIXTURE_TEARDOWN(st)
{
	restore();
}

/*
 * 60 s, fixed seed: zero mismatches, zero unexpected errnos, no policy
 * ejected but chaos, chaos ejected for its illegal decisions (at a rate
 * high enough to happen within the run) and loaded again, workers killed
 * and their memfd and file regions intact.
 */
TEST_F_TIMEOUT(st, sixty_seconds_no_word_lost, 280)
{
	char args[512];
	int rc;

	ASSERT_EQ(0, emu_reload(STRESS_EMU));
	ASSERT_EQ(3, emu_count());
	ASSERT_EQ(0, swap("on 256"));
	snprintf(args, sizeof(args),
		 "--seed %d --duration %d --procs 2 --threads 2 --regions 6 "
		 "--kill-interval 6 --policy-interval 3 "
		 "--policies chaos,default,chaos,lru,chaos,none "
		 "--chaos-illegal-ppm 3000 --max-reports 3 --json",
		 STRESS_SEED, STRESS_SECS);
	rc = stress(args, self->out, sizeof(self->out));
	ksft_print_msg("svmstress: %s", self->out);
	ASSERT_NE(-1, json_num(self->out, "ops")) {
		TH_LOG("no JSON summary (exit status %d)", rc);
	}
	ksft_print_msg("figure: seed %d: %lld ops in %d s, %lld mismatches (%lld words: private %lld, shared_anon %lld, memfd %lld, file %lld), %lld kills, %lld forks, %lld chaos ejections\n",
		       STRESS_SEED, json_num(self->out, "ops"), STRESS_SECS,
		       json_num(self->out, "mismatches"),
		       json_num(self->out, "mismatched_words"),
		       json_num(self->out, "private"),
		       json_num(self->out, "shared_anon"),
		       json_num(self->out, "memfd"),
		       json_num(self->out, "file"),
		       json_num(self->out, "kills"),
		       json_num(self->out, "forks"),
		       json_num(self->out, "chaos_ejections"));
	EXPECT_GT(json_num(self->out, "ops"), 1000);
	EXPECT_GT(json_num(self->out, "kills"), 0);
	EXPECT_GT(json_num(self->out, "forks"), 0);
	EXPECT_GT(json_num(self->out, "chaos_ejections"), 0);
	EXPECT_EQ(0, json_num(self->out, "unexpected_ejections"));
	EXPECT_EQ(0, json_num(self->out, "errors"));
	EXPECT_EQ(0, json_num(self->out, "mismatches"));
	EXPECT_EQ(0, rc);
}

TEST_HARNESS_MAIN
