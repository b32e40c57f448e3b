// SPDX-License-Identifier: GPL-2.0
/*
 * svmbench runner: performs a plan's steps on svm_emu devices.
 *
 * Counts come from each device's sysfs counters, read before and after the
 * steps (the benchmark is alone on the devices: make bench runs it in its
 * own VM); they include what EXEC's per-call counters cannot see, like the
 * pages CPU faults bring home.  Modeled device and throttle time are summed
 * from EXEC.  The CPU's modeled time is charged here, by the devices' cost
 * parameters (kernel/emu/cost.c, DOC: Cost model): each CPU fault on device
 * memory and the pages it brought home (counters cpu_faults and
 * cpu_fault_pages of the faulting device), and each page a CPU step touches
 * in system memory.  Consecutive device steps of one agent go down in one
 * EXEC.
 *
 * A plan's second process (the second tenant) is a forked child serving
 * "run steps [i, j)" requests over a pipe, so the two processes take turns
 * exactly as the plan says.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "svm_user.h"
#include "runner.h"

_Static_assert(PLAN_LOC_SYSTEM == SVM_EXT_LOC_SYSTEM &&
	       PLAN_LOC_NONE == SVM_EXT_LOC_NONE, "plan.h locations");

struct buf {
	char *base;		/* 2 MiB aligned */
	size_t len;
};

struct proc_state {
	unsigned int proc;
	int fd[PLAN_MAX_DEVS];
	struct buf bufs[PLAN_MAX_BUFS];
	struct drm_svm_emu_access acc[SVM_EMU_EXEC_MAX_ACCESSES];
};

/* What a batch of steps reports back (over the pipe, for the child). */
struct batch_out {
	int ret;
	uint64_t modeled_ns, throttle_ns;
};

struct dev_counters {
	long long faults, cpu_faults, cpu_fault_pages, pages_in, pages_out,
		  evictions, pages_evicted, remote_maps;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint32_t dev_chunks(unsigned int dev)
{
	char path[128];
	long long v;

	snprintf(path, sizeof(path), SVM_SYSFS "/devices/%u/mem_total", dev);
	v = read_ll(path);
	return v > 0 ? (uint32_t)(v / PLAN_CHUNK_SIZE) : 0;
}

int dev_rates(unsigned int dev, struct opt_rates *c)
{
	static const char *const names[] = {
		"local_mbps", "host_mbps", "peer_mbps", "h2d_mbps", "d2h_mbps",
		"evict_ns", "launch_ns", "cpu_fault_ns", "cpu_fault_mbps",
		"cpu_mbps", "fault_ns",
	};
	uint64_t *fields[] = {
		&c->local_mbps, &c->host_mbps, &c->peer_mbps, &c->h2d_mbps,
		&c->d2h_mbps, &c->evict_ns, &c->launch_ns, &c->cpu_fault_ns,
		&c->cpu_fault_mbps, &c->cpu_mbps, &c->fault_ns,
	};
	char dir[96], path[128];
	size_t i;
	int ret = emu_cost_dir(dev, dir, sizeof(dir));

	if (ret)
		return ret;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		long long v;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		v = read_ll(path);
		if (v < 0)
			return -ENOENT;
		*fields[i] = v;
	}
	return 0;
}

static int read_counters(unsigned int dev, struct dev_counters *c)
{
	long long f[3];

	f[0] = dev_counter(dev, "faults_read");
	f[1] = dev_counter(dev, "faults_write");
	f[2] = dev_counter(dev, "faults_atomic");
	c->cpu_faults = dev_counter(dev, "cpu_faults");
	c->cpu_fault_pages = dev_counter(dev, "cpu_fault_pages");
	c->pages_in = dev_counter(dev, "pages_to_dev");
	c->pages_out = dev_counter(dev, "pages_from_dev");
	c->evictions = dev_counter(dev, "evictions");
	c->pages_evicted = dev_counter(dev, "pages_evicted");
	c->remote_maps = dev_counter(dev, "remote_maps");
	if (f[0] < 0 || f[1] < 0 || f[2] < 0 || c->cpu_faults < 0 ||
	    c->cpu_fault_pages < 0 ||
	    c->pages_in < 0 || c->pages_out < 0 || c->evictions < 0 ||
	    c->pages_evicted < 0 || c->remote_maps < 0) {
		fprintf(stderr, "svmbench: cannot read the counters of device %u\n", dev);
		return -EIO;
	}
	c->faults = f[0] + f[1] + f[2];
	return 0;
}

static int map_bufs(const struct plan *p, struct proc_state *ps)
{
	unsigned int b;

	for (b = 0; b < p->nbufs; b++) {
		size_t len = (size_t)p->buf_chunks[b] * PLAN_CHUNK_SIZE, i;
		char *base;

		if (p->buf_proc[b] != ps->proc)
			continue;
		/* chunk-aligned, so buffer chunks are the core's chunks */
		base = map_chunk_aligned(len, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
		if (base == MAP_FAILED)
			return -errno;
		/* THP would change what a fault moves from run to run */
		madvise(base, len, MADV_NOHUGEPAGE);
		for (i = 0; i < len; i += PLAN_PAGE_SIZE)
			*(uint64_t *)(base + i) = i;
		ps->bufs[b] = (struct buf){ base, len };
	}
	return 0;
}

static void unmap_bufs(struct proc_state *ps)
{
	unsigned int b;

	for (b = 0; b < PLAN_MAX_BUFS; b++)
		if (ps->bufs[b].base)
			munmap(ps->bufs[b].base, ps->bufs[b].len);
	memset(ps->bufs, 0, sizeof(ps->bufs));
}

static int open_devs(unsigned int mask, struct proc_state *ps)
{
	unsigned int d;
	int ret;

	for (d = 0; d < PLAN_MAX_DEVS; d++) {
		ps->fd[d] = -1;
		if (!(mask & (1u << d)))
			continue;
		ps->fd[d] = emu_open(d);
		if (ps->fd[d] < 0) {
			fprintf(stderr, "svmbench: no svm_emu device %u\n", d);
			return -ENODEV;
		}
		ret = emu_bind(ps->fd[d]);
		if (ret) {
			fprintf(stderr, "svmbench: bind device %u: %s\n", d,
				strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static void close_devs(struct proc_state *ps)
{
	unsigned int d;

	for (d = 0; d < PLAN_MAX_DEVS; d++)
		if (ps->fd[d] >= 0)
			close(ps->fd[d]);
}

/* Set each buffer's advice (only attributes that differ from the default). */
static int advise_bufs(const struct plan *p, struct proc_state *ps)
{
	int fd = ps->fd[0] >= 0 ? ps->fd[0] : ps->fd[1];
	unsigned int b;
	int ret = 0;

	for (b = 0; b < p->nbufs && !ret; b++) {
		const struct plan_advice *a = &p->advice[b];
		struct buf *bf = &ps->bufs[b];

		if (!a->set || p->buf_proc[b] != ps->proc)
			continue;
		if (a->preferred != PLAN_LOC_NONE)
			ret = emu_set_attr(fd, bf->base, bf->len,
					   SVM_EXT_ATTR_PREFERRED_LOC, a->preferred);
		if (!ret && a->accessed_by)
			ret = emu_set_attr(fd, bf->base, bf->len,
					   SVM_EXT_ATTR_ACCESSED_BY, a->accessed_by);
		if (!ret && a->read_mostly)
			ret = emu_set_attr(fd, bf->base, bf->len,
					   SVM_EXT_ATTR_READ_MOSTLY, 1);
	}
	if (ret)
		fprintf(stderr, "svmbench: %s: setting advice: %s\n", p->name,
			strerror(-ret));
	return ret;
}

/* The CPU touches one word per page: reads it, or adds to it. */
static void cpu_step(const struct plan_step *s, char *addr)
{
	uint32_t i;

	for (i = 0; i < s->npages; i++) {
		volatile uint64_t *w = (uint64_t *)(addr + (size_t)i * PLAN_PAGE_SIZE);

		if (s->op == OP_WRITE)
			*w += 1;
		else
			(void)*w;
	}
}

/* Steps [i, j) of one process and agent. */
static struct batch_out run_batch(const struct plan *p, struct proc_state *ps,
				  size_t i, size_t j)
{
	const struct plan_step *s = &p->steps[i];
	struct batch_out out = { 0 };
	struct drm_svm_emu_counters c;
	size_t k;

	if (s->agent == AG_CPU) {
		for (k = i; k < j; k++)
			cpu_step(&p->steps[k], ps->bufs[p->steps[k].buf].base +
				 (size_t)p->steps[k].page * PLAN_PAGE_SIZE);
		return out;
	}
	for (k = i; k < j; k++) {
		s = &p->steps[k];
		ps->acc[k - i] = (struct drm_svm_emu_access){
			.op = s->op == OP_WRITE ? SVM_EMU_OP_WRITE : SVM_EMU_OP_READ,
			.addr = (uintptr_t)(ps->bufs[s->buf].base +
					    (size_t)s->page * PLAN_PAGE_SIZE),
			.length = (uint64_t)s->npages * PLAN_PAGE_SIZE,
			.stride = s->stride,
			.value = k,
		};
	}
	out.ret = emu_exec(ps->fd[s->agent - AG_DEV0], ps->acc, j - i, &c);
	out.modeled_ns = c.modeled_ns;
	out.throttle_ns = c.throttle_ns;
	return out;
}

static size_t batch_end(const struct plan *p, size_t i)
{
	const struct plan_step *s = &p->steps[i];
	size_t j = i + 1;

	while (j < p->nsteps && j - i < SVM_EMU_EXEC_MAX_ACCESSES &&
	       p->steps[j].proc == s->proc && p->steps[j].agent == s->agent)
		j++;
	return j;
}

struct child {
	pid_t pid;
	int req, rsp;	/* pipes: to it, from it */
};

static int xread(int fd, void *buf, size_t len)
{
	char *b = buf;

	while (len) {
		ssize_t n = read(fd, b, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		b += n;
		len -= n;
	}
	return 0;
}

static int xwrite(int fd, const void *buf, size_t len)
{
	const char *b = buf;

	while (len) {
		ssize_t n = write(fd, b, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		b += n;
		len -= n;
	}
	return 0;
}

/* The second process: set up, say ready (0 or -errno), serve batches. */
static void child_main(const struct plan *p, int req, int rsp)
{
	static struct proc_state ps = { .proc = 1 };
	struct batch_out out = { 0 };
	uint64_t range[2];

	out.ret = open_devs(1, &ps);
	if (!out.ret)
		out.ret = map_bufs(p, &ps);
	if (xwrite(rsp, &out, sizeof(out)) || out.ret)
		_exit(1);
	while (!xread(req, range, sizeof(range)) && range[0] < range[1]) {
		out = run_batch(p, &ps, range[0], range[1]);
		if (xwrite(rsp, &out, sizeof(out)))
			break;
	}
	_exit(0);
}

static int child_start(const struct plan *p, struct child *ch)
{
	struct batch_out ready;
	int a[2], b[2];

	if (pipe(a) || pipe(b))
		return -errno;
	fflush(NULL);
	ch->pid = fork();
	if (ch->pid < 0)
		return -errno;
	if (!ch->pid) {
		close(a[1]);
		close(b[0]);
		child_main(p, a[0], b[1]);
	}
	close(a[0]);
	close(b[1]);
	ch->req = a[1];
	ch->rsp = b[0];
	if (xread(ch->rsp, &ready, sizeof(ready)))
		return -EPIPE;
	return ready.ret;
}

static void child_stop(struct child *ch)
{
	uint64_t stop[2] = { 0, 0 };

	if (ch->pid <= 0)
		return;
	if (xwrite(ch->req, stop, sizeof(stop)))
		kill(ch->pid, SIGKILL);
	close(ch->req);
	close(ch->rsp);
	waitpid(ch->pid, NULL, 0);
	ch->pid = 0;
}

/* A run starts on empty devices: wait for the last run's memory to go. */
static int wait_devices_idle(unsigned int mask)
{
	unsigned int d, tries;

	for (d = 0; d < PLAN_MAX_DEVS; d++) {
		if (!(mask & (1u << d)))
			continue;
		for (tries = 0; dev_mem_used(d) != 0; tries++) {
			if (tries == 100) {
				fprintf(stderr, "svmbench: device %u still holds %lld bytes\n",
					d, dev_mem_used(d));
				return -EBUSY;
			}
			usleep(50000);
		}
	}
	return 0;
}

static uint64_t bytes_ns(uint64_t bytes, uint64_t mbps)
{
	return mbps ? bytes * 1000 / mbps : 0;
}

/* Pages the plan's CPU steps touch (one word each: cpu_step()). */
static uint64_t plan_cpu_pages(const struct plan *p)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < p->nsteps; i++)
		if (p->steps[i].agent == AG_CPU)
			n += p->steps[i].npages;
	return n;
}

/*
 * The CPU side of the cost model: faults on device memory and what they
 * moved, at each faulting device's rates; touches of system memory at
 * device 0's (the figures are the host's, the same on every device).
 */
static int cpu_cost(const struct dev_counters *before,
		    const struct dev_counters *after, unsigned int mask,
		    struct run_result *res)
{
	struct opt_rates c;
	unsigned int d;
	int ret;

	for (d = 0; d < PLAN_MAX_DEVS; d++) {
		uint64_t faults, pages;

		if (!(mask & (1u << d)))
			continue;
		ret = dev_rates(d, &c);
		if (ret)
			return ret;
		faults = after[d].cpu_faults - before[d].cpu_faults;
		pages = after[d].cpu_fault_pages - before[d].cpu_fault_pages;
		res->cpu_ns += faults * c.cpu_fault_ns +
			       bytes_ns(pages * PLAN_PAGE_SIZE, c.cpu_fault_mbps);
	}
	ret = dev_rates(0, &c);
	if (!ret)
		res->cpu_ns += bytes_ns(res->cpu_pages * PLAN_PAGE_SIZE,
					c.cpu_mbps);
	return ret;
}

int plan_run(const struct plan *p, bool advise, struct run_result *res)
{
	static struct proc_state ps;
	struct dev_counters before[PLAN_MAX_DEVS], after[PLAN_MAX_DEVS];
	unsigned int mask = plan_dev_mask(p), d;
	struct child ch = { 0 };
	bool two = false;
	uint64_t t0;
	size_t i, j;
	int ret;

	memset(res, 0, sizeof(*res));
	memset(&ps, 0, sizeof(ps));
	for (d = 0; d < PLAN_MAX_DEVS; d++)
		ps.fd[d] = -1;
	for (i = 0; i < p->nsteps; i++)
		two |= p->steps[i].proc == 1;
	ret = wait_devices_idle(mask);
	if (ret)
		return ret;
	/* fork first: a child sharing our buffers copy-on-write would pin them */
	if (two)
		ret = child_start(p, &ch);
	if (!ret)
		ret = open_devs(mask, &ps);
	if (!ret)
		ret = map_bufs(p, &ps);
	if (!ret && advise)
		ret = advise_bufs(p, &ps);
	for (d = 0; d < PLAN_MAX_DEVS && !ret; d++)
		if (mask & (1u << d))
			ret = read_counters(d, &before[d]);
	if (ret)
		goto out;

	t0 = now_ns();
	for (i = 0; i < p->nsteps && !ret; i = j) {
		struct batch_out out;

		j = batch_end(p, i);
		if (p->steps[i].proc == 0) {
			out = run_batch(p, &ps, i, j);
		} else {
			uint64_t range[2] = { i, j };

			ret = xwrite(ch.req, range, sizeof(range));
			if (!ret)
				ret = xread(ch.rsp, &out, sizeof(out));
			if (ret)
				break;
		}
		res->modeled_ns += out.modeled_ns;
		res->throttle_ns += out.throttle_ns;
		ret = out.ret;
		if (ret)
			fprintf(stderr, "svmbench: %s: step %zu: %s\n", p->name,
				i, strerror(-ret));
	}
	res->real_ns = now_ns() - t0;

	for (d = 0; d < PLAN_MAX_DEVS && !ret; d++) {
		if (!(mask & (1u << d)))
			continue;
		ret = read_counters(d, &after[d]);
		res->faults += after[d].faults - before[d].faults;
		res->cpu_faults += after[d].cpu_faults - before[d].cpu_faults;
		res->cpu_fault_pages += after[d].cpu_fault_pages -
					before[d].cpu_fault_pages;
		res->pages_in += after[d].pages_in - before[d].pages_in;
		res->pages_out += after[d].pages_out - before[d].pages_out;
		res->evictions += after[d].evictions - before[d].evictions;
		res->pages_evicted += after[d].pages_evicted - before[d].pages_evicted;
		res->remote_maps += after[d].remote_maps - before[d].remote_maps;
	}
	res->cpu_pages = plan_cpu_pages(p);
	if (!ret)
		ret = cpu_cost(before, after, mask, res);
out:
	child_stop(&ch);
	unmap_bufs(&ps);
	close_devs(&ps);
	return ret;
}
