/*
 * policy_load: reading a profile from YAML (libyaml's document API) into
 * struct policy, and every check of docs/profiles.md. Problems are
 * collected as diagnostics with the line and column of the offending node;
 * loading goes on after a problem so one run reports as many as it can.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#include "assets.h"
#include "mem.h"
#include "policy.h"

#define MAX_SOURCE (1024 * 1024)
#define MAX_NODES 20000

struct loader {
	yaml_document_t doc;
	struct policy_diags *diags;
	struct policy *p;
};

static const char *const purpose_kinds[PK_COUNT] = {
	[PK_ACCOUNT] = "account",
	[PK_FULFILMENT] = "fulfilment",
	[PK_COMMUNICATION] = "communication",
	[PK_VERIFICATION] = "verification",
	[PK_SUPPORT] = "support",
	[PK_SECURITY] = "security",
	[PK_AGGREGATE_STATISTICS] = "aggregate_statistics",
	[PK_AFFILIATE_OFFERS] = "affiliate_offers",
	[PK_SERVICE] = "service",
	[PK_DEALER] = "dealer",
	[PK_PERSONALISATION] = "personalisation",
	[PK_ADVERTISING] = "advertising",
	[PK_PUBLIC_CONTENT] = "public_content",
};

static const char *const bases[BASIS_COUNT] = {
	[BASIS_REQUIRED] = "required",
	[BASIS_OPT_IN] = "opt_in",
	[BASIS_OPT_OUT] = "opt_out",
	[BASIS_NOTICE] = "notice",
};

static const char *const recipient_kinds[RK_COUNT] = {
	[RK_AFFILIATE] = "affiliate",
	[RK_SERVICE_PROVIDER] = "service_provider",
	[RK_DEALER] = "dealer",
};

const char *policy_purpose_kind_name(enum purpose_kind k)
{
	return k < PK_COUNT ? purpose_kinds[k] : "?";
}

const char *policy_basis_name(enum basis b)
{
	return b < BASIS_COUNT ? bases[b] : "?";
}

const char *policy_recipient_kind_name(enum recipient_kind k)
{
	return k < RK_COUNT ? recipient_kinds[k] : "?";
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

static void diag_at(struct loader *l, struct policy_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void diag_at(struct loader *l, struct policy_pos pos, const char *fmt, ...)
{
	struct policy_diags *d = l->diags;
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

static int diag_cmp(const void *a, const void *b)
{
	const struct policy_diag *x = a, *y = b;
	if (x->line != y->line)
		return x->line - y->line;
	return x->col - y->col;
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

struct key_spec {
	const char *name;
	bool required;
};

/* Checks a mapping's keys against the allowed list; reports unknown and
 * missing keys. Returns false if n is not a mapping. */
static bool check_keys(struct loader *l, yaml_node_t *n, const char *what,
		       const struct key_spec *keys, size_t nkeys)
{
	if (!n || n->type != YAML_MAPPING_NODE) {
		diag_at(l, pos_of(n), "%s must be a mapping", what);
		return false;
	}
	bool seen[32] = {false};
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(l, pr->key);
		const char *name = scalar(k);
		size_t i = 0;
		while (name && i < nkeys && strcmp(keys[i].name, name) != 0)
			i++;
		if (!name || i == nkeys) {
			diag_at(l, pos_of(k), "unknown key '%.60s' in %s", name ? name : "?", what);
			continue;
		}
		if (seen[i])
			diag_at(l, pos_of(k), "key '%s' appears twice in %s", name, what);
		seen[i] = true;
	}
	for (size_t i = 0; i < nkeys; i++)
		if (keys[i].required && !seen[i])
			diag_at(l, pos_of(n), "%s is missing required key '%s'", what, keys[i].name);
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
		diag_at(l, pos_of(n), "'%s' must be a string", key);
		return NULL;
	}
	return xstrdup(s);
}

static bool get_int(struct loader *l, yaml_node_t *map, const char *key, int min, int max,
		    int *out)
{
	yaml_node_t *n = get(l, map, key);
	if (!n)
		return false;
	const char *s = scalar(n);
	char *end = NULL;
	long v = s ? strtol(s, &end, 10) : 0;
	if (!s || !*s || *end || v < min || v > max) {
		diag_at(l, pos_of(n), "'%s' must be a whole number from %d to %d", key, min, max);
		return false;
	}
	*out = (int)v;
	return true;
}

static bool get_bool(struct loader *l, yaml_node_t *map, const char *key, bool *out)
{
	yaml_node_t *n = get(l, map, key);
	if (!n)
		return false;
	const char *s = scalar(n);
	if (s && (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)) {
		*out = true;
		return true;
	}
	if (s && (strcmp(s, "false") == 0 || strcmp(s, "no") == 0)) {
		*out = false;
		return true;
	}
	diag_at(l, pos_of(n), "'%s' must be true or false", key);
	return false;
}

static bool id_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 48 || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static char *get_id(struct loader *l, yaml_node_t *map, const char *what)
{
	yaml_node_t *n = get(l, map, "id");
	const char *s = scalar(n);
	if (!n)
		return NULL;
	if (!s || !id_ok(s)) {
		diag_at(l, pos_of(n), "%s id '%.60s' must be lower case letters, digits and '_', "
				      "starting with a letter", what, s ? s : "?");
		return NULL;
	}
	return xstrdup(s);
}

/* A list of ids, resolved against names; unknown ones are reported with
 * "<owner> uses undeclared <what> 'x'". */
static int *get_refs(struct loader *l, yaml_node_t *map, const char *key, const char *owner,
		     const char *what, int (*resolve)(const struct policy *, const char *),
		     size_t *count)
{
	*count = 0;
	yaml_node_t *n = get(l, map, key);
	if (!n)
		return NULL;
	if (n->type != YAML_SEQUENCE_NODE) {
		diag_at(l, pos_of(n), "'%s' must be a list", key);
		return NULL;
	}
	size_t len = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	int *out = xcalloc(len ? len : 1, sizeof(int));
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *item = node(l, *it);
		const char *s = scalar(item);
		int idx = s ? resolve(l->p, s) : -1;
		if (idx < 0) {
			diag_at(l, pos_of(item), "%s uses undeclared %s '%.60s'", owner, what,
				s ? s : "?");
			continue;
		}
		out[(*count)++] = idx;
	}
	return out;
}

static int lookup_kind(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

static void kinds_list(const char *const *names, int n, char *out, size_t size)
{
	size_t k = 0;
	out[0] = '\0';
	for (int i = 0; i < n && k < size; i++) {
		int w = snprintf(out + k, size - k, "%s%s", i ? ", " : "", names[i]);
		if (w < 0)
			break;
		k += (size_t)w;
	}
}

/* ---- INS01: no selling or renting ---- */

static bool word_at(const char *s, size_t i, size_t len)
{
	bool before = i == 0 || !isalpha((unsigned char)s[i - 1]);
	bool after = !isalpha((unsigned char)s[i + len]);
	return before && after;
}

static bool sentence_has(const char *start, const char *end, const char *const *words, size_t n)
{
	for (const char *p = start; p < end; p++)
		for (size_t w = 0; w < n; w++) {
			size_t len = strlen(words[w]);
			if ((size_t)(end - p) >= len && strncasecmp(p, words[w], len) == 0 &&
			    word_at(start, (size_t)(p - start), len))
				return true;
		}
	return false;
}

/* True when a sentence of the text speaks of selling, renting, trading or
 * leasing and does not negate it ("We never sell or rent your data"). */
static bool speaks_of_sale(const char *text)
{
	static const char *const sale[] = {
		"sell", "sells", "selling", "sold", "sale", "rent", "rents", "renting", "rented",
		"rental", "trade", "trades", "trading", "lease", "leases", "leasing", "monetise",
		"monetize", "monetised", "monetized", "monetising", "monetizing",
	};
	static const char *const negations[] = {
		"never", "not", "no", "don't", "do not", "will not", "won't", "nor", "neither",
	};
	if (!text)
		return false;
	const char *s = text;
	while (*s) {
		const char *e = s;
		while (*e && *e != '.' && *e != '!' && *e != '?' && *e != ';')
			e++;
		if (sentence_has(s, e, sale, sizeof(sale) / sizeof(sale[0])) &&
		    !sentence_has(s, e, negations, sizeof(negations) / sizeof(negations[0])))
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
	char *end;
	long n = strtol(s, &end, 10);
	if (end == s || n < 0 || n > 100000)
		return -1;
	int64_t unit;
	switch (*end) {
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'y': unit = 365 * 86400; break;
	default: return -1;
	}
	end++;
	r->kind = RET_DURATION;
	r->seconds = n * unit;
	if (*end == '\0')
		return 0;
	if (strcmp(end, " after_done") == 0) {
		r->after_done = true;
		return 0;
	}
	return -1;
}

static bool date_ok(const char *s)
{
	struct tm tm = {0};
	const char *end = strptime(s, "%Y-%m-%d", &tm);
	if (!end || *end || strlen(s) != 10)
		return false;
	struct tm check = tm;
	time_t t = timegm(&check);
	struct tm back;
	gmtime_r(&t, &back);
	return back.tm_mday == tm.tm_mday && back.tm_mon == tm.tm_mon;
}

/* ---- sections ---- */

static yaml_node_t *get_list(struct loader *l, yaml_node_t *root, const char *key, bool required)
{
	yaml_node_t *n = get(l, root, key);
	if (!n) {
		if (required)
			diag_at(l, pos_of(root), "the profile has no '%s'", key);
		return NULL;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		diag_at(l, pos_of(n), "'%s' must be a list", key);
		return NULL;
	}
	if (required && n->data.sequence.items.top == n->data.sequence.items.start)
		diag_at(l, pos_of(n), "'%s' must not be empty", key);
	return n;
}

#define LIST_LEN(n) ((n) ? (size_t)((n)->data.sequence.items.top - (n)->data.sequence.items.start) : 0)
#define EACH(l, list, it, item)                                                              \
	for (yaml_node_item_t *it = (list) ? (list)->data.sequence.items.start : NULL;          \
	     (list) && it < (list)->data.sequence.items.top; it++)                              \
		for (yaml_node_t *item = node(l, *it); item; item = NULL)

/* Reports a duplicate id within a list. */
static void check_duplicate(struct loader *l, const char *what, char *const *ids,
			    const struct policy_pos *positions, size_t stride, size_t n, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		const char *a = *(char *const *)((const char *)ids + i * stride);
		const char *b = *(char *const *)((const char *)ids + k * stride);
		if (a && b && strcmp(a, b) == 0) {
			const struct policy_pos *pk = (const void *)((const char *)positions + k * stride);
			const struct policy_pos *pi = (const void *)((const char *)positions + i * stride);
			diag_at(l, *pk, "duplicate %s id '%s' (first at line %d)", what, b, pi->line);
			return;
		}
	}
}

static void load_categories(struct loader *l, yaml_node_t *root)
{
	static const struct key_spec keys[] = {
		{"id", true}, {"label", true}, {"description", false}, {"identifier", false}};
	yaml_node_t *list = get_list(l, root, "categories", true);
	struct policy *p = l->p;
	p->categories = xcalloc(LIST_LEN(list) + 1, sizeof(*p->categories));
	EACH(l, list, it, item) {
		struct policy_category *c = &p->categories[p->ncategories];
		c->pos = pos_of(item);
		if (!check_keys(l, item, "a category", keys, 4))
			continue;
		c->id = get_id(l, item, "category");
		c->label = get_str(l, item, "label");
		c->description = get_str(l, item, "description");
		get_bool(l, item, "identifier", &c->identifier);
		if (!c->id) {
			free(c->label);
			free(c->description);
			memset(c, 0, sizeof(*c));
			continue;
		}
		check_duplicate(l, "category", &p->categories[0].id, &p->categories[0].pos,
				sizeof(*c), p->ncategories + 1, p->ncategories);
		p->ncategories++;
	}
}

static void load_subjects(struct loader *l, yaml_node_t *root)
{
	static const struct key_spec keys[] = {{"id", true}, {"description", false}};
	yaml_node_t *list = get_list(l, root, "subjects", true);
	struct policy *p = l->p;
	p->subjects = xcalloc(LIST_LEN(list) + 1, sizeof(*p->subjects));
	EACH(l, list, it, item) {
		struct policy_subject *s = &p->subjects[p->nsubjects];
		s->pos = pos_of(item);
		if (!check_keys(l, item, "a subject", keys, 2))
			continue;
		s->id = get_id(l, item, "subject");
		s->description = get_str(l, item, "description");
		if (!s->id) {
			free(s->description);
			memset(s, 0, sizeof(*s));
			continue;
		}
		check_duplicate(l, "subject", &p->subjects[0].id, &p->subjects[0].pos, sizeof(*s),
				p->nsubjects + 1, p->nsubjects);
		p->nsubjects++;
	}
}

static void load_retention(struct loader *l, yaml_node_t *item, struct policy_purpose *pu)
{
	yaml_node_t *r = get(l, item, "retention");
	if (!r)
		return;
	if (r->type != YAML_MAPPING_NODE) {
		diag_at(l, pos_of(r), "'retention' must map each category to how long it is kept");
		return;
	}
	size_t n = (size_t)(r->data.mapping.pairs.top - r->data.mapping.pairs.start);
	pu->retention = xcalloc(n + 1, sizeof(*pu->retention));
	for (yaml_node_pair_t *pr = r->data.mapping.pairs.start; pr < r->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(l, pr->key), *v = node(l, pr->value);
		const char *cat = scalar(k), *val = scalar(v);
		int ci = cat ? policy_category_index(l->p, cat) : -1;
		if (ci < 0) {
			diag_at(l, pos_of(k), "purpose '%s': retention names undeclared category '%.60s'",
				pu->id, cat ? cat : "?");
			continue;
		}
		if (!policy_purpose_covers(pu, ci)) {
			diag_at(l, pos_of(k), "retention names category '%s' which purpose '%s' does not use",
				cat, pu->id);
			continue;
		}
		struct policy_retention *ret = &pu->retention[pu->nretention];
		memset(ret, 0, sizeof(*ret));
		if (!val || parse_retention(val, ret) != 0) {
			diag_at(l, pos_of(v), "bad retention '%.60s' (use account, until_done, or a "
					      "duration such as 30d, 12h, 2y, optionally followed by after_done)",
				val ? val : "?");
			ret->kind = RET_ACCOUNT;   /* reported once; not again as missing */
		}
		ret->category = ci;
		ret->pos = pos_of(k);
		pu->nretention++;
	}
	for (size_t i = 0; i < pu->ncategories; i++)
		if (!policy_retention_for(pu, pu->categories[i]))
			diag_at(l, pos_of(r), "purpose '%s' has no retention for category '%s'", pu->id,
				l->p->categories[pu->categories[i]].id);
}

static void load_purposes(struct loader *l, yaml_node_t *root)
{
	static const struct key_spec keys[] = {
		{"id", true},	    {"label", true},	  {"description", true}, {"kind", true},
		{"basis", true},    {"subjects", true},	  {"categories", true},	 {"retention", true},
		{"topics", false},
	};
	char allowed[400];
	yaml_node_t *list = get_list(l, root, "purposes", true);
	struct policy *p = l->p;
	p->purposes = xcalloc(LIST_LEN(list) + 1, sizeof(*p->purposes));
	EACH(l, list, it, item) {
		struct policy_purpose *pu = &p->purposes[p->npurposes];
		pu->pos = pos_of(item);
		if (!check_keys(l, item, "a purpose", keys, 9))
			continue;
		pu->id = get_id(l, item, "purpose");
		if (!pu->id)
			continue;
		check_duplicate(l, "purpose", &p->purposes[0].id, &p->purposes[0].pos, sizeof(*pu),
				p->npurposes + 1, p->npurposes);
		p->npurposes++;
		pu->label = get_str(l, item, "label");
		pu->description = get_str(l, item, "description");
		yaml_node_t *kn = get(l, item, "kind"), *bn = get(l, item, "basis");
		int kind = lookup_kind(purpose_kinds, PK_COUNT, scalar(kn));
		if (kn && kind < 0) {
			kinds_list(purpose_kinds, PK_COUNT, allowed, sizeof(allowed));
			diag_at(l, pos_of(kn), "unknown purpose kind '%.40s' (allowed: %s)",
				scalar(kn) ? scalar(kn) : "?", allowed);
		}
		pu->kind = kind < 0 ? PK_ACCOUNT : (enum purpose_kind)kind;
		int basis = lookup_kind(bases, BASIS_COUNT, scalar(bn));
		if (bn && basis < 0)
			diag_at(l, pos_of(bn), "unknown basis '%.40s' (allowed: required, opt_in, "
					       "opt_out, notice)", scalar(bn) ? scalar(bn) : "?");
		pu->basis = basis < 0 ? BASIS_REQUIRED : (enum basis)basis;
		if ((pu->kind == PK_COMMUNICATION || pu->kind == PK_AFFILIATE_OFFERS) && basis >= 0 &&
		    pu->basis != BASIS_OPT_IN && pu->basis != BASIS_OPT_OUT)
			diag_at(l, pos_of(bn), "purpose '%s' of kind %s must be opt_in or opt_out: the "
					       "member can always say no (ALL06, INS06)", pu->id,
				purpose_kinds[pu->kind]);
		if (speaks_of_sale(pu->label) || speaks_of_sale(pu->description))
			diag_at(l, pu->pos, "purpose '%s': the description speaks of selling or renting "
					    "personal data (INS01)", pu->id);
		char owner[80];
		snprintf(owner, sizeof(owner), "purpose '%s'", pu->id);
		pu->subjects = get_refs(l, item, "subjects", owner, "subject", policy_subject_index,
					&pu->nsubjects);
		pu->categories = get_refs(l, item, "categories", owner, "category",
					  policy_category_index, &pu->ncategories);
		yaml_node_t *cn = get(l, item, "categories");
		if (cn && pu->ncategories == 0 && pu->kind != PK_AGGREGATE_STATISTICS &&
		    pu->kind != PK_ADVERTISING && LIST_LEN(cn) == 0)
			diag_at(l, pos_of(cn), "purpose '%s' uses no category", pu->id);
		for (size_t i = 0; i < pu->ncategories; i++)
			if (p->categories[pu->categories[i]].identifier && pu->kind != PK_VERIFICATION)
				diag_at(l, pos_of(cn), "category '%s' is a vehicle identifier and may serve "
						       "only verification purposes (NAM06)",
					p->categories[pu->categories[i]].id);
		load_retention(l, item, pu);
		yaml_node_t *tn = get(l, item, "topics");
		if (tn) {
			if (pu->kind != PK_COMMUNICATION)
				diag_at(l, pos_of(tn), "only communication purposes have topics");
			if (tn->type != YAML_SEQUENCE_NODE) {
				diag_at(l, pos_of(tn), "'topics' must be a list");
			} else {
				pu->topics = xcalloc(LIST_LEN(tn) + 1, sizeof(char *));
				EACH(l, tn, tit, t) {
					const char *s = scalar(t);
					if (!s || !id_ok(s))
						diag_at(l, pos_of(t), "topic '%.40s' must be an id",
							s ? s : "?");
					else
						pu->topics[pu->ntopics++] = xstrdup(s);
				}
			}
		}
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

static void load_recipients(struct loader *l, yaml_node_t *root)
{
	static const struct key_spec keys[] = {
		{"id", true},	      {"name", true},	   {"description", false}, {"kind", true},
		{"contract", false},  {"policy_url", false}, {"purposes", true},   {"fields", true},
	};
	char allowed[200];
	yaml_node_t *list = get_list(l, root, "recipients", false);
	struct policy *p = l->p;
	p->recipients = xcalloc(LIST_LEN(list) + 1, sizeof(*p->recipients));
	EACH(l, list, it, item) {
		struct policy_recipient *r = &p->recipients[p->nrecipients];
		r->pos = pos_of(item);
		if (!check_keys(l, item, "a recipient", keys, 8))
			continue;
		r->id = get_id(l, item, "recipient");
		if (!r->id)
			continue;
		check_duplicate(l, "recipient", &p->recipients[0].id, &p->recipients[0].pos,
				sizeof(*r), p->nrecipients + 1, p->nrecipients);
		p->nrecipients++;
		r->name = get_str(l, item, "name");
		r->description = get_str(l, item, "description");
		r->contract = get_str(l, item, "contract");
		r->policy_url = get_str(l, item, "policy_url");
		yaml_node_t *kn = get(l, item, "kind");
		int kind = lookup_kind(recipient_kinds, RK_COUNT, scalar(kn));
		if (kn && kind < 0) {
			kinds_list(recipient_kinds, RK_COUNT, allowed, sizeof(allowed));
			diag_at(l, pos_of(kn), "unknown recipient kind '%.40s' (allowed: %s)",
				scalar(kn) ? scalar(kn) : "?", allowed);
		}
		r->kind = kind < 0 ? RK_SERVICE_PROVIDER : (enum recipient_kind)kind;
		if (!r->contract || !*r->contract)
			diag_at(l, r->pos, "recipient '%s' has no contract reference (INS02)", r->id);
		if (r->policy_url && strncmp(r->policy_url, "https://", 8) != 0 &&
		    strncmp(r->policy_url, "http://", 7) != 0)
			diag_at(l, pos_of(get(l, item, "policy_url")),
				"recipient '%s': policy_url must be an http(s) address", r->id);
		if (kind >= 0 && r->kind != RK_SERVICE_PROVIDER && !r->policy_url)
			diag_at(l, r->pos, "recipient '%s' of kind %s needs a policy_url (INS08)", r->id,
				recipient_kinds[r->kind]);
		if (speaks_of_sale(r->name) || speaks_of_sale(r->description))
			diag_at(l, r->pos, "recipient '%s': the description speaks of selling or renting "
					   "personal data (INS01)", r->id);
		char owner[80];
		snprintf(owner, sizeof(owner), "recipient '%s'", r->id);
		r->purposes = get_refs(l, item, "purposes", owner, "purpose", policy_purpose_index,
				       &r->npurposes);
		r->fields = get_refs(l, item, "fields", owner, "category", policy_category_index,
				     &r->nfields);
		yaml_node_t *pn = get(l, item, "purposes"), *fn = get(l, item, "fields");
		if (pn && LIST_LEN(pn) == 0)
			diag_at(l, pos_of(pn), "recipient '%s' has no purpose", r->id);
		for (size_t i = 0; i < r->npurposes; i++) {
			const struct policy_purpose *pu = &p->purposes[r->purposes[i]];
			if (kind >= 0 && !recipient_kind_allows(r->kind, pu->kind))
				diag_at(l, pos_of(pn), "recipient '%s' of kind %s cannot receive data for "
						       "purpose '%s' of kind %s", r->id,
					recipient_kinds[r->kind], pu->id, purpose_kinds[pu->kind]);
		}
		for (size_t i = 0; i < r->nfields; i++) {
			int c = r->fields[i];
			if (p->categories[c].identifier) {
				diag_at(l, pos_of(fn), "recipient '%s' may not receive vehicle identifier "
						       "'%s' (NAM06)", r->id, p->categories[c].id);
				continue;
			}
			bool covered = false;
			for (size_t k = 0; k < r->npurposes; k++)
				covered |= policy_purpose_covers(&p->purposes[r->purposes[k]], c);
			if (!covered)
				diag_at(l, pos_of(fn), "recipient '%s' receives '%s' which none of its "
						       "purposes covers", r->id, p->categories[c].id);
		}
	}
}

static void load_collections(struct loader *l, yaml_node_t *root)
{
	static const struct key_spec keys[] = {
		{"id", true}, {"label", true}, {"purpose", true}, {"subject", true}, {"fields", true}};
	static const struct key_spec field_keys[] = {{"category", true}, {"required", false}};
	yaml_node_t *list = get_list(l, root, "collection_points", false);
	struct policy *p = l->p;
	p->collections = xcalloc(LIST_LEN(list) + 1, sizeof(*p->collections));
	EACH(l, list, it, item) {
		struct policy_collection *cp = &p->collections[p->ncollections];
		cp->pos = pos_of(item);
		if (!check_keys(l, item, "a collection point", keys, 5))
			continue;
		cp->id = get_id(l, item, "collection point");
		if (!cp->id)
			continue;
		check_duplicate(l, "collection point", &p->collections[0].id, &p->collections[0].pos,
				sizeof(*cp), p->ncollections + 1, p->ncollections);
		p->ncollections++;
		cp->label = get_str(l, item, "label");
		yaml_node_t *pn = get(l, item, "purpose"), *sn = get(l, item, "subject");
		cp->purpose = scalar(pn) ? policy_purpose_index(p, scalar(pn)) : -1;
		cp->subject = scalar(sn) ? policy_subject_index(p, scalar(sn)) : -1;
		if (pn && cp->purpose < 0)
			diag_at(l, pos_of(pn), "collection point '%s' uses undeclared purpose '%.60s'",
				cp->id, scalar(pn) ? scalar(pn) : "?");
		if (sn && cp->subject < 0)
			diag_at(l, pos_of(sn), "collection point '%s' uses undeclared subject '%.60s'",
				cp->id, scalar(sn) ? scalar(sn) : "?");
		yaml_node_t *fl = get(l, item, "fields");
		if (!fl)
			continue;
		if (fl->type != YAML_SEQUENCE_NODE || LIST_LEN(fl) == 0) {
			diag_at(l, pos_of(fl), "'fields' must be a non-empty list");
			continue;
		}
		cp->fields = xcalloc(LIST_LEN(fl), sizeof(*cp->fields));
		EACH(l, fl, fit, f) {
			if (!check_keys(l, f, "a collection field", field_keys, 2))
				continue;
			yaml_node_t *cn = get(l, f, "category");
			const char *cat = scalar(cn);
			int ci = cat ? policy_category_index(p, cat) : -1;
			if (ci < 0) {
				diag_at(l, pos_of(cn), "collection point '%s' uses undeclared category "
						       "'%.60s'", cp->id, cat ? cat : "?");
				continue;
			}
			if (cp->purpose >= 0 && !policy_purpose_covers(&p->purposes[cp->purpose], ci))
				diag_at(l, pos_of(cn), "collection point '%s' collects '%s' which purpose "
						       "'%s' does not use", cp->id, cat,
					p->purposes[cp->purpose].id);
			struct policy_field *pf = &cp->fields[cp->nfields++];
			pf->category = ci;
			get_bool(l, f, "required", &pf->required);
		}
	}
}

static void load_roles(struct loader *l, yaml_node_t *root)
{
	static const struct key_spec keys[] = {
		{"id", true}, {"description", false}, {"purposes", true}};
	yaml_node_t *list = get_list(l, root, "staff_roles", false);
	struct policy *p = l->p;
	p->roles = xcalloc(LIST_LEN(list) + 1, sizeof(*p->roles));
	EACH(l, list, it, item) {
		struct policy_role *ro = &p->roles[p->nroles];
		ro->pos = pos_of(item);
		if (!check_keys(l, item, "a staff role", keys, 3))
			continue;
		ro->id = get_id(l, item, "staff role");
		if (!ro->id)
			continue;
		check_duplicate(l, "staff role", &p->roles[0].id, &p->roles[0].pos, sizeof(*ro),
				p->nroles + 1, p->nroles);
		p->nroles++;
		ro->description = get_str(l, item, "description");
		char owner[80];
		snprintf(owner, sizeof(owner), "staff role '%s'", ro->id);
		ro->purposes = get_refs(l, item, "purposes", owner, "purpose", policy_purpose_index,
					&ro->npurposes);
		yaml_node_t *pn = get(l, item, "purposes");
		if (pn && LIST_LEN(pn) == 0)
			diag_at(l, pos_of(pn), "staff role '%s' has no purpose", ro->id);
	}
}

static void load_header(struct loader *l, yaml_node_t *root)
{
	static const struct key_spec site_keys[] = {{"name", true}, {"url", false}, {"summary", false}};
	static const struct key_spec contact_keys[] = {
		{"email", false}, {"postal", false}, {"phone", false}};
	static const struct key_spec setting_keys[] = {
		{"minimum_age", false},	    {"aggregate_min_group", false}, {"opt_out_window_days", false},
		{"reauth_minutes", false},  {"vin_check", false},	    {"accepted_makes", false},
	};
	struct policy *p = l->p;
	yaml_node_t *n = get(l, root, "profile");
	const char *name = scalar(n);
	bool ok = name && *name && (name[0] >= 'a' && name[0] <= 'z');
	for (const char *c = name; ok && *c; c++)
		ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-';
	if (n && !ok)
		diag_at(l, pos_of(n), "'profile' must be lower case letters, digits and '-'");
	p->name = xstrdup(ok ? name : "");
	get_int(l, root, "version", 1, 1000000, &p->version);
	p->effective = get_str(l, root, "effective");
	if (p->effective && !date_ok(p->effective))
		diag_at(l, pos_of(get(l, root, "effective")), "'effective' must be a date YYYY-MM-DD");
	yaml_node_t *site = get(l, root, "site");
	if (site && check_keys(l, site, "site", site_keys, 3)) {
		p->site_name = get_str(l, site, "name");
		p->site_url = get_str(l, site, "url");
		p->summary = get_str(l, site, "summary");
	}
	yaml_node_t *contact = get(l, root, "contact");
	if (contact && check_keys(l, contact, "contact", contact_keys, 3)) {
		p->contact.email = get_str(l, contact, "email");
		p->contact.postal = get_str(l, contact, "postal");
		p->contact.phone = get_str(l, contact, "phone");
		if (!p->contact.email && !p->contact.postal)
			diag_at(l, pos_of(contact), "contact needs an e-mail address or a postal address (NAM15)");
	}
	struct policy_settings *s = &p->settings;
	s->minimum_age = 13;
	s->aggregate_min_group = 10;
	s->opt_out_window_days = 30;
	s->reauth_minutes = 5;
	s->vin_strict = true;
	yaml_node_t *set = get(l, root, "settings");
	if (set && check_keys(l, set, "settings", setting_keys, 6)) {
		get_int(l, set, "minimum_age", 0, 21, &s->minimum_age);
		get_int(l, set, "aggregate_min_group", 2, 1000000, &s->aggregate_min_group);
		get_int(l, set, "opt_out_window_days", 0, 365, &s->opt_out_window_days);
		get_int(l, set, "reauth_minutes", 1, 1440, &s->reauth_minutes);
		yaml_node_t *vc = get(l, set, "vin_check");
		if (vc) {
			const char *v = scalar(vc);
			if (v && strcmp(v, "strict") == 0)
				s->vin_strict = true;
			else if (v && strcmp(v, "lenient") == 0)
				s->vin_strict = false;
			else
				diag_at(l, pos_of(vc), "'vin_check' must be strict or lenient");
		}
		yaml_node_t *am = get(l, set, "accepted_makes");
		if (am && am->type != YAML_SEQUENCE_NODE) {
			diag_at(l, pos_of(am), "'accepted_makes' must be a list");
		} else if (am) {
			s->accepted_makes = xcalloc(LIST_LEN(am) + 1, sizeof(char *));
			EACH(l, am, mit, m) {
				const char *v = scalar(m);
				if (v)
					s->accepted_makes[s->naccepted_makes++] = xstrdup(v);
			}
		}
	}
}

struct policy *policy_load(const char *text, size_t len, struct policy_diags *diags)
{
	static const struct key_spec top_keys[] = {
		{"profile", true},	  {"version", true},	   {"effective", true},
		{"site", true},		  {"contact", true},	   {"settings", false},
		{"categories", true},	  {"subjects", true},	   {"purposes", true},
		{"recipients", false},	  {"collection_points", false}, {"staff_roles", false},
	};
	struct loader l = {.diags = diags};
	diags->count = 0;
	if (len > MAX_SOURCE) {
		diag_at(&l, (struct policy_pos){1, 1}, "the profile is larger than 1 MiB");
		return NULL;
	}
	yaml_parser_t parser;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &l.doc)) {
		diag_at(&l, (struct policy_pos){(int)parser.problem_mark.line + 1,
						(int)parser.problem_mark.column + 1},
			"YAML syntax error: %s", parser.problem ? parser.problem : "unreadable");
		yaml_parser_delete(&parser);
		return NULL;
	}
	yaml_parser_delete(&parser);
	yaml_node_t *root = yaml_document_get_root_node(&l.doc);
	l.p = xcalloc(1, sizeof(struct policy));
	if (!root) {
		diag_at(&l, (struct policy_pos){1, 1}, "the profile is empty");
	} else if ((size_t)(l.doc.nodes.top - l.doc.nodes.start) > MAX_NODES) {
		diag_at(&l, (struct policy_pos){1, 1}, "the profile has too many entries");
	} else if (check_keys(&l, root, "the profile", top_keys, 12)) {
		load_header(&l, root);
		load_categories(&l, root);
		load_subjects(&l, root);
		load_purposes(&l, root);
		load_recipients(&l, root);
		load_collections(&l, root);
		load_roles(&l, root);
	}
	yaml_document_delete(&l.doc);
	qsort(diags->items, diags->count, sizeof(diags->items[0]), diag_cmp);
	if (diags->count) {
		policy_free(l.p);
		return NULL;
	}
	l.p->source = xstrndup(text, len);
	l.p->source_len = len;
	return l.p;
}

struct policy *policy_load_file(const char *path, struct policy_diags *diags)
{
	struct loader l = {.diags = diags};
	diags->count = 0;
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		diag_at(&l, (struct policy_pos){1, 1}, "cannot read the file");
		return NULL;
	}
	char *text = xmalloc(MAX_SOURCE + 1);
	size_t n = fread(text, 1, MAX_SOURCE + 1, fp);
	fclose(fp);
	struct policy *p = policy_load(text, n, diags);
	free(text);
	return p;
}

struct policy *policy_load_bundled(const char *name, struct policy_diags *diags)
{
	char path[128];
	diags->count = 0;
	snprintf(path, sizeof(path), "profiles/%s.yaml", name);
	const struct asset *a = asset_find(path);
	if (!a)
		return NULL;
	return policy_load((const char *)a->data, a->len, diags);
}
