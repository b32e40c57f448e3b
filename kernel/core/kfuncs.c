// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: the kfuncs policies decide and ask through.
 */

/**
 * DOC: Kfuncs
 *
 * A policy program acts only through these kfuncs: the decision kfuncs of
 * its hook (svm_ext_fault_*() in fault, svm_ext_cpu_fault_window() in
 * cpu_fault, svm_ext_advise_*() in advise, svm_ext_evict_*() in evict),
 * which record a decision in the hook's context for the core to check when
 * the hook returns (DOC: Policies and ejection), and the queries and
 * svm_ext_error() usable from every hook.  SVM_EXT_KFUNCS() lists them all
 * with the hook each belongs to; the verifier refuses a program that calls
 * a decision kfunc from another hook (svm_ext_kfunc_filter()).
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/ctype.h>
#include <linux/module.h>
#include "internal.h"

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
 * svm_ext_fault_throttle() - decide: the faulting device waits, then maps
 * the page where it is
 * @ctx: the fault context the hook received
 * @ns: how long to wait, at most SVM_EXT_THROTTLE_MAX_NS (longer ejects
 *	the policy)
 *
 * What UVM does to a page that thrashes: the device backs off and the page
 * stays put, mapped over the link, so it stops bouncing.
 *
 * Return: 0.
 */
__bpf_kfunc int svm_ext_fault_throttle(struct svm_ext_fault_ctx *ctx, u64 ns)
{
	ctx->decision = SVM_EXT_DECIDE_THROTTLE;
	ctx->dec_loc = SVM_EXT_LOC_SYSTEM;
	ctx->dec_start = ctx->addr;
	ctx->dec_end = ctx->addr + PAGE_SIZE;
	ctx->dec_ns = ns;
	return 0;
}

/**
 * svm_ext_fault_duplicate() - decide: read from copies in the device's memory
 * @ctx: the fault context the hook received
 * @start: window start (page aligned, inside the fault's chunk, <= addr)
 * @len: window length in bytes
 *
 * For read faults: pages of the window in other devices' memory are copied
 * into the faulting device, which maps everything read-only; the original
 * stays where it is.  A write anywhere drops the copies.  For a write
 * fault, or when no copy can be made, the window is mapped in place.
 *
 * Return: 0, or -EINVAL (the policy is then ejected).
 */
__bpf_kfunc int svm_ext_fault_duplicate(struct svm_ext_fault_ctx *ctx,
					u64 start, u64 len)
{
	if (!len || start + len < start) {
		ctx->dec_bad = 1;
		return -EINVAL;
	}
	ctx->decision = SVM_EXT_DECIDE_DUPLICATE;
	ctx->dec_loc = ctx->dev;
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
 * svm_ext_evict_chunk() - look at one candidate of an eviction
 * @ctx: the context the evict hook received
 * @i: candidate index, 0 (least recently used) .. @ctx->nr_chunks - 1
 * @info: filled with the candidate's state
 *
 * Return: 0, or -ENOENT past the last candidate.
 */
__bpf_kfunc int svm_ext_evict_chunk(struct svm_ext_evict_ctx *ctx, u32 i,
				    struct svm_ext_chunk_info *info)
{
	struct svm_ext_evict_req *req = ctx->priv;

	if (i >= ctx->nr_chunks) {
		memset(info, 0, sizeof(*info));
		return -ENOENT;
	}
	*info = req->info[i];
	return 0;
}

/**
 * svm_ext_evict_choose() - decide: candidate @i leaves the device
 * @ctx: the context the evict hook received
 * @i: candidate index
 * @loc: where its pages go; only SVM_EXT_LOC_SYSTEM is supported
 *
 * At most SVM_EXT_EVICT_BATCH victims per call.  When the hook returns, the
 * core evicts each that still holds what the candidate snapshot showed (a
 * chunk freed or handed to another range meanwhile is skipped, not an
 * error), until some chunk is free.
 *
 * Return: 0; -EEXIST if named already; -ENOSPC when the batch is full;
 * -EINVAL for an index out of range or another destination (the policy is
 * then ejected).
 */
__bpf_kfunc int svm_ext_evict_choose(struct svm_ext_evict_ctx *ctx, u32 i,
				     u32 loc)
{
	struct svm_ext_evict_req *req = ctx->priv;
	u32 n = min_t(u32, ctx->nr_chosen, SVM_EXT_EVICT_BATCH), j;

	if (i >= ctx->nr_chunks || loc != SVM_EXT_LOC_SYSTEM) {
		ctx->dec_bad = 1;
		return -EINVAL;
	}
	for (j = 0; j < n; j++)
		if (req->chosen[j] == i)
			return -EEXIST;
	if (n == SVM_EXT_EVICT_BATCH)
		return -ENOSPC;
	req->chosen[n] = i;
	ctx->nr_chosen = n + 1;
	return 0;
}

/**
 * svm_ext_fault_resident() - which pages of the fault's chunk are on a device
 * @ctx: the context the fault hook received
 * @loc: a device index
 * @map: out: bit i set when the page at ALIGN_DOWN(@ctx->addr, 2 MiB) +
 *	i * PAGE_SIZE is resident on @loc
 * @map__sz: size of @map in bytes: SVM_EXT_CHUNK_PAGES / 8
 *
 * Return: pages resident, or -EINVAL (no such device, wrong size).
 */
__bpf_kfunc int svm_ext_fault_resident(struct svm_ext_fault_ctx *ctx, u32 loc,
				       u64 *map, u32 map__sz)
{
	struct svm_ext_fault_req *req = ctx->priv;
	struct svm_ext_range *range = req->range;
	struct svm_ext_device *dev = svm_ext_device_get(loc);
	struct svm_ext_devchunk *chunk;
	unsigned long flags;
	int n = 0;

	if (!dev || map__sz != SVM_EXT_CHUNK_PAGES / 8)
		return -EINVAL;
	memset(map, 0, map__sz);
	spin_lock_irqsave(&dev->core->lock, flags);
	chunk = range->devchunk[loc];
	if (chunk && !chunk->evicting) {
		bitmap_to_arr64(map, chunk->used_map, SVM_EXT_CHUNK_PAGES);
		n = chunk->used;
	}
	spin_unlock_irqrestore(&dev->core->lock, flags);
	return n;
}

/**
 * svm_ext_fault_batch() - the pages the device reported with this fault
 * @ctx: the context the fault hook received
 * @map: out: bit i set when the page at ALIGN_DOWN(@ctx->addr, 2 MiB) +
 *	i * PAGE_SIZE faulted in the same batch (@ctx->addr's page always)
 * @map__sz: size of @map in bytes: SVM_EXT_CHUNK_PAGES / 8
 *
 * Return: pages in the batch (@ctx->batch_pages), or -EINVAL for a wrong
 * size.
 */
__bpf_kfunc int svm_ext_fault_batch(struct svm_ext_fault_ctx *ctx, u64 *map,
				    u32 map__sz)
{
	struct svm_ext_fault_req *req = ctx->priv;
	unsigned long off = (ctx->addr - req->range->start) >> PAGE_SHIFT;

	if (map__sz != SVM_EXT_CHUNK_PAGES / 8)
		return -EINVAL;
	if (req->batch)
		bitmap_to_arr64(map, req->batch, SVM_EXT_CHUNK_PAGES);
	else
		memset(map, 0, map__sz);
	map[off / 64] |= 1ULL << (off % 64);
	return ctx->batch_pages;
}

/**
 * svm_ext_fault_page_loc() - where one page of the fault's chunk is
 * @ctx: the context the fault hook received
 * @addr: an address in the same 2 MiB chunk as @ctx->addr
 *
 * Return: a device index; SVM_EXT_LOC_SYSTEM for host memory (system memory
 * or not populated); SVM_EXT_LOC_NONE for an address outside the chunk.
 */
__bpf_kfunc u32 svm_ext_fault_page_loc(struct svm_ext_fault_ctx *ctx, u64 addr)
{
	struct svm_ext_fault_req *req = ctx->priv;
	struct svm_ext_range *range = req->range;
	unsigned long off, flags;
	u32 i, loc = SVM_EXT_LOC_SYSTEM;

	if (addr < range->start || addr >= range->end)
		return SVM_EXT_LOC_NONE;
	off = (addr - range->start) >> PAGE_SHIFT;
	for (i = 0; i < SVM_EXT_MAX_DEVICES && loc == SVM_EXT_LOC_SYSTEM; i++) {
		struct svm_ext_device *dev = svm_ext_device_get(i);
		struct svm_ext_devchunk *chunk;

		if (!dev)
			continue;
		spin_lock_irqsave(&dev->core->lock, flags);
		chunk = range->devchunk[i];
		if (chunk && test_bit(off, chunk->used_map))
			loc = i;
		spin_unlock_irqrestore(&dev->core->lock, flags);
	}
	return loc;
}

/**
 * svm_ext_dev_mem_total() - a device's memory
 * @dev: device index
 *
 * Return: bytes, 0 for no such device.
 */
__bpf_kfunc u64 svm_ext_dev_mem_total(u32 dev)
{
	struct svm_ext_device *d = svm_ext_device_get(dev);

	return d ? (u64)d->core->nchunks << SVM_EXT_CHUNK_SHIFT : 0;
}

/**
 * svm_ext_dev_mem_free() - a device's memory not held by any range
 * @dev: device index
 *
 * Return: bytes in free chunks (what can be had without evicting), 0 for
 * no such device.
 */
__bpf_kfunc u64 svm_ext_dev_mem_free(u32 dev)
{
	struct svm_ext_device *d = svm_ext_device_get(dev);

	return d ? (u64)READ_ONCE(d->core->nfree) << SVM_EXT_CHUNK_SHIFT : 0;
}

/**
 * svm_ext_dev_peers() - devices a device reaches over a peer link
 * @dev: device index
 *
 * Return: a mask of device indices, 0 for no such device.
 */
__bpf_kfunc u64 svm_ext_dev_peers(u32 dev)
{
	struct svm_ext_device *d = svm_ext_device_get(dev);

	return d ? d->peer_mask : 0;
}

/**
 * svm_ext_link_bw() - bandwidth of a link, as the driver reports it
 * @from: device index
 * @to: device index, or SVM_EXT_LOC_SYSTEM for the host link
 *
 * Return: MB/s; 0 when there is no direct link or the driver does not say.
 */
__bpf_kfunc u64 svm_ext_link_bw(u32 from, u32 to)
{
	return svm_ext_device_link_bw(svm_ext_device_get(from), to);
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

__bpf_kfunc_end_defs();

static void svm_ext_fmt_putc(char *buf, size_t size, size_t *len, char c)
{
	if (*len + 1 < size)
		buf[*len] = c;
	(*len)++;
}

/*
 * printf for svm_ext_error_bstr(): integer and character conversions only
 * (%d %i %u %x %X %c with the length modifiers hh h l ll z, the flags '-'
 * and '0', a width up to 64, and %%).  The arguments are plain numbers a
 * program put in an array; a conversion that would dereference one (%s,
 * %p) is refused, so nothing the program passes is ever read as an
 * address.  Returns the length, or -EINVAL for a format it does not take
 * or one that wants more arguments than @nargs.
 */
static int svm_ext_bstr_format(char *buf, size_t size, const char *fmt,
			       const u64 *args, u32 nargs)
{
	size_t len = 0;
	u32 argi = 0;

	while (*fmt) {
		unsigned int width = 0, lmod = 0, hmod = 0, n, i;
		bool left = false, zero = false;
		char num[24];
		u64 v;

		if (*fmt != '%') {
			svm_ext_fmt_putc(buf, size, &len, *fmt++);
			continue;
		}
		fmt++;
		if (*fmt == '%') {
			svm_ext_fmt_putc(buf, size, &len, *fmt++);
			continue;
		}
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				zero = true;
			else
				break;
		}
		while (isdigit(*fmt)) {
			width = width * 10 + (*fmt++ - '0');
			if (width > 64)
				return -EINVAL;
		}
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lmod++;
		for (; *fmt == 'h'; fmt++)
			hmod++;
		if (lmod > 2 || hmod > 2 || (lmod && hmod) || argi >= nargs)
			return -EINVAL;
		v = args[argi++];
		switch (*fmt++) {
		case 'd':
		case 'i':
			n = scnprintf(num, sizeof(num), "%lld",
				      lmod ? (s64)v : hmod == 2 ? (s8)v :
				      hmod ? (s16)v : (s32)v);
			break;
		case 'u':
			n = scnprintf(num, sizeof(num), "%llu",
				      lmod ? v : hmod == 2 ? (u8)v :
				      hmod ? (u16)v : (u32)v);
			break;
		case 'x':
		case 'X':
			n = scnprintf(num, sizeof(num), fmt[-1] == 'x' ?
				      "%llx" : "%llX",
				      lmod ? v : hmod == 2 ? (u8)v :
				      hmod ? (u16)v : (u32)v);
			break;
		case 'c':
			if (lmod || hmod)
				return -EINVAL;
			num[0] = (char)v;
			n = 1;
			zero = false;
			break;
		default:
			return -EINVAL;
		}
		i = 0;
		/* a sign goes before zero padding */
		if (zero && !left && num[0] == '-') {
			svm_ext_fmt_putc(buf, size, &len, '-');
			i = 1;
		}
		for (; !left && width > n; width--)
			svm_ext_fmt_putc(buf, size, &len, zero ? '0' : ' ');
		for (; i < n; i++)
			svm_ext_fmt_putc(buf, size, &len, num[i]);
		for (; left && width > n; width--)
			svm_ext_fmt_putc(buf, size, &len, ' ');
	}
	if (size)
		buf[min(len, size - 1)] = '\0';
	return len;
}

/* the most arguments svm_ext_error_bstr() takes, as bpf_snprintf() */
#define SVM_EXT_ERROR_MAX_ARGS	12

__bpf_kfunc_start_defs();

/**
 * svm_ext_error() - the policy ejects itself
 * @msg__str: a constant string saying why, kept in sysfs exit_msg
 * @aux: the calling program (implicit: BPF programs do not pass it)
 *
 * The default takes over as soon as the calling hook returns.  Only the
 * caller's own policy is ejected: called by a policy that has already been
 * replaced (a hook still in flight during a switch, or its exit hook), it
 * does nothing.
 */
__bpf_kfunc void svm_ext_error(const char *msg__str,
			       const struct bpf_prog_aux *aux)
{
	svm_ext_error_eject(aux, msg__str);
}

/**
 * svm_ext_error_bstr() - the policy ejects itself, with a formatted message
 * @fmt__str: a constant format: integer and character conversions only
 *	(see svm_ext_bstr_format())
 * @data: the arguments, one u64 each (the svm_ext_errorf() macro of
 *	<svm_ext/common.bpf.h> packs them)
 * @data__sz: size of @data in bytes, a multiple of 8, at most 12 arguments
 * @aux: the calling program (implicit)
 *
 * As svm_ext_error(); the formatted message is kept in sysfs exit_msg.  A
 * format or argument list it cannot use still ejects the policy, with a
 * message saying so instead.
 */
__bpf_kfunc void svm_ext_error_bstr(const char *fmt__str, const u64 *data,
				    u32 data__sz,
				    const struct bpf_prog_aux *aux)
{
	char msg[SVM_EXT_EXIT_STR_LEN];

	if (data__sz % 8 || data__sz > SVM_EXT_ERROR_MAX_ARGS * 8 ||
	    (data__sz && !data) ||
	    svm_ext_bstr_format(msg, sizeof(msg), fmt__str, data,
				data__sz / 8) < 0)
		scnprintf(msg, sizeof(msg), "bad svm_ext_error_bstr() format: %s",
			  fmt__str);
	svm_ext_error_eject(aux, msg);
}

__bpf_kfunc_end_defs();

/*
 * Every kfunc a policy may call, one line each: the hook whose context it
 * takes (SVM_EXT_ANY_HOOK: usable from every hook) and its BTF flags.  The
 * kfunc set and the filter's table both come from this list.
 */
#define SVM_EXT_ANY_HOOK	0xff
#define SVM_EXT_KFUNCS(X)						\
	X(svm_ext_fault_migrate,	SVM_EXT_OP_IDX(fault),		0) \
	X(svm_ext_fault_map,		SVM_EXT_OP_IDX(fault),		0) \
	X(svm_ext_fault_throttle,	SVM_EXT_OP_IDX(fault),		0) \
	X(svm_ext_fault_duplicate,	SVM_EXT_OP_IDX(fault),		0) \
	X(svm_ext_fault_resident,	SVM_EXT_OP_IDX(fault),		0) \
	X(svm_ext_fault_page_loc,	SVM_EXT_OP_IDX(fault),		0) \
	X(svm_ext_fault_batch,		SVM_EXT_OP_IDX(fault),		0) \
	X(svm_ext_cpu_fault_window,	SVM_EXT_OP_IDX(cpu_fault),	0) \
	X(svm_ext_advise_refuse,	SVM_EXT_OP_IDX(advise),		0) \
	X(svm_ext_advise_set_value,	SVM_EXT_OP_IDX(advise),		0) \
	X(svm_ext_evict_chunk,		SVM_EXT_OP_IDX(evict),		0) \
	X(svm_ext_evict_choose,		SVM_EXT_OP_IDX(evict),		0) \
	X(svm_ext_nr_devices,		SVM_EXT_ANY_HOOK,		0) \
	X(svm_ext_dev_mem_total,	SVM_EXT_ANY_HOOK,		0) \
	X(svm_ext_dev_mem_free,		SVM_EXT_ANY_HOOK,		0) \
	X(svm_ext_dev_peers,		SVM_EXT_ANY_HOOK,		0) \
	X(svm_ext_link_bw,		SVM_EXT_ANY_HOOK,		0) \
	X(svm_ext_error,		SVM_EXT_ANY_HOOK,	KF_IMPLICIT_ARGS) \
	X(svm_ext_error_bstr,		SVM_EXT_ANY_HOOK,	KF_IMPLICIT_ARGS)

#define SVM_EXT_KFUNC_FLAGS(fn, hook, flags)	BTF_ID_FLAGS(func, fn, flags)
#define SVM_EXT_KFUNC_ID(fn, hook, flags)	BTF_ID(func, fn)
#define SVM_EXT_KFUNC_HOOK(fn, hook, flags)	hook,

BTF_KFUNCS_START(svm_ext_kfunc_ids)
SVM_EXT_KFUNCS(SVM_EXT_KFUNC_FLAGS)
BTF_KFUNCS_END(svm_ext_kfunc_ids)

/* [0] struct svm_ext_ops, then every kfunc in SVM_EXT_KFUNCS() order */
BTF_ID_LIST(svm_ext_filter_ids)
BTF_ID(struct, svm_ext_ops)
SVM_EXT_KFUNCS(SVM_EXT_KFUNC_ID)

/* the hook of each, in the same order (u8: the ops have < 255 members) */
static const u8 svm_ext_kfunc_hook[] = { SVM_EXT_KFUNCS(SVM_EXT_KFUNC_HOOK) };

/*
 * Is @kfunc_id one of ours?  A linear scan: the kernel sorts its own copy
 * of a module's set when it registers it, not the set itself, so a binary
 * search (btf_id_set8_contains()) of ours can miss and let anything by.
 */
static bool svm_ext_kfunc_ours(u32 kfunc_id)
{
	u32 i;

	for (i = 0; i < svm_ext_kfunc_ids.cnt; i++)
		if (svm_ext_kfunc_ids.pairs[i].id == kfunc_id)
			return true;
	return false;
}

/*
 * Decision kfuncs only make sense in their own hook: the verifier refuses a
 * program that calls one from another hook, or from another struct_ops
 * type (the set is registered for all of BPF_PROG_TYPE_STRUCT_OPS).
 */
static int svm_ext_kfunc_filter(const struct bpf_prog *prog, u32 kfunc_id)
{
	u32 member = prog->expected_attach_type;
	unsigned int i;

	if (!svm_ext_kfunc_ours(kfunc_id))
		return 0;
	if (prog->type != BPF_PROG_TYPE_STRUCT_OPS ||
	    prog->aux->attach_btf_id != svm_ext_filter_ids[0])
		return -EACCES;
	for (i = 0; i < ARRAY_SIZE(svm_ext_kfunc_hook); i++) {
		if (kfunc_id != svm_ext_filter_ids[i + 1])
			continue;
		return svm_ext_kfunc_hook[i] == SVM_EXT_ANY_HOOK ||
		       member == svm_ext_kfunc_hook[i] ? 0 : -EACCES;
	}
	return -EACCES;	/* in the set but not in the list: cannot happen */
}

static const struct btf_kfunc_id_set svm_ext_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &svm_ext_kfunc_ids,
	.filter = svm_ext_kfunc_filter,
};

/**
 * svm_ext_kfuncs_register() - make the kfuncs callable from svm_ext_ops
 *
 * Return: 0, or the errno of register_btf_kfunc_id_set().
 */
int svm_ext_kfuncs_register(void)
{
	/*
	 * The constants policies use, kept in the module's BTF: BPF
	 * programs read them from there (vmlinux.h), never from a copy
	 * that could drift.
	 */
	BTF_TYPE_EMIT(enum svm_ext_geometry);
	BTF_TYPE_EMIT(enum svm_ext_limits);
	BTF_TYPE_EMIT(enum svm_ext_loc);
	BTF_TYPE_EMIT(enum svm_ext_uapi_limits);
	BTF_TYPE_EMIT(enum svm_ext_fault_flags);
	BTF_TYPE_EMIT(enum svm_ext_ops_flags);
	BTF_TYPE_EMIT(enum svm_ext_advise_request);
	BTF_TYPE_EMIT(enum svm_ext_attr_type);
	BTF_TYPE_EMIT(enum svm_ext_access);
	BTF_TYPE_EMIT(enum svm_ext_cause);
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS,
					 &svm_ext_kfunc_set);
}
