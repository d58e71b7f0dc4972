/*
 * tpl: the template engine declared in tpl.h. Templates compile once into
 * a flat array of nodes; sections point at their matching end, so
 * rendering is a loop with no allocation beyond the output buffer.
 */
#include "tpl.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"
#include "buf.h"
#include "mem.h"

#define TPL_MAX_DEPTH 16

enum node_kind { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_END, N_PARTIAL };

struct node {
	enum node_kind kind;
	const char *text;        /* N_TEXT: bytes; else the name */
	size_t len;
	size_t end;              /* sections: index of the matching N_END */
	char **path;             /* dotted name split; NULL for "." */
	size_t npath;
	int line;
};

struct tpl {
	char *name;
	char *source;
	struct node *nodes;
	size_t nnodes;
};

struct tpl_set {
	struct tpl *tpls;
	size_t n;
};

static void tpl_release(struct tpl *t)
{
	for (size_t i = 0; i < t->nnodes; i++) {
		for (size_t k = 0; k < t->nodes[i].npath; k++)
			free(t->nodes[i].path[k]);
		free(t->nodes[i].path);
	}
	free(t->nodes);
	free(t->source);
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

static struct node *node_add(struct tpl *t, size_t *cap)
{
	if (t->nnodes == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		t->nodes = xrealloc(t->nodes, *cap * sizeof(*t->nodes));
	}
	struct node *n = &t->nodes[t->nnodes++];
	memset(n, 0, sizeof(*n));
	return n;
}

static void split_path(struct node *n, const char *name, size_t len)
{
	if (len == 1 && name[0] == '.')
		return;
	size_t parts = 1;
	for (size_t i = 0; i < len; i++)
		parts += name[i] == '.';
	n->path = xcalloc(parts, sizeof(char *));
	size_t start = 0;
	for (size_t i = 0; i <= len; i++)
		if (i == len || name[i] == '.') {
			n->path[n->npath++] = xstrndup(name + start, i - start);
			start = i + 1;
		}
}

static bool name_ok(const char *s, size_t len)
{
	if (len == 0)
		return false;
	if (len == 1 && s[0] == '.')
		return true;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '-' || (c == '.' && i > 0 && i + 1 < len && s[i - 1] != '.');
		if (!ok)
			return false;
	}
	return true;
}

static int compile(struct tpl *t, char *err, size_t errlen)
{
	const char *s = t->source;
	size_t len = strlen(s), cap = 0, stack[TPL_MAX_DEPTH * 4], depth = 0;
	int line = 1;
	size_t i = 0;
	while (i < len) {
		const char *open = strstr(s + i, "{{");
		size_t text_end = open ? (size_t)(open - s) : len;
		if (text_end > i) {
			struct node *n = node_add(t, &cap);
			n->kind = N_TEXT;
			n->text = s + i;
			n->len = text_end - i;
			n->line = line;
			for (size_t k = i; k < text_end; k++)
				line += s[k] == '\n';
		}
		if (!open)
			break;
		size_t tag = text_end + 2;
		if (s[tag] == '{') {
			snprintf(err, errlen, "%s:%d: '{{{' is not supported; use {{&name}} for raw output",
				 t->name, line);
			return -1;
		}
		const char *close = strstr(s + tag, "}}");
		if (!close) {
			snprintf(err, errlen, "%s:%d: unclosed tag", t->name, line);
			return -1;
		}
		size_t tag_end = (size_t)(close - s);
		int tag_line = line;
		for (size_t k = tag; k < tag_end; k++)
			line += s[k] == '\n';
		i = tag_end + 2;
		char sigil = s[tag];
		if (sigil == '!')
			continue;
		enum node_kind kind = N_VAR;
		switch (sigil) {
		case '&': kind = N_RAW; tag++; break;
		case '#': kind = N_SECTION; tag++; break;
		case '^': kind = N_INVERTED; tag++; break;
		case '/': kind = N_END; tag++; break;
		case '>': kind = N_PARTIAL; tag++; break;
		default: break;
		}
		while (tag < tag_end && s[tag] == ' ')
			tag++;
		size_t nend = tag_end;
		while (nend > tag && s[nend - 1] == ' ')
			nend--;
		if (!name_ok(s + tag, nend - tag)) {
			snprintf(err, errlen, "%s:%d: %s", t->name, tag_line,
				 nend == tag ? "empty tag name" : "bad tag name");
			return -1;
		}
		if (kind == N_END) {
			if (depth == 0) {
				snprintf(err, errlen, "%s:%d: {{/%.*s}} closes no section", t->name,
					 tag_line, (int)(nend - tag), s + tag);
				return -1;
			}
			struct node *o = &t->nodes[stack[depth - 1]];
			if (o->len != nend - tag || memcmp(o->text, s + tag, o->len) != 0) {
				snprintf(err, errlen, "%s:%d: {{/%.*s}} does not match {{#%.*s}} of line %d",
					 t->name, tag_line, (int)(nend - tag), s + tag, (int)o->len,
					 o->text, o->line);
				return -1;
			}
			depth--;
			struct node *n = node_add(t, &cap);
			n->kind = N_END;
			n->line = tag_line;
			t->nodes[stack[depth]].end = t->nnodes - 1;
			continue;
		}
		struct node *n = node_add(t, &cap);
		n->kind = kind;
		n->text = s + tag;
		n->len = nend - tag;
		n->line = tag_line;
		if (kind != N_PARTIAL)
			split_path(n, s + tag, nend - tag);
		if (kind == N_SECTION || kind == N_INVERTED) {
			if (depth == sizeof(stack) / sizeof(stack[0])) {
				snprintf(err, errlen, "%s:%d: sections nest too deep", t->name, tag_line);
				return -1;
			}
			stack[depth++] = t->nnodes - 1;
		}
	}
	if (depth) {
		struct node *o = &t->nodes[stack[depth - 1]];
		snprintf(err, errlen, "%s:%d: unclosed section {{#%.*s}}", t->name, o->line, (int)o->len,
			 o->text);
		return -1;
	}
	return 0;
}

static const struct tpl *find(const struct tpl_set *set, const char *name, size_t len)
{
	for (size_t i = 0; i < set->n; i++)
		if (strlen(set->tpls[i].name) == len && memcmp(set->tpls[i].name, name, len) == 0)
			return &set->tpls[i];
	return NULL;
}

int tpl_set_from_strings(struct tpl_set **out, const char *const *names,
			 const char *const *texts, size_t n, char *err, size_t errlen)
{
	struct tpl_set *set = xcalloc(1, sizeof(*set));
	set->tpls = xcalloc(n ? n : 1, sizeof(struct tpl));
	for (size_t i = 0; i < n; i++) {
		struct tpl *t = &set->tpls[set->n++];
		t->name = xstrdup(names[i]);
		t->source = xstrdup(texts[i]);
		if (compile(t, err, errlen) != 0) {
			tpl_set_free(set);
			return -1;
		}
	}
	for (size_t i = 0; i < set->n; i++) {
		const struct tpl *t = &set->tpls[i];
		for (size_t k = 0; k < t->nnodes; k++)
			if (t->nodes[k].kind == N_PARTIAL &&
			    !find(set, t->nodes[k].text, t->nodes[k].len)) {
				snprintf(err, errlen, "%s:%d: no template named '%.*s'", t->name,
					 t->nodes[k].line, (int)t->nodes[k].len, t->nodes[k].text);
				tpl_set_free(set);
				return -1;
			}
	}
	*out = set;
	return 0;
}

int tpl_set_load(struct tpl_set **out, char *err, size_t errlen)
{
	const char *names[128], *texts[128];
	char name_buf[128][64];
	size_t n = 0;
	for (size_t i = 0; i < assets_count && n < 128; i++) {
		const char *a = assets[i].name;
		size_t len = strlen(a);
		if (strncmp(a, "templates/", 10) != 0 || len < 16 || strcmp(a + len - 5, ".html") != 0)
			continue;
		snprintf(name_buf[n], sizeof(name_buf[n]), "%.*s", (int)(len - 15), a + 10);
		names[n] = name_buf[n];
		texts[n] = (const char *)assets[i].data;
		n++;
	}
	int rc = tpl_set_from_strings(out, names, texts, n, err, errlen);
	if (rc != 0) {
		/* Name the file, not the template, in the message. */
		char tmp[512];
		snprintf(tmp, sizeof(tmp), "templates/%s", err);
		char *colon = strchr(tmp + 10, ':');
		if (colon) {
			size_t k = (size_t)(colon - tmp);
			snprintf(err, errlen, "%.*s.html%s", (int)k, tmp, colon);
		}
	}
	return rc;
}

int tpl_exists(const struct tpl_set *set, const char *name)
{
	return find(set, name, strlen(name)) != NULL;
}

/* ---- rendering ---- */

struct ctx {
	json_t *stack[TPL_MAX_DEPTH * 4];
	size_t depth;
	int includes;
};

static json_t *step(json_t *v, const char *key)
{
	if (json_is_object(v))
		return json_object_get(v, key);
	if (json_is_array(v)) {
		char *end;
		long i = strtol(key, &end, 10);
		if (*key && !*end && i >= 0)
			return json_array_get(v, (size_t)i);
	}
	return NULL;
}

static json_t *lookup(const struct ctx *c, const struct node *n)
{
	if (!n->path)
		return c->depth ? c->stack[c->depth - 1] : NULL;
	json_t *v = NULL;
	for (size_t d = c->depth; d-- > 0;) {
		v = step(c->stack[d], n->path[0]);
		if (v)
			break;
	}
	for (size_t k = 1; v && k < n->npath; k++)
		v = step(v, n->path[k]);
	return v;
}

static bool truthy(json_t *v)
{
	if (!v || json_is_null(v) || json_is_false(v))
		return false;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if (json_is_real(v))
		return json_real_value(v) != 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	return true;
}

static int emit_value(struct buf *out, json_t *v, bool raw)
{
	char num[64];
	const char *s = NULL;
	size_t len = 0;
	if (!v)
		return 0;
	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		len = json_string_length(v);
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		s = num;
		len = strlen(num);
		break;
	case JSON_REAL:
		snprintf(num, sizeof(num), "%g", json_real_value(v));
		s = num;
		len = strlen(num);
		break;
	case JSON_TRUE:
		s = "true";
		len = 4;
		break;
	case JSON_FALSE:
		s = "false";
		len = 5;
		break;
	default:
		return 0;
	}
	return raw ? buf_append(out, s, len) : buf_put_html(out, s, len);
}

static int render(const struct tpl_set *set, const struct tpl *t, size_t from, size_t to,
		  struct ctx *c, struct buf *out);

static int render_section(const struct tpl_set *set, const struct tpl *t, size_t i, struct ctx *c,
			  struct buf *out)
{
	const struct node *n = &t->nodes[i];
	json_t *v = lookup(c, n);
	bool on = truthy(v);
	if (n->kind == N_INVERTED)
		return on ? 0 : render(set, t, i + 1, n->end, c, out);
	if (!on)
		return 0;
	if (c->depth >= sizeof(c->stack) / sizeof(c->stack[0]))
		return -1;
	if (json_is_array(v)) {
		size_t k;
		json_t *item;
		json_array_foreach(v, k, item) {
			c->stack[c->depth++] = item;
			int rc = render(set, t, i + 1, n->end, c, out);
			c->depth--;
			if (rc != 0)
				return rc;
		}
		return 0;
	}
	c->stack[c->depth++] = v;
	int rc = render(set, t, i + 1, n->end, c, out);
	c->depth--;
	return rc;
}

static int render(const struct tpl_set *set, const struct tpl *t, size_t from, size_t to,
		  struct ctx *c, struct buf *out)
{
	for (size_t i = from; i < to; i++) {
		const struct node *n = &t->nodes[i];
		int rc = 0;
		switch (n->kind) {
		case N_TEXT:
			rc = buf_append(out, n->text, n->len);
			break;
		case N_VAR:
		case N_RAW:
			rc = emit_value(out, lookup(c, n), n->kind == N_RAW);
			break;
		case N_SECTION:
		case N_INVERTED:
			rc = render_section(set, t, i, c, out);
			i = n->end;
			break;
		case N_PARTIAL: {
			const struct tpl *p = find(set, n->text, n->len);
			if (!p || c->includes >= TPL_MAX_DEPTH)
				return -1;
			c->includes++;
			rc = render(set, p, 0, p->nnodes, c, out);
			c->includes--;
			break;
		}
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
	struct ctx c = {.depth = 0, .includes = 0};
	c.stack[c.depth++] = data;
	return render(set, t, 0, t->nnodes, &c, out);
}
