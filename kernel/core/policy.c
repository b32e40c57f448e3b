// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: the policy framework (struct_ops svm_ext_ops).
 *
 * DOC: policies
 *
 * At most one BPF policy is active.  Hooks are called under SRCU, so
 * detaching waits only for the hook calls in flight.  A hook records its
 * decision in the context through kfuncs; the core then checks it (location
 * registered, window page aligned, inside the fault's chunk and VMA, around
 * the faulting address) and, if it is bad, ejects the policy: the active
 * pointer is cleared at once, the reason is kept for sysfs and svmctl, and
 * the built-in default decides this very fault and every later one.  Nothing
 * the policy can decide loses data: decisions only choose among moves the
 * core knows how to do safely.
 *
 * State machine (sysfs "state"): disabled -> enabling -> enabled ->
 * (ejected ->) disabled.  "ejected" means the policy was thrown out but its
 * link is still attached; detaching it returns to "disabled".
 */
#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/ctype.h>
#include <linux/module.h>
#include <linux/srcu.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include "internal.h"

enum svm_ext_state {
	SVM_EXT_DISABLED,
	SVM_EXT_ENABLING,
	SVM_EXT_ENABLED,
	SVM_EXT_EJECTED,
};

static const char * const svm_ext_state_names[] = {
	[SVM_EXT_DISABLED] = "disabled",
	[SVM_EXT_ENABLING] = "enabling",
	[SVM_EXT_ENABLED] = "enabled",
	[SVM_EXT_EJECTED] = "ejected",
};

static const char * const svm_ext_exit_kind_names[] = {
	[SVM_EXT_EXIT_NONE] = "none",
	[SVM_EXT_EXIT_UNREGISTERED] = "unregistered",
	[SVM_EXT_EXIT_ERROR] = "error",
	[SVM_EXT_EXIT_BAD_DECISION] = "bad_decision",
};

DEFINE_STATIC_SRCU(svm_ext_srcu);
/* serialises attach and detach */
static DEFINE_MUTEX(svm_ext_policy_mutex);
/* protects the fields below against ejection from hook context */
static DEFINE_SPINLOCK(svm_ext_state_lock);
static struct svm_ext_ops __rcu *svm_ext_active;
static struct svm_ext_ops *svm_ext_attached;	/* under the mutex */
static enum svm_ext_state svm_ext_state;
static char svm_ext_policy_name[SVM_EXT_OPS_NAME_LEN];
static time64_t svm_ext_enabled_since;
static u64 svm_ext_enable_count;
static struct svm_ext_exit_info svm_ext_last_exit;
static bool svm_ext_exit_pending;	/* exit hook not yet called */

static void svm_ext_exit_workfn(struct work_struct *work);
static DECLARE_WORK(svm_ext_exit_work, svm_ext_exit_workfn);

/*
 * Throw the active policy out.  Callable from any hook context: the ops
 * pointer is cleared at once; the exit hook runs later from a worker, never
 * nested in the hook that failed.
 */
static void svm_ext_eject(struct svm_ext_ops *ops, u32 kind, const char *reason,
			  const char *msg)
{
	unsigned long flags;

	spin_lock_irqsave(&svm_ext_state_lock, flags);
	if (rcu_access_pointer(svm_ext_active) != ops) {
		spin_unlock_irqrestore(&svm_ext_state_lock, flags);
		return;
	}
	rcu_assign_pointer(svm_ext_active, NULL);
	svm_ext_state = SVM_EXT_EJECTED;
	svm_ext_last_exit.kind = kind;
	strscpy(svm_ext_last_exit.reason, reason,
		sizeof(svm_ext_last_exit.reason));
	strscpy(svm_ext_last_exit.msg, msg ?: "", sizeof(svm_ext_last_exit.msg));
	svm_ext_exit_pending = true;
	spin_unlock_irqrestore(&svm_ext_state_lock, flags);
	pr_warn("svm_ext: policy %s ejected: %s%s%s\n", ops->name, reason,
		msg && *msg ? ": " : "", msg ?: "");
	schedule_work(&svm_ext_exit_work);
}

static void svm_ext_call_exit(struct svm_ext_ops *ops)
{
	struct svm_ext_exit_info info;
	unsigned long flags;
	bool pending;

	spin_lock_irqsave(&svm_ext_state_lock, flags);
	pending = svm_ext_exit_pending;
	svm_ext_exit_pending = false;
	info = svm_ext_last_exit;
	spin_unlock_irqrestore(&svm_ext_state_lock, flags);
	if (pending && ops->exit)
		ops->exit(&info);
}

static void svm_ext_exit_workfn(struct work_struct *work)
{
	mutex_lock(&svm_ext_policy_mutex);
	/* wait for the hook that failed to return before calling exit */
	synchronize_srcu(&svm_ext_srcu);
	if (svm_ext_attached)
		svm_ext_call_exit(svm_ext_attached);
	mutex_unlock(&svm_ext_policy_mutex);
}

/* ---- hook dispatch, used by the fault paths ---- */

static bool svm_ext_window_ok(u64 start, u64 end, u64 addr, u64 lo, u64 hi)
{
	return PAGE_ALIGNED(start) && PAGE_ALIGNED(end) && start < end &&
	       start >= lo && end <= hi && addr >= start && addr < end;
}

static bool svm_ext_fault_decision_ok(struct svm_ext_fault_ctx *ctx,
				      char *why, size_t len)
{
	if (ctx->dec_bad) {
		scnprintf(why, len, "fault: invalid argument to a decision kfunc");
		return false;
	}
	if (ctx->decision == SVM_EXT_DECIDE_DEFAULT)
		return true;
	if (ctx->dec_loc != SVM_EXT_LOC_SYSTEM &&
	    !svm_ext_device_get(ctx->dec_loc)) {
		scnprintf(why, len, "fault: location 0x%x is not a device",
			  ctx->dec_loc);
		return false;
	}
	if (!svm_ext_window_ok(ctx->dec_start, ctx->dec_end, ctx->addr,
			       ctx->range_start, ctx->range_end)) {
		scnprintf(why, len,
			  "fault: window [0x%llx,0x%llx) not page aligned around 0x%llx inside [0x%llx,0x%llx)",
			  ctx->dec_start, ctx->dec_end, ctx->addr,
			  ctx->range_start, ctx->range_end);
		return false;
	}
	return true;
}

/**
 * svm_ext_policy_fault() - decide a device fault
 * @ctx: the fault; on return it holds a valid decision
 *
 * Asks the active policy, checks its answer, falls back to the default.
 */
void svm_ext_policy_fault(struct svm_ext_fault_ctx *ctx)
{
	struct svm_ext_ops *ops;
	char why[160];
	int idx;

	idx = srcu_read_lock(&svm_ext_srcu);
	ops = srcu_dereference(svm_ext_active, &svm_ext_srcu);
	if (ops && ops->fault) {
		ops->fault(ctx);
		if (!svm_ext_fault_decision_ok(ctx, why, sizeof(why))) {
			svm_ext_eject(ops, SVM_EXT_EXIT_BAD_DECISION, why, NULL);
			ctx->decision = SVM_EXT_DECIDE_DEFAULT;
		}
	}
	srcu_read_unlock(&svm_ext_srcu, idx);
	if (ctx->decision == SVM_EXT_DECIDE_DEFAULT)
		svm_ext_default_fault(ctx);
}

/**
 * svm_ext_policy_cpu_fault() - decide which window a CPU fault brings back
 * @ctx: the fault; on return dec_start/dec_end hold a valid window
 */
void svm_ext_policy_cpu_fault(struct svm_ext_cpu_fault_ctx *ctx)
{
	struct svm_ext_ops *ops;
	char why[160];
	int idx;

	idx = srcu_read_lock(&svm_ext_srcu);
	ops = srcu_dereference(svm_ext_active, &svm_ext_srcu);
	if (ops && ops->cpu_fault) {
		ops->cpu_fault(ctx);
		if (ctx->decided &&
		    (ctx->dec_bad ||
		     !svm_ext_window_ok(ctx->dec_start, ctx->dec_end, ctx->addr,
					ctx->range_start, ctx->range_end))) {
			scnprintf(why, sizeof(why),
				  "cpu_fault: window [0x%llx,0x%llx) not page aligned around 0x%llx inside [0x%llx,0x%llx)",
				  ctx->dec_start, ctx->dec_end, ctx->addr,
				  ctx->range_start, ctx->range_end);
			svm_ext_eject(ops, SVM_EXT_EXIT_BAD_DECISION, why, NULL);
			ctx->decided = 0;
		}
	}
	srcu_read_unlock(&svm_ext_srcu, idx);
	if (!ctx->decided) {
		/* default: the whole chunk comes back */
		ctx->dec_start = ctx->range_start;
		ctx->dec_end = ctx->range_end;
	}
}

/**
 * svm_ext_policy_advise() - let the policy judge a hint or prefetch
 * @b: binding the request came through
 * @start: range start
 * @end: range end
 * @type: attribute type or SVM_EXT_ADVISE_PREFETCH
 * @value: in: requested value; out: the value to apply
 *
 * Return: 0 to go ahead with *@value, or the errno the policy refused with.
 */
int svm_ext_policy_advise(struct svm_ext_binding *b, unsigned long start,
			  unsigned long end, u32 type, u64 *value)
{
	struct svm_ext_advise_ctx ctx = {
		.dev = b->dev->index,
		.type = type,
		.start = start,
		.end = end,
		.value = *value,
	};
	struct svm_ext_ops *ops;
	u32 check_type;
	int idx, ret = 0;

	idx = srcu_read_lock(&svm_ext_srcu);
	ops = srcu_dereference(svm_ext_active, &svm_ext_srcu);
	if (ops && ops->advise) {
		ops->advise(&ctx);
		check_type = type == SVM_EXT_ADVISE_PREFETCH ?
			     SVM_EXT_ATTR_PREFERRED_LOC : type;
		if (ctx.dec_bad) {
			svm_ext_eject(ops, SVM_EXT_EXIT_BAD_DECISION,
				      "advise: invalid argument to a decision kfunc",
				      NULL);
		} else if (ctx.verdict) {
			ret = ctx.verdict;
		} else if (ctx.adjusted) {
			if (svm_ext_attr_check(check_type, ctx.new_value) ||
			    (type == SVM_EXT_ADVISE_PREFETCH &&
			     ctx.new_value == SVM_EXT_LOC_NONE))
				svm_ext_eject(ops, SVM_EXT_EXIT_BAD_DECISION,
					      "advise: adjusted value is not valid",
					      NULL);
			else
				*value = ctx.new_value;
		}
	}
	srcu_read_unlock(&svm_ext_srcu, idx);
	return ret;
}

/* ---- kfuncs ---- */

__bpf_kfunc_start_defs();

/**
 * svm_ext_fault_migrate() - decide: migrate a window, then map it
 * @ctx: the fault context the hook received
 * @start: window start (page aligned, inside the fault's chunk, <= addr)
 * @len: window length in bytes (page multiple, window covers addr)
 * @loc: destination: a device index or SVM_EXT_LOC_SYSTEM
 *
 * Return: 0; -EINVAL for arguments that can never be valid (the policy is
 * then ejected when the hook returns).
 */
__bpf_kfunc int svm_ext_fault_migrate(struct svm_ext_fault_ctx *ctx,
				      u64 start, u64 len, u32 loc)
{
	if (!len || start + len < start) {
		ctx->dec_bad = 1;
		return -EINVAL;
	}
	ctx->decision = SVM_EXT_DECIDE_MIGRATE;
	ctx->dec_loc = loc;
	ctx->dec_start = start;
	ctx->dec_end = start + len;
	return 0;
}

/**
 * svm_ext_fault_map() - decide: map the faulting chunk in place
 * @ctx: the fault context the hook received
 * @start: window start to map (page aligned, inside the chunk)
 * @len: window length in bytes
 *
 * Nothing moves; the device maps the pages wherever they are (system memory
 * over the host link, a peer's memory over a peer link).
 *
 * Return: 0, or -EINVAL (the policy is then ejected).
 */
__bpf_kfunc int svm_ext_fault_map(struct svm_ext_fault_ctx *ctx, u64 start,
				  u64 len)
{
	if (!len || start + len < start) {
		ctx->dec_bad = 1;
		return -EINVAL;
	}
	ctx->decision = SVM_EXT_DECIDE_MAP;
	ctx->dec_loc = SVM_EXT_LOC_SYSTEM;
	ctx->dec_start = start;
	ctx->dec_end = start + len;
	return 0;
}

/**
 * svm_ext_cpu_fault_window() - decide which window a CPU fault brings back
 * @ctx: the context the cpu_fault hook received
 * @start: window start (page aligned, inside the chunk, <= addr)
 * @len: window length in bytes
 *
 * Return: 0, or -EINVAL (the policy is then ejected).
 */
__bpf_kfunc int svm_ext_cpu_fault_window(struct svm_ext_cpu_fault_ctx *ctx,
					 u64 start, u64 len)
{
	ctx->decided = 1;
	if (!len || start + len < start) {
		ctx->dec_bad = 1;
		return -EINVAL;
	}
	ctx->dec_start = start;
	ctx->dec_end = start + len;
	return 0;
}

/**
 * svm_ext_advise_refuse() - decide: refuse the request
 * @ctx: the context the advise hook received
 * @err: a negative errno from the documented set: -EINVAL, -EPERM,
 *	-EACCES, -EBUSY, -ENOSPC
 *
 * Return: 0, or -EINVAL for an errno outside the set (the policy is then
 * ejected and the request goes ahead).
 */
__bpf_kfunc int svm_ext_advise_refuse(struct svm_ext_advise_ctx *ctx, int err)
{
	switch (err) {
	case -EINVAL:
	case -EPERM:
	case -EACCES:
	case -EBUSY:
	case -ENOSPC:
		ctx->verdict = err;
		return 0;
	}
	ctx->dec_bad = 1;
	return -EINVAL;
}

/**
 * svm_ext_advise_set_value() - decide: apply another value instead
 * @ctx: the context the advise hook received
 * @value: the value to apply (checked like a request from userspace)
 *
 * Return: 0.
 */
__bpf_kfunc int svm_ext_advise_set_value(struct svm_ext_advise_ctx *ctx,
					 u64 value)
{
	ctx->adjusted = 1;
	ctx->new_value = value;
	return 0;
}

/**
 * svm_ext_nr_devices() - number of devices registered with the core
 *
 * Return: the count.
 */
__bpf_kfunc u32 svm_ext_nr_devices(void)
{
	return svm_ext_device_count();
}

/**
 * svm_ext_error() - the policy ejects itself
 * @msg__str: a constant string saying why, kept in sysfs exit_msg
 *
 * The default takes over as soon as the calling hook returns.
 */
__bpf_kfunc void svm_ext_error(const char *msg__str)
{
	struct svm_ext_ops *ops;
	int idx;

	idx = srcu_read_lock(&svm_ext_srcu);
	ops = srcu_dereference(svm_ext_active, &svm_ext_srcu);
	if (ops)
		svm_ext_eject(ops, SVM_EXT_EXIT_ERROR,
			      "policy called svm_ext_error()", msg__str);
	srcu_read_unlock(&svm_ext_srcu, idx);
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(svm_ext_kfunc_ids)
BTF_ID_FLAGS(func, svm_ext_fault_migrate, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, svm_ext_fault_map, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, svm_ext_cpu_fault_window, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, svm_ext_advise_refuse, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, svm_ext_advise_set_value, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, svm_ext_nr_devices)
BTF_ID_FLAGS(func, svm_ext_error)
BTF_KFUNCS_END(svm_ext_kfunc_ids)

/* struct svm_ext_ops member indices (bpf_prog.expected_attach_type) */
enum svm_ext_ops_member {
	SVM_EXT_OPS_INIT,
	SVM_EXT_OPS_EXIT,
	SVM_EXT_OPS_FAULT,
	SVM_EXT_OPS_CPU_FAULT,
	SVM_EXT_OPS_ADVISE,
};

BTF_ID_LIST(svm_ext_filter_ids)
BTF_ID(struct, svm_ext_ops)
BTF_ID(func, svm_ext_fault_migrate)
BTF_ID(func, svm_ext_fault_map)
BTF_ID(func, svm_ext_cpu_fault_window)
BTF_ID(func, svm_ext_advise_refuse)
BTF_ID(func, svm_ext_advise_set_value)

/*
 * Decision kfuncs only make sense in their own hook: the verifier refuses a
 * program that calls one from another hook, or from another struct_ops
 * type (the set is registered for all of BPF_PROG_TYPE_STRUCT_OPS).
 */
static int svm_ext_kfunc_filter(const struct bpf_prog *prog, u32 kfunc_id)
{
	u32 member = prog->expected_attach_type;
	int want;

	if (!btf_id_set8_contains(&svm_ext_kfunc_ids, kfunc_id))
		return 0;
	if (prog->type != BPF_PROG_TYPE_STRUCT_OPS ||
	    prog->aux->attach_btf_id != svm_ext_filter_ids[0])
		return -EACCES;
	if (kfunc_id == svm_ext_filter_ids[1] ||
	    kfunc_id == svm_ext_filter_ids[2])
		want = SVM_EXT_OPS_FAULT;
	else if (kfunc_id == svm_ext_filter_ids[3])
		want = SVM_EXT_OPS_CPU_FAULT;
	else if (kfunc_id == svm_ext_filter_ids[4] ||
		 kfunc_id == svm_ext_filter_ids[5])
		want = SVM_EXT_OPS_ADVISE;
	else
		return 0;	/* usable from any hook */
	return member == want ? 0 : -EACCES;
}

static const struct btf_kfunc_id_set svm_ext_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &svm_ext_kfunc_ids,
	.filter = svm_ext_kfunc_filter,
};

/* ---- struct_ops plumbing ---- */

static bool svm_ext_is_valid_access(int off, int size,
				    enum bpf_access_type type,
				    const struct bpf_prog *prog,
				    struct bpf_insn_access_aux *info)
{
	return bpf_tracing_btf_ctx_access(off, size, type, prog, info);
}

static const struct bpf_verifier_ops svm_ext_verifier_ops = {
	.get_func_proto = bpf_base_func_proto,
	.is_valid_access = svm_ext_is_valid_access,
};

static int svm_ext_ops_init(struct btf *btf)
{
	return 0;
}

static int svm_ext_init_member(const struct btf_type *t,
			       const struct btf_member *member,
			       void *kdata, const void *udata)
{
	const struct svm_ext_ops *uops = udata;
	struct svm_ext_ops *ops = kdata;
	u32 moff = __btf_member_bit_offset(t, member) / 8;
	size_t len, i;

	switch (moff) {
	case offsetof(struct svm_ext_ops, name):
		/* a non-empty, terminated name of [A-Za-z0-9_.-] */
		len = strnlen(uops->name, sizeof(uops->name));
		if (!len || len == sizeof(uops->name))
			return -EINVAL;
		for (i = 0; i < len; i++)
			if (!isalnum(uops->name[i]) && !strchr("_.-", uops->name[i]))
				return -EINVAL;
		strscpy(ops->name, uops->name, sizeof(ops->name));
		return 1;
	case offsetof(struct svm_ext_ops, flags):
		if (uops->flags)
			return -EINVAL;	/* no flag defined yet */
		ops->flags = uops->flags;
		return 1;
	}
	return 0;
}

static int svm_ext_reg(void *kdata, struct bpf_link *link)
{
	struct svm_ext_ops *ops = kdata;
	int ret = 0;

	mutex_lock(&svm_ext_policy_mutex);
	if (svm_ext_attached) {
		ret = -EBUSY;
		goto out;
	}
	spin_lock_irq(&svm_ext_state_lock);
	svm_ext_state = SVM_EXT_ENABLING;
	strscpy(svm_ext_policy_name, ops->name, sizeof(svm_ext_policy_name));
	spin_unlock_irq(&svm_ext_state_lock);

	if (ops->init) {
		ret = ops->init();
		if (ret) {
			pr_warn("svm_ext: policy %s init failed: %d\n",
				ops->name, ret);
			if (ret > 0 || ret < -MAX_ERRNO)
				ret = -EINVAL;
			spin_lock_irq(&svm_ext_state_lock);
			svm_ext_state = SVM_EXT_DISABLED;
			svm_ext_policy_name[0] = '\0';
			spin_unlock_irq(&svm_ext_state_lock);
			goto out;
		}
	}
	svm_ext_attached = ops;
	spin_lock_irq(&svm_ext_state_lock);
	rcu_assign_pointer(svm_ext_active, ops);
	svm_ext_state = SVM_EXT_ENABLED;
	svm_ext_enabled_since = ktime_get_real_seconds();
	svm_ext_enable_count++;
	spin_unlock_irq(&svm_ext_state_lock);
	pr_info("svm_ext: policy %s enabled\n", ops->name);
out:
	mutex_unlock(&svm_ext_policy_mutex);
	return ret;
}

static void svm_ext_unreg(void *kdata, struct bpf_link *link)
{
	struct svm_ext_ops *ops = kdata;

	mutex_lock(&svm_ext_policy_mutex);
	if (svm_ext_attached != ops) {
		mutex_unlock(&svm_ext_policy_mutex);
		return;
	}
	spin_lock_irq(&svm_ext_state_lock);
	if (rcu_access_pointer(svm_ext_active) == ops) {
		rcu_assign_pointer(svm_ext_active, NULL);
		svm_ext_last_exit.kind = SVM_EXT_EXIT_UNREGISTERED;
		strscpy(svm_ext_last_exit.reason, "policy detached",
			sizeof(svm_ext_last_exit.reason));
		svm_ext_last_exit.msg[0] = '\0';
		svm_ext_exit_pending = true;
	}
	spin_unlock_irq(&svm_ext_state_lock);
	synchronize_srcu(&svm_ext_srcu);
	/* an ejection's exit hook may still be queued: run it here instead */
	svm_ext_call_exit(ops);
	svm_ext_attached = NULL;
	spin_lock_irq(&svm_ext_state_lock);
	svm_ext_state = SVM_EXT_DISABLED;
	svm_ext_policy_name[0] = '\0';
	svm_ext_enabled_since = 0;
	spin_unlock_irq(&svm_ext_state_lock);
	mutex_unlock(&svm_ext_policy_mutex);
	pr_info("svm_ext: policy %s detached\n", ops->name);
}

/* CFI stubs: the signatures BPF programs are checked against. */
static s32 svm_ext_ops__init(void)
{
	return 0;
}

static void svm_ext_ops__exit(struct svm_ext_exit_info *info)
{
}

static s32 svm_ext_ops__fault(struct svm_ext_fault_ctx *ctx)
{
	return 0;
}

static s32 svm_ext_ops__cpu_fault(struct svm_ext_cpu_fault_ctx *ctx)
{
	return 0;
}

static s32 svm_ext_ops__advise(struct svm_ext_advise_ctx *ctx)
{
	return 0;
}

static_assert(offsetof(struct svm_ext_ops, advise) ==
	      SVM_EXT_OPS_ADVISE * sizeof(void *),
	      "enum svm_ext_ops_member out of step with struct svm_ext_ops");

static struct svm_ext_ops __bpf_ops_svm_ext_ops = {
	.init = svm_ext_ops__init,
	.exit = svm_ext_ops__exit,
	.fault = svm_ext_ops__fault,
	.cpu_fault = svm_ext_ops__cpu_fault,
	.advise = svm_ext_ops__advise,
};

static struct bpf_struct_ops bpf_svm_ext_ops = {
	.verifier_ops = &svm_ext_verifier_ops,
	.init = svm_ext_ops_init,
	.init_member = svm_ext_init_member,
	.reg = svm_ext_reg,
	.unreg = svm_ext_unreg,
	.cfi_stubs = &__bpf_ops_svm_ext_ops,
	.name = "svm_ext_ops",
	.owner = THIS_MODULE,
};

/* ---- sysfs: /sys/kernel/svm_ext/{state,policy,...} ---- */

#define SVM_EXT_SHOW(fname, fmt, expr)					\
static ssize_t fname##_show(struct kobject *k, struct kobj_attribute *a,\
			    char *buf)					\
{									\
	unsigned long flags;						\
	ssize_t n;							\
									\
	spin_lock_irqsave(&svm_ext_state_lock, flags);			\
	n = sysfs_emit(buf, fmt "\n", expr);				\
	spin_unlock_irqrestore(&svm_ext_state_lock, flags);		\
	return n;							\
}									\
static struct kobj_attribute fname##_attr = __ATTR_RO(fname)

SVM_EXT_SHOW(state, "%s", svm_ext_state_names[svm_ext_state]);
SVM_EXT_SHOW(policy, "%s", svm_ext_policy_name);
SVM_EXT_SHOW(enabled_since, "%lld", (long long)svm_ext_enabled_since);
SVM_EXT_SHOW(enable_count, "%llu", svm_ext_enable_count);
SVM_EXT_SHOW(exit_kind, "%s", svm_ext_exit_kind_names[svm_ext_last_exit.kind]);
SVM_EXT_SHOW(exit_reason, "%s", svm_ext_last_exit.reason);
SVM_EXT_SHOW(exit_msg, "%s", svm_ext_last_exit.msg);

static struct attribute *svm_ext_policy_attrs[] = {
	&state_attr.attr,
	&policy_attr.attr,
	&enabled_since_attr.attr,
	&enable_count_attr.attr,
	&exit_kind_attr.attr,
	&exit_reason_attr.attr,
	&exit_msg_attr.attr,
	NULL,
};

const struct attribute_group svm_ext_policy_attr_group = {
	.attrs = svm_ext_policy_attrs,
};

int svm_ext_policy_init(void)
{
	int ret;

	ret = register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS,
					&svm_ext_kfunc_set);
	if (ret)
		return ret;
	return register_bpf_struct_ops(&bpf_svm_ext_ops, svm_ext_ops);
}

void svm_ext_policy_exit(void)
{
	/* no policy can be attached: it pins the module */
	flush_work(&svm_ext_exit_work);
}
