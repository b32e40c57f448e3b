// SPDX-License-Identifier: GPL-2.0
/* svmstress: options, the devices, and the run. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "svm_user.h"
#include "svmstress.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: svmstress [OPTIONS]\n"
"\n"
"Data-integrity stress of svm_ext on every emulated GPU (svm_emu render\n"
"node).  PROCS worker processes x THREADS threads work on REGIONS regions\n"
"each - private anonymous (migratable), MAP_SHARED anonymous, memfd and file\n"
"mappings - with CPU and device writes, reads, atomics, fills, checksums,\n"
"prefetches, hints, MADV_PAGEOUT and MADV_DONTNEED, mprotect, mremap (also\n"
"MREMAP_DONTUNMAP), munmap/mmap and fork with COW checks.  A shadow knows\n"
"what every 8-byte word must read; each read and device checksum is checked\n"
"against it.  The supervisor SIGKILLs a worker now and then and checks what\n"
"it left in its memfd and file regions (words of an in-flight write may read\n"
"old or new, nothing else), and switches policies with svmctl, among them\n"
"'chaos', which makes random decisions and sometimes an illegal one: it must\n"
"be ejected (exit_kind bad_decision) and is loaded again.\n"
"\n"
"Private regions together are OVERSUB x the devices' memory.  Each thread's\n"
"operations follow from --seed; the interleaving of threads, processes and\n"
"the kernel does not, so a seed reproduces the operation mix, not the exact\n"
"schedule.  The seed and the first mismatch (address, mapping kind,\n"
"expected, got, and the history of operations on its page) are printed.\n"
"\n"
"options:\n"
"  -s, --seed N              seed (default: from the clock; printed)\n"
"  -d, --duration SECS       run time (default 600)\n"
"  -p, --procs N             worker processes (default 2, max %d)\n"
"  -t, --threads N           threads per worker (default 2, max %d)\n"
"  -r, --regions N           regions per worker (default 6, max %d; kinds cycle\n"
"                            private, shared_anon, private, memfd, private, file)\n"
"      --kinds LIST          mapping kinds to use, comma separated (default all:\n"
"                            private,shared_anon,memfd,file)\n"
"  -o, --oversub X           private data per device memory (default 3)\n"
"      --private-size BYTES  size of each private region instead (K/M/G suffix)\n"
"      --shared-size BYTES   size of each other region (default 2M)\n"
"  -k, --kill-interval SECS  mean time between SIGKILLs of a worker (default 7;\n"
"                            0: never)\n"
"      --policy-interval SECS  mean time between policy changes (default 4; 0:\n"
"                            no policies)\n"
"      --policies LIST       policies to switch among, comma separated; 'none'\n"
"                            unloads (default chaos,default,lru,sysmem,prefetch,\n"
"                            chaos,none; empty: no policies)\n"
"      --chaos-illegal-ppm N chaos' illegal decisions per million hook calls\n"
"                            (default 2000)\n"
"      --svmctl PATH         svmctl (default: build/svmctl/svmctl beside us)\n"
"      --dir DIR             where file regions live (default /tmp)\n"
"      --no-fork             no fork/COW operations\n"
"      --cpu-only            no device at all: CPU operations only (checks the\n"
"                            tool itself where svm_ext is not loaded)\n"
"      --inject              failures are being injected into this process\n"
"                            (fault injection's make-it-fail, stress.sh --inject):\n"
"                            ENOMEM and EIO from a device access are then no\n"
"                            error; a wrong word still is\n"
"      --max-reports N       mismatches printed in full (default 5; all counted)\n"
"  -j, --json                summary as one JSON object on stdout\n"
"  -v, --verbose             policy changes and svmctl output\n"
"  -h, --help                this text\n"
"\n"
"exit status: 0 no mismatch and no error, 1 a mismatch, an unexpected errno,\n"
"a policy other than chaos ejected or chaos ejected for anything but a bad\n"
"decision, 2 usage error, 3 set-up failed (no svm_emu device, svm_ext not\n"
"loaded, svmctl missing, out of memory).\n",
		STRESS_MAX_PROCS, STRESS_MAX_THREADS, STRESS_MAX_REGIONS);
}

static int bad(const char *opt, const char *val)
{
	fprintf(stderr, "svmstress: bad value '%s' for %s (see --help)\n", val, opt);
	return EXIT_USAGE;
}

static bool parse_u(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	if (!*s || *s == '-')
		return false;
	*out = strtoull(s, &end, 0);
	return !errno && !*end && *out <= max;
}

static bool parse_secs(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return !errno && *s && !*end && *out >= 0 && *out < 1e7;
}

static bool parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	errno = 0;
	if (!*s || *s == '-')
		return false;
	v = strtoull(s, &end, 0);
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (errno || *end || !v || v > (1ULL << 40) >> shift)
		return false;
	*out = (uint64_t)v << shift;
	return !(*out % STRESS_PAGE);
}

static bool parse_kinds(const char *s, unsigned int *mask)
{
	char buf[128], *tok, *save = NULL;
	unsigned int k;

	snprintf(buf, sizeof(buf), "%s", s);
	*mask = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (k = 0; k < KIND_NR; k++)
			if (!strcmp(tok, kind_name(k)))
				break;
		if (k == KIND_NR)
			return false;
		*mask |= 1u << k;
	}
	return *mask != 0;
}

static int find_devices(struct config *cfg)
{
	unsigned int i;

	for (i = 0; i < STRESS_MAX_DEVS; i++) {
		struct drm_svm_emu_info info = { 0 };
		int fd = emu_open(i);

		if (fd < 0)
			break;
		if (ioctl(fd, DRM_IOCTL_SVM_EMU_INFO, &info)) {
			close(fd);
			break;
		}
		cfg->dev_mem += info.mem_total;
		cfg->ndevs++;
		close(fd);
	}
	if (!cfg->ndevs) {
		fprintf(stderr, "svmstress: no svm_emu render node (load svm_emu: selftests/setup.sh)\n");
		return -1;
	}
	return 0;
}

enum { O_KINDS = 256, O_PRIV, O_SHARED, O_PINT, O_POL, O_PPM, O_SVMCTL,
       O_DIR, O_NOFORK, O_MAXREP, O_CPUONLY, O_INJECT };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "procs", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "regions", required_argument, NULL, 'r' },
		{ "kinds", required_argument, NULL, O_KINDS },
		{ "oversub", required_argument, NULL, 'o' },
		{ "private-size", required_argument, NULL, O_PRIV },
		{ "shared-size", required_argument, NULL, O_SHARED },
		{ "kill-interval", required_argument, NULL, 'k' },
		{ "policy-interval", required_argument, NULL, O_PINT },
		{ "policies", required_argument, NULL, O_POL },
		{ "chaos-illegal-ppm", required_argument, NULL, O_PPM },
		{ "svmctl", required_argument, NULL, O_SVMCTL },
		{ "dir", required_argument, NULL, O_DIR },
		{ "no-fork", no_argument, NULL, O_NOFORK },
		{ "cpu-only", no_argument, NULL, O_CPUONLY },
		{ "inject", no_argument, NULL, O_INJECT },
		{ "max-reports", required_argument, NULL, O_MAXREP },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct config cfg = {
		.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20),
		.duration = 600, .procs = 2, .threads = 2, .regions = 6,
		.oversub = 3, .shared_size = 2 << 20,
		.kinds_mask = (1u << KIND_NR) - 1, .kill_interval = 7,
		.policy_interval = 4,
		.policies = "chaos,default,lru,sysmem,prefetch,chaos,none",
		.chaos_illegal_ppm = 2000, .dir = "/tmp", .max_reports = 5,
	};
	bool cpu_only = false;
	unsigned long long u;
	int c;

	while ((c = getopt_long(argc, argv, "s:d:p:t:r:o:k:jvh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!parse_u(optarg, ~0ULL, &u))
				return bad("--seed", optarg);
			cfg.seed = u;
			break;
		case 'd':
			if (!parse_secs(optarg, &cfg.duration) || cfg.duration <= 0)
				return bad("--duration", optarg);
			break;
		case 'p':
			if (!parse_u(optarg, STRESS_MAX_PROCS, &u) || !u)
				return bad("--procs", optarg);
			cfg.procs = u;
			break;
		case 't':
			if (!parse_u(optarg, STRESS_MAX_THREADS, &u) || !u)
				return bad("--threads", optarg);
			cfg.threads = u;
			break;
		case 'r':
			if (!parse_u(optarg, STRESS_MAX_REGIONS, &u) || !u)
				return bad("--regions", optarg);
			cfg.regions = u;
			break;
		case O_KINDS:
			if (!parse_kinds(optarg, &cfg.kinds_mask))
				return bad("--kinds", optarg);
			break;
		case 'o':
			if (!parse_secs(optarg, &cfg.oversub) || cfg.oversub <= 0 ||
			    cfg.oversub > 64)
				return bad("--oversub", optarg);
			break;
		case O_PRIV:
			if (!parse_size(optarg, &cfg.private_size) ||
			    cfg.private_size < 2 * STRESS_PAGE)
				return bad("--private-size", optarg);
			break;
		case O_SHARED:
			if (!parse_size(optarg, &cfg.shared_size) ||
			    cfg.shared_size < 2 * STRESS_PAGE)
				return bad("--shared-size", optarg);
			break;
		case 'k':
			if (!parse_secs(optarg, &cfg.kill_interval))
				return bad("--kill-interval", optarg);
			break;
		case O_PINT:
			if (!parse_secs(optarg, &cfg.policy_interval))
				return bad("--policy-interval", optarg);
			break;
		case O_POL:
			if (strlen(optarg) >= sizeof(cfg.policies) ||
			    strspn(optarg, "abcdefghijklmnopqrstuvwxyz0123456789_-,") !=
			    strlen(optarg))
				return bad("--policies", optarg);
			strcpy(cfg.policies, optarg);
			break;
		case O_PPM:
			if (!parse_u(optarg, 1000000, &u))
				return bad("--chaos-illegal-ppm", optarg);
			cfg.chaos_illegal_ppm = u;
			break;
		case O_SVMCTL:
			if (strlen(optarg) >= sizeof(cfg.svmctl))
				return bad("--svmctl", optarg);
			strcpy(cfg.svmctl, optarg);
			break;
		case O_DIR:
			if (strlen(optarg) >= sizeof(cfg.dir))
				return bad("--dir", optarg);
			strcpy(cfg.dir, optarg);
			break;
		case O_NOFORK:
			cfg.no_fork = true;
			break;
		case O_CPUONLY:
			cpu_only = true;
			break;
		case O_INJECT:
			cfg.inject = true;
			break;
		case O_MAXREP:
			if (!parse_u(optarg, 1000000, &u))
				return bad("--max-reports", optarg);
			cfg.max_reports = u;
			break;
		case 'j':
			cfg.json = true;
			break;
		case 'v':
			cfg.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_CLEAN;
		default:
			fprintf(stderr, "svmstress: see --help\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "svmstress: unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (!cfg.svmctl[0])
		snprintf(cfg.svmctl, sizeof(cfg.svmctl), "%s", svmctl_path());

	if (cpu_only) {
		cfg.policies[0] = '\0';
		cfg.dev_mem = 64 << 20;	/* sizes as if one 64 MiB device */
	} else if (access(SVM_SYSFS "/state", R_OK)) {
		fprintf(stderr, "svmstress: svm_ext is not loaded (no %s)\n", SVM_SYSFS);
		return EXIT_SETUP;
	} else if (find_devices(&cfg)) {
		return EXIT_SETUP;
	}
	if (cfg.policies[0] && cfg.policy_interval > 0 && access(cfg.svmctl, X_OK)) {
		fprintf(stderr, "svmstress: no svmctl at %s (--svmctl, or --policies '')\n",
			cfg.svmctl);
		return EXIT_SETUP;
	}
	if (shared_setup(&cfg))
		return EXIT_SETUP;
	fprintf(stderr,
		"svmstress: seed %llu, %.0f s, %u processes x %u threads x %u devices (%llu MiB), "
		"%u regions each (private %llu MiB, others %llu KiB: %.1fx the device memory in private data)\n",
		(unsigned long long)cfg.seed, cfg.duration, cfg.procs, cfg.threads,
		cfg.ndevs, (unsigned long long)(cfg.dev_mem >> 20), cfg.regions,
		(unsigned long long)(sh->cfg.private_size >> 20),
		(unsigned long long)(cfg.shared_size >> 10),
		cfg.oversub);
	return supervise();
}
