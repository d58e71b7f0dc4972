/*
 * tpl: the template engine declared in tpl.h. Each template compiles once
 * into a flat array of nodes in which a section knows the index of its
 * end, so rendering walks the array with a fixed context stack on the C
 * stack and allocates nothing but the output buffer's growth.
 */
#include "tpl.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"
#include "buf.h"
#include "mem.h"

/* Limits both nested sections and nested includes; one value for both
 * keeps the C stack used by a render small and bounded. */
#define TPL_MAX_DEPTH 16

enum node_kind { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_END, N_PARTIAL };

/* One segment of a dotted name. index >= 0 when the segment is all digits,
 * so "list.0" can reach into an array without parsing at render time. */
struct seg {
	const char *key;
	long index;
};

struct node {
	enum node_kind kind;
	int line;
	const char *text; /* N_TEXT: the bytes; otherwise the name as written */
	size_t len;
	size_t end;	  /* sections: index of the matching N_END */
	char *keys;	  /* the name with its dots turned into NULs */
	struct seg *segs; /* nsegs == 0 means "." (the current value) */
	size_t nsegs;
};

struct tpl {
	char *name; /* what tpl_render and {{>name}} use */
	size_t namelen;
	char *label;  /* what error messages name: the file, or the name */
	char *source; /* text nodes point into it */
	struct node *nodes;
	size_t nnodes, cap;
};

struct tpl_set {
	struct tpl *tpls;
	size_t n;
};

/* A template to compile: name and label need not be NUL-terminated copies. */
struct tpl_src {
	const char *name;
	size_t namelen;
	const char *label;
	const char *text;
};

static int err_fail(char *err, size_t errlen, const char *label, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int err_fail(char *err, size_t errlen, const char *label, int line, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return -1;
	int n = line > 0 ? snprintf(err, errlen, "%s:%d: ", label, line)
			 : snprintf(err, errlen, "%s: ", label);
	if (n >= 0 && (size_t)n < errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void tpl_release(struct tpl *t)
{
	for (size_t i = 0; i < t->nnodes; i++) {
		free(t->nodes[i].keys);
		free(t->nodes[i].segs);
	}
	free(t->nodes);
	free(t->source);
	free(t->label);
	free(t->name);
}

void tpl_set_free(struct tpl_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		tpl_release(&set->tpls[i]);
	free(set->tpls);
	free(set);
}

/* ---- compiling ---- */

static struct node *node_add(struct tpl *t, enum node_kind kind, int line)
{
	if (t->nnodes == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->nodes = xrealloc(t->nodes, t->cap * sizeof(*t->nodes));
	}
	struct node *n = &t->nodes[t->nnodes++];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line = line;
	return n;
}

static int count_lines(const char *from, const char *to)
{
	int lines = 0;
	while (from < to && (from = memchr(from, '\n', (size_t)(to - from))) != NULL) {
		lines++;
		from++;
	}
	return lines;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* "." alone, or segments of [A-Za-z0-9_-] joined by single dots. */
static bool name_ok(const char *s, size_t len)
{
	if (len == 1 && s[0] == '.')
		return true;
	for (size_t i = 0; i < len; i++) {
		if (is_name_char(s[i]))
			continue;
		if (s[i] == '.' && i > 0 && i + 1 < len && s[i - 1] != '.')
			continue;
		return false;
	}
	return true;
}

static long seg_index(const char *key)
{
	size_t len = strlen(key);
	if (len == 0 || len > 9 || strspn(key, "0123456789") != len)
		return -1;
	return strtol(key, NULL, 10);
}

static void split_name(struct node *n)
{
	if (n->len == 1 && n->text[0] == '.')
		return;
	n->keys = xstrndup(n->text, n->len);
	size_t parts = 1;
	for (size_t i = 0; i < n->len; i++)
		parts += n->keys[i] == '.';
	n->segs = xcalloc(parts, sizeof(*n->segs));
	char *key = n->keys;
	for (size_t i = 0; i <= n->len; i++) {
		if (i < n->len && n->keys[i] != '.')
			continue;
		n->keys[i] = '\0';
		n->segs[n->nsegs].key = key;
		n->segs[n->nsegs].index = seg_index(key);
		n->nsegs++;
		key = n->keys + i + 1;
	}
}

static int compile(struct tpl *t, char *err, size_t errlen)
{
	const char *p = t->source;
	size_t open[TPL_MAX_DEPTH], depth = 0;
	int line = 1;

	for (;;) {
		const char *tag = strstr(p, "{{");
		const char *text_end = tag ? tag : p + strlen(p);
		if (text_end > p) {
			struct node *n = node_add(t, N_TEXT, line);
			n->text = p;
			n->len = (size_t)(text_end - p);
			line += count_lines(p, text_end);
		}
		if (!tag)
			break;

		int tag_line = line;
		if (tag[2] == '{')
			return err_fail(err, errlen, t->label, tag_line,
					"'{{{' is not supported; use {{&name}} for raw output");
		const char *close = strstr(tag + 2, "}}");
		if (!close)
			return err_fail(err, errlen, t->label, tag_line, "unclosed tag");
		line += count_lines(tag, close);
		p = close + 2;

		const char *a = tag + 2, *b = close;
		while (a < b && is_space(*a))
			a++;
		enum node_kind kind = N_VAR;
		char sigil = a < b ? *a : '\0';
		switch (sigil) {
		case '!':
			continue;
		case '&':
			kind = N_RAW;
			break;
		case '#':
			kind = N_SECTION;
			break;
		case '^':
			kind = N_INVERTED;
			break;
		case '/':
			kind = N_END;
			break;
		case '>':
			kind = N_PARTIAL;
			break;
		default:
			break;
		}
		if (kind != N_VAR)
			a++;
		while (a < b && is_space(*a))
			a++;
		while (b > a && is_space(b[-1]))
			b--;
		size_t len = (size_t)(b - a);
		if (len == 0)
			return err_fail(err, errlen, t->label, tag_line, "empty tag name");
		if (!name_ok(a, len))
			return err_fail(err, errlen, t->label, tag_line, "bad tag name '%.*s'",
					(int)len, a);

		if (kind == N_END) {
			if (depth == 0)
				return err_fail(err, errlen, t->label, tag_line,
						"{{/%.*s}} closes no section", (int)len, a);
			struct node *o = &t->nodes[open[depth - 1]];
			if (o->len != len || memcmp(o->text, a, len) != 0)
				return err_fail(err, errlen, t->label, tag_line,
						"{{/%.*s}} does not match {{%c%.*s}} of line %d",
						(int)len, a, o->kind == N_SECTION ? '#' : '^',
						(int)o->len, o->text, o->line);
			node_add(t, N_END, tag_line);
			t->nodes[open[--depth]].end = t->nnodes - 1;
			continue;
		}

		struct node *n = node_add(t, kind, tag_line);
		n->text = a;
		n->len = len;
		if (kind != N_PARTIAL)
			split_name(n);
		if (kind == N_SECTION || kind == N_INVERTED) {
			if (depth == TPL_MAX_DEPTH)
				return err_fail(err, errlen, t->label, tag_line,
						"sections nest deeper than %d", TPL_MAX_DEPTH);
			open[depth++] = t->nnodes - 1;
		}
	}
	if (depth) {
		const struct node *o = &t->nodes[open[depth - 1]];
		return err_fail(err, errlen, t->label, o->line, "unclosed section {{%c%.*s}}",
				o->kind == N_SECTION ? '#' : '^', (int)o->len, o->text);
	}
	return 0;
}

static const struct tpl *find(const struct tpl_set *set, const char *name, size_t len)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->tpls[i].namelen == len && memcmp(set->tpls[i].name, name, len) == 0)
			return &set->tpls[i];
	return NULL;
}

static int set_build(struct tpl_set **out, const struct tpl_src *src, size_t n, char *err,
		     size_t errlen)
{
	struct tpl_set *set = xcalloc(1, sizeof(*set));
	set->tpls = xcalloc(n ? n : 1, sizeof(*set->tpls));
	int rc = -1;

	for (size_t i = 0; i < n; i++) {
		const struct tpl *other = find(set, src[i].name, src[i].namelen);
		struct tpl *t = &set->tpls[set->n++];
		t->name = xstrndup(src[i].name, src[i].namelen);
		t->namelen = src[i].namelen;
		t->label = xstrdup(src[i].label);
		t->source = xstrdup(src[i].text);
		if (t->namelen == 0) {
			err_fail(err, errlen, t->label, 0, "empty template name");
			goto out;
		}
		if (other) {
			err_fail(err, errlen, t->label, 0,
				 "template name '%s' is already used by %s", t->name, other->label);
			goto out;
		}
		if (compile(t, err, errlen) != 0)
			goto out;
	}
	/* Partials resolve by name at render time; checking them here turns a
	 * typo into a start-up failure instead of a 500 on one page. */
	for (size_t i = 0; i < set->n; i++) {
		const struct tpl *t = &set->tpls[i];
		for (size_t k = 0; k < t->nnodes; k++) {
			const struct node *nd = &t->nodes[k];
			if (nd->kind == N_PARTIAL && !find(set, nd->text, nd->len)) {
				err_fail(err, errlen, t->label, nd->line,
					 "no template named '%.*s'", (int)nd->len, nd->text);
				goto out;
			}
		}
	}
	*out = set;
	set = NULL;
	rc = 0;
out:
	tpl_set_free(set);
	return rc;
}

int tpl_set_from_strings(struct tpl_set **out, const char *const *names, const char *const *texts,
			 size_t n, char *err, size_t errlen)
{
	struct tpl_src *src = xcalloc(n ? n : 1, sizeof(*src));
	for (size_t i = 0; i < n; i++) {
		src[i].name = names[i];
		src[i].namelen = strlen(names[i]);
		src[i].label = names[i];
		src[i].text = texts[i];
	}
	int rc = set_build(out, src, n, err, errlen);
	free(src);
	return rc;
}

int tpl_set_load(struct tpl_set **out, char *err, size_t errlen)
{
	static const char prefix[] = "templates/", suffix[] = ".html";
	const size_t plen = sizeof(prefix) - 1, slen = sizeof(suffix) - 1;
	struct tpl_src *src = xcalloc(assets_count ? assets_count : 1, sizeof(*src));
	size_t n = 0;

	for (size_t i = 0; i < assets_count && assets[i].name; i++) {
		const char *a = assets[i].name;
		size_t len = strlen(a);
		if (len < plen + slen || memcmp(a, prefix, plen) != 0 ||
		    memcmp(a + len - slen, suffix, slen) != 0)
			continue;
		const char *base = strrchr(a, '/') + 1;
		src[n].name = base;
		src[n].namelen = (size_t)(a + len - slen - base);
		src[n].label = a;
		src[n].text = (const char *)assets[i].data;
		n++;
	}
	int rc = set_build(out, src, n, err, errlen);
	free(src);
	return rc;
}

int tpl_exists(const struct tpl_set *set, const char *name)
{
	return find(set, name, strlen(name)) != NULL;
}

/* ---- rendering ---- */

struct render {
	const struct tpl_set *set;
	struct buf *out;
	json_t *stack[TPL_MAX_DEPTH + 1]; /* the data, then one per open section */
	size_t depth;
	int includes;
};

static json_t *step(json_t *v, const struct seg *s)
{
	if (json_is_object(v))
		return json_object_get(v, s->key);
	if (json_is_array(v) && s->index >= 0)
		return json_array_get(v, (size_t)s->index);
	return NULL;
}

/* The first segment is searched from the innermost context outwards; the
 * rest descend from what it found, without falling back further out. */
static json_t *lookup(const struct render *r, const struct node *n)
{
	if (n->nsegs == 0)
		return r->stack[r->depth - 1];
	json_t *v = NULL;
	for (size_t d = r->depth; d-- > 0 && !v;)
		v = step(r->stack[d], &n->segs[0]);
	for (size_t k = 1; v && k < n->nsegs; k++)
		v = step(v, &n->segs[k]);
	return v;
}

static bool truthy(const json_t *v)
{
	if (!v)
		return false;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_OBJECT:
	case JSON_TRUE:
		return true;
	case JSON_FALSE:
	case JSON_NULL:
		return false;
	}
	return false;
}

static int emit_value(struct buf *out, const json_t *v, bool raw)
{
	char num[64];
	int n;
	if (!v)
		return 0;
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (raw)
			return buf_append(out, json_string_value(v), json_string_length(v));
		return buf_put_html(out, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf_append(out, num, (size_t)n);
	case JSON_REAL:
		n = snprintf(num, sizeof(num), "%g", json_real_value(v));
		return buf_append(out, num, (size_t)n);
	case JSON_TRUE:
		return buf_puts(out, "true");
	case JSON_FALSE:
		return buf_puts(out, "false");
	default:
		return 0;
	}
}

static int render_range(struct render *r, const struct tpl *t, size_t from, size_t to);

static int render_in(struct render *r, const struct tpl *t, const struct node *n, json_t *v)
{
	if (r->depth == sizeof(r->stack) / sizeof(r->stack[0]))
		return -1;
	r->stack[r->depth++] = v;
	size_t first = (size_t)(n - t->nodes) + 1;
	int rc = render_range(r, t, first, n->end);
	r->depth--;
	return rc;
}

static int render_section(struct render *r, const struct tpl *t, const struct node *n)
{
	json_t *v = lookup(r, n);
	bool on = truthy(v);
	if (n->kind == N_INVERTED)
		return on ? 0 : render_range(r, t, (size_t)(n - t->nodes) + 1, n->end);
	if (!on)
		return 0;
	if (!json_is_array(v))
		return render_in(r, t, n, v);
	size_t k;
	json_t *item;
	json_array_foreach (v, k, item) {
		if (render_in(r, t, n, item) != 0)
			return -1;
	}
	return 0;
}

static int render_partial(struct render *r, const struct node *n)
{
	const struct tpl *p = find(r->set, n->text, n->len);
	if (!p || r->includes == TPL_MAX_DEPTH)
		return -1;
	r->includes++;
	int rc = render_range(r, p, 0, p->nnodes);
	r->includes--;
	return rc;
}

static int render_range(struct render *r, const struct tpl *t, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		const struct node *n = &t->nodes[i];
		int rc = 0;
		switch (n->kind) {
		case N_TEXT:
			rc = buf_append(r->out, n->text, n->len);
			break;
		case N_VAR:
		case N_RAW:
			rc = emit_value(r->out, lookup(r, n), n->kind == N_RAW);
			break;
		case N_SECTION:
		case N_INVERTED:
			rc = render_section(r, t, n);
			i = n->end;
			break;
		case N_PARTIAL:
			rc = render_partial(r, n);
			break;
		case N_END:
			break;
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

int tpl_render(const struct tpl_set *set, const char *name, json_t *data, struct buf *out)
{
	const struct tpl *t = find(set, name, strlen(name));
	if (!t)
		return -1;
	struct render r = {.set = set, .out = out, .depth = 1};
	r.stack[0] = data;
	size_t start = out->len;
	if (render_range(&r, t, 0, t->nnodes) == 0)
		return 0;
	/* Leave no half page behind: the caller answers with an error page. */
	out->len = start;
	if (out->data)
		out->data[start] = '\0';
	return -1;
}
