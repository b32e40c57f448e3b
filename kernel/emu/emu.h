/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svm_emu: emulated GPUs for svm_ext.  Private declarations.
 */
#ifndef _SVM_EMU_H
#define _SVM_EMU_H

#include <linux/platform_device.h>
#include <linux/rwsem.h>
#include <linux/xarray.h>
#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <svm_ext/driver.h>
#include <uapi/drm/svm_emu_drm.h>

#define SVM_EMU_MAX_DEVICES	SVM_EXT_MAX_DEVICES

/**
 * struct svm_emu_cost - cost model of one emulated device
 *
 * Bandwidths in MB/s (1 MB/s moves one byte in 1000 ns), latency in ns.
 * Defaults are fitted to an H100 (HBM3, PCIe host link) measured with
 * NVIDIA's UVM driver (DOC: Cost model).
 *
 * @local_mbps: device reading its own memory
 * @host_mbps: device reading host memory in place
 * @peer_mbps: device reading a peer's memory in place, and peer copies
 * @h2d_mbps: migration host -> device while servicing read faults
 * @h2d_write_mbps: migration host -> device while servicing write faults
 * @d2h_mbps: migration device -> host (eviction, moves out)
 * @evict_ns: starting one eviction of a device chunk, whatever it moves
 * @fault_ns: servicing one batch of device faults
 * @notify_ns: servicing one access-counter notification (0: the device
 *	does not wait for it)
 * @launch_ns: starting one access (a kernel launch)
 * @cpu_fault_ns: servicing one CPU fault on device memory (CPU side; the
 *	kernel does not charge it, tools do from the cpu_faults counter)
 * @cpu_fault_mbps: migration device -> host that CPU faults cause (CPU
 *	side, from the cpu_fault_pages counter)
 * @cpu_mbps: the CPU touching a page in system memory, per 4 KiB (CPU side)
 * @prefetch_h2d_ns: one explicit prefetch to a device that moves anything
 * @prefetch_h2d_mbps: explicit prefetch host -> device
 * @prefetch_d2h_ns: one explicit prefetch to system memory that moves
 *	anything
 * @prefetch_d2h_mbps: explicit prefetch device -> host
 */
struct svm_emu_cost {
	u64 local_mbps;
	u64 host_mbps;
	u64 peer_mbps;
	u64 h2d_mbps;
	u64 h2d_write_mbps;
	u64 d2h_mbps;
	u64 evict_ns;
	u64 fault_ns;
	u64 notify_ns;
	u64 launch_ns;
	u64 cpu_fault_ns;
	u64 cpu_fault_mbps;
	u64 cpu_mbps;
	u64 prefetch_h2d_ns;
	u64 prefetch_h2d_mbps;
	u64 prefetch_d2h_ns;
	u64 prefetch_d2h_mbps;
};

/**
 * struct svm_emu_device - one emulated GPU
 * @drm: the DRM device (render node)
 * @pdev: platform device it hangs off
 * @sdev: its registration with the svm_ext core
 * @name: "svm_emu<N>"
 * @backing: RAM page behind each device-private page, by device offset
 * @npages: device memory pages
 * @pfn_first: pfn of the first device-private page
 * @cost: cost model (sysfs: cost/)
 */
struct svm_emu_device {
	struct drm_device drm;
	struct platform_device *pdev;
	struct svm_ext_device sdev;
	char name[16];
	struct page **backing;
	unsigned long npages;
	unsigned long pfn_first;
	struct svm_emu_cost cost;
};

/**
 * struct svm_emu_file - per open render-node file
 * @edev: the device
 * @mm: the bound address space (compared, never dereferenced)
 * @sem: EXEC (read) against BIND/UNBIND (write)
 * @binding: the bound address space, or NULL
 * @pt: device page table: VA page -> svm_emu_pte value entry; its xa_lock
 *	is held across every device access of a mapped page
 * @pt_pages: pages @pt maps (a 2 MiB entry counts 512), under its xa_lock;
 *	capped by svm_emu_pt_trim()
 * @acnt: access counters: VA >> 21 (2 MiB chunk) -> bytes accessed in
 *	place (value entry) since the chunk's last notification
 */
struct svm_emu_file {
	struct svm_emu_device *edev;
	struct rw_semaphore sem;
	struct svm_ext_binding *binding;
	struct mm_struct *mm;
	struct xarray pt;
	unsigned long pt_pages;
	struct xarray acnt;
};

/*
 * device page-table entries: xa value of
 * (pfn << 4) | huge << 3 | kind << 1 | write.  A huge entry is one
 * multi-index entry covering a 2 MiB block; pfn is its first page.
 */
#define SVM_EMU_PTE_WRITE	1UL
#define SVM_EMU_PTE_KIND_SHIFT	1
#define SVM_EMU_PTE_KIND_MASK	3UL
#define SVM_EMU_PTE_HUGE	8UL
#define SVM_EMU_PTE_PFN_SHIFT	4

static inline struct svm_emu_device *to_emu(struct drm_device *drm)
{
	return container_of(drm, struct svm_emu_device, drm);
}

/* memory.c */
extern const struct svm_ext_device_ops svm_emu_ext_ops;
void *svm_emu_kmap(struct svm_emu_device *edev, struct page *page);
void svm_emu_pt_reserve(struct svm_emu_file *ef, unsigned long idx);
void svm_emu_pt_release(struct svm_emu_file *ef, unsigned long idx);
void svm_emu_pt_trim(struct svm_emu_file *ef);

/* exec.c */
int svm_emu_ioctl_exec(struct drm_device *drm, void *data,
		       struct drm_file *file);

/* hints.c */
int svm_emu_ioctl_set_attr(struct drm_device *drm, void *data,
			   struct drm_file *file);
int svm_emu_ioctl_get_attr(struct drm_device *drm, void *data,
			   struct drm_file *file);
int svm_emu_ioctl_prefetch(struct drm_device *drm, void *data,
			   struct drm_file *file);

/* file.c */
int svm_emu_open(struct drm_device *drm, struct drm_file *file);
void svm_emu_postclose(struct drm_device *drm, struct drm_file *file);
int svm_emu_ioctl_bind(struct drm_device *drm, void *data,
		       struct drm_file *file);
int svm_emu_ioctl_unbind(struct drm_device *drm, void *data,
			 struct drm_file *file);
struct svm_ext_binding *svm_emu_get_binding(struct svm_emu_file *ef, int *err);

/* cost.c */
void svm_emu_cost_defaults(struct svm_emu_cost *c);
u64 svm_emu_cost_access(const struct svm_emu_cost *c, enum svm_ext_map_kind k,
			u64 bytes);
u64 svm_emu_cost_faults(const struct svm_emu_cost *c,
			const struct svm_ext_fault_stats *st, u64 pages_in_write);
u64 svm_emu_cost_prefetch(const struct svm_emu_cost *c,
			  const struct svm_ext_fault_stats *st);
u64 svm_emu_link_bw(struct svm_ext_device *sdev, u32 to);
extern const struct attribute_group svm_emu_cost_group;

#endif /* _SVM_EMU_H */
