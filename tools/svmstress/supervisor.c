// SPDX-License-Identifier: GPL-2.0
/*
 * svmstress: the supervisor - makes the memfd and file objects, forks the
 * workers, SIGKILLs one now and then, checks what the killed one left in
 * its memfd and file regions (old-or-new only for its journaled in-flight
 * writes), respawns it, and switches policies.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "svmstress.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int make_objects(void)
{
	unsigned int p, i;

	for (p = 0; p < sh->cfg.procs; p++) {
		for (i = 0; i < sh->cfg.regions; i++) {
			struct region_sh *r = &sh->slot[p].reg[i];
			char name[512];
			int fd;

			if (r->kind == KIND_MEMFD) {
				snprintf(name, sizeof(name), "svmstress-%u-%u", p, i);
				fd = memfd_create(name, 0);
			} else if (r->kind == KIND_FILE) {
				snprintf(name, sizeof(name), "%s/svmstress.%d.%u.%u",
					 sh->cfg.dir, getpid(), p, i);
				fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
				/* the open fd keeps the file: no leftovers on a crash */
				if (fd >= 0)
					unlink(name);
			} else {
				continue;
			}
			if (fd < 0 || ftruncate(fd, r->size)) {
				fprintf(stderr, "svmstress: %s object %s: %s\n",
					kind_name(r->kind), name, strerror(errno));
				return -1;
			}
			r->fd = fd;
		}
	}
	return 0;
}

static int spawn(unsigned int slot)
{
	struct slot_sh *ss = &sh->slot[slot];
	unsigned int i;
	pid_t pid;

	/* a new process: its anonymous regions start at zero */
	for (i = 0; i < sh->cfg.regions; i++) {
		struct region_sh *r = &ss->reg[i];

		if (r->kind == KIND_PRIVATE || r->kind == KIND_SHARED_ANON)
			memset(region_exp(r), 0, r->size);
	}
	memset(ss->jr, 0, sizeof(ss->jr));
	ss->gen++;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("svmstress: fork");
		return -1;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_DFL);
		_exit(worker_main(slot));
	}
	setpgid(pid, pid);
	ss->pid = pid;
	return 0;
}

/* what a killed (or finished) worker left in its memfd and file regions */
static void check_objects(unsigned int slot, const char *why)
{
	struct slot_sh *ss = &sh->slot[slot];
	struct seen by = { .who = why, .op = OP_SUPERVISOR_CHECK, .tid = 99,
			   .slot = slot, .gen = ss->gen };
	unsigned int i, t, k;

	for (i = 0; i < sh->cfg.regions; i++) {
		struct region_sh *r = &ss->reg[i];
		uint64_t *m;

		if (r->fd < 0)
			continue;
		m = mmap(NULL, r->size, PROT_READ, MAP_SHARED, r->fd, 0);
		if (m == MAP_FAILED) {
			note_error("mapping worker %u's %s region: %s", slot,
				   kind_name(r->kind), strerror(errno));
			continue;
		}
		for (t = 0; t < STRESS_MAX_THREADS; t++) {
			for (k = 0; k < STRESS_JOURNAL; k++) {
				struct journal *j = &ss->jr[t][k];

				if (j->kind == WR_NONE || j->region != i)
					continue;
				hist_add(r, OP_KILLED, t, 0, j->w0, j->nw, j->param, 0);
				resolve_partial(&by, r, m, region_exp(r), j);
				journal_clear(j);
			}
		}
		cpu_check(&by, r, m, region_exp(r), 0, r->nwords);
		hist_add(r, OP_SUPERVISOR_CHECK, 99, 0, 0, r->nwords, 0, 0);
		munmap(m, r->size);
	}
}

/* wait for a worker and every process of its group (its fork children) */
static int reap_group(pid_t pid)
{
	int st = 0, rc;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	kill(-pid, SIGKILL);
	while (waitpid(-pid, NULL, 0) > 0 || errno == EINTR)
		;
	return rc;
}

static void kill_one(uint64_t *rng)
{
	unsigned int slot = rng_below(rng, sh->cfg.procs);
	struct slot_sh *ss = &sh->slot[slot];
	pid_t pid = ss->pid;

	if (!pid)
		return;
	kill(-pid, SIGKILL);
	reap_group(pid);
	ss->pid = 0;
	CNT_ADD(kills, 1);
	check_objects(slot, "supervisor (after SIGKILL)");
	if (!spawn(slot))
		CNT_ADD(respawns, 1);
}

/* a worker that ended on its own before the end is an error */
static void reap_unexpected(void)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		unsigned int p;

		for (p = 0; p < sh->cfg.procs; p++) {
			if (sh->slot[p].pid != pid)
				continue;
			note_error("worker %u (pid %d) ended early: %s %d", p, pid,
				   WIFEXITED(st) ? "exit" : "signal",
				   WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			kill(-pid, SIGKILL);
			sh->slot[p].pid = 0;
			if (WIFEXITED(st) && WEXITSTATUS(st) == EXIT_SETUP)
				__atomic_store_n(&sh->stop, 2, __ATOMIC_SEQ_CST);
			else if (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
				check_objects(p, "supervisor (after an early exit)");
				spawn(p);
			}
		}
		/* else: a fork child of a killed worker, reparented to us */
	}
}

static double jitter(uint64_t *rng, double interval)
{
	return interval * (0.5 + rng_below(rng, 1000) / 1000.0);
}

int supervise(void)
{
	uint64_t rng = rng_mix(sh->cfg.seed, 0x5eed);
	double start = now_s(), end = start + sh->cfg.duration;
	double next_kill = 0, next_policy = 0, next_check = 0, next_note = start + 10;
	unsigned int p;
	int setup_failed;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (make_objects())
		return EXIT_SETUP;
	if (sh->cfg.kill_interval > 0)
		next_kill = start + jitter(&rng, sh->cfg.kill_interval);
	if (policy_enabled())
		next_policy = start;
	for (p = 0; p < sh->cfg.procs; p++)
		if (spawn(p))
			return EXIT_SETUP;
	while (!interrupted && !__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
		double now = now_s();

		if (now >= end)
			break;
		reap_unexpected();
		if (policy_enabled() && now >= next_policy) {
			policy_tick(&rng);
			next_policy = now + jitter(&rng, sh->cfg.policy_interval);
		} else if (policy_enabled() && now >= next_check) {
			policy_check_ejected();
			next_check = now + 0.2;
		}
		if (next_kill && now >= next_kill) {
			kill_one(&rng);
			next_kill = now_s() + jitter(&rng, sh->cfg.kill_interval);
		}
		if (now >= next_note) {
			uint64_t ops = 0;
			unsigned int i;

			for (i = 0; i < OP_ALL; i++)
				ops += sh->cnt.ops[i];
			fprintf(stderr, "svmstress: %.0f s: %llu ops, %llu mismatches, %llu kills, %llu chaos ejections\n",
				now - start, (unsigned long long)ops,
				(unsigned long long)sh->cnt.mismatches,
				(unsigned long long)sh->cnt.kills,
				(unsigned long long)sh->cnt.chaos_ejections);
			next_note = now + 10;
		}
		usleep(50000);
	}
	setup_failed = __atomic_load_n(&sh->stop, __ATOMIC_RELAXED) == 2;
	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
	/* workers finish their operation and check every word once more */
	for (p = 0; p < sh->cfg.procs; p++) {
		pid_t pid = sh->slot[p].pid;
		int rc;

		if (!pid)
			continue;
		rc = reap_group(pid);
		sh->slot[p].pid = 0;
		if (rc == EXIT_SETUP)
			setup_failed = 1;
		else if (rc)
			note_error("worker %u ended with status %d", p, rc);
		check_objects(p, "supervisor (at the end)");
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (policy_enabled())
		policy_cleanup();
	print_summary(now_s() - start);
	if (setup_failed)
		return EXIT_SETUP;
	return sh->cnt.mismatches || sh->cnt.errors || sh->cnt.unexpected_ejections ?
	       EXIT_MISMATCH : EXIT_CLEAN;
}
