// SPDX-License-Identifier: GPL-2.0
/*
 * svmctl record and svmbench replay on a live run of one of our workloads:
 * a process that runs `svmbench suite` (sweep at 1.5x device memory, no
 * policy) is recorded from its first instruction, its trace replayed under
 * no policy, and the replay's device faults, pages migrated in and out and
 * evictions must equal the live run's.
 *
 * Why they can be equal: the built-in default migrates the whole 2 MiB
 * chunk on a device fault and evicts the chunk least recently faulted on
 * (svm_ext_evict_touch() runs on faults only), so the order of faults,
 * chunk by chunk, is all that decides what moves.  The replay performs
 * exactly the recorded faults, one page each, in order: each faulted in
 * the live run because its page was not in the device's page table, and
 * the replay's device maps no page the live one did not (its fault
 * batches are one page), so each faults again, on the same chunk, with
 * the same chunks resident.  Accesses to resident pages raise no event and
 * change nothing the default looks at.
 *
 * Also: recording a process that does not exist fails at once, saying so.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_policy.h"
#include "svm_user.h"

#define HEADER_BYTES	160	/* sizeof(struct svm_trace_header) */

FIXTURE(rr)
{
	char bench[PATH_MAX];
	char trace[64], live[64], replay[64], rec_out[64], err[64];
};

FIXTURE_SETUP(rr)
{
	int pid = getpid();

	snprintf(self->bench, sizeof(self->bench), "%s",
		 build_file("svmbench/svmbench"));
	ASSERT_EQ(0, access(self->bench, X_OK))
		TH_LOG("no svmbench at %s (make build)", self->bench);
	ASSERT_EQ(0, access(svmctl_path(), X_OK))
		TH_LOG("no svmctl at %s (make build)", svmctl_path());
	snprintf(self->trace, sizeof(self->trace), "/tmp/rr.%d.trace", pid);
	snprintf(self->live, sizeof(self->live), "/tmp/rr.%d.live.json", pid);
	snprintf(self->replay, sizeof(self->replay), "/tmp/rr.%d.replay.json", pid);
	snprintf(self->rec_out, sizeof(self->rec_out), "/tmp/rr.%d.rec.json", pid);
	snprintf(self->err, sizeof(self->err), "/tmp/rr.%d.err", pid);
	policy_unload_any();
}

FIXTURE_TEARDOWN(rr)
{
	unlink(self->trace);
	unlink(self->live);
	unlink(self->replay);
	unlink(self->rec_out);
	unlink(self->err);
}

/* The whole file, NUL-terminated (malloc'd), or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, n;

	if (!f)
		return NULL;
	do {
		char *nb = realloc(buf, len + 4097);

		if (!nb) {
			free(buf);
			fclose(f);
			return NULL;
		}
		buf = nb;
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/*
 * The number after "KEY": at or after @from's first @section (NULL: the
 * start), or -1.  Keys are distinct inside one object of these reports.
 */
static long long json_num(const char *buf, const char *section,
			  const char *key)
{
	char pat[64];
	const char *p = buf;
	char *end;
	long long v;

	if (!buf)
		return -1;
	if (section) {
		p = strstr(buf, section);
		if (!p)
			return -1;
	}
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(p, pat);
	if (!p)
		return -1;
	v = strtoll(p + strlen(pat), &end, 10);
	return end == p + strlen(pat) ? -1 : v;
}

static void redirect(int fd, const char *path)
{
	int f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (f < 0 || dup2(f, fd) < 0)
		_exit(126);
	close(f);
}

TEST_F_TIMEOUT(rr, replay_of_a_live_sweep_gives_its_counters, 900)
{
	static const char *const same[] = {
		"faults", "bytes_to_dev", "bytes_from_dev", "evictions",
	};
	unsigned int scale = svm_timeout_scale(), i;
	char pid_s[16], *live, *rep, *rec;
	pid_t child, recorder;
	int go[2], st;
	struct stat sb;
	time_t t0;

	ASSERT_EQ(0, pipe(go));
	/* the process to record: waits until the recorder records */
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(125);
		close(go[0]);
		redirect(1, self->live);
		execl(self->bench, "svmbench", "suite", "--workloads", "sweep",
		      "--ratios", "1.5", "--policies", "none", "--json",
		      (char *)NULL);
		_exit(127);
	}
	close(go[0]);
	snprintf(pid_s, sizeof(pid_s), "%d", child);
	recorder = fork();
	ASSERT_GE(recorder, 0);
	if (!recorder) {
		close(go[1]);
		redirect(1, self->rec_out);
		execl(svmctl_path(), "svmctl", "record", "--pid", pid_s, "-o",
		      self->trace, "--json", (char *)NULL);
		_exit(127);
	}

	/* it records once the file has its header */
	t0 = time(NULL);
	while (stat(self->trace, &sb) || sb.st_size < HEADER_BYTES) {
		if (waitpid(recorder, &st, WNOHANG) == recorder) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
			ASSERT_TRUE(0) TH_LOG("svmctl record exited (status 0x%x) before recording", st);
		}
		if (time(NULL) - t0 > 60 * scale) {
			kill(recorder, SIGKILL);
			kill(child, SIGKILL);
			waitpid(recorder, NULL, 0);
			waitpid(child, NULL, 0);
			ASSERT_TRUE(0) TH_LOG("svmctl record wrote no header in %u s", 60 * scale);
		}
		usleep(20000);
	}
	ASSERT_EQ(1, write(go[1], "g", 1));
	close(go[1]);

	ASSERT_EQ(child, waitpid(child, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("svmbench suite: status 0x%x", st);
	/* the recorder stops by itself once the process is gone */
	ASSERT_EQ(recorder, waitpid(recorder, &st, 0));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("svmctl record: status 0x%x", st);

	rec = slurp(self->rec_out);
	live = slurp(self->live);
	ASSERT_NE(NULL, rec);
	ASSERT_NE(NULL, live);
	TH_LOG("record: %s", rec);
	EXPECT_NE(NULL, strstr(rec, "\"stopped\":\"process exited\""));
	EXPECT_EQ(0, json_num(rec, NULL, "lost"));
	EXPECT_GT(json_num(rec, NULL, "records"), 0);
	/* the live run did fault and evict: 1.5x the device's memory */
	EXPECT_GT(json_num(live, "\"rows\":[", "faults"), 0);
	EXPECT_GT(json_num(live, "\"rows\":[", "evictions"), 0);

	ASSERT_EQ(0, run("'%s' replay '%s' --policies none --json > '%s'",
			 self->bench, self->trace, self->replay));
	rep = slurp(self->replay);
	ASSERT_NE(NULL, rep);
	EXPECT_EQ(0, json_num(rep, "\"not_replayed\":{", "faults_other_devices"));
	/* each migration of the default follows its fault */
	EXPECT_EQ(0, json_num(rep, "\"recorded\":{", "migrations_without_fault"));
	EXPECT_EQ(json_num(live, "\"rows\":[", "ws_chunks"),
		  json_num(rep, "\"rows\":[", "ws_chunks"));
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		long long l = json_num(live, "\"rows\":[", same[i]);

		/* what the trace recorded is what the live run counted */
		EXPECT_EQ(l, json_num(rep, "\"recorded\":{", same[i]))
			TH_LOG("%s: live %lld, recorded %lld", same[i], l,
			       json_num(rep, "\"recorded\":{", same[i]));
		/* and the replay does it again */
		EXPECT_EQ(l, json_num(rep, "\"rows\":[", same[i]))
			TH_LOG("%s: live %lld, replayed %lld", same[i], l,
			       json_num(rep, "\"rows\":[", same[i]));
	}
	if (_metadata->exit_code)
		TH_LOG("live: %s\nreplay: %s", live, rep);
	free(rec);
	free(live);
	free(rep);
}

TEST_F_TIMEOUT(rr, record_of_no_process_fails_clearly, 60)
{
	char *err;
	pid_t gone;
	int ret;

	/* a process id that was, and is no more */
	gone = fork();
	ASSERT_GE(gone, 0);
	if (!gone)
		_exit(0);
	ASSERT_EQ(gone, waitpid(gone, NULL, 0));

	ret = run("'%s' record --pid %d -o '%s' 2>'%s' >/dev/null",
		  svmctl_path(), gone, self->trace, self->err);
	EXPECT_EQ(1, ret);
	err = slurp(self->err);
	ASSERT_NE(NULL, err);
	EXPECT_NE(NULL, strstr(err, "no process with pid"))
		TH_LOG("stderr: %s", err);
	EXPECT_NE(NULL, strstr(err, "No such process")) TH_LOG("stderr: %s", err);
	free(err);
	/* nothing was written */
	EXPECT_NE(0, access(self->trace, F_OK));

	/* --json: the error as an object, same status */
	ret = run("'%s' record --pid %d -o '%s' --json 2>/dev/null >'%s'",
		  svmctl_path(), gone, self->trace, self->err);
	EXPECT_EQ(1, ret);
	err = slurp(self->err);
	ASSERT_NE(NULL, err);
	EXPECT_NE(NULL, strstr(err, "\"errno\":\"ESRCH\"")) TH_LOG("stdout: %s", err);
	free(err);

	/* usage errors: no --output, a pid that is not a number */
	EXPECT_EQ(2, run("'%s' record --pid %d 2>/dev/null", svmctl_path(),
			 getpid()));
	EXPECT_EQ(2, run("'%s' record --pid x -o '%s' 2>/dev/null",
			 svmctl_path(), self->trace));
	/* a file that cannot be written: exit 1, the file named */
	ret = run("'%s' record --pid %d -o /proc/no/such.trace --duration 1 2>'%s'",
		  svmctl_path(), getpid(), self->err);
	EXPECT_EQ(1, ret);
	err = slurp(self->err);
	ASSERT_NE(NULL, err);
	EXPECT_NE(NULL, strstr(err, "/proc/no/such.trace")) TH_LOG("stderr: %s", err);
	free(err);
}

TEST_HARNESS_MAIN
