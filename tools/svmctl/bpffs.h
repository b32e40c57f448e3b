/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svmctl: pins under the bpf filesystem.
 *
 *   $SVMCTL_BPFFS (default /sys/fs/bpf)
 *     svm_ext/                 pin root of the project
 *       NAME/                  one directory per attached policy
 *         link                 the struct_ops link: removing it detaches
 *         params               the tunables map (if the policy has one)
 *         MAP ...              maps the policy declares with
 *                              __uint(pinning, LIBBPF_PIN_BY_NAME)
 */
#ifndef SVMCTL_BPFFS_H
#define SVMCTL_BPFFS_H

#include <stdbool.h>
#include <stddef.h>

#define BPFFS_DEFAULT "/sys/fs/bpf"

const char *bpffs_root(void);
/* "<root>/svm_ext" and "<root>/svm_ext/<name>" (and "/<file>") */
void bpffs_pin_root(char *buf, size_t sz);
void bpffs_policy_path(char *buf, size_t sz, const char *name,
		       const char *file);

/*
 * Makes sure bpffs is mounted at the root (mounting it at the default
 * /sys/fs/bpf if needed) and that <root>/svm_ext exists.  Prints its own
 * error and returns an exit status, or 0.
 */
int bpffs_prepare(void);

/*
 * Refuses (prints why, returns EXIT_PERM) a pin root that is not a
 * directory, is owned by another uid, or is group/world writable; 0 when
 * it is fine or does not exist.  bpffs_prepare() and bpffs_policy_dirs()
 * call it.
 */
int bpffs_check_pin_root(void);

/* Removes a pin directory and all it holds.  0 or negative errno. */
int bpffs_remove_tree(const char *path);

/*
 * Names of the policy pin directories (those holding `link` or `params`)
 * under <root>/svm_ext.  *names is a malloc'd array of malloc'd strings.
 * -EPERM (already reported) for a pin root bpffs_check_pin_root() refuses.
 */
int bpffs_policy_dirs(char ***names, size_t *n);
void bpffs_free_names(char **names, size_t n);

bool path_exists(const char *path);

struct bpf_link;
/*
 * Let go of our handle of @link, which its pin (if any) holds from now
 * on: libbpf's bpf_link__disconnect() keeps bpf_link__destroy() from
 * detaching it but then leaves the fd open too, so a process that goes on
 * (libsvmctl's callers) would hold the link, and the policy, for ever.
 */
void bpffs_link_release(struct bpf_link *link);

#endif
