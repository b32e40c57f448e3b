/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svmfuzz: structure-aware fuzzer of the svm_emu render-node ioctls and of
 * the svm_ext/svm_emu sysfs files.  Shared declarations.
 *
 * A call is built from a valid-looking struct whose fields are pushed to
 * their edges; while building it the generator records which documented
 * rule it broke ("violations").  The oracle then knows the answer where the
 * uapi header fixes it: a call that breaks a rule must fail with one of the
 * errnos the header gives for the rules it broke; a call that breaks none
 * may still fail, but only with an errno the header lists for that ioctl.
 */
#ifndef SVMFUZZ_H
#define SVMFUZZ_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* ---- random numbers: one generator per thread, all derived from --seed */
struct fz_rng {
	uint64_t s;
};

static inline uint64_t fz_next(struct fz_rng *r)
{
	/* xorshift64*: fast, and a seed reproduces a thread's whole stream */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

/* uniform in [0, n), n > 0 */
static inline uint64_t fz_below(struct fz_rng *r, uint64_t n)
{
	return fz_next(r) % n;
}

/* true with probability 1/n */
static inline bool fz_one_in(struct fz_rng *r, uint64_t n)
{
	return fz_below(r, n) == 0;
}

void fz_rng_init(struct fz_rng *r, uint64_t seed, uint64_t stream);
/* a number at an edge: 0, 1, page +-1, 2 MiB, 2^31, 2^32, 2^63, 2^64-8, ... */
uint64_t fz_edge(struct fz_rng *r);

/* ---- sets of errnos */
struct fz_errs {
	uint64_t w[3];		/* bit e: errno e is acceptable (e < 192) */
};

void fz_errs_add(struct fz_errs *s, int e);
bool fz_errs_has(const struct fz_errs *s, int e);
bool fz_errs_any(const struct fz_errs *s);
void fz_errs_or(struct fz_errs *s, const struct fz_errs *o);
void fz_errs_str(const struct fz_errs *s, char *buf, size_t len);

/* ---- the memory the fuzzer hands the device: slots of changing kinds */
enum fz_kind {
	FZ_PRIV_RW,		/* private anonymous, read-write */
	FZ_PRIV_THP,		/* private anonymous, MADV_HUGEPAGE, touched */
	FZ_PRIV_RO,		/* private anonymous, read-only */
	FZ_SHARED_RW,		/* MAP_SHARED anonymous */
	FZ_MEMFD_RW,		/* memfd (shmem), MAP_SHARED */
	FZ_MEMFD_SHORT,		/* 4 KiB memfd mapped over the whole slot */
	FZ_FILE_RW,		/* a file in $TMPDIR, MAP_SHARED */
	FZ_NONE,		/* PROT_NONE: nothing may be accessed */
	FZ_NKINDS
};

#define FZ_SLOT_SIZE	(2UL << 20)	/* one svm_ext chunk */
#define FZ_NSLOTS	32

struct fz_pool {
	char *base;			/* FZ_NSLOTS * FZ_SLOT_SIZE, 2 MiB aligned */
	_Atomic int kind[FZ_NSLOTS];
	const char *tmpdir;
};

int fz_pool_init(struct fz_pool *p, const char *tmpdir);
/* replace slot i by a fresh mapping of kind k (MAP_FIXED, never a hole) */
int fz_pool_remap(struct fz_pool *p, unsigned int i, enum fz_kind k);
/* what the device may do at a slot of this kind */
bool fz_kind_readable(enum fz_kind k);
bool fz_kind_writable(enum fz_kind k);
const char *fz_kind_name(enum fz_kind k);

/* ---- the run */
enum fz_op {
	FZ_OP_INFO,
	FZ_OP_BIND,
	FZ_OP_UNBIND,
	FZ_OP_EXEC,
	FZ_OP_QUERY,
	FZ_OP_SET_ATTR,
	FZ_OP_GET_ATTR,
	FZ_OP_PREFETCH,
	FZ_OP_UNKNOWN,		/* an ioctl number the driver does not have */
	FZ_OP_SYSFS,		/* a write to a sysfs file */
	FZ_OP_KILLED,		/* a process killed inside an ioctl */
	FZ_NOPS
};

extern const char *const fz_op_names[FZ_NOPS];

struct fz_config {
	uint64_t seed;
	uint64_t calls;			/* stop after this many calls */
	unsigned int seconds;		/* or after this long (0: no limit) */
	unsigned int threads;
	bool chaos;			/* remap/fork/kill while calls run */
	bool sysfs;			/* fuzz sysfs writes too */
	bool json;
	bool verbose;
	bool inject;			/* allocations fail on purpose: ENOMEM is fine */
	const char *policies;		/* comma list to switch between, or NULL */
	const char *svmctl;
	unsigned int max_reports;
};

struct fz_stats {
	_Atomic uint64_t calls[FZ_NOPS];
	_Atomic uint64_t ok[FZ_NOPS];
	_Atomic uint64_t violations;
	_Atomic uint64_t remaps, forks, kills, switches;
};

struct fz_global {
	struct fz_config cfg;
	struct fz_pool pool;
	struct fz_stats st;
	int ndev;			/* svm_emu render nodes */
	char dev_path[8][64];		/* by svm_ext device index */
	_Atomic bool stop;
	_Atomic uint64_t total;		/* calls so far, all threads */
};

extern struct fz_global fz;

/* One worker: its own fds (so the oracle knows each one's binding). */
#define FZ_WORKER_FDS	3
struct fz_worker {
	unsigned int id;
	struct fz_rng rng;
	int fd[FZ_WORKER_FDS];
	int dev[FZ_WORKER_FDS];		/* device index of fd[i] */
	bool bound[FZ_WORKER_FDS];
	void *scratch;			/* accesses, attrs, results */
	void *scratch_ro;		/* a read-only page for "bad pointer" cases */
	uint16_t *res;			/* query results, SVM_EMU_QUERY_MAX_PAGES */
};

int fz_worker_init(struct fz_worker *w, unsigned int id);
void fz_worker_fini(struct fz_worker *w);
/* one fuzzed ioctl; returns the op it ran */
enum fz_op fz_one_ioctl(struct fz_worker *w);

/*
 * Check a call's outcome: @hard and @soft are the errnos of the rules it
 * broke for certain and of those it may have broken (memory another thread
 * may have remapped); @bg those the ioctl may return anyway.
 */
void fz_check(struct fz_worker *w, enum fz_op op, int ret, int err,
	      const struct fz_errs *hard, const struct fz_errs *soft,
	      const struct fz_errs *bg, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

/* sysfs.c */
int fz_sysfs_init(void);
void fz_sysfs_one(struct fz_worker *w);
void fz_sysfs_restore(void);

/* chaos.c: remaps, forks, SIGKILLed processes, policy switches */
void *fz_chaos_thread(void *arg);
void *fz_killer_thread(void *arg);
void *fz_policy_thread(void *arg);

void fz_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
