// SPDX-License-Identifier: GPL-2.0
/*
 * svmctl record: a process's svm_ext events into a trace file.
 *
 * The recorder (bpf/collect/record.bpf.c, embedded like the statistics
 * collector) attaches to the svm_ext tracepoints for as long as this
 * command runs, keeps the events of one process and hands them over in a
 * ring buffer; they go to the file as they come (the format:
 * include/svm_ext/trace_file.h, docs/trace-format.md).  Nothing is pinned:
 * the links go when svmctl exits, whichever way.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <svm_ext/trace_file.h>

#include "json_writer.h"
#include "registry.h"
#include "stats_view.h"
#include "svmctl.h"
#include "sysfs.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

enum { OPT_DURATION = OPT_CMD_BASE };

/* a week: longer is a typo */
#define MAX_DURATION_S	(7 * 24 * 3600.0)
/* the recorder's programs, each rec_EVENT on tracepoint svm_ext_EVENT */
#define NPROGS		6

static const char *const kind_names[SVM_TRACE_KIND_MAX] = {
	[SVM_TRACE_FAULT] = "fault",
	[SVM_TRACE_CPU_FAULT] = "cpu_fault",
	[SVM_TRACE_MIGRATE] = "migrate",
	[SVM_TRACE_EVICT] = "evict",
	[SVM_TRACE_ADVISE] = "advise",
	[SVM_TRACE_INVALIDATE] = "invalidate",
};

struct rec_state {
	FILE *f;
	uint64_t start_ns;
	uint64_t n;
	uint64_t by_kind[SVM_TRACE_KIND_MAX];
	uint64_t bad;		/* samples of another size: not written */
	int werr;		/* the write error that stopped it */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct rec_state *st = ctx;
	struct svm_trace_rec r;

	if (size != sizeof(r)) {
		st->bad++;
		return 0;
	}
	memcpy(&r, data, sizeof(r));
	r.ts = r.ts >= st->start_ns ? r.ts - st->start_ns : 0;
	if (r.kind < SVM_TRACE_KIND_MAX)
		st->by_kind[r.kind]++;
	r.ts = htole64(r.ts);
	r.addr = htole64(r.addr);
	r.end = htole64(r.end);
	r.val = htole64(r.val);
	r.arg = htole32(r.arg);
	if (fwrite(&r, sizeof(r), 1, st->f) != 1) {
		st->werr = errno ? errno : EIO;
		return -st->werr;
	}
	st->n++;
	return 0;
}

static void header_init(struct svm_trace_header *h, unsigned int pid)
{
	struct svm_device *dev = NULL;
	struct svm_status status;
	size_t ndev = 0;

	memset(h, 0, sizeof(*h));
	memcpy(h->magic, SVM_TRACE_MAGIC, SVM_TRACE_MAGIC_LEN);
	h->version = SVM_TRACE_VERSION;
	h->header_size = sizeof(*h);
	h->record_size = sizeof(struct svm_trace_rec);
	h->tgid = pid;
	/* what it ran on, for the replay to compare with: best effort */
	if (!svm_devices_read(&dev, &ndev)) {
		for (size_t i = 0; i < ndev; i++) {
			char *end;
			unsigned long idx = strtoul(dev[i].id, &end, 10);

			if (*end || idx >= SVM_TRACE_MAX_DEVS || dev[i].total_err)
				continue;
			h->dev_mem[idx] = dev[i].mem_total;
			if (idx + 1 > h->ndevs)
				h->ndevs = idx + 1;
		}
		free(dev);
	}
	svm_status_read(&status);
	if (!status.policy_err && svm_policy_active(&status))
		snprintf(h->policy, sizeof(h->policy), "%.*s",
			 (int)sizeof(h->policy) - 1, status.policy);
}

static void header_to_le(struct svm_trace_header *h)
{
	h->version = htole16(h->version);
	h->header_size = htole16(h->header_size);
	h->record_size = htole16(h->record_size);
	h->ndevs = htole16(h->ndevs);
	h->tgid = htole32(h->tgid);
	h->flags = htole32(h->flags);
	h->start_ns = htole64(h->start_ns);
	h->duration_ns = htole64(h->duration_ns);
	h->nrecords = htole64(h->nrecords);
	h->lost = htole64(h->lost);
	for (int i = 0; i < SVM_TRACE_MAX_DEVS; i++)
		h->dev_mem[i] = htole64(h->dev_mem[i]);
}

/* The header at offset 0, over whatever was there. */
static int header_write(FILE *f, const struct svm_trace_header *h)
{
	struct svm_trace_header le = *h;
	ssize_t n;

	header_to_le(&le);
	if (fflush(f))
		return -errno;
	n = pwrite(fileno(f), &le, sizeof(le), 0);
	if (n < 0)
		return -errno;
	return n == sizeof(le) ? 0 : -EIO;
}

static int parse_duration(const char *s, double *secs)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > MAX_DURATION_S)
		return -EINVAL;
	*secs = v;
	return 0;
}

static int open_pid(unsigned int pid, int *pidfd)
{
	*pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (*pidfd >= 0)
		return 0;
	if (errno == ESRCH)
		return p_err(EXIT_FAIL, ESRCH, "no process with pid %u", pid);
	/* not a thread-group leader: EINVAL before 6.9, ENOENT since */
	if (errno == EINVAL || errno == ENOENT)
		return p_err(EXIT_FAIL, EINVAL,
			     "%u is a thread id, not a process id: give its process id (Tgid in /proc/%u/status)",
			     pid, pid);
	return p_err(EXIT_FAIL, errno, "opening process %u (pidfd_open)", pid);
}

/* Opens the embedded recorder set to @pid and loads it. */
static int recorder_load(unsigned int pid, struct bpf_object **objp)
{
	const struct svm_embedded_policy *e = svm_embedded_recorder;
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "svm_record");
	struct svm_trace_cfg cfg = { .tgid = pid };
	struct bpf_object *obj;
	struct bpf_map *m;
	int err;

	*objp = NULL;
	obj = bpf_object__open_mem(e->start, e->end - e->start, &opts);
	if (!obj)
		return p_err(EXIT_FAIL, errno, "opening the recorder object");
	m = bpf_object__find_map_by_name(obj, ".rodata");
	err = m ? bpf_map__set_initial_value(m, &cfg, sizeof(cfg)) : -ENOENT;
	if (err) {
		bpf_object__close(obj);
		return p_err(EXIT_FAIL, -err,
			     "the recorder object's .rodata is not one struct svm_trace_cfg (built from another trace_file.h?)");
	}
	if (!bpf_object__find_map_by_name(obj, "events") ||
	    !bpf_object__find_map_by_name(obj, "rec_info")) {
		bpf_object__close(obj);
		return p_err(EXIT_FAIL, ENOENT,
			     "the recorder object lacks its maps 'events' and 'rec_info'");
	}
	err = bpf_object__load(obj);
	if (err) {
		bpf_object__close(obj);
		if (err == -ESRCH || err == -ENOENT)
			return p_err(EXIT_FAIL, -err,
				     "loading the recorder: svm_ext.ko lacks a tracepoint it attaches to (older module?)");
		return p_err(err == -EPERM || err == -EACCES ? EXIT_PERM :
			     EXIT_FAIL, -err,
			     "loading the recorder (libbpf's messages above; more with --debug)");
	}
	*objp = obj;
	return 0;
}

static int recorder_attach(struct bpf_object *obj, struct bpf_link **links)
{
	struct bpf_program *prog;
	int n = 0;

	bpf_object__for_each_program(prog, obj) {
		const char *name = bpf_program__name(prog);

		if (strncmp(name, "rec_", 4) || n == NPROGS)
			continue;
		links[n] = bpf_program__attach(prog);
		if (!links[n])
			return p_err(errno == EPERM || errno == EACCES ?
				     EXIT_PERM : EXIT_FAIL, errno,
				     "attaching the recorder's %s to tracepoint svm_ext_%s",
				     name, name + 4);
		n++;
	}
	if (n != NPROGS)
		return p_err(EXIT_FAIL, ENOENT,
			     "the recorder object has %d programs, svmctl expects %d",
			     n, NPROGS);
	return 0;
}

static void summary(const char *path, unsigned int pid,
		    const struct rec_state *st,
		    const struct svm_trace_header *h, const char *why)
{
	if (json_output) {
		json_writer_t *jw = jw_new(stdout, pretty_output);

		jw_start_object(jw);
		jw_string_field(jw, "file", path);
		jw_uint_field(jw, "pid", pid);
		jw_uint_field(jw, "records", h->nrecords);
		jw_uint_field(jw, "lost", h->lost);
		jw_uint_field(jw, "duration_ns", h->duration_ns);
		jw_string_field(jw, "stopped", why);
		jw_string_field(jw, "policy", h->policy[0] ? h->policy : NULL);
		jw_name(jw, "events");
		jw_start_object(jw);
		for (int k = 1; k < SVM_TRACE_KIND_MAX; k++)
			jw_uint_field(jw, kind_names[k], st->by_kind[k]);
		jw_end_object(jw);
		jw_end_object(jw);
		jw_destroy(&jw);
		return;
	}
	printf("recorded %llu events of process %u in %.1f s (%s) into %s\n",
	       (unsigned long long)h->nrecords, pid, h->duration_ns / 1e9,
	       why, path);
	printf("  device faults %llu, CPU faults %llu, migrations %llu, evictions %llu, hints %llu, invalidations %llu; lost %llu\n",
	       (unsigned long long)st->by_kind[SVM_TRACE_FAULT],
	       (unsigned long long)st->by_kind[SVM_TRACE_CPU_FAULT],
	       (unsigned long long)st->by_kind[SVM_TRACE_MIGRATE],
	       (unsigned long long)st->by_kind[SVM_TRACE_EVICT],
	       (unsigned long long)st->by_kind[SVM_TRACE_ADVISE],
	       (unsigned long long)st->by_kind[SVM_TRACE_INVALIDATE],
	       (unsigned long long)h->lost);
}

/* Until the process exits, a signal comes or the time is up. */
static int record_loop(struct ring_buffer *rb, int pidfd, int sfd,
		       double duration, struct rec_state *st, const char **why)
{
	uint64_t deadline = duration > 0 ?
		st->start_ns + (uint64_t)(duration * 1e9) : 0;
	struct pollfd pfd[3] = {
		{ .fd = ring_buffer__epoll_fd(rb), .events = POLLIN },
		{ .fd = pidfd, .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
	};

	for (;;) {
		int timeout = -1, n;

		if (deadline) {
			uint64_t now = mono_ns();

			if (now >= deadline) {
				*why = "duration";
				return 0;
			}
			/* round up: never wake just before the deadline */
			timeout = (deadline - now + 999999) / 1000000;
		}
		n = poll(pfd, 3, timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return p_err(EXIT_FAIL, errno, "waiting for events");
		if (pfd[0].revents) {
			n = ring_buffer__consume(rb);
			if (n < 0 && st->werr)
				return p_err(EXIT_FAIL, st->werr,
					     "writing the trace file");
			if (n < 0)
				return p_err(EXIT_FAIL, -n,
					     "reading the ring buffer");
		}
		if (pfd[1].revents) {
			*why = "process exited";
			return 0;
		}
		if (pfd[2].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si) &&
			    si.ssi_signo == SIGTERM)
				*why = "SIGTERM";
			else
				*why = "SIGINT";
			return 0;
		}
	}
}

static int do_record(int argc, char **argv)
{
	struct bpf_link *links[NPROGS] = {};
	struct svm_trace_header hdr;
	struct rec_state st = {};
	struct ring_buffer *rb = NULL;
	struct bpf_object *obj = NULL;
	const char *out = NULL, *why = "?";
	unsigned int pid = 0;
	double duration = 0;
	bool have_pid = false, blocked = false;
	int c, ret, err, fd = -1, pidfd = -1, sfd = -1;
	struct svm_trace_info info = {};
	sigset_t sigs, oldsigs;
	struct stat sb;
	__u32 zero = 0;

	optind = 0;
	while ((c = cmd_getopt(&cmd_record, argc, argv)) != -1) {
		ret = -1;
		switch (c) {
		case 'p':
			if (parse_pid(optarg, &pid))
				return usage_err(&cmd_record,
						 "--pid '%s' is not a process id",
						 optarg);
			have_pid = true;
			break;
		case 'o':
			if (!*optarg)
				return usage_err(&cmd_record,
						 "--output needs a file name");
			out = optarg;
			break;
		case OPT_DURATION:
			if (parse_duration(optarg, &duration))
				return usage_err(&cmd_record,
						 "--duration '%s' is not a number of seconds in (0, %.0f]",
						 optarg, MAX_DURATION_S);
			break;
		default:
			ret = common_opt(&cmd_record, c, argv);
		}
		if (ret >= 0)
			return ret;
	}
	if (optind < argc)
		return usage_err(&cmd_record, "unexpected argument '%s'",
				 argv[optind]);
	if (!have_pid)
		return usage_err(&cmd_record, "--pid PID is required");
	if (!out)
		return usage_err(&cmd_record, "--output FILE is required");

	ret = open_pid(pid, &pidfd);
	if (ret)
		return ret;
	ret = svm_require_loaded();
	if (ret)
		goto out;
	if (!svm_embedded_recorder[0].name) {
		ret = p_err(EXIT_FAIL, ENOTSUP,
			    "this svmctl was built without the recorder (bpf/collect/record.bpf.o)");
		goto out;
	}
	ret = check_bpf_caps("recording a trace");
	if (ret)
		goto out;
	ret = recorder_load(pid, &obj);
	if (ret)
		goto out;

	/* the file only now: a failure above leaves an old one alone */
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = p_err(EXIT_FAIL, errno, "cannot write the trace file %s",
			    out);
		goto out;
	}
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		ret = p_err(EXIT_FAIL, EINVAL,
			    "%s is not a regular file (the header is rewritten at the end)",
			    out);
		goto out_unlink;
	}
	st.f = fdopen(fd, "w");
	if (!st.f) {
		ret = p_err(EXIT_FAIL, errno, "opening %s", out);
		goto out_unlink;
	}
	fd = -1;
	setvbuf(st.f, NULL, _IOFBF, 1 << 20);

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, &oldsigs);
	blocked = true;
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sfd < 0) {
		ret = p_err(EXIT_FAIL, errno, "signalfd");
		goto out_unlink;
	}
	rb = ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(obj, "events")),
			      on_event, &st, NULL);
	if (!rb) {
		ret = p_err(EXIT_FAIL, errno, "opening the ring buffer");
		goto out_unlink;
	}

	header_init(&hdr, pid);
	st.start_ns = mono_ns();
	hdr.start_ns = st.start_ns;
	ret = recorder_attach(obj, links);
	if (ret)
		goto out_unlink;
	/* the header exists once it records: a sign for whoever waits */
	err = header_write(st.f, &hdr);
	if (!err && fseek(st.f, sizeof(hdr), SEEK_SET))
		err = -errno;
	if (err) {
		ret = p_err(EXIT_FAIL, -err, "writing the trace file %s", out);
		goto out_unlink;
	}
	p_info("svmctl: record: recording process %u into %s (until it exits%s, or SIGINT)",
	       pid, out, duration > 0 ? " or the time is up" : "");

	ret = record_loop(rb, pidfd, sfd, duration, &st, &why);
	/* no new events, then everything that is in the buffer */
	for (int i = 0; i < NPROGS; i++)
		bpf_link__destroy(links[i]);
	memset(links, 0, sizeof(links));
	if (!ret) {
		err = ring_buffer__consume(rb);
		if (err < 0)
			ret = p_err(EXIT_FAIL, st.werr ? st.werr : -err,
				    "writing the trace file %s", out);
	}
	hdr.duration_ns = mono_ns() - st.start_ns;
	bpf_map_lookup_elem(bpf_map__fd(bpf_object__find_map_by_name(obj, "rec_info")),
			    &zero, &info);
	hdr.nrecords = st.n;
	hdr.lost = info.lost;
	if (!ret) {
		/* a failed write leaves the file marked unfinished */
		hdr.flags = SVM_TRACE_F_COMPLETE;
		err = header_write(st.f, &hdr);
		if (err)
			ret = p_err(EXIT_FAIL, -err, "writing the trace file %s",
				    out);
	}
	if (fclose(st.f) && !ret)
		ret = p_err(EXIT_FAIL, errno, "writing the trace file %s", out);
	st.f = NULL;
	if (ret)
		goto out;
	if (st.bad)
		p_warn("%llu events of an unexpected size were left out",
		       (unsigned long long)st.bad);
	if (hdr.lost)
		p_warn("%llu events were lost (the ring buffer was full): the trace is incomplete",
		       (unsigned long long)hdr.lost);
	summary(out, pid, &st, &hdr, why);
	goto out;

out_unlink:
	if (st.f)
		fclose(st.f);
	st.f = NULL;
	unlink(out);
out:
	for (int i = 0; i < NPROGS; i++)
		bpf_link__destroy(links[i]);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	if (fd >= 0)
		close(fd);
	if (sfd >= 0)
		close(sfd);
	if (blocked)
		sigprocmask(SIG_SETMASK, &oldsigs, NULL);
	if (pidfd >= 0)
		close(pidfd);
	return ret;
}

const struct svm_cmd cmd_record = {
	.name = "record",
	.fn = do_record,
	.summary = "record a process's svm_ext events into a trace file",
	.synopsis =
"svmctl record --pid PID --output FILE [--duration SEC] [--json]",
	.desc =
"Records what svm_ext does for process <PID>: its device faults (with\n"
"each decision), CPU faults on device memory, migrations, evictions of its\n"
"device chunks, hints (attributes set) and invalidations, from the\n"
"tracepoints `svm_ext:svm_ext_fault`, `_cpu_fault`, `_migrate`, `_evict`,\n"
"`_advise` and `_invalidate`, through a BPF program of its own (not a\n"
"policy; nothing is pinned) and a ring buffer, into <FILE>: a header and\n"
"40-byte records with timestamps relative to the start\n"
"(<include/svm_ext/trace_file.h>, <docs/trace-format.md>).\n"
"`svmbench replay` <FILE> runs the trace again under each policy.\n"
"\n"
"It stops when the process exits, on SIGINT or SIGTERM, or after\n"
"`--duration`, then prints how many events it recorded, of which kind, and\n"
"how many were lost (the ring buffer, 8 MiB, was full; the header keeps\n"
"the count).  The process's children and other processes are not\n"
"recorded.  The file has its header from the moment it records; the\n"
"header is marked unfinished until the end, and a replay refuses a file\n"
"whose recorder did not finish.",
	.opts = (const struct svm_opt[]){
		{ "pid", 'p', "PID", COMP_PID, .help =
"The process to record (a process id, not a thread's)." },
		{ "output", 'o', "FILE", COMP_FILE, .help =
"The trace file, created or overwritten (a regular file)." },
		{ "duration", OPT_DURATION, "SEC", .help =
"Stop after <SEC> seconds (a decimal number) if the process has not\n"
"exited." },
		{ "json", 'j', .help =
"JSON output: `{file, pid, records, lost, duration_ns, stopped, policy,\n"
"events: {fault, cpu_fault, migrate, evict, advise, invalidate}}`,\n"
"`stopped` being `process exited`, `duration`, `SIGINT` or `SIGTERM`." },
		{ NULL }
	},
	.exits = (const struct svm_exit[]){
		{ 0, "recorded (also when events were lost: a warning says so)" },
		{ 1, "failed: no such process (ESRCH), the file cannot be\n"
		     "written, the recorder cannot load" },
		{ 2, "usage error" },
		{ 3, "svm_ext is not loaded" },
		{ 4, "permission denied" },
		{ 0, NULL }
	},
	.examples = (const struct svm_example[]){
		{ "svmctl record --pid $PID -o /tmp/svmctl-example.trace --duration 1",
		  "record process <$PID> for a second", NULL },
		{ "svmctl record --pid $PID -o /tmp/svmctl-example.trace --duration 0.5 --json | jq .records",
		  "the same, as JSON: how many events", NULL },
		{ NULL }
	},
};
