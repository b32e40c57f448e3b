// SPDX-License-Identifier: GPL-2.0
/*
 * svmctl: error reporting, capabilities, formatting - what the commands and
 * libsvmctl share (the command-line parsing helpers are cli.c's).
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "json_writer.h"
#include "svmctl.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

bool json_output;
bool pretty_output;
int verbose;
const char *cur_cmd;
bool libbpf_quiet;
bool svm_quiet;

static char last_err[1024];
static int last_errno;

static void p_prefix(FILE *f)
{
	fputs("svmctl: ", f);
	if (cur_cmd)
		fprintf(f, "%s: ", cur_cmd);
}

int p_err(int exit_code, int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(last_err, sizeof(last_err), fmt, ap);
	va_end(ap);
	if (err > 0 && n >= 0 && (size_t)n < sizeof(last_err))
		snprintf(last_err + n, sizeof(last_err) - n, ": %s",
			 strerror(err));
	last_errno = err;

	if (!svm_quiet) {
		p_prefix(stderr);
		fprintf(stderr, "%s\n", last_err);
	}
	return exit_code;
}

const char *svm_last_error(void)
{
	return last_err;
}

void json_flush_error(int exit_code)
{
	json_writer_t *jw;
	const char *name;

	if (!json_output || jw_used || !last_err[0])
		return;
	jw = jw_new(stdout, pretty_output);
	if (!jw)
		return;
	jw_start_object(jw);
	jw_name(jw, "error");
	jw_start_object(jw);
	jw_string_field(jw, "command", cur_cmd);
	jw_string_field(jw, "message", last_err);
	name = last_errno > 0 ? strerrorname_np(last_errno) : NULL;
	jw_string_field(jw, "errno", name);
	jw_int_field(jw, "exit_code", exit_code);
	jw_end_object(jw);
	jw_end_object(jw);
	jw_destroy(&jw);
}

void p_warn(const char *fmt, ...)
{
	va_list ap;

	if (svm_quiet)
		return;
	p_prefix(stderr);
	fputs("warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Progress notes go to stderr so that stdout stays data. */
void p_info(const char *fmt, ...)
{
	va_list ap;

	if (svm_quiet || (json_output && !verbose))
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool have_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	return data[cap / 32].effective & (1u << (cap % 32));
}

/*
 * Policies and the collector use svm_ext.ko's types: libbpf opens the
 * module's BTF by id (BPF_BTF_GET_FD_BY_ID), which 7.3 allows only to
 * CAP_SYS_ADMIN, although struct_ops itself needs just CAP_BPF with
 * CAP_PERFMON.  Without this check libbpf fails later with a misleading
 * "not found in kernel or module BTFs".
 */
int check_bpf_caps(const char *what)
{
	if (have_cap(CAP_SYS_ADMIN))
		return 0;
	return p_err(EXIT_PERM, EPERM,
		     "%s needs CAP_SYS_ADMIN: libbpf must read svm_ext.ko's BTF, which CAP_BPF with CAP_PERFMON does not allow",
		     what);
}

void fmt_bytes(char *buf, size_t sz, unsigned long long v)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB",
					    "PiB" };
	double d = (double)v;
	size_t i = 0;

	while (d >= 1024.0 && i < ARRAY_SIZE(unit) - 1) {
		d /= 1024.0;
		i++;
	}
	if (i == 0)
		snprintf(buf, sz, "%llu B", v);
	else
		snprintf(buf, sz, "%.1f %s", d, unit[i]);
}

void fmt_duration(char *buf, size_t sz, unsigned long long s)
{
	unsigned long long d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;

	if (d)
		snprintf(buf, sz, "%llud%lluh%02llum", d, h, m);
	else if (h)
		snprintf(buf, sz, "%lluh%02llum%02llus", h, m, s % 60);
	else if (m)
		snprintf(buf, sz, "%llum%02llus", m, s % 60);
	else
		snprintf(buf, sz, "%llus", s);
}

bool policy_name_ok(const char *name)
{
	if (!name[0] || name[0] == '.' || strlen(name) > 64)
		return false;
	for (const char *p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		      *p == '.'))
			return false;
	}
	return true;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG && verbose < 2)
		return 0;
	if (level == LIBBPF_INFO && verbose < 1)
		return 0;
	if (level == LIBBPF_WARN && libbpf_quiet && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void setup_libbpf_print(void)
{
	libbpf_set_print(libbpf_print);
}
