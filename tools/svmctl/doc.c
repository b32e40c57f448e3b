// SPDX-License-Identifier: GPL-2.0
/*
 * svmctl: everything that is made from the command table (doc.h): the
 * help, the option tables getopt sees, the man page, the bash completion,
 * the list of examples and the check of the documentation.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "registry.h"
#include "svmctl.h"

#define HELP_WIDTH	78	/* help lines stay within this */
#define HELP_INDENT	2	/* section bodies */
#define HELP_TERM_MAX	22	/* widest term a list aligns its text after */

/* ---------------------------------------------------------- strings */

struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (b->len + n + 1 > cap)
			cap *= 2;
		b->s = realloc(b->s, cap);
		if (!b->s) {
			fprintf(stderr, "svmctl: out of memory\n");
			exit(EXIT_FAIL);
		}
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_adds(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_reset(struct sbuf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

static const char *sb_str(struct sbuf *b)
{
	return b->s ? b->s : "";
}

/* ----------------------------------------------------------- markup */

/* The text without its marks (`code`, <ARG>, backslash escapes). */
static void strip_marks(struct sbuf *out, const char *s, size_t n)
{
	bool ital = false;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n)
			sb_add(out, &s[++i], 1);
		else if (s[i] == '<' && !ital)
			ital = true;
		else if (s[i] == '>' && ital)
			ital = false;
		else if (s[i] != '`')
			sb_add(out, &s[i], 1);
	}
}

static size_t plain_len(const char *s, size_t n)
{
	struct sbuf b = {};
	size_t len;

	strip_marks(&b, s, n);
	len = b.len;
	free(b.s);
	return len;
}

/* Marks that do not pair up (verbatim lines have none), or NULL. */
static const char *marks_error(const char *s)
{
	bool code = false, ital = false;

	for (const char *start = s; *s; s++) {
		if (*s == '\t' && (s == start || s[-1] == '\n'))
			s = strchrnul(s, '\n') - 1;
		else if (*s == '\\' && s[1])
			s++;
		else if (*s == '`')
			code = !code;
		else if (*s == '<' && !ital)
			ital = true;
		else if (*s == '<')
			return "'<' inside <...>";
		else if (*s == '>' && ital)
			ital = false;
		else if (*s == '\n' && s[1] == '\n' && (code || ital))
			return "a mark runs past the end of its paragraph";
	}
	return code ? "unpaired '`'" : ital ? "unpaired '<'" : NULL;
}

/*
 * A metavariable as markup: capital runs are the variable parts
 * ("KEY=VALUE" -> "<KEY>=<VALUE>").
 */
static void arg_marks(struct sbuf *out, const char *arg)
{
	while (*arg) {
		size_t n = 0;

		while (isupper((unsigned char)arg[n]) || arg[n] == '_' ||
		       (n && isdigit((unsigned char)arg[n])))
			n++;
		if (n) {
			sb_adds(out, "<");
			sb_add(out, arg, n);
			sb_adds(out, ">");
			arg += n;
		} else {
			sb_add(out, arg++, 1);
		}
	}
}

static bool is_short(int val)
{
	return val > 0 && val < 0x80 && isalnum(val);
}

/* "`-s`, `--set` <KEY>=<VALUE>" */
static void opt_term(struct sbuf *out, const struct svm_opt *o)
{
	char s[4] = { '-', 0, 0, 0 };

	if (is_short(o->val)) {
		s[1] = (char)o->val;
		sb_adds(out, "`");
		sb_adds(out, s);
		sb_adds(out, "`, ");
	}
	sb_adds(out, "`--");
	sb_adds(out, o->name);
	sb_adds(out, "`");
	if (o->arg) {
		sb_adds(out, " ");
		arg_marks(out, o->arg);
	}
}

/* ------------------------------------------------------ text blocks */

struct walk_ops {
	void (*para)(void *ctx, const char *text, bool in_item);
	void (*item)(void *ctx, const char *term, const char *text,
		     size_t term_width);
	/* verbatim lines, '\n' between them, without the leading tabs */
	void (*verbatim)(void *ctx, const char *lines, bool in_item);
	/* @compact: no item has verbatim lines or paragraphs of its own */
	void (*list_start)(void *ctx, bool compact);
	void (*list_end)(void *ctx);
};

/* The end of ":TERM:" (the second colon), or NULL. */
static const char *term_end(const char *line, const char *eol)
{
	for (const char *p = line + 1; p < eol; p++) {
		if (*p == '\\')
			p++;
		else if (*p == ':')
			return p;
	}
	return NULL;
}

static bool item_line(const char *line, const char *eol)
{
	return line < eol && *line == ':' && term_end(line, eol);
}

/*
 * The widest term of the list starting at @line (up to an empty line),
 * and whether its items are of text only.
 */
static size_t list_term_width(const char *line, bool *compact)
{
	size_t w = 0;

	*compact = true;
	while (*line && *line != '\n') {
		const char *eol = strchrnul(line, '\n');

		if (*line == '\t')
			*compact = false;
		if (item_line(line, eol)) {
			size_t n = plain_len(line + 1,
					     term_end(line, eol) - line - 1);

			if (n > w)
				w = n;
		}
		line = *eol ? eol + 1 : eol;
	}
	return w;
}

/* What walk() is in the middle of. */
struct walk_state {
	enum { B_NONE, B_PARA, B_ITEM, B_ITEM_PARA, B_VERB } mode;
	struct sbuf term, body;
	size_t width;		/* of the list's terms */
	bool in_list;
};

/* Hands the block gathered so far to @ops. */
static void walk_flush(struct walk_state *w, const struct walk_ops *ops,
		       void *ctx)
{
	if (w->mode == B_PARA || w->mode == B_ITEM_PARA)
		ops->para(ctx, sb_str(&w->body), w->mode == B_ITEM_PARA);
	else if (w->mode == B_ITEM)
		ops->item(ctx, sb_str(&w->term), sb_str(&w->body), w->width);
	else if (w->mode == B_VERB)
		ops->verbatim(ctx, sb_str(&w->body), w->in_list);
	sb_reset(&w->body);
	w->mode = B_NONE;
}

static void walk_list_end(struct walk_state *w, const struct walk_ops *ops,
			  void *ctx)
{
	if (w->in_list && ops->list_end)
		ops->list_end(ctx);
	w->in_list = false;
}

/* Parses @text's blocks (doc.h) and hands each to @ops. */
static void walk(const char *text, const struct walk_ops *ops, void *ctx)
{
	struct walk_state w = { .mode = B_NONE };
	const char *line = text;

	while (line && *line) {
		const char *eol = strchrnul(line, '\n');
		const char *next = *eol ? eol + 1 : NULL;

		if (eol == line) {
			walk_flush(&w, ops, ctx);
			walk_list_end(&w, ops, ctx);
		} else if (*line == '\t') {
			if (w.mode != B_VERB)
				walk_flush(&w, ops, ctx);
			else
				sb_adds(&w.body, "\n");
			w.mode = B_VERB;
			sb_add(&w.body, line + 1, eol - line - 1);
		} else if (item_line(line, eol)) {
			const char *te = term_end(line, eol), *t = te + 1;
			bool compact;

			walk_flush(&w, ops, ctx);
			if (!w.in_list) {
				w.width = list_term_width(line, &compact);
				if (ops->list_start)
					ops->list_start(ctx, compact);
			}
			w.in_list = true;
			sb_reset(&w.term);
			sb_add(&w.term, line + 1, te - line - 1);
			while (t < eol && *t == ' ')
				t++;
			sb_add(&w.body, t, eol - t);
			w.mode = B_ITEM;
		} else {
			if (w.mode == B_VERB)
				walk_flush(&w, ops, ctx);
			if (w.mode == B_NONE)
				w.mode = w.in_list ? B_ITEM_PARA : B_PARA;
			else
				sb_adds(&w.body, " ");
			sb_add(&w.body, line, eol - line);
		}
		line = next;
	}
	walk_flush(&w, ops, ctx);
	walk_list_end(&w, ops, ctx);
	free(w.term.s);
	free(w.body.s);
}

/* ------------------------------------------------------------- help */

struct help_ctx {
	FILE *f;
	int indent;	/* of paragraphs */
	int item_col;	/* where the current list's texts start */
	bool started;	/* a block was printed: the next needs a blank line */
	bool in_list;
};

static void spaces(FILE *f, int n)
{
	fprintf(f, "%*s", n > 0 ? n : 0, "");
}

/*
 * Prints the words of @s (marks removed), the cursor being at column
 * @col, continuing lines at column @indent after @lead.
 */
static void wrap_lead(FILE *f, const char *s, int col, int indent,
		      const char *lead)
{
	struct sbuf b = {};
	const char *p;
	bool first = true;

	strip_marks(&b, s, strlen(s));
	p = sb_str(&b);
	for (;;) {
		size_t n;

		while (*p == ' ' || *p == '\n')
			p++;
		if (!*p)
			break;
		n = strcspn(p, " \n");
		if (!first && col + 1 + (int)n > HELP_WIDTH) {
			fputc('\n', f);
			spaces(f, indent);
			fputs(lead, f);
			col = indent + (int)strlen(lead);
			first = true;
		}
		if (!first) {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, n, f);
		col += n;
		p += n;
		first = false;
	}
	fputc('\n', f);
	free(b.s);
}

static void wrap(FILE *f, const char *s, int col, int indent)
{
	wrap_lead(f, s, col, indent, "");
}

static void help_blank(struct help_ctx *h)
{
	if (h->started)
		fputc('\n', h->f);
	h->started = true;
}

static void help_para(void *ctx, const char *text, bool in_item)
{
	struct help_ctx *h = ctx;
	int indent = in_item ? h->item_col : h->indent;

	if (!in_item)
		help_blank(h);
	spaces(h->f, indent);
	wrap(h->f, text, indent, indent);
}

static void help_item(void *ctx, const char *term, const char *text,
		      size_t width)
{
	struct help_ctx *h = ctx;
	struct sbuf t = {};
	int tw, pad;

	if (!h->in_list)
		help_blank(h);
	h->in_list = true;
	if (width > HELP_TERM_MAX)
		width = HELP_TERM_MAX;
	/* the texts start after the widest term; a wider one pushes its own */
	h->item_col = h->indent + (int)width + 2;
	strip_marks(&t, term, strlen(term));
	tw = (int)t.len;
	spaces(h->f, h->indent);
	fputs(sb_str(&t), h->f);
	free(t.s);
	if (!*text) {
		fputc('\n', h->f);
		return;
	}
	pad = (tw < (int)width ? (int)width - tw : 0) + 2;
	spaces(h->f, pad);
	wrap(h->f, text, h->indent + tw + pad, h->item_col);
}

static void help_verbatim(void *ctx, const char *lines, bool in_item)
{
	struct help_ctx *h = ctx;
	int indent = (in_item ? h->item_col : h->indent) + 2;

	if (!in_item)
		help_blank(h);
	while (*lines) {
		size_t n = strcspn(lines, "\n");

		spaces(h->f, indent);
		for (size_t i = 0; i < n; i++)
			if (lines[i] == '\t')
				fputs("    ", h->f);
			else
				fputc(lines[i], h->f);
		fputc('\n', h->f);
		lines += n + (lines[n] == '\n');
	}
}

static void help_list_end(void *ctx)
{
	((struct help_ctx *)ctx)->in_list = false;
}

static const struct walk_ops help_ops = {
	.para = help_para,
	.item = help_item,
	.verbatim = help_verbatim,
	.list_end = help_list_end,
};

static void help_text(FILE *f, const char *text, int indent)
{
	struct help_ctx h = { .f = f, .indent = indent };

	walk(text, &help_ops, &h);
}

/* A list rendered through the item renderer: terms and texts. */
static void help_list(FILE *f, const char *const *terms,
		      const char *const *texts, size_t n)
{
	struct help_ctx h = { .f = f, .indent = HELP_INDENT };
	size_t width = 0;

	for (size_t i = 0; i < n; i++) {
		size_t w = plain_len(terms[i], strlen(terms[i]));

		if (w > width)
			width = w;
	}
	for (size_t i = 0; i < n; i++)
		help_item(&h, terms[i], texts[i], width);
}

/* Whether @o is overridden by an option of the same name in @opts. */
static bool opt_listed(const struct svm_opt *opts, const struct svm_opt *o)
{
	for (; opts && opts->name; opts++)
		if (!strcmp(opts->name, o->name))
			return true;
	return false;
}

/* Calls @fn for @own's visible options, then the common ones not in it. */
static void for_each_opt(const struct svm_opt *own,
			 void (*fn)(const struct svm_opt *o, void *ctx),
			 void *ctx)
{
	for (const struct svm_opt *o = own; o && o->name; o++)
		if (!o->hidden)
			fn(o, ctx);
	for (const struct svm_opt *o = svm_common_opts; o->name; o++)
		if (!opt_listed(own, o))
			fn(o, ctx);
}

struct opt_list {
	const char *terms[64], *texts[64];
	struct sbuf bufs[64];
	size_t n;
};

static void collect_opt(const struct svm_opt *o, void *ctx)
{
	struct opt_list *l = ctx;

	if (l->n >= ARRAY_SIZE(l->terms))
		return;
	/* long options line up whether or not a short one comes first */
	if (!is_short(o->val))
		sb_adds(&l->bufs[l->n], "    ");
	opt_term(&l->bufs[l->n], o);
	l->terms[l->n] = sb_str(&l->bufs[l->n]);
	l->texts[l->n] = o->help;
	l->n++;
}

static void opt_list_free(struct opt_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->bufs[i].s);
}

static void help_opts(FILE *f, const struct svm_opt *own)
{
	struct opt_list l = {};

	for_each_opt(own, collect_opt, &l);
	help_list(f, l.terms, l.texts, l.n);
	opt_list_free(&l);
}

static void help_exits(FILE *f, const struct svm_exit *e)
{
	const char *terms[16], *texts[16];
	char codes[16][8];
	size_t n = 0;

	for (; e->text && n < ARRAY_SIZE(terms); e++, n++) {
		snprintf(codes[n], sizeof(codes[n]), "%d", e->code);
		terms[n] = codes[n];
		texts[n] = e->text;
	}
	help_list(f, terms, texts, n);
}

static void help_synopsis(FILE *f, const char *syn)
{
	while (*syn) {
		size_t n = strcspn(syn, "\n");

		fprintf(f, "  %.*s\n", (int)n, syn);
		syn += n + (syn[n] == '\n');
	}
}

static void help_examples(FILE *f, const struct svm_example *ex)
{
	for (; ex->cmd; ex++) {
		if (ex->what) {
			/* a comment: the lines can be pasted as they are */
			fputs("  # ", f);
			wrap_lead(f, ex->what, 4, 2, "# ");
		}
		fprintf(f, "  %s\n", ex->cmd);
	}
}

void help_cmd(const struct svm_cmd *cmd, FILE *f)
{
	fprintf(f, "NAME\n  %s %s - %s\n\nSYNOPSIS\n", svm_doc.name, cmd->name,
		cmd->summary);
	help_synopsis(f, cmd->synopsis);
	fputs("\nDESCRIPTION\n", f);
	help_text(f, cmd->desc, HELP_INDENT);
	fputs("\nOPTIONS\n", f);
	help_opts(f, cmd->opts);
	if (cmd->exits) {
		fputs("\nEXIT STATUS\n", f);
		help_exits(f, cmd->exits);
	}
	if (cmd->examples && cmd->examples->cmd) {
		fputs("\nEXAMPLES\n", f);
		help_examples(f, cmd->examples);
	}
}

void help_overview(FILE *f)
{
	const struct svm_doc *d = &svm_doc;
	const char *terms[32], *texts[32];
	const char *u = d->usage;
	size_t n = 0;

	for (bool first = true; *u; first = false) {
		size_t len = strcspn(u, "\n");

		fprintf(f, "%s%.*s\n", first ? "Usage: " : "       ", (int)len,
			u);
		u += len + (u[len] == '\n');
	}
	fputc('\n', f);
	help_text(f, d->desc, 0);
	fputs("\nCOMMANDS\n", f);
	for (const struct svm_cmd *const *c = d->cmds; *c && n < 32; c++) {
		terms[n] = (*c)->name;
		texts[n++] = (*c)->summary;
	}
	help_list(f, terms, texts, n);
	fputs("\nOPTIONS\n", f);
	help_text(f, d->opts_intro, HELP_INDENT);
	fputc('\n', f);
	help_opts(f, d->opts);
	fputs("\nEXIT STATUS\n", f);
	help_exits(f, d->exits);
	for (const struct svm_section *s = d->sections; s->title; s++) {
		if (!s->in_help)
			continue;
		fprintf(f, "\n%s\n", s->title);
		help_text(f, s->text, HELP_INDENT);
	}
	fprintf(f, "\nEach command has its help: svmctl help COMMAND.  See %s(8).\n",
		d->name);
}

/* -------------------------------------------------------------- man */

struct man_ctx {
	FILE *f;
	bool first;	/* nothing printed since the heading: no .PP */
	bool compact;	/* in a list printed without space between items */
};

/* Roff text: marks become fonts, one sentence per line. */
static void man_inline(FILE *f, const char *s)
{
	bool bold = false, ital = false, bol = true;
	const char *font = "R", *start = s;

	for (; *s; s++) {
		char c = *s;

		if (c == '`' || (c == '<' && !ital) || (c == '>' && ital)) {
			const char *want;

			if (c == '`')
				bold = !bold;
			else
				ital = c == '<';
			want = bold && ital ? "(BI" : bold ? "B" :
			       ital ? "I" : "R";
			if (strcmp(want, font)) {
				fprintf(f, "\\f%s", want);
				font = want;
				bol = false;
			}
			continue;
		}
		if (c == '\\' && s[1]) {
			c = *++s;
		} else if (c == ' ' && s > start && s[-1] == '.' && !bold &&
			   !ital && s[1] && s[1] != ' ') {
			/* a sentence ends: the next one starts a line */
			fputc('\n', f);
			bol = true;
			continue;
		}
		if (bol && (c == '.' || c == '\''))
			fputs("\\&", f);
		bol = false;
		if (c == '\\')
			fputs("\\e", f);
		else if (c == '-')
			fputs("\\-", f);
		else
			fputc(c, f);
	}
	if (strcmp(font, "R"))
		fputs("\\fR", f);
	fputc('\n', f);
}

/* A character of literal text. */
static void man_char(FILE *f, char c)
{
	if (c == '-')
		fputs("\\-", f);
	else if (c == '\\')
		fputs("\\e", f);
	else
		fputc(c, f);
}

/* One line of literal text in .nf: escapes only. */
static void man_literal(FILE *f, const char *s, size_t n, const char *font)
{
	if (font)
		fprintf(f, "\\f%s", font);
	else if (n && (*s == '.' || *s == '\''))
		fputs("\\&", f);
	for (size_t i = 0; i < n; i++)
		man_char(f, s[i]);
	if (font)
		fputs("\\fR", f);
	fputc('\n', f);
}

static void man_para(void *ctx, const char *text, bool in_item)
{
	struct man_ctx *m = ctx;

	if (in_item)
		fputs(".IP\n", m->f);
	else if (!m->first)
		fputs(".PP\n", m->f);
	m->first = false;
	man_inline(m->f, text);
}

static void man_item(void *ctx, const char *term, const char *text,
		     size_t width)
{
	struct man_ctx *m = ctx;

	m->first = false;
	/* short terms: the texts beside them, lined up after the widest */
	if (width && width <= 16)
		fprintf(m->f, ".TP %zu\n", width + 2);
	else
		fputs(".TP\n", m->f);
	man_inline(m->f, term);
	if (*text)
		man_inline(m->f, text);
}

static void man_verbatim(void *ctx, const char *lines, bool in_item)
{
	struct man_ctx *m = ctx;

	if (in_item)
		fputs(".IP\n", m->f);
	else
		fputs(m->first ? ".RS 4\n" : ".PP\n.RS 4\n", m->f);
	m->first = false;
	fputs(".nf\n", m->f);
	while (*lines) {
		size_t n = strcspn(lines, "\n");

		man_literal(m->f, lines, n, NULL);
		lines += n + (lines[n] == '\n');
	}
	fputs(in_item ? ".fi\n" : ".fi\n.RE\n", m->f);
}

/* Lists of text only go without space between their items. */
static void man_list_start(void *ctx, bool compact)
{
	struct man_ctx *m = ctx;

	m->compact = compact;
	if (!compact)
		return;
	fputs(m->first ? ".PD 0\n" : ".PP\n.PD 0\n", m->f);
	m->first = false;
}

static void man_list_end(void *ctx)
{
	struct man_ctx *m = ctx;

	if (m->compact)
		fputs(".PD\n", m->f);
	m->compact = false;
}

static const struct walk_ops man_ops = {
	.para = man_para,
	.item = man_item,
	.verbatim = man_verbatim,
	.list_start = man_list_start,
	.list_end = man_list_end,
};

static void man_text(struct man_ctx *m, const char *text)
{
	walk(text, &man_ops, m);
}

static void man_heading(struct man_ctx *m, const char *macro,
			const char *title)
{
	fprintf(m->f, ".%s %s\n", macro, title);
	m->first = true;
}

/* A lead-in line before a list inside a command's subsection. */
static void man_leadin(struct man_ctx *m, const char *what)
{
	fprintf(m->f, ".PP\n\\fI%s\\fR\n", what);
	m->first = false;
}

/*
 * A synopsis line: capital runs are metavariables (italic), words and
 * options are literal (bold), the rest ([ ] | ... =) is roman.
 */
static void man_synopsis_line(FILE *f, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		if (isupper((unsigned char)s[i])) {
			while (j < n && (isupper((unsigned char)s[j]) ||
					 isdigit((unsigned char)s[j]) ||
					 s[j] == '_'))
				j++;
			fputs("\\fI", f);
		} else if (islower((unsigned char)s[i]) ||
			   ((s[i] == '-' || s[i] == '.') && i + 1 < n &&
			    (islower((unsigned char)s[i + 1]) ||
			     s[i + 1] == '-'))) {
			while (j < n && (islower((unsigned char)s[j]) ||
					 isdigit((unsigned char)s[j]) ||
					 s[j] == '-' || s[j] == '_' ||
					 (s[j] == '.' && j + 1 < n &&
					  islower((unsigned char)s[j + 1]))))
				j++;
			fputs("\\fB", f);
		} else {
			if (i == 0 && (s[i] == '.' || s[i] == '\''))
				fputs("\\&", f);
			man_char(f, s[i++]);
			continue;
		}
		for (; i < j; i++)
			man_char(f, s[i]);
		fputs("\\fR", f);
	}
}

/* Synopsis lines; a line starting with spaces continues the one before. */
static void man_synopsis(struct man_ctx *m, const char *syn)
{
	bool first = true;

	while (*syn) {
		size_t n = strcspn(syn, "\n");
		size_t lead = strspn(syn, " ");

		if (lead && !first) {
			fputc(' ', m->f);
		} else {
			if (!first)
				fputs("\n.br\n", m->f);
			else if (!m->first)
				fputs(".PP\n", m->f);
		}
		man_synopsis_line(m->f, syn + lead, n - lead);
		first = false;
		syn += n + (syn[n] == '\n');
	}
	fputc('\n', m->f);
	m->first = false;
}

static void man_opt(const struct svm_opt *o, void *ctx)
{
	struct sbuf t = {};

	opt_term(&t, o);
	man_item(ctx, sb_str(&t), o->help, 0);
	free(t.s);
}

static void man_exits(struct man_ctx *m, const struct svm_exit *e)
{
	man_list_start(m, true);
	for (; e->text; e++) {
		fprintf(m->f, ".TP\n.B %d\n", e->code);
		man_inline(m->f, e->text);
	}
	man_list_end(m);
}

/*
 * Each example's text, then its command; commands without text join the
 * block of the one before.
 */
static void man_examples(struct man_ctx *m, const struct svm_example *ex)
{
	bool open = false;

	for (; ex->cmd; ex++) {
		if (ex->what && open) {
			fputs(".fi\n.RE\n", m->f);
			open = false;
		}
		if (ex->what)
			man_para(m, ex->what, false);
		if (!open)
			fputs(m->first ? ".RS 4\n.nf\n" : ".PP\n.RS 4\n.nf\n",
			      m->f);
		open = true;
		m->first = false;
		man_literal(m->f, ex->cmd, strlen(ex->cmd), "B");
	}
	if (open)
		fputs(".fi\n.RE\n", m->f);
}

/* "And --pretty, --debug, --help (see OPTIONS)." */
static void man_common_note(struct man_ctx *m, const struct svm_opt *own)
{
	struct sbuf b = {};
	size_t n = 0, left = 0;

	for (const struct svm_opt *o = svm_common_opts; o->name; o++)
		left += !opt_listed(own, o);
	sb_adds(&b, own && own->name ? "And " : "");
	for (const struct svm_opt *o = svm_common_opts; o->name; o++) {
		if (opt_listed(own, o))
			continue;
		if (n++)
			sb_adds(&b, n == left ? " and " : ", ");
		sb_adds(&b, "`--");
		sb_adds(&b, o->name);
		sb_adds(&b, "`");
	}
	sb_adds(&b, ", as under OPTIONS.");
	if (!own || !own->name)
		b.s[0] = (char)toupper((unsigned char)b.s[0]);
	man_para(m, sb_str(&b), false);
	free(b.s);
}

static void man_cmd(struct man_ctx *m, const struct svm_cmd *c)
{
	man_heading(m, "SS", c->name);
	man_synopsis(m, c->synopsis);
	man_text(m, c->desc);
	man_leadin(m, "Options");
	for (const struct svm_opt *o = c->opts; o && o->name; o++)
		if (!o->hidden)
			man_opt(o, m);
	man_common_note(m, c->opts);
	if (c->exits) {
		man_leadin(m, "Exit status");
		man_exits(m, c->exits);
	}
	if (c->examples && c->examples->cmd) {
		man_leadin(m, "Examples");
		man_examples(m, c->examples);
	}
}

int gen_man(FILE *f)
{
	const struct svm_doc *d = &svm_doc;
	struct man_ctx m = { .f = f };
	struct sbuf up = {};

	sb_adds(&up, d->name);
	for (char *p = up.s; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	fprintf(f,
		".\\\" SPDX-License-Identifier: GPL-2.0\n"
		".\\\" Generated by `svmctl --gen-man` from svmctl's command table\n"
		".\\\" (tools/svmctl/*.c, doc.h): edit that, not this file.\n"
		".TH %s 8 \"\" \"svm_ext %s\" \"System Administration\"\n"
		".\\\" paths and options read better unhyphenated, ragged right\n"
		".nh\n"
		".ad l\n",
		sb_str(&up), SVMCTL_VERSION);
	free(up.s);
	man_heading(&m, "SH", "NAME");
	fprintf(f, "%s \\- ", d->name);
	man_inline(f, d->summary);

	man_heading(&m, "SH", "SYNOPSIS");
	man_synopsis(&m, d->usage);
	for (const struct svm_cmd *const *c = d->cmds; *c; c++) {
		fputs(c == d->cmds ? ".PP\n" : ".br\n", f);
		m.first = true;
		man_synopsis(&m, (*c)->synopsis);
	}

	man_heading(&m, "SH", "DESCRIPTION");
	man_text(&m, d->desc);

	man_heading(&m, "SH", "OPTIONS");
	man_para(&m, d->opts_intro, false);
	for_each_opt(d->opts, man_opt, &m);

	man_heading(&m, "SH", "COMMANDS");
	man_list_start(&m, true);
	for (const struct svm_cmd *const *c = d->cmds; *c; c++) {
		fprintf(f, ".TP 10\n.B %s\n", (*c)->name);
		man_inline(f, (*c)->summary);
	}
	man_list_end(&m);
	for (const struct svm_cmd *const *c = d->cmds; *c; c++)
		man_cmd(&m, *c);

	for (const struct svm_section *s = d->topics; s && s->title; s++) {
		man_heading(&m, "SH", s->title);
		man_text(&m, s->text);
	}
	man_heading(&m, "SH", "\"EXIT STATUS\"");
	man_exits(&m, d->exits);
	if (d->exits_more)
		man_text(&m, d->exits_more);
	for (const struct svm_section *s = d->sections; s->title; s++) {
		man_heading(&m, "SH", s->title);
		man_text(&m, s->text);
	}
	man_heading(&m, "SH", "EXAMPLES");
	if (d->examples_intro)
		man_text(&m, d->examples_intro);
	man_examples(&m, d->examples);
	man_heading(&m, "SH", "\"SEE ALSO\"");
	for (const char *const *p = d->see_also; *p; p++) {
		size_t n = strcspn(*p, "(");

		/* ".BR bpftool (8),": the name bold, the section roman */
		fputs(".BR ", f);
		for (size_t i = 0; i < n; i++)
			man_char(f, (*p)[i]);
		fprintf(f, " %s%s\n", *p + n, p[1] ? "," : "");
	}
	return ferror(f) ? EXIT_FAIL : EXIT_OKAY;
}

/* ------------------------------------------------------- completion */

/* The bash case pattern of an option: "-s|--set". */
static void opt_pattern(struct sbuf *b, const struct svm_opt *o)
{
	if (is_short(o->val)) {
		char s[4] = { '-', (char)o->val, '|', 0 };

		sb_adds(b, s);
	}
	sb_adds(b, "--");
	sb_adds(b, o->name);
}

/*
 * The shell code that completes a value of kind @k: lines, nested ones
 * indented by four spaces.
 */
static const char *comp_code(enum svm_complete k)
{
	switch (k) {
	case COMP_FILE:
		return "_filedir";
	case COMP_DIR:
		return "_filedir -d";
	case COMP_PID:
		return "COMPREPLY=($(compgen -W \"$(ls /proc | grep -E '^[0-9]+$')\" -- \"$cur\"))";
	case COMP_POLICY:
		return "if [[ $cur == */* || $cur == .* ]]; then\n"
		       "    _filedir 'bpf.o'\n"
		       "else\n"
		       "    COMPREPLY=($(compgen -W \"$(_svmctl_policies)\" -- \"$cur\"))\n"
		       "fi";
	case COMP_PINNED:
		return "COMPREPLY=($(compgen -W \"$(ls /sys/fs/bpf/svm_ext 2>/dev/null | grep -vx stats)\" -- \"$cur\"))";
	case COMP_PARAM:
		return "COMPREPLY=($(compgen -W \"$(_svmctl_params)\" -- \"$cur\"))";
	case COMP_PARAM_SET:
		return "if [[ $cur != *=* ]]; then\n"
		       "    compopt -o nospace\n"
		       "    COMPREPLY=($(compgen -S = -W \"$(_svmctl_params)\" -- \"$cur\"))\n"
		       "fi";
	case COMP_COMMAND:
		return "[[ $cword -eq $((i + 1)) ]] &&\n"
		       "    COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\"))";
	case COMP_WORDS:	/* done by the caller: it has the words */
	case COMP_NONE:
		break;
	}
	return ":";
}

/* @code's lines, each indented by @indent. */
static void put_code(FILE *f, const char *code, int indent)
{
	while (*code) {
		size_t n = strcspn(code, "\n");

		fprintf(f, "%*s%.*s\n", indent, "", (int)n, code);
		code += n + (code[n] == '\n');
	}
}

struct comp_ctx {
	FILE *f;
	struct sbuf words;	/* every option of the command */
	bool any_arg;
};

static void comp_word(const struct svm_opt *o, void *ctx)
{
	struct comp_ctx *c = ctx;

	if (c->words.len)
		sb_adds(&c->words, " ");
	sb_adds(&c->words, "--");
	sb_adds(&c->words, o->name);
}

static void comp_arg_case(const struct svm_opt *o, void *ctx)
{
	struct comp_ctx *c = ctx;
	struct sbuf pat = {};

	if (!o->arg)
		return;
	if (!c->any_arg)
		fputs("            case $prev in\n", c->f);
	c->any_arg = true;
	opt_pattern(&pat, o);
	fprintf(c->f, "                %s)\n", sb_str(&pat));
	free(pat.s);
	if (o->comp == COMP_WORDS)
		fprintf(c->f,
			"                    COMPREPLY=($(compgen -W \"%s\" -- \"$cur\"))\n",
			o->words ? o->words : "");
	else if (o->comp != COMP_NONE)
		put_code(c->f, comp_code(o->comp), 20);
	fputs("                    return ;;\n", c->f);
}

int gen_completion(FILE *f)
{
	const struct svm_doc *d = &svm_doc;
	struct comp_ctx g = { .f = f };

	fprintf(f,
"# bash completion for svmctl(8)                            -*- shell-script -*-\n"
"# SPDX-License-Identifier: GPL-2.0\n"
"# Generated by `svmctl --gen-completion` from svmctl's command table\n"
"# (tools/svmctl/*.c, doc.h): edit that, not this file.\n"
"\n"
"# Parameter names of the active policy (or of --policy/--map if given).\n"
"_svmctl_params()\n"
"{\n"
"    local -a sel=()\n"
"    local i\n"
"    for ((i = 1; i < ${#words[@]} - 1; i++)); do\n"
"        case ${words[i]} in\n"
"            --policy|--map) sel+=(\"${words[i]}\" \"${words[i+1]}\") ;;\n"
"        esac\n"
"    done\n"
"    svmctl get \"${sel[@]}\" 2>/dev/null | cut -d= -f1\n"
"}\n"
"\n"
"# The policies svmctl can load (and those of each --policy-dir given).\n"
"_svmctl_policies()\n"
"{\n"
"    local -a dirs=()\n"
"    local i\n"
"    for ((i = 1; i < cword; i++)); do\n"
"        [[ ${words[i]} == --policy-dir ]] && dirs+=(--policy-dir \"${words[i+1]}\")\n"
"    done\n"
"    svmctl list --quiet \"${dirs[@]}\" 2>/dev/null\n"
"}\n"
"\n"
"_svmctl()\n"
"{\n"
"    local cur prev words cword\n"
"    _init_completion -n = || return\n"
"\n"
"    local commands=\"");
	for (const struct svm_cmd *const *c = d->cmds; *c; c++)
		fprintf(f, "%s%s", c == d->cmds ? "" : " ", (*c)->name);
	for_each_opt(d->opts, comp_word, &g);
	fprintf(f, "\"\n"
"    local cmd=\"\" opts i\n"
"    for ((i = 1; i < cword; i++)); do\n"
"        case ${words[i]} in\n"
"            -*) ;;\n"
"            *) cmd=${words[i]}; break ;;\n"
"        esac\n"
"    done\n"
"\n"
"    if [[ -z $cmd ]]; then\n"
"        if [[ $cur == -* ]]; then\n"
"            COMPREPLY=($(compgen -W \"%s\" -- \"$cur\"))\n"
"        else\n"
"            COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\"))\n"
"        fi\n"
"        return\n"
"    fi\n"
"\n"
"    case $cmd in\n", sb_str(&g.words));
	free(g.words.s);

	for (const struct svm_cmd *const *c = d->cmds; *c; c++) {
		struct comp_ctx cc = { .f = f };

		fprintf(f, "        %s)\n", (*c)->name);
		for_each_opt((*c)->opts, comp_arg_case, &cc);
		if (cc.any_arg)
			fputs("            esac\n", f);
		for_each_opt((*c)->opts, comp_word, &cc);
		fprintf(f, "            opts=\"%s\"\n", sb_str(&cc.words));
		free(cc.words.s);
		if ((*c)->args == COMP_NONE) {
			fputs("            COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
			      "            return ;;\n", f);
			continue;
		}
		fputs("            if [[ $cur == -* ]]; then\n"
		      "                COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
		      "            else\n", f);
		put_code(f, comp_code((*c)->args), 16);
		fputs("            fi\n"
		      "            return ;;\n", f);
	}
	fputs("    esac\n"
	      "} &&\n"
	      "    complete -F _svmctl svmctl\n"
	      "\n"
	      "# ex: filetype=sh\n", f);
	return ferror(f) ? EXIT_FAIL : EXIT_OKAY;
}

/* --------------------------------------------------------- examples */

static void print_examples(FILE *f, const struct svm_example *ex)
{
	for (; ex && ex->cmd; ex++)
		fprintf(f, "%s\t%s\n", ex->needs ? ex->needs : "-", ex->cmd);
}

int gen_examples(FILE *f)
{
	for (const struct svm_cmd *const *c = svm_doc.cmds; *c; c++)
		print_examples(f, (*c)->examples);
	print_examples(f, svm_doc.examples);
	return ferror(f) ? EXIT_FAIL : EXIT_OKAY;
}

/* ------------------------------------------------------------ check */

struct check_ctx {
	const char *file;
	int errors;
	/*
	 * The policy the text has attached so far ("" none or unknown):
	 * `set` and `get` without --policy or --map name its parameters.
	 */
	char active[64];
};

static const struct svm_cmd *doc_find_cmd(const char *name, size_t n)
{
	for (const struct svm_cmd *const *c = svm_doc.cmds; *c; c++)
		if (strlen((*c)->name) == n && !strncmp((*c)->name, name, n))
			return *c;
	return NULL;
}

/* The option of @own or the common ones with this long or short name. */
static const struct svm_opt *find_opt(const struct svm_opt *own,
				      const char *name, size_t n, int shrt)
{
	for (int pass = 0; pass < 2; pass++) {
		const struct svm_opt *o = pass ? svm_common_opts : own;

		for (; o && o->name; o++) {
			if (shrt ? o->val == shrt :
			    strlen(o->name) == n && !strncmp(o->name, name, n))
				return o;
		}
	}
	return NULL;
}

static void check_err(struct check_ctx *c, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check_err(struct check_ctx *c, int line, const char *fmt, ...)
{
	va_list ap;

	if (line)
		fprintf(stderr, "%s:%d: ", c->file, line);
	else
		fprintf(stderr, "%s: ", c->file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	c->errors++;
}

/* A token: [*s, *s + *n); false at the end of the invocation. */
static bool next_token(const char **p, const char *end, const char **s,
		       size_t *n, bool synopsis)
{
	const char *q = *p;

	while (q < end && isspace((unsigned char)*q))
		q++;
	if (q >= end)
		return false;
	*s = q;
	while (q < end && !isspace((unsigned char)*q))
		q++;
	*n = q - *s;
	*p = q;
	if (synopsis) {
		/* [--opt ARG]... : the option inside the brackets */
		while (*n && (**s == '[' || **s == '|')) {
			(*s)++;
			(*n)--;
		}
		while (*n && strchr("].|", (*s)[*n - 1]))
			(*n)--;
		return true;
	}
	/* the shell's: the rest is another command's */
	if (strchr("|;&<>#`(", **s) || (*n >= 2 && isdigit((unsigned char)**s) &&
					 (*s)[1] == '>'))
		return false;
	return true;
}

static bool word_like(const char *s, size_t n)
{
	if (!n || !islower((unsigned char)*s))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_' && s[i] != '/')
			return false;
	return true;
}

/* A policy named in an invocation: it must be one svmctl embeds. */
static void check_policy(struct check_ctx *c, int line, const char *cmd,
			 const char *s, size_t n)
{
	char name[64];

	/* a path, a placeholder or an odd word: not a name to look up */
	if (!word_like(s, n) || memchr(s, '/', n) || n >= sizeof(name))
		return;
	snprintf(name, sizeof(name), "%.*s", (int)n, s);
	if (!embedded_policy_has(name, NULL))
		check_err(c, line, "svmctl %s: no policy named %s", cmd, name);
}

/* Records the KEY of "KEY=VALUE" or of a lone word "KEY". */
static void add_key(char (*keys)[64], size_t *nkeys, const char *s, size_t n)
{
	size_t len = strcspn(s, "=");

	if (len > n)
		len = n;
	if (*nkeys >= 16 || !len || len >= 64 || !word_like(s, len))
		return;
	snprintf(keys[(*nkeys)++], 64, "%.*s", (int)len, s);
}

/*
 * Checks one invocation, @p pointing after "svmctl" and @end where its
 * code ends: the command, its options, the policies it names, and the
 * parameters given to a policy it names (`load --set`, `switch --set`,
 * `set --policy`, `get --policy`).
 */
static void check_invocation(struct check_ctx *c, int line, const char *p,
			     const char *end, bool synopsis)
{
	const struct svm_cmd *cmd = NULL;
	const struct svm_opt *own = svm_doc.opts, *arg_of = NULL;
	bool is_help = false, takes_policy = false, by_map = false;
	char keys[16][64], policy[64] = "";	/* add_key()'s sizes */
	size_t nkeys = 0;
	const char *s;
	size_t n;

	while (next_token(&p, end, &s, &n, synopsis)) {
		/* strip what quotes and sentences leave on a word */
		bool last = false;

		while (n && strchr("'\",.:)", s[n - 1])) {
			last = true;
			n--;
		}
		if (!n && synopsis)
			continue;	/* a lone '|' */
		if (!n)
			break;
		if (arg_of) {
			by_map |= arg_of->comp == COMP_FILE;
			if (!strcmp(arg_of->name, "set"))
				add_key(keys, &nkeys, s, n);
			if (arg_of->comp == COMP_PINNED) {
				/* set/get --policy NAME: the keys are its */
				check_policy(c, line, cmd->name, s, n);
				if (word_like(s, n) && n < sizeof(policy))
					snprintf(policy, sizeof(policy),
						 "%.*s", (int)n, s);
			}
			arg_of = NULL;
		} else if (n > 2 && s[0] == '-' && s[1] == '-') {
			size_t len = strcspn(s + 2, "=");
			const struct svm_opt *o;

			if (len > n - 2)
				len = n - 2;
			o = find_opt(own, s + 2, len, 0);
			if (!o)
				check_err(c, line, "svmctl%s%s: no option --%.*s",
					  cmd ? " " : "", cmd ? cmd->name : "",
					  (int)len, s + 2);
			else if (o->arg && len == n - 2)
				arg_of = o;
		} else if (n > 1 && s[0] == '-' && isalpha((unsigned char)s[1])) {
			for (size_t i = 1; i < n; i++) {
				const struct svm_opt *o =
					find_opt(own, NULL, 0, s[i]);

				if (!o) {
					check_err(c, line,
						  "svmctl%s%s: no option -%c",
						  cmd ? " " : "",
						  cmd ? cmd->name : "", s[i]);
					break;
				}
				if (o->arg) {
					if (i + 1 == n)
						arg_of = o;
					break;
				}
			}
		} else if (!cmd) {
			if (!word_like(s, n))
				return;		/* a placeholder, not a command */
			/* "load/unload/status" names three */
			for (size_t i = 0; i < n;) {
				size_t len = strcspn(s + i, "/");

				if (len > n - i)
					len = n - i;
				cmd = doc_find_cmd(s + i, len);
				if (!cmd)
					check_err(c, line,
						  "svmctl %.*s: no such command",
						  (int)len, s + i);
				i += len + 1;
			}
			if (!cmd)
				return;
			own = cmd->opts;
			is_help = !strcmp(cmd->name, "help");
			takes_policy = cmd->args == COMP_POLICY &&
				       !memchr(s, '/', n);
		} else if (is_help && word_like(s, n) &&
			   !doc_find_cmd(s, n)) {
			check_err(c, line, "svmctl help %.*s: no such command",
				  (int)n, s);
		} else if (takes_policy && !policy[0] && !synopsis) {
			check_policy(c, line, cmd->name, s, n);
			if (word_like(s, n) && n < sizeof(policy))
				snprintf(policy, sizeof(policy), "%.*s",
					 (int)n, s);
		} else if ((cmd->args == COMP_PARAM ||
			    cmd->args == COMP_PARAM_SET) && !synopsis) {
			add_key(keys, &nkeys, s, n);	/* set's KEY=VALUE, get's KEY */
		}
		if (last)
			break;
	}
	if (!cmd || synopsis)
		return;
	/* the parameters of `set` and `get` are the attached policy's */
	if (!policy[0] && !takes_policy && !by_map)
		snprintf(policy, sizeof(policy), "%s", c->active);
	for (size_t i = 0; i < nkeys && policy[0]; i++)
		if (embedded_policy_has(policy, keys[i]) == 0 &&
		    embedded_policy_has(policy, NULL) == 1)
			check_err(c, line, "svmctl %s: policy %s has no parameter %s",
				  cmd->name, policy, keys[i]);
	/* what the text attaches from here on */
	if (takes_policy)
		snprintf(c->active, sizeof(c->active), "%s", policy);
	else if (!strcmp(cmd->name, "unload"))
		c->active[0] = '\0';
}

static bool token_is(const char *s, size_t n, const char *what)
{
	return strlen(what) == n && !strncmp(s, what, n);
}

/*
 * Every svmctl invocation in the code [p, end), which starts on line
 * @line: a word in a command's place (the first, after a prompt "# " or
 * "$ ", after |, ||, &&, ; or $( ) whose last path component is svmctl.
 * A '#' word later in the line starts a comment.  In a synopsis each line
 * is one.
 */
static void check_code(struct check_ctx *c, int line, const char *p,
		       const char *end, bool synopsis)
{
	bool cmd_pos = true, first = true;
	const char *q = p;

	while (q < end) {
		const char *s, *base;
		size_t n;

		while (q < end && isspace((unsigned char)*q)) {
			if (*q == '\n') {
				line++;
				cmd_pos |= synopsis;
			}
			q++;
		}
		if (q >= end)
			break;
		s = q;
		while (q < end && !isspace((unsigned char)*q))
			q++;
		n = q - s;
		if (first && (token_is(s, n, "#") || token_is(s, n, "$"))) {
			first = false;
			continue;	/* a prompt */
		}
		first = false;
		if (*s == '#')
			return;		/* a comment */
		if (n > 2 && !strncmp(s, "$(", 2)) {
			s += 2;
			n -= 2;
			cmd_pos = true;
		}
		if (token_is(s, n, "|") || token_is(s, n, "||") ||
		    token_is(s, n, "&&") || token_is(s, n, ";") ||
		    token_is(s, n, "$(")) {
			cmd_pos = true;
			continue;
		}
		if (!cmd_pos)
			continue;
		if (token_is(s, n, "sudo") || memchr(s, '=', n))
			continue;	/* the command is still to come */
		cmd_pos = false;
		for (base = s + n; base > s && base[-1] != '/'; base--)
			;
		if (token_is(base, s + n - base, "svmctl"))
			check_invocation(c, line, q, end, synopsis);
	}
}

/* The code spans of a paragraph [p, end), which starts on line @line. */
static void check_spans(struct check_ctx *c, int line, const char *p,
			const char *end)
{
	const char *q = p;

	while ((q = memchr(q, '`', end - q))) {
		const char *close = memchr(q + 1, '`', end - q - 1);
		int l = line;

		if (!close)
			return;
		for (const char *r = p; r < q; r++)
			l += *r == '\n';
		check_code(c, l, q + 1, close, false);
		q = close + 1;
	}
}

/*
 * The code of a markdown file: fenced blocks, indented blocks and the
 * `spans` of paragraphs (which may run over lines).
 */
static void check_markdown(struct check_ctx *c, const char *text)
{
	const char *p = text, *para = NULL;
	bool fence = false;
	int line = 1, para_line = 0;

	for (; *p; line++) {
		const char *eol = strchrnul(p, '\n');
		size_t lead = strspn(p, " ");
		bool is_fence = !strncmp(p + lead, "```", 3);

		if (para && (is_fence || p + lead == eol)) {
			check_spans(c, para_line, para, p);
			para = NULL;
		}
		if (fence) {
			if (is_fence)
				fence = false;
			else
				check_code(c, line, p, eol, false);
		} else if (is_fence) {
			fence = true;
		} else if (p + lead == eol || para) {
			;	/* a blank line, or more of the paragraph */
		} else if (lead >= 4) {
			check_code(c, line, p, eol, false);
		} else {
			para = p;
			para_line = line;
		}
		if (!*eol)
			break;
		p = eol + 1;
	}
	if (para)
		check_spans(c, para_line, para, para + strlen(para));
}

static char *read_all(const char *path)
{
	struct sbuf b = {};
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)))
		sb_add(&b, buf, n);
	if (ferror(f)) {
		fclose(f);
		free(b.s);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	sb_add(&b, "", 0);
	return b.s;
}

static void check_marks(struct check_ctx *c, const char *what,
			const char *text)
{
	const char *err = text ? marks_error(text) : NULL;

	if (err)
		check_err(c, 0, "%s: %s", what, err);
}

struct mention_ctx {
	const struct svm_cmd *cmd;
	struct check_ctx *c;
};

/* Every option of a command is in its synopsis (the common ones need not). */
static void check_in_synopsis(const struct svm_opt *o, void *ctx)
{
	struct mention_ctx *m = ctx;
	char want[64];
	const char *s = m->cmd->synopsis;
	size_t n;

	if (opt_listed(svm_common_opts, o) || o->hidden)
		return;
	n = (size_t)snprintf(want, sizeof(want), "--%s", o->name);
	while ((s = strstr(s, want))) {
		if (!isalnum((unsigned char)s[n]) && s[n] != '-')
			return;
		s += n;
	}
	check_err(m->c, 0, "svmctl %s: --%s is not in its synopsis",
		  m->cmd->name, o->name);
}

/* Examples, each in the state it needs (doc.h). */
static void check_examples(struct check_ctx *c, const struct svm_example *ex)
{
	for (; ex && ex->cmd; ex++) {
		if (ex->needs && !strcmp(ex->needs, "unloaded"))
			c->active[0] = '\0';
		else if (ex->needs && strcmp(ex->needs, "stats") &&
			 strcmp(ex->needs, "loaded") && strcmp(ex->needs, "-"))
			snprintf(c->active, sizeof(c->active), "%s", ex->needs);
		check_code(c, 0, ex->cmd, ex->cmd + strlen(ex->cmd), false);
	}
}

/* The table itself: marks, synopses, examples. */
static void check_table(struct check_ctx *c)
{
	const struct svm_doc *d = &svm_doc;
	char what[96];

	check_marks(c, "the overview", d->desc);
	for (const struct svm_section *s = d->sections; s->title; s++)
		check_marks(c, s->title, s->text);
	for (const struct svm_section *s = d->topics; s && s->title; s++)
		check_marks(c, s->title, s->text);
	for (const struct svm_exit *e = d->exits; e->text; e++)
		check_marks(c, "EXIT STATUS", e->text);
	check_marks(c, "EXIT STATUS", d->exits_more);
	check_examples(c, d->examples);
	for (const struct svm_cmd *const *cp = d->cmds; *cp; cp++) {
		const struct svm_cmd *cmd = *cp;
		struct mention_ctx m = { cmd, c };

		snprintf(what, sizeof(what), "svmctl %s", cmd->name);
		check_marks(c, what, cmd->desc);
		for (const struct svm_opt *o = cmd->opts; o && o->name; o++)
			check_marks(c, what, o->help);
		for (const struct svm_exit *e = cmd->exits; e && e->text; e++)
			check_marks(c, what, e->text);
		check_code(c, 0, cmd->synopsis,
			   cmd->synopsis + strlen(cmd->synopsis), true);
		for_each_opt(cmd->opts, check_in_synopsis, &m);
		check_examples(c, cmd->examples);
	}
}

int check_doc(int nfiles, char **files)
{
	struct check_ctx c = { .file = "svmctl's command table" };
	int errors;

	check_table(&c);
	errors = c.errors;
	for (int i = 0; i < nfiles; i++) {
		char *text = read_all(files[i]);

		if (!text) {
			fprintf(stderr, "svmctl: reading %s: %s\n", files[i],
				strerror(errno));
			return EXIT_FAIL;
		}
		c = (struct check_ctx){ .file = files[i] };
		check_markdown(&c, text);
		errors += c.errors;
		free(text);
	}
	if (errors)
		fprintf(stderr,
			"svmctl: %d mention%s of svmctl that %s not match its command table\n",
			errors, errors == 1 ? "" : "s",
			errors == 1 ? "does" : "do");
	return errors ? EXIT_FAIL : EXIT_OKAY;
}

/* ------------------------------------------------------------ getopt */

#define MAX_OPTS 32

struct getopt_tab {
	const void *key;
	struct option lo[MAX_OPTS + 1];
	char so[3 * MAX_OPTS + 4];
};

static void tab_add(struct getopt_tab *t, size_t *n, const struct svm_opt *o)
{
	size_t len = strlen(t->so);

	for (size_t i = 0; i < *n; i++)
		if (!strcmp(t->lo[i].name, o->name))
			return;
	if (*n >= MAX_OPTS) {
		fprintf(stderr, "svmctl: more than %d options\n", MAX_OPTS);
		abort();
	}
	t->lo[(*n)++] = (struct option){
		.name = o->name,
		.has_arg = o->arg ? required_argument : no_argument,
		.val = o->val,
	};
	if (is_short(o->val)) {
		t->so[len++] = (char)o->val;
		if (o->arg)
			t->so[len++] = ':';
		t->so[len] = '\0';
	}
}

static void tab_build(struct getopt_tab *t, const void *key,
		      const struct svm_opt *own, const char *prefix)
{
	size_t n = 0;

	if (t->key == key)
		return;
	memset(t, 0, sizeof(*t));
	snprintf(t->so, sizeof(t->so), "%s", prefix);
	for (const struct svm_opt *o = own; o && o->name; o++)
		tab_add(t, &n, o);
	for (const struct svm_opt *o = svm_common_opts; o->name; o++)
		tab_add(t, &n, o);
	t->key = key;
}

int cmd_getopt(const struct svm_cmd *cmd, int argc, char **argv)
{
	static struct getopt_tab t;

	/* ':' first: a missing argument is ':', not '?' */
	tab_build(&t, cmd, cmd->opts, ":");
	opterr = 0;
	return getopt_long(argc, argv, t.so, t.lo, NULL);
}

int main_getopt(int argc, char **argv)
{
	static struct getopt_tab t;

	/* '+': stop at COMMAND, whose options are its own */
	tab_build(&t, &svm_doc, svm_doc.opts, "+:");
	opterr = 0;
	return getopt_long(argc, argv, t.so, t.lo, NULL);
}
