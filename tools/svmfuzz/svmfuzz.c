// SPDX-License-Identifier: GPL-2.0
/*
 * svmfuzz: structure-aware fuzzer of svm_emu's render-node ioctls and of
 * the svm_ext/svm_emu sysfs files, with an errno oracle from the uapi
 * header.  main, options, threads and the summary; the ioctls and their
 * oracle are in ioctls.c, the memory in pool.c, sysfs in sysfs.c, what
 * happens around the calls (remaps, forks, kills, policy switches) in
 * chaos.c.  Kernel reports (oops, KASAN, lockdep, leaks) are the VM
 * runner's to catch: tools/vm/run.sh fails a run that printed one.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <drm/drm.h>
#include <drm/svm_emu_drm.h>
#include "fuzz.h"

struct fz_global fz;
extern double fz_max_kill_ms;

const char *const fz_op_names[FZ_NOPS] = {
	[FZ_OP_INFO] = "info", [FZ_OP_BIND] = "bind", [FZ_OP_UNBIND] = "unbind",
	[FZ_OP_EXEC] = "exec", [FZ_OP_QUERY] = "query",
	[FZ_OP_SET_ATTR] = "set_attr", [FZ_OP_GET_ATTR] = "get_attr",
	[FZ_OP_PREFETCH] = "prefetch", [FZ_OP_UNKNOWN] = "unknown_ioctl",
	[FZ_OP_SYSFS] = "sysfs_write", [FZ_OP_KILLED] = "killed_process",
};

static const char usage_text[] =
"usage: svmfuzz [OPTIONS]\n"
"\n"
"Fuzz every ioctl of the svm_emu render nodes and every writable svm_ext and\n"
"svm_emu sysfs file, from several threads, while other threads remap, reclaim,\n"
"mremap and mprotect the memory under the calls, fork children that try the\n"
"parent's bound files, SIGKILL processes inside long ioctls and (with\n"
"--policies) switch the active policy.\n"
"\n"
"Each call starts from a valid-looking struct whose fields are pushed to their\n"
"edges (0, 1, page-1, 2^31, 2^63, 2^64-8, lengths crossing mapping ends,\n"
"unmapped, read-only and PROT_NONE memory, kernel and non-canonical\n"
"addresses).  The oracle knows which documented rule a call broke: such a call\n"
"must fail with an errno include/uapi/drm/svm_emu_drm.h gives for that rule;\n"
"a call that broke none may fail only with an errno the header lists for the\n"
"ioctl.  Run it as root inside the test VM (make fuzz): the kernel's own\n"
"reports (oops, KASAN, lockdep, kmemleak) are caught by the VM runner.\n"
"\n"
"Options:\n"
"  -n, --calls N        stop after N calls in all (default 1000000)\n"
"  -t, --seconds S      stop after S seconds (default: no limit)\n"
"  -s, --seed N         seed of every random choice (default: from the clock;\n"
"                       printed, so a run can be repeated)\n"
"  -j, --threads N      fuzzing threads (default 4, at most 32)\n"
"      --no-chaos       no remaps, forks, kills: the memory kinds stay fixed,\n"
"                       so the oracle is exact for memory errors too\n"
"      --no-sysfs       do not write sysfs files\n"
"  -p, --policies LIST  switch between these policies (comma separated) every\n"
"                       2 s with svmctl (load, switch, unload at the end)\n"
"      --svmctl PATH    svmctl to use (default: $SVMCTL, else svmctl on PATH)\n"
"      --inject         allocation failures are being injected into this process\n"
"                       (fault injection's make-it-fail): ENOMEM is accepted\n"
"                       from every call; fuzz.sh --inject sets it up\n"
"      --max-reports N  print at most N oracle reports (default 20)\n"
"      --json           print the summary as one JSON object\n"
"  -v, --verbose        progress every 100000 calls\n"
"  -h, --help           this text\n"
"\n"
"Exit status: 0 no oracle violation; 1 violations (the first --max-reports are\n"
"printed); 2 usage error; 3 no svm_emu device or setup failed.\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

void fz_report(const char *fmt, ...)
{
	static _Atomic unsigned int printed;
	va_list ap;

	if (atomic_fetch_add(&printed, 1) >= fz.cfg.max_reports)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "svmfuzz: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " [seed %llu]\n", (unsigned long long)fz.cfg.seed);
	va_end(ap);
}

static int find_devices(void)
{
	for (int i = 128; i < 192; i++) {
		char path[64], name[32] = "";
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
		struct drm_svm_emu_info info = { 0 };
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/renderD%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "svm_emu") &&
		    !ioctl(fd, DRM_IOCTL_SVM_EMU_INFO, &info) && info.index < 8) {
			snprintf(fz.dev_path[info.index], sizeof(fz.dev_path[0]), "%s", path);
			if ((int)info.index + 1 > fz.ndev)
				fz.ndev = info.index + 1;
		}
		close(fd);
	}
	for (int i = 0; i < fz.ndev; i++)
		if (!fz.dev_path[i][0])
			return -1;	/* indices must be dense */
	return fz.ndev;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double t_start;

static void *worker_main(void *arg)
{
	struct fz_worker *w = arg;
	uint64_t n = 0;

	while (!atomic_load(&fz.stop)) {
		if (w->id == 0 && fz.cfg.sysfs && fz_one_in(&w->rng, 64))
			fz_sysfs_one(w);
		else
			fz_one_ioctl(w);
		n = atomic_fetch_add(&fz.total, 1) + 1;
		if (n >= fz.cfg.calls)
			atomic_store(&fz.stop, true);
		if (fz.cfg.verbose && n % 100000 == 0)
			fprintf(stderr, "svmfuzz: %llu calls, %.0f s\n",
				(unsigned long long)n, now_s() - t_start);
		if ((n & 255) == 0 && fz.cfg.seconds &&
		    now_s() - t_start >= fz.cfg.seconds)
			atomic_store(&fz.stop, true);
	}
	return NULL;
}

static bool parse_u64(const char *s, uint64_t *v, uint64_t max)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && end != s && !*end && s[0] != '-' && *v <= max;
}

static int parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "calls", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 'j' },
		{ "no-chaos", no_argument, NULL, 'C' },
		{ "no-sysfs", no_argument, NULL, 'S' },
		{ "policies", required_argument, NULL, 'p' },
		{ "svmctl", required_argument, NULL, 'c' },
		{ "max-reports", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'J' },
		{ "inject", no_argument, NULL, 'I' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct fz_config *c = &fz.cfg;
	uint64_t v;
	int o;

	c->calls = 1000000;
	c->threads = 4;
	c->chaos = c->sysfs = true;
	c->max_reports = 20;
	c->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	c->svmctl = getenv("SVMCTL") ?: "svmctl";
	while ((o = getopt_long(argc, argv, "n:t:s:j:p:vh", opts, NULL)) != -1) {
		switch (o) {
		case 'n':
			if (!parse_u64(optarg, &c->calls, UINT64_MAX) || !c->calls)
				goto bad;
			break;
		case 't':
			if (!parse_u64(optarg, &v, 86400 * 7) || !v)
				goto bad;
			c->seconds = v;
			break;
		case 's':
			if (!parse_u64(optarg, &c->seed, UINT64_MAX))
				goto bad;
			break;
		case 'j':
			if (!parse_u64(optarg, &v, 32) || !v)
				goto bad;
			c->threads = v;
			break;
		case 'C':
			c->chaos = false;
			break;
		case 'S':
			c->sysfs = false;
			break;
		case 'p':
			c->policies = optarg;
			break;
		case 'c':
			c->svmctl = optarg;
			break;
		case 'm':
			if (!parse_u64(optarg, &v, 1000000))
				goto bad;
			c->max_reports = v;
			break;
		case 'J':
			c->json = true;
			break;
		case 'I':
			c->inject = true;
			break;
		case 'v':
			c->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "svmfuzz: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return 0;
bad:
	fprintf(stderr, "svmfuzz: bad value '%s' for option -%c (see --help)\n",
		optarg, o);
	return 2;
}

static void summary(double secs)
{
	uint64_t calls = 0;

	for (int i = 0; i < FZ_NOPS; i++)
		calls += fz.st.calls[i];
	if (fz.cfg.json) {
		printf("{\"seed\":%llu,\"seconds\":%.1f,\"calls\":%llu,\"violations\":%llu,"
		       "\"remaps\":%llu,\"forks\":%llu,\"kills\":%llu,\"max_kill_ms\":%.1f,"
		       "\"policy_switches\":%llu,\"ops\":{",
		       (unsigned long long)fz.cfg.seed, secs, (unsigned long long)calls,
		       (unsigned long long)fz.st.violations,
		       (unsigned long long)fz.st.remaps, (unsigned long long)fz.st.forks,
		       (unsigned long long)fz.st.kills, fz_max_kill_ms,
		       (unsigned long long)fz.st.switches);
		for (int i = 0; i < FZ_NOPS; i++)
			printf("%s\"%s\":{\"calls\":%llu,\"ok\":%llu}", i ? "," : "",
			       fz_op_names[i], (unsigned long long)fz.st.calls[i],
			       (unsigned long long)fz.st.ok[i]);
		printf("}}\n");
		return;
	}
	printf("svmfuzz: seed %llu, %.1f s, %d devices, %u threads%s\n",
	       (unsigned long long)fz.cfg.seed, secs, fz.ndev, fz.cfg.threads,
	       fz.cfg.chaos ? ", chaos" : "");
	printf("  %-16s %12s %12s\n", "call", "count", "succeeded");
	for (int i = 0; i < FZ_NOPS; i++)
		printf("  %-16s %12llu %12llu\n", fz_op_names[i],
		       (unsigned long long)fz.st.calls[i],
		       (unsigned long long)fz.st.ok[i]);
	printf("  remaps %llu, forks %llu, killed processes %llu (slowest to die %.1f ms), policy switches %llu\n",
	       (unsigned long long)fz.st.remaps, (unsigned long long)fz.st.forks,
	       (unsigned long long)fz.st.kills, fz_max_kill_ms,
	       (unsigned long long)fz.st.switches);
	printf("svmfuzz: %llu calls, %llu oracle violations\n",
	       (unsigned long long)calls, (unsigned long long)fz.st.violations);
}

int main(int argc, char **argv)
{
	pthread_t th[32], chaos, killer, policy;
	struct fz_worker *w;
	int ret;

	ret = parse_args(argc, argv);
	if (ret)
		return ret;
	if (find_devices() <= 0) {
		fprintf(stderr, "svmfuzz: no svm_emu render node (load svm_emu first)\n");
		return 3;
	}
	ret = fz_pool_init(&fz.pool, getenv("TMPDIR") ?: "/tmp");
	if (ret) {
		fprintf(stderr, "svmfuzz: cannot map the pool: %s\n", strerror(-ret));
		return 3;
	}
	if (fz.cfg.sysfs)
		fz_sysfs_init();
	w = calloc(fz.cfg.threads, sizeof(*w));
	if (!w)
		return 3;
	for (unsigned int i = 0; i < fz.cfg.threads; i++) {
		ret = fz_worker_init(&w[i], i);
		if (ret) {
			fprintf(stderr, "svmfuzz: worker %u: %s\n", i, strerror(-ret));
			return 3;
		}
	}
	t_start = now_s();
	for (unsigned int i = 0; i < fz.cfg.threads; i++)
		pthread_create(&th[i], NULL, worker_main, &w[i]);
	if (fz.cfg.chaos) {
		pthread_create(&chaos, NULL, fz_chaos_thread, &w[0]);
		pthread_create(&killer, NULL, fz_killer_thread, NULL);
	}
	if (fz.cfg.policies)
		pthread_create(&policy, NULL, fz_policy_thread, NULL);
	for (unsigned int i = 0; i < fz.cfg.threads; i++)
		pthread_join(th[i], NULL);
	atomic_store(&fz.stop, true);
	if (fz.cfg.chaos) {
		pthread_join(chaos, NULL);
		pthread_join(killer, NULL);
	}
	if (fz.cfg.policies)
		pthread_join(policy, NULL);
	if (fz.cfg.sysfs)
		fz_sysfs_restore();
	summary(now_s() - t_start);
	for (unsigned int i = 0; i < fz.cfg.threads; i++)
		fz_worker_fini(&w[i]);
	free(w);
	return fz.st.violations ? 1 : 0;
}
