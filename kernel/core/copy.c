// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: copying pages with the drivers' copy engines, for every
 * move (migrate.c, evict.c) and every read-mostly copy (replica.c).
 */
#include <linux/error-injection.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "internal.h"

static struct svm_ext_device *svm_ext_pair_device(struct page *d,
						  struct page *s)
{
	struct svm_ext_device_core *core = svm_ext_page_core(d);

	if (!core)
		core = svm_ext_page_core(s);
	return core ? core->dev : NULL;
}

/**
 * svm_ext_copy_pages() - copy page pairs with the drivers' engines
 * @dst: destination pages (NULL entries skipped)
 * @src: source pages (NULL with a destination: zero the destination)
 * @npages: pairs, at most SVM_EXT_CHUNK_PAGES
 *
 * Each pair goes to the driver of its destination device, or of its source
 * device when the destination is system memory.
 *
 * Return: 0 or the first driver error.
 */
int svm_ext_copy_pages(struct page **dst, struct page **src,
		       unsigned long npages)
{
	struct svm_ext_device *dev = NULL;
	struct page **pend, **td, **ts;
	unsigned long i;
	int ret = 0;

	/* the usual case, one device on every pair: hand the arrays over */
	for (i = 0; i < npages; i++) {
		struct svm_ext_device *d;

		if (!dst[i])
			continue;
		d = svm_ext_pair_device(dst[i], src[i]);
		if (!d || (dev && d != dev))
			break;
		dev = d;
	}
	if (i == npages)
		return dev ? dev->ops->copy(dev, dst, src, npages) : 0;

	pend = kvcalloc(3 * npages, sizeof(*pend), GFP_KERNEL);
	if (!pend)
		return -ENOMEM;
	td = pend + npages;
	ts = td + npages;
	memcpy(pend, dst, npages * sizeof(*pend));

	/* one driver call per device involved */
	for (;;) {
		dev = NULL;
		for (i = 0; i < npages; i++) {
			struct svm_ext_device *d = NULL;

			td[i] = NULL;
			ts[i] = NULL;
			if (pend[i])
				d = svm_ext_pair_device(pend[i], src[i]);
			if (!d) {
				pend[i] = NULL;
				continue;
			}
			if (!dev)
				dev = d;
			if (d != dev)
				continue;
			td[i] = pend[i];
			ts[i] = src[i];
			pend[i] = NULL;
		}
		if (!dev)
			break;
		ret = dev->ops->copy(dev, td, ts, npages);
		if (ret)
			break;
	}
	kvfree(pend);
	return ret;
}
/* a copy engine that fails: the data must stay where it was */
ALLOW_ERROR_INJECTION(svm_ext_copy_pages, ERRNO);
