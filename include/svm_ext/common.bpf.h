/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every svm_ext BPF policy includes: kernel types (vmlinux.h, generated
 * at build time from the built kernel's and svm_ext.ko's BTF, never
 * committed), the kfuncs, locations and a few helpers.
 */
#ifndef __SVM_EXT_COMMON_BPF_H
#define __SVM_EXT_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/*
 * Every svm_ext constant a policy uses (locations, access kinds, fault and
 * ops flags, causes, attribute types, limits, the chunk geometry) is an
 * enum in svm_ext.ko and comes from its BTF with vmlinux.h: no copy here
 * can drift from the module.  These are derived from them.
 */
#define SVM_EXT_PAGE_SIZE	(1ULL << SVM_EXT_PAGE_SHIFT)
#define SVM_EXT_CHUNK_SIZE	(1ULL << SVM_EXT_CHUNK_SHIFT)
#define SVM_EXT_CHUNK_PAGES	(1U << SVM_EXT_CHUNK_ORDER)

/* errnos an advise hook may refuse with (the kernel's, which never change) */
#define SVM_EXT_EPERM	1
#define SVM_EXT_EACCES	13
#define SVM_EXT_EBUSY	16
#define SVM_EXT_EINVAL	22
#define SVM_EXT_ENOSPC	28

/* Decisions: record one in the hook's context; none = the default. */
extern int svm_ext_fault_migrate(struct svm_ext_fault_ctx *ctx, __u64 start,
				 __u64 len, __u32 loc) __ksym;
extern int svm_ext_fault_map(struct svm_ext_fault_ctx *ctx, __u64 start,
			     __u64 len) __ksym;
/* Wait @ns (at most SVM_EXT_THROTTLE_MAX_NS), then map in place. */
extern int svm_ext_fault_throttle(struct svm_ext_fault_ctx *ctx,
				  __u64 ns) __ksym;
/* Read fault: copies of other devices' pages in this device, read-only. */
extern int svm_ext_fault_duplicate(struct svm_ext_fault_ctx *ctx, __u64 start,
				   __u64 len) __ksym;
extern int svm_ext_cpu_fault_window(struct svm_ext_cpu_fault_ctx *ctx,
				    __u64 start, __u64 len) __ksym;
extern int svm_ext_advise_refuse(struct svm_ext_advise_ctx *ctx, int err) __ksym;
extern int svm_ext_advise_set_value(struct svm_ext_advise_ctx *ctx,
				    __u64 value) __ksym;
/*
 * Eviction: candidate @i (0 = least recently used) of the full device;
 * -ENOENT past the end.  Name it a victim going to @loc (only
 * SVM_EXT_LOC_SYSTEM today); -ENOSPC once SVM_EXT_EVICT_BATCH are named,
 * -EEXIST if named already.
 */
extern int svm_ext_evict_chunk(struct svm_ext_evict_ctx *ctx, __u32 i,
			       struct svm_ext_chunk_info *info) __ksym;
extern int svm_ext_evict_choose(struct svm_ext_evict_ctx *ctx, __u32 i,
				__u32 loc) __ksym;

/* What a policy can read, from any hook. */
extern __u32 svm_ext_nr_devices(void) __ksym;
extern __u64 svm_ext_dev_mem_total(__u32 dev) __ksym;
extern __u64 svm_ext_dev_mem_free(__u32 dev) __ksym;
extern __u64 svm_ext_dev_peers(__u32 dev) __ksym;
/* MB/s from @from to @to (a device or SVM_EXT_LOC_SYSTEM); 0: no link */
extern __u64 svm_ext_link_bw(__u32 from, __u32 to) __ksym;
/*
 * In a fault hook: which pages of the fault's 2 MiB chunk are resident on
 * device @loc (one bit per page, @map__sz == 64), and where one page of
 * it is (a device index, or SVM_EXT_LOC_SYSTEM for host memory or not
 * populated).
 */
extern int svm_ext_fault_resident(struct svm_ext_fault_ctx *ctx, __u32 loc,
				  __u64 *map, __u32 map__sz) __ksym;
extern __u32 svm_ext_fault_page_loc(struct svm_ext_fault_ctx *ctx,
				    __u64 addr) __ksym;
/*
 * In a fault hook: the pages of the fault's chunk the device reported in
 * the same batch (its fault buffer), one bit per page, @map__sz == 64;
 * returns ctx->batch_pages.
 */
extern int svm_ext_fault_batch(struct svm_ext_fault_ctx *ctx, __u64 *map,
			       __u32 map__sz) __ksym;
/*
 * Eject this policy (only this one: a policy already replaced by a switch
 * ejects nothing): the default takes over, @msg shows in sysfs exit_msg.
 */
extern void svm_ext_error(const char *msg) __ksym;
extern void svm_ext_error_bstr(const char *fmt, const unsigned long long *data,
			       __u32 data__sz) __ksym;

/*
 * svm_ext_error() with a printf format: integer and character conversions
 * only (%d %i %u %x %X %c, length hh h l ll z, flags - and 0, a width, %%),
 * at most 12 arguments; the message is cut at 127 bytes.
 */
#define svm_ext_errorf(fmt, args...)					\
({									\
	static const char ___fmt[] = fmt;				\
	unsigned long long ___param[___bpf_narg(args) + 1] = {};	\
									\
	_Pragma("GCC diagnostic push")					\
	_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")		\
	___bpf_fill(___param, args);					\
	_Pragma("GCC diagnostic pop")					\
	svm_ext_error_bstr(___fmt, ___param,				\
			   ___bpf_narg(args) * sizeof(___param[0]));	\
})

#define SVM_EXT_ALIGN_DOWN(x, a)	((x) & ~((__u64)(a) - 1))

static __always_inline __u64 svm_ext_min(__u64 a, __u64 b)
{
	return a < b ? a : b;
}

static __always_inline __u64 svm_ext_max(__u64 a, __u64 b)
{
	return a > b ? a : b;
}

/*
 * The window of @size bytes (a power of two) aligned around the fault,
 * clipped to the fault's chunk: the shape most decisions want.
 */
static __always_inline void svm_ext_window(struct svm_ext_fault_ctx *ctx,
					   __u64 size, __u64 *start, __u64 *len)
{
	__u64 s = SVM_EXT_ALIGN_DOWN(ctx->addr, size);

	*start = svm_ext_max(s, ctx->range_start);
	*len = svm_ext_min(s + size, ctx->range_end) - *start;
}

/*
 * Is location @loc a device, not SVM_EXT_LOC_SYSTEM or SVM_EXT_LOC_NONE?
 * Device indices are bit numbers in the u64 device masks (peer_mask,
 * accessed_by, svm_ext_dev_peers()), so a true answer also makes
 * 1ULL << @loc a valid shift.
 */
static __always_inline bool svm_ext_loc_is_device(__u32 loc)
{
	return loc < 64;
}

/*
 * Did the user say where the fault's data belongs: a preferred location,
 * read-mostly, or the faulting device in the accessed-by set?  Policies
 * that carry out hints as the default does leave such faults to it.
 */
static __always_inline bool svm_ext_fault_hinted(const struct svm_ext_fault_ctx *f)
{
	return f->preferred_loc != SVM_EXT_LOC_NONE || f->read_mostly ||
	       (f->accessed_by & (1ULL << (f->dev & 63)));
}

/* Is @loc another device the faulting device reaches over a peer link? */
static __always_inline bool svm_ext_fault_linked(const struct svm_ext_fault_ctx *f,
						 __u32 loc)
{
	return svm_ext_loc_is_device(loc) && loc != f->dev &&
	       (f->peer_mask & (1ULL << loc));
}

/*
 * The key of per-process state kept per 2 MiB of address space (history
 * that outlives a chunk's residency).  Hash map keys compare byte by byte,
 * so the padding is a member, always zero.
 */
struct svm_ext_chunk_key {
	__u32 tgid;
	__u32 pad;
	__u64 chunk;		/* address / SVM_EXT_CHUNK_SIZE */
};

/*
 * The key of the 2 MiB chunk holding @_addr in process @_tgid.  A compound
 * literal, not a function returning the struct: the key is built in the
 * caller's variable as if spelt out there, with no copy for the compiler
 * to fold.
 */
#define SVM_EXT_CHUNK_KEY(_tgid, _addr)					\
	((struct svm_ext_chunk_key){					\
		.tgid = (_tgid), .chunk = (_addr) / SVM_EXT_CHUNK_SIZE,	\
	})

/*
 * A policy's tunables.  After the definition of its value struct (whose
 * member names are the tunables' names),
 *
 *	SVM_EXT_PARAMS(struct NAME_params, .member = default, ...);
 *
 * declares what svmctl and bpftool look up by name: _params_default, in
 * section "params_default", the value svmctl load writes before applying
 * --set (initializers left out, or none at all, are zero), and params, a
 * one-entry ARRAY map whose BTF value type is the struct itself.
 */
#define SVM_EXT_PARAMS(_type, defaults...)				\
_type _params_default SEC("params_default") = { defaults };		\
									\
struct {								\
	__uint(type, BPF_MAP_TYPE_ARRAY);				\
	__uint(max_entries, 1);						\
	__type(key, __u32);						\
	__type(value, _type);						\
} params SEC(".maps")

/*
 * The live value of the policy's SVM_EXT_PARAMS(), typed as declared there.
 * The lookup of entry 0 of an ARRAY map cannot fail, but the verifier wants
 * the NULL check all the same.  A macro rather than a function: its key, a
 * compound literal, lives as long as the caller's block, as the local
 * `zero` of a spelt-out lookup does; a function's key would end at its
 * return, and the compiler would lay out the caller's stack anew.
 */
#define svm_ext_params()						\
	((typeof(&_params_default))bpf_map_lookup_elem(&params, &(__u32){ 0 }))

#endif /* __SVM_EXT_COMMON_BPF_H */
