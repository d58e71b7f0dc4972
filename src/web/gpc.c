/*
 * gpc: the browser's privacy signal on every signed-in request (see gpc.h).
 */
#include "gpc.h"

#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "log.h"
#include "mem.h"
#include "session.h"
#include "store.h"
#include "token.h"

static const char SQL_SESSION_SIGNAL[] =
	"UPDATE sessions SET privacy_signal_at = $2 WHERE token_hash = $1";

/* The headers that say no, in the order they are asked: the ledger names
 * the first one sent. */
static const struct {
	const char *header, *via;
} signals[] = {
	{"Sec-GPC", "gpc"},
	{"DNT", "dnt"},
};

/* The kinds of purpose the signal switches off: handing data to group
 * affiliates for their offers (INS06), and third-party advertising (INS11). */
static const enum purpose_kind signal_kinds[] = {PK_AFFILIATE_OFFERS, PK_ADVERTISING};

const char *gpc_signal(const struct req *r)
{
	for (size_t i = 0; i < ARRAY_LEN(signals); i++) {
		const char *v = req_header(r, signals[i].header);
		if (v && strcmp(v, "1") == 0)
			return signals[i].via;
	}
	return NULL;
}

bool gpc_purpose(const struct policy_purpose *pu)
{
	bool kind = false;
	for (size_t i = 0; i < ARRAY_LEN(signal_kinds); i++)
		kind |= pu->kind == signal_kinds[i];
	if (!kind || (pu->basis != BASIS_OPT_IN && pu->basis != BASIS_OPT_OUT))
		return false;
	int member_kind = policy_subject_index(app.policy, "member");
	for (size_t k = 0; k < pu->nsubjects; k++)
		if (pu->subjects[k] == member_kind)
			return true;
	return false;
}

int gpc_apply(struct store_conn *c, int64_t member, const char *via, int *switched)
{
	const struct policy *p = app.policy;
	int n = 0;
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		if (!gpc_purpose(pu))
			continue;
		enum consent_state st = broker_consent_get(c, member, pu->id);
		bool on = pu->basis == BASIS_OPT_IN ? st == CONSENT_ON : st != CONSENT_OFF;
		if (!on)
			continue;
		if (broker_consent_set(c, member, pu->id, false, via) != 0)
			return -1;
		n++;
	}
	if (switched)
		*switched = n;
	return 0;
}

/* Applies the signal for the member of the session whose token hashes to
 * hash, and marks the session, in one transaction. */
static void apply_for_session(const unsigned char hash[TOKEN_HASH_BYTES], int64_t member,
			      const char *via)
{
	struct store_val mark[] = {SV_BLOB(hash, TOKEN_HASH_BYTES), SV_INT(time(NULL))};
	struct store_conn *c = store_acquire(app.store);
	int switched = 0;
	bool ok = store_begin(c) == 0 && gpc_apply(c, member, via, &switched) == 0 &&
		  store_exec(c, SQL_SESSION_SIGNAL, mark, STORE_NPARAMS(mark), NULL, NULL) >= 0 &&
		  store_commit(c) == 0;
	if (!ok)
		store_rollback(c);
	store_release(c);
	if (!ok)
		log_error("gpc: the privacy signal could not be applied; the next request tries "
			  "again");
	else if (switched)
		log_info("gpc: a privacy signal (%s) switched %d choice(s) off", via, switched);
}

void gpc_request(struct req *r, struct session *s)
{
	unsigned char hash[TOKEN_HASH_BYTES];
	if (s->kind != SESSION_MEMBER || s->signal_applied)
		return;
	const char *via = gpc_signal(r);
	if (!via || !session_request_hash(r, SESSION_MEMBER, hash))
		return;
	apply_for_session(hash, s->account, via);
	s->signal_applied = true;
}

void gpc_request_anyone(struct req *r)
{
	unsigned char hash[TOKEN_HASH_BYTES];
	if (!gpc_signal(r) || !session_request_hash(r, SESSION_MEMBER, hash))
		return;
	struct session s;
	if (session_of_request(r, SESSION_MEMBER, &s))
		gpc_request(r, &s);
}
