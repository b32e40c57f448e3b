// SPDX-License-Identifier: GPL-2.0
/*
 * svmctl devices: each device as /sys/kernel/svm_ext/devices/N/ shows it:
 * name, memory, peers, counters and links.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "svmctl.h"
#include "sysfs.h"

#define MAX_KV 32
#define MAX_LINKS 16

struct kv {
	char key[48];
	unsigned long long val;
};

struct dev_link {
	char target[16];	/* "system" or a device index */
	unsigned long long mbps;
};

struct dev_info {
	int peers_err;
	unsigned long long peers;
	int counters_err;
	struct kv counters[MAX_KV];
	size_t ncounters;
	int links_err;
	struct dev_link links[MAX_LINKS];
	size_t nlinks;
};

/* "NAME VALUE" lines (counters) or "TARGET MB/s" lines (links). */
static int read_pairs(const char *rel, char (*keys)[48], size_t ksz,
		      unsigned long long *vals, size_t max, size_t *n)
{
	char buf[4096], *line, *save = NULL;
	int err = svm_sysfs_read(rel, buf, sizeof(buf));

	*n = 0;
	if (err)
		return err;
	for (line = strtok_r(buf, "\n", &save); line && *n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		char k[48], *end;
		const char *v;

		if (sscanf(line, "%47s", k) != 1)
			continue;
		v = line + strcspn(line, " \t");
		errno = 0;
		vals[*n] = strtoull(v, &end, 0);
		if (errno || end == v)
			return -EPROTO;
		snprintf(keys[*n], ksz, "%s", k);
		(*n)++;
	}
	return 0;
}

static void dev_info_read(const char *id, struct dev_info *di)
{
	char rel[256], keys[MAX_KV][48];
	unsigned long long vals[MAX_KV];
	size_t n;

	memset(di, 0, sizeof(*di));
	snprintf(rel, sizeof(rel), "devices/%s/peers", id);
	di->peers_err = svm_sysfs_read_u64(rel, &di->peers);
	snprintf(rel, sizeof(rel), "devices/%s/counters", id);
	di->counters_err = read_pairs(rel, keys, sizeof(keys[0]), vals,
				      MAX_KV, &n);
	for (size_t i = 0; i < n; i++) {
		snprintf(di->counters[i].key, sizeof(di->counters[i].key),
			 "%.47s", keys[i]);
		di->counters[i].val = vals[i];
	}
	di->ncounters = n;
	snprintf(rel, sizeof(rel), "devices/%s/links", id);
	di->links_err = read_pairs(rel, keys, sizeof(keys[0]), vals,
				   MAX_LINKS, &n);
	for (size_t i = 0; i < n; i++) {
		snprintf(di->links[i].target, sizeof(di->links[i].target),
			 "%.15s", keys[i]);
		di->links[i].mbps = vals[i];
	}
	di->nlinks = n;
}

static void json_dev(json_writer_t *jw, const struct svm_device *d,
		     const struct dev_info *di)
{
	char *end;
	unsigned long idx = strtoul(d->id, &end, 10);

	jw_start_object(jw);
	if (d->id[0] && !*end)
		jw_uint_field(jw, "index", idx);
	else
		jw_string_field(jw, "index", d->id);
	if (d->name_err)
		jw_null_field(jw, "name");
	else
		jw_string_field(jw, "name", d->name);
	if (d->total_err)
		jw_null_field(jw, "mem_total");
	else
		jw_uint_field(jw, "mem_total", d->mem_total);
	if (d->used_err)
		jw_null_field(jw, "mem_used");
	else
		jw_uint_field(jw, "mem_used", d->mem_used);
	jw_name(jw, "peers");
	if (di->peers_err) {
		jw_null(jw);
	} else {
		jw_start_array(jw);
		for (unsigned int b = 0; b < 64; b++)
			if (di->peers & (1ULL << b))
				jw_uint(jw, b);
		jw_end_array(jw);
	}
	jw_name(jw, "counters");
	if (di->counters_err) {
		jw_null(jw);
	} else {
		jw_start_object(jw);
		for (size_t i = 0; i < di->ncounters; i++)
			jw_uint_field(jw, di->counters[i].key,
				      di->counters[i].val);
		jw_end_object(jw);
	}
	jw_name(jw, "links");
	if (di->links_err) {
		jw_null(jw);
	} else {
		jw_start_array(jw);
		for (size_t i = 0; i < di->nlinks; i++) {
			const char *t = di->links[i].target;
			unsigned long peer = strtoul(t, &end, 10);

			jw_start_object(jw);
			jw_string_field(jw, "target", t);
			if (t[0] && !*end)
				jw_uint_field(jw, "device", peer);
			else
				jw_null_field(jw, "device");
			jw_uint_field(jw, "mb_per_s", di->links[i].mbps);
			jw_end_object(jw);
		}
		jw_end_array(jw);
	}
	jw_end_object(jw);
}

static void text_dev(const struct svm_device *d, const struct dev_info *di)
{
	char used[32], total[32];

	if (d->used_err)
		snprintf(used, sizeof(used), "?");
	else
		fmt_bytes(used, sizeof(used), d->mem_used);
	if (d->total_err)
		snprintf(total, sizeof(total), "?");
	else
		fmt_bytes(total, sizeof(total), d->mem_total);
	printf("device %s: %s\n", d->id, d->name_err ? "?" : d->name);
	printf("  memory:   %s used of %s", used, total);
	if (!d->used_err && !d->total_err && d->mem_total)
		printf(" (%.1f%%)", 100.0 * d->mem_used / d->mem_total);
	printf("\n  peers:   ");
	if (di->peers_err) {
		printf(" ?");
	} else if (!di->peers) {
		printf(" none");
	} else {
		for (unsigned int b = 0; b < 64; b++)
			if (di->peers & (1ULL << b))
				printf(" %u", b);
	}
	printf("\n  links:   ");
	if (di->links_err)
		printf(" ? (%s)", strerror(-di->links_err));
	for (size_t i = 0; i < di->nlinks; i++)
		printf("%s%s %llu MB/s", i ? ", " : " ",
		       di->links[i].target, di->links[i].mbps);
	if (!di->links_err && !di->nlinks)
		printf(" none");
	printf("\n  counters:");
	if (di->counters_err)
		printf(" ? (%s)", strerror(-di->counters_err));
	for (size_t i = 0; i < di->ncounters; i++)
		printf("%s%s %llu", i % 4 ? ", " : "\n    ",
		       di->counters[i].key, di->counters[i].val);
	printf("\n");
}

static int do_devices(int argc, char **argv)
{
	struct svm_device *dev = NULL;
	struct dev_info *di;
	json_writer_t *jw;
	size_t ndev = 0;
	int ret, err;

	ret = parse_common_only(&cmd_devices, argc, argv);
	if (ret >= 0)
		return ret;
	ret = svm_require_loaded();
	if (ret)
		return ret;
	err = svm_devices_read(&dev, &ndev);
	if (err)
		return p_err(EXIT_FAIL, -err, "reading %s/devices",
			     svm_sysfs_root());
	di = calloc(ndev ? ndev : 1, sizeof(*di));
	if (!di) {
		free(dev);
		return p_err(EXIT_FAIL, ENOMEM, "reading devices");
	}
	for (size_t i = 0; i < ndev; i++)
		dev_info_read(dev[i].id, &di[i]);

	if (json_output) {
		jw = jw_new(stdout, pretty_output);
		jw_start_object(jw);
		jw_name(jw, "devices");
		jw_start_array(jw);
		for (size_t i = 0; i < ndev; i++)
			json_dev(jw, &dev[i], &di[i]);
		jw_end_array(jw);
		jw_end_object(jw);
		jw_destroy(&jw);
	} else {
		for (size_t i = 0; i < ndev; i++) {
			if (i)
				printf("\n");
			text_dev(&dev[i], &di[i]);
		}
		if (!ndev)
			printf("no devices registered\n");
	}
	free(di);
	free(dev);
	return EXIT_OKAY;
}

const struct svm_cmd cmd_devices = {
	.name = "devices",
	.fn = do_devices,
	.summary = "the registered devices: memory, peers, links, counters",
	.synopsis = "svmctl devices [--json]",
	.desc =
"For each device in </sys/kernel/svm_ext/devices/N/>: its name, memory\n"
"total and used (bytes), its peers (devices it can map directly), its\n"
"links (file `links`: one line per link, the target, `system` or a device\n"
"index, and its bandwidth in MB/s) and its counters (file `counters`:\n"
"`faults_read`, `faults_write`, `faults_atomic`, `pages_to_dev`,\n"
"`pages_from_dev`, `cpu_faults`, `remote_maps` (pages mapped in place),\n"
"`evictions`, `pages_evicted`, and whatever else the module adds).  A file\n"
"that cannot be read shows as `?` (null in JSON).",
	.opts = (const struct svm_opt[]){
		{ "json", 'j', .help =
"JSON output: `{devices: [{index, name, mem_total, mem_used, peers:\n"
"[N...], counters: {NAME: N}, links: [{target, device, mb_per_s}]}]}`,\n"
"`device` being the target's index or null." },
		{ NULL }
	},
	.exits = (const struct svm_exit[]){
		{ 0, "shown" },
		{ 1, "failed" },
		{ 2, "usage error" },
		{ 3, "svm_ext is not loaded" },
		{ 0, NULL }
	},
	.examples = (const struct svm_example[]){
		{ "svmctl devices", NULL, NULL },
		{ "svmctl devices --json | jq '.devices[0].links'",
		  "device 0's links, as JSON", NULL },
		{ NULL }
	},
};
