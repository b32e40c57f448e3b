// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: range attributes (hints) and prefetch.
 *
 * DOC: attributes
 *
 * Attributes - preferred location, accessed-by set, read-mostly, migration
 * granularity - are kept per address range in a maple tree per mm, split and
 * merged as they change, so that "set X on [a, b)" over a range with mixed
 * attributes changes only X and leaves a minimal set of ranges behind.  A
 * range with all defaults has no entry.  Entries point to interned,
 * immutable attribute sets (one per distinct combination, freed with the
 * context), so splitting a range never duplicates ownership and merging
 * compares pointers.  Unmapping memory drops its attributes, as KFD does:
 * the mmu notifier only queues the unmapped span (it must not take
 * attr_lock, under which we allocate), and the queue is applied before the
 * attributes are next read or written.
 *
 * Lock order: mmap_lock -> attr_lock -> unmap_lock.
 */
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include "internal.h"
#include "trace.h"

struct svm_ext_attr_set {
	struct list_head link;
	struct svm_ext_attrs val;
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
	mt_init_flags(&smm->attrs, MT_FLAGS_LOCK_EXTERN);
	mt_set_external_lock(&smm->attrs, &smm->attr_lock);
}

/* Drop every attribute; the tree stays usable (empty) for a later bind. */
void svm_ext_attrs_fini(struct svm_ext_mm *smm)
{
	struct svm_ext_attr_set *s, *tmp;

	mutex_lock(&smm->attr_lock);
	__mt_destroy(&smm->attrs);
	mt_init_flags(&smm->attrs, MT_FLAGS_LOCK_EXTERN);
	mt_set_external_lock(&smm->attrs, &smm->attr_lock);
	list_for_each_entry_safe(s, tmp, &smm->attr_sets, link)
		kfree(s);
	INIT_LIST_HEAD(&smm->attr_sets);
	mutex_unlock(&smm->attr_lock);
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
	s = kmalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->val = *val;
	list_add(&s->link, &smm->attr_sets);
	return s;
}

/**
 * svm_ext_attrs_get() - the attributes in force at @addr
 * @smm: context (mmap_lock held)
 * @addr: user address
 * @out: filled with the attributes (the defaults where none are set)
 */
void svm_ext_attrs_get(struct svm_ext_mm *smm, unsigned long addr,
		       struct svm_ext_attrs *out)
{
	struct svm_ext_attr_set *s;

	mutex_lock(&smm->attr_lock);
	svm_ext_attrs_sync(smm);
	s = mtree_load(&smm->attrs, addr);
	*out = s ? s->val : svm_ext_attrs_default;
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

/* Merge the entry ending at @addr - 1 with the one starting at @addr. */
static void svm_ext_attr_merge_at(struct svm_ext_mm *smm, unsigned long addr)
{
	MA_STATE(mas, &smm->attrs, addr, addr);
	unsigned long lo, hi;
	void *left, *right;

	if (!addr)
		return;
	right = mas_walk(&mas);
	if (!right)
		return;
	hi = mas.last;
	mas_set(&mas, addr - 1);
	left = mas_walk(&mas);
	if (left != right)
		return;
	lo = mas.index;
	mas_set_range(&mas, lo, hi);
	/* cannot fail for want of memory: it only removes a boundary */
	WARN_ON_ONCE(mas_store_gfp(&mas, right, GFP_KERNEL));
}

/**
 * svm_ext_attrs_unmapped() - [@start, @end) was unmapped: queue dropping
 * its attributes
 * @smm: context
 * @start: start of the unmapped span
 * @end: its end
 *
 * Called from the mmu notifier: no sleeping, no allocation.
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
 * Apply queued unmaps.  On queue overflow, drop the attributes of every
 * span that has no VMA now (mmap_lock held by the caller for that walk).
 */
static void svm_ext_attrs_sync(struct svm_ext_mm *smm)
{
	struct { unsigned long start, end; } q[ARRAY_SIZE(smm->unmapped)];
	struct mm_struct *mm = smm->mn.mm;
	unsigned int n, i;
	bool overflow;
	void *entry;

	lockdep_assert_held(&smm->attr_lock);
	spin_lock_irq(&smm->unmap_lock);
	n = smm->nunmapped;
	overflow = smm->unmap_overflow;
	memcpy(q, smm->unmapped, n * sizeof(q[0]));
	smm->nunmapped = 0;
	smm->unmap_overflow = false;
	spin_unlock_irq(&smm->unmap_lock);

	for (i = 0; i < n; i++) {
		MA_STATE(mas, &smm->attrs, q[i].start, q[i].end - 1);

		if (!mas_find(&mas, q[i].end - 1))
			continue;
		mas_set_range(&mas, q[i].start, q[i].end - 1);
		mas_store_gfp(&mas, NULL, GFP_KERNEL);
	}
	if (overflow) {
		MA_STATE(mas, &smm->attrs, 0, 0);

		mmap_assert_locked(mm);
		mas_for_each(&mas, entry, TASK_SIZE) {
			unsigned long s = mas.index, e = mas.last + 1;
			struct vm_area_struct *vma = find_vma_intersection(mm, s, e);

			if (!vma) {
				mas_store_gfp(&mas, NULL, GFP_KERNEL);
				continue;
			}
			if (vma->vm_start > s) {
				mas_set_range(&mas, s, vma->vm_start - 1);
				mas_store_gfp(&mas, NULL, GFP_KERNEL);
			}
			mas_set(&mas, vma->vm_start);
		}
	}
}

/**
 * svm_ext_attr_set() - set one attribute over a user range
 * @b: binding of the calling process
 * @start: page-aligned start
 * @len: page-aligned length
 * @type: enum svm_ext_attr_type (not PREFERRED_FD: drivers resolve it)
 * @value: the value
 *
 * Every page of the range must be mapped.  Other attributes of the range are
 * kept; ranges are split and merged as needed.
 *
 * Return: 0; -EINVAL for a bad range, type or value; -ENODEV for a device
 * that does not exist; -ENOMEM (range unmapped, like madvise); -ESRCH when
 * the mm is gone; or the errno a policy's advise hook chose.
 */
int svm_ext_attr_set(struct svm_ext_binding *b, unsigned long start,
		     unsigned long len, u32 type, u64 value)
{
	struct svm_ext_mm *smm = b->smm;
	struct mm_struct *mm = smm->mn.mm;
	unsigned long end = start + len, addr;
	int ret;

	if (!PAGE_ALIGNED(start) || !PAGE_ALIGNED(len) || !len ||
	    end < start || end > TASK_SIZE)
		return -EINVAL;
	ret = svm_ext_attr_check(type, value);
	if (ret)
		return ret;
	if (READ_ONCE(smm->dead) || !mmget_not_zero(mm))
		return -ESRCH;

	/* Ranges (notifiers) over the span, so that munmap clears it. */
	for (addr = ALIGN_DOWN(start, SVM_EXT_CHUNK_SIZE); addr < end;
	     addr += SVM_EXT_CHUNK_SIZE) {
		struct svm_ext_range *range = svm_ext_range_get(smm, addr);

		if (IS_ERR(range)) {
			ret = PTR_ERR(range);
			goto out_mmput;
		}
	}

	mmap_read_lock(mm);
	for (addr = start; addr < end;) {
		struct vm_area_struct *vma = vma_lookup(mm, addr);

		if (!vma) {
			ret = -ENOMEM;
			goto out_unlock_mmap;
		}
		addr = vma->vm_end;
	}
	ret = svm_ext_policy_advise(b, start, end, type, &value);
	if (ret)
		goto out_unlock_mmap;

	mutex_lock(&smm->attr_lock);
	svm_ext_attrs_sync(smm);
	for (addr = start; addr < end;) {
		MA_STATE(mas, &smm->attrs, addr, addr);
		struct svm_ext_attr_set *old, *new;
		struct svm_ext_attrs val;
		unsigned long piece_end;

		old = mas_walk(&mas);
		piece_end = min(end, mas.last + 1);
		val = old ? old->val : svm_ext_attrs_default;
		svm_ext_attr_apply(&val, type, value);
		new = svm_ext_intern(smm, &val);
		if (IS_ERR(new)) {
			ret = PTR_ERR(new);
			break;
		}
		if (new != old) {
			mas_set_range(&mas, addr, piece_end - 1);
			ret = mas_store_gfp(&mas, new, GFP_KERNEL);
			if (ret)
				break;
		}
		addr = piece_end;
	}
	/* merge neighbours that became equal, inside and at both ends */
	for (addr = start; addr <= end && addr < TASK_SIZE;) {
		MA_STATE(mas, &smm->attrs, addr, addr);

		svm_ext_attr_merge_at(smm, addr);
		mas_set(&mas, addr);
		mas_walk(&mas);
		if (mas.last >= end)
			break;
		addr = mas.last + 1;
	}
	mutex_unlock(&smm->attr_lock);
	trace_svm_ext_advise(start, end, type, value, ret);
out_unlock_mmap:
	mmap_read_unlock(mm);
out_mmput:
	mmput(mm);
	return ret;
}
EXPORT_SYMBOL_GPL(svm_ext_attr_set);

/**
 * svm_ext_attr_get() - read the attributes over a user range
 * @b: binding of the calling process
 * @start: page-aligned start
 * @len: page-aligned length
 * @out: the attributes, when they are the same over the whole range
 *
 * Return: 0; -EINVAL for a bad range; -EUCLEAN when the range spans
 * differing attributes (query smaller ranges); -ESRCH when the mm is gone.
 */
int svm_ext_attr_get(struct svm_ext_binding *b, unsigned long start,
		     unsigned long len, struct svm_ext_attrs *out)
{
	struct svm_ext_mm *smm = b->smm;
	unsigned long end = start + len;
	void *first, *entry;
	int ret = 0;

	if (!PAGE_ALIGNED(start) || !PAGE_ALIGNED(len) || !len ||
	    end < start || end > TASK_SIZE)
		return -EINVAL;
	if (READ_ONCE(smm->dead) || !mmget_not_zero(smm->mn.mm))
		return -ESRCH;
	mmap_read_lock(smm->mn.mm);
	mutex_lock(&smm->attr_lock);
	svm_ext_attrs_sync(smm);
	{
		MA_STATE(mas, &smm->attrs, start, start);

		first = mas_walk(&mas);
		while (mas.last < end - 1) {
			mas_set(&mas, mas.last + 1);
			entry = mas_walk(&mas);
			if (entry != first) {
				ret = -EUCLEAN;
				break;
			}
		}
	}
	if (!ret)
		*out = first ? ((struct svm_ext_attr_set *)first)->val :
			       svm_ext_attrs_default;
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
 * Return: how many ranges carry non-default attributes.
 */
unsigned long svm_ext_attr_count(struct svm_ext_binding *b)
{
	struct svm_ext_mm *smm = b->smm;
	unsigned long n = 0;
	void *entry;
	MA_STATE(mas, &smm->attrs, 0, 0);

	mutex_lock(&smm->attr_lock);
	mas_for_each(&mas, entry, ULONG_MAX)
		n++;
	mutex_unlock(&smm->attr_lock);
	return n;
}
EXPORT_SYMBOL_GPL(svm_ext_attr_count);
