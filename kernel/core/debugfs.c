// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: debugfs.
 */

/**
 * DOC: debugfs
 *
 * /sys/kernel/debug/svm_ext/ranges dumps every range of every process with
 * a bound device: one line per 2 MiB range with the owning tgid, its bounds,
 * its counters (device faults; pages moved to devices and back, and of
 * those how many moved as whole 2 MiB folios; pages mapped in place), the
 * attributes in force at its start, and how many of its pages each device
 * holds (pages on no device are in system memory or not populated).  The
 * first line names the columns; svmctl ranges parses it.  The file is
 * mode 0400, and a reader sees only its own process's ranges unless it has
 * CAP_SYS_PTRACE in the initial user namespace (svm_ext_may_read()).
 */
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/pid_namespace.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include "internal.h"

/*
 * May the reader see the ranges of @smm's process?  Only readers that
 * ptrace_may_access(task, PTRACE_MODE_READ_FSCREDS) would let in: the
 * process itself, or a holder of CAP_SYS_PTRACE (in the initial user
 * namespace).  Stricter than ptrace, which also admits a reader with the
 * same uids, gids and capabilities when the target is dumpable: modules
 * can call neither ptrace_may_access() nor read a task's dumpability, and
 * without that check a process that made itself non-dumpable would show.
 * Addresses and residency of another process are what /proc/PID/maps and
 * pagemap guard the same way.
 */
static bool svm_ext_may_read(struct svm_ext_mm *smm, bool ptrace_cap)
{
	struct task_struct *task;
	bool ok;

	if (ptrace_cap)
		return true;
	rcu_read_lock();
	task = pid_task(find_pid_ns(smm->tgid, &init_pid_ns), PIDTYPE_TGID);
	ok = task && same_thread_group(task, current) &&
	     READ_ONCE(task->mm) == smm->mn.mm;
	rcu_read_unlock();
	return ok;
}

static struct dentry *svm_ext_debugfs_dir;

static void svm_ext_debugfs_loc(struct seq_file *m, u32 loc)
{
	if (loc == SVM_EXT_LOC_NONE)
		seq_puts(m, " none");
	else if (loc == SVM_EXT_LOC_SYSTEM)
		seq_puts(m, " system");
	else
		seq_printf(m, " %u", loc);
}

/* One range's line; smm->lock and the mm's mmap_lock held. */
static void svm_ext_debugfs_range(struct seq_file *m, struct svm_ext_mm *smm,
				  struct svm_ext_range *range, u32 ndev)
{
	struct svm_ext_attrs attrs;
	u32 i;

	lockdep_assert_held(&smm->lock);
	mmap_assert_locked(smm->mn.mm);
	svm_ext_attrs_get(smm, range->start, &attrs);
	seq_printf(m, "%d 0x%lx 0x%lx %lld %lld %lld %lld %lld %lld",
		   smm->tgid, range->start, range->end,
		   atomic64_read(&range->cnt.faults),
		   atomic64_read(&range->cnt.pages_in),
		   atomic64_read(&range->cnt.folios_in),
		   atomic64_read(&range->cnt.pages_out),
		   atomic64_read(&range->cnt.folios_out),
		   atomic64_read(&range->cnt.remote_maps));
	svm_ext_debugfs_loc(m, attrs.preferred_loc);
	seq_printf(m, " 0x%llx %u %u", attrs.accessed_by, attrs.read_mostly,
		   attrs.granularity);
	for (i = 0; i < ndev; i++) {
		struct svm_ext_device *dev = svm_ext_device_get(i);
		unsigned int used = 0;

		if (dev) {
			spin_lock_irq(&dev->core->lock);
			if (range->devchunk[i])
				used = range->devchunk[i]->used;
			spin_unlock_irq(&dev->core->lock);
		}
		seq_printf(m, " %u", used);
	}
	seq_putc(m, '\n');
}

static int svm_ext_ranges_show(struct seq_file *m, void *unused)
{
	bool ptrace_cap = ns_capable_noaudit(&init_user_ns, CAP_SYS_PTRACE);
	u32 ndev = 0, i;
	struct svm_ext_range *range;
	struct svm_ext_mm *smm;
	unsigned long idx;

	/* columns up to the highest registered index */
	for (i = 0; i < SVM_EXT_MAX_DEVICES; i++)
		if (svm_ext_device_get(i))
			ndev = i + 1;
	seq_puts(m, "# tgid start end faults pages_in folios_in pages_out folios_out remote_maps preferred accessed_by read_mostly granularity");
	for (i = 0; i < ndev; i++)
		seq_printf(m, " d%u", i);
	seq_putc(m, '\n');

	mutex_lock(&svm_ext_mm_list_lock);
	list_for_each_entry(smm, &svm_ext_mm_list, all) {
		struct mm_struct *mm = smm->mn.mm;

		if (!svm_ext_may_read(smm, ptrace_cap))
			continue;

		/*
		 * The attributes in force depend on the VMAs (pending unmaps
		 * are applied first): they are read under mmap_lock.  An mm
		 * that is exiting has none worth showing; its ranges go when
		 * its last device is unbound.
		 */
		if (!mmget_not_zero(mm))
			continue;
		mutex_lock(&smm->lock);
		mmap_read_lock(mm);
		xa_for_each(&smm->ranges, idx, range)
			svm_ext_debugfs_range(m, smm, range, ndev);
		mmap_read_unlock(mm);
		mutex_unlock(&smm->lock);
		/* not the last reference's exit_mmap() under our locks */
		mmput_async(mm);
	}
	mutex_unlock(&svm_ext_mm_list_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(svm_ext_ranges);

/**
 * svm_ext_debugfs_init() - create /sys/kernel/debug/svm_ext/
 *
 * Failure is not an error: debugfs is for people, nothing depends on it.
 */
void svm_ext_debugfs_init(void)
{
	svm_ext_debugfs_dir = debugfs_create_dir("svm_ext", NULL);
	debugfs_create_file("ranges", 0400, svm_ext_debugfs_dir, NULL,
			    &svm_ext_ranges_fops);
}

/**
 * svm_ext_debugfs_exit() - remove it
 */
void svm_ext_debugfs_exit(void)
{
	debugfs_remove_recursive(svm_ext_debugfs_dir);
}
