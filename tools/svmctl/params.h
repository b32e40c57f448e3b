/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svmctl: values of a policy's `params` map, typed by BTF.
 *
 * The value is a struct; its members are addressed by name.  Supported
 * members: integers of 1, 2, 4 or 8 bytes (signed or not), bool, enums
 * (set by enumerator name or number) and char arrays (NUL-terminated
 * strings).  Bitfields and nested aggregates are shown but not settable;
 * members named _* are hidden.
 * Used by `load --set`, `set` and `get` alike.
 */
#ifndef SVMCTL_PARAMS_H
#define SVMCTL_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "json_writer.h"

struct btf;
struct btf_type;

struct pval {
	const struct btf *btf;
	const struct btf_type *t;	/* the value struct, resolved */
	unsigned int size;		/* map value size */
};

/* Prints its own error; returns 0 or a negative errno. */
int pval_init(struct pval *pv, const struct btf *btf, unsigned int type_id,
	      unsigned int value_size);

unsigned int pval_count(const struct pval *pv);
/* Unnamed members and names starting with '_' (padding, reserved) are
 * neither shown nor settable. */
bool pval_hidden(const struct pval *pv, unsigned int idx);
const char *pval_name(const struct pval *pv, unsigned int idx);
/* member index, or -ENOENT */
int pval_find(const struct pval *pv, const char *key);
/* the same, printing the ENOENT error with the list of valid keys */
int pval_lookup(const struct pval *pv, const char *key);

/*
 * Splits "KEY=VALUE".  Returns false (nothing printed) on a syntax error:
 * no '=', empty key, or a key that does not fit.
 */
bool pval_split(const char *arg, char *key, size_t ksz, const char **val);

/*
 * Parses val for member key and stores it in buf.  Prints its own error
 * (ENOENT unknown key, listing the valid ones; ERANGE with the member's
 * range; EINVAL unparsable; EOPNOTSUPP unsettable member) and returns it
 * negated, or 0.
 */
int pval_set(const struct pval *pv, void *buf, const char *key,
	     const char *val);

/* The member's value as text (enumerators by name, strings raw). */
void pval_format(const struct pval *pv, const void *buf, unsigned int idx,
		 char *out, size_t sz);
/* The member's value as a JSON value (null if unsupported). */
void pval_json(const struct pval *pv, const void *buf, unsigned int idx,
	       json_writer_t *jw);
/* "u8", "s64", "bool", "enum foo", "char[16]", ... */
void pval_type_str(const struct pval *pv, unsigned int idx, char *out,
		   size_t sz);

#endif
