// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of svmbench fit (fit.c): reading the real and modeled
 * CSVs, and the comparison's ratios, cliffs and bounds.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fit.h"
#include "unit_test.h"

static char dir[] = "/tmp/fit_test.XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(2);
	}
	return path;
}

static const char real_csv[] =
	"# a comment\n"
	"workload,ratio,policy,cap_chunks,device_ms,device_ms_min,device_ms_max,cpu_ms\n"
	"sweep,1,uvm,512,100,90,110,\n"
	"sweep,3,uvm,512,2000,1900,2100,\n"
	"pingpong-cpu,1,hints,512,30,29,31,60\n";

/* svmbench suite's CSV: more columns, in its order */
static const char model_head[] =
	"workload,ratio,policy,cap_chunks,ws_chunks,modeled_ns,opt_ns,cpu_ns,state\n";

static void compare(const char *model_rows, const char *policy,
		    struct fit_summary *sum, char *md, size_t mdlen)
{
	static struct fit_table real, model;
	char text[2048];
	FILE *f;

	snprintf(text, sizeof(text), "%s%s", model_head, model_rows);
	EXPECT_EQ("real csv reads", fit_read(write_file("r.csv", real_csv), &real), 0);
	EXPECT_EQ("model csv reads", fit_read(write_file("m.csv", text), &model), 0);
	f = fmemopen(md, mdlen, "w");
	fit_compare(&real, &model, policy, 1.5, f, sum);
	fclose(f);
}

int main(void)
{
	static struct fit_table t;
	struct fit_summary s;
	char md[8192];

	if (!mkdtemp(dir)) {
		perror(dir);
		return 2;
	}

	/* the repo's real figures parse: 21 rows, 512 chunks each */
	EXPECT_EQ("h100-uvm.csv", fit_read(FIT_REAL_CSV, &t), 0);
	EXPECT_EQ("h100-uvm.csv rows", t.n, 21);
	EXPECT_EQ("h100-uvm.csv cap", t.rows[0].cap_chunks, 512);
	EXPECT_EQ("pingpong cpu ms", (unsigned long long)t.rows[15].cpu_ms, 3591);
	EXPECT("sweep has no cpu ms", t.rows[0].cpu_ms < 0);

	/* malformed: no header, a bad number, a missing column */
	EXPECT("no header", fit_read(write_file("a.csv", "# only\n"), &t) < 0);
	EXPECT("bad number", fit_read(write_file("b.csv",
		"workload,ratio,policy,cap_chunks,device_ms\nsweep,x,uvm,512,1\n"), &t) < 0);
	EXPECT("negative", fit_read(write_file("c.csv",
		"workload,ratio,policy,cap_chunks,device_ms\nsweep,1,uvm,512,-1\n"), &t) < 0);
	EXPECT("no time column", fit_read(write_file("d.csv",
		"workload,ratio,policy,cap_chunks\nsweep,1,uvm,512\n"), &t) < 0);

	/* exact: every ratio 1.00, cliff 20 both sides */
	compare("sweep,1,uvm,512,1,100000000,0,0,ok\n"
		"sweep,3,uvm,512,1,2000000000,0,0,ok\n"
		"pingpong-cpu,1,hints,512,1,30000000,0,60000000,ok\n",
		"uvm", &s, md, sizeof(md));
	EXPECT_EQ("exact compared", s.compared, 3);
	EXPECT_EQ("exact time out", s.time_out, 0);
	EXPECT_EQ("exact cliff out", s.cliff_out, 0);
	EXPECT_EQ("exact missing", s.missing, 0);
	EXPECT("exact worst 1", s.worst_time == 1 && s.worst_cliff == 1);
	EXPECT("table has the cliff", strstr(md, "| 20.0 | 20.0 | 1.00x |"));

	/*
	 * 1x modeled 1.4x too fast (within), 3x 1.45x too slow (within): the
	 * cliff is 1.4 * 1.45 = 2.03x steeper (out)
	 */
	compare("sweep,1,none,512,1,71428571,0,0,ok\n"
		"sweep,3,none,512,1,2900000000,0,0,ok\n"
		"pingpong-cpu,1,hints,512,1,30000000,0,0,ok\n",
		"none", &s, md, sizeof(md));
	EXPECT_EQ("cliff out: times", s.time_out, 0);
	EXPECT_EQ("cliff out: cliffs", s.cliff_out, 1);
	EXPECT("cliff out: worst", s.worst_cliff > 2.0 && s.worst_cliff < 2.1);
	EXPECT("policy replaced", strstr(md, "| sweep | 3 | none |"));

	/* 1.6x slower at 1x: out; the hints row is missing (wrong size) */
	compare("sweep,1,uvm,512,1,160000000,0,0,ok\n"
		"sweep,3,uvm,512,1,3200000000,0,0,ok\n"
		"pingpong-cpu,1,hints,256,1,30000000,0,0,ok\n",
		"uvm", &s, md, sizeof(md));
	EXPECT_EQ("slow: time out", s.time_out, 2);
	EXPECT_EQ("slow: cliff within", s.cliff_out, 0);
	EXPECT_EQ("slow: missing", s.missing, 1);
	EXPECT("slow: marked", strstr(md, "**1.60x** (out)"));
	EXPECT("missing: marked", strstr(md, "not run"));

	unlink(write_file("r.csv", ""));
	unlink(write_file("m.csv", ""));
	unlink(write_file("a.csv", ""));
	unlink(write_file("b.csv", ""));
	unlink(write_file("c.csv", ""));
	unlink(write_file("d.csv", ""));
	rmdir(dir);
	printf("fit_test: %d checks, %d failed\n", checks, failures);
	return failures != 0;
}
