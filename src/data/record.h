/*
 * record: personal data declared once.
 *
 * records.c declares every table that holds a data subject's rows and
 * every column of those tables that holds more than a plain value: each
 * sealed column with its category (or the column naming its category),
 * its blind index if it has one, and each column of token hashes, keys and
 * chains; and for each table the column naming its data subject, the
 * column bound into each sealed value (the row), and how the retention
 * pass finds expired rows. Only the record layer (this module and the
 * broker under it) reads, writes, indexes or deletes a sealed column:
 * feature code asks for a subject's values under a purpose, through a
 * broker grant, and gets plain values; it never names a sealed column or
 * an index in SQL and never computes a blind index (tools/check-broker.sh
 * fails the tests if it does).
 *
 * From the declaration, without a line of any feature's own:
 *   - erasure (ALL02): record_erase_subject() removes every declared row of
 *     a subject and of the subjects it owns, then destroys the data keys;
 *     record_scrub() then leaves no byte of them in the database's files;
 *   - export (ALL01): record_export() opens every declared value of a
 *     subject (and of the subjects it owns), each with its category, the
 *     purposes that category serves and where it is kept;
 *   - retention: retention.c purges the rows whose declared rule, read
 *     with the profile, says their time has passed;
 *   - the schema test: `glovebox records` prints the declaration, and the
 *     tests compare it with the live schema on both engines.
 */
#ifndef GLOVEBOX_RECORD_H
#define GLOVEBOX_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store.h"

struct broker_grant;

/* What a declared column holds. Every BYTEA column of the schema is one of these. */
enum record_hold {
	HOLD_SEALED,  /* a personal value, sealed under its subject's data key */
	HOLD_INDEX,   /* the blind index of a sealed column (keyed hash of its normal form) */
	HOLD_TOKEN,   /* the keyed hash of a random secret: a session, a device, a link */
	HOLD_KEY,     /* a data key sealed under the master key */
	HOLD_CHAIN,   /* the access log's chain of MACs (audit.h) */
	HOLD_BUCKET,  /* a rate-limit counter's keyed name */
	HOLD_SALT,    /* the day's salt of visitor keys, deleted when the day ends */
	HOLD_VISITOR, /* a visitor's key for one day: a keyed hash under that day's salt */
};

/* How a value is put in normal form before its blind index is taken. */
enum record_normal {
	NORMAL_EXACT, /* as it is (a VIN, already checked and upper-cased) */
	NORMAL_EMAIL, /* lower-cased, without white space */
};

struct record_column {
	const char *table;
	const char *column;
	enum record_hold hold;
	/* HOLD_SEALED: the profile category (or staff category) it holds, or NULL
	 * when the category differs by row and category_column names it. */
	const char *category;
	const char *category_column;
	/* HOLD_SEALED with an index: the index column and its domain (two
	 * columns sharing a domain can be compared: a new address and the
	 * addresses in use). */
	const char *index_column;
	const char *index_domain;
	enum record_normal normal;
	/* The value is a one-time secret meant for someone else's eyes (a
	 * confirmation link in a message waiting to be sent to an address the
	 * member has not yet proved is theirs): the export lists it, without
	 * the value, so that showing it cannot defeat the confirmation. */
	bool withheld;
};

/* How the retention pass decides that a row's time has passed. */
enum record_expiry {
	EXPIRE_NEVER,	   /* kept while its subject is (an account, a car) */
	EXPIRE_AT_COLUMN,  /* the row says when: expires_column <= now */
	EXPIRE_BY_PROFILE, /* the profile's retention for (collection's purpose, category) */
};

/* What purging an expired row means. */
enum record_purge {
	PURGE_ROW,     /* delete the row */
	PURGE_SUBJECT, /* erase the row's subject: the row, its other rows, its key */
};

struct record_retention {
	enum record_expiry expiry;
	enum record_purge purge;
	const char *expires_column; /* EXPIRE_AT_COLUMN */
	const char *collection; /* EXPIRE_BY_PROFILE: the collection point whose purpose rules */
	const char *category;	/* ... and the category whose retention decides */
	const char *created_column; /* ... counted from collection */
	const char *done_column;    /* ... or from completion (answered, delivered) */
};

struct record_table {
	const char *table;
	/* The column naming the data subject the row belongs to; NULL for a
	 * table that is nobody's (counters, the log chain's head). */
	const char *subject_column;
	/* The column whose value is bound into every sealed value of the row
	 * (with table and column), so a ciphertext moved elsewhere does not
	 * open; NULL when the table holds nothing sealed. */
	const char *row_column;
	/* Erasure leaves the rows (the access log: what staff did stays, with
	 * the subject's number only). */
	bool kept_on_erasure;
	struct record_retention retention;
};

/* The declaration (records.c): tables in the order erasure deletes from
 * them (rows that refer to others first), and the columns. */
extern const struct record_table record_tables[];
extern const size_t record_tables_count;
extern const struct record_column record_columns[];
extern const size_t record_columns_count;

const struct record_table *record_table_of(const char *table);
const struct record_column *record_column_of(const char *table, const char *column);

/* ---- values ---- */

/* One column's value for record_insert and record_update. A sealed column
 * takes text (SV_TEXT, SV_TEXTN; SV_NULL leaves it empty); any other column
 * takes what the store takes. The row and subject columns are filled in
 * by the record layer and must not be given. */
struct record_field {
	const char *column;
	struct store_val value;
};

/* One opened value: NULL when the column is empty. Release with
 * record_texts_release(), which wipes them. */
struct record_text {
	char *p;
	size_t n;
};
void record_texts_release(struct record_text *t, size_t n);

/*
 * Inserts one row of table for the grant's subject, inside the caller's
 * transaction: the row column gets `row`, the subject column the grant's
 * subject, each sealed column its value sealed for its declared category
 * (which the grant must cover) with its blind index beside it, and every
 * other field as given. Returns what store_exec returns (STORE_CONFLICT
 * for a unique index: an address in use), or STORE_ERROR when the grant
 * does not cover a category.
 */
int record_insert(struct store_conn *c, const struct broker_grant *g, const char *table,
		  int64_t row, const struct record_field *fields, size_t n);

/* Sets the given columns of the row (sealed ones sealed, their indexes
 * with them). The number of rows changed (0 or 1), or a negative STORE_* code. */
int record_update(struct store_conn *c, const struct broker_grant *g, const char *table,
		  int64_t row, const struct record_field *fields, size_t n);

/*
 * Opens the named sealed columns of the row whose row column is `row`
 * (the grant's subject's): out[i] for columns[i]. 1 when the row exists,
 * 0 when it does not, -1 when the store failed or a value did not open
 * (a category outside the grant, an erased key).
 */
int record_read(struct store_conn *c, const struct broker_grant *g, const char *table, int64_t row,
		const char *const *columns, size_t n, struct record_text *out);

/*
 * Finds rows by a sealed column's value through its blind index: the row
 * column of each (at most max) into rows. The count, or -1. The value is
 * put in the column's normal form first.
 */
int record_find(struct store_conn *c, const char *table, const char *column, const char *value,
		int64_t *rows, size_t max);

/* The data subject of a row (its subject column), 0 when there is no such
 * row, -1 when the store failed. */
int64_t record_subject_of(struct store_conn *c, const char *table, int64_t row);

/* ---- erasure, export ---- */

/*
 * ALL02: inside the caller's transaction, removes every declared row of
 * subject, and of every subject it owns (recursively), and destroys their
 * data keys. The access log keeps its entries (numbers and purposes only).
 * After the commit, call record_scrub_erased().
 */
int record_erase_subject(struct store_conn *c, int64_t subject);

/* After personal rows were deleted or overwritten and committed: leaves no
 * byte of them in the database's files (see store_scrub), over every subject
 * table. 0, or -1 (logged). */
int record_scrub(void);

/* record_scrub after this thread's record_erase_subject calls, over only the
 * tables they deleted rows from (PostgreSQL vacuums a table per name, which
 * costs its size: an erasure should not pay for every table). Call it on
 * the thread that erased, after the commit. */
int record_scrub_erased(void);

/*
 * ALL01: every declared value of subject and of the subjects it owns, each
 * {"category", "label", "purposes": [...], "value", "record", "field", "row"},
 * grouped by category in the profile's order (a withheld value has
 * "withheld": true and no value). NULL if the store failed.
 */
json_t *record_export(struct store_conn *c, int64_t subject);

/* The declaration as JSON, for `glovebox records` and the schema test. */
json_t *record_declaration(void);

/*
 * After a backup is restored into `into` (backups hold no data keys):
 * copies from `live` the keys of subjects still live there, then removes
 * from `into` every row of the subjects left without a key (erased since
 * the backup), so that nothing of them can be used. The number of keys
 * copied into *copied and subjects removed into *removed; 0 or -1.
 */
int record_keys_restore(struct store *live, struct store *into, int64_t *copied, int64_t *removed);

#endif
