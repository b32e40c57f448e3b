// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench: workloads on the emulated GPUs, with deterministic counters
 * (faults, pages moved, remote maps, modeled device time) beside real time.
 *
 *   svmbench [--device N] [--size MIB] [--json] WORKLOAD
 *
 * Workloads:
 *   writeback   the GPU writes SIZE MiB, then the CPU reads it all back
 *   migrate     SIZE MiB to the device and back, MB/s beside a CPU memcpy
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "svm_user.h"

struct opts {
	unsigned int device;
	size_t size;
	int json;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: svmbench [OPTIONS] WORKLOAD\n"
"\n"
"Run a workload on an emulated GPU (svm_emu) and report what the svm_ext\n"
"core did: device faults, pages migrated each way, remote maps, modeled\n"
"device time (the device's cost model) and real time.\n"
"\n"
"Workloads:\n"
"  writeback   the GPU writes SIZE MiB, then the CPU reads it back\n"
"  migrate     SIZE MiB to the device and back; MB/s beside a CPU memcpy\n"
"\n"
"Options:\n"
"  -d, --device N   svm_ext device index (default 0)\n"
"  -s, --size MIB   working set in MiB (default 32)\n"
"  -j, --json       one JSON object instead of text\n"
"  -h, --help       this text\n"
"\n"
"Exit status: 0 ok, 1 the workload failed (data mismatch or ioctl error),\n"
"2 usage error, 3 no svm_emu device.\n");
}

static int open_bound(const struct opts *o, int *fd)
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

static int wl_writeback(const struct opts *o)
{
	struct drm_svm_emu_counters c;
	long long cpu0 = dev_counter(o->device, "cpu_faults");
	double t0, t_dev, t_cpu;
	uint64_t *buf;
	long bad;
	int fd, ret;

	ret = open_bound(o, &fd);
	if (ret)
		return ret;
	buf = mmap(NULL, o->size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 1;
	t0 = now_s();
	ret = emu_exec1(fd, SVM_EMU_OP_WRITE, buf, o->size, 0, 1, NULL, &c);
	t_dev = now_s() - t0;
	if (ret) {
		fprintf(stderr, "svmbench: exec: %s\n", strerror(-ret));
		return 1;
	}
	t0 = now_s();
	bad = check_pattern(buf, o->size, 1);
	t_cpu = now_s() - t0;
	if (o->json) {
		printf("{\"workload\":\"writeback\",\"size\":%zu,\"faults\":%llu,"
		       "\"pages_to_dev\":%llu,\"pages_from_dev\":%llu,"
		       "\"remote_maps\":%llu,\"evictions\":%llu,"
		       "\"modeled_ns\":%llu,\"real_ns\":%llu,\"cpu_faults\":%lld,"
		       "\"data_ok\":%s}\n", o->size,
		       (unsigned long long)c.faults,
		       (unsigned long long)c.pages_to_dev,
		       (unsigned long long)c.pages_from_dev,
		       (unsigned long long)c.remote_maps,
		       (unsigned long long)c.evictions,
		       (unsigned long long)c.modeled_ns,
		       (unsigned long long)c.real_ns,
		       dev_counter(o->device, "cpu_faults") - cpu0,
		       bad < 0 ? "true" : "false");
	} else {
		printf("  GPU write %zu MiB: %llu faults, %llu pages to device, "
		       "%llu remote maps, modeled %.3f ms, real %.3f s\n",
		       o->size >> 20, (unsigned long long)c.faults,
		       (unsigned long long)c.pages_to_dev,
		       (unsigned long long)c.remote_maps, c.modeled_ns / 1e6,
		       t_dev);
		printf("  CPU read back: %lld CPU faults on device memory, %.3f s, "
		       "data %s\n", dev_counter(o->device, "cpu_faults") - cpu0,
		       t_cpu, bad < 0 ? "intact" : "CORRUPT");
	}
	munmap(buf, o->size);
	close(fd);
	return bad < 0 ? 0 : 1;
}

static int wl_migrate(const struct opts *o)
{
	double t0, t_to, t_back, t_copy;
	uint64_t *buf, *dst, sum;
	long bad;
	int fd, ret;

	ret = open_bound(o, &fd);
	if (ret)
		return ret;
	buf = mmap(NULL, o->size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	dst = mmap(NULL, o->size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED || dst == MAP_FAILED)
		return 1;
	fill_pattern(buf, o->size, 17);
	t0 = now_s();
	memcpy(dst, buf, o->size);
	t_copy = now_s() - t0;

	/* to the device: a one-word-per-page strided read faults it all in */
	t0 = now_s();
	ret = emu_exec1(fd, SVM_EMU_OP_READ, buf, o->size, 4096, 0, NULL, NULL);
	t_to = now_s() - t0;
	if (ret)
		return 1;
	/* back: the CPU touches one word per page */
	t0 = now_s();
	sum = 0;
	for (size_t i = 0; i < o->size / 8; i += 512)
		sum += ((volatile uint64_t *)buf)[i];
	t_back = now_s() - t0;
	bad = check_pattern(buf, o->size, 17);
	(void)sum;
	if (o->json)
		printf("{\"workload\":\"migrate\",\"size\":%zu,\"to_dev_mbps\":%.1f,"
		       "\"to_sys_mbps\":%.1f,\"memcpy_mbps\":%.1f,\"data_ok\":%s}\n",
		       o->size, o->size / t_to / 1e6, o->size / t_back / 1e6,
		       o->size / t_copy / 1e6, bad < 0 ? "true" : "false");
	else
		printf("  %zu MiB: to device %.1f MB/s, back %.1f MB/s, memcpy %.1f MB/s "
		       "(ratios %.2fx, %.2fx), data %s\n", o->size >> 20,
		       o->size / t_to / 1e6, o->size / t_back / 1e6,
		       o->size / t_copy / 1e6, t_copy / t_to, t_copy / t_back,
		       bad < 0 ? "intact" : "CORRUPT");
	munmap(buf, o->size);
	munmap(dst, o->size);
	close(fd);
	return bad < 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .device = 0, .size = 32 * MIB };
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "d:s:jh", lo, NULL)) != -1) {
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
	if (!strcmp(argv[optind], "writeback"))
		return wl_writeback(&o);
	if (!strcmp(argv[optind], "migrate"))
		return wl_migrate(&o);
	fprintf(stderr, "svmbench: unknown workload '%s' (writeback, migrate)\n",
		argv[optind]);
	return 2;
}
