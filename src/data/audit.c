/*
 * audit: the access log's keyed chain (see audit.h): appending an entry,
 * walking the chain to verify it (against the heads a log recorded too),
 * re-keying a chain made before the audit key existed, and the head lines
 * of the log. The only file that computes an entry's MAC.
 */
#include "audit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "buf.h"
#include "log.h"
#include "mem.h"
#include "store.h"
#include "text.h"
#include "ticker.h"

/* Entries read per statement while walking: a long log is never held in
 * memory whole, and re-keying updates one batch at a time. */
#define AUDIT_BATCH 500
/* Walks again when appends committed while the chain was walked, at most
 * this many times (or until a walk finds nothing new) before the head is
 * judged as it stands. */
#define AUDIT_CATCH_UP 8
/* What precedes a head line's number, and its MAC in hex. */
#define HEAD_MARK     "access log head seq="
#define HEAD_MAC_MARK " mac="
#define MAC_HEX	      (2 * AUDIT_MAC_BYTES)

/* Locked, so that transactions appending at once (in several processes
 * too) take turns on the head. */
static const char SQL_HEAD_LOCK[] =
	"SELECT seq, mac, version FROM access_log_head WHERE id = 1 FOR UPDATE";
static const char SQL_HEAD_READ[] = "SELECT seq, mac, version FROM access_log_head WHERE id = 1";
static const char SQL_HEAD_INIT[] = "INSERT INTO access_log_head (id, seq, mac, version) "
				    "VALUES (1, 0, $1, $2) ON CONFLICT (id) DO NOTHING";
static const char SQL_HEAD_SET[] =
	"UPDATE access_log_head SET seq = $1, mac = $2, version = $3 WHERE id = 1";
static const char SQL_LOG_ANY[] = "SELECT COUNT(*) FROM (SELECT 1 FROM access_log LIMIT 1) a";
static const char SQL_LOG_INSERT[] = "INSERT INTO access_log (seq, at, actor_kind, actor_id, role, "
				     "recipient, subject_id, purpose, categories, action, "
				     "prev_mac, mac) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
				     "$10, $11, $12)";
static const char SQL_LOG_BATCH[] =
	"SELECT seq, at, actor_kind, actor_id, role, recipient, subject_id, purpose, categories, "
	"action, prev_mac, mac FROM access_log WHERE seq > $1 ORDER BY seq LIMIT $2";
static const char SQL_LOG_REKEY[] = "UPDATE access_log SET prev_mac = $1, mac = $2 WHERE seq = $3";

/* The columns of SQL_LOG_BATCH. */
enum {
	COL_SEQ,
	COL_AT,
	COL_KIND,
	COL_ACTOR,
	COL_ROLE,
	COL_RECIPIENT,
	COL_SUBJECT,
	COL_PURPOSE,
	COL_CATEGORIES,
	COL_ACTION,
	COL_PREV,
	COL_MAC
};

static const unsigned char no_mac[AUDIT_MAC_BYTES];

/* ---- what an entry's MAC covers ---- */

struct text {
	const char *p;
	size_t n;
};

struct fields {
	int64_t seq, at, actor_id, subject;
	struct text kind, role, recipient, purpose, categories, action;
};

static struct text text_of(const char *s)
{
	return (struct text){s, strlen(s)};
}

static void put_int(struct buf *b, int64_t v)
{
	unsigned char x[8];
	uint64_t u = (uint64_t)v;
	for (int i = 7; i >= 0; i--, u >>= 8)
		x[i] = (unsigned char)(u & 0xff);
	buf_append(b, x, sizeof(x));
}

static void put_text(struct buf *b, struct text t)
{
	put_int(b, (int64_t)t.n);
	buf_append(b, t.p, t.n);
}

/* The MAC under the audit key: every field with its length, in a fixed
 * order, then the previous entry's MAC, so that no two entries' bytes are
 * alike and none can be moved. */
static void entry_mac(const struct fields *f, const unsigned char prev[AUDIT_MAC_BYTES],
		      unsigned char out[AUDIT_MAC_BYTES])
{
	struct buf b;
	buf_init(&b, 0);
	buf_puts(&b, "glovebox access log entry\n");
	put_int(&b, f->seq);
	put_int(&b, f->at);
	put_text(&b, f->kind);
	put_int(&b, f->actor_id);
	put_text(&b, f->role);
	put_text(&b, f->recipient);
	put_int(&b, f->subject);
	put_text(&b, f->purpose);
	put_text(&b, f->categories);
	put_text(&b, f->action);
	buf_append(&b, prev, AUDIT_MAC_BYTES);
	crypto_audit_mac(app.keys, b.data, b.len, out);
	buf_release(&b);
}

/* The hash of a chain made before issue 11 (AUDIT_CHAIN_OLD), read only to
 * check such a chain before it is re-keyed: a keyed hash under the token
 * key of the fields joined by '|' and the previous hash. */
static void entry_old_hash(const struct fields *f, const unsigned char prev[AUDIT_MAC_BYTES],
			   unsigned char out[AUDIT_MAC_BYTES])
{
	struct buf b;
	buf_init(&b, 0);
	buf_puts(&b, "glovebox-access-log\n");
	buf_printf(&b, "%lld|%lld|%s|%lld|%s|%s|%lld|%s|%s|%s|", (long long)f->seq,
		   (long long)f->at, f->kind.p, (long long)f->actor_id, f->role.p, f->recipient.p,
		   (long long)f->subject, f->purpose.p, f->categories.p, f->action.p);
	buf_append(&b, prev, AUDIT_MAC_BYTES);
	crypto_token_hash(app.keys, b.data, b.len, out);
	buf_release(&b);
}

static struct text col_text(const struct store_row *row, size_t i)
{
	if (row->cols[i].type != STORE_TEXT)
		return (struct text){"", 0};
	return (struct text){row->cols[i].p, row->cols[i].n};
}

static int64_t col_int(const struct store_row *row, size_t i)
{
	return row->cols[i].type == STORE_INT ? row->cols[i].i : 0;
}

/* The row's MAC column (or prev_mac), or NULL when it is not one. */
static const unsigned char *col_mac(const struct store_row *row, size_t i)
{
	if (row->cols[i].type != STORE_BLOB || row->cols[i].n != AUDIT_MAC_BYTES)
		return NULL;
	return row->cols[i].p;
}

static void fields_of_row(const struct store_row *row, struct fields *f)
{
	*f = (struct fields){
		.seq = col_int(row, COL_SEQ),
		.at = col_int(row, COL_AT),
		.actor_id = col_int(row, COL_ACTOR),
		.subject = col_int(row, COL_SUBJECT),
		.kind = col_text(row, COL_KIND),
		.role = col_text(row, COL_ROLE),
		.recipient = col_text(row, COL_RECIPIENT),
		.purpose = col_text(row, COL_PURPOSE),
		.categories = col_text(row, COL_CATEGORIES),
		.action = col_text(row, COL_ACTION),
	};
}

/* ---- the head ---- */

struct head_row {
	bool found;
	int64_t version;
	struct audit_head head;
};

static int head_cb(void *ctx, const struct store_row *row)
{
	struct head_row *h = ctx;
	const unsigned char *mac = col_mac(row, 1);
	h->found = true;
	h->head.seq = col_int(row, 0);
	memcpy(h->head.mac, mac ? mac : no_mac, AUDIT_MAC_BYTES);
	h->version = col_int(row, 2);
	return 0;
}

static int int_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = col_int(row, 0);
	return 0;
}

static int head_read(struct store_conn *c, const char *sql, struct head_row *h)
{
	*h = (struct head_row){0};
	return store_exec(c, sql, NULL, 0, head_cb, h) < 0 ? -1 : 0;
}

static void head_log(const struct audit_head *h)
{
	char hex[MAC_HEX + 1];
	crypto_hex(h->mac, AUDIT_MAC_BYTES, hex);
	log_info(HEAD_MARK "%lld" HEAD_MAC_MARK "%s", (long long)h->seq, hex);
}

/* After the commit of a transaction that moved the head. */
static void head_committed(const void *note)
{
	head_log(note);
}

_Static_assert(sizeof(struct audit_head) <= STORE_NOTE_MAX, "a head fits a store note");

/* The head, locked for this transaction; made (empty, keyed) when the log
 * has no entry and no head yet. */
static int head_lock(struct store_conn *c, struct head_row *h)
{
	if (head_read(c, SQL_HEAD_LOCK, h) != 0)
		return -1;
	if (h->found)
		return 0;
	int64_t any = 0;
	struct store_val init[] = {SV_BLOB(no_mac, AUDIT_MAC_BYTES), SV_INT(AUDIT_CHAIN_KEYED)};
	if (store_exec(c, SQL_LOG_ANY, NULL, 0, int_cb, &any) < 0)
		return -1;
	if (any) /* entries without a head: broken, and nothing is added to it */
		return 0;
	if (store_exec(c, SQL_HEAD_INIT, init, STORE_NPARAMS(init), NULL, NULL) < 0)
		return -1;
	return head_read(c, SQL_HEAD_LOCK, h);
}

static int head_set(struct store_conn *c, const struct audit_head *h)
{
	struct store_val v[] = {SV_INT(h->seq), SV_BLOB(h->mac, AUDIT_MAC_BYTES),
				SV_INT(AUDIT_CHAIN_KEYED)};
	if (store_exec(c, SQL_HEAD_SET, v, STORE_NPARAMS(v), NULL, NULL) != 1)
		return -1;
	if (store_after_commit(c, head_committed, h, sizeof(*h)) != 0)
		log_warn("the access log's head is not written to the log at this commit");
	return 0;
}

/* ---- appending ---- */

int audit_append(struct store_conn *c, const struct audit_entry *e)
{
	bool own_tx = !store_in_transaction(c);
	if (own_tx && store_begin(c) != 0)
		return -1;
	int rc = -1;
	struct head_row h;
	if (head_lock(c, &h) != 0)
		goto out;
	if (!h.found) {
		log_error("the access log has entries but no head: nothing is appended to it "
			  "(glovebox audit verify)");
		goto out;
	}
	if (h.version != AUDIT_CHAIN_KEYED) {
		log_error("the access log is not re-keyed yet: nothing is appended to it "
			  "(glovebox audit rekey)");
		goto out;
	}
	struct fields f = {
		.seq = h.head.seq + 1,
		.at = (int64_t)time(NULL),
		.actor_id = e->actor_id,
		.subject = e->subject,
		.kind = text_of(e->actor_kind),
		.role = text_of(e->role),
		.recipient = text_of(e->recipient),
		.purpose = text_of(e->purpose),
		.categories = text_of(e->categories),
		.action = text_of(e->action),
	};
	struct audit_head next = {f.seq, {0}};
	entry_mac(&f, h.head.mac, next.mac);
	struct store_val row[] = {SV_INT(f.seq),
				  SV_INT(f.at),
				  SV_TEXT(e->actor_kind),
				  SV_INT(e->actor_id),
				  SV_TEXT(e->role),
				  SV_TEXT(e->recipient),
				  SV_INT(e->subject),
				  SV_TEXT(e->purpose),
				  SV_TEXT(e->categories),
				  SV_TEXT(e->action),
				  SV_BLOB(h.head.mac, AUDIT_MAC_BYTES),
				  SV_BLOB(next.mac, AUDIT_MAC_BYTES)};
	if (store_exec(c, SQL_LOG_INSERT, row, STORE_NPARAMS(row), NULL, NULL) != 1 ||
	    head_set(c, &next) != 0)
		goto out;
	rc = 0;
out:
	if (own_tx) {
		if (rc == 0)
			rc = store_commit(c);
		else
			store_rollback(c);
	}
	return rc;
}

/* ---- walking the chain ---- */

/* A re-keyed entry, written back once its batch has been read. */
struct rekeyed {
	int64_t seq;
	unsigned char prev[AUDIT_MAC_BYTES], mac[AUDIT_MAC_BYTES];
};

struct walk {
	int64_t chain; /* AUDIT_CHAIN_KEYED or AUDIT_CHAIN_OLD */
	int64_t next;  /* the entry number expected next */
	unsigned char prev[AUDIT_MAC_BYTES];
	bool go_on;	  /* past a break (re-keying a broken chain) */
	size_t rows;	  /* rows of this batch */
	int64_t last_seq; /* the last row read */
	const struct audit_log_heads *heads;
	size_t next_head; /* the first log head not yet passed */
	struct audit_report *r;
	/* re-keying: the new MAC chain, and this batch's entries */
	unsigned char new_prev[AUDIT_MAC_BYTES];
	struct rekeyed *batch;
	size_t nbatch;
};

static int walk_break(struct walk *w, enum audit_break why, int64_t seq)
{
	if (w->r->why == AUDIT_INTACT) {
		w->r->why = why;
		w->r->bad_seq = seq;
	}
	return w->go_on ? 0 : 1;
}

/* Log heads up to entry seq whose MAC differs from the chain's. */
static int walk_log_heads(struct walk *w, int64_t seq, const unsigned char *mac)
{
	const struct audit_log_heads *hs = w->heads;
	for (; hs && w->next_head < hs->n && hs->v[w->next_head].head.seq <= seq; w->next_head++) {
		const struct audit_log_head *lh = &hs->v[w->next_head];
		w->r->log_heads++;
		if (lh->head.seq == seq && crypto_equal(lh->head.mac, mac, AUDIT_MAC_BYTES))
			continue;
		w->r->log_head = lh;
		return walk_break(w, AUDIT_LOG_DIFFERS, lh->head.seq ? lh->head.seq : 1);
	}
	return 0;
}

static int walk_cb(void *ctx, const struct store_row *row)
{
	struct walk *w = ctx;
	struct fields f;
	unsigned char want[AUDIT_MAC_BYTES];
	fields_of_row(row, &f);
	w->rows++;
	w->last_seq = f.seq;
	if (f.seq != w->next && walk_break(w, AUDIT_MISSING, w->next))
		return 1;
	const unsigned char *prev = col_mac(row, COL_PREV), *mac = col_mac(row, COL_MAC);
	if (w->chain == AUDIT_CHAIN_KEYED)
		entry_mac(&f, w->prev, want);
	else
		entry_old_hash(&f, w->prev, want);
	if (!prev || !crypto_equal(prev, w->prev, AUDIT_MAC_BYTES)) {
		if (walk_break(w, AUDIT_BAD_LINK, f.seq))
			return 1;
	} else if (!mac || !crypto_equal(mac, want, AUDIT_MAC_BYTES)) {
		if (walk_break(w, AUDIT_BAD_MAC, f.seq))
			return 1;
	}
	memcpy(w->prev, mac ? mac : no_mac, AUDIT_MAC_BYTES);
	if (walk_log_heads(w, f.seq, w->prev))
		return 1;
	if (w->batch) {
		struct rekeyed *k = &w->batch[w->nbatch++];
		k->seq = f.seq;
		memcpy(k->prev, w->new_prev, AUDIT_MAC_BYTES);
		entry_mac(&f, w->new_prev, k->mac);
		memcpy(w->new_prev, k->mac, AUDIT_MAC_BYTES);
	}
	w->r->entries++;
	w->next = f.seq + 1;
	return 0;
}

/* Walks the entries after w->last_seq to the end, or to the first break
 * when not going on. 0, or -1 on a store error. */
static int walk_on(struct store_conn *c, struct walk *w)
{
	do {
		struct store_val p[] = {SV_INT(w->last_seq), SV_INT(AUDIT_BATCH)};
		w->rows = 0;
		w->nbatch = 0;
		if (store_exec(c, SQL_LOG_BATCH, p, STORE_NPARAMS(p), walk_cb, w) < 0)
			return -1;
		for (size_t i = 0; i < w->nbatch; i++) {
			struct rekeyed *k = &w->batch[i];
			struct store_val v[] = {SV_BLOB(k->prev, AUDIT_MAC_BYTES),
						SV_BLOB(k->mac, AUDIT_MAC_BYTES), SV_INT(k->seq)};
			if (store_exec(c, SQL_LOG_REKEY, v, STORE_NPARAMS(v), NULL, NULL) != 1)
				return -1;
		}
		if (w->r->why != AUDIT_INTACT && !w->go_on)
			return 0;
	} while (w->rows == AUDIT_BATCH);
	return 0;
}

/* After the walk: the chain must end at the head, and reach every head a
 * log recorded. */
static void walk_end(struct walk *w, const struct head_row *h)
{
	struct audit_report *r = w->r;
	int64_t last = w->next - 1;
	r->has_head = h->found;
	r->head = h->head;
	if (r->why != AUDIT_INTACT)
		return;
	if (!h->found) {
		if (last > 0)
			walk_break(w, AUDIT_NO_HEAD, last);
	} else if (h->head.seq > last) {
		walk_break(w, AUDIT_MISSING, last + 1);
	} else if (h->head.seq < last) {
		walk_break(w, AUDIT_PAST_HEAD, h->head.seq + 1);
	} else if (!crypto_equal(h->head.mac, w->prev, AUDIT_MAC_BYTES)) {
		walk_break(w, AUDIT_HEAD_MAC, last ? last : 1);
	}
	if (r->why != AUDIT_INTACT || !w->heads || w->next_head >= w->heads->n)
		return;
	/* The furthest head the log recorded says how much is gone. */
	r->log_head = &w->heads->v[w->heads->n - 1];
	r->log_heads += w->heads->n - w->next_head;
	walk_break(w, AUDIT_LOG_UNREACHED, last + 1);
}

int audit_verify(struct store_conn *c, const struct audit_log_heads *heads, struct audit_report *r)
{
	struct walk w = {.chain = AUDIT_CHAIN_KEYED, .next = 1, .heads = heads, .r = r};
	struct head_row h;
	*r = (struct audit_report){0};
	if (head_read(c, SQL_HEAD_READ, &h) != 0)
		return -1;
	if (h.found && h.version == AUDIT_CHAIN_OLD) {
		/* Not re-keyed yet (the next start does it): checked as it is. */
		w.chain = AUDIT_CHAIN_OLD;
		r->old_chain = true;
	} else if (h.found && h.version != AUDIT_CHAIN_KEYED) {
		r->has_head = true;
		r->head = h.head;
		walk_break(&w, AUDIT_UNKNOWN_CHAIN, 1);
		return 1;
	}
	/* Heads of the log at entry 0 are the chain before its first entry. */
	if (walk_log_heads(&w, 0, no_mac))
		return 1;
	/* Without a transaction each statement sees what was committed when it
	 * ran: entries appended while the chain is walked move the head past
	 * where the walk ended, and the walk goes on to meet it. The head is
	 * read after the entries, so it is never behind them unless moved back. */
	for (int round = 0; round < AUDIT_CATCH_UP; round++) {
		int64_t from = w.next;
		if (walk_on(c, &w) != 0 || head_read(c, SQL_HEAD_READ, &h) != 0)
			return -1;
		if (r->why != AUDIT_INTACT || !h.found || h.head.seq < w.next ||
		    (round > 0 && w.next == from))
			break;
	}
	walk_end(&w, &h);
	return r->why == AUDIT_INTACT ? 0 : 1;
}

int audit_upgrade(struct store_conn *c, bool accept_broken, struct audit_report *r,
		  int64_t *rekeyed)
{
	struct head_row h;
	struct walk w = {.chain = AUDIT_CHAIN_OLD, .next = 1, .go_on = accept_broken, .r = r};
	*r = (struct audit_report){0};
	*rekeyed = 0;
	if (store_begin(c) != 0)
		return -1;
	int rc = -1;
	/* Locked: other processes starting at once wait, then find it done. */
	if (head_read(c, SQL_HEAD_LOCK, &h) != 0)
		goto out;
	if (!h.found || h.version == AUDIT_CHAIN_KEYED) {
		rc = 0; /* nothing to re-key (entries without a head are audit_verify's) */
		goto out;
	}
	w.batch = xcalloc(AUDIT_BATCH, sizeof(*w.batch));
	if (walk_on(c, &w) != 0)
		goto out;
	walk_end(&w, &h);
	if (r->why != AUDIT_INTACT && !accept_broken) {
		rc = 1;
		goto out;
	}
	struct audit_head head = {w.last_seq, {0}};
	memcpy(head.mac, w.new_prev, AUDIT_MAC_BYTES);
	if (head_set(c, &head) != 0 || store_commit(c) != 0)
		goto out;
	*rekeyed = r->entries;
	if (r->why != AUDIT_INTACT) {
		char why[256];
		audit_break_describe(r, NULL, why, sizeof(why));
		log_warn("access log re-keyed over a break at entry %lld (%s): the entries before "
			 "the key of its own were taken as they stood",
			 (long long)r->bad_seq, why);
	}
	log_info("access log re-keyed: %lld entries under the audit key", (long long)r->entries);
	rc = 0;
out:
	if (store_in_transaction(c))
		store_rollback(c);
	free(w.batch);
	return rc;
}

void audit_break_describe(const struct audit_report *r, const char *log, char *out, size_t n)
{
	const struct audit_log_head *lh = r->log_head;
	long long head = (long long)r->head.seq;
	switch (r->why) {
	case AUDIT_INTACT:
		snprintf(out, n, "intact");
		break;
	case AUDIT_MISSING:
		if (r->has_head && r->head.seq >= r->bad_seq)
			snprintf(out, n, "it is missing (the head is at entry %lld)", head);
		else
			snprintf(out, n, "it is missing");
		break;
	case AUDIT_BAD_LINK:
		snprintf(out, n, "it does not follow the entry before it");
		break;
	case AUDIT_BAD_MAC:
		snprintf(out, n,
			 "its MAC does not match its fields (changed, or not written by "
			 "glovebox)");
		break;
	case AUDIT_PAST_HEAD:
		snprintf(out, n, "it lies past the head (entry %lld): the head was moved back",
			 head);
		break;
	case AUDIT_HEAD_MAC:
		snprintf(out, n, "the head names it with another MAC");
		break;
	case AUDIT_NO_HEAD:
		snprintf(out, n, "the chain's head is missing");
		break;
	case AUDIT_UNKNOWN_CHAIN:
		snprintf(out, n, "the head names a chain this glovebox does not know how to check");
		break;
	case AUDIT_LOG_DIFFERS:
		snprintf(out, n, "%s line %zu recorded the head at entry %lld with another MAC",
			 log ? log : "the log", lh ? lh->line : 0,
			 lh ? (long long)lh->head.seq : 0);
		break;
	case AUDIT_LOG_UNREACHED:
		snprintf(out, n, "it is missing: %s line %zu recorded the head at entry %lld",
			 log ? log : "the log", lh ? lh->line : 0,
			 lh ? (long long)lh->head.seq : 0);
		break;
	}
}

/* ---- the heads in a log ---- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* One head line: HEAD_MARK digits HEAD_MAC_MARK 64 hex digits, then the
 * end of the line. */
static bool head_parse(const char *line, struct audit_head *h)
{
	const char *p = strstr(line, HEAD_MARK);
	if (!p)
		return false;
	p += LITERAL_LEN(HEAD_MARK);
	int64_t seq = 0;
	int digits = 0;
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		if (digits == 18) /* no chain is that long; a longer number is no head */
			return false;
		seq = seq * 10 + (*p - '0');
	}
	if (!digits || strncmp(p, HEAD_MAC_MARK, LITERAL_LEN(HEAD_MAC_MARK)) != 0)
		return false;
	p += LITERAL_LEN(HEAD_MAC_MARK);
	for (size_t i = 0; i < AUDIT_MAC_BYTES; i++) {
		int hi = hex_digit(p[2 * i]), lo = hi < 0 ? -1 : hex_digit(p[2 * i + 1]);
		if (lo < 0)
			return false;
		h->mac[i] = (unsigned char)(hi << 4 | lo);
	}
	p += MAC_HEX;
	if (*p == '\r')
		p++;
	if (*p != '\n' && *p != '\0')
		return false;
	h->seq = seq;
	return true;
}

static int log_head_cmp(const void *a, const void *b)
{
	const struct audit_log_head *x = a, *y = b;
	if (x->head.seq != y->head.seq)
		return x->head.seq < y->head.seq ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

int audit_log_heads_read(const char *path, struct audit_log_heads *out)
{
	FILE *f = fopen(path, "r");
	*out = (struct audit_log_heads){0};
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0, have = 0, lineno = 0;
	struct audit_head h;
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		if (!head_parse(line, &h))
			continue;
		if (out->n == have) {
			have = have ? 2 * have : 64;
			out->v = xrealloc(out->v, have * sizeof(*out->v));
		}
		out->v[out->n++] = (struct audit_log_head){h, lineno};
	}
	int err = ferror(f) ? EIO : 0;
	free(line);
	fclose(f);
	if (err) {
		audit_log_heads_release(out);
		errno = err;
		return -1;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), log_head_cmp);
	return 0;
}

void audit_log_heads_release(struct audit_log_heads *h)
{
	free(h->v);
	*h = (struct audit_log_heads){0};
}

/* ---- the server's timer ---- */

static struct ticker *heads_ticker;

static void heads_tick(void *arg)
{
	struct head_row h;
	struct store_conn *c = store_acquire(app.store);
	if (head_read(c, SQL_HEAD_READ, &h) == 0 && h.found)
		head_log(&h.head);
	store_release(c);
}

int audit_heads_start(void)
{
	heads_ticker = ticker_start(AUDIT_HEAD_INTERVAL_MS, true, heads_tick, NULL);
	return heads_ticker ? 0 : -1;
}

void audit_heads_stop(void)
{
	ticker_stop(heads_ticker);
	heads_ticker = NULL;
}
