/* SPDX-License-Identifier: GPL-2.0 */
/* svmctl: the policy registry.  Conventions: see the top of registry.c. */
#ifndef SVMCTL_REGISTRY_H
#define SVMCTL_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

struct bpf_object;
struct bpf_map;

#define POLICY_DIR_DEFAULT "/usr/local/lib/svm_ext/policies"
#define POLICY_EXT ".bpf.o"

/* Filled by the generated policies.gen.c; ends with a NULL name. */
struct svm_embedded_policy {
	const char *name;
	const unsigned char *start;
	const unsigned char *end;
};
extern const struct svm_embedded_policy svm_embedded_policies[];
/* The statistics collector (not a policy): one entry named "stats", or none. */
extern const struct svm_embedded_policy svm_embedded_collector[];
/* The trace recorder (svmctl record): one entry named "record", or none. */
extern const struct svm_embedded_policy svm_embedded_recorder[];

enum policy_source { SRC_POLICY_DIR, SRC_EMBEDDED, SRC_DEFAULT_DIR, SRC_PATH };

struct svm_policy {
	char *name;		/* embedded name, or file name minus .bpf.o */
	char *path;		/* NULL when embedded */
	enum policy_source source;
	const unsigned char *elf;
	size_t elf_sz;
	bool elf_owned;		/* read from a file: free it */
	int read_err;		/* reading the file failed (negative errno) */
	char desc[256];		/* "description" section, "" if none */
	const void *defaults;	/* "params_default" section, or NULL */
	size_t defaults_sz;
	bool shadowed;		/* an earlier entry has the same name */
};

struct svm_registry {
	struct svm_policy *v;
	size_t n;
};

/*
 * Collects, in lookup order: *.bpf.o in each of dirs[] (from --policy-dir),
 * the embedded policies, then *.bpf.o in $SVMCTL_POLICY_DIR (default
 * POLICY_DIR_DEFAULT).  Later entries with an earlier entry's name are
 * marked shadowed.  Returns 0 or a negative errno (out of memory).
 */
int registry_build(struct svm_registry *r, char *const *dirs, size_t ndirs);
void registry_free(struct svm_registry *r);
const char *registry_default_dir(void);

/* The first entry named name that is not shadowed, or NULL. */
struct svm_policy *registry_find(struct svm_registry *r, const char *name);

/* Fills p from an object file (any path).  0 or negative errno. */
int policy_from_file(struct svm_policy *p, const char *path,
		     enum policy_source src);
void policy_free(struct svm_policy *p);
const char *policy_source_str(const struct svm_policy *p);
/* The same as a key of svmctl's JSON: embedded, path, policy-dir, default-dir. */
const char *policy_source_key(const struct svm_policy *p);

/* bpf_object__open_mem() on p's bytes.  NULL with errno set on failure. */
struct bpf_object *policy_open(const struct svm_policy *p);

/*
 * The object's only BPF_MAP_TYPE_STRUCT_OPS map.  Returns it, or NULL with
 * errno ENOENT (none) or ENOTUNIQ (several).
 */
struct bpf_map *policy_struct_ops_map(struct bpf_object *obj, int *count);

/*
 * The struct_ops `name` member's initial value, or failing that the object
 * name.  0 or negative errno.
 */
int policy_ops_name(struct bpf_object *obj, const struct bpf_map *st_map,
		    char *buf, size_t sz);

/*
 * For svmctl --check-doc: whether the embedded policy @name exists, and,
 * with @key, whether its params have that member.  1 yes, 0 no, -ENOENT
 * when nothing is embedded (nothing can be told).
 */
int embedded_policy_has(const char *name, const char *key);

#endif
