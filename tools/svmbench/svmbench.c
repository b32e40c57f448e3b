// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench: workloads on the emulated GPUs, with deterministic counters
 * (faults, pages moved, remote maps, modeled device time) beside real time.
 *
 *   svmbench [--device N] [--size MIB] [--repeat N] [--to HOW] [--back HOW]
 *            [--backing thp|4k] [--json] WORKLOAD
 *
 * main, option parsing and what the workloads share live here; the
 * workloads themselves in emu.c (svm_emu) and peer_hmm.c (the kernel's
 * test_hmm, as a reference point).  workloads.h lists them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fit.h"
#include "replay.h"
#include "suite.h"
#include "svm_user.h"
#include "workloads.h"

struct workload {
	const char *name;
	int (*run)(const struct opts *o);
	enum move_how to, back;		/* defaults of --to / --back */
	int explicit_only_to;		/* --to fault is not possible */
	const char *help;
	unsigned int repeat;		/* default of --repeat */
};

static const struct workload workloads[] = {
	{ "writeback", wl_writeback, MOVE_DEFAULT, MOVE_DEFAULT, 0,
	  "the GPU writes SIZE MiB, then the CPU reads it back", 1 },
	{ "migrate", wl_migrate, MOVE_FAULT, MOVE_FAULT, 0,
	  "SIZE MiB to an svm_emu device and back; MB/s beside memcpy", 1 },
	{ "migrate-hmm", wl_migrate_hmm, MOVE_EXPLICIT, MOVE_FAULT, 1,
	  "the same through test_hmm (/dev/hmm_dmirrorN)", 1 },
	{ "overhead", wl_overhead, MOVE_DEFAULT, MOVE_DEFAULT, 0,
	  "fault path time with the 'default' BPF policy / without", 15 },
};

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *move_name(enum move_how how)
{
	return how == MOVE_EXPLICIT ? "explicit" : "fault";
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int open_bound(const struct opts *o, int *fd)
{
	*fd = emu_open(o->device);
	if (*fd < 0) {
		fprintf(stderr, "svmbench: no svm_emu device %u: %s\n", o->device,
			strerror(errno));
		return 3;
	}
	if (emu_bind(*fd)) {
		fprintf(stderr, "svmbench: bind: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
"Usage: svmbench [OPTIONS] WORKLOAD\n"
"       svmbench suite [OPTIONS]   (placement policies vs MIN: suite --help)\n"
"       svmbench fit [OPTIONS] REAL.csv MODEL.csv   (the cost model vs a real\n"
"                                  GPU: fit --help)\n"
"       svmbench replay [OPTIONS] FILE   (a trace of svmctl record under each\n"
"                                  policy: replay --help)\n"
"\n"
"Run a workload on an emulated GPU (svm_emu) and report what the svm_ext\n"
"core did: device faults, pages migrated each way, remote maps, modeled\n"
"device time (the device's cost model) and real time.\n"
"\n"
"Workloads:\n");
	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
		fprintf(f, "  %-12s %s\n", workloads[i].name, workloads[i].help);
	fprintf(f,
"\n"
"Migration workloads move SIZE MiB of a filled buffer to the device, time\n"
"it, move it back, time it, check every word, and time a memcpy of the same\n"
"size; each round trip on a fresh 2 MiB aligned buffer, backed as --backing\n"
"says (and the memcpy's destination alike).  How each direction is driven:\n"
"  fault     to: the device reads one word per page (svm_emu EXEC, which\n"
"            faults whole 2 MiB chunks in); back: the CPU reads one word\n"
"            per page (CPU faults on device memory)\n"
"  explicit  svm_emu: the PREFETCH ioctl to the device / to system memory;\n"
"            test_hmm: HMM_DMIRROR_MIGRATE_TO_DEV / MIGRATE_TO_SYS\n"
"  defaults: migrate --to fault --back fault; migrate-hmm --to explicit\n"
"  --back fault (test_hmm cannot fault data into the device)\n"
"migrate-hmm also times an HMM_DMIRROR_READ of the buffer while it is on\n"
"the device: the same copy-out MIGRATE_TO_DEV ends with, so that the move\n"
"alone is reported too (to less copy-out).\n"
"\n"
"overhead (root, no policy attached) runs the same fault-heavy workload\n"
"(one fault per 4 KiB page of SIZE MiB, 64 per EXEC; pages migrating to\n"
"the device, and mapped in place) with no policy and with the 'default' BPF\n"
"policy (attached by svmbench itself), interleaved, --repeat runs each way (default\n"
"15).  It prints the median ratio of their fault path times (the fastest\n"
"EXEC of each run) against a 1.03 limit for migrating faults (PASS/FAIL,\n"
"exit 1 on FAIL), the same for mapping faults, and the cost of one hook\n"
"call from the kernel's BPF statistics (kernel.bpf_stats_enabled=1).\n"
"\n"
"Options:\n"
"  -d, --device N   svm_ext device index, or hmm_dmirror index (default 0)\n"
"  -s, --size MIB   working set in MiB (default 32)\n"
"  -r, --repeat N   round trips; MB/s are medians (default 1; overhead:\n"
"                   runs each way, default 15)\n"
"      --to HOW     fault | explicit (alias prefetch, ioctl)\n"
"      --back HOW   fault | explicit\n"
"      --backing B  migration buffers: 4k (MADV_NOHUGEPAGE, default) or thp\n"
"                   (MADV_HUGEPAGE: 2 MiB THPs; the share that is THP is\n"
"                   reported, as is the share that comes back as THP)\n"
"  -j, --json       one JSON object instead of text\n"
"  -h, --help       this text\n"
"\n"
"Exit status: 0 ok, 1 the workload failed (data mismatch or ioctl error),\n"
"2 usage error, 3 no svm_emu (or test_hmm) device.\n");
}

static int parse_how(const char *opt, const char *s, enum move_how *how)
{
	if (!strcmp(s, "fault")) {
		*how = MOVE_FAULT;
	} else if (!strcmp(s, "explicit") || !strcmp(s, "prefetch") ||
		   !strcmp(s, "ioctl")) {
		*how = MOVE_EXPLICIT;
	} else {
		fprintf(stderr, "svmbench: %s %s: expected fault or explicit\n",
			opt, s);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "to", required_argument, NULL, 'T' },
		{ "back", required_argument, NULL, 'B' },
		{ "backing", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .device = 0, .size = 32 * MIB, .repeat = 0 };
	const struct workload *w = NULL;
	int c, backing_set = 0;
	char *end;
	size_t i;

	/* the policy matrix has its own options (suite.c) */
	if (argc > 1 && !strcmp(argv[1], "suite"))
		return cmd_suite(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "fit"))
		return cmd_fit(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "replay"))
		return cmd_replay(argc - 1, argv + 1);
	while ((c = getopt_long(argc, argv, "d:s:r:jh", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.device = strtoul(optarg, &end, 0);
			if (*end || o.device >= 8) {
				fprintf(stderr, "svmbench: --device %s: expected 0..7\n", optarg);
				return 2;
			}
			break;
		case 's':
			o.size = strtoul(optarg, &end, 0) * MIB;
			if (*end || !o.size || o.size > 65536 * MIB) {
				fprintf(stderr, "svmbench: --size %s: expected 1..65536 (MiB)\n", optarg);
				return 2;
			}
			break;
		case 'r':
			o.repeat = strtoul(optarg, &end, 0);
			if (*end || !o.repeat || o.repeat > 1000) {
				fprintf(stderr, "svmbench: --repeat %s: expected 1..1000\n", optarg);
				return 2;
			}
			break;
		case 'T':
			if (parse_how("--to", optarg, &o.to))
				return 2;
			break;
		case 'B':
			if (parse_how("--back", optarg, &o.back))
				return 2;
			break;
		case 'P':
			if (!strcmp(optarg, "thp")) {
				o.backing = BACKING_THP;
			} else if (!strcmp(optarg, "4k")) {
				o.backing = BACKING_4K;
			} else {
				fprintf(stderr, "svmbench: --backing %s: expected thp or 4k\n",
					optarg);
				return 2;
			}
			backing_set = 1;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
		if (!strcmp(argv[optind], workloads[i].name))
			w = &workloads[i];
	if (!w) {
		fprintf(stderr, "svmbench: unknown workload '%s' (", argv[optind]);
		for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
			fprintf(stderr, "%s%s", i ? ", " : "", workloads[i].name);
		fprintf(stderr, ")\n");
		return 2;
	}
	if ((o.to || o.back) && w->to == MOVE_DEFAULT) {
		fprintf(stderr, "svmbench: %s takes no --to/--back\n", w->name);
		return 2;
	}
	if (backing_set && w->run != wl_migrate && w->run != wl_migrate_hmm) {
		fprintf(stderr, "svmbench: %s takes no --backing\n", w->name);
		return 2;
	}
	if (w->explicit_only_to && o.to == MOVE_FAULT) {
		fprintf(stderr, "svmbench: %s: --to fault is not possible (the "
			"device cannot fault data in); use --to explicit\n", w->name);
		return 2;
	}
	if (!o.repeat)
		o.repeat = w->repeat;
	if (!o.to)
		o.to = w->to;
	if (!o.back)
		o.back = w->back;
	return w->run(&o);
}
