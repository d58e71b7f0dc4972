/*
 * policy: the profile model's lookups, the names of its closed lists, the
 * broker's decision table, and comparing two versions (see policy.h). Pure
 * functions; loading and checking live in policy_load.c, which calls into
 * this file and never the other way round.
 */
#include "policy.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"

static void strs_free(char **s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ncategories; i++) {
		free(p->categories[i].id);
		free(p->categories[i].label);
		free(p->categories[i].description);
	}
	for (size_t i = 0; i < p->nsubjects; i++) {
		free(p->subjects[i].id);
		free(p->subjects[i].description);
	}
	/* Purposes etc. may hold a partly filled entry past the count when
	 * loading stopped on an error: free one past the end too. */
	for (size_t i = 0; p->purposes && i <= p->npurposes; i++) {
		struct policy_purpose *pu = &p->purposes[i];
		free(pu->id);
		free(pu->label);
		free(pu->description);
		free(pu->subjects);
		free(pu->categories);
		free(pu->retention);
		strs_free(pu->topics, pu->ntopics);
	}
	for (size_t i = 0; p->recipients && i <= p->nrecipients; i++) {
		struct policy_recipient *r = &p->recipients[i];
		free(r->id);
		free(r->name);
		free(r->description);
		free(r->contract);
		free(r->policy_url);
		free(r->purposes);
		free(r->fields);
	}
	for (size_t i = 0; p->collections && i <= p->ncollections; i++) {
		free(p->collections[i].id);
		free(p->collections[i].label);
		free(p->collections[i].fields);
	}
	for (size_t i = 0; p->roles && i <= p->nroles; i++) {
		free(p->roles[i].id);
		free(p->roles[i].description);
		free(p->roles[i].purposes);
	}
	for (size_t i = 0; p->cookies && i <= p->ncookies; i++) {
		free(p->cookies[i].name);
		free(p->cookies[i].holds);
	}
	free(p->cookies);
	for (size_t i = 0; p->ad_tags && i <= p->nad_tags; i++) {
		free(p->ad_tags[i].id);
		free(p->ad_tags[i].name);
		free(p->ad_tags[i].origin);
		free(p->ad_tags[i].script);
		free(p->ad_tags[i].opt_out_url);
	}
	free(p->ad_tags);
	strs_free(p->scope.sites, p->scope.nsites);
	free(p->scope.statement);
	strs_free(p->security, p->nsecurity);
	free(p->categories);
	free(p->subjects);
	free(p->purposes);
	free(p->recipients);
	free(p->collections);
	free(p->roles);
	strs_free(p->settings.accepted_makes, p->settings.naccepted_makes);
	free(p->name);
	free(p->effective);
	free(p->site_name);
	free(p->site_url);
	free(p->summary);
	free(p->contact.email);
	free(p->contact.postal);
	free(p->contact.phone);
	free(p->source);
	free(p);
}

/* The names a profile writes for the closed lists; policy_load.c matches against them. */
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

/* The cookies the code sets (src/web/session.c, browser.c, gate.c, ads.c,
 * src/members/members_api.c, remember.c); tests/unit/test_policy_cookies.c
 * fails when a "gb_" cookie name in src/ is missing here. */
const struct policy_code_cookie policy_code_cookies[] = {
	{"gb_presession", COOKIE_ALWAYS},
	{"gb_staff", COOKIE_ALWAYS},
	{"gb_staff_browser", COOKIE_ALWAYS},
	{"gb_session", COOKIE_SIGNUP},
	{"gb_browser", COOKIE_SIGNUP},
	{"gb_age_screen", COOKIE_SIGNUP},
	{"gb_remember", COOKIE_REMEMBER},
	{"gb_ads_off", COOKIE_AD_TAGS},
	{"gb_cart", COOKIE_SHOP},
};
const size_t policy_ncode_cookies = sizeof(policy_code_cookies) / sizeof(policy_code_cookies[0]);

/* The ids src/members/members.c and src/garage/garage.c look for. */
static const char *const signup_points[] = {"member_registration", "insider_signup"};
static const char *const vehicle_identifiers[] = {"vin", "serial_numbers"};

static bool str_in(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

bool policy_is_signup_point(const char *id)
{
	return str_in(signup_points, sizeof(signup_points) / sizeof(signup_points[0]), id);
}

const struct policy_collection *policy_signup_point(const struct policy *p)
{
	for (size_t i = 0; i < ARRAY_LEN(signup_points); i++) {
		int ci = policy_collection_index(p, signup_points[i]);
		if (ci >= 0)
			return &p->collections[ci];
	}
	return NULL;
}

const char *policy_account_purpose(const struct policy *p)
{
	const struct policy_collection *cp = policy_signup_point(p);
	return cp && cp->purpose >= 0 ? p->purposes[cp->purpose].id : NULL;
}

bool policy_keeps_birth_date(const struct policy *p)
{
	const struct policy_collection *cp = policy_signup_point(p);
	int cat = policy_category_index(p, POLICY_AGE_CATEGORY);
	for (size_t i = 0; cat >= 0 && i < p->npurposes; i++)
		if ((!cp || (int)i != cp->purpose) && policy_purpose_covers(&p->purposes[i], cat))
			return true;
	return false;
}

bool policy_is_vehicle_identifier(const char *id)
{
	return str_in(vehicle_identifiers,
		      sizeof(vehicle_identifiers) / sizeof(vehicle_identifiers[0]), id);
}

bool policy_code_cookie_applies(const struct policy *p, const struct policy_code_cookie *c)
{
	switch (c->when) {
	case COOKIE_ALWAYS:
		return true;
	case COOKIE_SIGNUP:
		for (size_t i = 0; i < p->ncollections; i++)
			if (policy_is_signup_point(p->collections[i].id))
				return true;
		return false;
	case COOKIE_REMEMBER:
		return policy_category_purpose(p, POLICY_REMEMBER_CATEGORY) != NULL;
	case COOKIE_AD_TAGS:
		return p->nad_tags > 0;
	case COOKIE_SHOP:
		return policy_collection_index(p, POLICY_SHOP_POINT) >= 0;
	}
	return false;
}

const char *policy_purpose_kind_name(enum purpose_kind k)
{
	return (unsigned)k < PK_COUNT ? purpose_kinds[k] : "?";
}

const char *policy_basis_name(enum basis b)
{
	return (unsigned)b < BASIS_COUNT ? bases[b] : "?";
}

const char *policy_recipient_kind_name(enum recipient_kind k)
{
	return (unsigned)k < RK_COUNT ? recipient_kinds[k] : "?";
}

#define FIND(list, n, id)                                                                          \
	do {                                                                                       \
		for (size_t i_ = 0; id && i_ < (n); i_++)                                          \
			if ((list)[i_].id && strcmp((list)[i_].id, id) == 0)                       \
				return (int)i_;                                                    \
		return -1;                                                                         \
	} while (0)

int policy_category_index(const struct policy *p, const char *id)
{
	FIND(p->categories, p->ncategories, id);
}

int policy_purpose_index(const struct policy *p, const char *id)
{
	FIND(p->purposes, p->npurposes, id);
}

int policy_subject_index(const struct policy *p, const char *id)
{
	FIND(p->subjects, p->nsubjects, id);
}

int policy_recipient_index(const struct policy *p, const char *id)
{
	FIND(p->recipients, p->nrecipients, id);
}

int policy_role_index(const struct policy *p, const char *id)
{
	FIND(p->roles, p->nroles, id);
}

int policy_collection_index(const struct policy *p, const char *id)
{
	FIND(p->collections, p->ncollections, id);
}

static bool int_in(const int *list, size_t n, int v)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

bool policy_purpose_covers(const struct policy_purpose *pu, int category)
{
	return int_in(pu->categories, pu->ncategories, category);
}

const struct policy_retention *policy_retention_for(const struct policy_purpose *pu, int category)
{
	for (size_t i = 0; i < pu->nretention; i++)
		if (pu->retention[i].category == category)
			return &pu->retention[i];
	return NULL;
}

const char *policy_collection_purpose(const struct policy *p, const char *collection)
{
	int ci = policy_collection_index(p, collection);
	return ci < 0 ? NULL : p->purposes[p->collections[ci].purpose].id;
}

const char *policy_category_purpose(const struct policy *p, const char *category)
{
	int cat = policy_category_index(p, category);
	for (size_t i = 0; cat >= 0 && i < p->npurposes; i++)
		if (policy_purpose_covers(&p->purposes[i], cat))
			return p->purposes[i].id;
	return NULL;
}

bool policy_role_grants(const struct policy *p, const char *role, const char *purpose)
{
	int ri = policy_role_index(p, role), pi = policy_purpose_index(p, purpose);
	return ri >= 0 && pi >= 0 && int_in(p->roles[ri].purposes, p->roles[ri].npurposes, pi);
}

bool policy_role_grants_kind(const struct policy *p, const char *role, const char *kind)
{
	int ri = policy_role_index(p, role);
	for (size_t i = 0; ri >= 0 && i < p->roles[ri].npurposes; i++)
		if (strcmp(policy_purpose_kind_name(p->purposes[p->roles[ri].purposes[i]].kind),
			   kind) == 0)
			return true;
	return false;
}

/* ---- decisions ---- */

static const struct {
	const char *code, *message;
} reasons[DECISION_REASON_COUNT] = {
	[DECISION_ALLOWED] = {"allowed", "The use is allowed."},
	[DENY_UNKNOWN_PURPOSE] = {"unknown_purpose", "The profile declares no such purpose."},
	[DENY_UNKNOWN_CATEGORY] = {"unknown_category",
				   "The profile declares no such data category."},
	[DENY_CATEGORY_NOT_COVERED] = {"category_not_covered",
				       "That purpose does not use this kind of data."},
	[DENY_SUBJECT_NOT_COVERED] = {"subject_not_covered",
				      "That purpose does not apply to this person."},
	[DENY_ROLE_LACKS_PURPOSE] = {"role_lacks_purpose",
				     "Your staff role does not include that purpose."},
	[DENY_RECIPIENT_NOT_ALLOWED] =
		{"recipient_not_allowed",
		 "That recipient may not receive this data for that purpose."},
	[DENY_NO_CONSENT] = {"no_consent", "The member has not agreed to that use."},
	[DENY_OPTED_OUT] = {"opted_out", "The member has switched that use off."},
	[DENY_PENDING_NOTICE] =
		{"pending_notice",
		 "That use is new and its opt-out period has not passed for this member."},
	[DENY_IDENTIFIER_LOCK] = {"identifier_lock",
				  "Vehicle identifiers serve ownership verification only."},
};

const char *policy_reason_code(enum decision_reason r)
{
	return (unsigned)r < DECISION_REASON_COUNT ? reasons[r].code : "unknown";
}

const char *policy_reason_message(enum decision_reason r)
{
	return (unsigned)r < DECISION_REASON_COUNT ? reasons[r].message : "Refused.";
}

/*
 * The table, in order (docs/profiles.md, "A use of data is allowed only
 * when"): purpose and categories known; every category covered by the
 * purpose; the subject covered; the actor entitled (a member reading their
 * own data always is, NAM13); a pending new use refused until the member
 * opts in (NAM10); then the member's choice under the purpose's basis.
 * Vehicle identifiers (NAM06) get their own reason wherever they are refused,
 * whatever their position in the request.
 */
static bool any_identifier(const struct policy *p, const int *cats, size_t n, bool uncovered_only,
			   const struct policy_purpose *pu)
{
	for (size_t i = 0; i < n; i++)
		if (p->categories[cats[i]].identifier &&
		    (!uncovered_only || !policy_purpose_covers(pu, cats[i])))
			return true;
	return false;
}

enum decision_reason policy_decide(const struct policy *p, const struct decision_input *in)
{
	if (in->purpose < 0 || (size_t)in->purpose >= p->npurposes)
		return DENY_UNKNOWN_PURPOSE;
	const struct policy_purpose *pu = &p->purposes[in->purpose];
	for (size_t i = 0; i < in->ncategories; i++)
		if (in->categories[i] < 0 || (size_t)in->categories[i] >= p->ncategories)
			return DENY_UNKNOWN_CATEGORY;
	for (size_t i = 0; i < in->ncategories; i++)
		if (!policy_purpose_covers(pu, in->categories[i]))
			return any_identifier(p, in->categories, in->ncategories, true, pu)
				       ? DENY_IDENTIFIER_LOCK
				       : DENY_CATEGORY_NOT_COVERED;
	if (!int_in(pu->subjects, pu->nsubjects, in->subject))
		return DENY_SUBJECT_NOT_COVERED;
	switch (in->actor) {
	case ACTOR_SELF:
		return DECISION_ALLOWED;
	case ACTOR_SYSTEM:
		break;
	case ACTOR_STAFF:
		if (in->role < 0 || (size_t)in->role >= p->nroles ||
		    !int_in(p->roles[in->role].purposes, p->roles[in->role].npurposes, in->purpose))
			return DENY_ROLE_LACKS_PURPOSE;
		break;
	case ACTOR_RECIPIENT: {
		/* The loader refuses a profile that gives a recipient an
		 * identifier; this holds even for a hand-built policy. */
		if (any_identifier(p, in->categories, in->ncategories, false, pu))
			return DENY_IDENTIFIER_LOCK;
		if (in->recipient < 0 || (size_t)in->recipient >= p->nrecipients)
			return DENY_RECIPIENT_NOT_ALLOWED;
		const struct policy_recipient *r = &p->recipients[in->recipient];
		if (!int_in(r->purposes, r->npurposes, in->purpose))
			return DENY_RECIPIENT_NOT_ALLOWED;
		for (size_t i = 0; i < in->ncategories; i++)
			if (!int_in(r->fields, r->nfields, in->categories[i]))
				return DENY_RECIPIENT_NOT_ALLOWED;
		break;
	}
	default:
		/* An actor this table does not know is entitled to nothing. */
		return DENY_ROLE_LACKS_PURPOSE;
	}
	if (in->pending && in->consent != CONSENT_ON)
		return DENY_PENDING_NOTICE;
	switch (pu->basis) {
	case BASIS_OPT_IN:
		return in->consent == CONSENT_ON ? DECISION_ALLOWED : DENY_NO_CONSENT;
	case BASIS_OPT_OUT:
		return in->consent == CONSENT_OFF ? DENY_OPTED_OUT : DECISION_ALLOWED;
	case BASIS_REQUIRED:
	case BASIS_NOTICE:
	case BASIS_COUNT:
		break;
	}
	return DECISION_ALLOWED;
}

/* ---- revisions ---- */

struct lines {
	char **items;
	size_t n, cap;
};

#define LINE_MAX_BYTES 4096

static void add_line(struct lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_line(struct lines *l, const char *fmt, ...)
{
	struct buf b;
	buf_init(&b, LINE_MAX_BYTES);
	va_list ap;
	va_start(ap, fmt);
	if (buf_vprintf(&b, fmt, ap) != 0)
		buf_puts(&b, "(a change too long to show)");
	va_end(ap);
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->items = xrealloc(l->items, (l->cap + 1) * sizeof(char *));
	}
	l->items[l->n++] = buf_detach(&b, NULL);
	l->items[l->n] = NULL;
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

enum ref_kind { REF_CATEGORY, REF_PURPOSE };

static const char *ref_id(const struct policy *p, int idx, enum ref_kind k)
{
	return k == REF_PURPOSE ? p->purposes[idx].id : p->categories[idx].id;
}

/* "a, b, c" (or "none") in the profile's order, capped like a diff line. */
static void ids_of(const struct policy *p, const int *idx, size_t n, enum ref_kind k,
		   struct buf *out)
{
	buf_init(out, LINE_MAX_BYTES / 2);
	for (size_t i = 0; i < n; i++)
		if (buf_printf(out, "%s%s", i ? ", " : "", ref_id(p, idx[i], k)) != 0)
			break;
	if (n == 0)
		buf_puts(out, "none");
	buf_puts(out, ""); /* data is never NULL, even when nothing fitted */
}

/* The same set of ids, whatever the order (indexes differ between profiles). */
static bool same_refs(const struct policy *a, const int *ia, size_t na, const struct policy *b,
		      const int *ib, size_t nb, enum ref_kind k)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		const char *x = ref_id(a, ia[i], k);
		bool found = false;
		for (size_t j = 0; j < nb && !found; j++)
			found = strcmp(x, ref_id(b, ib[j], k)) == 0;
		if (!found)
			return false;
	}
	return true;
}

static bool same_retention(const struct policy *a, const struct policy_purpose *pa,
			   const struct policy *b, const struct policy_purpose *pb)
{
	if (pa->nretention != pb->nretention)
		return false;
	for (size_t i = 0; i < pa->nretention; i++) {
		const struct policy_retention *ra = &pa->retention[i];
		int cb = policy_category_index(b, a->categories[ra->category].id);
		const struct policy_retention *rb = cb < 0 ? NULL : policy_retention_for(pb, cb);
		if (!rb || rb->kind != ra->kind || rb->seconds != ra->seconds ||
		    rb->after_done != ra->after_done ||
		    rb->not_done_seconds != ra->not_done_seconds)
			return false;
	}
	return true;
}

static bool same_fields(const struct policy *a, const struct policy_collection *ca,
			const struct policy *b, const struct policy_collection *cb)
{
	if (ca->nfields != cb->nfields)
		return false;
	for (size_t i = 0; i < ca->nfields; i++) {
		const char *id = a->categories[ca->fields[i].category].id;
		bool found = false;
		for (size_t j = 0; j < cb->nfields && !found; j++)
			found = strcmp(id, b->categories[cb->fields[j].category].id) == 0 &&
				ca->fields[i].required == cb->fields[j].required;
		if (!found)
			return false;
	}
	return true;
}

/* The same kinds of person, by id. */
static bool same_subjects(const struct policy *a, const struct policy_purpose *pa,
			  const struct policy *b, const struct policy_purpose *pb)
{
	if (pa->nsubjects != pb->nsubjects)
		return false;
	for (size_t i = 0; i < pa->nsubjects; i++) {
		int sb = policy_subject_index(b, a->subjects[pa->subjects[i]].id);
		if (sb < 0 || !int_in(pb->subjects, pb->nsubjects, sb))
			return false;
	}
	return true;
}

static void diff_categories(const struct policy *o, const struct policy *n, struct lines *l)
{
	for (size_t i = 0; i < n->ncategories; i++) {
		const struct policy_category *cn = &n->categories[i];
		int oi = policy_category_index(o, cn->id);
		if (oi < 0)
			add_line(l, "New kind of data collected: %s.", cn->label);
		else if (cn->identifier != o->categories[oi].identifier)
			add_line(l,
				 cn->identifier
					 ? "%s is now treated as a vehicle identifier: "
					   "used only for ownership verification."
					 : "%s is no longer treated as a vehicle identifier.",
				 cn->label);
	}
	for (size_t i = 0; i < o->ncategories; i++)
		if (policy_category_index(n, o->categories[i].id) < 0)
			add_line(l, "No longer collected: %s.", o->categories[i].label);
}

static void diff_purposes(const struct policy *o, const struct policy *n, struct lines *l)
{
	for (size_t i = 0; i < n->npurposes; i++) {
		const struct policy_purpose *pn = &n->purposes[i];
		int oi = policy_purpose_index(o, pn->id);
		if (oi < 0) {
			add_line(l, "New purpose: %s (%s).", pn->label,
				 policy_basis_name(pn->basis));
			continue;
		}
		const struct policy_purpose *po = &o->purposes[oi];
		if (po->kind != pn->kind)
			add_line(l, "%s is now a use of kind %s (was %s).", pn->label,
				 policy_purpose_kind_name(pn->kind),
				 policy_purpose_kind_name(po->kind));
		if (po->basis != pn->basis)
			add_line(l, "%s: your choice changed from %s to %s.", pn->label,
				 policy_basis_name(po->basis), policy_basis_name(pn->basis));
		if (!same_refs(o, po->categories, po->ncategories, n, pn->categories,
			       pn->ncategories, REF_CATEGORY)) {
			struct buf b;
			ids_of(n, pn->categories, pn->ncategories, REF_CATEGORY, &b);
			add_line(l, "%s now uses: %s.", pn->label, b.data);
			buf_release(&b);
		}
		if (!same_subjects(o, po, n, pn)) {
			struct buf b;
			buf_init(&b, LINE_MAX_BYTES / 2);
			for (size_t k = 0; k < pn->nsubjects; k++)
				if (buf_printf(&b, "%s%s", k ? ", " : "",
					       n->subjects[pn->subjects[k]].id) != 0)
					break;
			buf_puts(&b, "");
			add_line(l, "%s now concerns: %s.", pn->label, b.data);
			buf_release(&b);
		}
		if (!same_retention(o, po, n, pn))
			add_line(l, "%s: how long data is kept changed.", pn->label);
		for (size_t k = 0; k < pn->ntopics; k++)
			if (!str_in((const char *const *)po->topics, po->ntopics, pn->topics[k]))
				add_line(l, "%s: mail may now be about %s.", pn->label,
					 pn->topics[k]);
	}
	for (size_t i = 0; i < o->npurposes; i++)
		if (policy_purpose_index(n, o->purposes[i].id) < 0)
			add_line(l, "Purpose withdrawn: %s.", o->purposes[i].label);
}

static void diff_recipients(const struct policy *o, const struct policy *n, struct lines *l)
{
	struct buf b;
	for (size_t i = 0; i < n->nrecipients; i++) {
		const struct policy_recipient *rn = &n->recipients[i];
		int oi = policy_recipient_index(o, rn->id);
		if (oi < 0) {
			add_line(l, "New recipient: %s (%s).", rn->name,
				 policy_recipient_kind_name(rn->kind));
			continue;
		}
		const struct policy_recipient *ro = &o->recipients[oi];
		if (ro->kind != rn->kind)
			add_line(l, "%s is now a recipient of kind %s (was %s).", rn->name,
				 policy_recipient_kind_name(rn->kind),
				 policy_recipient_kind_name(ro->kind));
		if (!same_refs(o, ro->fields, ro->nfields, n, rn->fields, rn->nfields,
			       REF_CATEGORY)) {
			ids_of(n, rn->fields, rn->nfields, REF_CATEGORY, &b);
			add_line(l, "%s now receives: %s.", rn->name, b.data);
			buf_release(&b);
		}
		if (!same_refs(o, ro->purposes, ro->npurposes, n, rn->purposes, rn->npurposes,
			       REF_PURPOSE)) {
			ids_of(n, rn->purposes, rn->npurposes, REF_PURPOSE, &b);
			add_line(l, "%s now receives data for: %s.", rn->name, b.data);
			buf_release(&b);
		}
	}
	for (size_t i = 0; i < o->nrecipients; i++)
		if (policy_recipient_index(n, o->recipients[i].id) < 0)
			add_line(l, "No longer a recipient: %s.", o->recipients[i].name);
}

static void diff_collections(const struct policy *o, const struct policy *n, struct lines *l)
{
	for (size_t i = 0; i < n->ncollections; i++) {
		const struct policy_collection *cn = &n->collections[i];
		int oi = policy_collection_index(o, cn->id);
		if (oi < 0) {
			add_line(l, "New form: %s.", cn->label);
			continue;
		}
		const struct policy_collection *co = &o->collections[oi];
		if (!str_eq(o->purposes[co->purpose].id, n->purposes[cn->purpose].id))
			add_line(l, "Form %s now collects for: %s.", cn->label,
				 n->purposes[cn->purpose].label);
		if (!same_fields(o, co, n, cn))
			add_line(l, "Form %s now asks for different information.", cn->label);
	}
	for (size_t i = 0; i < o->ncollections; i++)
		if (policy_collection_index(n, o->collections[i].id) < 0)
			add_line(l, "Form withdrawn: %s.", o->collections[i].label);
}

static void diff_roles(const struct policy *o, const struct policy *n, struct lines *l)
{
	for (size_t i = 0; i < n->nroles; i++) {
		const struct policy_role *rn = &n->roles[i];
		int oi = policy_role_index(o, rn->id);
		if (oi < 0) {
			add_line(l, "New staff role: %s.", rn->id);
		} else if (!same_refs(o, o->roles[oi].purposes, o->roles[oi].npurposes, n,
				      rn->purposes, rn->npurposes, REF_PURPOSE)) {
			struct buf b;
			ids_of(n, rn->purposes, rn->npurposes, REF_PURPOSE, &b);
			add_line(l, "Staff role %s now serves: %s.", rn->id, b.data);
			buf_release(&b);
		}
	}
	for (size_t i = 0; i < o->nroles; i++)
		if (policy_role_index(n, o->roles[i].id) < 0)
			add_line(l, "Staff role withdrawn: %s.", o->roles[i].id);
}

static bool same_makes(const struct policy_settings *a, const struct policy_settings *b)
{
	if (a->naccepted_makes != b->naccepted_makes)
		return false;
	for (size_t i = 0; i < a->naccepted_makes; i++)
		if (strcmp(a->accepted_makes[i], b->accepted_makes[i]) != 0)
			return false;
	return true;
}

static void diff_settings(const struct policy *o, const struct policy *n, struct lines *l)
{
	const struct policy_contact *co = &o->contact, *cn = &n->contact;
	if (!str_eq(co->email, cn->email) || !str_eq(co->postal, cn->postal) ||
	    !str_eq(co->phone, cn->phone))
		add_line(l, "Our contact details changed.");
	const struct policy_settings *so = &o->settings, *sn = &n->settings;
	if (so->minimum_age != sn->minimum_age)
		add_line(l, "Minimum age changed from %d to %d.", so->minimum_age, sn->minimum_age);
	if (so->aggregate_min_group != sn->aggregate_min_group)
		add_line(l, "Published figures now cover groups of at least %d people.",
			 sn->aggregate_min_group);
	if (so->opt_out_window_days != sn->opt_out_window_days)
		add_line(l, "The time to opt out of a new use changed to %d days.",
			 sn->opt_out_window_days);
	if (so->reauth_minutes != sn->reauth_minutes)
		add_line(l, "We ask for your password again after %d minutes.", sn->reauth_minutes);
	if (so->vin_strict != sn->vin_strict)
		add_line(l, "Vehicle identification numbers are now checked %s.",
			 sn->vin_strict ? "strictly (with the check digit)"
					: "leniently (without the check digit)");
	if (!same_makes(so, sn)) {
		struct buf b;
		buf_init(&b, LINE_MAX_BYTES / 2);
		for (size_t i = 0; i < sn->naccepted_makes; i++)
			if (buf_printf(&b, "%s%s", i ? ", " : "", sn->accepted_makes[i]) != 0)
				break;
		buf_puts(&b, "");
		add_line(l, "Cars accepted in the garage: %s.",
			 sn->naccepted_makes ? b.data : "any make");
		buf_release(&b);
	}
}

static bool same_strs(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!str_eq(a[i], b[i]))
			return false;
	return true;
}

const struct policy_cookie *policy_cookie_find(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->ncookies; i++)
		if (str_eq(p->cookies[i].name, name))
			return &p->cookies[i];
	return NULL;
}

/* The notice's own statements: what it covers, the safeguards, the cookies
 * (rule 6 of issue 12). A cookie is compared by name; its purpose by id,
 * since indexes differ between versions. */
static void diff_notice(const struct policy *o, const struct policy *n, struct lines *l)
{
	if (!str_eq(o->scope.statement, n->scope.statement) ||
	    !same_strs(o->scope.sites, o->scope.nsites, n->scope.sites, n->scope.nsites))
		add_line(l, "What this notice covers changed.");
	if (!same_strs(o->security, o->nsecurity, n->security, n->nsecurity))
		add_line(l, "Our security safeguards changed.");
	for (size_t i = 0; i < n->ncookies; i++) {
		const struct policy_cookie *cn = &n->cookies[i],
					   *co = policy_cookie_find(o, cn->name);
		const char *pn = cn->purpose >= 0 ? n->purposes[cn->purpose].id : NULL;
		if (!co) {
			add_line(l, "New cookie: %s.", cn->name);
			continue;
		}
		const char *po = co->purpose >= 0 ? o->purposes[co->purpose].id : NULL;
		if (!str_eq(po, pn) || co->seconds != cn->seconds || !str_eq(co->holds, cn->holds))
			add_line(l,
				 "Cookie %s: what it holds, what it is for or how long it lives "
				 "changed.",
				 cn->name);
	}
	for (size_t i = 0; i < o->ncookies; i++)
		if (!policy_cookie_find(n, o->cookies[i].name))
			add_line(l, "Cookie no longer set: %s.", o->cookies[i].name);
}

/* Order: categories, purposes, recipients, forms, staff roles, contact,
 * settings, then the notice's scope, safeguards and cookies; within each,
 * additions and changes in the new profile's order, then removals in the
 * old one's. */
char **policy_diff(const struct policy *o, const struct policy *n, size_t *count)
{
	struct lines l = {0};
	diff_categories(o, n, &l);
	diff_purposes(o, n, &l);
	diff_recipients(o, n, &l);
	diff_collections(o, n, &l);
	diff_roles(o, n, &l);
	diff_settings(o, n, &l);
	diff_notice(o, n, &l);
	if (l.n == 0)
		add_line(&l, "Wording only; no change in what is collected or how it is used.");
	*count = l.n;
	return l.items;
}

void policy_diff_free(char **lines, size_t n)
{
	strs_free(lines, n);
}

/* ---- new uses (NAM10, NAM08) ---- */

static const char *const widening_names[WIDEN_COUNT] = {
	[WIDEN_PURPOSE] = "purpose",
	[WIDEN_CATEGORY] = "category",
	[WIDEN_SUBJECT] = "subject",
	[WIDEN_BASIS] = "basis",
	[WIDEN_KIND] = "kind",
	[WIDEN_TOPIC] = "topic",
	[WIDEN_RETENTION] = "retention",
	[WIDEN_RECIPIENT] = "recipient",
	[WIDEN_RECIPIENT_PURPOSE] = "recipient_purpose",
	[WIDEN_RECIPIENT_FIELD] = "recipient_field",
	[WIDEN_AGGREGATE] = "aggregate",
};

const char *policy_widening_name(enum policy_widening w)
{
	return (unsigned)w < WIDEN_COUNT ? widening_names[w] : "?";
}

/* How much choice a basis leaves the person: less is a widening. notice
 * and required leave none. */
static int basis_choice(enum basis b)
{
	switch (b) {
	case BASIS_OPT_IN:
		return 2;
	case BASIS_OPT_OUT:
		return 1;
	case BASIS_REQUIRED:
	case BASIS_NOTICE:
	case BASIS_COUNT:
		break;
	}
	return 0;
}

static bool counts_from_done(const struct policy_retention *r)
{
	return r->kind == RET_UNTIL_DONE || (r->kind == RET_DURATION && r->after_done);
}

/* A request never done: kept this long after collection (for ever, when the
 * profile does not say). */
static int64_t not_done_bound(const struct policy_retention *r)
{
	return r->not_done_seconds > 0 ? r->not_done_seconds : INT64_MAX;
}

/* Whether n may keep a value longer than o did, in some case: the forms are
 * only partly ordered (30 days after collection against until a request is
 * done), so anything not plainly as short or shorter counts as longer. */
static bool retention_longer(const struct policy_retention *o, const struct policy_retention *n)
{
	bool o_done = counts_from_done(o), n_done = counts_from_done(n);
	if (o_done && n_done && not_done_bound(n) > not_done_bound(o))
		return true;
	switch (n->kind) {
	case RET_ACCOUNT:
		return o->kind != RET_ACCOUNT;
	case RET_UNTIL_DONE:
		return !o_done;
	case RET_DURATION:
		if (n->after_done)
			return !(o->kind == RET_DURATION && o->after_done &&
				 n->seconds <= o->seconds);
		/* From collection: no longer than the same from collection, or
		 * than as long after completion (which comes later) when a
		 * request never completed was not kept longer either. */
		return !(o->kind == RET_DURATION && n->seconds <= o->seconds &&
			 (!o->after_done || n->seconds <= not_done_bound(o)));
	}
	return true;
}

struct uses_out {
	struct policy_new_use *items;
	size_t max, n;
};

static void use_add(struct uses_out *u, enum policy_widening what, int purpose, int category,
		    int subject, int recipient, int topic)
{
	if (u->n < u->max)
		u->items[u->n] =
			(struct policy_new_use){what, purpose, category, subject, recipient, topic};
	u->n++;
}

/* In o, does purpose po (may be NULL) use category c of n? */
static bool old_covers(const struct policy *o, const struct policy_purpose *po,
		       const struct policy *n, int c)
{
	int oc = policy_category_index(o, n->categories[c].id);
	return po && oc >= 0 && policy_purpose_covers(po, oc);
}

static void purpose_uses(const struct policy *o, const struct policy *n, int i, struct uses_out *u)
{
	const struct policy_purpose *pn = &n->purposes[i];
	int oi = policy_purpose_index(o, pn->id);
	if (oi < 0) {
		/* A new opt-in purpose needs everyone's yes, given after it
		 * was published: nobody's data flows to it before. */
		if (pn->basis != BASIS_OPT_IN)
			use_add(u, WIDEN_PURPOSE, i, -1, -1, -1, -1);
		return;
	}
	const struct policy_purpose *po = &o->purposes[oi];
	if (po->kind != pn->kind)
		use_add(u, WIDEN_KIND, i, -1, -1, -1, -1);
	if (basis_choice(pn->basis) < basis_choice(po->basis))
		use_add(u, WIDEN_BASIS, i, -1, -1, -1, -1);
	for (size_t k = 0; k < pn->nsubjects; k++) {
		int os = policy_subject_index(o, n->subjects[pn->subjects[k]].id);
		if (os < 0 || !int_in(po->subjects, po->nsubjects, os))
			use_add(u, WIDEN_SUBJECT, i, -1, pn->subjects[k], -1, -1);
	}
	for (size_t k = 0; k < pn->ncategories; k++) {
		int c = pn->categories[k];
		if (!old_covers(o, po, n, c)) {
			use_add(u, WIDEN_CATEGORY, i, c, -1, -1, -1);
			continue;
		}
		const struct policy_retention *ro =
			policy_retention_for(po, policy_category_index(o, n->categories[c].id));
		const struct policy_retention *rn = policy_retention_for(pn, c);
		if (ro && rn && retention_longer(ro, rn))
			use_add(u, WIDEN_RETENTION, i, c, -1, -1, -1);
	}
	for (size_t k = 0; k < pn->ntopics; k++)
		if (!str_in((const char *const *)po->topics, po->ntopics, pn->topics[k]))
			use_add(u, WIDEN_TOPIC, i, -1, -1, -1, (int)k);
	if (pn->kind == PK_AGGREGATE_STATISTICS &&
	    n->settings.aggregate_min_group < o->settings.aggregate_min_group)
		use_add(u, WIDEN_AGGREGATE, i, -1, -1, -1, -1);
}

static void recipient_uses(const struct policy *o, const struct policy *n, int r,
			   struct uses_out *u)
{
	const struct policy_recipient *rn = &n->recipients[r];
	int ori = policy_recipient_index(o, rn->id);
	const struct policy_recipient *ro = ori < 0 ? NULL : &o->recipients[ori];
	for (size_t k = 0; k < rn->npurposes; k++) {
		int pi = rn->purposes[k];
		const struct policy_purpose *pn = &n->purposes[pi];
		int opi = policy_purpose_index(o, pn->id);
		if (opi < 0 && pn->basis == BASIS_OPT_IN)
			continue; /* as for the purpose itself */
		if (!ro) {
			use_add(u, WIDEN_RECIPIENT, pi, -1, -1, r, -1);
			continue;
		}
		if (opi < 0 || !int_in(ro->purposes, ro->npurposes, opi)) {
			use_add(u, WIDEN_RECIPIENT_PURPOSE, pi, -1, -1, r, -1);
			continue;
		}
		for (size_t f = 0; f < rn->nfields; f++) {
			int c = rn->fields[f];
			int oc = policy_category_index(o, n->categories[c].id);
			if (policy_purpose_covers(pn, c) &&
			    (oc < 0 || !int_in(ro->fields, ro->nfields, oc)))
				use_add(u, WIDEN_RECIPIENT_FIELD, pi, c, -1, r, -1);
		}
	}
}

/*
 * Every change that lets data be used or given where it could not be
 * before. A recipient changing kind is not listed on its own: each kind
 * serves other purpose kinds, so the change shows as a purpose it now
 * receives data for. Not new uses: a staff role gaining a purpose (who among the
 * operator's own people does a use, not what the use is: need-to-know is
 * checked by the gate and the broker, and every access is logged), a new
 * form or category (collected afresh under the new text), a category no
 * longer treated as an identifier (its purposes and recipients, which are
 * compared, say what it may be used for), and every narrowing.
 */
size_t policy_new_uses(const struct policy *o, const struct policy *n, struct policy_new_use *out,
		       size_t max)
{
	struct uses_out u = {out, out ? max : 0, 0};
	for (size_t i = 0; i < n->npurposes; i++)
		purpose_uses(o, n, (int)i, &u);
	for (size_t r = 0; r < n->nrecipients; r++)
		recipient_uses(o, n, (int)r, &u);
	return u.n;
}

static const char *label_of(const struct policy_purpose *pu)
{
	return pu->label ? pu->label : pu->id;
}

char *policy_new_use_text(const struct policy *o, const struct policy *n,
			  const struct policy_new_use *u)
{
	const struct policy_purpose *pn = &n->purposes[u->purpose];
	int oi = policy_purpose_index(o, pn->id);
	const struct policy_purpose *po = oi < 0 ? NULL : &o->purposes[oi];
	const char *cat = u->category >= 0 ? n->categories[u->category].label : "";
	const struct policy_recipient *r = u->recipient >= 0 ? &n->recipients[u->recipient] : NULL;
	struct buf b, list;
	buf_init(&b, LINE_MAX_BYTES);
	switch (u->what) {
	case WIDEN_PURPOSE:
		ids_of(n, pn->categories, pn->ncategories, REF_CATEGORY, &list);
		buf_printf(&b, "New purpose: %s (%s), using: %s.", label_of(pn),
			   policy_basis_name(pn->basis), list.data);
		buf_release(&list);
		break;
	case WIDEN_CATEGORY:
		buf_printf(&b, "%s now uses %s.", label_of(pn), cat);
		break;
	case WIDEN_SUBJECT:
		buf_printf(&b, "%s now concerns: %s.", label_of(pn), n->subjects[u->subject].id);
		break;
	case WIDEN_BASIS:
		buf_printf(&b, "%s: your choice moves from %s to %s.", label_of(pn),
			   policy_basis_name(po ? po->basis : pn->basis),
			   policy_basis_name(pn->basis));
		break;
	case WIDEN_KIND:
		buf_printf(&b, "%s is now a use of kind %s (was %s).", label_of(pn),
			   policy_purpose_kind_name(pn->kind),
			   policy_purpose_kind_name(po ? po->kind : pn->kind));
		break;
	case WIDEN_TOPIC:
		buf_printf(&b, "%s: mail may now be about %s.", label_of(pn), pn->topics[u->topic]);
		break;
	case WIDEN_RETENTION:
		buf_printf(&b, "%s: %s may be kept longer than before.", label_of(pn), cat);
		break;
	case WIDEN_RECIPIENT:
		ids_of(n, r->fields, r->nfields, REF_CATEGORY, &list);
		buf_printf(&b, "New recipient: %s (%s) receives %s for %s.", r->name,
			   policy_recipient_kind_name(r->kind), list.data, label_of(pn));
		buf_release(&list);
		break;
	case WIDEN_RECIPIENT_PURPOSE:
		buf_printf(&b, "%s now receives data for %s.", r->name, label_of(pn));
		break;
	case WIDEN_RECIPIENT_FIELD:
		buf_printf(&b, "%s now receives %s for %s.", r->name, cat, label_of(pn));
		break;
	case WIDEN_AGGREGATE:
		buf_printf(&b,
			   "%s: published figures may now describe groups of %d people (was %d).",
			   label_of(pn), n->settings.aggregate_min_group,
			   o->settings.aggregate_min_group);
		break;
	case WIDEN_COUNT:
		break;
	}
	if (b.len == 0)
		buf_puts(&b, "(a change too long to show)");
	return buf_detach(&b, NULL);
}

const char *policy_public_purpose(const struct policy *p, const char *category)
{
	int cat = policy_category_index(p, category);
	for (size_t i = 0; cat >= 0 && i < p->npurposes; i++)
		if (p->purposes[i].kind == PK_PUBLIC_CONTENT &&
		    policy_purpose_covers(&p->purposes[i], cat))
			return p->purposes[i].id;
	return NULL;
}
