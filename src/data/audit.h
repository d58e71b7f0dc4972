/*
 * audit: the access log (NAM11), a chain under a key of its own.
 *
 * The broker appends an entry for every use of a subject's data by staff
 * or for a partner. Each entry's MAC, under the audit sub-key of the master
 * key (crypto_audit_mac), covers its fields and the previous entry's MAC;
 * access_log_head holds the last entry's number and MAC. Without the master
 * key no entry and no head can be made, so what a copy of the database
 * still allows is taking entries away and moving the head back to an
 * earlier entry. audit_verify finds the first when the head is left where
 * it was; for the second the head is also written to the log, after every
 * transaction that appended and every AUDIT_HEAD_INTERVAL_MS while the
 * server runs, and audit_verify checks the chain against the heads a log
 * recorded: a head the chain no longer reaches is a truncation.
 *
 * A head line reads "access log head seq=N mac=HEX": a number and a MAC,
 * never a personal value (ALL04).
 */
#ifndef GLOVEBOX_AUDIT_H
#define GLOVEBOX_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

#define AUDIT_MAC_BYTES CRYPTO_MAC_BYTES
/* How often the server writes the head to the log when nothing is appended. */
#define AUDIT_HEAD_INTERVAL_MS (60u * 1000)
/* The chain's construction (access_log_head.version): 1 hashed each entry
 * under the token key (before issue 11); 2 is the MAC under the audit key. */
#define AUDIT_CHAIN_OLD	  1
#define AUDIT_CHAIN_KEYED 2

struct store_conn;

/* One access, as the broker states it; no text is NULL ("" for none). */
struct audit_entry {
	const char *actor_kind;
	int64_t actor_id;
	const char *role, *recipient;
	int64_t subject;
	const char *purpose, *categories, *action;
};

/* Appends e inside the caller's transaction (or one of its own when none
 * is open); the new head is written to the log once that commits. -1 when
 * it cannot, and the access must then be refused: a chain not re-keyed
 * yet (audit_upgrade) takes no entry. */
int audit_append(struct store_conn *c, const struct audit_entry *e);

/* A head: the last entry's number and MAC (0 and all zero: no entry). */
struct audit_head {
	int64_t seq;
	unsigned char mac[AUDIT_MAC_BYTES];
};

/* The heads a log recorded, by entry number, each with its line. */
struct audit_log_head {
	struct audit_head head;
	size_t line;
};
struct audit_log_heads {
	struct audit_log_head *v;
	size_t n;
};
/* Reads the head lines of the log file at path (other lines are passed
 * over; a prefix before a line, such as journald's, is allowed). -1 with
 * errno set if the file cannot be read. */
int audit_log_heads_read(const char *path, struct audit_log_heads *out);
void audit_log_heads_release(struct audit_log_heads *h);

enum audit_break {
	AUDIT_INTACT,
	AUDIT_MISSING,	     /* the entry is not there */
	AUDIT_BAD_LINK,	     /* it does not follow the entry before it */
	AUDIT_BAD_MAC,	     /* its MAC is not its fields' under the key */
	AUDIT_PAST_HEAD,     /* it lies past the head: the head was moved back */
	AUDIT_HEAD_MAC,	     /* the head names it with another MAC */
	AUDIT_NO_HEAD,	     /* the chain has entries but no head */
	AUDIT_UNKNOWN_CHAIN, /* the head's version is none this code knows */
	AUDIT_LOG_DIFFERS,   /* a log recorded another MAC for it */
	AUDIT_LOG_UNREACHED, /* a log recorded a head the chain no longer reaches */
};

struct audit_report {
	bool old_chain;		/* still under the old hash (AUDIT_CHAIN_OLD) */
	int64_t entries;	/* entries walked (up to the break) */
	bool has_head;		/* access_log_head has its row */
	struct audit_head head; /* and this is it */
	enum audit_break why;
	int64_t bad_seq;		       /* the first broken entry */
	const struct audit_log_head *log_head; /* AUDIT_LOG_*: the log's line */
	size_t log_heads;		       /* heads of the log checked */
};

/*
 * Walks the chain from entry 1 and checks that it ends at the head (number
 * and MAC) and, when heads is not NULL, that it holds every head the log
 * recorded with the MAC recorded. 0 intact, 1 broken (r says the first
 * broken entry and why), -1 when the store cannot be read. A chain not yet
 * re-keyed is checked under the old hash (r->old_chain).
 */
int audit_verify(struct store_conn *c, const struct audit_log_heads *heads, struct audit_report *r);
/* What a break means, for a person ("it is missing (the head is at entry
 * 9)"); log names the log file of a log head. */
void audit_break_describe(const struct audit_report *r, const char *log, char *out, size_t n);

/*
 * Re-keys a chain made before issue 11 (AUDIT_CHAIN_OLD), in one
 * transaction: its entries are checked under the old hash, up to the head,
 * and only an intact chain gets its MACs under the audit key. A broken one
 * is left as it is (1, r says where), for re-keying it would make the
 * break pass; accept_broken re-keys it as it stands and logs the break.
 * 0 when the chain is keyed (now, *rekeyed entries, or before, 0), 1, or
 * -1 on a store error. Several processes may call it at once.
 */
int audit_upgrade(struct store_conn *c, bool accept_broken, struct audit_report *r,
		  int64_t *rekeyed);

/* The server's timer: the head to the log every AUDIT_HEAD_INTERVAL_MS,
 * first at once. */
int audit_heads_start(void);
void audit_heads_stop(void);

#endif
