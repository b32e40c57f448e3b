// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: the policy framework (struct_ops svm_ext_ops).
 */

/**
 * DOC: Policies and ejection
 *
 * A policy is a BPF struct_ops map of type struct svm_ext_ops, attached
 * through a BPF link.  At most one is attached at a time (a second attach
 * fails with -EBUSY); every hook it leaves out, and every decision when
 * none is attached, is the built-in default's.  The hooks are called under
 * SRCU (svm_ext_srcu): the fault hook from the device fault path with the
 * faulting mm's mmap_lock held for reading, cpu_fault from the pagemap's
 * migrate_to_ram, advise from attribute changes and prefetch, evict under
 * the full device's evict_lock, and the notifications (range_add,
 * range_remove, migrated, invalidated) where those events happen, the
 * last from mmu notifier context.
 *
 * Loading the struct_ops map checks its name (non-empty, of letters,
 * digits, '_', '.' and '-') and its flags (known bits only), in
 * svm_ext_init_member().  Attach (the link's reg): the caller needs
 * CAP_SYS_ADMIN, or CAP_BPF and CAP_PERFMON, in the initial user namespace
 * (svm_ext_may_attach()); the init hook runs under svm_ext_policy_mutex and
 * may refuse with an errno; then the policy is published and sysfs shows
 * it enabled.  Switch (the link's update, BPF_LINK_UPDATE): the new
 * policy's init runs while the old one still decides, one pointer swap
 * replaces it, and the old one's exit hook runs once none of its hook calls
 * is in flight: there is never a moment with no policy or with two.
 * Detach (the link's unreg): the policy is unpublished, the core waits for
 * its hook calls in flight (synchronize_srcu()) and calls its exit hook.
 * docs/security.md has the privilege model.
 *
 * Programs decide only through kfuncs; contexts are read-only to them.
 * A kfunc that takes a hook's context is usable only from that hook
 * (svm_ext_kfunc_filter(), DOC: Kfuncs), every svm_ext kfunc only from
 * svm_ext_ops programs, and only init and exit may be sleepable
 * (svm_ext_check_member()).  The core checks each decision before acting:
 *
 * - fault: a window page aligned, non-empty, inside the faulting range
 *   clipped to the VMA and containing the faulting address; a location
 *   that is system memory or a registered device; a throttle of at most
 *   SVM_EXT_THROTTLE_MAX_NS;
 * - cpu_fault: the same window rules;
 * - advise: a refusal errno from the documented set; a replaced value
 *   that passes the checks a value from userspace passes;
 * - evict: candidate indices in range, system memory as the destination;
 * - any kfunc handed an argument that can never be valid.
 *
 * A bad decision ejects the policy (svm_ext_eject()), as does the policy
 * itself calling svm_ext_error() or svm_ext_error_bstr(), which eject the
 * caller's own policy only, never the one that replaced it: the published
 * pointer is cleared at once, sysfs state becomes "ejected" with exit_kind,
 * exit_reason and exit_msg saying why, and the built-in default takes the
 * place of a refused decision at once, and takes every later decision.
 * The exit hook runs later from a work item, never nested in the hook that
 * failed; the link stays attached until its owner detaches it, which
 * returns the state to "disabled".  Nothing a policy decides can lose data:
 * decisions only choose among moves the core knows how to do safely.
 *
 * State (sysfs /sys/kernel/svm_ext/state): disabled -> enabling (init
 * running) -> enabled -> (ejected ->) disabled; a switch goes from enabled
 * or ejected to enabled.  policy, enabled_since, enable_count and the exit_*
 * files sit beside it.  An attached policy holds a reference on the module.
 */
#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/capability.h>
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
	[SVM_EXT_EXIT_REPLACED] = "replaced",
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

/*
 * Call hook @op of the active policy with @arg, if a policy is active and
 * has that hook, then check(ops, arg) on what it decided.  Both run in one
 * SRCU read section: the check may eject the policy (svm_ext_eject()), and
 * the policy's ops stay valid until the section ends (detach and switch
 * wait for it).  Every hook takes one argument, its context or event.
 */
#define SVM_EXT_CALL_OP(op, check, arg)					\
do {									\
	struct svm_ext_ops *__ops;					\
	int __idx = srcu_read_lock(&svm_ext_srcu);			\
									\
	__ops = srcu_dereference(svm_ext_active, &svm_ext_srcu);	\
	if (__ops && __ops->op) {					\
		__ops->op(arg);						\
		check(__ops, arg);					\
	}								\
	srcu_read_unlock(&svm_ext_srcu, __idx);				\
} while (0)

/* notifications decide nothing: nothing to check */
#define SVM_EXT_NO_CHECK(ops, arg)	do { } while (0)

/* Whether the active policy passes @test (false when none is active). */
static bool svm_ext_active_test(bool (*test)(const struct svm_ext_ops *ops))
{
	struct svm_ext_ops *ops;
	bool ret;
	int idx;

	idx = srcu_read_lock(&svm_ext_srcu);
	ops = srcu_dereference(svm_ext_active, &svm_ext_srcu);
	ret = ops && test(ops);
	srcu_read_unlock(&svm_ext_srcu, idx);
	return ret;
}

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
	if (ctx->decision == SVM_EXT_DECIDE_THROTTLE &&
	    ctx->dec_ns > SVM_EXT_THROTTLE_MAX_NS) {
		scnprintf(why, len, "fault: throttle of %llu ns is longer than %llu ns",
			  ctx->dec_ns, (u64)SVM_EXT_THROTTLE_MAX_NS);
		return false;
	}
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

static void svm_ext_check_fault(struct svm_ext_ops *ops,
				struct svm_ext_fault_ctx *ctx)
{
	char why[160];

	if (!svm_ext_fault_decision_ok(ctx, why, sizeof(why))) {
		svm_ext_eject(ops, SVM_EXT_EXIT_BAD_DECISION, why, NULL);
		ctx->decision = SVM_EXT_DECIDE_DEFAULT;
	}
}

/**
 * svm_ext_policy_fault() - decide a device fault
 * @ctx: the fault; on return it holds a valid decision
 *
 * Asks the active policy, checks its answer, falls back to the default.
 */
void svm_ext_policy_fault(struct svm_ext_fault_ctx *ctx)
{
	SVM_EXT_CALL_OP(fault, svm_ext_check_fault, ctx);
	/* a notification nobody decided on leaves things as they are */
	if (ctx->decision == SVM_EXT_DECIDE_DEFAULT &&
	    !(ctx->flags & SVM_EXT_FAULT_COUNTER))
		svm_ext_default_fault(ctx);
}

static bool svm_ext_ops_wants_counters(const struct svm_ext_ops *ops)
{
	return ops->fault && (ops->flags & SVM_EXT_OPS_ACCESS_COUNTERS);
}

/**
 * svm_ext_policy_wants_counters() - is a policy attached that asked for
 * access-counter notifications
 *
 * Return: true if so.
 */
bool svm_ext_policy_wants_counters(void)
{
	return svm_ext_active_test(svm_ext_ops_wants_counters);
}

static void svm_ext_check_cpu_fault(struct svm_ext_ops *ops,
				    struct svm_ext_cpu_fault_ctx *ctx)
{
	char why[160];

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

/**
 * svm_ext_policy_cpu_fault() - decide which window a CPU fault brings back
 * @ctx: the fault; on return dec_start/dec_end hold a valid window
 */
void svm_ext_policy_cpu_fault(struct svm_ext_cpu_fault_ctx *ctx)
{
	SVM_EXT_CALL_OP(cpu_fault, svm_ext_check_cpu_fault, ctx);
	if (!ctx->decided)
		svm_ext_default_cpu_fault(ctx);
}

/*
 * Leaves in @ctx what to do: verdict (0: go ahead) and, going ahead,
 * adjusted/new_value; a bad decision ejects the policy and goes ahead with
 * the value asked for.
 */
static void svm_ext_check_advise(struct svm_ext_ops *ops,
				 struct svm_ext_advise_ctx *ctx)
{
	u32 check_type = ctx->type == SVM_EXT_ADVISE_PREFETCH ?
			 SVM_EXT_ATTR_PREFERRED_LOC : ctx->type;

	if (ctx->dec_bad) {
		svm_ext_eject(ops, SVM_EXT_EXIT_BAD_DECISION,
			      "advise: invalid argument to a decision kfunc",
			      NULL);
		ctx->verdict = 0;
		ctx->adjusted = 0;
	} else if (ctx->verdict) {
		ctx->adjusted = 0;
	} else if (ctx->adjusted &&
		   (svm_ext_attr_check(check_type, ctx->new_value) ||
		    (ctx->type == SVM_EXT_ADVISE_PREFETCH &&
		     ctx->new_value == SVM_EXT_LOC_NONE))) {
		svm_ext_eject(ops, SVM_EXT_EXIT_BAD_DECISION,
			      "advise: adjusted value is not valid", NULL);
		ctx->adjusted = 0;
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

	SVM_EXT_CALL_OP(advise, svm_ext_check_advise, &ctx);
	if (!ctx.verdict && ctx.adjusted)
		*value = ctx.new_value;
	return ctx.verdict;
}

static bool svm_ext_ops_has_evict(const struct svm_ext_ops *ops)
{
	return ops->evict;
}

/**
 * svm_ext_policy_has_evict() - does the active policy decide evictions?
 *
 * A hint only (the policy may go at any time); it spares the caller the
 * candidate snapshot when no policy wants it.
 *
 * Return: true if a policy with an evict hook is active.
 */
bool svm_ext_policy_has_evict(void)
{
	return svm_ext_active_test(svm_ext_ops_has_evict);
}

static void svm_ext_check_evict(struct svm_ext_ops *ops,
				struct svm_ext_evict_ctx *ctx)
{
	if (ctx->dec_bad) {
		svm_ext_eject(ops, SVM_EXT_EXIT_BAD_DECISION,
			      "evict: candidate index out of range or destination not system memory",
			      NULL);
		ctx->nr_chosen = 0;
	}
}

/**
 * svm_ext_policy_evict() - let the policy name victims on a full device
 * @req: the candidates; on return @req->chosen holds valid indices only
 *	(none if the policy erred and was ejected)
 */
void svm_ext_policy_evict(struct svm_ext_evict_req *req)
{
	req->ctx.priv = req;
	SVM_EXT_CALL_OP(evict, svm_ext_check_evict, &req->ctx);
}

/*
 * Notifications: no decision to check, so the hook is simply called.  The
 * event lives on the stack of the caller, which may hold spinlocks or be in
 * mmu notifier context; the programs cannot sleep.
 */
#define SVM_EXT_NOTIFY(hook, ev) SVM_EXT_CALL_OP(hook, SVM_EXT_NO_CHECK, ev)

/**
 * svm_ext_policy_range_event() - tell the policy a range came or went
 * @add: true for range_add, false for range_remove
 * @tgid: owning process
 * @start: range start
 * @end: range end
 */
void svm_ext_policy_range_event(bool add, pid_t tgid, unsigned long start,
				unsigned long end)
{
	struct svm_ext_range_event ev = {
		.tgid = tgid,
		.start = start,
		.end = end,
	};

	if (add)
		SVM_EXT_NOTIFY(range_add, &ev);
	else
		SVM_EXT_NOTIFY(range_remove, &ev);
}

/**
 * svm_ext_policy_migrated() - tell the policy pages moved
 * @tgid: owning process (0 if unknown)
 * @cause: enum svm_ext_cause
 * @src: source location (SVM_EXT_LOC_NONE: several)
 * @dst: destination location
 * @start: window start
 * @end: window end
 * @bytes: bytes moved
 */
void svm_ext_policy_migrated(pid_t tgid, u32 cause, u32 src, u32 dst,
			     unsigned long start, unsigned long end, u64 bytes)
{
	struct svm_ext_migrate_event ev = {
		.tgid = tgid,
		.cause = cause,
		.src = src,
		.dst = dst,
		.start = start,
		.end = end,
		.bytes = bytes,
	};

	SVM_EXT_NOTIFY(migrated, &ev);
}

/**
 * svm_ext_policy_invalidated() - tell the policy device mappings went
 * @tgid: owning process
 * @event: enum mmu_notifier_event
 * @start: span start
 * @end: span end
 */
void svm_ext_policy_invalidated(pid_t tgid, u32 event, unsigned long start,
				unsigned long end)
{
	struct svm_ext_invalidate_event ev = {
		.tgid = tgid,
		.event = event,
		.start = start,
		.end = end,
	};

	SVM_EXT_NOTIFY(invalidated, &ev);
}

/* ---- svm_ext_error(): the kfuncs themselves are in kfuncs.c ---- */

/**
 * svm_ext_error_eject() - eject the policy a program belongs to
 * @aux: the program that called svm_ext_error() or svm_ext_error_bstr()
 * @msg: why, for sysfs exit_msg
 *
 * The policy a program calling svm_ext_error() belongs to: the struct_ops
 * map it was loaded into, not whichever policy is active.  During a switch
 * the old policy's hooks still run (those in flight, and its exit hook once
 * the new one is active): its error must not eject its successor.
 *
 * A program placed in two struct_ops maps (libbpf allows it within one
 * object) has no single owner; the kernel then returns NULL and the active
 * policy is taken, as the only one that can be meant in the common case.
 */
void svm_ext_error_eject(const struct bpf_prog_aux *aux, const char *msg)
{
	struct svm_ext_ops *ops = bpf_prog_get_assoc_struct_ops(aux);
	int idx;

	idx = srcu_read_lock(&svm_ext_srcu);
	if (!ops)
		ops = srcu_dereference(svm_ext_active, &svm_ext_srcu);
	/* svm_ext_eject() ignores a policy that is no longer active */
	if (ops)
		svm_ext_eject(ops, SVM_EXT_EXIT_ERROR,
			      "policy called svm_ext_error()", msg);
	srcu_read_unlock(&svm_ext_srcu, idx);
}

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
		if (uops->flags & ~SVM_EXT_OPS_ALL_FLAGS)
			return -EINVAL;
		ops->flags = uops->flags;
		return 1;
	}
	return 0;
}

/*
 * Each hook of struct svm_ext_ops, keyed by its index: its name (for
 * messages) and whether its program may sleep.  Adding a hook is one line
 * here (and its kfuncs' lines in SVM_EXT_KFUNCS(), kfuncs.c).
 */
static const struct {
	const char *name;
	bool may_sleep;
} svm_ext_hooks[] = {
#define SVM_EXT_HOOK(op, sleep) [SVM_EXT_OP_IDX(op)] = { #op, sleep }
	SVM_EXT_HOOK(init, true),
	SVM_EXT_HOOK(exit, true),
	SVM_EXT_HOOK(fault, false),
	SVM_EXT_HOOK(cpu_fault, false),
	SVM_EXT_HOOK(advise, false),
	SVM_EXT_HOOK(evict, false),
	SVM_EXT_HOOK(range_add, false),
	SVM_EXT_HOOK(range_remove, false),
	SVM_EXT_HOOK(migrated, false),
	SVM_EXT_HOOK(invalidated, false),
#undef SVM_EXT_HOOK
};
static_assert(ARRAY_SIZE(svm_ext_hooks) == SVM_EXT_OP_IDX(flags),
	      "svm_ext_hooks[] out of step with struct svm_ext_ops");

/*
 * Hooks run in the device fault path with the faulting mm's mmap_lock held,
 * in the CPU fault path of device pages, under the core's spinlocks and
 * from mmu notifiers: a program that may sleep (SEC("struct_ops.s/...")),
 * and so may call helpers that fault in user memory or take mmap_lock,
 * could deadlock or recurse into the fault path.  Only init and exit run
 * where sleeping is fine (attach, switch and detach, in process context
 * with nothing but svm_ext_policy_mutex held), as in sched_ext.
 *
 * The verifier reports a refusal as "attach to unsupported member <hook>
 * of struct svm_ext_ops"; the kernel log says why.
 */
static int svm_ext_check_member(const struct btf_type *t,
				const struct btf_member *member,
				const struct bpf_prog *prog)
{
	u32 i = __btf_member_bit_offset(t, member) / 8 / sizeof(void *);

	if (i >= ARRAY_SIZE(svm_ext_hooks))
		return 0;	/* flags, name: not programs */
	if (prog->sleepable && !svm_ext_hooks[i].may_sleep) {
		pr_warn_ratelimited("svm_ext: program %s for hook %s is sleepable (SEC(\"struct_ops.s/...\")); hooks other than init and exit run in fault paths and must not sleep\n",
				    prog->aux->name, svm_ext_hooks[i].name);
		return -EINVAL;
	}
	return 0;
}

/*
 * A policy decides where the memory of every process on the machine lives:
 * only an administrator may attach or switch one.  bpf(2) asks CAP_BPF and
 * CAP_PERFMON (or CAP_SYS_ADMIN) to load a struct_ops program, and libbpf
 * needs CAP_SYS_ADMIN to read this module's BTF, but nothing checks the
 * caller when the link is made or updated: a policy loaded by a privileged
 * process and then handed over (SCM_RIGHTS, a capability drop, a setuid),
 * or loaded with a BPF token delegated to a user namespace, would attach.
 * So ask again here, in the initial user namespace, for what bpf(2) asks
 * of the program.  reg and update run in the caller's context (LINK_CREATE,
 * LINK_UPDATE, MAP_UPDATE_ELEM on the struct_ops map).  Detaching cannot
 * be checked: unreg cannot fail and runs when the last reference to the
 * link goes, possibly from a work item (docs/security.md).
 */
static int svm_ext_may_attach(const struct svm_ext_ops *ops)
{
	if (bpf_capable() && perfmon_capable())
		return 0;
	pr_warn_ratelimited("svm_ext: %s (pid %d) may not attach policy %s: needs CAP_SYS_ADMIN, or CAP_BPF and CAP_PERFMON\n",
			    current->comm, task_tgid_nr(current), ops->name);
	return -EPERM;
}

static int svm_ext_reg(void *kdata, struct bpf_link *link)
{
	struct svm_ext_ops *ops = kdata;
	int ret;

	ret = svm_ext_may_attach(ops);
	if (ret)
		return ret;
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

/*
 * Switch (BPF_LINK_UPDATE on the policy's link): the new policy's init runs
 * while the old one still decides; then one pointer swap, and the old one's
 * exit hook runs once no hook call of it is in flight.  There is never a
 * moment without a policy, nor one with two.
 */
static int svm_ext_update(void *kdata, void *old_kdata, struct bpf_link *link)
{
	struct svm_ext_ops *ops = kdata, *old = old_kdata;
	struct svm_ext_exit_info info;
	bool old_pending;
	int ret;

	ret = svm_ext_may_attach(ops);
	if (ret)
		return ret;
	mutex_lock(&svm_ext_policy_mutex);
	if (svm_ext_attached != old) {
		ret = -EINVAL;
		goto out;
	}
	if (ops->init) {
		ret = ops->init();
		if (ret) {
			pr_warn("svm_ext: policy %s init failed: %d, %s stays\n",
				ops->name, ret, old->name);
			if (ret > 0 || ret < -MAX_ERRNO)
				ret = -EINVAL;
			goto out;
		}
	}
	spin_lock_irq(&svm_ext_state_lock);
	/* an ejected old policy still owes its exit hook the ejection info */
	old_pending = svm_ext_exit_pending;
	info = svm_ext_last_exit;
	if (!old_pending) {
		info.kind = SVM_EXT_EXIT_REPLACED;
		scnprintf(info.reason, sizeof(info.reason), "replaced by %s",
			  ops->name);
		info.msg[0] = '\0';
	}
	svm_ext_last_exit.kind = SVM_EXT_EXIT_REPLACED;
	scnprintf(svm_ext_last_exit.reason, sizeof(svm_ext_last_exit.reason),
		  "%s replaced by %s", old->name, ops->name);
	svm_ext_last_exit.msg[0] = '\0';
	svm_ext_exit_pending = false;
	rcu_assign_pointer(svm_ext_active, ops);
	svm_ext_attached = ops;
	svm_ext_state = SVM_EXT_ENABLED;
	strscpy(svm_ext_policy_name, ops->name, sizeof(svm_ext_policy_name));
	svm_ext_enabled_since = ktime_get_real_seconds();
	svm_ext_enable_count++;
	spin_unlock_irq(&svm_ext_state_lock);
	synchronize_srcu(&svm_ext_srcu);
	if (old->exit)
		old->exit(&info);
	pr_info("svm_ext: policy %s replaced by %s\n", old->name, ops->name);
out:
	mutex_unlock(&svm_ext_policy_mutex);
	return ret;
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

static s32 svm_ext_ops__evict(struct svm_ext_evict_ctx *ctx)
{
	return 0;
}

static void svm_ext_ops__range_add(struct svm_ext_range_event *ev)
{
}

static void svm_ext_ops__range_remove(struct svm_ext_range_event *ev)
{
}

static void svm_ext_ops__migrated(struct svm_ext_migrate_event *ev)
{
}

static void svm_ext_ops__invalidated(struct svm_ext_invalidate_event *ev)
{
}

static struct svm_ext_ops __bpf_ops_svm_ext_ops = {
	.init = svm_ext_ops__init,
	.exit = svm_ext_ops__exit,
	.fault = svm_ext_ops__fault,
	.cpu_fault = svm_ext_ops__cpu_fault,
	.advise = svm_ext_ops__advise,
	.evict = svm_ext_ops__evict,
	.range_add = svm_ext_ops__range_add,
	.range_remove = svm_ext_ops__range_remove,
	.migrated = svm_ext_ops__migrated,
	.invalidated = svm_ext_ops__invalidated,
};

static struct bpf_struct_ops bpf_svm_ext_ops = {
	.verifier_ops = &svm_ext_verifier_ops,
	.init = svm_ext_ops_init,
	.init_member = svm_ext_init_member,
	.check_member = svm_ext_check_member,
	.reg = svm_ext_reg,
	.unreg = svm_ext_unreg,
	.update = svm_ext_update,
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

/* After svm_ext_kfuncs_register(): a policy may load from here on. */
int svm_ext_policy_init(void)
{
	return register_bpf_struct_ops(&bpf_svm_ext_ops, svm_ext_ops);
}

void svm_ext_policy_exit(void)
{
	/* no policy can be attached: it pins the module */
	flush_work(&svm_ext_exit_work);
}
