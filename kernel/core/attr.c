// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: range attributes (hints).
 */

/**
 * DOC: Attributes
 *
 * Attributes - preferred location, accessed-by set, read-mostly, migration
 * granularity - are kept per address range in a sorted list per mm, split
 * and merged as they change, so that "set X on [a, b)" over a range with
 * mixed attributes changes only X and leaves a minimal set of ranges behind.
 * A range with all defaults has no entry.  Entries point to interned,
 * immutable attribute sets (one per distinct combination, freed when the
 * context's last device is unbound), so merging compares pointers.  Hints
 * are set rarely and per allocation, so the list stays short; lookups walk
 * it.
 *
 * The defaults: no preferred location, granularity 9 (2 MiB windows), no
 * accessed-by devices, not read-mostly.  Setting an attribute
 * (svm_ext_attr_set()) needs every page of the span mapped; the ranges
 * over the span are created first, so that an unmap of any of it is seen,
 * and the policy's advise hook may accept, refuse or change the value.
 * What attributes mean is the policy's business; the built-in default
 * (svm_ext_default_fault()) migrates granularity-sized windows to the
 * faulting device, maps in place where the preferred location is system
 * memory or where the faulting device is in the accessed-by set and can
 * reach the data where it is, migrates to a preferred device the faulting
 * one reaches over a peer link, and serves reads of read-mostly data held
 * by another device from copies (DOC: Read-mostly copies).
 *
 * Unmapping memory drops its attributes, as KFD does: the mmu notifier only
 * queues the unmapped span (it must not take attr_lock, under which we
 * allocate), and the queue is applied before attributes are next used.
 * When more spans were unmapped than the queue holds, the VMA tree is the
 * truth: every part of a range that no VMA covers loses its attributes.
 * Either needs a stable VMA tree, so attributes are only read or changed
 * with mmap_lock held (at least for reading).
 *
 * A user decides how many entries there are (a hint on every other page
 * makes one per page), so they are charged to the caller's memory cgroup
 * and capped per process at svm_ext_max_ranges (module parameter
 * max_ranges): a change that could take the count past it, before merging,
 * fails with -EDQUOT and changes nothing.
 *
 * Lock order: mmap_lock -> attr_lock -> unmap_lock (DOC: Locking).
 */
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include "internal.h"

struct svm_ext_attr_set {
	struct list_head link;
	struct svm_ext_attrs val;
};

/* One range with non-default attributes, on smm->attr_ranges by address. */
struct svm_ext_attr_range {
	struct list_head link;
	unsigned long start;
	unsigned long end;
	struct svm_ext_attr_set *set;
};

static void svm_ext_attrs_sync(struct svm_ext_mm *smm);

static const struct svm_ext_attrs svm_ext_attrs_default = {
	.preferred_loc = SVM_EXT_LOC_NONE,
	.granularity = SVM_EXT_GRANULARITY_DEFAULT,
};

void svm_ext_attrs_init(struct svm_ext_mm *smm)
{
	mutex_init(&smm->attr_lock);
	spin_lock_init(&smm->unmap_lock);
	INIT_LIST_HEAD(&smm->attr_sets);
	INIT_LIST_HEAD(&smm->attr_ranges);
}

/* Drop every attribute; the context stays usable for a later bind. */
void svm_ext_attrs_fini(struct svm_ext_mm *smm)
{
	struct svm_ext_attr_range *r, *rt;
	struct svm_ext_attr_set *s, *st;

	mutex_lock(&smm->attr_lock);
	list_for_each_entry_safe(r, rt, &smm->attr_ranges, link)
		kfree(r);
	INIT_LIST_HEAD(&smm->attr_ranges);
	smm->nattr_ranges = 0;
	list_for_each_entry_safe(s, st, &smm->attr_sets, link)
		kfree(s);
	INIT_LIST_HEAD(&smm->attr_sets);
	mutex_unlock(&smm->attr_lock);
}

/* A new, unlinked entry, counted against the cap; under attr_lock. */
static struct svm_ext_attr_range *svm_ext_attr_range_alloc(struct svm_ext_mm *smm)
{
	struct svm_ext_attr_range *r;

	lockdep_assert_held(&smm->attr_lock);
	r = kmalloc_obj(*r, GFP_KERNEL_ACCOUNT);
	if (r)
		smm->nattr_ranges++;
	return r;
}

/* Unlink and free an entry; under attr_lock. */
static void svm_ext_attr_range_free(struct svm_ext_mm *smm,
				    struct svm_ext_attr_range *r)
{
	lockdep_assert_held(&smm->attr_lock);
	list_del(&r->link);
	kfree(r);
	smm->nattr_ranges--;
}

/* The interned copy of @val, NULL for the defaults. */
static struct svm_ext_attr_set *svm_ext_intern(struct svm_ext_mm *smm,
					       const struct svm_ext_attrs *val)
{
	struct svm_ext_attr_set *s;

	lockdep_assert_held(&smm->attr_lock);
	if (!memcmp(val, &svm_ext_attrs_default, sizeof(*val)))
		return NULL;
	list_for_each_entry(s, &smm->attr_sets, link)
		if (!memcmp(&s->val, val, sizeof(*val)))
			return s;
	s = kmalloc_obj(*s, GFP_KERNEL_ACCOUNT);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->val = *val;
	list_add(&s->link, &smm->attr_sets);
	return s;
}

/* Make @addr a range boundary (split the range straddling it). */
static int svm_ext_attr_split(struct svm_ext_mm *smm, unsigned long addr)
{
	struct svm_ext_attr_range *r, *n;

	list_for_each_entry(r, &smm->attr_ranges, link) {
		if (r->start >= addr)
			return 0;
		if (r->end <= addr)
			continue;
		n = svm_ext_attr_range_alloc(smm);
		if (!n)
			return -ENOMEM;
		n->start = addr;
		n->end = r->end;
		n->set = r->set;
		r->end = addr;
		list_add(&n->link, &r->link);
		return 0;
	}
	return 0;
}

/* Make @start and @end boundaries, so [start, end) is whole ranges. */
static int svm_ext_attr_isolate(struct svm_ext_mm *smm, unsigned long start,
				unsigned long end)
{
	return svm_ext_attr_split(smm, start) ?: svm_ext_attr_split(smm, end);
}

/* Drop default ranges, merge touching neighbours with equal sets. */
static void svm_ext_attr_normalize(struct svm_ext_mm *smm)
{
	struct svm_ext_attr_range *r, *n;

	list_for_each_entry_safe(r, n, &smm->attr_ranges, link)
		if (!r->set)
			svm_ext_attr_range_free(smm, r);
	list_for_each_entry_safe(r, n, &smm->attr_ranges, link) {
		struct svm_ext_attr_range *prev;

		if (list_is_first(&r->link, &smm->attr_ranges))
			continue;
		prev = list_prev_entry(r, link);
		if (prev->end == r->start && prev->set == r->set) {
			prev->end = r->end;
			svm_ext_attr_range_free(smm, r);
		}
	}
}

/* Remove [start, end) from every range. */
static int svm_ext_attr_clear(struct svm_ext_mm *smm, unsigned long start,
			      unsigned long end)
{
	struct svm_ext_attr_range *r, *n;
	int ret;

	ret = svm_ext_attr_isolate(smm, start, end);
	if (ret)
		return ret;
	list_for_each_entry_safe(r, n, &smm->attr_ranges, link)
		if (r->start >= start && r->end <= end)
			svm_ext_attr_range_free(smm, r);
	return 0;
}

/**
 * svm_ext_attrs_get() - the attributes in force at @addr
 * @smm: context (mmap_lock held, at least for reading: pending unmaps are
 *	applied first, which may walk the VMAs)
 * @addr: user address
 * @out: filled with the attributes (the defaults where none are set)
 *
 * Context: mmap_lock held, at least for reading; takes attr_lock.
 */
void svm_ext_attrs_get(struct svm_ext_mm *smm, unsigned long addr,
		       struct svm_ext_attrs *out)
{
	struct svm_ext_attr_range *r;

	mmap_assert_locked(smm->mn.mm);
	*out = svm_ext_attrs_default;
	mutex_lock(&smm->attr_lock);
	svm_ext_attrs_sync(smm);
	list_for_each_entry(r, &smm->attr_ranges, link) {
		if (r->start > addr)
			break;
		if (addr < r->end) {
			*out = r->set->val;
			break;
		}
	}
	mutex_unlock(&smm->attr_lock);
}

static int svm_ext_attr_apply(struct svm_ext_attrs *a, u32 type, u64 value)
{
	switch (type) {
	case SVM_EXT_ATTR_PREFERRED_LOC:
		a->preferred_loc = value;
		break;
	case SVM_EXT_ATTR_ACCESSED_BY:
		a->accessed_by = value;
		break;
	case SVM_EXT_ATTR_READ_MOSTLY:
		a->read_mostly = value;
		break;
	case SVM_EXT_ATTR_GRANULARITY:
		a->granularity = value;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/**
 * svm_ext_attr_check() - is (@type, @value) a valid attribute
 * @type: enum svm_ext_attr_type (PREFERRED_FD must be resolved by the driver)
 * @value: its value
 *
 * Context: Any context; does not sleep.
 *
 * Return: 0, -EINVAL for an unknown type or out-of-range value, -ENODEV for
 * a location or device mask naming a device that does not exist.
 */
int svm_ext_attr_check(u32 type, u64 value)
{
	u32 i;

	switch (type) {
	case SVM_EXT_ATTR_PREFERRED_LOC:
		if (value == SVM_EXT_LOC_SYSTEM || value == SVM_EXT_LOC_NONE)
			return 0;
		if (value >= SVM_EXT_MAX_DEVICES)
			return -EINVAL;
		return svm_ext_device_get(value) ? 0 : -ENODEV;
	case SVM_EXT_ATTR_ACCESSED_BY:
		if (value >> SVM_EXT_MAX_DEVICES)
			return -EINVAL;
		for (i = 0; i < SVM_EXT_MAX_DEVICES; i++)
			if ((value & BIT_ULL(i)) && !svm_ext_device_get(i))
				return -ENODEV;
		return 0;
	case SVM_EXT_ATTR_READ_MOSTLY:
		return value > 1 ? -EINVAL : 0;
	case SVM_EXT_ATTR_GRANULARITY:
		return value > SVM_EXT_CHUNK_SHIFT - PAGE_SHIFT ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}
EXPORT_SYMBOL_GPL(svm_ext_attr_check);

/**
 * svm_ext_attrs_unmapped() - [@start, @end) was unmapped: queue dropping
 * its attributes
 * @smm: context
 * @start: start of the unmapped span
 * @end: its end
 *
 * Context: The interval notifier, which may not block: takes only
 * unmap_lock; no sleeping, no allocation.
 */
void svm_ext_attrs_unmapped(struct svm_ext_mm *smm, unsigned long start,
			    unsigned long end)
{
	unsigned long flags;

	spin_lock_irqsave(&smm->unmap_lock, flags);
	if (smm->nunmapped < ARRAY_SIZE(smm->unmapped)) {
		smm->unmapped[smm->nunmapped].start = start;
		smm->unmapped[smm->nunmapped].end = end;
		smm->nunmapped++;
	} else {
		smm->unmap_overflow = true;
	}
	spin_unlock_irqrestore(&smm->unmap_lock, flags);
}

/*
 * The unmap queue overflowed, so which spans went is not known: keep of
 * each entry only what VMAs cover now.  Its first covered piece reuses the
 * entry, further pieces are new entries; where one cannot be allocated the
 * hole stays covered a while longer (until the next overflow).
 */
static void svm_ext_attrs_trim(struct svm_ext_mm *smm, struct mm_struct *mm)
{
	struct svm_ext_attr_range *r, *n, *cur, *piece;
	struct vm_area_struct *vma;

	mmap_assert_locked(mm);
	list_for_each_entry_safe(r, n, &smm->attr_ranges, link) {
		unsigned long rs = r->start, re = r->end;
		VMA_ITERATOR(vmi, mm, rs);

		cur = NULL;
		for_each_vma_range(vmi, vma, re) {
			unsigned long s = max(vma->vm_start, rs);
			unsigned long e = min(vma->vm_end, re);

			if (cur && cur->end == s) {
				cur->end = e;	/* touching VMAs */
				continue;
			}
			if (!cur) {
				cur = r;
				r->start = s;
				r->end = e;
				continue;
			}
			piece = svm_ext_attr_range_alloc(smm);
			if (!piece) {
				cur->end = e;
				continue;
			}
			piece->start = s;
			piece->end = e;
			piece->set = r->set;
			list_add(&piece->link, &cur->link);
			cur = piece;
		}
		if (!cur)
			svm_ext_attr_range_free(smm, r);
	}
}

/*
 * Apply queued unmaps, or on queue overflow trim every entry to the VMAs.
 * Both need the VMA tree stable: mmap_lock held by the caller.
 */
static void svm_ext_attrs_sync(struct svm_ext_mm *smm)
{
	struct { unsigned long start, end; } q[ARRAY_SIZE(smm->unmapped)];
	struct mm_struct *mm = smm->mn.mm;
	unsigned int nq, i;
	bool overflow;

	lockdep_assert_held(&smm->attr_lock);
	mmap_assert_locked(mm);
	spin_lock_irq(&smm->unmap_lock);
	nq = smm->nunmapped;
	overflow = smm->unmap_overflow;
	memcpy(q, smm->unmapped, nq * sizeof(q[0]));
	smm->nunmapped = 0;
	smm->unmap_overflow = false;
	spin_unlock_irq(&smm->unmap_lock);

	/* a failed split only leaves the hint in place a while longer */
	for (i = 0; i < nq; i++)
		svm_ext_attr_clear(smm, q[i].start, q[i].end);
	if (overflow)
		svm_ext_attrs_trim(smm, mm);
}

/*
 * How many entries setting an attribute over [start, end) may add before
 * merging: a split at each end that falls inside an entry and, when the
 * new value is not the default (@fill), one per gap.  Under attr_lock.
 */
static unsigned long svm_ext_attr_need(struct svm_ext_mm *smm,
				       unsigned long start, unsigned long end,
				       bool fill)
{
	struct svm_ext_attr_range *r;
	unsigned long pos = start, n = 0;

	list_for_each_entry(r, &smm->attr_ranges, link) {
		if (r->end <= start)
			continue;
		if (r->start >= end)
			break;
		n += r->start < start;
		n += r->end > end;
		n += fill && r->start > pos;
		pos = r->end;
	}
	return n + (fill && pos < end);
}

/* A new range [start, end) with defaults plus (@type, @value), before @at. */
static int svm_ext_attr_insert(struct svm_ext_mm *smm, struct list_head *at,
			       unsigned long start, unsigned long end, u32 type,
			       u64 value, bool apply)
{
	struct svm_ext_attrs val = svm_ext_attrs_default;
	struct svm_ext_attr_set *set;
	struct svm_ext_attr_range *n;

	if (apply)
		svm_ext_attr_apply(&val, type, value);
	set = svm_ext_intern(smm, &val);
	if (IS_ERR(set))
		return PTR_ERR(set);
	if (!set)
		return 0;
	n = svm_ext_attr_range_alloc(smm);
	if (!n)
		return -ENOMEM;
	n->start = start;
	n->end = end;
	n->set = set;
	list_add_tail(&n->link, at);
	return 0;
}

/* Set (@type, @value) over [start, end): split, update, fill gaps, merge. */
static int svm_ext_attr_update(struct svm_ext_mm *smm, unsigned long start,
			       unsigned long end, u32 type, u64 value,
			       unsigned int limit)
{
	struct svm_ext_attr_range *r, *n;
	struct svm_ext_attr_set *set;
	struct svm_ext_attrs val = svm_ext_attrs_default;
	unsigned long pos = start;
	int ret;

	svm_ext_attr_apply(&val, type, value);
	if (smm->nattr_ranges +
	    svm_ext_attr_need(smm, start, end,
			      memcmp(&val, &svm_ext_attrs_default, sizeof(val))) >
	    limit)
		return -EDQUOT;
	ret = svm_ext_attr_isolate(smm, start, end);
	if (ret)
		return ret;
	/* walk ranges inside [start, end), filling the gaps before each */
	list_for_each_entry_safe(r, n, &smm->attr_ranges, link) {
		if (r->end <= start)
			continue;
		if (r->start >= end)
			break;
		if (pos < r->start) {
			ret = svm_ext_attr_insert(smm, &r->link, pos, r->start,
						  type, value, true);
			if (ret)
				goto out;
		}
		val = r->set->val;
		svm_ext_attr_apply(&val, type, value);
		set = svm_ext_intern(smm, &val);
		if (IS_ERR(set)) {
			ret = PTR_ERR(set);
			goto out;
		}
		r->set = set;
		pos = r->end;
	}
	if (pos < end) {
		/* before the first range past end, or at the tail */
		list_for_each_entry(r, &smm->attr_ranges, link)
			if (r->start >= end)
				break;
		ret = svm_ext_attr_insert(smm, &r->link, pos, end, type, value,
					  true);
	}
out:
	svm_ext_attr_normalize(smm);
	return ret;
}

/**
 * svm_ext_attrs_store() - record one attribute over [@start, @end)
 * @smm: the context
 * @start: page-aligned start
 * @end: page-aligned end
 * @type: enum svm_ext_attr_type
 * @value: a value svm_ext_attr_check() accepted
 * @limit: the most attribute ranges the context may have
 *
 * Other attributes of the span are kept; entries are split and merged as
 * needed.
 *
 * Context: Process context, mmap_lock of @smm's mm held (at least for
 * reading); takes attr_lock.
 *
 * Return: 0; -ENOMEM; -EDQUOT when the change could take the count of
 * entries past @limit (nothing is changed then).
 */
int svm_ext_attrs_store(struct svm_ext_mm *smm, unsigned long start,
			unsigned long end, u32 type, u64 value,
			unsigned int limit)
{
	int ret;

	mmap_assert_locked(smm->mn.mm);
	mutex_lock(&smm->attr_lock);
	svm_ext_attrs_sync(smm);
	ret = svm_ext_attr_update(smm, start, end, type, value, limit);
	mutex_unlock(&smm->attr_lock);
	return ret;
}


/**
 * svm_ext_attr_get() - read the attributes over a user range
 * @b: binding of the calling process
 * @start: page-aligned start
 * @len: page-aligned length
 * @out: the attributes, when they are the same over the whole range
 *
 * Context: Process context, without mmap_lock: takes it for reading, and the
 * context's attr_lock.
 *
 * Return: 0; -EINVAL for a bad range (unaligned, empty, wrapping, or past
 * TASK_SIZE); -EUCLEAN when the range spans differing attributes (query
 * smaller ranges); -ESRCH when the mm is gone.
 */
int svm_ext_attr_get(struct svm_ext_binding *b, unsigned long start,
		     unsigned long len, struct svm_ext_attrs *out)
{
	struct svm_ext_mm *smm = b->smm;
	struct svm_ext_attr_set *first;
	struct svm_ext_attr_range *r;
	unsigned long end, pos;
	int ret = 0;

	if (!svm_ext_user_range_ok(start, len))
		return -EINVAL;
	end = start + len;
	if (READ_ONCE(smm->dead) || !mmget_not_zero(smm->mn.mm))
		return -ESRCH;
	mmap_read_lock(smm->mn.mm);
	mutex_lock(&smm->attr_lock);
	svm_ext_attrs_sync(smm);
	first = NULL;
	pos = start;
	list_for_each_entry(r, &smm->attr_ranges, link) {
		if (r->end <= start)
			continue;
		if (r->start >= end)
			break;
		/* a gap (defaults) before this range, or a different set */
		if (r->start > pos || r->start > start || r->end < end) {
			ret = -EUCLEAN;
			break;
		}
		first = r->set;
		pos = r->end;
	}
	if (!ret)
		*out = first ? first->val : svm_ext_attrs_default;
	mutex_unlock(&smm->attr_lock);
	mmap_read_unlock(smm->mn.mm);
	mmput(smm->mn.mm);
	return ret;
}
EXPORT_SYMBOL_GPL(svm_ext_attr_get);

/**
 * svm_ext_attr_count() - number of distinct attribute ranges (debug/tests)
 * @b: binding
 *
 * Context: Process context; takes the context's attr_lock.
 *
 * Return: how many ranges carry non-default attributes.
 */
unsigned long svm_ext_attr_count(struct svm_ext_binding *b)
{
	struct svm_ext_mm *smm = b->smm;
	unsigned long n;

	mutex_lock(&smm->attr_lock);
	n = smm->nattr_ranges;
	mutex_unlock(&smm->attr_lock);
	return n;
}
EXPORT_SYMBOL_GPL(svm_ext_attr_count);
