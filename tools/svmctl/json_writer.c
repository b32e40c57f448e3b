// SPDX-License-Identifier: GPL-2.0
/* A small streaming JSON writer (after tools/bpf/bpftool/json_writer.c). */
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

#define JW_MAX_DEPTH 32

struct json_writer {
	FILE *f;
	bool pretty;
	int depth;
	bool first[JW_MAX_DEPTH];	/* no element yet at this level */
	bool after_name;		/* a name was just written */
};

bool jw_used;

json_writer_t *jw_new(FILE *f, bool pretty)
{
	json_writer_t *self = calloc(1, sizeof(*self));

	if (!self)
		return NULL;
	self->f = f;
	self->pretty = pretty;
	self->first[0] = true;
	jw_used = true;
	return self;
}

void jw_destroy(json_writer_t **self)
{
	if (!*self)
		return;
	fputc('\n', (*self)->f);
	fflush((*self)->f);
	free(*self);
	*self = NULL;
}

static void jw_indent(json_writer_t *self)
{
	if (!self->pretty)
		return;
	fputc('\n', self->f);
	for (int i = 0; i < self->depth; i++)
		fputs("  ", self->f);
}

/* Separator before a value or a name at the current level. */
static void jw_sep(json_writer_t *self)
{
	if (self->after_name) {
		self->after_name = false;
		return;
	}
	if (!self->first[self->depth])
		fputc(',', self->f);
	if (self->depth > 0)
		jw_indent(self);
	self->first[self->depth] = false;
}

static void jw_puts_escaped(json_writer_t *self, const char *s)
{
	fputc('"', self->f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':  fputs("\\\"", self->f); break;
		case '\\': fputs("\\\\", self->f); break;
		case '\b': fputs("\\b", self->f); break;
		case '\f': fputs("\\f", self->f); break;
		case '\n': fputs("\\n", self->f); break;
		case '\r': fputs("\\r", self->f); break;
		case '\t': fputs("\\t", self->f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(self->f, "\\u%04x", *p);
			else
				fputc(*p, self->f);
		}
	}
	fputc('"', self->f);
}

static void jw_open(json_writer_t *self, char c)
{
	jw_sep(self);
	fputc(c, self->f);
	if (self->depth < JW_MAX_DEPTH - 1)
		self->depth++;
	self->first[self->depth] = true;
}

static void jw_close(json_writer_t *self, char c)
{
	bool empty = self->first[self->depth];

	if (self->depth > 0)
		self->depth--;
	if (!empty)
		jw_indent(self);
	fputc(c, self->f);
}

void jw_start_object(json_writer_t *self) { jw_open(self, '{'); }
void jw_end_object(json_writer_t *self) { jw_close(self, '}'); }
void jw_start_array(json_writer_t *self) { jw_open(self, '['); }
void jw_end_array(json_writer_t *self) { jw_close(self, ']'); }

void jw_name(json_writer_t *self, const char *name)
{
	jw_sep(self);
	jw_puts_escaped(self, name);
	fputs(self->pretty ? ": " : ":", self->f);
	self->after_name = true;
}

void jw_string(json_writer_t *self, const char *s)
{
	jw_sep(self);
	jw_puts_escaped(self, s);
}

void jw_int(json_writer_t *self, long long v)
{
	jw_sep(self);
	fprintf(self->f, "%lld", v);
}

void jw_uint(json_writer_t *self, unsigned long long v)
{
	jw_sep(self);
	fprintf(self->f, "%llu", v);
}

void jw_bool(json_writer_t *self, bool v)
{
	jw_sep(self);
	fputs(v ? "true" : "false", self->f);
}

void jw_null(json_writer_t *self)
{
	jw_sep(self);
	fputs("null", self->f);
}

void jw_string_field(json_writer_t *self, const char *name, const char *s)
{
	jw_name(self, name);
	if (s)
		jw_string(self, s);
	else
		jw_null(self);
}

void jw_int_field(json_writer_t *self, const char *name, long long v)
{
	jw_name(self, name);
	jw_int(self, v);
}

void jw_uint_field(json_writer_t *self, const char *name, unsigned long long v)
{
	jw_name(self, name);
	jw_uint(self, v);
}

void jw_bool_field(json_writer_t *self, const char *name, bool v)
{
	jw_name(self, name);
	jw_bool(self, v);
}

void jw_null_field(json_writer_t *self, const char *name)
{
	jw_name(self, name);
	jw_null(self);
}
