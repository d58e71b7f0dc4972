/*
 * record: the machinery over the declaration in records.c (see record.h).
 * The SQL here is composed from declared names only (checked to be plain
 * identifiers), so every statement is still a fixed text the store
 * prepares once and caches.
 */
#include "record.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "broker.h"
#include "buf.h"
#include "crypto.h"
#include "log.h"
#include "progress.h"
#include "mem.h"
#include "policy.h"

/* The most columns one call writes or reads; the widest table has fewer. */
#define RECORD_MAX_COLUMNS 24
/* How deep "a subject owns a subject" may nest (a member owns the sender
 * of a message they wrote; nothing owns deeper today). */
#define RECORD_MAX_OWNER_DEPTH 4
/* Owned subjects erased in one step. */
#define RECORD_MAX_OWNED 512
/* The longest normal form a blind index is taken over (an e-mail address
 * is at most 254 bytes). */
#define RECORD_MAX_NORMAL 320

const struct record_table *record_table_of(const char *table)
{
	for (size_t i = 0; i < record_tables_count; i++)
		if (strcmp(record_tables[i].table, table) == 0)
			return &record_tables[i];
	return NULL;
}

const struct record_column *record_column_of(const char *table, const char *column)
{
	for (size_t i = 0; i < record_columns_count; i++)
		if (strcmp(record_columns[i].table, table) == 0 &&
		    strcmp(record_columns[i].column, column) == 0)
			return &record_columns[i];
	return NULL;
}

static bool is_sealed(const struct record_column *col)
{
	return col && col->hold == HOLD_SEALED;
}

void record_texts_release(struct record_text *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (t[i].p)
			broker_plain_free(t[i].p, t[i].n);
		t[i] = (struct record_text){NULL, 0};
	}
}

/* ---- SQL from declared names ---- */

/* A declared or feature-given column name goes into SQL text: it must be
 * a plain identifier, or the call is a programming error. */
static bool identifier(const char *s)
{
	if (!s || !*s)
		return false;
	for (const char *p = s; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
			return false;
	return true;
}

static void put_ident(struct buf *b, const char *s)
{
	if (!identifier(s)) {
		log_error("record: '%s' is not a column name", s ? s : "(null)");
		abort();
	}
	buf_puts(b, s);
}

/* ---- blind indexes ---- */

/* The value in the column's normal form, then its keyed hash. -1 when the
 * value is too long to be one of the column's. */
static int index_of(const struct record_column *col, const char *value, size_t len,
		    unsigned char out[CRYPTO_INDEX_BYTES])
{
	char norm[RECORD_MAX_NORMAL];
	size_t n = 0;
	if (len >= sizeof(norm))
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)value[i];
		if (col->normal == NORMAL_EMAIL) {
			if (isspace(ch))
				continue;
			ch = (unsigned char)tolower(ch);
		}
		norm[n++] = (char)ch;
	}
	crypto_blind_index(app.keys, col->index_domain, norm, n, out);
	crypto_wipe(norm, sizeof(norm));
	return 0;
}

/* ---- writing ---- */

/* What one record_insert or record_update sends: the statement's values and
 * what must be freed after it. */
struct write {
	struct buf sql;
	struct store_val vals[RECORD_MAX_COLUMNS];
	size_t n;
	unsigned char *sealed[RECORD_MAX_COLUMNS];
	size_t nsealed;
	unsigned char index[RECORD_MAX_COLUMNS][CRYPTO_INDEX_BYTES];
	size_t nindex;
};

static void write_release(struct write *w)
{
	for (size_t i = 0; i < w->nsealed; i++)
		free(w->sealed[i]);
	buf_release(&w->sql);
}

/* The category a sealed column's value has in this row: declared, or given
 * among the fields (a table whose rows differ, the outbox). */
static const char *category_in(const struct record_column *col, const struct record_field *f,
			       size_t n)
{
	if (col->category)
		return col->category;
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].column, col->category_column) == 0 && f[i].value.type == STORE_TEXT)
			return f[i].value.p;
	return NULL;
}

/*
 * Adds one field to w as a value (and its index after it): a sealed column
 * sealed for the grant, any other as given. The names go to names[] in the
 * order of w->vals.
 */
static int add_field(struct write *w, const char **names, const struct broker_grant *g,
		     const char *table, int64_t row, const struct record_field *all, size_t nall,
		     const struct record_field *f)
{
	const struct record_column *col = record_column_of(table, f->column);
	if (w->n + 2 > RECORD_MAX_COLUMNS)
		return -1;
	if (col && col->hold == HOLD_INDEX) {
		log_error("record: %s.%s is an index; the record layer fills it in", table,
			  f->column);
		return -1;
	}
	if (!is_sealed(col)) {
		names[w->n] = f->column;
		w->vals[w->n++] = f->value;
		return 0;
	}
	names[w->n] = f->column;
	if (f->value.type == STORE_NULL) {
		w->vals[w->n++] = SV_NULL;
		if (col->index_column) {
			names[w->n] = col->index_column;
			w->vals[w->n++] = SV_NULL;
		}
		return 0;
	}
	const char *category = category_in(col, all, nall);
	unsigned char *ct;
	size_t ct_len;
	if (!category || !g ||
	    broker_seal(g, category, table, f->column, row, f->value.p, f->value.n, &ct, &ct_len) !=
		    0)
		return -1;
	w->sealed[w->nsealed++] = ct;
	w->vals[w->n++] = SV_BLOB(ct, ct_len);
	if (col->index_column) {
		unsigned char *idx = w->index[w->nindex++];
		if (index_of(col, f->value.p, f->value.n, idx) != 0)
			return -1;
		names[w->n] = col->index_column;
		w->vals[w->n++] = SV_BLOB(idx, CRYPTO_INDEX_BYTES);
	}
	return 0;
}

int record_insert(struct store_conn *c, const struct broker_grant *g, const char *table,
		  int64_t row, const struct record_field *fields, size_t n)
{
	const struct record_table *t = record_table_of(table);
	const char *names[RECORD_MAX_COLUMNS];
	struct write w = {.n = 0};
	int rc = STORE_ERROR;
	buf_init(&w.sql, 0);
	if (!t) {
		log_error("record: table %s is not declared", table);
		goto out;
	}
	if (t->row_column) {
		names[w.n] = t->row_column;
		w.vals[w.n++] = SV_INT(row);
	}
	if (t->subject_column &&
	    (!t->row_column || strcmp(t->subject_column, t->row_column) != 0)) {
		names[w.n] = t->subject_column;
		w.vals[w.n++] = SV_INT(g ? broker_grant_subject(g) : row);
	}
	for (size_t i = 0; i < n; i++)
		if (add_field(&w, names, g, table, row, fields, n, &fields[i]) != 0)
			goto out;
	buf_puts(&w.sql, "INSERT INTO ");
	put_ident(&w.sql, table);
	buf_puts(&w.sql, " (");
	for (size_t i = 0; i < w.n; i++) {
		buf_puts(&w.sql, i ? ", " : "");
		put_ident(&w.sql, names[i]);
	}
	buf_puts(&w.sql, ") VALUES (");
	for (size_t i = 0; i < w.n; i++)
		buf_printf(&w.sql, "%s$%zu", i ? ", " : "", i + 1);
	buf_puts(&w.sql, ")");
	rc = store_exec(c, w.sql.data, w.vals, w.n, NULL, NULL);
out:
	write_release(&w);
	return rc;
}

static int text_cb(void *ctx, const struct store_row *row)
{
	char *out = ctx;
	snprintf(out, 64, "%s",
		 row->cols[0].type == STORE_TEXT ? (const char *)row->cols[0].p : "");
	return 0;
}

int record_update(struct store_conn *c, const struct broker_grant *g, const char *table,
		  int64_t row, const struct record_field *fields, size_t n)
{
	const struct record_table *t = record_table_of(table);
	const char *names[RECORD_MAX_COLUMNS];
	struct record_field all[RECORD_MAX_COLUMNS];
	char category[64] = "";
	struct write w = {.n = 0};
	int rc = STORE_ERROR;
	buf_init(&w.sql, 0);
	if (!t || !t->row_column || n + 1 > RECORD_MAX_COLUMNS) {
		log_error("record: %s cannot be updated by row", table);
		goto out;
	}
	memcpy(all, fields, n * sizeof(*fields));
	size_t nall = n;
	/* A column whose category the row names: read it from the row. */
	for (size_t i = 0; i < n; i++) {
		const struct record_column *col = record_column_of(table, fields[i].column);
		if (!is_sealed(col) || col->category || category_in(col, fields, n))
			continue;
		struct buf q;
		buf_init(&q, 0);
		buf_puts(&q, "SELECT ");
		put_ident(&q, col->category_column);
		buf_puts(&q, " FROM ");
		put_ident(&q, table);
		buf_puts(&q, " WHERE ");
		put_ident(&q, t->row_column);
		buf_puts(&q, " = $1");
		struct store_val key[] = {SV_INT(row)};
		int found = store_exec(c, q.data, key, STORE_NPARAMS(key), text_cb, category);
		buf_release(&q);
		if (found != 1)
			goto out;
		all[nall++] = (struct record_field){col->category_column, SV_TEXT(category)};
		break;
	}
	w.vals[w.n++] = SV_INT(row);
	names[0] = t->row_column;
	for (size_t i = 0; i < n; i++)
		if (add_field(&w, names, g, table, row, all, nall, &fields[i]) != 0)
			goto out;
	buf_puts(&w.sql, "UPDATE ");
	put_ident(&w.sql, table);
	buf_puts(&w.sql, " SET ");
	for (size_t i = 1; i < w.n; i++) {
		buf_puts(&w.sql, i > 1 ? ", " : "");
		put_ident(&w.sql, names[i]);
		buf_printf(&w.sql, " = $%zu", i + 1);
	}
	buf_puts(&w.sql, " WHERE ");
	put_ident(&w.sql, t->row_column);
	buf_puts(&w.sql, " = $1");
	rc = store_exec(c, w.sql.data, w.vals, w.n, NULL, NULL);
out:
	write_release(&w);
	return rc;
}

/* ---- reading ---- */

struct read_row {
	size_t rows;
	size_t n;     /* the sealed columns asked for */
	size_t ncats; /* then the category columns */
	struct {
		unsigned char *p;
		size_t n;
		bool null;
	} cell[RECORD_MAX_COLUMNS];
	char category[RECORD_MAX_COLUMNS][64];
};

static int read_cb(void *ctx, const struct store_row *row)
{
	struct read_row *r = ctx;
	if (++r->rows > 1)
		return 1;
	for (size_t i = 0; i < r->n; i++) {
		const struct store_val *v = &row->cols[i];
		r->cell[i].null = v->type != STORE_BLOB;
		if (v->type == STORE_BLOB) {
			r->cell[i].p = xmalloc(v->n ? v->n : 1);
			memcpy(r->cell[i].p, v->p, v->n);
			r->cell[i].n = v->n;
		}
	}
	for (size_t i = 0; i < r->ncats; i++) {
		const struct store_val *v = &row->cols[r->n + i];
		snprintf(r->category[i], sizeof(r->category[i]), "%s",
			 v->type == STORE_TEXT ? (const char *)v->p : "");
	}
	return 0;
}

int record_read(struct store_conn *c, const struct broker_grant *g, const char *table, int64_t row,
		const char *const *columns, size_t n, struct record_text *out)
{
	const struct record_table *t = record_table_of(table);
	const struct record_column *cols[RECORD_MAX_COLUMNS];
	size_t catpos[RECORD_MAX_COLUMNS];
	struct read_row r = {.n = n};
	struct buf sql;
	int rc = -1;
	for (size_t i = 0; i < n; i++)
		out[i] = (struct record_text){NULL, 0};
	if (!t || !t->row_column || 2 * n > RECORD_MAX_COLUMNS) {
		log_error("record: %s cannot be read by row", table);
		return -1;
	}
	buf_init(&sql, 0);
	buf_puts(&sql, "SELECT ");
	for (size_t i = 0; i < n; i++) {
		cols[i] = record_column_of(table, columns[i]);
		if (!is_sealed(cols[i])) {
			log_error("record: %s.%s is not a sealed column", table, columns[i]);
			goto out;
		}
		buf_puts(&sql, i ? ", " : "");
		put_ident(&sql, columns[i]);
	}
	for (size_t i = 0; i < n; i++) {
		if (cols[i]->category)
			continue;
		catpos[i] = r.ncats++;
		buf_puts(&sql, ", ");
		put_ident(&sql, cols[i]->category_column);
	}
	buf_puts(&sql, " FROM ");
	put_ident(&sql, table);
	buf_puts(&sql, " WHERE ");
	put_ident(&sql, t->row_column);
	buf_puts(&sql, " = $1");
	struct store_val key[] = {SV_INT(row)};
	if (store_exec(c, sql.data, key, STORE_NPARAMS(key), read_cb, &r) < 0)
		goto out;
	if (r.rows == 0) {
		rc = 0;
		goto out;
	}
	if (r.rows > 1) {
		log_error("record: %s holds more than one row %lld", table, (long long)row);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (r.cell[i].null)
			continue;
		const char *category =
			cols[i]->category ? cols[i]->category : r.category[catpos[i]];
		if (broker_read(g, category, table, columns[i], row, r.cell[i].p, r.cell[i].n,
				&out[i].p, &out[i].n) != 0) {
			record_texts_release(out, n);
			goto out;
		}
	}
	rc = 1;
out:
	for (size_t i = 0; i < n; i++)
		free(r.cell[i].p);
	buf_release(&sql);
	return rc;
}

struct id_list {
	int64_t *ids;
	size_t n, max;
};

static int ids_cb(void *ctx, const struct store_row *row)
{
	struct id_list *l = ctx;
	if (l->n >= l->max)
		return 1;
	l->ids[l->n++] = row->cols[0].i;
	return 0;
}

int record_find(struct store_conn *c, const char *table, const char *column, const char *value,
		int64_t *rows, size_t max)
{
	const struct record_table *t = record_table_of(table);
	const struct record_column *col = record_column_of(table, column);
	unsigned char idx[CRYPTO_INDEX_BYTES];
	if (!t || !t->row_column || !is_sealed(col) || !col->index_column) {
		log_error("record: %s.%s has no blind index", table, column);
		return -1;
	}
	if (index_of(col, value, strlen(value), idx) != 0)
		return 0; /* longer than any value of the column: none */
	struct buf sql;
	buf_init(&sql, 0);
	buf_puts(&sql, "SELECT ");
	put_ident(&sql, t->row_column);
	buf_puts(&sql, " FROM ");
	put_ident(&sql, table);
	buf_puts(&sql, " WHERE ");
	put_ident(&sql, col->index_column);
	buf_puts(&sql, " = $1");
	struct id_list l = {rows, 0, max};
	struct store_val key[] = {SV_BLOB(idx, sizeof(idx))};
	int rc = store_exec(c, sql.data, key, STORE_NPARAMS(key), ids_cb, &l);
	buf_release(&sql);
	return rc < 0 ? -1 : (int)l.n;
}

int64_t record_subject_of(struct store_conn *c, const char *table, int64_t row)
{
	const struct record_table *t = record_table_of(table);
	if (!t || !t->row_column || !t->subject_column)
		return -1;
	struct buf sql;
	buf_init(&sql, 0);
	buf_puts(&sql, "SELECT ");
	put_ident(&sql, t->subject_column);
	buf_puts(&sql, " FROM ");
	put_ident(&sql, table);
	buf_puts(&sql, " WHERE ");
	put_ident(&sql, t->row_column);
	buf_puts(&sql, " = $1");
	int64_t subject = 0;
	struct id_list l = {&subject, 0, 1};
	struct store_val key[] = {SV_INT(row)};
	int rc = store_exec(c, sql.data, key, STORE_NPARAMS(key), ids_cb, &l);
	buf_release(&sql);
	return rc < 0 ? -1 : subject;
}

/* ---- erasure ---- */

static const char SQL_OWNED[] = "SELECT id FROM subjects WHERE owner_id = $1";

/* The tables this thread's erasures deleted rows from since its last
 * record_scrub_erased(), by index in record_tables (all of them when there
 * are more tables than bits: then the scrub covers every table). */
static _Thread_local uint64_t erased_tables;
#define ERASED_BITS 64

static void mark_erased(size_t table)
{
	erased_tables |= table < ERASED_BITS ? UINT64_C(1) << table : UINT64_MAX;
}

static int erase(struct store_conn *c, int64_t subject, int depth)
{
	if (depth > RECORD_MAX_OWNER_DEPTH)
		return -1;
	int64_t *owned = xmalloc(RECORD_MAX_OWNED * sizeof(*owned));
	struct id_list l = {owned, 0, RECORD_MAX_OWNED};
	struct store_val who[] = {SV_INT(subject)};
	int rc = store_exec(c, SQL_OWNED, who, STORE_NPARAMS(who), ids_cb, &l) < 0 ? -1 : 0;
	for (size_t i = 0; rc == 0 && i < l.n; i++)
		rc = erase(c, owned[i], depth + 1);
	free(owned);
	for (size_t i = 0; rc == 0 && i < record_tables_count; i++) {
		const struct record_table *t = &record_tables[i];
		if (!t->subject_column || t->kept_on_erasure)
			continue;
		struct buf sql;
		buf_init(&sql, 0);
		buf_puts(&sql, "DELETE FROM ");
		put_ident(&sql, t->table);
		buf_puts(&sql, " WHERE ");
		put_ident(&sql, t->subject_column);
		buf_puts(&sql, " = $1");
		int deleted = store_exec(c, sql.data, who, STORE_NPARAMS(who), NULL, NULL);
		if (deleted < 0)
			rc = -1;
		else if (deleted > 0)
			mark_erased(i);
		buf_release(&sql);
	}
	return rc;
}

int record_erase_subject(struct store_conn *c, int64_t subject)
{
	/* An owned subject erased more than once is a loop: give up the step. */
	if (store_in_transaction(c) == false) {
		log_error("record: an erasure runs inside the caller's transaction");
		return -1;
	}
	return erase(c, subject, 0);
}

/* Scrubs the subject tables whose bit is set in which. */
static int scrub(uint64_t which)
{
	const char *tables[RECORD_MAX_COLUMNS + 1];
	size_t n = 0;
	for (size_t i = 0; i < record_tables_count && n < RECORD_MAX_COLUMNS; i++)
		if (record_tables[i].subject_column && !record_tables[i].kept_on_erasure &&
		    (i >= ERASED_BITS || (which & (UINT64_C(1) << i))))
			tables[n++] = record_tables[i].table;
	tables[n] = NULL;
	if (store_scrub(app.store, tables) != 0) {
		log_error("record: the files could not be scrubbed after an erasure");
		return -1;
	}
	return 0;
}

int record_scrub(void)
{
	erased_tables = 0;
	return scrub(UINT64_MAX);
}

int record_scrub_erased(void)
{
	uint64_t which = erased_tables;
	erased_tables = 0;
	return scrub(which);
}

/* ---- export ---- */

/* The subject and every subject it owns, depth first. */
static void subjects_of(struct store_conn *c, int64_t subject, int depth, struct id_list *out)
{
	if (depth > RECORD_MAX_OWNER_DEPTH || out->n >= out->max)
		return;
	out->ids[out->n++] = subject;
	int64_t owned[RECORD_MAX_OWNED];
	struct id_list l = {owned, 0, RECORD_MAX_OWNED};
	struct store_val who[] = {SV_INT(subject)};
	if (store_exec(c, SQL_OWNED, who, STORE_NPARAMS(who), ids_cb, &l) < 0)
		return;
	for (size_t i = 0; i < l.n; i++)
		subjects_of(c, owned[i], depth + 1, out);
}

struct export_ctx {
	const struct record_table *t;
	const struct record_column *cols[RECORD_MAX_COLUMNS];
	size_t n, ncats;
	size_t catpos[RECORD_MAX_COLUMNS];
	const struct broker_grant *g;
	json_t *by_category; /* category -> [items] */
	bool failed;
};

static json_t *purposes_of(int category)
{
	const struct policy *p = app.policy;
	json_t *list = json_array();
	for (size_t i = 0; category >= 0 && i < p->npurposes; i++)
		if (policy_purpose_covers(&p->purposes[i], category))
			json_array_append_new(list, json_string(p->purposes[i].id));
	return list;
}

static int export_cb(void *ctx, const struct store_row *row)
{
	struct export_ctx *x = ctx;
	int64_t id = row->cols[0].i;
	for (size_t i = 0; i < x->n; i++) {
		const struct store_val *v = &row->cols[1 + i];
		if (v->type != STORE_BLOB)
			continue;
		const char *category = x->cols[i]->category;
		if (!category) {
			const struct store_val *cv = &row->cols[1 + x->n + x->catpos[i]];
			category = cv->type == STORE_TEXT ? cv->p : "";
		}
		char *plain;
		size_t len;
		if (broker_read(x->g, category, x->t->table, x->cols[i]->column, id, v->p, v->n,
				&plain, &len) != 0) {
			x->failed = true;
			continue;
		}
		int cat = policy_category_index(app.policy, category);
		json_t *value = x->cols[i]->withheld ? json_null() : json_stringn(plain, len);
		broker_plain_free(plain, len);
		json_t *item = json_pack(
			"{s:s,s:s,s:o,s:o,s:s,s:s,s:I}", "category", category, "label",
			cat >= 0 ? app.policy->categories[cat].label : category, "purposes",
			purposes_of(cat), "value", value ? value : json_null(), "record",
			x->t->table, "field", x->cols[i]->column, "row", (json_int_t)id);
		if (x->cols[i]->withheld)
			json_object_set_new(item, "withheld", json_true());
		json_t *list = json_object_get(x->by_category, category);
		if (!list) {
			list = json_array();
			json_object_set_new(x->by_category, category, list);
		}
		json_array_append_new(list, item);
	}
	return 0;
}

/* Every sealed value of one table for one subject into x->by_category. */
static int export_table(struct store_conn *c, const struct record_table *t, int64_t subject,
			const struct broker_grant *g, json_t *by_category)
{
	struct export_ctx x = {.t = t, .g = g, .by_category = by_category};
	for (size_t i = 0; i < record_columns_count && x.n < RECORD_MAX_COLUMNS / 2; i++)
		if (strcmp(record_columns[i].table, t->table) == 0 && is_sealed(&record_columns[i]))
			x.cols[x.n++] = &record_columns[i];
	if (x.n == 0 || !t->row_column || !t->subject_column)
		return 0;
	struct buf sql;
	buf_init(&sql, 0);
	buf_puts(&sql, "SELECT ");
	put_ident(&sql, t->row_column);
	for (size_t i = 0; i < x.n; i++) {
		buf_puts(&sql, ", ");
		put_ident(&sql, x.cols[i]->column);
	}
	for (size_t i = 0; i < x.n; i++) {
		if (x.cols[i]->category)
			continue;
		x.catpos[i] = x.ncats++;
		buf_puts(&sql, ", ");
		put_ident(&sql, x.cols[i]->category_column);
	}
	buf_puts(&sql, " FROM ");
	put_ident(&sql, t->table);
	buf_puts(&sql, " WHERE ");
	put_ident(&sql, t->subject_column);
	buf_puts(&sql, " = $1 ORDER BY ");
	put_ident(&sql, t->row_column);
	struct store_val who[] = {SV_INT(subject)};
	int rc = store_exec(c, sql.data, who, STORE_NPARAMS(who), export_cb, &x);
	buf_release(&sql);
	if (x.failed)
		log_warn("record: a value of %s did not open for its subject's export", t->table);
	return rc < 0 ? -1 : 0;
}

json_t *record_export(struct store_conn *c, int64_t subject)
{
	int64_t ids[RECORD_MAX_OWNED];
	struct id_list subjects = {ids, 0, RECORD_MAX_OWNED};
	subjects_of(c, subject, 0, &subjects);
	json_t *by_category = json_object();
	int rc = 0;
	for (size_t s = 0; rc == 0 && s < subjects.n; s++) {
		struct broker_grant *g = NULL;
		if (broker_open_access(c, ids[s], &g) != 0)
			continue; /* erased since, or keyless: nothing of it opens */
		for (size_t i = 0; rc == 0 && i < record_tables_count; i++)
			rc = export_table(c, &record_tables[i], ids[s], g, by_category);
		broker_grant_free(g);
	}
	if (rc != 0) {
		json_decref(by_category);
		return NULL;
	}
	/* In the profile's order of categories, then any other (staff's own). */
	json_t *items = json_array();
	const struct policy *p = app.policy;
	for (size_t i = 0; i < p->ncategories; i++) {
		json_t *list = json_object_get(by_category, p->categories[i].id);
		if (list)
			json_array_extend(items, list);
		json_object_del(by_category, p->categories[i].id);
	}
	const char *key;
	json_t *rest;
	json_object_foreach (by_category, key, rest)
		json_array_extend(items, rest);
	json_decref(by_category);
	return items;
}

/* ---- the declaration, for people and tests ---- */

static const char *const hold_names[] = {
	[HOLD_SEALED] = "sealed", [HOLD_INDEX] = "index",     [HOLD_TOKEN] = "token_hash",
	[HOLD_KEY] = "key",	  [HOLD_CHAIN] = "chain",     [HOLD_BUCKET] = "bucket",
	[HOLD_SALT] = "salt",	  [HOLD_VISITOR] = "visitor",
};
static const char *const expiry_names[] = {
	[EXPIRE_NEVER] = "with_subject",
	[EXPIRE_AT_COLUMN] = "at_column",
	[EXPIRE_BY_PROFILE] = "by_profile",
};
static const char *const purge_names[] = {[PURGE_ROW] = "row", [PURGE_SUBJECT] = "subject"};

json_t *record_declaration(void)
{
	json_t *tables = json_array(), *columns = json_array();
	for (size_t i = 0; i < record_tables_count; i++) {
		const struct record_table *t = &record_tables[i];
		const struct record_retention *r = &t->retention;
		json_t *ret = json_pack("{s:s}", "expiry", expiry_names[r->expiry]);
		if (r->expiry != EXPIRE_NEVER)
			json_object_set_new(ret, "purge", json_string(purge_names[r->purge]));
		if (r->expires_column)
			json_object_set_new(ret, "expires_column", json_string(r->expires_column));
		if (r->collection)
			json_object_set_new(ret, "collection", json_string(r->collection));
		if (r->category)
			json_object_set_new(ret, "category", json_string(r->category));
		json_array_append_new(tables,
				      json_pack("{s:s,s:s?,s:s?,s:b,s:o}", "table", t->table,
						"subject_column", t->subject_column, "row_column",
						t->row_column, "kept_on_erasure",
						t->kept_on_erasure, "retention", ret));
	}
	for (size_t i = 0; i < record_columns_count; i++) {
		const struct record_column *col = &record_columns[i];
		json_array_append_new(
			columns, json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:s?,s:s?}", "table", col->table,
					   "column", col->column, "hold", hold_names[col->hold],
					   "category", col->category, "category_column",
					   col->category_column, "index_column", col->index_column,
					   "index_domain", col->index_domain));
		if (col->withheld)
			json_object_set_new(json_array_get(columns, json_array_size(columns) - 1),
					    "withheld", json_true());
	}
	return json_pack("{s:o,s:o}", "tables", tables, "columns", columns);
}

/* ---- restoring a backup ---- */

static const char SQL_KEYLESS[] = "SELECT s.id FROM subjects s WHERE NOT EXISTS "
				  "(SELECT 1 FROM subject_keys k WHERE k.subject_id = s.id)";
#define RESTORE_BATCH 500

int record_keys_restore(struct store *live, struct store *into, int64_t *copied, int64_t *removed)
{
	*copied = broker_keys_restore(live, into);
	*removed = 0;
	if (*copied < 0)
		return -1;
	struct store_conn *c = store_acquire(into);
	int rc = 0;
	progress_begin("keys restore", "erased subjects removed", 0);
	for (;;) {
		int64_t ids[RESTORE_BATCH];
		struct id_list l = {ids, 0, RESTORE_BATCH};
		if (store_exec(c, SQL_KEYLESS, NULL, 0, ids_cb, &l) < 0) {
			rc = -1;
			break;
		}
		if (l.n == 0)
			break;
		rc = store_begin(c);
		for (size_t i = 0; rc == 0 && i < l.n; i++)
			rc = erase(c, ids[i], 0);
		if (rc == 0)
			rc = store_commit(c);
		if (rc != 0) {
			store_rollback(c);
			break;
		}
		*removed += (int64_t)l.n;
		progress_add((int64_t)l.n);
	}
	progress_end();
	store_release(c);
	return rc;
}
