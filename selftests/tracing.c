// SPDX-License-Identifier: GPL-2.0
/*
 * The bpftrace one-liners of docs/tracing.md, run exactly as the document
 * prints them (this test reads them from it) beside a known workload on
 * GPU 0: what each prints must equal the device's sysfs counters - faults
 * per device, bytes per direction, one latency sample per fault.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

#define BUF	(8 * MIB)
#define DOC	"../docs/tracing.md"

/*
 * The program of the one-liner tagged "<!-- test: @tag -->": the text
 * between the quotes of the next "bpftrace -e '...'" line.  0 or -errno.
 */
static int doc_program(const char *tag, char *prog, size_t len)
{
	char marker[128], line[4096];
	bool found = false;
	FILE *f;

	snprintf(marker, sizeof(marker), "<!-- test: %s -->", tag);
	f = fopen(build_file(DOC), "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *open, *close;

		if (!found) {
			found = !strncmp(line, marker, strlen(marker));
			continue;
		}
		if (strncmp(line, "bpftrace -e '", 13))
			continue;
		open = line + 12;
		close = strrchr(line, '\'');
		if (close <= open || (size_t)(close - open) >= len)
			break;
		memcpy(prog, open + 1, close - open - 1);
		prog[close - open - 1] = '\0';
		fclose(f);
		return 0;
	}
	fclose(f);
	return -ENOENT;
}

struct tracer {
	pid_t pid;
	char out[64];
};

/* N of bpftrace's "Attaching N probe(s)..." in @path, or 0 before it. */
static int probes_announced(const char *path)
{
	char line[512], *at;
	int n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (!n && fgets(line, sizeof(line), f))
		if ((at = strstr(line, "Attaching ")))
			n = atoi(at + 10);
	fclose(f);
	return n;
}

/*
 * How many BPF programs @pid has attached through perf events (the
 * tracepoints and kprobes of a bpftrace program), as bpftool perf lists
 * them: "pid PID  fd N: prog_id M  tracepoint  NAME".
 */
static int perf_attached(pid_t pid)
{
	char cmd[512], line[512], want[32];
	int n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s perf show 2>/dev/null", SVM_BPFTOOL);
	snprintf(want, sizeof(want), "pid %d ", (int)pid);
	f = popen(cmd, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		n += !strncmp(line, want, strlen(want));
	pclose(f);
	return n;
}

/*
 * Start bpftrace on @prog and wait until every probe it announced is
 * attached in the kernel: its "Attaching" message comes before the
 * attaching, which on a debug kernel under TCG takes seconds, and faults
 * made meanwhile would be missed.
 */
static int tracer_start(struct tracer *t, const char *prog, int timeout_s)
{
	time_t until = time(NULL) + timeout_s;
	int status, want;

	snprintf(t->out, sizeof(t->out), "/tmp/tracing.%d.out", getpid());
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (!t->pid) {
		int fd = open(t->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		/* unbuffered: "Attaching" must reach the file at once */
		execlp("bpftrace", "bpftrace", "-B", "none", "-e", prog,
		       (char *)NULL);
		_exit(127);
	}
	while (time(NULL) < until) {
		want = probes_announced(t->out);
		if (want > 0 && perf_attached(t->pid) >= want)
			return 0;
		if (waitpid(t->pid, &status, WNOHANG) == t->pid)
			return -ECHILD;
		usleep(100 * 1000);
	}
	kill(t->pid, SIGKILL);
	waitpid(t->pid, &status, 0);
	return -ETIMEDOUT;
}

/* Stop it (Ctrl-C: it prints its maps) and wait for it. */
static int tracer_stop(struct tracer *t)
{
	int status;

	kill(t->pid, SIGINT);
	if (waitpid(t->pid, &status, 0) != t->pid)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
}

/* The value of the map line "@key: N" in the output, or -1. */
static long long tracer_value(const struct tracer *t, const char *key)
{
	char line[512];
	long long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen(t->out, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtoll(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

/* The samples of histogram @name: the counts of its "[lo, hi) N |...|" lines. */
static long long tracer_hist_count(const struct tracer *t, const char *name)
{
	char line[512];
	long long n = 0;
	bool in = false;
	FILE *f = fopen(t->out, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *end;

		if (!strncmp(line, name, strlen(name))) {
			in = true;
			continue;
		}
		if (!in || line[0] != '[')
			continue;
		end = strchr(line, ')');
		if (!end)
			end = strchr(line, ']');
		if (end)
			n += strtoll(end + 1, NULL, 10);
	}
	fclose(f);
	return n;
}

static void tracer_dump(const struct tracer *t)
{
	char line[512];
	FILE *f = fopen(t->out, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "# bpftrace: %s", line);
	fclose(f);
}

static long long faults(unsigned int dev)
{
	return dev_counter(dev, "faults_read") +
	       dev_counter(dev, "faults_write") +
	       dev_counter(dev, "faults_atomic");
}

FIXTURE(tr) {
	int fd;
	char *buf;
	struct tracer t;
};

FIXTURE_SETUP(tr)
{
	if (access("/usr/bin/bpftrace", X_OK) && access("/usr/sbin/bpftrace", X_OK))
		SKIP(return, "bpftrace is not installed (make deps installs it)");
	self->fd = emu_open(0);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, emu_bind(self->fd));
	self->buf = mmap(NULL, BUF, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	memset(self->buf, 7, BUF);
	self->t.pid = 0;
}

FIXTURE_TEARDOWN(tr)
{
	if (self->t.pid > 0) {
		tracer_dump(&self->t);
		unlink(self->t.out);
	}
	munmap(self->buf, BUF);
	close(self->fd);
}

/*
 * The workload: GPU 0 reads and writes the buffer (faults, migration to
 * the device), then the CPU reads it (CPU faults bring it back).
 */
static int workload(int fd, char *buf)
{
	size_t i;
	int ret;

	ret = emu_exec1(fd, SVM_EMU_OP_READ, buf, BUF, 0, 0, NULL, NULL);
	if (!ret)
		ret = emu_exec1(fd, SVM_EMU_OP_WRITE, buf, BUF, 4096, 1, NULL,
				NULL);
	/* the write put value + n in the first word of page n */
	for (i = 0; !ret && i < BUF / 4096; i++)
		if (*(volatile uint64_t *)(buf + i * 4096) != 1 + i)
			ret = -EIO;
	return ret;
}

/* bpftrace compiles its program with LLVM in the guest: slow under TCG */
#define START_S	300

TEST_F_TIMEOUT(tr, faults_per_device, 900)
{
	char prog[2048], key[32];
	long long before, after;

	ASSERT_EQ(0, doc_program("faults_per_device", prog, sizeof(prog)));
	ASSERT_EQ(0, tracer_start(&self->t, prog, START_S));
	before = faults(0);
	ASSERT_EQ(0, workload(self->fd, self->buf));
	after = faults(0);
	ASSERT_EQ(0, tracer_stop(&self->t));
	ASSERT_GT(after - before, 0);
	snprintf(key, sizeof(key), "@faults[0]");
	EXPECT_EQ(after - before, tracer_value(&self->t, key));
}

TEST_F_TIMEOUT(tr, bytes_per_direction, 900)
{
	long long to0, from0, to1, from1;
	char prog[2048];

	ASSERT_EQ(0, doc_program("bytes_per_direction", prog, sizeof(prog)));
	ASSERT_EQ(0, tracer_start(&self->t, prog, START_S));
	to0 = dev_counter(0, "pages_to_dev");
	from0 = dev_counter(0, "pages_from_dev");
	ASSERT_EQ(0, workload(self->fd, self->buf));
	to1 = dev_counter(0, "pages_to_dev");
	from1 = dev_counter(0, "pages_from_dev");
	ASSERT_EQ(0, tracer_stop(&self->t));
	/* the whole buffer went over and came back */
	ASSERT_GE(to1 - to0, (long long)(BUF / 4096));
	ASSERT_GE(from1 - from0, (long long)(BUF / 4096));
	EXPECT_EQ((to1 - to0) * 4096, tracer_value(&self->t, "@bytes[to_device]"));
	EXPECT_EQ((from1 - from0) * 4096,
		  tracer_value(&self->t, "@bytes[to_system]"));
}

TEST_F_TIMEOUT(tr, fault_hook_latency, 900)
{
	long long before, after, samples;
	char prog[2048];

	ASSERT_EQ(0, doc_program("fault_hook_latency", prog, sizeof(prog)));
	ASSERT_EQ(0, tracer_start(&self->t, prog, START_S));
	before = faults(0);
	ASSERT_EQ(0, workload(self->fd, self->buf));
	after = faults(0);
	ASSERT_EQ(0, tracer_stop(&self->t));
	samples = tracer_hist_count(&self->t, "@fault_hook_ns");
	ASSERT_GT(after - before, 0);
	/* one sample per decision: no fault missed, none counted twice */
	EXPECT_EQ(after - before, samples);
}

TEST_HARNESS_MAIN
