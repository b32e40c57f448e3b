// SPDX-License-Identifier: GPL-2.0
/*
 * Removing the emulated devices (rmmod svm_emu) while their memory holds a
 * process's data, some of it in 2 MiB device folios, with threads reading
 * and writing it from the CPU meanwhile: every word survives.
 *
 * The core used to give up after eight passes 20 ms apart and let the
 * driver free the RAM behind pages still mapped.  A 2 MiB device folio can
 * only leave by pfn into a free 2 MiB page of system memory, so with none
 * free (the test takes them all into the hugetlb pool for a while) it
 * stayed, and the process's next touch read freed memory (or oopsed on
 * the driver's freed table).  Now the removal waits for as long as it
 * takes; the test checks it is still waiting after 12 s, then gives the
 * memory back and checks every word.  (The old code gave up within those
 * 12 s and freed the backing; reading A then oopsed in svm_emu_kmap() and
 * the test timed out.  A jump in free memory while device 1 still holds A
 * is checked too, as the direct sign of that.)
 *
 * Reloads svm_emu with the default set-up at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "svm_harness.h"
#include "svm_policy.h"
#include "svm_user.h"

#define A_LEN		(8 * MIB)	/* THPs, moved as 2 MiB folios to device 1 */
#define B_LEN		(8 * MIB)	/* 4 KiB pages, half on each device */
#define LOADERS		2
#define NR_HUGE		"/proc/sys/vm/nr_hugepages"
#define THP_TOP		"/sys/kernel/mm/transparent_hugepage/enabled"
#define THP_PMD		"/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/enabled"
#define DEFAULT_PARAMS	"ndevices=2 mem_mb=64"
#define HOLD_MS		12000	/* no free 2 MiB page for this long */
#define FREED_KB	(48 * 1024)	/* of device 1's 64 MiB backing */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static long long mem_free_kb(void)
{
	char line[128];
	long long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* the mode in brackets of a THP "enabled" file */
static int thp_mode(const char *path, char *mode, size_t n)
{
	char buf[128], *l, *r;

	if (read_str(path, buf, sizeof(buf)))
		return -1;
	l = strchr(buf, '[');
	r = l ? strchr(l, ']') : NULL;
	if (!r)
		return -1;
	*r = 0;
	snprintf(mode, n, "%s", l + 1);
	return 0;
}

FIXTURE(unplug)
{
	char nr_huge[32];
	char thp_top[16], thp_pmd[16];	/* to write back, "" if unchanged */
};

FIXTURE_SETUP(unplug)
{
	char top[16] = "", pmd[16] = "inherit";
	bool has_pmd = !access(THP_PMD, F_OK);

	policy_unload_any();
	ASSERT_EQ(0, read_str(NR_HUGE, self->nr_huge, sizeof(self->nr_huge)));
	self->thp_top[0] = self->thp_pmd[0] = 0;
	/* MADV_HUGEPAGE must give THPs */
	ASSERT_EQ(0, thp_mode(THP_TOP, top, sizeof(top)));
	if (has_pmd)
		ASSERT_EQ(0, thp_mode(THP_PMD, pmd, sizeof(pmd)));
	if (has_pmd && strcmp(pmd, "inherit") && strcmp(pmd, "always") &&
	    strcmp(pmd, "madvise")) {
		snprintf(self->thp_pmd, sizeof(self->thp_pmd), "%s", pmd);
		ASSERT_EQ(0, write_str(THP_PMD, "madvise"));
	} else if (!strcmp(pmd, "inherit") && strcmp(top, "always") &&
		   strcmp(top, "madvise")) {
		snprintf(self->thp_top, sizeof(self->thp_top), "%s", top);
		ASSERT_EQ(0, write_str(THP_TOP, "madvise"));
	}
}

/* in the parent: runs even when the test crashed or timed out */
FIXTURE_TEARDOWN_PARENT(unplug)
{
	write_str(NR_HUGE, self->nr_huge);
	if (self->thp_pmd[0])
		write_str(THP_PMD, self->thp_pmd);
	if (self->thp_top[0])
		write_str(THP_TOP, self->thp_top);
	if (emu_count() < 2)
		run("grep -q '^svm_emu ' /proc/modules || insmod %s %s;"
		    " udevadm settle 2>/dev/null;"
		    " for i in $(seq 50); do [ -e /dev/dri/renderD129 ] && exit 0;"
		    " sleep 0.1; done; exit 1", module_path("svm_emu"),
		    DEFAULT_PARAMS);
}

struct loader {
	pthread_t thread;
	uint64_t *buf;		/* B */
	unsigned int id;
	atomic_bool *stop;
	long bad;		/* first wrong word + 1, or 0 */
	unsigned long rounds;
};

/*
 * Check its own words of B (i % LOADERS == id) and add one to each, round
 * after round, while the devices go: each touch of a page still in device
 * memory is a CPU fault racing with the removal's eviction.  The loaders
 * share every page, not a word.
 */
static void *loader_main(void *arg)
{
	struct loader *l = arg;
	uint64_t add = 0;
	size_t i;

	while (!atomic_load(l->stop)) {
		for (i = l->id; i < B_LEN / 8; i += LOADERS) {
			if (l->buf[i] != 0xb002 + i + add) {
				l->bad = i + 1;
				return NULL;
			}
			l->buf[i]++;
		}
		add++;
		l->rounds++;
	}
	/* leave B as the main thread expects it */
	for (i = l->id; i < B_LEN / 8; i += LOADERS)
		l->buf[i] -= add;
	return NULL;
}

static uint64_t *map_buf(size_t len, int advice)
{
	uint64_t *p = map_chunk_aligned(len, PROT_READ | PROT_WRITE,
					MAP_PRIVATE);

	if (p == MAP_FAILED || madvise(p, len, advice))
		return NULL;
	return p;
}

TEST_F_TIMEOUT(unplug, remove_devices_under_load_keeps_every_word, 240)
{
	long long folios0 = dev_counter(1, "folios_to_dev"), folios, used1;
	struct loader l[LOADERS];
	atomic_bool stop = false;
	uint64_t *a, *b, t0, t1;
	long long free0;
	bool freed_early = false;
	char huge[32];
	int fd0, fd1, status, i;
	long bad;
	pid_t rm;

	fd0 = emu_open(0);
	fd1 = emu_open(1);
	ASSERT_GE(fd0, 0);
	ASSERT_GE(fd1, 0);
	ASSERT_EQ(0, emu_bind(fd0));
	ASSERT_EQ(0, emu_bind(fd1));

	/* A: THPs to device 1 as folios, then written there by the device */
	a = map_buf(A_LEN, MADV_HUGEPAGE);
	ASSERT_NE(NULL, a);
	fill_pattern(a, A_LEN, 0xa000);
	ASSERT_EQ(A_LEN / PAGE, emu_prefetch(fd1, a, A_LEN, 1));
	folios = dev_counter(1, "folios_to_dev") - folios0;
	ASSERT_EQ(0, emu_exec1(fd1, SVM_EMU_OP_ATOMIC_ADD, a, A_LEN, 0, 1,
			       NULL, NULL));
	/* B: 4 KiB pages, half on each device, written there */
	b = map_buf(B_LEN, MADV_NOHUGEPAGE);
	ASSERT_NE(NULL, b);
	fill_pattern(b, B_LEN, 0xb000);
	ASSERT_EQ(B_LEN / 2 / PAGE, emu_prefetch(fd0, b, B_LEN / 2, 0));
	ASSERT_EQ(B_LEN / 2 / PAGE, emu_prefetch(fd1, (uint8_t *)b + B_LEN / 2,
						 B_LEN / 2, 1));
	ASSERT_EQ(0, emu_exec1(fd0, SVM_EMU_OP_ATOMIC_ADD, b, B_LEN / 2, 0, 2,
			       NULL, NULL));
	ASSERT_EQ(0, emu_exec1(fd1, SVM_EMU_OP_ATOMIC_ADD,
			       (uint8_t *)b + B_LEN / 2, B_LEN / 2, 0, 2,
			       NULL, NULL));
	/* no file may stay open for the module to go; the data stays put */
	close(fd0);
	close(fd1);
	used1 = dev_mem_used(1);
	TH_LOG("device 1 holds %lld KiB, %lld of A's 2 MiB folios",
	       used1 / 1024, folios);
	ASSERT_GE(used1, (long long)(A_LEN + B_LEN / 2));

	/* no free 2 MiB page left in system memory for a while */
	ASSERT_EQ(0, write_str(NR_HUGE, "1000000"));
	ASSERT_EQ(0, read_str(NR_HUGE, huge, sizeof(huge)));
	TH_LOG("hugetlb pool took %s 2 MiB pages", huge);

	for (i = 0; i < LOADERS; i++) {
		l[i] = (struct loader){ .buf = b, .id = i, .stop = &stop };
		ASSERT_EQ(0, pthread_create(&l[i].thread, NULL, loader_main,
					    &l[i]));
	}
	free0 = mem_free_kb();
	t0 = now_ms();
	rm = fork();
	ASSERT_GE(rm, 0);
	if (rm == 0) {
		execlp("rmmod", "rmmod", "svm_emu", (char *)NULL);
		_exit(127);
	}
	/*
	 * The removal must wait while A cannot move.  A driver that freed
	 * its backing RAM anyway shows as 64 MiB more free memory (device
	 * 1's backing) while device 1 still holds A.
	 */
	for (i = 0; i < HOLD_MS / 200; i++) {
		long long grew = mem_free_kb() - free0;

		if (waitpid(rm, &status, WNOHANG) == rm) {
			/* nothing was stuck: fine, but this run proves less */
			TH_LOG("rmmod finished after %llu ms (status %d): no 2 MiB folio had to wait",
			       (unsigned long long)(now_ms() - t0), status);
			rm = 0;
			break;
		}
		if (grew >= FREED_KB && dev_mem_used(1) > 0) {
			freed_early = true;
			break;
		}
		usleep(200 * 1000);
	}
	EXPECT_FALSE(freed_early) {
		TH_LOG("device memory freed after %llu ms with %lld KiB of it still mapped",
		       (unsigned long long)(now_ms() - t0),
		       dev_mem_used(1) / 1024);
	}
	if (rm)
		TH_LOG("rmmod still waiting after %llu ms with device 1 at %lld KiB used",
		       (unsigned long long)(now_ms() - t0),
		       dev_mem_used(1) / 1024);
	/* memory back: the folios can leave now, or come home as we read */
	ASSERT_EQ(0, write_str(NR_HUGE, self->nr_huge));
	bad = check_pattern(a, A_LEN, 0xa001);
	EXPECT_EQ(-1, bad) {
		TH_LOG("A: word %ld is %#llx, want %#llx", bad,
		       (unsigned long long)a[bad],
		       (unsigned long long)(0xa001 + bad));
	}
	atomic_store(&stop, true);
	for (i = 0; i < LOADERS; i++) {
		ASSERT_EQ(0, pthread_join(l[i].thread, NULL));
		EXPECT_EQ(0, l[i].bad) {
			TH_LOG("loader %d: word %ld of B wrong after %lu rounds",
			       i, l[i].bad - 1, l[i].rounds);
		}
	}
	bad = check_pattern(b, B_LEN, 0xb002);
	EXPECT_EQ(-1, bad) {
		TH_LOG("B: word %ld is %#llx", bad,
		       (unsigned long long)b[bad]);
	}
	if (rm) {
		for (i = 0; i < 600 && waitpid(rm, &status, WNOHANG) != rm; i++)
			usleep(100 * 1000);
		ASSERT_LT(i, 600) TH_LOG("rmmod still running after 60 s");
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
	t1 = now_ms();
	TH_LOG("devices removed in %llu ms; loaders ran %lu and %lu rounds",
	       (unsigned long long)(t1 - t0), l[0].rounds, l[1].rounds);
	EXPECT_EQ(0, emu_count());

	/* the module comes back, and the data is still what it was */
	ASSERT_EQ(0, run("insmod %s %s && udevadm settle 2>/dev/null;"
			 " for i in $(seq 50); do [ -e /dev/dri/renderD129 ] && exit 0;"
			 " sleep 0.1; done; exit 1", module_path("svm_emu"),
			 DEFAULT_PARAMS));
	EXPECT_EQ(-1, check_pattern(a, A_LEN, 0xa001));
	EXPECT_EQ(-1, check_pattern(b, B_LEN, 0xb002));
	munmap(a, A_LEN);
	munmap(b, B_LEN);
}

TEST_HARNESS_MAIN
