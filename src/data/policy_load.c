/*
 * policy_load: reading a profile from YAML (libyaml's document API) into
 * struct policy, and every check of the profile language (docs/profiles.md).
 * Problems are collected as diagnostics at the line and column of the
 * offending node; loading goes on after a problem so that one run reports as
 * many as it can. Input is bounded before libyaml builds its tree: at most
 * 1 MiB of UTF-8 text, one document, 20,000 nodes. Builds on policy.c (its
 * lookups, names and policy_free), which never calls in here.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "assets.h"
#include "mem.h"
#include "policy.h"
#include "text.h"

#define MAX_SOURCE (1024 * 1024)
#define MAX_NODES  20000
#define MAX_ID	   48

struct loader {
	yaml_document_t doc;
	struct policy_diags *diags;
	struct policy *p;
	yaml_node_t **tag_nodes; /* each loaded ad tag's entry, for its cookies */
};

/* The closed lists' names are policy.c's; loading matches and lists them by
 * index. */
static const char *purpose_kind_at(int i)
{
	return policy_purpose_kind_name((enum purpose_kind)i);
}

static const char *basis_at(int i)
{
	return policy_basis_name((enum basis)i);
}

static const char *recipient_kind_at(int i)
{
	return policy_recipient_kind_name((enum recipient_kind)i);
}

/* ---- diagnostics ---- */

static struct policy_pos pos_of(const yaml_node_t *n)
{
	struct policy_pos p = {1, 1};
	if (n) {
		p.line = (int)n->start_mark.line + 1;
		p.col = (int)n->start_mark.column + 1;
	}
	return p;
}

static struct policy_pos pos_of_mark(yaml_mark_t m)
{
	return (struct policy_pos){(int)m.line + 1, (int)m.column + 1};
}

static void diag_at(struct policy_diags *d, struct policy_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void diag_at(struct policy_diags *d, struct policy_pos pos, const char *fmt, ...)
{
	if (d->count >= POLICY_MAX_DIAGS)
		return;
	struct policy_diag *e = &d->items[d->count++];
	e->line = pos.line;
	e->col = pos.col;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

#define DIAG(l, pos, ...) diag_at((l)->diags, (pos), __VA_ARGS__)

/* Checks run section by section, so problems are found out of file order.
 * A stable insertion sort (at most POLICY_MAX_DIAGS items) puts them in file
 * order and keeps two problems at one place in the order they were found. */
static void diags_sort(struct policy_diags *d)
{
	for (size_t i = 1; i < d->count; i++) {
		struct policy_diag cur = d->items[i];
		size_t k = i;
		while (k > 0 &&
		       (d->items[k - 1].line > cur.line ||
			(d->items[k - 1].line == cur.line && d->items[k - 1].col > cur.col))) {
			d->items[k] = d->items[k - 1];
			k--;
		}
		d->items[k] = cur;
	}
}

void policy_diags_print(const struct policy_diags *d, const char *file, FILE *out)
{
	for (size_t i = 0; i < d->count; i++)
		fprintf(out, "%s:%d:%d: %s\n", file, d->items[i].line, d->items[i].col,
			d->items[i].message);
}

/* ---- node access ---- */

static yaml_node_t *node(struct loader *l, int id)
{
	return yaml_document_get_node(&l->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* For messages: a scalar's text, or "?" for a list or mapping. */
static const char *shown(const yaml_node_t *n)
{
	const char *s = scalar(n);
	return s ? s : "?";
}

#define LIST_LEN(n)                                                                                \
	((n) ? (size_t)((n)->data.sequence.items.top - (n)->data.sequence.items.start) : 0)
#define EACH(l, list, it, item)                                                                    \
	for (yaml_node_item_t *it = (list) ? (list)->data.sequence.items.start : NULL;             \
	     (list) && it < (list)->data.sequence.items.top; it++)                                 \
		for (yaml_node_t *item = node(l, *it); item; item = NULL)

struct key_spec {
	const char *name;
	bool required;
};

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

/* Checks a mapping's keys against the allowed list; reports unknown, repeated
 * and missing keys (a missing one at the start of the entry). Returns false
 * if n is not a mapping. */
static bool check_keys(struct loader *l, yaml_node_t *n, const char *what,
		       const struct key_spec *keys, size_t nkeys)
{
	if (!n || n->type != YAML_MAPPING_NODE) {
		DIAG(l, pos_of(n), "%s must be a mapping", what);
		return false;
	}
	bool seen[24] = {false}; /* more than any list of keys below */
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node(l, pr->key);
		const char *name = scalar(k);
		size_t i = 0;
		while (name && i < nkeys && strcmp(keys[i].name, name) != 0)
			i++;
		if (!name || i == nkeys) {
			DIAG(l, pos_of(k), "unknown key '%.60s' in %s", shown(k), what);
			continue;
		}
		if (seen[i])
			DIAG(l, pos_of(k), "key '%s' appears twice in %s", name, what);
		seen[i] = true;
	}
	for (size_t i = 0; i < nkeys; i++)
		if (keys[i].required && !seen[i])
			DIAG(l, pos_of(n), "%s is missing required key '%s'", what, keys[i].name);
	return true;
}

static yaml_node_t *get(struct loader *l, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
	     pr++) {
		const char *k = scalar(node(l, pr->key));
		if (k && strcmp(k, key) == 0)
			return node(l, pr->value);
	}
	return NULL;
}

static char *get_str(struct loader *l, yaml_node_t *map, const char *key)
{
	yaml_node_t *n = get(l, map, key);
	if (!n)
		return NULL;
	const char *s = scalar(n);
	if (!s) {
		DIAG(l, pos_of(n), "'%s' must be a string", key);
		return NULL;
	}
	return xstrdup(s);
}

/* A required text (label, name): present is checked by check_keys; an empty
 * one would leave a blank heading on the privacy page. */
static char *get_text(struct loader *l, yaml_node_t *map, const char *key)
{
	char *s = get_str(l, map, key);
	if (s && !*s)
		DIAG(l, pos_of(get(l, map, key)), "'%s' must not be empty", key);
	return s;
}

static bool get_int(struct loader *l, yaml_node_t *map, const char *key, int min, int max, int *out)
{
	yaml_node_t *n = get(l, map, key);
	if (!n)
		return false;
	const char *s = scalar(n);
	char *end = NULL;
	long v = s && isdigit((unsigned char)*s) ? strtol(s, &end, 10) : 0;
	if (!end || *end || v < min || v > max) {
		DIAG(l, pos_of(n), "'%s' must be a whole number from %d to %d", key, min, max);
		return false;
	}
	*out = (int)v;
	return true;
}

static bool get_bool(struct loader *l, yaml_node_t *map, const char *key, bool *out)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes"};
	static const char *const no[] = {"false", "False", "FALSE", "no"};
	yaml_node_t *n = get(l, map, key);
	if (!n)
		return false;
	const char *s = scalar(n);
	for (size_t i = 0; s && i < NKEYS(yes); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	DIAG(l, pos_of(n), "'%s' must be true or false", key);
	return false;
}

static bool id_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > MAX_ID || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* A malformed id is reported but kept, so that the entries naming it are not
 * reported again as naming an undeclared one. */
static char *get_id(struct loader *l, yaml_node_t *map, const char *what)
{
	yaml_node_t *n = get(l, map, "id");
	const char *s = scalar(n);
	if (!n)
		return NULL;
	if (!s || !id_ok(s))
		DIAG(l, pos_of(n),
		     "%s id '%.60s' must be lower case letters, digits and '_', "
		     "starting with a letter (at most %d)",
		     what, shown(n), MAX_ID);
	return s && *s ? xstrdup(s) : NULL;
}

/* The item of a list of ids that names id, for a diagnostic's position. */
static yaml_node_t *ref_node(struct loader *l, yaml_node_t *list, const char *id)
{
	if (!list || list->type != YAML_SEQUENCE_NODE)
		return list;
	EACH(l, list, it, item)
	{
		const char *s = scalar(item);
		if (s && strcmp(s, id) == 0)
			return item;
	}
	return list;
}

/*
 * A list of ids under key, resolved against the profile. Unknown ones are
 * reported as "<owner> <verb> undeclared <what> 'x'" and left out; an id
 * listed twice is reported once. Returns the indexes (never NULL when the
 * key is a list) and their count.
 */
static int *get_refs(struct loader *l, yaml_node_t *map, const char *key, const char *owner,
		     const char *verb, const char *what,
		     int (*resolve)(const struct policy *, const char *), size_t *count)
{
	*count = 0;
	yaml_node_t *n = get(l, map, key);
	if (!n)
		return NULL;
	if (n->type != YAML_SEQUENCE_NODE) {
		DIAG(l, pos_of(n), "'%s' must be a list", key);
		return NULL;
	}
	int *out = xcalloc(LIST_LEN(n) + 1, sizeof(int));
	EACH(l, n, it, item)
	{
		const char *s = scalar(item);
		if (!s) {
			DIAG(l, pos_of(item), "'%s' must be a list of ids", key);
			continue;
		}
		int idx = resolve(l->p, s);
		if (idx < 0) {
			DIAG(l, pos_of(item), "%s %s undeclared %s '%.60s'", owner, verb, what, s);
			continue;
		}
		bool again = false;
		for (size_t i = 0; i < *count && !again; i++)
			again = out[i] == idx;
		if (again) {
			DIAG(l, pos_of(item), "%s lists %s '%s' twice", owner, what, s);
			continue;
		}
		out[(*count)++] = idx;
	}
	return out;
}

static int lookup_kind(const char *(*name)(int), int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(name(i), s) == 0)
			return i;
	return -1;
}

/* "unknown purpose kind 'x' (allowed: a, b, ...)": as many allowed names as
 * a diagnostic holds, and "..." rather than a name cut in two. */
static void unknown_kind(struct loader *l, yaml_node_t *n, const char *what,
			 const char *(*name)(int), int count)
{
	char msg[sizeof(((struct policy_diag *)0)->message)];
	static const char more[] = ", ...)";
	size_t k = 0;
	int w = snprintf(msg, sizeof(msg), "unknown %s '%.40s' (allowed: ", what, shown(n));
	if (w < 0 || (size_t)w >= sizeof(msg))
		goto out;
	k = (size_t)w;
	for (int i = 0; i < count; i++) {
		size_t need = strlen(name(i)) + (i ? 2 : 0);
		size_t tail = i + 1 < count ? sizeof(more) : 2;
		if (k + need + tail > sizeof(msg)) {
			snprintf(msg + k, sizeof(msg) - k, "%s", i ? more : more + 2);
			goto out;
		}
		k += (size_t)snprintf(msg + k, sizeof(msg) - k, "%s%s", i ? ", " : "", name(i));
	}
	snprintf(msg + k, sizeof(msg) - k, ")");
out:
	DIAG(l, pos_of(n), "%s", msg);
}

/* ---- INS01: no selling or renting ---- */

static bool is_word_char(char c)
{
	return isalpha((unsigned char)c) || c == '\'';
}

/* True if a sentence [start, end) contains one of words as a whole word,
 * case-insensitively. */
static bool sentence_has(const char *start, const char *end, const char *const *words, size_t n)
{
	for (const char *p = start; p < end; p++) {
		if (p > start && is_word_char(p[-1]))
			continue;
		for (size_t w = 0; w < n; w++) {
			size_t len = strlen(words[w]);
			if ((size_t)(end - p) >= len && strncasecmp(p, words[w], len) == 0 &&
			    (p + len == end || !is_word_char(p[len])))
				return true;
		}
	}
	return false;
}

/* True when a sentence of the text speaks of selling, renting, trading or
 * leasing and does not negate it: "We never sell or rent your data" is a
 * promise, "Sold to marketing partners" is a sale. A line break does not end
 * a sentence: block scalars wrap prose anywhere. */
static bool speaks_of_sale(const char *text)
{
	static const char *const sale[] = {
		"sell",	      "sells",	    "selling",	 "sold",      "sale",	   "rent",
		"rents",      "renting",    "rented",	 "rental",    "trade",	   "trades",
		"trading",    "traded",	    "lease",	 "leases",    "leasing",   "leased",
		"monetise",   "monetize",   "monetises", "monetizes", "monetised", "monetized",
		"monetising", "monetizing",
	};
	/* The typographic apostrophe (U+2019) is listed too: profiles are often
	 * pasted from word processors. */
	static const char *const negations[] = {
		"never",
		"not",
		"no",
		"don't",
		"do not",
		"will not",
		"won't",
		"nor",
		"neither",
		"doesn't",
		"does not",
		"cannot",
		"can't",
		"don\xe2\x80\x99t",
		"won\xe2\x80\x99t",
		"doesn\xe2\x80\x99t",
		"can\xe2\x80\x99t",
	};
	if (!text)
		return false;
	const char *s = text;
	while (*s) {
		const char *e = s;
		while (*e && *e != '.' && *e != '!' && *e != '?' && *e != ';')
			e++;
		if (sentence_has(s, e, sale, NKEYS(sale)) &&
		    !sentence_has(s, e, negations, NKEYS(negations)))
			return true;
		s = *e ? e + 1 : e;
	}
	return false;
}

/* ---- durations and dates ---- */

static int parse_retention(const char *s, struct policy_retention *r)
{
	if (strcmp(s, "account") == 0) {
		r->kind = RET_ACCOUNT;
		return 0;
	}
	if (strcmp(s, "until_done") == 0) {
		r->kind = RET_UNTIL_DONE;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	char *end;
	long n = strtol(s, &end, 10);
	if (n < 1 || n > 100000)
		return -1;
	int64_t unit;
	switch (*end) {
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	case 'y':
		unit = 365 * 86400;
		break;
	default:
		return -1;
	}
	end++;
	r->kind = RET_DURATION;
	r->seconds = (int64_t)n * unit;
	if (*end == '\0')
		return 0;
	if (strcmp(end, " after_done") == 0) {
		r->after_done = true;
		return 0;
	}
	return -1;
}

/* YYYY-MM-DD, a real calendar date (2024-02-29 yes, 2025-02-29 no). */
static bool date_ok(const char *s)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return false;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || m < 1 || m > 12 || d < 1)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= days[m - 1] + (m == 2 && leap);
}

/* ---- sections ---- */

/* A top-level list. A missing required one is reported by check_keys. */
static yaml_node_t *get_list(struct loader *l, yaml_node_t *root, const char *key, bool required)
{
	yaml_node_t *n = get(l, root, key);
	if (!n)
		return NULL;
	if (n->type != YAML_SEQUENCE_NODE) {
		DIAG(l, pos_of(n), "'%s' must be a list", key);
		return NULL;
	}
	if (required && LIST_LEN(n) == 0)
		DIAG(l, pos_of(n), "'%s' must not be empty", key);
	return n;
}

/* Reports entry k's id if an earlier entry of the list has it. ids and
 * positions point into the first entry of an array of structs of size
 * stride. */
static void check_duplicate(struct loader *l, const char *what, char *const *ids,
			    const struct policy_pos *positions, size_t stride, size_t k)
{
	const char *b = *(char *const *)((const char *)ids + k * stride);
	for (size_t i = 0; i < k; i++) {
		const char *a = *(char *const *)((const char *)ids + i * stride);
		if (a && b && strcmp(a, b) == 0) {
			const struct policy_pos *pk =
				(const void *)((const char *)positions + k * stride);
			const struct policy_pos *pi =
				(const void *)((const char *)positions + i * stride);
			DIAG(l, *pk, "duplicate %s id '%s' (first at line %d)", what, b, pi->line);
			return;
		}
	}
}

#define CHECK_DUPLICATE(l, what, arr, k)                                                           \
	check_duplicate(l, what, &(arr)[0].id, &(arr)[0].pos, sizeof((arr)[0]), k)

static void load_categories(struct loader *l, yaml_node_t *root)
{
	static const struct key_spec keys[] = {
		{"id", true}, {"label", true}, {"description", false}, {"identifier", false}};
	yaml_node_t *list = get_list(l, root, "categories", true);
	struct policy *p = l->p;
	p->categories = xcalloc(LIST_LEN(list) + 1, sizeof(*p->categories));
	EACH(l, list, it, item)
	{
		struct policy_category *c = &p->categories[p->ncategories];
		c->pos = pos_of(item);
		if (!check_keys(l, item, "a category", keys, NKEYS(keys)))
			continue;
		c->id = get_id(l, item, "category");
		if (!c->id)
			continue;
		CHECK_DUPLICATE(l, "category", p->categories, p->ncategories);
		p->ncategories++;
		c->label = get_text(l, item, "label");
		c->description = get_str(l, item, "description");
		bool stated = get_bool(l, item, "identifier", &c->identifier);
		/* The garage keeps these ids as the VIN and serial numbers: without
		 * the lock, a recipient could be given them (NAM06). A value that
		 * is not true or false is reported once, above. */
		if (policy_is_vehicle_identifier(c->id) && !c->identifier &&
		    (stated || !get(l, item, "identifier")))
			DIAG(l, pos_of(get(l, item, "id")),
			     "category '%s' is a vehicle identifier: declare it with "
			     "'identifier: true' (NAM06)",
			     c->id);
	}
}

static void load_subjects(struct loader *l, yaml_node_t *root)
{
	static const struct key_spec keys[] = {{"id", true}, {"description", false}};
	yaml_node_t *list = get_list(l, root, "subjects", true);
	struct policy *p = l->p;
	p->subjects = xcalloc(LIST_LEN(list) + 1, sizeof(*p->subjects));
	EACH(l, list, it, item)
	{
		struct policy_subject *s = &p->subjects[p->nsubjects];
		s->pos = pos_of(item);
		if (!check_keys(l, item, "a subject", keys, NKEYS(keys)))
			continue;
		s->id = get_id(l, item, "subject");
		if (!s->id)
			continue;
		CHECK_DUPLICATE(l, "subject", p->subjects, p->nsubjects);
		p->nsubjects++;
		s->description = get_str(l, item, "description");
	}
}

/* The retention mapping must name exactly the purpose's categories. */
static void load_retention(struct loader *l, yaml_node_t *item, struct policy_purpose *pu)
{
	yaml_node_t *r = get(l, item, "retention");
	if (!r)
		return;
	if (r->type != YAML_MAPPING_NODE) {
		DIAG(l, pos_of(r), "'retention' must map each category to how long it is kept");
		return;
	}
	size_t n = (size_t)(r->data.mapping.pairs.top - r->data.mapping.pairs.start);
	pu->retention = xcalloc(n + 1, sizeof(*pu->retention));
	for (yaml_node_pair_t *pr = r->data.mapping.pairs.start; pr < r->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node(l, pr->key), *v = node(l, pr->value);
		const char *cat = scalar(k), *val = scalar(v);
		int ci = cat ? policy_category_index(l->p, cat) : -1;
		if (ci < 0) {
			DIAG(l, pos_of(k),
			     "purpose '%s': retention names undeclared category '%.60s'", pu->id,
			     shown(k));
			continue;
		}
		if (!policy_purpose_covers(pu, ci)) {
			DIAG(l, pos_of(k),
			     "retention names category '%s' which purpose '%s' does not use", cat,
			     pu->id);
			continue;
		}
		if (policy_retention_for(pu, ci)) {
			DIAG(l, pos_of(k), "purpose '%s': retention names category '%s' twice",
			     pu->id, cat);
			continue;
		}
		struct policy_retention *ret = &pu->retention[pu->nretention];
		if (!val || parse_retention(val, ret) != 0) {
			DIAG(l, pos_of(v),
			     "bad retention '%.60s' (use account, until_done, or a "
			     "duration such as 30d, 12h, 2y, optionally followed by "
			     "after_done)",
			     shown(v));
			memset(ret, 0, sizeof(*ret));
			ret->kind = RET_ACCOUNT; /* reported once; not again as missing */
		}
		ret->category = ci;
		ret->pos = pos_of(k);
		pu->nretention++;
	}
	for (size_t i = 0; i < pu->ncategories; i++)
		if (!policy_retention_for(pu, pu->categories[i]))
			DIAG(l, pos_of(r), "purpose '%s' has no retention for category '%s'",
			     pu->id, l->p->categories[pu->categories[i]].id);
}

/* retention_not_done: how long after collection a request never completed
 * is kept, copied to each category kept until, or for a time after, the
 * request is done (rule 5 of issue 12). */
static void load_not_done(struct loader *l, yaml_node_t *item, struct policy_purpose *pu)
{
	yaml_node_t *v = get(l, item, "retention_not_done");
	struct policy_retention r = {0};
	bool any_done = false;
	if (!v)
		return;
	if (!scalar(v) || parse_retention(scalar(v), &r) != 0 || r.kind != RET_DURATION ||
	    r.after_done) {
		DIAG(l, pos_of(v),
		     "bad retention_not_done '%.60s' (use a duration such as 90d or 1y, counted "
		     "from collection)",
		     shown(v));
		return;
	}
	for (size_t i = 0; i < pu->nretention; i++) {
		struct policy_retention *ret = &pu->retention[i];
		if (ret->kind == RET_UNTIL_DONE || (ret->kind == RET_DURATION && ret->after_done)) {
			ret->not_done_seconds = r.seconds;
			any_done = true;
		}
	}
	if (!any_done)
		DIAG(l, pos_of(v),
		     "purpose '%s': retention_not_done needs a retention counted until or after "
		     "the request is done",
		     pu->id);
}

static void load_topics(struct loader *l, yaml_node_t *item, struct policy_purpose *pu)
{
	yaml_node_t *tn = get(l, item, "topics");
	if (!tn)
		return;
	if (pu->kind != PK_COMMUNICATION && pu->kind != PK_COUNT)
		DIAG(l, pos_of(tn), "only communication purposes have topics");
	if (tn->type != YAML_SEQUENCE_NODE) {
		DIAG(l, pos_of(tn), "'topics' must be a list");
		return;
	}
	pu->topics = xcalloc(LIST_LEN(tn) + 1, sizeof(char *));
	EACH(l, tn, tit, t)
	{
		const char *s = scalar(t);
		if (!s || !id_ok(s))
			DIAG(l, pos_of(t), "topic '%.40s' must be an id", shown(t));
		else
			pu->topics[pu->ntopics++] = xstrdup(s);
	}
}

/* INS01 on a label, name or description: reported at that text. */
static void check_sale_words(struct loader *l, yaml_node_t *item, const char *key, const char *what,
			     const char *id)
{
	yaml_node_t *n = get(l, item, key);
	if (speaks_of_sale(scalar(n)))
		DIAG(l, pos_of(n),
		     "%s '%s': the %s speaks of selling or renting personal data "
		     "(INS01)",
		     what, id, key);
}

static void load_purposes(struct loader *l, yaml_node_t *root)
{
	static const struct key_spec keys[] = {
		{"id", true},	       {"label", true},
		{"description", true}, {"kind", true},
		{"basis", true},       {"subjects", true},
		{"categories", true},  {"retention", true},
		{"topics", false},     {"retention_not_done", false},
	};
	char owner[80];
	yaml_node_t *list = get_list(l, root, "purposes", true);
	struct policy *p = l->p;
	p->purposes = xcalloc(LIST_LEN(list) + 1, sizeof(*p->purposes));
	EACH(l, list, it, item)
	{
		struct policy_purpose *pu = &p->purposes[p->npurposes];
		pu->pos = pos_of(item);
		if (!check_keys(l, item, "a purpose", keys, NKEYS(keys)))
			continue;
		pu->id = get_id(l, item, "purpose");
		if (!pu->id)
			continue;
		CHECK_DUPLICATE(l, "purpose", p->purposes, p->npurposes);
		p->npurposes++;
		if (strcmp(pu->id, POLICY_STRICTLY_NECESSARY) == 0)
			DIAG(l, pos_of(get(l, item, "id")),
			     "purpose id '%s' is reserved for cookies that serve no purpose",
			     POLICY_STRICTLY_NECESSARY);
		pu->label = get_text(l, item, "label");
		pu->description = get_text(l, item, "description");
		check_sale_words(l, item, "label", "purpose", pu->id);
		check_sale_words(l, item, "description", "purpose", pu->id);

		yaml_node_t *kn = get(l, item, "kind"), *bn = get(l, item, "basis");
		int kind = lookup_kind(purpose_kind_at, PK_COUNT, scalar(kn));
		if (kn && kind < 0)
			unknown_kind(l, kn, "purpose kind", purpose_kind_at, PK_COUNT);
		/* PK_COUNT marks an unknown or missing kind while the remaining
		 * checks run, so that they do not report it again; such a profile
		 * is never returned. */
		pu->kind = kind < 0 ? PK_COUNT : (enum purpose_kind)kind;
		int basis = lookup_kind(basis_at, BASIS_COUNT, scalar(bn));
		if (bn && basis < 0)
			DIAG(l, pos_of(bn),
			     "unknown basis '%.40s' (allowed: required, opt_in, "
			     "opt_out, notice)",
			     shown(bn));
		pu->basis = basis < 0 ? BASIS_REQUIRED : (enum basis)basis;
		if (basis >= 0 &&
		    (pu->kind == PK_COMMUNICATION || pu->kind == PK_AFFILIATE_OFFERS) &&
		    pu->basis != BASIS_OPT_IN && pu->basis != BASIS_OPT_OUT)
			DIAG(l, pos_of(bn),
			     "purpose '%s' of kind %s must be opt_in or opt_out: the "
			     "member can always say no (ALL06, INS06)",
			     pu->id, policy_purpose_kind_name(pu->kind));

		snprintf(owner, sizeof(owner), "purpose '%s'", pu->id);
		pu->subjects = get_refs(l, item, "subjects", owner, "uses", "subject",
					policy_subject_index, &pu->nsubjects);
		yaml_node_t *sn = get(l, item, "subjects");
		if (sn && sn->type == YAML_SEQUENCE_NODE && LIST_LEN(sn) == 0)
			DIAG(l, pos_of(sn), "purpose '%s' concerns no subject", pu->id);
		pu->categories = get_refs(l, item, "categories", owner, "uses", "category",
					  policy_category_index, &pu->ncategories);
		yaml_node_t *cn = get(l, item, "categories");
		if (cn && cn->type == YAML_SEQUENCE_NODE && LIST_LEN(cn) == 0 &&
		    pu->kind != PK_COUNT && pu->kind != PK_AGGREGATE_STATISTICS &&
		    pu->kind != PK_ADVERTISING)
			DIAG(l, pos_of(cn), "purpose '%s' uses no category", pu->id);
		for (size_t i = 0; i < pu->ncategories; i++) {
			const struct policy_category *c = &p->categories[pu->categories[i]];
			if (c->identifier && pu->kind != PK_COUNT && pu->kind != PK_VERIFICATION)
				DIAG(l, pos_of(ref_node(l, cn, c->id)),
				     "category '%s' is a vehicle identifier and may serve only "
				     "verification purposes (NAM06)",
				     c->id);
		}
		load_retention(l, item, pu);
		load_not_done(l, item, pu);
		load_topics(l, item, pu);
	}
}

static bool recipient_kind_allows(enum recipient_kind rk, enum purpose_kind pk)
{
	switch (rk) {
	case RK_AFFILIATE:
		return pk == PK_AFFILIATE_OFFERS;
	case RK_DEALER:
		return pk == PK_DEALER;
	case RK_SERVICE_PROVIDER:
		return pk == PK_FULFILMENT || pk == PK_SERVICE || pk == PK_SUPPORT ||
		       pk == PK_COMMUNICATION || pk == PK_SECURITY;
	case RK_COUNT:
		break;
	}
	return false;
}

static bool url_ok(const char *s)
{
	const char *rest = text_after(s, "https://");
	if (!rest)
		rest = text_after(s, "http://");
	return rest && *rest;
}

/* Whether host (n bytes, any case, perhaps with a final dot) is a name
 * reserved for examples, tests and local use (RFC 2606, RFC 6761), which no
 * real partner's policy lives under. */
static bool host_reserved(const char *host, size_t n)
{
	static const char *const names[] = {"example.com", "example.net", "example.org", "example",
					    "test",	   "invalid",	  "localhost"};
	if (n && host[n - 1] == '.')
		n--;
	for (size_t i = 0; i < NKEYS(names); i++) {
		size_t k = strlen(names[i]);
		if (n == k && strncasecmp(host, names[i], k) == 0)
			return true;
		if (n > k && host[n - k - 1] == '.' && strncasecmp(host + n - k, names[i], k) == 0)
			return true;
	}
	return false;
}

/* A recipient's policy link: https, a host name of letters, digits, '-'
 * and '.', and not a reserved example domain. */
static bool policy_url_ok(const char *s)
{
	const char *host = text_after(s, "https://");
	if (!host)
		return false;
	size_t n = strcspn(host, "/?#:");
	if (n == 0 || host[n] == ':')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)host[i]) && host[i] != '-' && host[i] != '.')
			return false;
	return !host_reserved(host, n) && strchr(host, '.') != NULL;
}

static void load_recipients(struct loader *l, yaml_node_t *root)
{
	static const struct key_spec keys[] = {
		{"id", true},	    {"name", true},	 {"description", false},
		{"kind", true},	    {"contract", false}, {"policy_url", false},
		{"purposes", true}, {"fields", true},
	};
	char owner[80];
	yaml_node_t *list = get_list(l, root, "recipients", false);
	struct policy *p = l->p;
	p->recipients = xcalloc(LIST_LEN(list) + 1, sizeof(*p->recipients));
	EACH(l, list, it, item)
	{
		struct policy_recipient *r = &p->recipients[p->nrecipients];
		r->pos = pos_of(item);
		if (!check_keys(l, item, "a recipient", keys, NKEYS(keys)))
			continue;
		r->id = get_id(l, item, "recipient");
		if (!r->id)
			continue;
		CHECK_DUPLICATE(l, "recipient", p->recipients, p->nrecipients);
		p->nrecipients++;
		r->name = get_text(l, item, "name");
		r->description = get_str(l, item, "description");
		check_sale_words(l, item, "name", "recipient", r->id);
		check_sale_words(l, item, "description", "recipient", r->id);

		yaml_node_t *kn = get(l, item, "kind");
		int kind = lookup_kind(recipient_kind_at, RK_COUNT, scalar(kn));
		if (kn && kind < 0)
			unknown_kind(l, kn, "recipient kind", recipient_kind_at, RK_COUNT);
		r->kind = kind < 0 ? RK_COUNT : (enum recipient_kind)kind; /* as PK_COUNT */

		yaml_node_t *ctn = get(l, item, "contract");
		r->contract = get_str(l, item, "contract");
		/* A reference of blanks names no contract either (INS02). */
		if (!ctn || (r->contract && !r->contract[strspn(r->contract, " \t")]))
			DIAG(l, ctn ? pos_of(ctn) : r->pos,
			     "recipient '%s' has no contract reference (INS02)", r->id);
		yaml_node_t *un = get(l, item, "policy_url");
		r->policy_url = get_str(l, item, "policy_url");
		/* No link is better than a false one: without policy_url the
		 * privacy page tells how to ask for the partner's policy. */
		if (r->policy_url && !policy_url_ok(r->policy_url))
			DIAG(l, pos_of(un),
			     "recipient '%s': policy_url must be an https:// address of a real "
			     "site, not an example or reserved domain (INS08)",
			     r->id);

		snprintf(owner, sizeof(owner), "recipient '%s'", r->id);
		r->purposes = get_refs(l, item, "purposes", owner, "names", "purpose",
				       policy_purpose_index, &r->npurposes);
		r->fields = get_refs(l, item, "fields", owner, "names", "category",
				     policy_category_index, &r->nfields);
		yaml_node_t *pn = get(l, item, "purposes"), *fn = get(l, item, "fields");
		if (pn && pn->type == YAML_SEQUENCE_NODE && LIST_LEN(pn) == 0)
			DIAG(l, pos_of(pn), "recipient '%s' has no purpose", r->id);
		for (size_t i = 0; i < r->npurposes; i++) {
			const struct policy_purpose *pu = &p->purposes[r->purposes[i]];
			if (r->kind != RK_COUNT && pu->kind != PK_COUNT &&
			    !recipient_kind_allows(r->kind, pu->kind))
				DIAG(l, pos_of(ref_node(l, pn, pu->id)),
				     "recipient '%s' of kind %s cannot receive data for purpose "
				     "'%s' "
				     "of kind %s",
				     r->id, policy_recipient_kind_name(r->kind), pu->id,
				     policy_purpose_kind_name(pu->kind));
		}
		for (size_t i = 0; i < r->nfields; i++) {
			const struct policy_category *c = &p->categories[r->fields[i]];
			yaml_node_t *at = ref_node(l, fn, c->id);
			if (c->identifier) {
				DIAG(l, pos_of(at),
				     "recipient '%s' may not receive vehicle identifier "
				     "'%s' (NAM06)",
				     r->id, c->id);
				continue;
			}
			bool covered = false;
			for (size_t k = 0; k < r->npurposes && !covered; k++)
				covered = policy_purpose_covers(&p->purposes[r->purposes[k]],
								r->fields[i]);
			if (!covered && r->npurposes > 0)
				DIAG(l, pos_of(at),
				     "recipient '%s' receives '%s' which none of its "
				     "purposes covers",
				     r->id, c->id);
		}
	}
}

static void load_collection_fields(struct loader *l, yaml_node_t *item,
				   struct policy_collection *cp)
{
	static const struct key_spec field_keys[] = {{"category", true}, {"required", false}};
	struct policy *p = l->p;
	const struct policy_purpose *pu = cp->purpose >= 0 ? &p->purposes[cp->purpose] : NULL;
	yaml_node_t *fl = get(l, item, "fields");
	if (!fl)
		return;
	if (fl->type != YAML_SEQUENCE_NODE || LIST_LEN(fl) == 0) {
		DIAG(l, pos_of(fl), "'fields' must be a non-empty list");
		return;
	}
	cp->fields = xcalloc(LIST_LEN(fl), sizeof(*cp->fields));
	EACH(l, fl, fit, f)
	{
		if (!check_keys(l, f, "a collection field", field_keys, NKEYS(field_keys)))
			continue;
		yaml_node_t *cn = get(l, f, "category");
		const char *cat = scalar(cn);
		if (!cn)
			continue; /* reported as a missing key */
		int ci = cat ? policy_category_index(p, cat) : -1;
		if (ci < 0) {
			DIAG(l, pos_of(cn),
			     "collection point '%s' uses undeclared category '%.60s'", cp->id,
			     shown(cn));
			continue;
		}
		bool again = false;
		for (size_t i = 0; i < cp->nfields && !again; i++)
			again = cp->fields[i].category == ci;
		if (again) {
			DIAG(l, pos_of(cn), "collection point '%s' lists category '%s' twice",
			     cp->id, cat);
			continue;
		}
		if (pu && !policy_purpose_covers(pu, ci))
			DIAG(l, pos_of(cn),
			     "collection point '%s' collects '%s' which purpose '%s' "
			     "does not use",
			     cp->id, cat, pu->id);
		struct policy_field *pf = &cp->fields[cp->nfields++];
		pf->category = ci;
		get_bool(l, f, "required", &pf->required);
	}
}

/* NAM12: the sign-up asks the age screen's date and refuses anyone under
 * minimum_age; a sign-up point without it could register no one (the date
 * would be a field its purpose may not keep). */
static void check_age_screen(struct loader *l, yaml_node_t *item,
			     const struct policy_collection *cp)
{
	if (!policy_is_signup_point(cp->id) || !get(l, item, "fields"))
		return;
	int age = policy_category_index(l->p, POLICY_AGE_CATEGORY);
	for (size_t i = 0; i < cp->nfields; i++)
		if (cp->fields[i].category == age && age >= 0) {
			if (!cp->fields[i].required)
				break;
			return;
		}
	DIAG(l, pos_of(get(l, item, "fields")),
	     "sign-up point '%s' must ask '%s' as a required field: the age screen (NAM12)", cp->id,
	     POLICY_AGE_CATEGORY);
}

static void load_collections(struct loader *l, yaml_node_t *root)
{
	static const struct key_spec keys[] = {{"id", true},
					       {"label", true},
					       {"purpose", true},
					       {"subject", true},
					       {"fields", true}};
	yaml_node_t *list = get_list(l, root, "collection_points", false);
	struct policy *p = l->p;
	p->collections = xcalloc(LIST_LEN(list) + 1, sizeof(*p->collections));
	EACH(l, list, it, item)
	{
		struct policy_collection *cp = &p->collections[p->ncollections];
		cp->pos = pos_of(item);
		cp->purpose = cp->subject = -1;
		if (!check_keys(l, item, "a collection point", keys, NKEYS(keys)))
			continue;
		cp->id = get_id(l, item, "collection point");
		if (!cp->id)
			continue;
		CHECK_DUPLICATE(l, "collection point", p->collections, p->ncollections);
		p->ncollections++;
		cp->label = get_text(l, item, "label");
		yaml_node_t *pn = get(l, item, "purpose"), *sn = get(l, item, "subject");
		cp->purpose = scalar(pn) ? policy_purpose_index(p, scalar(pn)) : -1;
		cp->subject = scalar(sn) ? policy_subject_index(p, scalar(sn)) : -1;
		if (pn && cp->purpose < 0)
			DIAG(l, pos_of(pn), "collection point '%s' uses undeclared purpose '%.60s'",
			     cp->id, shown(pn));
		if (sn && cp->subject < 0)
			DIAG(l, pos_of(sn), "collection point '%s' uses undeclared subject '%.60s'",
			     cp->id, shown(sn));
		/* A form about someone its purpose does not concern would collect
		 * data that nothing may ever read. */
		if (cp->purpose >= 0 && cp->subject >= 0) {
			const struct policy_purpose *pu = &p->purposes[cp->purpose];
			bool covered = false;
			for (size_t i = 0; i < pu->nsubjects && !covered; i++)
				covered = pu->subjects[i] == cp->subject;
			if (!covered)
				DIAG(l, pos_of(sn),
				     "collection point '%s' collects data about '%s' "
				     "whom purpose '%s' does not concern",
				     cp->id, p->subjects[cp->subject].id, pu->id);
		}
		load_collection_fields(l, item, cp);
		check_age_screen(l, item, cp);
		/* A message nobody answers must not be kept for ever (issue 12). */
		if (cp->purpose >= 0 && strcmp(cp->id, "contact") == 0) {
			const struct policy_purpose *pu = &p->purposes[cp->purpose];
			for (size_t i = 0; i < pu->nretention; i++) {
				const struct policy_retention *r = &pu->retention[i];
				if ((r->kind == RET_UNTIL_DONE || r->after_done) &&
				    r->not_done_seconds == 0) {
					DIAG(l, pu->pos,
					     "purpose '%s' keeps contact messages until answered: "
					     "say how long an unanswered one is kept "
					     "(retention_not_done)",
					     pu->id);
					break;
				}
			}
		}
	}
}

static void load_roles(struct loader *l, yaml_node_t *root)
{
	static const struct key_spec keys[] = {
		{"id", true}, {"description", false}, {"purposes", true}};
	char owner[80];
	yaml_node_t *list = get_list(l, root, "staff_roles", false);
	struct policy *p = l->p;
	p->roles = xcalloc(LIST_LEN(list) + 1, sizeof(*p->roles));
	EACH(l, list, it, item)
	{
		struct policy_role *ro = &p->roles[p->nroles];
		ro->pos = pos_of(item);
		if (!check_keys(l, item, "a staff role", keys, NKEYS(keys)))
			continue;
		ro->id = get_id(l, item, "staff role");
		if (!ro->id)
			continue;
		CHECK_DUPLICATE(l, "staff role", p->roles, p->nroles);
		p->nroles++;
		ro->description = get_str(l, item, "description");
		snprintf(owner, sizeof(owner), "staff role '%s'", ro->id);
		ro->purposes = get_refs(l, item, "purposes", owner, "uses", "purpose",
					policy_purpose_index, &ro->npurposes);
		yaml_node_t *pn = get(l, item, "purposes");
		if (pn && pn->type == YAML_SEQUENCE_NODE && LIST_LEN(pn) == 0)
			DIAG(l, pos_of(pn), "staff role '%s' has no purpose", ro->id);
	}
}

static void load_settings(struct loader *l, yaml_node_t *root)
{
	static const struct key_spec keys[] = {
		{"minimum_age", false},
		{"aggregate_min_group", false},
		{"opt_out_window_days", false},
		{"reauth_minutes", false},
		{"vin_check", false},
		{"accepted_makes", false},
		{"not_directed_at_children", false},
	};
	struct policy_settings *s = &l->p->settings;
	s->minimum_age = 13;
	s->aggregate_min_group = 10;
	s->opt_out_window_days = 30;
	s->reauth_minutes = 5;
	s->vin_strict = true;
	yaml_node_t *set = get(l, root, "settings");
	if (!set || !check_keys(l, set, "settings", keys, NKEYS(keys)))
		return;
	if (get_int(l, set, "minimum_age", 0, 21, &s->minimum_age) &&
	    s->minimum_age < POLICY_MINIMUM_AGE_FLOOR)
		DIAG(l, pos_of(get(l, set, "minimum_age")),
		     "'minimum_age' must be at least %d: the site is open to the United States "
		     "(NAM12, COPPA)",
		     POLICY_MINIMUM_AGE_FLOOR);
	get_bool(l, set, "not_directed_at_children", &s->not_directed_at_children);
	get_int(l, set, "aggregate_min_group", 2, 1000000, &s->aggregate_min_group);
	get_int(l, set, "opt_out_window_days", 0, 365, &s->opt_out_window_days);
	get_int(l, set, "reauth_minutes", 1, 1440, &s->reauth_minutes);
	yaml_node_t *vc = get(l, set, "vin_check");
	const char *v = scalar(vc);
	if (v && strcmp(v, "strict") == 0)
		s->vin_strict = true;
	else if (v && strcmp(v, "lenient") == 0)
		s->vin_strict = false;
	else if (vc)
		DIAG(l, pos_of(vc), "'vin_check' must be strict or lenient");
	yaml_node_t *am = get(l, set, "accepted_makes");
	if (am && am->type != YAML_SEQUENCE_NODE) {
		DIAG(l, pos_of(am), "'accepted_makes' must be a list");
		return;
	}
	s->accepted_makes = xcalloc(LIST_LEN(am) + 1, sizeof(char *));
	EACH(l, am, mit, m)
	{
		const char *make = scalar(m);
		if (make && *make)
			s->accepted_makes[s->naccepted_makes++] = xstrdup(make);
		else
			DIAG(l, pos_of(m), "'accepted_makes' must be a list of words");
	}
}

/* A decimal number in (0, max] under key of map; false (reported) if not. */
static bool get_positive(struct loader *l, yaml_node_t *map, const char *key, double max,
			 double *out)
{
	yaml_node_t *n = get(l, map, key);
	const char *s = scalar(n);
	char *end = NULL;
	double v = s && (isdigit((unsigned char)*s) || *s == '.') ? strtod(s, &end) : 0;
	if (!end || *end || !(v > 0) || v > max) {
		DIAG(l, pos_of(n), "'%s' must be a number greater than 0 and at most %g", key, max);
		return false;
	}
	*out = v;
	return true;
}

/* Laplace noise on the visit reports (NAM09): optional; without the block
 * reports are exact counts under the minimum group's suppression. */
static void load_noise(struct loader *l, yaml_node_t *root)
{
	static const struct key_spec keys[] = {
		{"epsilon", true}, {"budget", true}, {"period", true}};
	struct policy_noise *nz = &l->p->noise;
	yaml_node_t *n = get(l, root, "noise");
	if (!n || !check_keys(l, n, "noise", keys, NKEYS(keys)))
		return;
	nz->pos = pos_of(n);
	bool ok = get_positive(l, n, "epsilon", POLICY_NOISE_EPSILON_MAX, &nz->epsilon);
	ok &= get_positive(l, n, "budget", POLICY_NOISE_BUDGET_MAX, &nz->budget);
	if (ok && nz->budget < nz->epsilon) {
		DIAG(l, pos_of(get(l, n, "budget")),
		     "noise: 'budget' must be at least 'epsilon', or no report could be made");
		ok = false;
	}
	yaml_node_t *pn = get(l, n, "period");
	struct policy_retention r = {0};
	if (pn && (!scalar(pn) || parse_retention(scalar(pn), &r) != 0 || r.kind != RET_DURATION ||
		   r.after_done)) {
		DIAG(l, pos_of(pn),
		     "noise: bad period '%.40s' (use a duration such as 1d, 30d, 1y)", shown(pn));
		ok = false;
	}
	nz->period = r.seconds;
	nz->on = ok && nz->period > 0;
}

static void load_header(struct loader *l, yaml_node_t *root)
{
	static const struct key_spec site_keys[] = {
		{"name", true}, {"url", false}, {"summary", false}};
	static const struct key_spec contact_keys[] = {
		{"email", false}, {"postal", false}, {"phone", false}};
	struct policy *p = l->p;
	yaml_node_t *n = get(l, root, "profile");
	const char *name = scalar(n);
	bool ok = name && name[0] >= 'a' && name[0] <= 'z';
	for (const char *c = name; ok && *c; c++)
		ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-';
	if (n && !ok)
		DIAG(l, pos_of(n),
		     "'profile' must be lower case letters, digits and '-', starting "
		     "with a letter");
	p->name = xstrdup(ok ? name : "");
	get_int(l, root, "version", 1, 1000000, &p->version);
	p->effective = get_str(l, root, "effective");
	if (p->effective && !date_ok(p->effective))
		DIAG(l, pos_of(get(l, root, "effective")), "'effective' must be a date YYYY-MM-DD");
	yaml_node_t *site = get(l, root, "site");
	if (site && check_keys(l, site, "site", site_keys, NKEYS(site_keys))) {
		p->site_name = get_text(l, site, "name");
		p->site_url = get_str(l, site, "url");
		p->summary = get_str(l, site, "summary");
		if (p->site_url && !url_ok(p->site_url))
			DIAG(l, pos_of(get(l, site, "url")), "'url' must be an http(s) address");
	}
	yaml_node_t *contact = get(l, root, "contact");
	if (contact && check_keys(l, contact, "contact", contact_keys, NKEYS(contact_keys))) {
		p->contact.email = get_str(l, contact, "email");
		p->contact.postal = get_str(l, contact, "postal");
		p->contact.phone = get_str(l, contact, "phone");
		if (!(p->contact.email && *p->contact.email) &&
		    !(p->contact.postal && *p->contact.postal))
			DIAG(l, pos_of(contact),
			     "contact needs an e-mail address or a postal address (NAM15)");
	}
	load_settings(l, root);
}

/* ---- what the notice covers, its safeguards, its cookies ---- */

/* A non-empty list of non-empty strings under key of map, copied into *out. */
static void get_texts(struct loader *l, yaml_node_t *map, const char *key, bool words, char ***out,
		      size_t *n)
{
	yaml_node_t *list = get(l, map, key);
	*n = 0;
	if (!list)
		return;
	if (list->type != YAML_SEQUENCE_NODE || LIST_LEN(list) == 0) {
		DIAG(l, pos_of(list), "'%s' must be a non-empty list", key);
		return;
	}
	*out = xcalloc(LIST_LEN(list) + 1, sizeof(char *));
	EACH(l, list, it, item)
	{
		const char *s = scalar(item);
		if (!s || !*s || (words && strpbrk(s, " \t\n")))
			DIAG(l, pos_of(item), "'%s' must be a list of %s", key,
			     words ? "site names (no spaces)" : "sentences");
		else
			(*out)[(*n)++] = xstrdup(s);
	}
}

static void load_scope(struct loader *l, yaml_node_t *root)
{
	static const struct key_spec keys[] = {{"sites", true}, {"statement", true}};
	yaml_node_t *n = get(l, root, "scope");
	if (!n || !check_keys(l, n, "scope", keys, NKEYS(keys)))
		return;
	get_texts(l, n, "sites", true, &l->p->scope.sites, &l->p->scope.nsites);
	l->p->scope.statement = get_text(l, n, "statement");
}

static void load_security(struct loader *l, yaml_node_t *root)
{
	get_texts(l, root, "security", false, &l->p->security, &l->p->nsecurity);
}

/* A cookie name as the code writes it: letters, digits, '_' and '-', without
 * the "__Host-" prefix the code adds behind TLS. */
static bool cookie_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > MAX_ID || s[0] == '_')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* "session" (until the browser closes) or a duration: 12h, 30d, 1y. */
static bool parse_lifetime(const char *s, int64_t *seconds)
{
	struct policy_retention r = {0};
	if (strcmp(s, "session") == 0) {
		*seconds = 0;
		return true;
	}
	if (parse_retention(s, &r) != 0 || r.kind != RET_DURATION || r.after_done)
		return false;
	*seconds = r.seconds;
	return true;
}

static void load_cookie(struct loader *l, yaml_node_t *item, struct policy_cookie *ck)
{
	yaml_node_t *pn = get(l, item, "purpose"), *ln = get(l, item, "lifetime");
	const char *purpose = scalar(pn), *life = scalar(ln);
	ck->purpose = -1;
	if (purpose && strcmp(purpose, POLICY_STRICTLY_NECESSARY) != 0) {
		ck->purpose = policy_purpose_index(l->p, purpose);
		if (ck->purpose < 0)
			DIAG(l, pos_of(pn), "cookie '%s' names undeclared purpose '%.60s'",
			     ck->name, purpose);
	} else if (pn && !purpose) {
		DIAG(l, pos_of(pn), "'purpose' must be a string");
	}
	if (ln && (!life || !parse_lifetime(life, &ck->seconds)))
		DIAG(l, pos_of(ln),
		     "cookie '%s': bad lifetime '%.40s' (use session, or a duration such as "
		     "12h, 30d, 1y)",
		     ck->name, shown(ln));
	ck->holds = get_text(l, item, "holds");
	/* The remember-me cookie is set only under the purpose that keeps its
	 * reference (INS12), so it cannot be called strictly necessary. */
	const char *remember = policy_category_purpose(l->p, POLICY_REMEMBER_CATEGORY);
	if (strcmp(ck->name, "gb_remember") == 0 && remember && purpose &&
	    strcmp(purpose, remember) != 0)
		DIAG(l, pos_of(pn),
		     "cookie 'gb_remember' must name purpose '%s', which keeps the "
		     "remember-me reference (INS12)",
		     remember);
}

/* Reads one cookie entry into the next free place of p->cookies; tag is
 * the ad tag that sets it, or -1 for the site's own. */
static void load_cookie_item(struct loader *l, yaml_node_t *item, int tag)
{
	static const struct key_spec keys[] = {
		{"name", true}, {"purpose", true}, {"lifetime", true}, {"holds", true}};
	/* A tag's cookie serves the tag's purpose: it has no key of its own. */
	static const struct key_spec tag_keys[] = {
		{"name", true}, {"lifetime", true}, {"holds", true}};
	struct policy *p = l->p;
	struct policy_cookie *ck = &p->cookies[p->ncookies];
	ck->pos = pos_of(item);
	ck->ad_tag = tag;
	if (!check_keys(l, item, tag < 0 ? "a cookie" : "an ad tag's cookie",
			tag < 0 ? keys : tag_keys, tag < 0 ? NKEYS(keys) : NKEYS(tag_keys)))
		return;
	yaml_node_t *nn = get(l, item, "name");
	const char *name = scalar(nn);
	if (!name || !cookie_name_ok(name)) {
		DIAG(l, pos_of(nn),
		     "cookie name '%.60s' must be letters, digits, '_' and '-', without "
		     "a '__Host-' prefix (at most %d)",
		     shown(nn), MAX_ID);
		return;
	}
	for (size_t i = 0; i < p->ncookies; i++)
		if (strcmp(p->cookies[i].name, name) == 0) {
			DIAG(l, pos_of(nn), "cookie '%s' is listed twice (first at line %d)", name,
			     p->cookies[i].pos.line);
			return;
		}
	ck->name = xstrdup(name);
	p->ncookies++;
	if (tag < 0) {
		load_cookie(l, item, ck);
		return;
	}
	yaml_node_t *ln = get(l, item, "lifetime");
	const char *life = scalar(ln);
	ck->purpose = p->ad_tags[tag].purpose;
	if (ln && (!life || !parse_lifetime(life, &ck->seconds)))
		DIAG(l, pos_of(ln),
		     "cookie '%s': bad lifetime '%.40s' (use session, or a duration such as "
		     "12h, 30d, 1y)",
		     ck->name, shown(ln));
	ck->holds = get_text(l, item, "holds");
}

/* The cookies list of the tag entries of ad_tags, in the order of
 * p->ad_tags (entries that failed to load have none). */
static yaml_node_t *tag_cookies(struct loader *l, yaml_node_t *tag_item)
{
	yaml_node_t *cn = get(l, tag_item, "cookies");
	return cn && cn->type == YAML_SEQUENCE_NODE ? cn : NULL;
}

static void load_cookies(struct loader *l, yaml_node_t *root)
{
	struct policy *p = l->p;
	yaml_node_t *list = get_list(l, root, "cookies", false);
	size_t room = LIST_LEN(list) + 1;
	for (size_t t = 0; t < p->nad_tags; t++)
		room += LIST_LEN(tag_cookies(l, l->tag_nodes[t]));
	p->cookies = xcalloc(room, sizeof(*p->cookies));
	EACH(l, list, it, item)
	load_cookie_item(l, item, -1);
	/* The tags' cookies join the inventory, so the page lists every cookie
	 * the visitor's browser may get here, ours and the networks'. */
	for (size_t t = 0; t < p->nad_tags; t++) {
		yaml_node_t *cl = tag_cookies(l, l->tag_nodes[t]);
		EACH(l, cl, it, item)
		load_cookie_item(l, item, (int)t);
	}
	/* Every cookie the code sets under this profile is declared: a
	 * visitor reads the whole inventory. */
	if (!list)
		return;
	for (size_t i = 0; i < policy_ncode_cookies; i++) {
		const struct policy_code_cookie *c = &policy_code_cookies[i];
		bool declared = policy_cookie_find(p, c->name) != NULL;
		if (!declared && policy_code_cookie_applies(p, c))
			DIAG(l, pos_of(list),
			     "glovebox sets cookie '%s' on this site, which 'cookies' does not "
			     "declare",
			     c->name);
	}
}

/* ---- third-party advertising tags (INS11) ---- */

/* A host of letters, digits, '-' and '.', with a dot, lower case (the CSP
 * and the browser compare origins as written), n bytes. */
static bool host_ok(const char *host, size_t n)
{
	if (n == 0 || host[0] == '.' || host[0] == '-' || host[n - 1] == '.' ||
	    !memchr(host, '.', n))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)host[i]) || isdigit((unsigned char)host[i]) ||
		      host[i] == '-' || host[i] == '.'))
			return false;
	return true;
}

/* An https origin: "https://host" or "https://host:port", nothing after. */
static bool origin_ok(const char *s)
{
	const char *host = text_after(s, "https://");
	if (!host)
		return false;
	size_t n = strcspn(host, ":/?#");
	if (!host_ok(host, n))
		return false;
	if (host[n] == '\0')
		return true;
	if (host[n] != ':')
		return false;
	const char *port = host + n + 1;
	size_t digits = strspn(port, "0123456789");
	return digits >= 1 && digits <= 5 && port[digits] == '\0' && port[0] != '0';
}

/* An https address with a well-formed host. */
static bool https_url_ok(const char *s)
{
	const char *host = text_after(s, "https://");
	if (!host)
		return false;
	size_t n = strcspn(host, ":/?#");
	if (!host_ok(host, n))
		return false;
	for (const char *c = host; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == '"' || *c == '\'' || *c == '<' || *c == '>' ||
		    *c == '\\' || (unsigned char)*c >= 0x7f)
			return false;
	return true;
}

/* The script's address is on the tag's origin: origin, then '/', then a
 * path. */
static bool script_ok(const char *script, const char *origin)
{
	const char *path = text_after(script, origin);
	return https_url_ok(script) && path && path[0] == '/' && path[1] != '\0';
}

static void load_ad_tags(struct loader *l, yaml_node_t *root)
{
	static const struct key_spec keys[] = {
		{"id", true},	  {"name", true},	 {"purpose", true},  {"origin", true},
		{"script", true}, {"opt_out_url", true}, {"cookies", false},
	};
	struct policy *p = l->p;
	yaml_node_t *list = get_list(l, root, "ad_tags", false);
	p->ad_tags = xcalloc(LIST_LEN(list) + 1, sizeof(*p->ad_tags));
	l->tag_nodes = xcalloc(LIST_LEN(list) + 1, sizeof(*l->tag_nodes));
	EACH(l, list, it, item)
	{
		struct policy_ad_tag *t = &p->ad_tags[p->nad_tags];
		t->pos = pos_of(item);
		t->purpose = -1;
		if (!check_keys(l, item, "an ad tag", keys, NKEYS(keys)))
			continue;
		t->id = get_id(l, item, "ad tag");
		if (!t->id)
			continue;
		CHECK_DUPLICATE(l, "ad tag", p->ad_tags, p->nad_tags);
		l->tag_nodes[p->nad_tags++] = item;
		t->name = get_text(l, item, "name");

		yaml_node_t *pn = get(l, item, "purpose");
		const char *purpose = scalar(pn);
		if (purpose) {
			t->purpose = policy_purpose_index(p, purpose);
			if (t->purpose < 0)
				DIAG(l, pos_of(pn), "ad tag '%s' names undeclared purpose '%.60s'",
				     t->id, purpose);
			else if (p->purposes[t->purpose].kind != PK_ADVERTISING)
				DIAG(l, pos_of(pn),
				     "ad tag '%s' must serve a purpose of kind advertising, not "
				     "'%s'",
				     t->id, purpose);
		} else if (pn) {
			DIAG(l, pos_of(pn), "'purpose' must be a string");
		}

		yaml_node_t *on = get(l, item, "origin");
		t->origin = get_str(l, item, "origin");
		if (t->origin && !origin_ok(t->origin))
			DIAG(l, pos_of(on),
			     "ad tag '%s': origin must be an https:// origin: scheme and "
			     "lower-case "
			     "host, perhaps a port, no path (https://ads.network.com)",
			     t->id);
		yaml_node_t *sn = get(l, item, "script");
		t->script = get_str(l, item, "script");
		if (t->script && t->origin && !script_ok(t->script, t->origin))
			DIAG(l, pos_of(sn),
			     "ad tag '%s': script must be an https:// address on the tag's origin",
			     t->id);
		yaml_node_t *un = get(l, item, "opt_out_url");
		t->opt_out_url = get_str(l, item, "opt_out_url");
		if (t->opt_out_url && !https_url_ok(t->opt_out_url))
			DIAG(l, pos_of(un), "ad tag '%s': opt_out_url must be an https:// address",
			     t->id);
		yaml_node_t *cn = get(l, item, "cookies");
		if (cn && cn->type != YAML_SEQUENCE_NODE)
			DIAG(l, pos_of(cn), "'cookies' must be a list");
	}
}

/* ---- the whole file ---- */

static void syntax_error(struct loader *l, const yaml_parser_t *parser, const char *text,
			 size_t len)
{
	const char *problem = parser->problem ? parser->problem : "unreadable";
	struct policy_pos pos = pos_of_mark(parser->problem_mark);
	if (parser->error == YAML_READER_ERROR) {
		/* The reader gives a byte offset, not a mark. */
		pos = (struct policy_pos){1, 1};
		for (size_t i = 0; i < parser->problem_offset && i < len; i++) {
			if (text[i] == '\n') {
				pos.line++;
				pos.col = 1;
			} else {
				pos.col++;
			}
		}
		DIAG(l, pos, "the profile is not UTF-8 text: %s", problem);
	} else if (parser->context) {
		DIAG(l, pos, "YAML syntax error: %s (%s at line %d)", problem, parser->context,
		     (int)parser->context_mark.line + 1);
	} else {
		DIAG(l, pos, "YAML syntax error: %s", problem);
	}
}

static void parser_open(yaml_parser_t *parser, const char *text, size_t len)
{
	yaml_parser_initialize(parser);
	yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(parser, (const unsigned char *)text, len);
}

/*
 * A first pass over the events, before libyaml builds its tree: a syntax
 * error, more than one document or more than MAX_NODES nodes stop here, so
 * that the tree is only built for input of bounded size. An alias counts as
 * a node: libyaml's tree shares the anchored node, and the checks walk it
 * once per reference.
 */
static int prescan(struct loader *l, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	size_t nodes = 0, docs = 0;
	int rc = -1;
	parser_open(&parser, text, len);
	for (;;) {
		if (!yaml_parser_parse(&parser, &ev)) {
			syntax_error(l, &parser, text, len);
			goto out;
		}
		yaml_event_type_t type = ev.type;
		struct policy_pos at = pos_of_mark(ev.start_mark);
		yaml_event_delete(&ev);
		switch (type) {
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
		case YAML_ALIAS_EVENT:
			if (++nodes > MAX_NODES) {
				DIAG(l, at, "the profile has too many entries (at most %d)",
				     MAX_NODES);
				goto out;
			}
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				DIAG(l, at, "the profile must be a single YAML document");
				goto out;
			}
			break;
		case YAML_STREAM_END_EVENT:
			rc = 0;
			goto out;
		default:
			break;
		}
	}
out:
	yaml_parser_delete(&parser);
	return rc;
}

struct policy *policy_load(const char *text, size_t len, struct policy_diags *diags)
{
	static const struct key_spec top_keys[] = {
		{"profile", true},
		{"version", true},
		{"effective", true},
		{"site", true},
		{"contact", true},
		{"settings", false},
		{"categories", true},
		{"subjects", true},
		{"purposes", true},
		{"recipients", false},
		{"collection_points", false},
		{"staff_roles", false},
		{"scope", true},
		{"security", true},
		{"cookies", true},
		{"ad_tags", false},
		{"noise", false},
	};
	struct loader l = {.diags = diags};
	bool have_doc = false;
	diags->count = 0;
	if (len > MAX_SOURCE) {
		DIAG(&l, ((struct policy_pos){1, 1}), "the profile is larger than 1 MiB");
		goto out;
	}
	if (prescan(&l, text, len) != 0)
		goto out;
	yaml_parser_t parser;
	parser_open(&parser, text, len);
	have_doc = yaml_parser_load(&parser, &l.doc) != 0;
	if (!have_doc)
		syntax_error(&l, &parser, text, len);
	yaml_parser_delete(&parser);
	if (!have_doc)
		goto out;
	l.p = xcalloc(1, sizeof(struct policy));
	yaml_node_t *root = yaml_document_get_root_node(&l.doc);
	if (!root || (root->type == YAML_SCALAR_NODE && !*scalar(root))) {
		DIAG(&l, pos_of(root), "the profile is empty");
	} else if (root->type != YAML_MAPPING_NODE) {
		DIAG(&l, pos_of(root), "the profile must be a mapping");
	} else {
		check_keys(&l, root, "the profile", top_keys, NKEYS(top_keys));
		load_header(&l, root);
		load_categories(&l, root);
		load_subjects(&l, root);
		load_purposes(&l, root);
		load_recipients(&l, root);
		load_collections(&l, root);
		load_roles(&l, root);
		load_scope(&l, root);
		load_security(&l, root);
		load_ad_tags(&l, root);
		load_cookies(&l, root);
		load_noise(&l, root);
	}
out:
	if (have_doc)
		yaml_document_delete(&l.doc);
	free(l.tag_nodes);
	diags_sort(diags);
	if (diags->count) {
		policy_free(l.p);
		return NULL;
	}
	l.p->source = xmalloc(len + 1);
	memcpy(l.p->source, text, len);
	l.p->source[len] = '\0';
	l.p->source_len = len;
	return l.p;
}

struct policy *policy_load_file(const char *path, struct policy_diags *diags)
{
	struct policy *p = NULL;
	diags->count = 0;
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		diag_at(diags, (struct policy_pos){1, 1}, "cannot read the file");
		return NULL;
	}
	/* One byte more than the limit, so that policy_load sees a file that is
	 * too large as too large rather than cut short. */
	char *text = xmalloc(MAX_SOURCE + 1);
	size_t n = fread(text, 1, MAX_SOURCE + 1, fp);
	if (ferror(fp)) {
		diag_at(diags, (struct policy_pos){1, 1}, "cannot read the file");
		goto out;
	}
	p = policy_load(text, n, diags);
out:
	fclose(fp);
	free(text);
	return p;
}

/* Returns NULL with no diagnostic when no profile of that name is bundled,
 * so that the caller can say so in its own words. */
struct policy *policy_load_bundled(const char *name, struct policy_diags *diags)
{
	static const char dir[] = "profiles/", ext[] = ".yaml";
	char path[128];
	diags->count = 0;
	size_t n = strlen(name);
	if (n > sizeof(path) - sizeof(dir) - sizeof(ext))
		return NULL;
	memcpy(path, dir, sizeof(dir) - 1);
	memcpy(path + sizeof(dir) - 1, name, n);
	memcpy(path + sizeof(dir) - 1 + n, ext, sizeof(ext));
	const struct asset *a = asset_find(path);
	if (!a)
		return NULL;
	return policy_load((const char *)a->data, a->len, diags);
}
