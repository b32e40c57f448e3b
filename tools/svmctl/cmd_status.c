// SPDX-License-Identifier: GPL-2.0
/* svmctl status: the framework's state, from /sys/kernel/svm_ext. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector.h"
#include "json_writer.h"
#include "svmctl.h"
#include "sysfs.h"

static const char *str_or_q(int err, const char *s)
{
	return err ? "?" : s;
}

static void json_str(json_writer_t *jw, const char *name, int err,
		     const char *s)
{
	if (err)
		jw_null_field(jw, name);
	else
		jw_string_field(jw, name, s);
}

static void json_u64(json_writer_t *jw, const char *name, int err,
		     unsigned long long v)
{
	if (err)
		jw_null_field(jw, name);
	else
		jw_uint_field(jw, name, v);
}

static void print_json(const struct svm_status *st,
		       const struct svm_device *dev, size_t ndev, int dev_err)
{
	json_writer_t *jw = jw_new(stdout, pretty_output);

	jw_start_object(jw);
	json_str(jw, "state", st->state_err, st->state);
	if (!st->policy_err && !st->policy[0])
		jw_null_field(jw, "policy");
	else
		json_str(jw, "policy", st->policy_err, st->policy);
	json_u64(jw, "enabled_since", st->since_err, st->enabled_since);
	json_u64(jw, "enable_count", st->count_err, st->enable_count);
	json_str(jw, "exit_kind", st->exit_kind_err, st->exit_kind);
	json_str(jw, "exit_reason", st->exit_reason_err, st->exit_reason);
	json_str(jw, "exit_msg", st->exit_msg_err, st->exit_msg);
	jw_string_field(jw, "collector",
			collector_running() ? "running" : "stopped");
	jw_name(jw, "devices");
	if (dev_err) {
		jw_null(jw);
	} else {
		jw_start_array(jw);
		for (size_t i = 0; i < ndev; i++) {
			jw_start_object(jw);
			jw_string_field(jw, "id", dev[i].id);
			json_str(jw, "name", dev[i].name_err, dev[i].name);
			json_u64(jw, "mem_total", dev[i].total_err,
				 dev[i].mem_total);
			json_u64(jw, "mem_used", dev[i].used_err,
				 dev[i].mem_used);
			jw_end_object(jw);
		}
		jw_end_array(jw);
	}
	jw_end_object(jw);
	jw_destroy(&jw);
}

static void print_since(const struct svm_status *st)
{
	char date[64], dur[32];
	time_t t = st->enabled_since, now = time(NULL);
	struct tm tm;

	printf("%-15s ", "enabled since:");
	if (st->since_err) {
		printf("?\n");
		return;
	}
	if (!st->enabled_since) {
		printf("-\n");
		return;
	}
	if (!localtime_r(&t, &tm) ||
	    !strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S %Z", &tm))
		snprintf(date, sizeof(date), "@%llu", st->enabled_since);
	fmt_duration(dur, sizeof(dur),
		     now > t ? (unsigned long long)(now - t) : 0);
	printf("%s (for %s)\n", date, dur);
}

static void print_text(const struct svm_status *st,
		       const struct svm_device *dev, size_t ndev, int dev_err)
{
	char used[32], total[32];

	printf("%-15s %s\n", "state:", str_or_q(st->state_err, st->state));
	printf("%-15s %s\n", "policy:",
	       st->policy_err ? "?" :
	       st->policy[0] ? st->policy : "none (built-in default)");
	print_since(st);
	if (st->count_err)
		printf("%-15s ?\n", "enable count:");
	else
		printf("%-15s %llu\n", "enable count:", st->enable_count);
	printf("%-15s %s\n", "last exit:",
	       str_or_q(st->exit_kind_err, st->exit_kind));
	if (st->exit_reason_err || st->exit_reason[0])
		printf("%-15s %s\n", "exit reason:",
		       str_or_q(st->exit_reason_err, st->exit_reason));
	if (st->exit_msg_err || st->exit_msg[0])
		printf("%-15s %s\n", "exit message:",
		       str_or_q(st->exit_msg_err, st->exit_msg));

	if (collector_running()) {
		char dir[1024];

		collector_path(dir, sizeof(dir), NULL);
		printf("%-15s running (%s/)\n", "statistics:", dir);
	} else {
		printf("%-15s stopped ('svmctl stats --start')\n",
		       "statistics:");
	}
	if (dev_err) {
		printf("%-15s ? (%s)\n", "devices:", strerror(-dev_err));
		return;
	}
	printf("%-15s %zu\n", "devices:", ndev);
	for (size_t i = 0; i < ndev; i++) {
		const struct svm_device *d = &dev[i];

		if (d->used_err)
			snprintf(used, sizeof(used), "?");
		else
			fmt_bytes(used, sizeof(used), d->mem_used);
		if (d->total_err)
			snprintf(total, sizeof(total), "?");
		else
			fmt_bytes(total, sizeof(total), d->mem_total);
		printf("  %-4s %-16s %10s used of %10s", d->id,
		       str_or_q(d->name_err, d->name), used, total);
		if (!d->used_err && !d->total_err && d->mem_total)
			printf(" (%.1f%%)", 100.0 * d->mem_used / d->mem_total);
		printf("\n");
	}
}

static int do_status(int argc, char **argv)
{
	struct svm_device *dev = NULL;
	struct svm_status st;
	size_t ndev = 0;
	int ret, dev_err;

	ret = parse_common_only(&cmd_status, argc, argv);
	if (ret >= 0)
		return ret;

	ret = svm_require_loaded();
	if (ret)
		return ret;
	svm_status_read(&st);
	dev_err = svm_devices_read(&dev, &ndev);
	if (json_output)
		print_json(&st, dev, ndev, dev_err);
	else
		print_text(&st, dev, ndev, dev_err);
	free(dev);
	return EXIT_OKAY;
}

const struct svm_cmd cmd_status = {
	.name = "status",
	.fn = do_status,
	.summary = "show the framework's state, the active policy and devices",
	.synopsis = "svmctl status [--json]",
	.desc =
"Shows what </sys/kernel/svm_ext/> reports:\n"
"\n"
":state: `disabled`, `enabling`, `enabled` or `ejected`\n"
":policy: the attached policy's name (none: the built-in default decides)\n"
":enabled since: when it was attached, and for how long\n"
":enable count: how many times a policy was attached since svm_ext was\n"
"loaded\n"
":last exit: why the last policy left: `none`, `unregistered`, `replaced`,\n"
"`error` or `bad_decision`; with its reason and message\n"
":statistics: whether the statistics collector runs (`svmctl stats`)\n"
":devices: each registered device: name, memory used and total\n"
"\n"
"A missing attribute prints as `?` (null in JSON); the rest is shown.",
	.opts = (const struct svm_opt[]){
		{ "json", 'j', .help =
"JSON output: an object with the keys `state`, `policy`, `enabled_since`\n"
"(unix seconds), `enable_count`, `exit_kind`, `exit_reason`, `exit_msg`,\n"
"`collector` (`running` or `stopped`) and `devices` (an array of `{id,\n"
"name, mem_total, mem_used}`; bytes)." },
		{ NULL }
	},
	.exits = (const struct svm_exit[]){
		{ 0, "shown" },
		{ 2, "usage error" },
		{ 3, "svm_ext is not loaded (no </sys/kernel/svm_ext>)" },
		{ 0, NULL }
	},
	.examples = (const struct svm_example[]){
		{ "svmctl status", NULL, NULL },
		{ "svmctl status --json | jq -r .policy",
		  "the active policy's name alone (null: none)", NULL },
		{ NULL }
	},
};
