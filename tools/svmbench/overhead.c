// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench overhead: what a BPF policy costs on each path it hooks.
 *
 * The same workloads run with no policy (the built-in default decides) and
 * with the `default` BPF policy (which decides exactly the same, so both do
 * the same work: checked), interleaved in one session (A B B A A B ...: a
 * slow drift of the host weighs on both alike).  One workload per path a
 * hook sits on (enum ov_path): device faults that migrate (misses), map in
 * place, or find their page on the device already (hits: the mapping was
 * dropped, the data stayed); CPU faults that bring a chunk home; faults on
 * a full device, each of which evicts a chunk (the evict hook); hints (the
 * advise hook).  Each is timed in small pieces (PIECE_PAGES faults per
 * EXEC, one CPU fault, one eviction, ADVISE_PIECE hints); the figure per
 * sample is its fastest piece (see fault_sample()); the ratio is the median
 * over pairs, and every path is held to the same 3% limit.
 *
 * Beside it, the cost of one hook call as the kernel's BPF statistics see
 * it (kernel.bpf_stats_enabled=1: run_time_ns / run_cnt of the policy's
 * fault program), measured in a separate phase so that the statistics'
 * own clock reads do not weigh on the ratio.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "svm_user.h"
#include "workloads.h"

#define OVERHEAD_LIMIT 1.03
#define POLICY "default"
#define FAULT_PROG "default_fault"	/* the policy's fault program */
#define STATS_SYSCTL "/proc/sys/kernel/bpf_stats_enabled"
#define PAGE 4096UL

/* faults per EXEC: short enough that many run without host preemption */
#define PIECE_PAGES 64
/* hints per timed piece */
#define ADVISE_PIECE 64
#define CHUNK (2UL << 20)

/* The paths measured, each with the hook it runs. */
enum ov_path {
	OV_MIGRATE,	/* fault hook, miss: the page migrates */
	OV_MAP,		/* fault hook, miss: mapped in place */
	OV_RESIDENT,	/* fault hook, hit: the page is on the device */
	OV_CPU_FAULT,	/* cpu_fault hook: a chunk comes home */
	OV_EVICT,	/* evict hook: a fault on a full device */
	OV_ADVISE,	/* advise hook: a hint */
	OV_NPATHS,
};

static const struct {
	const char *name, *hook, *unit;
} ov_paths[OV_NPATHS] = {
	[OV_MIGRATE] = { "fault, migrate", "fault", "fault" },
	[OV_MAP] = { "fault, map", "fault", "fault" },
	[OV_RESIDENT] = { "fault, resident", "fault", "fault" },
	[OV_CPU_FAULT] = { "cpu fault", "cpu_fault", "fault" },
	[OV_EVICT] = { "evict", "evict", "eviction" },
	[OV_ADVISE] = { "advise", "advise", "hint" },
};

struct sample {
	struct drm_svm_emu_counters c;	/* summed over the pieces */
	uint64_t fastest_ns;		/* fastest piece, per unit */
	uint64_t total_ns;		/* all pieces */
	int data_ok;
	/* with prog set: its run_time_ns / run_cnt over each piece */
	__u32 prog;
	double *per_call;
	unsigned int n_per_call;
};

static int prog_stats(__u32 id, __u64 *run_ns, __u64 *cnt);

/*
 * One sample: a fresh buffer, filled by the CPU, its pages faulted one
 * fault each (granularity 4 KiB) by device checksums reading one word per
 * page, one EXEC per PIECE_PAGES pages.  Each fault migrates its page to
 * the device, or with @map_in_place (preferred location system memory)
 * maps it where it is: the cheapest fault there is, where a hook's share
 * is the largest.  Under TCG on a shared host the vCPU is preempted
 * for milliseconds at random, which swamps a few percent; a piece that ran
 * unpreempted shows the fault path's own cost, so the sample's figure is
 * its fastest piece (the kernel's clock around the EXEC).  With @path
 * OV_RESIDENT every page is first brought to the device (untimed) and the
 * device's mappings dropped (mprotect), so that each timed fault finds its
 * page on the device: a hit.  0, or -errno.
 */
static int fault_sample(int fd, size_t size, enum ov_path path,
			struct sample *s)
{
	int map_in_place = path == OV_MAP;
	size_t piece = PIECE_PAGES * PAGE, off;
	uint64_t *buf = map_chunk_aligned(size, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
	struct drm_svm_emu_counters c;
	uint64_t sum;
	int ret;

	if (buf == MAP_FAILED)
		return -errno;
	memset(&s->c, 0, sizeof(s->c));
	s->n_per_call = 0;
	s->fastest_ns = UINT64_MAX;
	s->total_ns = 0;
	s->data_ok = 1;
	fill_pattern(buf, size, 0x5eed);
	ret = emu_set_attr(fd, buf, size, SVM_EXT_ATTR_GRANULARITY, 0);
	if (!ret && map_in_place)
		ret = emu_set_attr(fd, buf, size, SVM_EXT_ATTR_PREFERRED_LOC,
				   SVM_EXT_LOC_SYSTEM);
	if (!ret && path == OV_RESIDENT) {
		ret = emu_exec1(fd, SVM_EMU_OP_CHECKSUM, buf, size, PAGE, 0,
				&sum, NULL);
		/* the device's mappings go, its pages stay */
		if (!ret && mprotect(buf, size, PROT_READ))
			ret = -errno;
	}
	for (off = 0; !ret && off + piece <= size; off += piece) {
		uint8_t *p = (uint8_t *)buf + off;
		__u64 ns0, cnt0, ns1, cnt1;

		if (s->prog)
			ret = prog_stats(s->prog, &ns0, &cnt0);
		if (!ret)
			ret = emu_exec1(fd, SVM_EMU_OP_CHECKSUM, p, piece, PAGE,
					0, &sum, &c);
		if (!ret && s->prog)
			ret = prog_stats(s->prog, &ns1, &cnt1);
		if (ret)
			break;
		if (s->prog && cnt1 > cnt0)
			s->per_call[s->n_per_call++] = (double)(ns1 - ns0) /
						       (cnt1 - cnt0);
		s->data_ok &= sum == cpu_checksum(p, piece, PAGE);
		s->c.faults += c.faults;
		s->c.pages_to_dev += c.pages_to_dev;
		s->c.remote_maps += c.remote_maps;
		s->c.modeled_ns += c.modeled_ns;
		s->c.real_ns += c.real_ns;
		s->total_ns += c.real_ns;
		if (c.real_ns / PIECE_PAGES < s->fastest_ns)
			s->fastest_ns = c.real_ns / PIECE_PAGES;
	}
	munmap(buf, size);
	return ret;
}

static uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sample_start(struct sample *s)
{
	memset(&s->c, 0, sizeof(s->c));
	s->n_per_call = 0;
	s->fastest_ns = UINT64_MAX;
	s->total_ns = 0;
	s->data_ok = 1;
}

static void sample_piece(struct sample *s, uint64_t ns, unsigned int units)
{
	s->total_ns += ns;
	if (ns / units < s->fastest_ns)
		s->fastest_ns = ns / units;
}

/*
 * CPU faults: a buffer the device filled (whole chunks on the device), then
 * the CPU reads one word per 2 MiB chunk, each a CPU fault that brings its
 * chunk home (the default's window, and the `default` policy's).  Each
 * fault is a piece, timed by the process's clock.
 */
static int cpu_fault_sample(int fd, size_t size, struct sample *s)
{
	volatile uint64_t *buf = map_chunk_aligned(size, PROT_READ | PROT_WRITE,
						   MAP_PRIVATE);
	long long pages0 = dev_counter(0, "cpu_fault_pages");
	size_t off;
	int ret;

	if (buf == MAP_FAILED)
		return -errno;
	sample_start(s);
	memset((void *)buf, 0, size);
	ret = emu_exec1(fd, SVM_EMU_OP_FILL, (void *)buf, size, 0, 0x5a, NULL,
			&s->c);
	for (off = 0; !ret && off < size; off += CHUNK) {
		uint64_t t0 = clock_ns(), w;

		w = buf[off / 8];
		sample_piece(s, clock_ns() - t0, 1);
		s->data_ok &= w == 0x5a5a5a5a5a5a5a5aULL;
	}
	/* what came home: compared between runs as the work done */
	s->c.pages_from_dev = dev_counter(0, "cpu_fault_pages") - pages0;
	s->c.real_ns = 0;
	munmap((void *)buf, size);
	return ret;
}

/*
 * Evictions: a buffer of twice the device's memory; the first half fills
 * the device (untimed), then each chunk of the second half is read by one
 * EXEC whose fault needs a chunk: the evict hook (or the built-in LRU)
 * names the least recently used, which goes home first.  Each EXEC is a
 * piece (one eviction and two 2 MiB copies: the hook's share is small).
 */
static int evict_sample(int fd, struct sample *s)
{
	long long total = read_ll(SVM_SYSFS "/devices/0/mem_total");
	size_t size = total > 0 ? 2 * (size_t)total : 0, off;
	uint8_t *buf;
	uint64_t sum;
	int ret = 0;

	if (!size)
		return -ENODEV;
	buf = map_chunk_aligned(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (buf == MAP_FAILED)
		return -errno;
	sample_start(s);
	fill_pattern((uint64_t *)buf, size, 0xe1c7);
	for (off = 0; !ret && off < size / 2; off += CHUNK)
		ret = emu_exec1(fd, SVM_EMU_OP_READ, buf + off, 8, 0, 0, NULL,
				NULL);
	for (off = size / 2; !ret && off < size; off += CHUNK) {
		struct drm_svm_emu_counters c;

		ret = emu_exec1(fd, SVM_EMU_OP_CHECKSUM, buf + off, 8, 0, 0,
				&sum, &c);
		if (ret)
			break;
		s->data_ok &= sum == cpu_checksum(buf + off, 8, 0);
		s->c.faults += c.faults;
		s->c.evictions += c.evictions;
		s->c.pages_to_dev += c.pages_to_dev;
		s->c.pages_evicted += c.pages_evicted;
		s->c.modeled_ns += c.modeled_ns;
		sample_piece(s, c.real_ns, 1);
	}
	munmap(buf, size);
	return ret;
}

/*
 * Hints: the preferred location of one mapped chunk set to system memory
 * and back to none, ADVISE_PIECE times per piece, each through the advise
 * hook.
 */
static int advise_sample(int fd, struct sample *s)
{
	void *buf = map_chunk_aligned(CHUNK, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE);
	unsigned int piece, i;
	int ret = 0;

	if (buf == MAP_FAILED)
		return -errno;
	sample_start(s);
	memset(buf, 1, CHUNK);
	for (piece = 0; !ret && piece < 16; piece++) {
		uint64_t t0 = clock_ns();

		for (i = 0; !ret && i < ADVISE_PIECE; i++)
			ret = emu_set_attr(fd, buf, CHUNK,
					   SVM_EXT_ATTR_PREFERRED_LOC,
					   i % 2 ? SVM_EXT_LOC_NONE :
					   SVM_EXT_LOC_SYSTEM);
		if (!ret)
			sample_piece(s, clock_ns() - t0, ADVISE_PIECE);
	}
	munmap(buf, CHUNK);
	return ret;
}

static int one_sample(int fd, size_t size, enum ov_path path,
		      struct sample *s)
{
	switch (path) {
	case OV_CPU_FAULT:
		return cpu_fault_sample(fd, size, s);
	case OV_EVICT:
		return evict_sample(fd, s);
	case OV_ADVISE:
		return advise_sample(fd, s);
	default:
		return fault_sample(fd, size, path, s);
	}
}

/* libbpf's warnings, less the one about the policy's description section */
static int libbpf_warn(enum libbpf_print_level level, const char *fmt,
		       va_list ap)
{
	if (level != LIBBPF_WARN || strstr(fmt, "unrecognized data section"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/*
 * Attach (@load) or detach the policy, in this process with libbpf: the
 * program under test is the policy alone (svmctl load would also start
 * its statistics collector, whose tracepoint programs are another cost).
 * 0, or -errno.
 */
static int policy(int load)
{
	static struct bpf_object *obj;
	static struct bpf_link *link;
	char path[4096], st[32], *tests;
	struct bpf_map *m, *ops = NULL;
	int err, i;

	if (!load) {
		bpf_link__destroy(link);
		bpf_object__close(obj);
		link = NULL;
		obj = NULL;
		/* the link goes after an RCU grace period and a work item */
		for (i = 0; i < 500; i++) {
			if (!read_str(SVM_SYSFS "/state", st, sizeof(st)) &&
			    !strcmp(st, "disabled"))
				return 0;
			usleep(10000);
		}
		return -ETIMEDOUT;
	}
	libbpf_set_print(libbpf_warn);
	/* build/bpf/tests/POLICY.bpf.o -> build/bpf/POLICY.bpf.o */
	snprintf(path, sizeof(path), "%s", test_bpf_obj(POLICY));
	tests = strstr(path, "/tests/");
	if (!tests)
		return -ENOENT;
	memmove(tests, tests + 6, strlen(tests + 6) + 1);
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return -errno;
	err = bpf_object__load(obj);
	bpf_object__for_each_map(m, obj)
		if (bpf_map__type(m) == BPF_MAP_TYPE_STRUCT_OPS)
			ops = m;
	if (!err && !ops)
		err = -ENOENT;
	if (!err) {
		link = bpf_map__attach_struct_ops(ops);
		if (!link)
			err = -errno;
	}
	if (err) {
		bpf_object__close(obj);
		obj = NULL;
	}
	return err;
}

/* The id of the newest loaded struct_ops program named FAULT_PROG, or 0. */
static __u32 find_fault_prog(void)
{
	__u32 id = 0, found = 0;

	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_prog_get_info_by_fd(fd, &info, &len) &&
		    info.type == BPF_PROG_TYPE_STRUCT_OPS &&
		    !strcmp(info.name, FAULT_PROG))
			found = id;
		close(fd);
	}
	return found;
}

static int prog_stats(__u32 id, __u64 *run_ns, __u64 *cnt)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id), err;

	if (fd < 0)
		return -errno;
	err = bpf_prog_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (err)
		return err;
	*run_ns = info.run_time_ns;
	*cnt = info.run_cnt;
	return 0;
}

static int write_sysctl(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fputs(val, f) < 0)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

struct hook_cost {
	__u64 calls, run_ns;
	double ns_per_call;	/* median over EXECs */
	double mean_ns;		/* over all calls */
	int ok;
};

/*
 * Phase 2: the policy loaded, statistics on, @n samples; the fault
 * program's run_time_ns / run_cnt over them.
 */
/*
 * Phase 2: the policy loaded, statistics on, @n samples; the fault
 * program's run_time_ns / run_cnt over each EXEC of PIECE_PAGES faults,
 * median over them (a preempted vCPU inflates a few), and over all.
 */
static int measure_hook(int fd, size_t size, unsigned int n,
			struct hook_cost *h, __u64 *faults)
{
	unsigned int per_sample = size / (PIECE_PAGES * PAGE), i, m = 0;
	double *v = calloc(n * per_sample + 1, sizeof(double));
	struct sample s = { .per_call = v };
	char old[16] = "0";
	__u64 ns0, cnt0, ns1, cnt1;
	int ret;

	memset(h, 0, sizeof(*h));
	*faults = 0;
	if (!v)
		return -ENOMEM;
	ret = -ENOENT;
	if (read_str(STATS_SYSCTL, old, sizeof(old)))
		goto free;
	ret = -EIO;
	if (policy(1))
		goto free;
	ret = -ESRCH;
	s.prog = find_fault_prog();
	if (!s.prog)
		goto out;
	ret = write_sysctl(STATS_SYSCTL, "1");
	if (ret)
		goto out;
	ret = prog_stats(s.prog, &ns0, &cnt0);
	for (i = 0; i < n && !ret; i++) {
		s.per_call = v + m;
		ret = one_sample(fd, size, OV_MIGRATE, &s);
		*faults += s.c.faults;
		m += s.n_per_call;
	}
	if (!ret)
		ret = prog_stats(s.prog, &ns1, &cnt1);
	write_sysctl(STATS_SYSCTL, old);
	if (!ret && cnt1 > cnt0 && m) {
		h->calls = cnt1 - cnt0;
		h->run_ns = ns1 - ns0;
		h->mean_ns = (double)h->run_ns / h->calls;
		h->ns_per_call = median(v, m);
		h->ok = 1;
	}
out:
	policy(0);
free:
	free(v);
	return ret;
}

static int same_work(const struct drm_svm_emu_counters *a,
		     const struct drm_svm_emu_counters *b)
{
	return a->faults == b->faults && a->pages_to_dev == b->pages_to_dev &&
	       a->remote_maps == b->remote_maps &&
	       a->modeled_ns == b->modeled_ns &&
	       a->evictions == b->evictions &&
	       a->pages_from_dev == b->pages_from_dev;
}

/* Per path: the samples of each pair, and what every run did. */
struct kind {
	enum ov_path path;
	double *none, *dflt, *none_all, *dflt_all, *ratio;
	struct drm_svm_emu_counters ref;
	int same, data_ok;
	double per_unit_none, per_unit_dflt, run_none, run_dflt, med_ratio;
};

static void kind_summary(struct kind *kd, unsigned int pairs)
{
	for (unsigned int i = 0; i < pairs; i++)
		kd->ratio[i] = kd->dflt[i] / kd->none[i];
	kd->med_ratio = median(kd->ratio, pairs);
	kd->per_unit_none = median(kd->none, pairs);
	kd->per_unit_dflt = median(kd->dflt, pairs);
	kd->run_none = median(kd->none_all, pairs);
	kd->run_dflt = median(kd->dflt_all, pairs);
}

static void kind_json(const struct kind *kd)
{
	printf("{\"path\":\"%s\",\"hook\":\"%s\",\"unit\":\"%s\","
	       "\"faults_per_run\":%llu,\"pages_to_dev_per_run\":%llu,"
	       "\"remote_maps_per_run\":%llu,\"evictions_per_run\":%llu,"
	       "\"none_ns_per_unit\":%.0f,\"default_ns_per_unit\":%.0f,"
	       "\"none_run_ns\":%.0f,\"default_run_ns\":%.0f,\"ratio\":%.4f,"
	       "\"same_work\":%s,\"data_ok\":%s}",
	       ov_paths[kd->path].name, ov_paths[kd->path].hook,
	       ov_paths[kd->path].unit, (unsigned long long)kd->ref.faults,
	       (unsigned long long)kd->ref.pages_to_dev,
	       (unsigned long long)kd->ref.remote_maps,
	       (unsigned long long)kd->ref.evictions, kd->per_unit_none,
	       kd->per_unit_dflt, kd->run_none, kd->run_dflt, kd->med_ratio,
	       kd->same ? "true" : "false", kd->data_ok ? "true" : "false");
}

int wl_overhead(const struct opts *o)
{
	struct kind kinds[OV_NPATHS];
	unsigned int pairs = o->repeat, n = 2 * pairs, k, got_none = 0, got_dflt = 0;
	int fd, ret, loaded = 0, pass = 1, j, collector;
	char state[32] = "?";
	struct hook_cost h;
	struct sample s = { 0 }, warm = { 0 };
	__u64 hook_faults;

	memset(kinds, 0, sizeof(kinds));
	for (j = 0; j < OV_NPATHS; j++) {
		kinds[j].path = j;
		kinds[j].same = kinds[j].data_ok = 1;
		kinds[j].none = calloc(pairs, sizeof(double));
		kinds[j].dflt = calloc(pairs, sizeof(double));
		kinds[j].none_all = calloc(pairs, sizeof(double));
		kinds[j].dflt_all = calloc(pairs, sizeof(double));
		kinds[j].ratio = calloc(pairs, sizeof(double));
		if (!kinds[j].none || !kinds[j].dflt || !kinds[j].none_all ||
		    !kinds[j].dflt_all || !kinds[j].ratio)
			return 1;
	}
	ret = open_bound(o, &fd);
	if (ret)
		return ret;
	if (access(STATS_SYSCTL, W_OK) || geteuid()) {
		fprintf(stderr, "svmbench: overhead needs root (it loads a policy "
			"and sets kernel.bpf_stats_enabled)\n");
		return 1;
	}
	if (read_str(SVM_SYSFS "/state", state, sizeof(state)) ||
	    strcmp(state, "disabled")) {
		fprintf(stderr, "svmbench: overhead needs no policy attached "
			"(state: %s); svmctl unload first\n", state);
		return 1;
	}

	/* svmctl's statistics collector: tracepoint programs, if it runs */
	collector = !access("/sys/fs/bpf/svm_ext/stats", F_OK);

	/*
	 * A B B A A B B A ...: sample k belongs to pair k / 2; the policy is
	 * loaded for B.  After every change, one untimed warm-up sample.
	 */
	for (k = 0; k < n; k++) {
		int want_b = (k % 4 == 1 || k % 4 == 2);

		if (want_b != loaded) {
			if (policy(want_b)) {
				fprintf(stderr, "svmbench: %s " POLICY " failed\n",
					want_b ? "attaching" : "detaching");
				ret = 1;
				goto out;
			}
			loaded = want_b;
			ret = one_sample(fd, o->size / 8, OV_MIGRATE, &warm);
			if (ret)
				goto exec_failed;
		}
		for (j = 0; j < OV_NPATHS; j++) {
			struct kind *kd = &kinds[j];

			ret = one_sample(fd, o->size, kd->path, &s);
			if (ret)
				goto exec_failed;
			kd->data_ok &= s.data_ok;
			if (!k)
				kd->ref = s.c;
			kd->same &= same_work(&kd->ref, &s.c);
			if (want_b) {
				kd->dflt[got_dflt] = s.fastest_ns;
				kd->dflt_all[got_dflt] = s.total_ns;
			} else {
				kd->none[got_none] = s.fastest_ns;
				kd->none_all[got_none] = s.total_ns;
			}
		}
		if (want_b)
			got_dflt++;
		else
			got_none++;
	}
	if (loaded && policy(0)) {
		fprintf(stderr, "svmbench: detaching " POLICY " failed\n");
		ret = 1;
		goto out;
	}
	loaded = 0;
	for (j = 0; j < OV_NPATHS; j++) {
		kind_summary(&kinds[j], pairs);
		pass &= kinds[j].med_ratio <= OVERHEAD_LIMIT &&
			kinds[j].data_ok && kinds[j].same;
	}

	ret = measure_hook(fd, o->size, pairs < 3 ? pairs : 3, &h, &hook_faults);
	if (ret)
		fprintf(stderr, "svmbench: hook cost not measured: %s\n",
			strerror(-ret));

	if (o->json) {
		printf("{\"workload\":\"overhead\",\"policy\":\"" POLICY "\","
		       "\"size\":%zu,\"pairs\":%u,\"faults_per_exec\":%d,"
		       "\"limit\":%.2f,\"collector\":%s,\"paths\":[",
		       o->size, pairs, PIECE_PAGES, OVERHEAD_LIMIT,
		       collector ? "true" : "false");
		for (j = 0; j < OV_NPATHS; j++) {
			printf("%s", j ? "," : "");
			kind_json(&kinds[j]);
		}
		printf("],\"hook_calls\":%llu,\"hook_faults\":%llu,\"hook_ns\":%.1f,"
		       "\"hook_mean_ns\":%.1f,\"pass\":%s}\n",
		       (unsigned long long)h.calls,
		       (unsigned long long)hook_faults,
		       h.ok ? h.ns_per_call : -1.0, h.ok ? h.mean_ns : -1.0,
		       pass ? "true" : "false");
	} else {
		printf("overhead of the '" POLICY "' BPF policy beside the built-in default, per hook\n");
		printf("  %zu MiB per fault run (one fault per 4 KiB page, %d per EXEC), a CPU fault\n"
		       "  per 2 MiB, an eviction per fault on a full device, %d hints per piece;\n"
		       "  %u runs each way, interleaved (A B B A ...); svmctl's collector %s\n",
		       o->size >> 20, PIECE_PAGES, ADVISE_PIECE, pairs,
		       collector ? "running (on both sides)" : "not running");
		printf("\n  %-16s %-10s %12s %12s %8s %12s %s\n", "path", "hook",
		       "none us", POLICY " us", "ratio", "run ratio", "");
		printf("  %-16s %-10s %12s %12s %8s %12s\n", "", "",
		       "(per unit,", "fastest", "(median", "(all pieces,");
		printf("  %-16s %-10s %12s %12s %8s %12s\n", "", "",
		       "piece)", "piece)", "of pairs)", "median)");
		for (j = 0; j < OV_NPATHS; j++) {
			struct kind *kd = &kinds[j];

			printf("  %-16s %-10s %12.2f %12.2f %8.4f %12.4f %s\n",
			       ov_paths[j].name, ov_paths[j].hook,
			       kd->per_unit_none / 1e3, kd->per_unit_dflt / 1e3,
			       kd->med_ratio, kd->run_dflt / kd->run_none,
			       kd->med_ratio <= OVERHEAD_LIMIT ? "PASS" : "FAIL");
		}
		printf("\n  limit %.2f on every path: %s\n", OVERHEAD_LIMIT,
		       pass ? "PASS" : "FAIL");
		if (h.ok)
			printf("  fault hook call: %.0f ns (run_time_ns/run_cnt, kernel.bpf_stats_enabled=1;\n"
			       "  median of EXECs of %d calls; mean %.0f ns over all %llu calls for %llu faults):\n"
			       "  %.1f%% of a migrating fault, %.1f%% of a mapping one\n",
			       h.ns_per_call, PIECE_PAGES, h.mean_ns,
			       (unsigned long long)h.calls,
			       (unsigned long long)hook_faults,
			       100.0 * h.ns_per_call / kinds[OV_MIGRATE].per_unit_none,
			       100.0 * h.ns_per_call / kinds[OV_MAP].per_unit_none);
		else
			printf("  fault hook call: not measured\n");
		for (j = 0; j < OV_NPATHS; j++) {
			if (!kinds[j].same)
				printf("  FAIL: %s: the runs did not all do the same work (counters differ)\n",
				       ov_paths[j].name);
			if (!kinds[j].data_ok)
				printf("  FAIL: %s: the data read back did not match\n",
				       ov_paths[j].name);
		}
	}
	ret = pass ? 0 : 1;
	goto out;

exec_failed:
	fprintf(stderr, "svmbench: overhead run: %s\n", strerror(-ret));
	ret = 1;
out:
	if (loaded)
		policy(0);
	close(fd);
	for (j = 0; j < OV_NPATHS; j++) {
		free(kinds[j].none);
		free(kinds[j].dflt);
		free(kinds[j].none_all);
		free(kinds[j].dflt_all);
		free(kinds[j].ratio);
	}
	return ret;
}
