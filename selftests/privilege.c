// SPDX-License-Identifier: GPL-2.0
/*
 * The privilege model of docs/security.md, tried: three users - root, root
 * without capabilities (uid 0, every capability dropped from the bounding,
 * permitted, effective, inheritable and ambient sets, so that none comes
 * back across execve) and nobody (uid/gid 65534, in the render node's
 * group) - each try every operation through svmctl, bpftool, raw bpf(2),
 * sysfs, debugfs and the render node, in a forked child, and each result
 * must be the one the table in docs/security.md gives.  The rows below
 * mirror that table line by line.
 *
 * "Handed over" objects are opened by the test as root before the fork,
 * as a privileged loader passing a descriptor on would: the kernel must
 * check the caller, not only who could open the object.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "svm_harness.h"
#include "svm_user.h"

#define BPFFS "/sys/fs/bpf/svm_ext"
#define NOBODY 65534

enum actor { ROOT, NOCAPS, USER, NR_ACTORS };

static const char *const actor_name[NR_ACTORS] = {
	"root", "root without capabilities", "nobody",
};

/* expected results: a shell command's exit status, or 0 / -errno */
#define FAILS	1000	/* any non-zero exit status */

/* ---- becoming someone else ---------------------------------------------- */

static int drop_all_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { { 0 } };
	int cap;

	/* the bounding set first: a uid 0 execve would refill from it */
	for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
			return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0))
		return -errno;
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

static int become(enum actor who, gid_t render_gid)
{
	gid_t groups[1] = { render_gid };

	switch (who) {
	case ROOT:
		return 0;
	case NOCAPS:
		return drop_all_caps();
	case USER:
		/* a render-node user: the node's group, nothing else */
		if (setgroups(1, groups) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			return -errno;
		return 0;
	default:
		return -EINVAL;
	}
}

/* ---- what the test shares with its children ----------------------------- */

struct priv_ctx {
	gid_t render_gid;
	char render_path[64];
	int bound_fd;		/* render node bound by the test (root) */
	void *bound_buf;	/* the test's memory, on device 0 */
	pid_t test_pid;
	int link_fd;		/* the loaded policy's link, opened by root */
	int map_fd;		/* a prepared, unattached struct_ops map */
	__u32 link_id;
	char out[256];		/* where commands write their output */
};

static struct priv_ctx *shared_ctx;

/* Runs @fn as @who in a child; returns what @fn returned. */
static int as_actor(enum actor who, int (*fn)(struct priv_ctx *, const void *),
		    struct priv_ctx *ctx, const void *arg)
{
	int *res = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status, ret;
	pid_t pid;

	if (res == MAP_FAILED)
		return -ENOMEM;
	*res = -ECHILD;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		ret = become(who, ctx->render_gid);
		*res = ret ? -10000 + ret : fn(ctx, arg);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ret = *res;
	munmap(res, sizeof(int));
	return ret;
}

/* ---- the operations ------------------------------------------------------ */

/* A command line; %S is replaced by svmctl's path, %B by bpftool's. */
static int op_shell(struct priv_ctx *ctx, const void *arg)
{
	char cmd[1024], *o = cmd;
	const char *c = arg;
	int st;

	while (*c && o < cmd + sizeof(cmd) - 300) {
		if (c[0] == '%' && c[1] == 'S') {
			o += sprintf(o, "%s", svmctl_path());
			c += 2;
		} else if (c[0] == '%' && c[1] == 'B') {
			o += sprintf(o, "%s", SVM_BPFTOOL);
			c += 2;
		} else if (c[0] == '%' && c[1] == 'I') {
			o += sprintf(o, "%u", ctx->link_id);
			c += 2;
		} else {
			*o++ = *c++;
		}
	}
	snprintf(o, cmd + sizeof(cmd) - o, " >%s 2>&1 </dev/null", ctx->out);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -ECHILD;
	return WEXITSTATUS(st);
}

/* BPF_LINK_UPDATE: replace the policy through the handed-over link */
static int op_link_update(struct priv_ctx *ctx, const void *arg)
{
	return bpf_link_update(ctx->link_fd, ctx->map_fd, NULL) ? -errno : 0;
}

/* BPF_LINK_CREATE on the handed-over struct_ops map: attach it */
static int op_link_create(struct priv_ctx *ctx, const void *arg)
{
	int fd = bpf_link_create(ctx->map_fd, 0, BPF_STRUCT_OPS, NULL);

	if (fd < 0)
		return -errno;
	close(fd);	/* the child's link: detached when it exits */
	return 0;
}

static int op_link_by_id(struct priv_ctx *ctx, const void *arg)
{
	int fd = bpf_link_get_fd_by_id(ctx->link_id);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int op_obj_get(struct priv_ctx *ctx, const void *arg)
{
	int fd = bpf_obj_get(arg);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* tune: write the params value back through its pin (MAP_UPDATE_ELEM) */
static int op_params_update(struct priv_ctx *ctx, const void *arg)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), zero = 0;
	char val[4096];
	int fd = bpf_obj_get(arg), ret = 0;

	if (fd < 0)
		return -errno;
	if (bpf_map_get_info_by_fd(fd, &info, &len) ||
	    info.value_size > sizeof(val) ||
	    bpf_map_lookup_elem(fd, &zero, val) ||
	    bpf_map_update_elem(fd, &zero, val, BPF_ANY))
		ret = -errno ?: -EINVAL;
	close(fd);
	return ret;
}

/* read a sysfs or debugfs file; 0 or -errno */
static int op_read(struct priv_ctx *ctx, const void *arg)
{
	char buf[256];
	int fd = open(arg, O_RDONLY), n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* write the file's own value back: allowed or not, nothing changes */
static int op_write_same(struct priv_ctx *ctx, const void *arg)
{
	char buf[64] = "";
	int fd, n;

	if (read_str(arg, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "0");
	fd = open(arg, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, strlen(buf));
	close(fd);
	return n < 0 ? -errno : 0;
}

/*
 * debugfs ranges, read after binding a device and touching memory of our
 * own: 1 if the test's (root's) ranges show, 2 if our own do, or -errno.
 */
static int op_debugfs_ranges(struct priv_ctx *ctx, const void *arg)
{
	char line[512], want_test[32], want_self[32];
	int fd = open(ctx->render_path, O_RDWR), ret = 0;
	void *buf;
	FILE *f;

	if (fd < 0)
		return -10000 - errno;
	buf = map_chunk_aligned(CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (emu_bind(fd) || buf == MAP_FAILED ||
	    emu_exec1(fd, SVM_EMU_OP_WRITE, buf, CHUNK, 0, 1, NULL, NULL))
		return -20000;
	snprintf(want_test, sizeof(want_test), "%d ", ctx->test_pid);
	snprintf(want_self, sizeof(want_self), "%d ", getpid());
	f = fopen("/sys/kernel/debug/svm_ext/ranges", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, want_test, strlen(want_test)))
			ret |= 1;
		if (!strncmp(line, want_self, strlen(want_self)))
			ret |= 2;
	}
	fclose(f);
	close(fd);
	return ret;
}

/* a render node of our own: open, bind, a device write, a query */
static int op_render_own(struct priv_ctx *ctx, const void *arg)
{
	int fd = open(ctx->render_path, O_RDWR), ret;
	uint16_t res[1];
	void *buf;

	if (fd < 0)
		return -errno;
	buf = map_chunk_aligned(CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (buf == MAP_FAILED)
		return -ENOMEM;
	ret = emu_bind(fd);
	if (!ret)
		ret = emu_exec1(fd, SVM_EMU_OP_WRITE, buf, CHUNK, 0, 3, NULL,
				NULL);
	if (!ret)
		ret = emu_query(fd, buf, 1, res);
	if (!ret && check_pattern(buf, CHUNK, 3) != -1)
		ret = -EIO;
	close(fd);
	return ret;
}

/* the test's bound fd, inherited: another address space's binding */
static int op_render_query_other(struct priv_ctx *ctx, const void *arg)
{
	uint16_t res[1];

	return emu_query(ctx->bound_fd, ctx->bound_buf, 1, res);
}

static int op_render_exec_other(struct priv_ctx *ctx, const void *arg)
{
	return emu_exec1(ctx->bound_fd, SVM_EMU_OP_WRITE, ctx->bound_buf, 4096,
			 0, 99, NULL, NULL);
}

static int op_render_unbind_other(struct priv_ctx *ctx, const void *arg)
{
	struct drm_svm_emu_bind args = { 0 };

	return ioctl(ctx->bound_fd, DRM_IOCTL_SVM_EMU_UNBIND, &args) ? -errno :
								      0;
}

/* ---- the table ----------------------------------------------------------- */

enum setup { NO_POLICY, PREFETCH, PREFETCH_AND_MAP, MAP_ONLY };

struct row {
	const char *iface;	/* as docs/security.md's first column */
	const char *what;
	enum setup setup;
	int (*op)(struct priv_ctx *, const void *);
	const void *arg;
	int expect[NR_ACTORS];
	/* sysfs policy afterwards ("" none); NULL: not checked */
	const char *policy_after[NR_ACTORS];
};

#define COST	"/sys/class/drm/%s/device/cost/fault_ns"

static char cost_path[128];

static const struct row rows[] = {
	/* svmctl */
	{ "svmctl", "status", PREFETCH, op_shell, "%S status",
	  { 0, 0, 0 }, { "prefetch", "prefetch", "prefetch" } },
	{ "svmctl", "devices", NO_POLICY, op_shell, "%S devices",
	  { 0, 0, 0 } },
	{ "svmctl", "load sysmem", NO_POLICY, op_shell, "%S load sysmem",
	  { 0, 4, 4 }, { "sysmem", "", "" } },
	{ "svmctl", "switch sysmem", PREFETCH, op_shell, "%S switch sysmem",
	  { 0, 4, 4 }, { "sysmem", "prefetch", "prefetch" } },
	{ "svmctl", "get threshold", PREFETCH, op_shell, "%S get threshold",
	  { 0, 4, 4 } },
	{ "svmctl", "set threshold=60", PREFETCH, op_shell,
	  "%S set threshold=60", { 0, 4, 4 } },
	{ "svmctl", "unload", PREFETCH, op_shell, "%S unload",
	  { 0, 0, 4 }, { "", "", "prefetch" } },
	{ "svmctl", "record --pid 1 for 0.1 s", PREFETCH, op_shell,
	  "%S record --pid 1 -o /tmp/svm-priv-record.trace --duration 0.1",
	  { 0, 4, 4 } },
	/* bpftool */
	{ "bpftool", "struct_ops list", PREFETCH, op_shell, "%B struct_ops list",
	  { 0, FAILS, FAILS } },
	{ "bpftool", "map dump pinned params", PREFETCH, op_shell,
	  "%B map dump pinned " BPFFS "/prefetch/params", { 0, FAILS, FAILS } },
	{ "bpftool", "link detach id", PREFETCH, op_shell,
	  "%B link detach id %I", { 0, FAILS, FAILS },
	  { "", "prefetch", "prefetch" } },
	/* raw bpf(2) */
	{ "bpf(2)", "LINK_GET_FD_BY_ID of the policy's link", PREFETCH,
	  op_link_by_id, NULL, { 0, -EPERM, -EPERM } },
	{ "bpf(2)", "OBJ_GET of the link pin", PREFETCH, op_obj_get,
	  BPFFS "/prefetch/link", { 0, 0, -EACCES } },
	{ "bpf(2)", "MAP_UPDATE_ELEM of params through its pin", PREFETCH,
	  op_params_update, BPFFS "/prefetch/params", { 0, 0, -EACCES } },
	{ "bpf(2)", "LINK_UPDATE (switch) of a handed-over link and map",
	  PREFETCH_AND_MAP, op_link_update, NULL, { 0, -EPERM, -EPERM },
	  { "sysmem", "prefetch", "prefetch" } },
	{ "bpf(2)", "LINK_CREATE (attach) of a handed-over map", MAP_ONLY,
	  op_link_create, NULL, { 0, -EPERM, -EPERM },
	  { NULL, "", "" } },
	/* sysfs */
	{ "sysfs", "read /sys/kernel/svm_ext/state", NO_POLICY, op_read,
	  SVM_SYSFS "/state", { 0, 0, 0 } },
	{ "sysfs", "write /sys/kernel/svm_ext/state", NO_POLICY,
	  op_write_same, SVM_SYSFS "/state", { -EACCES, -EACCES, -EACCES } },
	{ "sysfs", "read a cost parameter", NO_POLICY, op_read, cost_path,
	  { 0, 0, 0 } },
	{ "sysfs", "write a cost parameter", NO_POLICY, op_write_same,
	  cost_path, { 0, -EPERM, -EACCES } },
	{ "sysfs", "write svm_emu.access_counter_bytes", NO_POLICY,
	  op_write_same, "/sys/module/svm_emu/parameters/access_counter_bytes",
	  { 0, -EPERM, -EACCES } },
	{ "sysfs", "write svm_ext.max_ranges", NO_POLICY, op_write_same,
	  "/sys/module/svm_ext/parameters/max_ranges", { 0, -EPERM, -EACCES } },
	{ "sysfs", "write svm_emu.pt_max_pages", NO_POLICY, op_write_same,
	  "/sys/module/svm_emu/parameters/pt_max_pages",
	  { 0, -EPERM, -EACCES } },
	{ "sysfs", "write svm_emu.fault_batch", NO_POLICY, op_write_same,
	  "/sys/module/svm_emu/parameters/fault_batch",
	  { 0, -EPERM, -EACCES } },
	/* debugfs */
	{ "debugfs", "ranges: root's process (1), its own (2)", NO_POLICY,
	  op_debugfs_ranges, NULL, { 3, 2, -EACCES } },
	/* render node */
	{ "render node", "bind, EXEC and QUERY its own memory", NO_POLICY,
	  op_render_own, NULL, { 0, 0, 0 } },
	{ "render node", "QUERY through another process's binding", NO_POLICY,
	  op_render_query_other, NULL, { -EPERM, -EPERM, -EPERM } },
	{ "render node", "EXEC through another process's binding", NO_POLICY,
	  op_render_exec_other, NULL, { -EPERM, -EPERM, -EPERM } },
	{ "render node", "UNBIND another process's binding", NO_POLICY,
	  op_render_unbind_other, NULL, { -EPERM, -EPERM, -EPERM } },
};

/* ---- setting the stage --------------------------------------------------- */

static int wait_policy(const char *want)
{
	char pol[64], st[64];
	int i;

	for (i = 0; i < 500; i++) {
		sys_str("policy", pol, sizeof(pol));
		sys_str("state", st, sizeof(st));
		if (!strcmp(pol, want) &&
		    !strcmp(st, want[0] ? "enabled" : "disabled"))
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

static __u32 link_id_of(int fd)
{
	struct bpf_link_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_link_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/*
 * A struct_ops map with its value written but not attached: libbpf
 * writes the value when it attaches, and the attach is refused (EBUSY)
 * while another policy is active.  The map can then be linked or go to a
 * link update later, by whoever holds its fd.
 */
static int prepare_map(struct bpf_object **objp)
{
	struct bpf_object *obj;
	struct bpf_map *m, *st = NULL;
	struct bpf_link *l;
	char path[512];

	snprintf(path, sizeof(path), "%s", test_bpf_obj("default"));
	/* build/bpf/tests/X.bpf.o -> build/bpf/sysmem.bpf.o */
	snprintf(strstr(path, "/tests/"), 64, "/sysmem.bpf.o");
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return -errno;
	if (bpf_object__load(obj))
		return -errno;
	bpf_object__for_each_map(m, obj)
		if (bpf_map__type(m) == BPF_MAP_TYPE_STRUCT_OPS)
			st = m;
	if (!st)
		return -ENOENT;
	libbpf_set_print(NULL);	/* the EBUSY is expected */
	l = bpf_map__attach_struct_ops(st);
	if (l) {
		bpf_link__destroy(l);
		return -EEXIST;
	}
	if (errno != EBUSY)
		return -errno;
	*objp = obj;
	return bpf_map__fd(st);
}

/* Puts the machine in the state a row starts from, reusing what it can. */
static int stage(struct priv_ctx *ctx, enum setup s)
{
	bool want = s == PREFETCH || s == PREFETCH_AND_MAP;
	char pol[64];
	int fd;

	if (ctx->link_fd >= 0)
		close(ctx->link_fd);
	ctx->link_fd = -1;
	ctx->link_id = 0;
	sys_str("policy", pol, sizeof(pol));
	fd = bpf_obj_get(BPFFS "/prefetch/link");
	if (!(want && !strcmp(pol, "prefetch") && fd >= 0)) {
		if (fd >= 0)
			close(fd);
		fd = -1;
		if (!want && !pol[0])
			return 0;
		/* with nothing loaded, unload says so and fails: see sysfs */
		run("%s unload >/dev/null 2>&1", svmctl_path());
		/* a policy switched behind svmctl's back has no pins of its name */
		if (wait_policy("")) {
			run("rm -f " BPFFS "/*/link");
			if (wait_policy(""))
				return -EBUSY;
		}
		if (!want)
			return 0;
		if (run("%s load prefetch >/dev/null", svmctl_path()))
			return -EIO;
		fd = bpf_obj_get(BPFFS "/prefetch/link");
		if (fd < 0)
			return -errno;
	}
	ctx->link_id = link_id_of(fd);
	/* only a row that hands the link over keeps it open: it holds it */
	if (s == PREFETCH_AND_MAP)
		ctx->link_fd = fd;
	else
		close(fd);
	return 0;
}

static const char *result_str(int r, char *buf, size_t len)
{
	if (r == FAILS)
		snprintf(buf, len, "fails");
	else if (r < 0 && r > -4096)
		snprintf(buf, len, "%s", strerror(-r));
	else
		snprintf(buf, len, "%d", r);
	return buf;
}

FIXTURE(priv)
{
	struct priv_ctx *ctx;
	struct bpf_object *map_obj;
	mode_t node_mode;
	gid_t node_gid;
	bool node_changed;
};

FIXTURE_SETUP(priv)
{
	struct priv_ctx *ctx;
	char link[64], *name;
	struct stat sb;
	int fd;

	ctx = mmap(NULL, sizeof(*ctx), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ctx);
	memset(ctx, 0, sizeof(*ctx));
	self->ctx = shared_ctx = ctx;
	ctx->link_fd = -1;
	ctx->map_fd = -1;
	ctx->test_pid = getpid();
	run("%s unload >/dev/null 2>&1", svmctl_path());

	/* the render node of device 0, and who may open it */
	ctx->bound_fd = emu_open(0);
	ASSERT_GE(ctx->bound_fd, 0);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", ctx->bound_fd);
	ASSERT_LT(0, readlink(link, ctx->render_path,
			      sizeof(ctx->render_path) - 1));
	ASSERT_EQ(0, stat(ctx->render_path, &sb));
	self->node_mode = sb.st_mode & 07777;
	self->node_gid = sb.st_gid;
	/*
	 * Without udev rules the node is root's alone: give it a render
	 * group of its own (nogroup) as a distribution's rules would.
	 */
	if (!(sb.st_mode & S_IRGRP) || !(sb.st_mode & S_IWGRP) ||
	    !sb.st_gid) {
		ASSERT_EQ(0, chown(ctx->render_path, -1, NOBODY));
		ASSERT_EQ(0, chmod(ctx->render_path, 0660));
		self->node_changed = true;
	}
	ASSERT_EQ(0, stat(ctx->render_path, &sb));
	ctx->render_gid = sb.st_gid;
	name = strrchr(ctx->render_path, '/') + 1;
	snprintf(cost_path, sizeof(cost_path), COST, name);

	/* the test's own memory on device 0 */
	ASSERT_EQ(0, emu_bind(ctx->bound_fd));
	ctx->bound_buf = map_chunk_aligned(CHUNK, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, ctx->bound_buf);
	ASSERT_EQ(0, emu_exec1(ctx->bound_fd, SVM_EMU_OP_WRITE, ctx->bound_buf,
			       CHUNK, 0, 7, NULL, NULL));

	/* output of the commands, writable by every actor */
	snprintf(ctx->out, sizeof(ctx->out), "/tmp/privilege-out.XXXXXX");
	fd = mkstemp(ctx->out);
	ASSERT_GE(fd, 0);
	fchmod(fd, 0666);
	close(fd);
}

FIXTURE_TEARDOWN(priv)
{
	struct priv_ctx *ctx = self->ctx;

	run("%s unload >/dev/null 2>&1", svmctl_path());
	if (ctx->link_fd >= 0)
		close(ctx->link_fd);
	if (ctx->map_fd >= 0)
		close(ctx->map_fd);
	bpf_object__close(self->map_obj);
	unlink(ctx->out);
	close(ctx->bound_fd);
	if (self->node_changed &&
	    (chown(ctx->render_path, -1, self->node_gid) ||
	     chmod(ctx->render_path, self->node_mode)))
		TH_LOG("restoring %s: %s", ctx->render_path, strerror(errno));
}

TEST_F_TIMEOUT(priv, matrix, 1200)
{
	struct priv_ctx *ctx = self->ctx;
	char got[64], want[64], pol[64], out[2048];
	int failures = 0;
	size_t i;
	int a, r;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];

		/* the least privileged first: a refusal must not depend on
		 * what an earlier success left behind */
		for (a = NR_ACTORS - 1; a >= 0; a--) {
			bool ok;

			ASSERT_EQ(0, stage(ctx, row->setup == MAP_ONLY ?
					   PREFETCH : row->setup))
				TH_LOG("%s %s: setting the stage", row->iface,
				       row->what);
			if ((row->setup == PREFETCH_AND_MAP ||
			     row->setup == MAP_ONLY) && ctx->map_fd < 0) {
				ctx->map_fd = prepare_map(&self->map_obj);
				ASSERT_GE(ctx->map_fd, 0)
					TH_LOG("preparing a struct_ops map: %s",
					       strerror(-ctx->map_fd));
			}
			if (row->setup == MAP_ONLY)
				ASSERT_EQ(0, stage(ctx, NO_POLICY));
			if (truncate(ctx->out, 0))
				TH_LOG("truncating %s: %s", ctx->out,
				       strerror(errno));
			r = as_actor(a, row->op, ctx, row->arg);
			ok = row->expect[a] == FAILS ? r > 0 : r == row->expect[a];
			if (row->policy_after[a] && ok) {
				if (row->policy_after[a][0])
					ok = !wait_policy(row->policy_after[a]);
				else
					ok = !wait_policy("");
				sys_str("policy", pol, sizeof(pol));
			} else {
				pol[0] = '\0';
			}
			if (read_str(ctx->out, out, sizeof(out)))
				out[0] = '\0';
			if (!ok) {
				failures++;
				TH_LOG("%-11s %-45s as %-26s: got %s, documented %s%s%s; policy now '%s'; output: %s",
				       row->iface, row->what, actor_name[a],
				       result_str(r, got, sizeof(got)),
				       result_str(row->expect[a], want,
						  sizeof(want)),
				       row->policy_after[a] ? ", policy then '" : "",
				       row->policy_after[a] ?: "", pol, out);
			} else {
				TH_LOG("%-11s %-45s as %-26s: %s", row->iface,
				       row->what, actor_name[a],
				       result_str(r, got, sizeof(got)));
			}
		}
	}
	EXPECT_EQ(0, failures);
}

/*
 * The hijack the issue found: another user creates the pin root before
 * svmctl does (bpffs is often mode 1777).  svmctl must refuse to pin into
 * it, and to unload through it, instead of leaving a policy the other user
 * controls.
 */
TEST_F(priv, svmctl_refuses_a_pin_root_it_does_not_own)
{
	char out[1024];

	run("%s unload >/dev/null 2>&1", svmctl_path());
	ASSERT_EQ(0, wait_policy(""));
	run("rm -rf " BPFFS);
	ASSERT_EQ(0, mkdir(BPFFS, 0755));
	ASSERT_EQ(0, chown(BPFFS, NOBODY, NOBODY));
	EXPECT_EQ(4, run("%s load sysmem >%s 2>&1", svmctl_path(),
			 self->ctx->out));
	if (read_str(self->ctx->out, out, sizeof(out)))
		out[0] = '\0';
	EXPECT_NE(NULL, strstr(out, "owned by uid 65534")) TH_LOG("%s", out);
	EXPECT_EQ(0, wait_policy(""));

	/* group or world writable, even when ours */
	ASSERT_EQ(0, chown(BPFFS, 0, 0));
	ASSERT_EQ(0, chmod(BPFFS, 01777));
	EXPECT_EQ(4, run("%s load sysmem >%s 2>&1", svmctl_path(),
			 self->ctx->out));
	if (read_str(self->ctx->out, out, sizeof(out)))
		out[0] = '\0';
	EXPECT_NE(NULL, strstr(out, "group or world writable")) TH_LOG("%s", out);
	EXPECT_EQ(0, wait_policy(""));

	/* a symbolic link in its place */
	ASSERT_EQ(0, rmdir(BPFFS));
	ASSERT_EQ(0, symlink("/tmp", BPFFS));
	EXPECT_EQ(4, run("%s load sysmem >/dev/null 2>&1", svmctl_path()));
	EXPECT_EQ(0, unlink(BPFFS));

	/* svmctl's own: fine */
	EXPECT_EQ(0, run("%s load sysmem >/dev/null", svmctl_path()));
	EXPECT_EQ(0, wait_policy("sysmem"));
	/* and a root that turned world writable under a loaded policy */
	ASSERT_EQ(0, chmod(BPFFS, 0777));
	EXPECT_EQ(4, run("%s unload >/dev/null 2>&1", svmctl_path()));
	EXPECT_EQ(0, wait_policy("sysmem"));
	ASSERT_EQ(0, chmod(BPFFS, 0755));
	EXPECT_EQ(0, run("%s unload >/dev/null", svmctl_path()));
	EXPECT_EQ(0, wait_policy(""));
}

TEST_HARNESS_MAIN
