// SPDX-License-Identifier: GPL-2.0
/*
 * svmctl: the policy registry.
 *
 * POLICY CONVENTIONS (bpf/NAME.bpf.c).  svmctl needs nothing else from a
 * policy than this (for users, the POLICIES section of svmctl(8), in
 * main.c's table, says the same; here, the why):
 *
 * 1. Exactly one struct_ops map, declared
 *
 *	SEC(".struct_ops.link")
 *	struct svm_ext_ops NAME_ops = {
 *		.fault	= (void *)NAME_fault,
 *		...
 *		.name	= "NAME",
 *	};
 *
 *    `.name` is what /sys/kernel/svm_ext/policy shows and names the pin
 *    directory /sys/fs/bpf/svm_ext/NAME/.  Make it equal to the file name
 *    (NAME.bpf.c), which is the name `svmctl load NAME` looks up.  Allowed
 *    characters: letters, digits, '_', '-', '.'; not starting with '.'.
 *
 * 2. A one-line description, in its own ELF section:
 *
 *	char _desc[] SEC("description") = "Keep every page in system memory";
 *
 *    libbpf 1.4 skips unknown data sections at open (an info message, not
 *    shown by svmctl without --debug), so nothing of it reaches the
 *    kernel.  svmctl reads the section from the object's bytes.
 *
 * 3. Optional tunables: an ARRAY map named `params`, one entry, key __u32,
 *    value a struct of integer members (u8..u64, signed or not, bool,
 *    enums) and char arrays (strings):
 *
 *	struct NAME_params { u32 prefetch_kb; u8 threshold_pct; };
 *	struct {
 *		__uint(type, BPF_MAP_TYPE_ARRAY);
 *		__uint(max_entries, 1);
 *		__type(key, u32);
 *		__type(value, struct NAME_params);
 *	} params SEC(".maps");
 *
 *    The program reads it with bpf_map_lookup_elem(&params, &zero).
 *    Bitfields and nested structs are shown but cannot be set; members
 *    whose name starts with '_' (padding: `u32 _pad;`) are hidden.
 *    `svmctl set` rewrites the whole value (read, change, write): keep
 *    counters the program updates in another map, or they lose updates.
 *
 * 4. Optional defaults for the tunables, in their own ELF section, of
 *    exactly the size of the params value:
 *
 *	struct NAME_params _params_default SEC("params_default") = {
 *		.prefetch_kb = 512, .threshold_pct = 51,
 *	};
 *
 *    `svmctl load` writes these into params[0] after loading and before
 *    attaching, then applies --set k=v on top.  Without the section the
 *    params start zeroed (that is also what any other loader gets, so a
 *    policy may treat 0 as "built-in default").
 *
 * Why sections and not .rodata variables: a named struct (or a u64 typedef)
 * in .rodata/.data shows up in the bpftool skeleton as a member of that
 * type, which then does not compile outside the BPF program's headers.
 * Sections outside .data/.rodata/.bss do not appear in skeletons.
 *
 * EMBEDDING.  The Makefile turns each $(BPF_OUT)/NAME.bpf.o listed in
 * POLICIES into a generated policies.gen.c holding {name, start, end}
 * (the object's bytes, through .incbin), and also writes the skeletons
 * $(BPF_OUT)/NAME.skel.h (C name NAME_policy) for other users.  svmctl does
 * not include the skeletons, for the reason above: it opens every object,
 * embedded or from a file, with bpf_object__open_mem(), so that one code
 * path serves both; it needs none of the typed skeleton API.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "params.h"
#include "registry.h"
#include "svmctl.h"

#define POLICY_MAX_SIZE (64u << 20)

const char *registry_default_dir(void)
{
	const char *env = getenv("SVMCTL_POLICY_DIR");

	return env && env[0] ? env : POLICY_DIR_DEFAULT;
}

/*
 * Finds section `name` in an ELF64 object of the host's byte order.
 * Every offset is checked against the buffer.
 */
static int elf_section(const unsigned char *elf, size_t sz, const char *name,
		       const void **data, size_t *dsz)
{
	const Elf64_Ehdr *eh = (const void *)elf;
	const Elf64_Shdr *sh, *strsh;
	const char *strtab;

	if (sz < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64)
		return -ENOEXEC;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return -ENOEXEC;
#else
	if (eh->e_ident[EI_DATA] != ELFDATA2MSB)
		return -ENOEXEC;
#endif
	if (eh->e_shentsize != sizeof(*sh) || eh->e_shoff > sz ||
	    eh->e_shnum > (sz - eh->e_shoff) / sizeof(*sh) ||
	    eh->e_shstrndx >= eh->e_shnum)
		return -ENOEXEC;
	sh = (const void *)(elf + eh->e_shoff);
	strsh = &sh[eh->e_shstrndx];
	if (strsh->sh_offset > sz || strsh->sh_size > sz - strsh->sh_offset)
		return -ENOEXEC;
	strtab = (const char *)elf + strsh->sh_offset;
	for (unsigned int i = 0; i < eh->e_shnum; i++) {
		size_t nlen = strlen(name);

		if (sh[i].sh_name >= strsh->sh_size ||
		    strsh->sh_size - sh[i].sh_name <= nlen ||
		    memcmp(strtab + sh[i].sh_name, name, nlen + 1))
			continue;
		if (sh[i].sh_type == SHT_NOBITS || sh[i].sh_offset > sz ||
		    sh[i].sh_size > sz - sh[i].sh_offset)
			return -ENOEXEC;
		*data = elf + sh[i].sh_offset;
		*dsz = sh[i].sh_size;
		return 0;
	}
	return -ENOENT;
}

/* Description and defaults, from the object's bytes. */
static void policy_scan(struct svm_policy *p)
{
	const void *d;
	size_t dsz, n;

	p->desc[0] = '\0';
	if (!elf_section(p->elf, p->elf_sz, "description", &d, &dsz)) {
		n = strnlen(d, dsz);
		if (n >= sizeof(p->desc))
			n = sizeof(p->desc) - 1;
		memcpy(p->desc, d, n);
		p->desc[n] = '\0';
		p->desc[strcspn(p->desc, "\r\n")] = '\0';
	}
	if (!elf_section(p->elf, p->elf_sz, "params_default", &d, &dsz)) {
		p->defaults = d;
		p->defaults_sz = dsz;
	}
}

static int read_file(const char *path, unsigned char **buf, size_t *sz)
{
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		goto out;
	}
	if ((unsigned long long)st.st_size > POLICY_MAX_SIZE) {
		err = -EFBIG;
		goto out;
	}
	*buf = malloc(st.st_size ? st.st_size : 1);
	if (!*buf) {
		err = -ENOMEM;
		goto out;
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, *buf + len, st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			free(*buf);
			*buf = NULL;
			goto out;
		}
		len += n;
	}
	*sz = len;
	err = 0;
out:
	close(fd);
	return err;
}

static char *name_from_path(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t len;
	char *name;

	base = base ? base + 1 : path;
	len = strlen(base);
	if (len > strlen(POLICY_EXT) &&
	    !strcmp(base + len - strlen(POLICY_EXT), POLICY_EXT))
		len -= strlen(POLICY_EXT);
	else if (len > 2 && !strcmp(base + len - 2, ".o"))
		len -= 2;
	name = strndup(base, len);
	return name;
}

int policy_from_file(struct svm_policy *p, const char *path,
		     enum policy_source src)
{
	unsigned char *buf = NULL;
	size_t sz = 0;

	memset(p, 0, sizeof(*p));
	p->source = src;
	p->name = name_from_path(path);
	p->path = strdup(path);
	if (!p->name || !p->path) {
		policy_free(p);
		return -ENOMEM;
	}
	p->read_err = read_file(path, &buf, &sz);
	if (p->read_err)
		return 0;
	p->elf = buf;
	p->elf_sz = sz;
	p->elf_owned = true;
	policy_scan(p);
	return 0;
}

void policy_free(struct svm_policy *p)
{
	free(p->name);
	free(p->path);
	if (p->elf_owned)
		free((void *)p->elf);
	memset(p, 0, sizeof(*p));
}

const char *policy_source_str(const struct svm_policy *p)
{
	return p->path ? p->path : "embedded";
}

const char *policy_source_key(const struct svm_policy *p)
{
	switch (p->source) {
	case SRC_POLICY_DIR: return "policy-dir";
	case SRC_EMBEDDED: return "embedded";
	case SRC_DEFAULT_DIR: return "default-dir";
	default: return "path";
	}
}

static int registry_add(struct svm_registry *r, struct svm_policy *p)
{
	struct svm_policy *tmp = realloc(r->v, (r->n + 1) * sizeof(*tmp));

	if (!tmp)
		return -ENOMEM;
	r->v = tmp;
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].name, p->name))
			p->shadowed = true;
	r->v[r->n++] = *p;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A missing or unreadable directory is not an error: it holds nothing. */
static int registry_scan_dir(struct svm_registry *r, const char *dir,
			     enum policy_source src)
{
	char **files = NULL, **tmp, path[4096];
	size_t n = 0, elen = strlen(POLICY_EXT);
	struct dirent *de;
	int err = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len <= elen ||
		    strcmp(de->d_name + len - elen, POLICY_EXT))
			continue;
		tmp = realloc(files, (n + 1) * sizeof(*files));
		if (!tmp || !(tmp[n] = strdup(de->d_name))) {
			files = tmp ? tmp : files;
			err = -ENOMEM;
			break;
		}
		files = tmp;
		n++;
	}
	closedir(d);
	if (!err && n)
		qsort(files, n, sizeof(*files), name_cmp);
	for (size_t i = 0; !err && i < n; i++) {
		struct svm_policy p;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		err = policy_from_file(&p, path, src);
		if (!err) {
			err = registry_add(r, &p);
			if (err)
				policy_free(&p);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	return err;
}

int registry_build(struct svm_registry *r, char *const *dirs, size_t ndirs)
{
	int err = 0;

	r->v = NULL;
	r->n = 0;
	for (size_t i = 0; !err && i < ndirs; i++)
		err = registry_scan_dir(r, dirs[i], SRC_POLICY_DIR);
	for (const struct svm_embedded_policy *e = svm_embedded_policies;
	     !err && e->name; e++) {
		struct svm_policy p = {
			.name = strdup(e->name),
			.source = SRC_EMBEDDED,
			.elf = e->start,
			.elf_sz = e->end - e->start,
		};

		if (!p.name) {
			err = -ENOMEM;
			break;
		}
		policy_scan(&p);
		err = registry_add(r, &p);
		if (err)
			policy_free(&p);
	}
	if (!err)
		err = registry_scan_dir(r, registry_default_dir(),
					SRC_DEFAULT_DIR);
	if (err)
		registry_free(r);
	return err;
}

void registry_free(struct svm_registry *r)
{
	for (size_t i = 0; i < r->n; i++)
		policy_free(&r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

struct svm_policy *registry_find(struct svm_registry *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!r->v[i].shadowed && !strcmp(r->v[i].name, name))
			return &r->v[i];
	return NULL;
}

struct bpf_object *policy_open(const struct svm_policy *p)
{
	char obj_name[64];
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = obj_name);

	if (p->read_err) {
		errno = -p->read_err;
		return NULL;
	}
	/* libbpf derives internal map names from it: keep it short. */
	snprintf(obj_name, sizeof(obj_name), "%s", p->name);
	return bpf_object__open_mem(p->elf, p->elf_sz, &opts);
}

struct bpf_map *policy_struct_ops_map(struct bpf_object *obj, int *count)
{
	struct bpf_map *map, *found = NULL;
	int n = 0;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS)
			continue;
		if (!found)
			found = map;
		n++;
	}
	if (count)
		*count = n;
	if (n != 1) {
		errno = n ? ENOTUNIQ : ENOENT;
		return NULL;
	}
	return found;
}

/* The struct type of a struct_ops map, from its variable's DATASEC. */
static int st_ops_type_id(const struct btf *btf, const struct bpf_map *map)
{
	const char *mname = bpf_map__name(map);
	unsigned int n = btf__type_cnt(btf);

	for (unsigned int id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_var_secinfo *vsi;
		const char *sec;

		if (!btf_is_datasec(t))
			continue;
		sec = btf__name_by_offset(btf, t->name_off);
		if (!sec || strncmp(sec, ".struct_ops", 11))
			continue;
		vsi = btf_var_secinfos(t);
		for (unsigned int i = 0; i < btf_vlen(t); i++, vsi++) {
			const struct btf_type *v =
				btf__type_by_id(btf, vsi->type);

			if (v && btf_is_var(v) &&
			    !strcmp(btf__name_by_offset(btf, v->name_off),
				    mname))
				return btf__resolve_type(btf, v->type);
		}
	}
	return -ENOENT;
}

int policy_ops_name(struct bpf_object *obj, const struct bpf_map *st_map,
		    char *buf, size_t sz)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *t, *mt;
	const struct btf_member *m;
	const char *data;
	size_t dsz;
	int id;

	if (!sz)
		return -EINVAL;
	buf[0] = '\0';
	id = btf ? st_ops_type_id(btf, st_map) : -ENOENT;
	data = bpf_map__initial_value(st_map, &dsz);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	if (t && data && btf_is_struct(t)) {
		m = btf_members(t);
		for (unsigned int i = 0; i < btf_vlen(t); i++, m++) {
			unsigned int off = btf_member_bit_offset(t, i) / 8;
			size_t len;

			if (strcmp(btf__name_by_offset(btf, m->name_off),
				   "name"))
				continue;
			mt = btf__type_by_id(btf,
					     btf__resolve_type(btf, m->type));
			if (!mt || !btf_is_array(mt) || off >= dsz)
				break;
			len = btf_array(mt)->nelems;
			if (len > dsz - off)
				len = dsz - off;
			len = strnlen(data + off, len);
			if (!len)
				break;
			if (len >= sz)
				return -ENAMETOOLONG;
			memcpy(buf, data + off, len);
			buf[len] = '\0';
			return 0;
		}
	}
	snprintf(buf, sz, "%s", bpf_object__name(obj));
	return buf[0] ? 0 : -ENOENT;
}

int embedded_policy_has(const char *name, const char *key)
{
	const struct svm_embedded_policy *e = svm_embedded_policies;
	struct svm_policy p = {};
	struct bpf_object *obj;
	const struct bpf_map *m;
	struct pval pv;
	int ret = 0;

	if (!e->name)
		return -ENOENT;
	while (e->name && strcmp(e->name, name))
		e++;
	if (!e->name)
		return 0;
	if (!key)
		return 1;
	p.name = (char *)e->name;
	p.elf = e->start;
	p.elf_sz = e->end - e->start;
	libbpf_quiet = true;
	obj = policy_open(&p);
	libbpf_quiet = false;
	if (!obj)
		return 0;
	m = bpf_object__find_map_by_name(obj, "params");
	if (m && bpf_object__btf(obj) &&
	    !pval_init(&pv, bpf_object__btf(obj), bpf_map__btf_value_type_id(m),
		       bpf_map__value_size(m)))
		ret = pval_find(&pv, key) >= 0;
	bpf_object__close(obj);
	return ret;
}
