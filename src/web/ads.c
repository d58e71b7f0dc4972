/*
 * ads: third-party advertising tags on pages, only where the profile
 * declares them and the visitor has not said no (see ads.h).
 */
#include "ads.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "broker.h"
#include "buf.h"
#include "gpc.h"
#include "log.h"
#include "mem.h"
#include "policy.h"
#include "session.h"
#include "store.h"

#define ADS_COOKIE     "gb_ads_off"
#define ADS_COOKIE_TLS "__Host-gb_ads_off"
/* The longest Set-Cookie value this file writes, attributes included. */
#define ADS_COOKIE_MAX 160
/* The CSP's sources for the tags of one response: origins are checked
 * https origins (policy_load.c), a few per profile. */
#define ADS_SOURCES_MAX 1024

bool ads_declared(void)
{
	return app.policy && app.policy->nad_tags > 0;
}

static const char *cookie_name(void)
{
	return app.cfg.behind_tls ? ADS_COOKIE_TLS : ADS_COOKIE;
}

const char *ads_refusal(const struct req *r)
{
	if (req_cookie(r, cookie_name()))
		return "choice";
	return gpc_signal(r);
}

void ads_cookie_set(struct req *r, bool off)
{
	char cookie[ADS_COOKIE_MAX];
	const struct policy_cookie *ck = policy_cookie_find(app.policy, ADS_COOKIE);
	int64_t seconds = off ? (ck ? ck->seconds : 0) : 0;
	if (off && seconds > 0)
		snprintf(cookie, sizeof(cookie),
			 "%s=1; Path=/; HttpOnly; SameSite=Lax; Max-Age=%lld%s", cookie_name(),
			 (long long)seconds, app.cfg.behind_tls ? "; Secure" : "");
	else if (off)
		snprintf(cookie, sizeof(cookie), "%s=1; Path=/; HttpOnly; SameSite=Lax%s",
			 cookie_name(), app.cfg.behind_tls ? "; Secure" : "");
	else
		snprintf(cookie, sizeof(cookie), "%s=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0%s",
			 cookie_name(), app.cfg.behind_tls ? "; Secure" : "");
	resp_header(r, "Set-Cookie", cookie);
}

/* A member's own choice counts for the advertising purposes that concern
 * members (a purpose for visitors only has no account to ask). */
static bool member_purpose(const struct policy_purpose *pu)
{
	int member_kind = policy_subject_index(app.policy, "member");
	if (pu->kind != PK_ADVERTISING || member_kind < 0)
		return false;
	for (size_t k = 0; k < pu->nsubjects; k++)
		if (pu->subjects[k] == member_kind)
			return true;
	return false;
}

int ads_member_choice(struct store_conn *c, int64_t member, bool on, const char *via)
{
	const struct policy *p = app.policy;
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		if (!member_purpose(pu))
			continue;
		enum consent_state st = broker_consent_get(c, member, pu->id);
		if (st == (on ? CONSENT_ON : CONSENT_OFF))
			continue;
		if (broker_consent_set(c, member, pu->id, on, via) != 0)
			return -1;
	}
	return 0;
}

/* Whether a visitor without an account may get a tag of purpose pu: an
 * opt-in purpose needs a yes no anonymous visitor has given. */
static bool visitor_allows(const struct policy_purpose *pu)
{
	return pu->basis == BASIS_OPT_OUT || pu->basis == BASIS_NOTICE;
}

/* The signed-in member's choice for pu, read on c. */
static bool member_allows(struct store_conn *c, int64_t member, const struct policy_purpose *pu)
{
	if (!member_purpose(pu))
		return visitor_allows(pu);
	enum consent_state st = broker_consent_get(c, member, pu->id);
	return pu->basis == BASIS_OPT_IN ? st == CONSENT_ON : st != CONSENT_OFF;
}

/* A page on which a tag may run: one the route table marks (shown to
 * anyone, taking and showing no personal data: a third-party script reads
 * the whole page), answered 200 to a GET. */
static bool page_allows(const struct req *r, int status)
{
	const struct route *rt = r->route;
	return status == 200 && r->method == HTTP_GET && rt && (rt->flags & ROUTE_AD_TAGS) &&
	       rt->access == ACCESS_ANYONE;
}

/* Whether origin is one of the space-separated sources already listed. */
static bool origin_listed(const char *sources, const char *origin)
{
	size_t n = strlen(origin);
	for (const char *at = sources; (at = strstr(at, origin)) != NULL; at += n)
		if (at > sources && at[-1] == ' ' && (at[n] == ' ' || at[n] == '\0'))
			return true;
	return false;
}

void ads_page(struct req *r, int status, json_t *data)
{
	const struct policy *p = app.policy;
	if (!ads_declared() || !page_allows(r, status) || ads_refusal(r))
		return;
	struct session s;
	bool member = session_of_request(r, SESSION_MEMBER, &s);
	struct store_conn *c = member ? store_acquire(app.store) : NULL;
	json_t *tags = json_array();
	char sources[ADS_SOURCES_MAX] = "";
	size_t used = 0;
	for (size_t i = 0; i < p->nad_tags; i++) {
		const struct policy_ad_tag *t = &p->ad_tags[i];
		const struct policy_purpose *pu = &p->purposes[t->purpose];
		if (!(member ? member_allows(c, s.account, pu) : visitor_allows(pu)))
			continue;
		if (!origin_listed(sources, t->origin)) {
			size_t n = strlen(t->origin);
			if (used + n + 2 > sizeof(sources)) {
				log_error("ads: the tags' origins do not fit the CSP; tag %s left "
					  "out",
					  t->id);
				continue;
			}
			used += (size_t)snprintf(sources + used, sizeof(sources) - used, " %s",
						 t->origin);
		}
		json_array_append_new(tags,
				      json_pack("{s:s,s:s}", "name", t->name, "script", t->script));
	}
	if (c)
		store_release(c);
	if (json_array_size(tags) > 0) {
		r->csp_sources = arena_strdup(r->arena, sources + 1);
		json_object_set_new(data, "ad_tags", tags);
	} else {
		json_decref(tags);
	}
}
