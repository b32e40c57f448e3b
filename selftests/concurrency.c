// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency: 4 threads x 2 processes x 2 devices writing, checking and
 * bouncing their data between devices, the CPU and prefetches, with device
 * memory oversubscribed; and processes killed in the middle of migrations.
 * Every byte is checked; the VM runner fails the run on any kernel splat.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_user.h"

#define THREADS 4
#define PROCS 2
#define SLICE (20 * MIB)
#define ITERS 3

struct worker {
	int fd[2];
	uint8_t *slice;
	unsigned int id;
	int err;
	char msg[128];
};

/* FNV checksum of the words seed + i without reading memory */
static uint64_t pattern_checksum(uint64_t seed, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len / 8; i++)
		h = (h ^ (seed + i)) * 0x100000001b3ULL;
	return h;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned int it;

	for (it = 0; it < ITERS && !w->err; it++) {
		uint64_t seed = ((uint64_t)getpid() << 32) | (w->id << 16) | it;
		int fd = w->fd[(w->id + it) % 2], other = w->fd[(w->id + it + 1) % 2];
		uint64_t sum;
		long bad;
		int ret;

		ret = emu_exec1(fd, SVM_EMU_OP_WRITE, w->slice, SLICE, 0, seed,
				NULL, NULL);
		if (ret) {
			snprintf(w->msg, sizeof(w->msg), "write: %s", strerror(-ret));
			w->err = 1;
			break;
		}
		/* the other device reads it: device-to-device */
		ret = emu_exec1(other, SVM_EMU_OP_CHECKSUM, w->slice, SLICE, 0,
				0, &sum, NULL);
		if (ret || sum != pattern_checksum(seed, SLICE)) {
			snprintf(w->msg, sizeof(w->msg), "checksum: %s",
				 ret ? strerror(-ret) : "mismatch");
			w->err = 1;
			break;
		}
		if (it == 1 && emu_prefetch(fd, w->slice, SLICE,
					     SVM_EXT_LOC_SYSTEM) < 0) {
			snprintf(w->msg, sizeof(w->msg), "prefetch failed");
			w->err = 1;
			break;
		}
		/* and the CPU checks every word */
		bad = check_pattern(w->slice, SLICE, seed);
		if (bad >= 0) {
			snprintf(w->msg, sizeof(w->msg),
				 "cpu: word %ld is %#llx", bad,
				 (unsigned long long)((uint64_t *)w->slice)[bad]);
			w->err = 1;
		}
	}
	return NULL;
}

/* One process: THREADS workers over one buffer, both devices bound. */
static int run_process(void)
{
	struct worker w[THREADS];
	pthread_t th[THREADS];
	int fd[2], i, err = 0;
	uint8_t *buf;

	fd[0] = emu_open(0);
	fd[1] = emu_open(1);
	if (fd[0] < 0 || fd[1] < 0 || emu_bind(fd[0]) || emu_bind(fd[1]))
		return 10;
	buf = mmap(NULL, THREADS * SLICE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 11;
	for (i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .fd = { fd[0], fd[1] },
					.slice = buf + i * SLICE, .id = i };
		if (pthread_create(&th[i], NULL, work, &w[i]))
			return 12;
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		if (w[i].err) {
			fprintf(stderr, "pid %d thread %d: %s\n", getpid(), i,
				w[i].msg);
			err = 1;
		}
	}
	return err;
}

FIXTURE(conc)
{
};

FIXTURE_SETUP(conc)
{
}

FIXTURE_TEARDOWN(conc)
{
}

/* under TCG this takes a minute or two: give it room */
TEST_F_TIMEOUT(conc, threads_processes_devices, 400)
{
	long long ev0 = dev_counter(0, "evictions") + dev_counter(1, "evictions");
	pid_t pid[PROCS];
	int i, status;

	for (i = 0; i < PROCS; i++) {
		pid[i] = fork();
		ASSERT_GE(pid[i], 0);
		if (!pid[i])
			_exit(run_process());
	}
	for (i = 0; i < PROCS; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
	/* 160 MiB of working set over 2 x 64 MiB devices: eviction happened */
	EXPECT_GT(dev_counter(0, "evictions") + dev_counter(1, "evictions"), ev0);
	EXPECT_EQ(0, dev_mem_used(0));
	EXPECT_EQ(0, dev_mem_used(1));
}

static void *endless_writer(void *arg)
{
	struct worker *w = arg;

	for (;;)
		emu_exec1(w->fd[w->id % 2], SVM_EMU_OP_WRITE, w->slice, SLICE, 0,
			  w->id, NULL, NULL);
	return NULL;
}

/* SIGKILL while devices fault, migrate and evict: everything is freed. */
TEST_F_TIMEOUT(conc, kill_in_the_middle_of_migrations, 120)
{
	int round, status;

	for (round = 0; round < 4; round++) {
		pid_t pid = fork();

		ASSERT_GE(pid, 0);
		if (!pid) {
			struct worker w[THREADS];
			pthread_t th;
			uint8_t *buf;
			int fd[2], i;

			fd[0] = emu_open(0);
			fd[1] = emu_open(1);
			if (fd[0] < 0 || fd[1] < 0 || emu_bind(fd[0]) ||
			    emu_bind(fd[1]))
				_exit(10);
			buf = mmap(NULL, THREADS * SLICE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			for (i = 0; i < THREADS; i++) {
				w[i] = (struct worker){ .fd = { fd[0], fd[1] },
					.slice = buf + i * SLICE, .id = i };
				pthread_create(&th, NULL, endless_writer, &w[i]);
			}
			for (;;)
				check_pattern(buf, THREADS * SLICE, 0);
		}
		usleep(200000 + round * 300000);
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSIGNALED(status));
	}
	EXPECT_EQ(0, dev_mem_used(0));
	EXPECT_EQ(0, dev_mem_used(1));
}

TEST_HARNESS_MAIN
