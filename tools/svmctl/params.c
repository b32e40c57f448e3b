// SPDX-License-Identifier: GPL-2.0
/* svmctl: values of a policy's `params` map, typed by BTF. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bpf/btf.h>

#include "params.h"
#include "svmctl.h"

enum pkind { PK_UNSUPP, PK_INT, PK_BOOL, PK_ENUM, PK_STR };

struct pmember {
	enum pkind kind;
	const char *name;
	unsigned int off;		/* bytes into the value */
	unsigned int size;		/* bytes */
	bool is_signed;
	const struct btf_type *type;	/* resolved member type */
	const char *why;		/* PK_UNSUPP: what it is */
};

static void classify(const struct pval *pv, unsigned int idx,
		     struct pmember *pm)
{
	const struct btf *btf = pv->btf;
	const struct btf_member *m = btf_members(pv->t) + idx;
	unsigned int bitoff = btf_member_bit_offset(pv->t, idx);
	const struct btf_type *mt, *et;
	int id;

	memset(pm, 0, sizeof(*pm));
	pm->name = btf__name_by_offset(btf, m->name_off);
	pm->off = bitoff / 8;
	id = btf__resolve_type(btf, m->type);
	mt = id > 0 ? btf__type_by_id(btf, id) : NULL;
	pm->type = mt;
	pm->kind = PK_UNSUPP;
	if (!mt) {
		pm->why = "unknown type";
		return;
	}
	pm->size = mt->size;
	if (btf_member_bitfield_size(pv->t, idx) || bitoff % 8) {
		pm->why = "bitfield";
		return;
	}
	if (btf_is_int(mt)) {
		__u8 enc = btf_int_encoding(mt);

		if (btf_int_offset(mt) || btf_int_bits(mt) != mt->size * 8 ||
		    (mt->size != 1 && mt->size != 2 && mt->size != 4 &&
		     mt->size != 8)) {
			pm->why = "integer of unsupported width";
			return;
		}
		pm->kind = enc & BTF_INT_BOOL ? PK_BOOL : PK_INT;
		pm->is_signed = enc & BTF_INT_SIGNED;
	} else if (btf_is_any_enum(mt)) {
		if (mt->size != 1 && mt->size != 2 && mt->size != 4 &&
		    mt->size != 8) {
			pm->why = "enum of unsupported width";
			return;
		}
		pm->kind = PK_ENUM;
		pm->is_signed = btf_kflag(mt);
	} else if (btf_is_array(mt)) {
		const struct btf_array *a = btf_array(mt);
		const char *ename;

		id = btf__resolve_type(btf, a->type);
		et = id > 0 ? btf__type_by_id(btf, id) : NULL;
		ename = et ? btf__name_by_offset(btf, et->name_off) : NULL;
		if (et && btf_is_int(et) && et->size == 1 && a->nelems &&
		    ((btf_int_encoding(et) & BTF_INT_CHAR) ||
		     (ename && !strcmp(ename, "char")))) {
			pm->kind = PK_STR;
			pm->size = a->nelems;
		} else {
			pm->why = "array";
			pm->size = 0;
			return;
		}
	} else {
		pm->why = btf_is_composite(mt) ? "nested struct or union" :
			  btf_is_ptr(mt) ? "pointer" :
			  btf_is_float(mt) ? "floating point" : "other type";
		return;
	}
	if (pm->off > pv->size || pm->size > pv->size - pm->off) {
		pm->kind = PK_UNSUPP;
		pm->why = "outside the value";
	}
}

int pval_init(struct pval *pv, const struct btf *btf, unsigned int type_id,
	      unsigned int value_size)
{
	const struct btf_type *t;
	int id;

	memset(pv, 0, sizeof(*pv));
	id = btf__resolve_type(btf, type_id);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	if (!t || !btf_is_struct(t)) {
		p_err(EXIT_FAIL, EINVAL,
		      "the params value type (BTF id %u) is not a struct",
		      type_id);
		return -EINVAL;
	}
	if (t->size != value_size) {
		p_err(EXIT_FAIL, EINVAL,
		      "the params value struct is %u bytes but the map's value is %u",
		      t->size, value_size);
		return -EINVAL;
	}
	pv->btf = btf;
	pv->t = t;
	pv->size = value_size;
	return 0;
}

unsigned int pval_count(const struct pval *pv)
{
	return btf_vlen(pv->t);
}

const char *pval_name(const struct pval *pv, unsigned int idx)
{
	return btf__name_by_offset(pv->btf, btf_members(pv->t)[idx].name_off);
}

bool pval_hidden(const struct pval *pv, unsigned int idx)
{
	const char *n = pval_name(pv, idx);

	return !n || !n[0] || n[0] == '_';
}

int pval_find(const struct pval *pv, const char *key)
{
	for (unsigned int i = 0; i < pval_count(pv); i++) {
		if (!pval_hidden(pv, i) && !strcmp(pval_name(pv, i), key))
			return i;
	}
	return -ENOENT;
}

bool pval_split(const char *arg, char *key, size_t ksz, const char **val)
{
	const char *eq = strchr(arg, '=');
	size_t klen;

	if (!eq || eq == arg)
		return false;
	klen = eq - arg;
	if (klen >= ksz)
		return false;
	memcpy(key, arg, klen);
	key[klen] = '\0';
	*val = eq + 1;
	return true;
}

void pval_type_str(const struct pval *pv, unsigned int idx, char *out,
		   size_t sz)
{
	struct pmember pm;
	const char *n;

	classify(pv, idx, &pm);
	switch (pm.kind) {
	case PK_INT:
		snprintf(out, sz, "%c%u", pm.is_signed ? 's' : 'u',
			 pm.size * 8);
		break;
	case PK_BOOL:
		snprintf(out, sz, "bool");
		break;
	case PK_ENUM:
		n = btf__name_by_offset(pv->btf, pm.type->name_off);
		snprintf(out, sz, "enum %s (%c%u)", n && n[0] ? n : "(anon)",
			 pm.is_signed ? 's' : 'u', pm.size * 8);
		break;
	case PK_STR:
		snprintf(out, sz, "char[%u]", pm.size);
		break;
	default:
		snprintf(out, sz, "%s", pm.why);
	}
}

static void range_str(const struct pmember *pm, char *out, size_t sz)
{
	unsigned int bits = pm->size * 8;

	if (pm->kind == PK_BOOL)
		snprintf(out, sz, "0..1, true or false");
	else if (pm->kind == PK_STR)
		snprintf(out, sz, "at most %u characters", pm->size - 1);
	else if (pm->is_signed)
		snprintf(out, sz, "%lld..%lld",
			 (long long)(bits == 64 ? LLONG_MIN :
				     -(1LL << (bits - 1))),
			 (long long)(bits == 64 ? LLONG_MAX :
				     (1LL << (bits - 1)) - 1));
	else
		snprintf(out, sz, "0..%llu",
			 bits == 64 ? ULLONG_MAX : (1ULL << bits) - 1);
}

static void store(void *dst, unsigned int size, unsigned long long v)
{
	uint8_t u8 = v;
	uint16_t u16 = v;
	uint32_t u32 = v;
	uint64_t u64 = v;

	switch (size) {
	case 1: memcpy(dst, &u8, 1); break;
	case 2: memcpy(dst, &u16, 2); break;
	case 4: memcpy(dst, &u32, 4); break;
	case 8: memcpy(dst, &u64, 8); break;
	}
}

/* Raw bits, sign-extended when is_signed. */
static unsigned long long load(const void *src, unsigned int size,
			       bool is_signed)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64 = 0;

	switch (size) {
	case 1: memcpy(&u8, src, 1); return is_signed ? (unsigned long long)(int8_t)u8 : u8;
	case 2: memcpy(&u16, src, 2); return is_signed ? (unsigned long long)(int16_t)u16 : u16;
	case 4: memcpy(&u32, src, 4); return is_signed ? (unsigned long long)(int32_t)u32 : u32;
	case 8: memcpy(&u64, src, 8); return u64;
	}
	return 0;
}

/*
 * [+-]DIGITS or [+-]0xHEX, with an optional k, m, g or t suffix (powers of
 * 1024).  Returns 0, -EINVAL or -ERANGE.
 */
static int parse_num(const char *s, bool *neg, unsigned long long *mag)
{
	unsigned long long v;
	int base = 10, shift = 0;
	char *end;

	*neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!isxdigit((unsigned char)*s))
			return -EINVAL;
	} else if (!isdigit((unsigned char)*s)) {
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (*end)
		return -EINVAL;
	if (shift && v > (ULLONG_MAX >> shift))
		return -ERANGE;
	*mag = v << shift;
	return 0;
}

/* Range-checks (neg, mag) for pm and returns the bits to store. */
static int fit(const struct pmember *pm, bool neg, unsigned long long mag,
	       unsigned long long *out)
{
	unsigned int bits = pm->size * 8;

	if (pm->is_signed) {
		unsigned long long maxpos = bits == 64 ? (unsigned long long)LLONG_MAX :
					    (1ULL << (bits - 1)) - 1;

		if (neg ? mag > maxpos + 1 : mag > maxpos)
			return -ERANGE;
	} else {
		unsigned long long max = bits == 64 ? ULLONG_MAX :
					 (1ULL << bits) - 1;

		if ((neg && mag) || mag > max)
			return -ERANGE;
	}
	*out = neg ? 0ULL - mag : mag;
	return 0;
}

static int enum_by_name(const struct pval *pv, const struct pmember *pm,
			const char *name, unsigned long long *v)
{
	const struct btf_type *t = pm->type;

	for (unsigned int i = 0; i < btf_vlen(t); i++) {
		const char *n;
		unsigned long long ev;

		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t) + i;

			n = btf__name_by_offset(pv->btf, e->name_off);
			ev = pm->is_signed ? (unsigned long long)(long long)e->val :
					     (__u32)e->val;
		} else {
			const struct btf_enum64 *e = btf_enum64(t) + i;

			n = btf__name_by_offset(pv->btf, e->name_off);
			ev = btf_enum64_value(e);
		}
		if (n && !strcmp(n, name)) {
			*v = ev;
			return 0;
		}
	}
	return -ENOENT;
}

static const char *enum_by_value(const struct pval *pv,
				 const struct pmember *pm,
				 unsigned long long v)
{
	const struct btf_type *t = pm->type;
	unsigned long long mask = pm->size == 8 ? ULLONG_MAX :
				  (1ULL << (pm->size * 8)) - 1;

	for (unsigned int i = 0; i < btf_vlen(t); i++) {
		unsigned long long ev;
		__u32 noff;

		if (btf_is_enum(t)) {
			ev = (unsigned long long)(long long)btf_enum(t)[i].val;
			noff = btf_enum(t)[i].name_off;
		} else {
			ev = btf_enum64_value(btf_enum64(t) + i);
			noff = btf_enum64(t)[i].name_off;
		}
		if ((ev & mask) == (v & mask))
			return btf__name_by_offset(pv->btf, noff);
	}
	return NULL;
}

static void valid_keys(const struct pval *pv, char *out, size_t sz)
{
	size_t len = 0;

	out[0] = '\0';
	for (unsigned int i = 0; i < pval_count(pv) && len < sz; i++) {
		if (pval_hidden(pv, i))
			continue;
		len += snprintf(out + len, sz - len, "%s%s", len ? ", " : "",
				pval_name(pv, i));
	}
	if (!out[0])
		snprintf(out, sz, "none");
}

int pval_lookup(const struct pval *pv, const char *key)
{
	char keys[1024];
	int idx = pval_find(pv, key);

	if (idx >= 0)
		return idx;
	valid_keys(pv, keys, sizeof(keys));
	p_err(EXIT_FAIL, ENOENT, "unknown parameter '%s' (valid: %s)", key,
	      keys);
	return -ENOENT;
}

int pval_set(const struct pval *pv, void *buf, const char *key,
	     const char *val)
{
	char tstr[64], rstr[96];
	unsigned long long mag, bits;
	struct pmember pm;
	bool neg = false;
	int idx, err;

	idx = pval_lookup(pv, key);
	if (idx < 0)
		return idx;
	classify(pv, idx, &pm);
	pval_type_str(pv, idx, tstr, sizeof(tstr));
	range_str(&pm, rstr, sizeof(rstr));

	switch (pm.kind) {
	case PK_UNSUPP:
		p_err(EXIT_FAIL, EOPNOTSUPP,
		      "parameter '%s' cannot be set (%s)", key, tstr);
		return -EOPNOTSUPP;
	case PK_STR:
		if (strlen(val) >= pm.size) {
			p_err(EXIT_FAIL, ERANGE,
			      "value '%s' too long for parameter '%s' (%s: %s)",
			      val, key, tstr, rstr);
			return -ERANGE;
		}
		memset((char *)buf + pm.off, 0, pm.size);
		memcpy((char *)buf + pm.off, val, strlen(val));
		return 0;
	case PK_BOOL:
		if (!strcasecmp(val, "true") || !strcasecmp(val, "yes") ||
		    !strcasecmp(val, "on")) {
			store((char *)buf + pm.off, pm.size, 1);
			return 0;
		}
		if (!strcasecmp(val, "false") || !strcasecmp(val, "no") ||
		    !strcasecmp(val, "off")) {
			store((char *)buf + pm.off, pm.size, 0);
			return 0;
		}
		err = parse_num(val, &neg, &mag);
		if (!err && ((neg && mag) || mag > 1))
			err = -ERANGE;
		bits = mag;
		break;
	case PK_ENUM:
		if (!enum_by_name(pv, &pm, val, &bits)) {
			err = 0;
			break;
		}
		/* fall through */
	case PK_INT:
		err = parse_num(val, &neg, &mag);
		if (!err)
			err = fit(&pm, neg, mag, &bits);
		break;
	default:
		return -EINVAL;
	}
	if (err == -ERANGE) {
		p_err(EXIT_FAIL, ERANGE,
		      "value '%s' out of range for parameter '%s' (%s: %s)",
		      val, key, tstr, rstr);
		return err;
	}
	if (err) {
		p_err(EXIT_FAIL, EINVAL,
		      "invalid value '%s' for parameter '%s' (%s: expected %s)",
		      val, key, tstr,
		      pm.kind == PK_BOOL ? "true, false, 0 or 1" :
		      pm.kind == PK_ENUM ? "an enumerator name or an integer" :
		      "an integer: decimal or 0x hex, optional k/m/g/t suffix");
		return err;
	}
	store((char *)buf + pm.off, pm.size, bits);
	return 0;
}

void pval_format(const struct pval *pv, const void *buf, unsigned int idx,
		 char *out, size_t sz)
{
	const char *p = (const char *)buf;
	unsigned long long v;
	struct pmember pm;
	const char *n;

	classify(pv, idx, &pm);
	switch (pm.kind) {
	case PK_INT:
		v = load(p + pm.off, pm.size, pm.is_signed);
		if (pm.is_signed)
			snprintf(out, sz, "%lld", (long long)v);
		else
			snprintf(out, sz, "%llu", v);
		break;
	case PK_BOOL:
		v = load(p + pm.off, pm.size, false);
		if (v <= 1)
			snprintf(out, sz, "%s", v ? "true" : "false");
		else
			snprintf(out, sz, "%llu", v);
		break;
	case PK_ENUM:
		v = load(p + pm.off, pm.size, pm.is_signed);
		n = enum_by_value(pv, &pm, v);
		if (n && n[0])
			snprintf(out, sz, "%s", n);
		else if (pm.is_signed)
			snprintf(out, sz, "%lld", (long long)v);
		else
			snprintf(out, sz, "%llu", v);
		break;
	case PK_STR:
		snprintf(out, sz, "%.*s", (int)strnlen(p + pm.off, pm.size),
			 p + pm.off);
		break;
	default:
		snprintf(out, sz, "<%s>", pm.why);
	}
}

void pval_json(const struct pval *pv, const void *buf, unsigned int idx,
	       json_writer_t *jw)
{
	const char *p = (const char *)buf;
	char s[1024];
	unsigned long long v;
	struct pmember pm;
	const char *n;

	classify(pv, idx, &pm);
	switch (pm.kind) {
	case PK_INT:
		v = load(p + pm.off, pm.size, pm.is_signed);
		if (pm.is_signed)
			jw_int(jw, (long long)v);
		else
			jw_uint(jw, v);
		break;
	case PK_BOOL:
		v = load(p + pm.off, pm.size, false);
		if (v <= 1)
			jw_bool(jw, v);
		else
			jw_uint(jw, v);
		break;
	case PK_ENUM:
		v = load(p + pm.off, pm.size, pm.is_signed);
		n = enum_by_value(pv, &pm, v);
		if (n && n[0])
			jw_string(jw, n);
		else if (pm.is_signed)
			jw_int(jw, (long long)v);
		else
			jw_uint(jw, v);
		break;
	case PK_STR:
		snprintf(s, sizeof(s), "%.*s",
			 (int)strnlen(p + pm.off, pm.size), p + pm.off);
		jw_string(jw, s);
		break;
	default:
		jw_null(jw);
	}
}
