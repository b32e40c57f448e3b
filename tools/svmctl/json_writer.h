/* SPDX-License-Identifier: GPL-2.0 */
/* A small streaming JSON writer (after tools/bpf/bpftool/json_writer.h). */
#ifndef SVMCTL_JSON_WRITER_H
#define SVMCTL_JSON_WRITER_H

#include <stdbool.h>
#include <stdio.h>

typedef struct json_writer json_writer_t;

/* Commas, quoting and nesting are handled by the writer. */
json_writer_t *jw_new(FILE *f, bool pretty);
void jw_destroy(json_writer_t **self);	/* ends the document with '\n' */

void jw_start_object(json_writer_t *self);
void jw_end_object(json_writer_t *self);
void jw_start_array(json_writer_t *self);
void jw_end_array(json_writer_t *self);
void jw_name(json_writer_t *self, const char *name);

void jw_string(json_writer_t *self, const char *s);
void jw_int(json_writer_t *self, long long v);
void jw_uint(json_writer_t *self, unsigned long long v);
void jw_bool(json_writer_t *self, bool v);
void jw_null(json_writer_t *self);

/* name + value in one call */
void jw_string_field(json_writer_t *self, const char *name, const char *s);
void jw_int_field(json_writer_t *self, const char *name, long long v);
void jw_uint_field(json_writer_t *self, const char *name, unsigned long long v);
void jw_bool_field(json_writer_t *self, const char *name, bool v);
void jw_null_field(json_writer_t *self, const char *name);

/* true once any writer has produced output in this process */
extern bool jw_used;

#endif
