// SPDX-License-Identifier: GPL-2.0
/* svmctl stats: per-range statistics from the pinned collector maps. */
#include <errno.h>
#include <string.h>

#include "collector.h"
#include "json_writer.h"
#include "stats_view.h"
#include "svmctl.h"

enum { OPT_START = OPT_CMD_BASE, OPT_STOP, OPT_RANGE, OPT_SORT };

static int start_stop(bool start)
{
	char dir[1024];
	bool done;
	int ret;

	collector_path(dir, sizeof(dir), NULL);
	ret = start ? collector_start(&done) : collector_stop(&done);
	if (ret)
		return ret;
	if (!start && !done)
		return p_err(EXIT_FAIL, ENOENT,
			     "the statistics collector is not running (no %s)",
			     dir);
	if (json_output) {
		json_writer_t *jw = jw_new(stdout, pretty_output);

		jw_start_object(jw);
		jw_string_field(jw, "collector",
				start ? (done ? "started" : "running") :
				"stopped");
		jw_string_field(jw, "pin_dir", dir);
		jw_end_object(jw);
		jw_destroy(&jw);
	} else if (start) {
		printf("statistics collector %s, pinned at %s/\n",
		       done ? "started" : "already running", dir);
	} else {
		printf("statistics collector stopped (%s/ removed)\n", dir);
	}
	return EXIT_OKAY;
}

static int do_stats(int argc, char **argv)
{
	struct stats_filter f = {};
	enum stats_sort sort = SORT_FAULTS;
	struct stats_snapshot s;
	bool start = false, stop = false;
	unsigned int limit = 0;
	char dir[1024];
	int c, ret;

	optind = 0;
	while ((c = cmd_getopt(&cmd_stats, argc, argv)) != -1) {
		ret = -1;
		switch (c) {
		case 'p':
			if (parse_pid(optarg, &f.pid))
				return usage_err(&cmd_stats,
						 "--pid '%s' is not a process id",
						 optarg);
			f.has_pid = true;
			break;
		case OPT_RANGE:
			if (parse_addr_range(optarg, &f.lo, &f.hi))
				return usage_err(&cmd_stats,
						 "--range '%s' is not START-END (addresses, START < END)",
						 optarg);
			f.has_range = true;
			break;
		case OPT_SORT:
			if (parse_sort(optarg, &sort))
				return usage_err(&cmd_stats,
						 "--sort '%s': use faults, migrated, evictions or addr",
						 optarg);
			break;
		case 'n':
			if (parse_pid(optarg, &limit))
				return usage_err(&cmd_stats,
						 "--limit '%s' is not a positive number",
						 optarg);
			break;
		case OPT_START:
			start = true;
			break;
		case OPT_STOP:
			stop = true;
			break;
		default:
			ret = common_opt(&cmd_stats, c, argv);
		}
		if (ret >= 0)
			return ret;
	}
	if (optind < argc)
		return usage_err(&cmd_stats, "unexpected argument '%s'",
				 argv[optind]);
	if (start && stop)
		return usage_err(&cmd_stats, "--start and --stop exclude each other");
	if ((start || stop) && (f.has_pid || f.has_range || limit))
		return usage_err(&cmd_stats,
				 "--start and --stop take no filter options");
	if (start || stop)
		return start_stop(start);

	ret = stats_snapshot_read(&s);
	if (ret)
		return ret;
	stats_select(&s, &f, sort);
	collector_path(dir, sizeof(dir), NULL);
	if (json_output) {
		json_writer_t *jw = jw_new(stdout, pretty_output);

		jw_start_object(jw);
		jw_string_field(jw, "pin_dir", dir);
		jw_uint_field(jw, "lost", s.info.lost);
		stats_json_ranges(jw, &s, limit);
		stats_json_devices(jw, &s);
		jw_end_object(jw);
		jw_destroy(&jw);
	} else {
		printf("ranges (2 MiB; collector pinned at %s/):\n", dir);
		stats_print_ranges(stdout, &s, limit);
		if (s.info.lost)
			printf("  %llu events were not counted: the ranges map was full (%u entries)\n",
			       (unsigned long long)s.info.lost,
			       SVM_STATS_MAX_RANGES);
		if (!f.has_pid && !f.has_range) {
			printf("\ndevices:\n");
			stats_print_devices(stdout, &s);
		}
	}
	stats_snapshot_free(&s);
	return EXIT_OKAY;
}

const struct svm_cmd cmd_stats = {
	.name = "stats",
	.fn = do_stats,
	.summary = "per-range and per-device statistics (the collector's maps)",
	.synopsis =
"svmctl stats [--json] [--pid PID] [--range START-END]\n"
"             [--sort faults|migrated|evictions|addr] [--limit N]\n"
"svmctl stats --start | --stop",
	.desc =
"The statistics collector is a BPF program of its own (not a policy)\n"
"attached to the svm_ext tracepoints (`svm_ext:svm_ext_fault`, `_migrate`,\n"
"`_evict`, `_cpu_fault`, `_invalidate` and `_advise`).  It counts per\n"
"process and 2 MiB range, and per device, into maps pinned under\n"
"</sys/fs/bpf/svm_ext/stats/> (`ranges`, `devices`, `info`), so that\n"
"\tbpftool map dump pinned /sys/fs/bpf/svm_ext/stats/ranges\n"
"shows the numbers this command prints.  It starts with `--start`, and\n"
"with `svmctl load` when it is not running; it keeps running across policy\n"
"loads, switches and unloads until `--stop` removes its pins and its\n"
"counts.  While it runs its links hold svm_ext.ko: stop it before removing\n"
"the module.\n"
"\n"
"Per range: device faults by access kind (read, write, atomic); faults\n"
"decided MAP (mapped in place) and THROTTLE; pages migrated to a device\n"
"(and how many of those came from another device) and back to system\n"
"memory; evictions of the range's device chunks and the pages they moved;\n"
"CPU faults on device pages; mmu notifier invalidations; hint and prefetch\n"
"calls covering the range.  The process is the one whose memory it is (the\n"
"caller of the device's ioctl or the faulting task); tgid 0 means the core\n"
"did not know it (an eviction of an orphan).  Counters only grow; a\n"
"range's entry stays after its process exits.",
	.opts = (const struct svm_opt[]){
		{ "pid", 'p', "PID", COMP_PID, .help =
"Only the ranges of process <PID>." },
		{ "range", OPT_RANGE, "START-END", .help =
"Only the ranges overlapping [<START>, <END>) (addresses; `0x` for hex)." },
		{ "sort", OPT_SORT, "KEY", COMP_WORDS,
		  "faults migrated evictions addr", .help =
"`faults` (the default), `migrated` (pages to a device and to system\n"
"memory), `evictions` (pages evicted): largest first; `addr`: by process,\n"
"then address." },
		{ "limit", 'n', "N", .help = "At most <N> ranges." },
		{ "start", OPT_START, .help =
"Start the collector (nothing if it runs)." },
		{ "stop", OPT_STOP, .help =
"Stop it: remove its pins, dropping all counts." },
		{ "json", 'j', .help =
"JSON output: `{pin_dir, lost, ranges: [{tgid, start, end, faults,\n"
"faults_read, faults_write, faults_atomic, map_faults, throttles,\n"
"pages_to_dev, pages_from_peer, pages_to_sys, evictions, pages_evicted,\n"
"cpu_faults, invalidations, advise}], devices: [{index, faults_read,\n"
"faults_write, faults_atomic, map_faults, throttles, pages_to_dev,\n"
"cpu_faults, cpu_fault_pages, evictions, pages_evicted}]}`, the member\n"
"names of the maps' BTF.  With `--start` or `--stop`: `{collector,\n"
"pin_dir}`." },
		{ NULL }
	},
	.exits = (const struct svm_exit[]){
		{ 0, "shown, started or stopped" },
		{ 1, "failed (ENOENT: the collector is not running)" },
		{ 2, "usage error" },
		{ 3, "svm_ext is not loaded (`--start`)" },
		{ 4, "permission denied" },
		{ 0, NULL }
	},
	.examples = (const struct svm_example[]){
		{ "svmctl stats --pid $PID --sort migrated",
		  "the ranges of process <$PID>, those that moved most pages\n"
		  "first", "stats" },
		{ "svmctl stats --range 0x7f0000000000-0x7f0000400000 --json",
		  "the ranges overlapping two 2 MiB ranges, as JSON", "stats" },
		{ "svmctl stats --stop", "stop the collector; its counts go",
		  "stats" },
		{ "svmctl stats --start", "start it again, from zero", NULL },
		{ NULL }
	},
};
