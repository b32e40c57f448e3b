// SPDX-License-Identifier: GPL-2.0
/*
 * The policy framework.  Under a user's hands (fixture fw): policies
 * attached, switched and detached while devices fault on two GPUs; loads
 * without privilege; programs the verifier must refuse; bad evict and
 * throttle decisions that eject the policy while the access completes; the
 * notification hooks counting a known workload; a throttling policy slowing
 * faults down by what it asked for, in real and in modeled time.  As an
 * admin sees it (fixture pol): svmctl load/unload/status, the state in
 * sysfs, a BPF decision really taken, ejection on a bad decision or on the
 * policy's own error (data intact, default back at once), the verifier
 * refusing a context write, the advise hook, access counters, and the
 * module pinned while attached.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "svm_harness.h"
#include "svm_policy.h"
#include "svm_user.h"

#define BPFFS "/sys/fs/bpf/svm_ext"
#define MS 1000000ULL
#define SVM_EXT_EXIT_MSG_MAX 128	/* SVM_EXT_EXIT_STR_LEN */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The states Documentation (kernel/core/policy.c, DOC: policies) names. */
static int state_documented(const char *s)
{
	static const char *const states[] = { "disabled", "enabling", "enabled",
					      "ejected" };

	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (!strcmp(s, states[i]))
			return 1;
	return 0;
}

/* FNV checksum of the words seed + i, without reading memory */
static uint64_t pattern_checksum(uint64_t seed, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len / 8; i++)
		h = (h ^ (seed + i)) * 0x100000001b3ULL;
	return h;
}

/* svmctl's output of a command, for checking what it told the user */
static int run_capture(char *out, size_t len, const char *cmd)
{
	char tmpl[] = "/tmp/framework-out.XXXXXX";
	int fd = mkstemp(tmpl), rc;

	if (fd < 0)
		return -1;
	close(fd);
	rc = run("%s >%s 2>&1", cmd, tmpl);
	if (read_str(tmpl, out, len))
		out[0] = '\0';
	unlink(tmpl);
	return rc;
}

FIXTURE(fw)
{
	int fd[2];
	char s[512];
	char out[65536];	/* what svmctl printed, verifier log included */
};

FIXTURE_SETUP(fw)
{
	/* a failed ASSERT skips teardown: never inherit a policy */
	policy_unload_any();
	self->fd[0] = emu_open(0);
	self->fd[1] = emu_open(1);
	ASSERT_GE(self->fd[0], 0);
	ASSERT_GE(self->fd[1], 0);
	ASSERT_EQ(0, emu_bind(self->fd[0]));
	ASSERT_EQ(0, emu_bind(self->fd[1]));
	sys_str("state", self->s, sizeof(self->s));
	ASSERT_STREQ("disabled", self->s);
}

FIXTURE_TEARDOWN(fw)
{
	policy_unload_any();
	close(self->fd[0]);
	close(self->fd[1]);
}

/* ---- attach / switch / detach while devices fault ---------------------- */

#define STRESS_WORKERS 4
#define STRESS_LEN (4 * MIB)
#define STRESS_ITERS 30
/* one load + switch + unload; a stall shows as a much longer iteration */
#define STRESS_ITER_BOUND_S 60.0

struct sworker {
	int fd;
	uint8_t *buf;
	unsigned int id;
	volatile int *stop;
	long execs;
	int err;
	char msg[160];
};

static void *stress_work(void *arg)
{
	struct sworker *w = arg;
	uint64_t seed = 0, sum;
	long bad;
	int ret;

	while (!*w->stop && !w->err) {
		double t0 = now_s(), rest;

		seed = ((uint64_t)w->id << 40) | (uint64_t)w->execs << 8;
		ret = emu_exec1(w->fd, SVM_EMU_OP_WRITE, w->buf, STRESS_LEN, 0,
				seed, NULL, NULL);
		if (ret) {
			snprintf(w->msg, sizeof(w->msg), "exec %ld write: %s",
				 w->execs, strerror(-ret));
			w->err = 1;
			break;
		}
		ret = emu_exec1(w->fd, SVM_EMU_OP_CHECKSUM, w->buf, STRESS_LEN,
				0, 0, &sum, NULL);
		if (ret || sum != pattern_checksum(seed, STRESS_LEN)) {
			snprintf(w->msg, sizeof(w->msg), "exec %ld checksum: %s",
				 w->execs, ret ? strerror(-ret) : "mismatch");
			w->err = 1;
			break;
		}
		/* every 4th round the CPU checks (and pulls the data home) */
		if (w->execs % 4 == 3) {
			bad = check_pattern(w->buf, STRESS_LEN, seed);
			if (bad >= 0) {
				snprintf(w->msg, sizeof(w->msg),
					 "exec %ld: cpu word %ld is %#llx", w->execs,
					 bad, (unsigned long long)((uint64_t *)w->buf)[bad]);
				w->err = 1;
			}
		}
		w->execs++;
		/*
		 * Rest as long as the round took: under TCG on 2 vCPUs, four
		 * busy workers starve svmctl several times over.  Two workers
		 * per device, out of step, still fault through every change.
		 */
		rest = (now_s() - t0) * 1e6;
		usleep(rest < 200000 ? rest : 200000);
	}
	/* the last write, checked by the CPU at the end */
	if (!w->err && w->execs) {
		bad = check_pattern(w->buf, STRESS_LEN, seed);
		if (bad >= 0) {
			snprintf(w->msg, sizeof(w->msg), "final: cpu word %ld", bad);
			w->err = 1;
		}
	}
	return NULL;
}

struct sampler {
	volatile int *stop;
	long samples;
	int err;
	char msg[256];
};

/* reads state and policy as fast as it can: never anything undocumented */
static void *sample_sysfs(void *arg)
{
	struct sampler *sm = arg;
	char st[64], pol[64];

	while (!*sm->stop && !sm->err) {
		sys_str("state", st, sizeof(st));
		sys_str("policy", pol, sizeof(pol));
		if (!state_documented(st)) {
			snprintf(sm->msg, sizeof(sm->msg), "state '%s'", st);
			sm->err = 1;
		}
		/* at most one policy, and only one of those this test loads */
		if (pol[0] && strcmp(pol, "sysmem") && strcmp(pol, "default")) {
			snprintf(sm->msg, sizeof(sm->msg), "policy '%s'", pol);
			sm->err = 1;
		}
		sm->samples++;
		usleep(5000);
	}
	return NULL;
}

TEST_F_TIMEOUT(fw, attach_switch_detach_under_faults, 900)
{
	long long count0 = read_ll(SVM_SYSFS "/enable_count"), ref0;
	struct sworker w[STRESS_WORKERS];
	pthread_t th[STRESS_WORKERS], sth;
	struct sampler sm = { 0 };
	volatile int stop = 0;
	double worst = 0, total = 0, step[3] = { 0 }, took;
	size_t len = STRESS_WORKERS * STRESS_LEN;
	uint8_t *buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
	long execs0[STRESS_WORKERS];
	bool started;
	int i, it;

	ASSERT_NE(MAP_FAILED, buf);
	/*
	 * A load starts the statistics collector, whose links hold svm_ext.ko
	 * from then on: start it first, so that the module's reference count
	 * before the loop is the one it must return to.
	 */
	ASSERT_EQ(0, collector_start(&started));
	ref0 = read_ll("/sys/module/svm_ext/refcnt");
	ASSERT_GT(ref0, 0);
	sm.stop = &stop;
	ASSERT_EQ(0, pthread_create(&sth, NULL, sample_sysfs, &sm));
	for (i = 0; i < STRESS_WORKERS; i++) {
		/* two workers per device, each on its own buffer */
		w[i] = (struct sworker){ .fd = self->fd[i % 2],
					 .buf = buf + i * STRESS_LEN, .id = i,
					 .stop = &stop };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, stress_work, &w[i]));
	}

	for (it = 0; it < STRESS_ITERS; it++) {
		double t0 = now_s(), t1, t2, t3;

		for (i = 0; i < STRESS_WORKERS; i++)
			execs0[i] = w[i].execs;
		ASSERT_EQ(0, policy_load("sysmem", NULL))
			TH_LOG("iteration %d: load", it);
		t1 = now_s();
		sys_str("state", self->s, sizeof(self->s));
		EXPECT_STREQ("enabled", self->s);
		sys_str("policy", self->s, sizeof(self->s));
		EXPECT_STREQ("sysmem", self->s);
		EXPECT_EQ(count0 + 2 * it + 1, read_ll(SVM_SYSFS "/enable_count"));
		/* the attached policy holds the module */
		EXPECT_GT(read_ll("/sys/module/svm_ext/refcnt"), ref0);
		if (it % 10 == 0)
			EXPECT_NE(0, run("rmmod svm_ext 2>/dev/null"));

		/* in place: struct_ops .update on the pinned link */
		ASSERT_EQ(0, policy_switch("default", NULL))
			TH_LOG("iteration %d: switch: %s", it, svm_last_error());
		t2 = now_s();
		sys_str("state", self->s, sizeof(self->s));
		EXPECT_STREQ("enabled", self->s);
		sys_str("policy", self->s, sizeof(self->s));
		EXPECT_STREQ("default", self->s);
		EXPECT_EQ(count0 + 2 * it + 2, read_ll(SVM_SYSFS "/enable_count"));
		EXPECT_GT(read_ll("/sys/module/svm_ext/refcnt"), ref0);

		/* now and then, every worker faults under the new policy */
		if (it % 10 == 9) {
			for (i = 0; i < STRESS_WORKERS; i++)
				while (w[i].execs == execs0[i] && !w[i].err &&
				       now_s() - t0 < STRESS_ITER_BOUND_S)
					usleep(10000);
		}

		t3 = now_s();
		ASSERT_EQ(0, policy_unload())
			TH_LOG("iteration %d: unload: %s", it, svm_last_error());
		sys_str("state", self->s, sizeof(self->s));
		EXPECT_STREQ("disabled", self->s);
		sys_str("policy", self->s, sizeof(self->s));
		EXPECT_STREQ("", self->s);

		took = now_s() - t0;
		step[0] = t1 - t0 > step[0] ? t1 - t0 : step[0];
		step[1] = t2 - t1 > step[1] ? t2 - t1 : step[1];
		step[2] = now_s() - t3 > step[2] ? now_s() - t3 : step[2];
		if (took > worst)
			worst = took;
		total += took;
		EXPECT_LT(took, STRESS_ITER_BOUND_S)
			TH_LOG("iteration %d took %.1f s: load %.1f, switch %.1f, unload %.1f",
			       it, took, t1 - t0, t2 - t1, now_s() - t3);
		for (i = 0; i < STRESS_WORKERS; i++)
			ASSERT_EQ(0, w[i].err) TH_LOG("worker %d: %s", i, w[i].msg);
		ASSERT_EQ(0, sm.err) TH_LOG("sysfs: %s", sm.msg);
	}
	stop = 1;
	for (i = 0; i < STRESS_WORKERS; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, w[i].err) TH_LOG("worker %d: %s", i, w[i].msg);
		/* each worker really ran while policies came and went */
		EXPECT_GE(w[i].execs, 3);
		TH_LOG("worker %d (device %d): %ld write+checksum rounds", i,
		       i % 2, w[i].execs);
	}
	pthread_join(sth, NULL);
	EXPECT_EQ(0, sm.err) TH_LOG("sysfs: %s", sm.msg);
	EXPECT_GT(sm.samples, 0);
	TH_LOG("%d iterations, %.1f s each on average, slowest %.1f s; slowest load %.1f s, switch %.1f s, unload %.1f s; %ld sysfs samples",
	       STRESS_ITERS, total / STRESS_ITERS, worst, step[0], step[1],
	       step[2], sm.samples);
	EXPECT_EQ(count0 + 2 * STRESS_ITERS, read_ll(SVM_SYSFS "/enable_count"));
	/* every attach gave its module reference back (freed after RCU) */
	for (i = 0; i < 500 && read_ll("/sys/module/svm_ext/refcnt") != ref0; i++)
		usleep(10000);
	EXPECT_EQ(ref0, read_ll("/sys/module/svm_ext/refcnt"));
	munmap(buf, len);
}

/* ---- privilege ---------------------------------------------------------- */

/*
 * svm_ext_ops and the kfuncs live in svm_ext.ko's BTF, which only
 * CAP_SYS_ADMIN may open (BPF_BTF_GET_FD_BY_ID): CAP_BPF with CAP_PERFMON,
 * enough for a vmlinux struct_ops, is not enough here.  svmctl must say so
 * (exit 4, EXIT_PERM) before libbpf fails with a misleading "not found".
 */
static void expect_refused_for_caps(struct __test_metadata *_metadata,
				    char *out, size_t len, const char *how)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), how, svmctl_path());
	EXPECT_EQ(4, run_capture(out, len, cmd)) TH_LOG("svmctl said: %s", out);
	EXPECT_NE(NULL, strstr(out, "needs CAP_SYS_ADMIN"))
		TH_LOG("svmctl said: %s", out);
}

TEST_F(fw, load_without_privilege_is_refused)
{
	long long count0 = read_ll(SVM_SYSFS "/enable_count");
	struct stat sb;

	/* nobody, no capabilities at all */
	expect_refused_for_caps(_metadata, self->out, sizeof(self->out),
		"setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all %s load sysmem");
	/* root without CAP_SYS_ADMIN, CAP_BPF and CAP_PERFMON */
	expect_refused_for_caps(_metadata, self->out, sizeof(self->out),
		"capsh --drop=cap_sys_admin,cap_bpf,cap_perfmon -- -c '%s load sysmem'");
	/* root with CAP_BPF and CAP_PERFMON, without CAP_SYS_ADMIN */
	expect_refused_for_caps(_metadata, self->out, sizeof(self->out),
		"capsh --drop=cap_sys_admin -- -c '%s load sysmem'");

	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("disabled", self->s);
	EXPECT_EQ(count0, read_ll(SVM_SYSFS "/enable_count"));
	EXPECT_NE(0, stat(BPFFS "/sysmem/link", &sb));

	/* CAP_SYS_ADMIN alone is enough */
	EXPECT_EQ(0, run("capsh --drop=cap_bpf,cap_perfmon -- -c '%s load sysmem >/dev/null'",
			 svmctl_path()));
	sys_str("policy", self->s, sizeof(self->s));
	EXPECT_STREQ("sysmem", self->s);
}

/* ---- the verifier refuses ----------------------------------------------- */

/* A load of FILE fails with the verifier's own words; nothing attaches */
static void expect_refused(struct __test_metadata *_metadata, char *out,
			   size_t len, const char *obj, const char *why)
{
	long long count0 = read_ll(SVM_SYSFS "/enable_count");
	char st[64];

	EXPECT_EQ(1, policy_load_log(test_bpf_obj(obj), out, len))
		TH_LOG("%s: %s", obj, out);
	EXPECT_NE(NULL, strstr(out, why)) TH_LOG("%s: want '%s' in: %s", obj,
						   why, out);
	sys_str("state", st, sizeof(st));
	EXPECT_STREQ("disabled", st);
	EXPECT_EQ(count0, read_ll(SVM_SYSFS "/enable_count"));
}

TEST_F(fw, verifier_refuses_bad_kfunc_pointers)
{
	expect_refused(_metadata, self->out, sizeof(self->out), "kfunc_null_ctx",
		       "Possibly NULL pointer passed to trusted R1");
	expect_refused(_metadata, self->out, sizeof(self->out), "kfunc_scalar_ctx",
		       "is scalar expected STRUCT svm_ext_fault_ctx");
	/* a context of the program's own making, not the hook's */
	expect_refused(_metadata, self->out, sizeof(self->out), "kfunc_stack_ctx",
		       "is fp expected STRUCT svm_ext_evict_ctx");
}

/*
 * Each hook's decision kfuncs take that hook's context: on 7.3 the verifier
 * reports the context type mismatch, which it checks before the kfunc
 * filter's per-hook refusal ("calling kernel function ... is not allowed").
 */
TEST_F(fw, verifier_refuses_kfuncs_of_other_hooks)
{
	expect_refused(_metadata, self->out, sizeof(self->out),
		       "evict_kfunc_in_fault",
		       "kernel function svm_ext_evict_choose R1 expected pointer to STRUCT svm_ext_evict_ctx but R1 has a pointer to STRUCT svm_ext_fault_ctx");
	expect_refused(_metadata, self->out, sizeof(self->out),
		       "fault_kfunc_in_evict",
		       "kernel function svm_ext_fault_resident R1 expected pointer to STRUCT svm_ext_fault_ctx but R1 has a pointer to STRUCT svm_ext_evict_ctx");
}

TEST_F(fw, verifier_refuses_evict_context_write)
{
	expect_refused(_metadata, self->out, sizeof(self->out), "write_evict_ctx",
		       "only read is supported");
}

/*
 * Hooks run under mmap_lock, spinlocks and in mmu notifiers: a sleepable
 * program (SEC("struct_ops.s/...")) for one is refused at load, with the
 * verifier's line and svmctl's explanation; init and exit may sleep.
 */
TEST_F(fw, verifier_refuses_sleepable_hooks)
{
	expect_refused(_metadata, self->out, sizeof(self->out),
		       "sleepable_hook",
		       "attach to unsupported member fault of struct svm_ext_ops");
	EXPECT_NE(NULL, strstr(self->out,
			       "program sleepable_hook_fault is sleepable"))
		TH_LOG("the load said: %s", self->out);

	EXPECT_EQ(0, policy_load_log(test_bpf_obj("sleepable_init"), self->out,
				     sizeof(self->out)))
		TH_LOG("the load said: %s", self->out);
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("enabled", self->s);
	sys_str("policy", self->s, sizeof(self->s));
	EXPECT_STREQ("sleepable_init", self->s);
}

/*
 * The verifier explores every path of a program up to a limit (1,000,000
 * instructions processed).  A policy near it stops loading after a small
 * change or on a kernel whose verifier prunes a little worse, and it loads
 * slowly: 100,000 instructions take about 1 s on the base kernel under TCG
 * and about 30 s on the debug kernel (prefetch: 26 s at 84,000, 138 s at
 * 430,000).  Every shipped policy must verify within a quarter of the
 * limit, room for its states to grow fourfold.
 */
#define VERIFIER_LOG_EACH 4096	/* log_level 4 (statistics) needs a few lines */

/*
 * Load (not attach) the programs of @obj_path with the verifier's
 * statistics: 0 with the most instructions any of them took to verify in
 * *@insns, its name in @prog and the verifier's limit in *@limit; -errno if
 * the object does not load or a log has no statistics.
 */
static int verified_insns(const char *obj_path, long long *insns,
			  long long *limit, char *prog, size_t prog_len)
{
	struct bpf_object *obj = bpf_object__open_file(obj_path, NULL);
	struct bpf_program *p;
	size_t nprog = 0, i = 0;
	long long n, lim;
	char *logs;
	int err = 0;

	if (!obj)
		return -errno;
	bpf_object__for_each_program(p, obj)
		nprog++;
	logs = calloc(nprog ? nprog : 1, VERIFIER_LOG_EACH);
	if (!logs) {
		bpf_object__close(obj);
		return -ENOMEM;
	}
	/* the programs of a struct_ops object load together: a log each */
	bpf_object__for_each_program(p, obj) {
		bpf_program__set_log_level(p, 4);
		bpf_program__set_log_buf(p, logs + i++ * VERIFIER_LOG_EACH,
					 VERIFIER_LOG_EACH);
	}
	*insns = -1;
	if (!nprog || bpf_object__load(obj)) {
		err = nprog ? -errno : -ENOENT;
		goto out;
	}
	i = 0;
	bpf_object__for_each_program(p, obj) {
		const char *at = strstr(logs + i++ * VERIFIER_LOG_EACH,
					"processed ");

		if (!at || sscanf(at, "processed %lld insns (limit %lld)", &n,
				  &lim) != 2) {
			err = -EPROTO;
			goto out;
		}
		if (n > *insns) {
			*insns = n;
			*limit = lim;
			snprintf(prog, prog_len, "%s", bpf_program__name(p));
		}
	}
out:
	free(logs);
	bpf_object__close(obj);
	return err;
}

TEST_F_TIMEOUT(fw, every_policy_verifies_in_a_quarter_of_the_limit, 300)
{
	const char *dir = build_file("bpf");
	char path[PATH_MAX], prog[128];
	long long insns = 0, limit = 0;
	int policies = 0, err;
	struct dirent *de;
	DIR *d;

	d = opendir(dir);
	ASSERT_NE(NULL, d) TH_LOG("%s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l <= 6 || strcmp(de->d_name + l - 6, ".bpf.o"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		err = verified_insns(path, &insns, &limit, prog, sizeof(prog));
		EXPECT_EQ(0, err) TH_LOG("%s: %s", de->d_name, strerror(-err));
		if (err)
			continue;
		policies++;
		printf("# %-24s %-28s %7lld insns\n", de->d_name, prog, insns);
		EXPECT_LE(insns * 4, limit)
			TH_LOG("%s: %s took %lld of the verifier's %lld instructions",
			       de->d_name, prog, insns, limit);
	}
	closedir(d);
	/* the shipped policies; an empty directory must not pass */
	EXPECT_GE(policies, 10);
}

/* ---- svm_ext_error() blames its caller only ---------------------------- */

/*
 * A policy's exit hook runs after a switch made its successor active: its
 * svm_ext_error() must not eject the successor.
 */
TEST_F(fw, error_after_switch_leaves_the_new_policy)
{
	long long count0 = read_ll(SVM_SYSFS "/enable_count");
	uint64_t *buf;

	ASSERT_EQ(0, policy_load(test_bpf_obj("error_on_exit"), NULL));
	EXPECT_EQ(0, policy_switch("default", NULL))
		TH_LOG("switch: %s", svm_last_error());
	/* the exit hook ran before the switch returned */
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("enabled", self->s);
	sys_str("policy", self->s, sizeof(self->s));
	EXPECT_STREQ("default", self->s);
	sys_str("exit_kind", self->s, sizeof(self->s));
	EXPECT_STREQ("replaced", self->s);
	sys_str("exit_reason", self->s, sizeof(self->s));
	EXPECT_STREQ("error_on_exit replaced by default", self->s);
	EXPECT_EQ(count0 + 2, read_ll(SVM_SYSFS "/enable_count"));
	/* the new policy still decides: a fault goes through it fine */
	buf = map_chunk_aligned(CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, emu_exec1(self->fd[0], SVM_EMU_OP_WRITE, buf, CHUNK, 0, 4,
			       NULL, NULL));
	EXPECT_EQ(-1, check_pattern(buf, CHUNK, 4));
	munmap(buf, CHUNK);
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("enabled", self->s);
}

/* svm_ext_errorf(): the message is formatted as printf would */
TEST_F(fw, error_message_is_formatted)
{
	uint64_t *buf = map_chunk_aligned(CHUNK, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	char want[SVM_EXT_EXIT_MSG_MAX];

	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, policy_load(test_bpf_obj("error_fmt"), NULL));
	ASSERT_EQ(0, emu_exec1(self->fd[0], SVM_EMU_OP_WRITE, buf, PAGE, 0, 6,
			       NULL, NULL));
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("ejected", self->s);
	sys_str("exit_kind", self->s, sizeof(self->s));
	EXPECT_STREQ("error", self->s);
	snprintf(want, sizeof(want),
		 "error_fmt: dev %u addr 0x%llx %d|%05d|%-4x|%X|%c|%hhu|%%", 0,
		 (unsigned long long)(uintptr_t)buf, -7, -42, 0xab, 0xbeef, 'z',
		 (unsigned char)258);
	sys_str("exit_msg", self->s, sizeof(self->s));
	EXPECT_STREQ(want, self->s);
	EXPECT_EQ(-1, check_pattern(buf, PAGE, 6));
	munmap(buf, CHUNK);
}

/* ---- bad decisions eject; the access completes ------------------------- */

static void expect_ejected(struct __test_metadata *_metadata, char *s,
			   size_t len, const char *reason_has)
{
	sys_str("state", s, len);
	EXPECT_STREQ("ejected", s);
	sys_str("exit_kind", s, len);
	EXPECT_STREQ("bad_decision", s);
	sys_str("exit_reason", s, len);
	EXPECT_NE(NULL, strstr(s, reason_has)) TH_LOG("exit_reason: %s", s);
}

TEST_F_TIMEOUT(fw, evict_out_of_range_candidate_ejects, 300)
{
	char path[128];
	long long total, ev0 = dev_counter(0, "evictions");
	struct drm_svm_emu_counters c;
	uint64_t *buf;
	size_t len;

	snprintf(path, sizeof(path), SVM_SYSFS "/devices/0/mem_total");
	total = read_ll(path);
	ASSERT_GT(total, 0);
	/* a quarter more than the device holds: it must evict */
	len = (total + total / 4 + CHUNK - 1) & ~(CHUNK - 1);
	buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, policy_load(test_bpf_obj("evict_bad_index"), NULL));
	ASSERT_EQ(0, emu_exec1(self->fd[0], SVM_EMU_OP_WRITE, buf, len, 0, 5,
			       NULL, &c));
	EXPECT_GT(c.evictions, 0);
	EXPECT_GT(dev_counter(0, "evictions"), ev0);
	expect_ejected(_metadata, self->s, sizeof(self->s),
		       "evict: candidate index out of range");
	EXPECT_EQ(-1, check_pattern(buf, len, 5));
	munmap(buf, len);
}

TEST_F(fw, throttle_beyond_max_ejects)
{
	struct drm_svm_emu_counters c;
	uint64_t *buf = map_chunk_aligned(CHUNK, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);

	ASSERT_NE(MAP_FAILED, buf);
	fill_pattern(buf, CHUNK, 40);
	ASSERT_EQ(0, policy_load(test_bpf_obj("throttle_too_long"), NULL));
	ASSERT_EQ(0, emu_exec1(self->fd[0], SVM_EMU_OP_ATOMIC_ADD, buf, CHUNK,
			       0, 2, NULL, &c));
	expect_ejected(_metadata, self->s, sizeof(self->s),
		       "throttle of 10000001 ns is longer than");
	/* the default decided that fault: the chunk migrated, no wait */
	EXPECT_EQ(CHUNK / PAGE, c.pages_to_dev);
	EXPECT_EQ(0, c.throttle_ns);
	EXPECT_EQ(-1, check_pattern(buf, CHUNK, 42));
	munmap(buf, CHUNK);
}

/* ---- notifications ------------------------------------------------------ */

/* as in selftests/bpf/notify_count.bpf.c */
struct notify_counts {
	uint64_t range_add;
	uint64_t range_remove;
	uint64_t invalidated;
	uint64_t migrated;
	uint64_t migrated_bytes[4];
	uint64_t migrated_bad_cause;
};

static int read_counts(struct notify_counts *nc)
{
	uint32_t zero = 0;
	int fd = bpf_obj_get(BPFFS "/notify_count/counts"), err;

	if (fd < 0)
		return -errno;
	err = bpf_map_lookup_elem(fd, &zero, nc) ? -errno : 0;
	close(fd);
	return err;
}

/*
 * The known workload, in a process of its own so that its last binding
 * goes when it exits.  Ranges go when their memory is unmapped (freed
 * asynchronously, so this waits up to 5 s for both); counts after that
 * land in *mid; returns the exit status.
 */
static int notify_workload(struct notify_counts *mid)
{
	struct notify_counts before;
	size_t len = 2 * CHUNK;
	uint64_t *buf;
	int fd = emu_open(0), i;

	if (fd < 0 || emu_bind(fd))
		return 10;
	buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (buf == MAP_FAILED)
		return 11;
	/* 4 MiB, 2 MiB aligned, written by device 0: two chunks fault in */
	if (emu_exec1(fd, SVM_EMU_OP_WRITE, buf, len, 0, 9, NULL, NULL))
		return 12;
	if (emu_count_at(fd, buf, len / PAGE, 0) != (long)(len / PAGE))
		return 13;
	if (read_counts(&before) || munmap(buf, len))
		return 14;
	for (i = 0; i < 500; i++) {
		if (read_counts(mid))
			return 15;
		if (mid->range_remove - before.range_remove >= 2)
			break;
		usleep(10000);
	}
	close(fd);
	return 0;
}

TEST_F(fw, notifications_count_a_known_workload)
{
	struct notify_counts a, b, *mid;
	size_t len = 2 * CHUNK;
	int status;
	pid_t pid;

	mid = mmap(NULL, sizeof(*mid), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mid);
	ASSERT_EQ(0, policy_load(test_bpf_obj("notify_count"), NULL));
	ASSERT_EQ(0, read_counts(&a));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(notify_workload(mid));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, read_counts(&b));

	EXPECT_EQ(2, b.range_add - a.range_add);
	EXPECT_EQ(len, b.migrated_bytes[0] - a.migrated_bytes[0]); /* FAULT */
	EXPECT_EQ(0, b.migrated_bytes[1] - a.migrated_bytes[1]);	/* CPU_FAULT */
	EXPECT_EQ(0, b.migrated_bytes[2] - a.migrated_bytes[2]);	/* EVICT */
	EXPECT_EQ(0, b.migrated_bytes[3] - a.migrated_bytes[3]);	/* PREFETCH */
	EXPECT_EQ(0, b.migrated_bad_cause);
	EXPECT_GE(b.migrated - a.migrated, 1);
	/* the munmap invalidated the device mappings and freed both ranges */
	EXPECT_GE(mid->invalidated - a.invalidated, 1);
	EXPECT_EQ(2, mid->range_remove - a.range_remove);
	/* and the binding's end removed nothing twice */
	EXPECT_EQ(2, b.range_remove - a.range_remove);
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("enabled", self->s);
	munmap(mid, sizeof(*mid));
}

/* ---- throttle ----------------------------------------------------------- */

#define THR_FAULTS 16

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * One word per 2 MiB chunk: exactly one fault per chunk, whatever the
 * window. Returns the time the thread spent off the CPU during the
 * device's run (wall time minus the thread's CPU time; the emulated
 * device runs in the caller's context). A throttle sleeps, so it shows
 * here whatever else the machine does: a slow or busy host makes the
 * work take longer, but on the CPU, so it cannot hide or fake the wait.
 */
static uint64_t strided_checksum(struct __test_metadata *_metadata, int fd,
				 struct drm_svm_emu_counters *c)
{
	size_t len = THR_FAULTS * CHUNK;
	uint64_t *buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	uint64_t sum, wall, cpu;

	ASSERT_NE(MAP_FAILED, buf);
	fill_pattern(buf, len, 77);
	wall = clock_ns(CLOCK_MONOTONIC);
	cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_CHECKSUM, buf, len, CHUNK, 0,
			       &sum, c));
	cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu;
	wall = clock_ns(CLOCK_MONOTONIC) - wall;
	EXPECT_EQ(cpu_checksum(buf, len, CHUNK), sum);
	/* nothing moved: every page is still in system memory */
	EXPECT_EQ(0, c->pages_to_dev);
	EXPECT_EQ(len / PAGE, emu_count_at(fd, buf, len / PAGE,
					   SVM_EXT_RES_SYSTEM));
	EXPECT_EQ(-1, check_pattern(buf, len, 77));
	munmap(buf, len);
	return wall > cpu ? wall - cpu : 0;
}

TEST_F_TIMEOUT(fw, throttle_slows_each_fault_and_maps_in_place, 300)
{
	struct drm_svm_emu_counters base, thr;
	uint64_t base_off = UINT64_MAX, thr_off = UINT64_MAX, off;
	int i;

	/* the same placement without the wait: sysmem maps in place too */
	ASSERT_EQ(0, policy_load("sysmem", NULL));
	for (i = 0; i < 3; i++) {
		off = strided_checksum(_metadata, self->fd[0], &base);
		ASSERT_EQ(THR_FAULTS, base.faults);
		EXPECT_EQ(0, base.throttle_ns);
		if (off < base_off)
			base_off = off;
	}
	ASSERT_EQ(0, policy_unload());

	ASSERT_EQ(0, policy_load(test_bpf_obj("throttle_1ms"), NULL));
	/*
	 * Off-CPU time, not wall time: under the debug kernel on TCG the
	 * unthrottled work alone varies by more than the 16 ms of waits
	 * (100 ms unthrottled against 67 ms throttled was seen), but it
	 * varies on the CPU. Every throttled run must spend its waits off
	 * the CPU; the least of them is compared with the least of the
	 * unthrottled runs.
	 */
	for (i = 0; i < 3; i++) {
		off = strided_checksum(_metadata, self->fd[0], &thr);
		ASSERT_EQ(THR_FAULTS, thr.faults);
		EXPECT_GT(thr.remote_maps, 0);
		if (off < thr_off)
			thr_off = off;
	}
	ksft_print_msg("off the CPU: throttled at least %llu ns, unthrottled at least %llu ns\n",
		       (unsigned long long)thr_off,
		       (unsigned long long)base_off);
	/* at least 1 ms per fault off the CPU more than without the wait */
	EXPECT_GE(thr_off, base_off + THR_FAULTS * MS)
		TH_LOG("the waits did not happen off the CPU");
	/* modeled time: the cost model is deterministic, the wait is added */
	EXPECT_EQ(THR_FAULTS * MS, thr.throttle_ns);
	EXPECT_EQ(base.modeled_ns + THR_FAULTS * MS, thr.modeled_ns);
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("enabled", self->s);
}

/* ---- as an admin sees it ---- */

#define SZ (2 * MIB)

FIXTURE(pol)
{
	int fd;
	uint64_t *buf;
	char s[256];
};

FIXTURE_SETUP(pol)
{
	/* a failed ASSERT skips teardown: never inherit a policy */
	policy_unload_any();
	self->fd = emu_open(0);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, emu_bind(self->fd));
	/* two chunks: some tests use the second, at self->buf + SZ / 8 */
	self->buf = map_chunk_aligned(2 * SZ, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, self->buf);
	sys_str("state", self->s, sizeof(self->s));
	ASSERT_STREQ("disabled", self->s);
}

FIXTURE_TEARDOWN(pol)
{
	policy_unload_any();
	close(self->fd);
}

TEST_F(pol, sysmem_policy_keeps_data_in_system_memory)
{
	long long count0 = read_ll(SVM_SYSFS "/enable_count");
	long long in0 = dev_counter(0, "pages_to_dev");
	long long cpu0 = dev_counter(0, "cpu_faults");
	struct drm_svm_emu_counters c;

	ASSERT_EQ(0, policy_load("sysmem", NULL));
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("enabled", self->s);
	sys_str("policy", self->s, sizeof(self->s));
	EXPECT_STREQ("sysmem", self->s);
	EXPECT_EQ(count0 + 1, read_ll(SVM_SYSFS "/enable_count"));
	EXPECT_GT(read_ll(SVM_SYSFS "/enabled_since"), 0);

	/* the decision: map in place, nothing migrates */
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, self->buf, SZ, 0, 3,
			       NULL, &c));
	EXPECT_EQ(0, c.pages_to_dev);
	EXPECT_EQ(SZ / 4096, c.remote_maps);
	EXPECT_EQ(in0, dev_counter(0, "pages_to_dev"));
	EXPECT_EQ(-1, check_pattern(self->buf, SZ, 3));
	EXPECT_EQ(SZ / 4096, emu_count_at(self->fd, self->buf, SZ / 4096,
					  SVM_EXT_RES_SYSTEM));
	EXPECT_EQ(cpu0, dev_counter(0, "cpu_faults"));	/* never left RAM */

	/* status shows it */
	EXPECT_EQ(0, run("%s status | grep -q sysmem", svmctl_path()));

	/* unload: the default is back and migrates again */
	ASSERT_EQ(0, policy_unload());
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("disabled", self->s);
	sys_str("exit_kind", self->s, sizeof(self->s));
	EXPECT_STREQ("unregistered", self->s);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, self->buf + SZ / 8,
			       SZ, 0, 4, NULL, &c));
	EXPECT_EQ(SZ / 4096, c.pages_to_dev);
	EXPECT_EQ(-1, check_pattern(self->buf + SZ / 8, SZ, 4));
}

/* Tuning: svmctl and bpftool see and change the same pinned params map. */
TEST_F(pol, params_tuned_by_svmctl_and_bpftool)
{
	const char *map = "/sys/fs/bpf/svm_ext/sysmem/params";
	struct drm_svm_emu_counters c;

	ASSERT_EQ(0, policy_load("sysmem", "window_kb=64", NULL));
	EXPECT_EQ(0, run("%s map dump pinned %s | grep -q '\"window_kb\": 64'",
			 SVM_BPFTOOL, map));
	/* 64 KiB windows: 32 faults for 2 MiB */
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, self->buf, SZ, 0, 1,
			       NULL, &c));
	EXPECT_EQ(SZ / (64 * 1024), c.faults);
	/* bpftool writes, svmctl reads, the running policy obeys */
	ASSERT_EQ(0, run("%s map update pinned %s key 0 0 0 0 "
			 "value 16 0 0 0 0 0 0 0", SVM_BPFTOOL, map));
	EXPECT_EQ(0, run("%s get window_kb | grep -q 16", svmctl_path()));
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_WRITE, self->buf + SZ / 8,
			       SZ, 0, 1, NULL, &c));
	EXPECT_EQ(SZ / (16 * 1024), c.faults);
	/* svmctl writes, bpftool reads */
	ASSERT_EQ(0, run("%s set window_kb=2048 >/dev/null", svmctl_path()));
	EXPECT_EQ(0, run("%s map dump pinned %s | grep -q '\"window_kb\": 2048'",
			 SVM_BPFTOOL, map));
	EXPECT_NE(0, run("%s set window_kb=-1 2>/dev/null", svmctl_path()));
	EXPECT_NE(0, run("%s set no_such_key=1 2>/dev/null", svmctl_path()));
}

TEST_F(pol, module_pinned_while_attached)
{
	ASSERT_EQ(0, policy_load("sysmem", NULL));
	EXPECT_NE(0, run("rmmod svm_ext 2>/dev/null"));
	EXPECT_NE(0, run("rmmod svm_emu 2>/dev/null"));	/* in use: our fd */
	EXPECT_EQ(0, access(SVM_SYSFS "/state", F_OK));
}

TEST_F(pol, second_load_is_refused)
{
	ASSERT_EQ(0, policy_load("sysmem", NULL));
	EXPECT_NE(0, policy_load_refused("sysmem"));
	sys_str("policy", self->s, sizeof(self->s));
	EXPECT_STREQ("sysmem", self->s);
}

TEST_F(pol, bad_decision_ejects_and_default_continues)
{
	struct drm_svm_emu_counters c;

	fill_pattern(self->buf, SZ, 99);
	ASSERT_EQ(0, policy_load(test_bpf_obj("bad_window"), NULL));
	sys_str("state", self->s, sizeof(self->s));
	ASSERT_STREQ("enabled", self->s);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, self->buf, SZ,
			       0, 1, NULL, &c));
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("ejected", self->s);
	sys_str("exit_kind", self->s, sizeof(self->s));
	EXPECT_STREQ("bad_decision", self->s);
	sys_str("exit_reason", self->s, sizeof(self->s));
	EXPECT_NE(NULL, strstr(self->s, "window"));
	/* the default decided this very fault: whole chunk migrated */
	EXPECT_EQ(SZ / 4096, c.pages_to_dev);
	EXPECT_EQ(-1, check_pattern(self->buf, SZ, 100));
	ASSERT_EQ(0, policy_unload());
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("disabled", self->s);
	/* the reason stays visible after the unload */
	sys_str("exit_kind", self->s, sizeof(self->s));
	EXPECT_STREQ("bad_decision", self->s);
}

TEST_F(pol, policy_error_ejects_with_its_message)
{
	ASSERT_EQ(0, policy_load(test_bpf_obj("self_error"), NULL));
	fill_pattern(self->buf, SZ, 7);
	ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, self->buf, SZ, 0, 0,
			       NULL, NULL));
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("ejected", self->s);
	sys_str("exit_kind", self->s, sizeof(self->s));
	EXPECT_STREQ("error", self->s);
	sys_str("exit_msg", self->s, sizeof(self->s));
	EXPECT_STREQ("self_error: giving up", self->s);
	EXPECT_EQ(-1, check_pattern(self->buf, SZ, 7));
}

TEST_F(pol, advise_hook_refuses_and_adjusts)
{
	struct drm_svm_emu_get_attr g;
	int fd1 = emu_open(1);

	ASSERT_GE(fd1, 0);
	ASSERT_EQ(0, emu_bind(fd1));
	ASSERT_EQ(0, policy_load(test_bpf_obj("advise_gate"), NULL));
	/* refused with the policy's errno; nothing moved */
	EXPECT_EQ(-EPERM, emu_prefetch(self->fd, self->buf, SZ, 1));
	EXPECT_EQ(0, emu_count_at(self->fd, self->buf, SZ / 4096, 1));
	EXPECT_EQ(SZ / 4096, emu_prefetch(self->fd, self->buf, SZ, 0));
	/* adjusted: asked for device 1, got device 0 */
	ASSERT_EQ(0, emu_set_attr(self->fd, self->buf, SZ,
				  SVM_EXT_ATTR_PREFERRED_LOC, 1));
	ASSERT_EQ(0, emu_get_attr(self->fd, self->buf, SZ, &g));
	EXPECT_EQ(0, g.preferred_loc);
	/* an errno outside the documented set ejects; the hint goes ahead */
	EXPECT_EQ(0, emu_set_attr(self->fd, self->buf, SZ,
				  SVM_EXT_ATTR_READ_MOSTLY, 1));
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("ejected", self->s);
	sys_str("exit_kind", self->s, sizeof(self->s));
	EXPECT_STREQ("bad_decision", self->s);
	ASSERT_EQ(0, emu_get_attr(self->fd, self->buf, SZ, &g));
	EXPECT_EQ(1, g.read_mostly);
	/* with the policy gone, the prefetch it refused works */
	EXPECT_EQ(SZ / 4096, emu_prefetch(self->fd, self->buf, SZ, 1));
	close(fd1);
}

static void add_counters(struct drm_svm_emu_counters *tot,
			 const struct drm_svm_emu_counters *c)
{
	tot->faults += c->faults;
	tot->pages_to_dev += c->pages_to_dev;
	tot->pages_from_dev += c->pages_from_dev;
	tot->remote_maps += c->remote_maps;
	tot->evictions += c->evictions;
	tot->modeled_ns += c->modeled_ns;
}

/*
 * The evict path: device 0 writes 4 MiB more than it holds, then reads it
 * all back, so least recently used chunks keep leaving.  Adds its counters
 * to *tot.
 */
static void oversubscribe(struct __test_metadata *_metadata, int fd,
			  struct drm_svm_emu_counters *tot)
{
	long long total = read_ll(SVM_SYSFS "/devices/0/mem_total");
	struct drm_svm_emu_counters c;
	size_t len = ((size_t)total & ~(2 * MIB - 1)) + 4 * MIB;
	uint64_t *buf, sum;

	ASSERT_GE(total, 4 * MIB);
	buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_WRITE, buf, len, 0, 0x3100, NULL,
			       &c));
	add_counters(tot, &c);
	ASSERT_EQ(0, emu_exec1(fd, SVM_EMU_OP_CHECKSUM, buf, len, 0, 0, &sum,
			       &c));
	add_counters(tot, &c);
	ASSERT_EQ(-1, check_pattern(buf, len, 0x3100));
	ASSERT_EQ(cpu_checksum(buf, len, 0), sum);
	munmap(buf, len);
}

/*
 * A reference workload touching every default rule, evictions included;
 * sums its counters.
 */
static void reference_workload(struct __test_metadata *_metadata, int fd0,
			       int fd1, struct drm_svm_emu_counters *tot)
{
	size_t len = 8 * MIB;
	uint64_t *buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	struct drm_svm_emu_counters c;
	int step;

	ASSERT_NE(MAP_FAILED, buf);
	memset(tot, 0, sizeof(*tot));
	fill_pattern(buf, len, 31);
	ASSERT_EQ(0, emu_set_attr(fd0, buf, 2 * MIB, SVM_EXT_ATTR_PREFERRED_LOC,
				  SVM_EXT_LOC_SYSTEM));
	ASSERT_EQ(0, emu_set_attr(fd0, (uint8_t *)buf + 2 * MIB, 2 * MIB,
				  SVM_EXT_ATTR_GRANULARITY, 4));
	ASSERT_EQ(0, emu_set_attr(fd0, (uint8_t *)buf + 4 * MIB, 2 * MIB,
				  SVM_EXT_ATTR_ACCESSED_BY, 2));
	for (step = 0; step < 4; step++) {
		int fd = step % 2 ? fd1 : fd0;

		ASSERT_EQ(0, emu_exec1(fd, step == 2 ? SVM_EMU_OP_ATOMIC_ADD :
				       SVM_EMU_OP_READ, buf, len, 4096 * (step + 1),
				       1, NULL, &c));
		add_counters(tot, &c);
	}
	/* the CPU reads it all back: step 2 added 1 to every 3rd page's first word */
	for (size_t i = 0; i < len / 8; i++)
		ASSERT_EQ(31 + i + (i % (3 * 512) == 0), buf[i]);
	munmap(buf, len);
	oversubscribe(_metadata, fd0, tot);
}

TEST_F_TIMEOUT(pol, default_bpf_policy_matches_builtin, 240)
{
	struct drm_svm_emu_counters builtin, bpf;
	int fd1 = emu_open(1);

	ASSERT_GE(fd1, 0);
	ASSERT_EQ(0, emu_bind(fd1));
	reference_workload(_metadata, self->fd, fd1, &builtin);
	ASSERT_EQ(0, policy_load("default", NULL));
	reference_workload(_metadata, self->fd, fd1, &bpf);
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("enabled", self->s);	/* no decision was refused */
	EXPECT_GT(builtin.faults, 0);
	EXPECT_GT(builtin.pages_to_dev, 0);
	EXPECT_GT(builtin.remote_maps, 0);
	EXPECT_GT(builtin.evictions, 0);
	EXPECT_EQ(builtin.faults, bpf.faults);
	EXPECT_EQ(builtin.pages_to_dev, bpf.pages_to_dev);
	EXPECT_EQ(builtin.pages_from_dev, bpf.pages_from_dev);
	EXPECT_EQ(builtin.remote_maps, bpf.remote_maps);
	EXPECT_EQ(builtin.evictions, bpf.evictions);
	EXPECT_EQ(builtin.modeled_ns, bpf.modeled_ns);
	close(fd1);
}

TEST_F(pol, verifier_refuses_context_write_and_wrong_hook_kfuncs)
{
	long long count0 = read_ll(SVM_SYSFS "/enable_count");

	EXPECT_NE(0, policy_load_refused(test_bpf_obj("write_ctx")));
	/* a decision kfunc called from another hook is refused too */
	EXPECT_NE(0, policy_load_refused(test_bpf_obj("wrong_hook")));
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("disabled", self->s);
	EXPECT_EQ(count0, read_ll(SVM_SYSFS "/enable_count"));
}

/*
 * Access counters reach only a policy that asked for them (ops.flags), are
 * never faults, and a notification without a migrate decision leaves the
 * mapping in place.  An unknown ops flag refuses the attach.
 */
TEST_F(pol, access_counters_reach_only_policies_that_ask)
{
	size_t len = 4 * MIB;
	uint64_t *buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	struct drm_svm_emu_counters c;
	long long count0 = read_ll(SVM_SYSFS "/enable_count");
	int pass;

	ASSERT_NE(MAP_FAILED, buf);
	EXPECT_NE(0, policy_load_refused(test_bpf_obj("bad_ops_flags")));
	EXPECT_EQ(count0, read_ll(SVM_SYSFS "/enable_count"));

	/* sysmem maps in place too, but does not ask: no notification */
	fill_pattern(buf, len, 90);
	ASSERT_EQ(0, policy_load("sysmem", NULL));
	for (pass = 0; pass < 2; pass++) {
		ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_READ, buf, len, 0,
				       0, NULL, &c));
		EXPECT_EQ(0, c.access_notifications);
	}
	ASSERT_EQ(0, policy_unload());
	ASSERT_EQ(0, munmap(buf, len));

	buf = map_chunk_aligned(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, buf);
	fill_pattern(buf, len, 91);
	ASSERT_EQ(0, policy_load(test_bpf_obj("counter_probe"), NULL));
	for (pass = 0; pass < 2; pass++) {
		ASSERT_EQ(0, emu_exec1(self->fd, SVM_EMU_OP_ATOMIC_ADD, buf, len,
				       0, 1, NULL, &c));
		/* 2 MiB accessed in place per chunk and pass: one each */
		EXPECT_EQ(len / (2 * MIB), c.access_notifications);
		EXPECT_EQ(pass ? 0 : len / (2 * MIB), c.faults);
		EXPECT_EQ(0, c.pages_to_dev);
	}
	EXPECT_EQ((long)(len / 4096), emu_count_at(self->fd, buf, len / 4096,
						   SVM_EXT_RES_SYSTEM));
	sys_str("state", self->s, sizeof(self->s));
	EXPECT_STREQ("enabled", self->s);
	ASSERT_EQ(0, policy_unload());
	EXPECT_EQ(-1, check_pattern(buf, len, 93));	/* 91 + 2 passes */
}

TEST_HARNESS_MAIN
