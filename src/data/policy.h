/*
 * policy: the privacy profile as a data model, loaded from YAML (libyaml),
 * checked, compared between versions, and the pure decision that the broker
 * asks for every use of personal data. No I/O here except reading the
 * profile text; no store, no crypto. docs/profiles.md is the language
 * reference for privacy officers.
 *
 * policy_load.c holds the loading functions (policy_load*, and
 * policy_diags_print for their diagnostics); policy.c holds the rest, the
 * names of the closed lists among them, and never calls the loader.
 *
 * Purposes and recipients are typed from closed lists. There is no kind for
 * selling, renting or trading personal data, so a profile cannot declare one
 * (INS01).
 */
#ifndef GLOVEBOX_POLICY_H
#define GLOVEBOX_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum purpose_kind {
	PK_ACCOUNT,		 /* running the member's account itself */
	PK_FULFILMENT,		 /* completing a request or order (NAM04) */
	PK_COMMUNICATION,	 /* mail to members: news, products (NAM08, INS05) */
	PK_VERIFICATION,	 /* ownership verification (NAM06) */
	PK_SUPPORT,		 /* answering a message (NAM07) */
	PK_SECURITY,		 /* protecting accounts and the site */
	PK_AGGREGATE_STATISTICS, /* counts over groups (NAM09) */
	PK_AFFILIATE_OFFERS,	 /* offers from named group affiliates (INS06) */
	PK_SERVICE,		 /* a contracted service provider's service (INS07) */
	PK_DEALER,		 /* hand-over to a dealer (INS08) */
	PK_PERSONALISATION,	 /* making visits more convenient (INS10, INS12) */
	PK_ADVERTISING,		 /* anonymous third-party ad tags (INS11) */
	PK_PUBLIC_CONTENT,	 /* content the member submits for publication (INS13) */
	PK_COUNT
};

enum basis { BASIS_REQUIRED, BASIS_OPT_IN, BASIS_OPT_OUT, BASIS_NOTICE, BASIS_COUNT };

enum recipient_kind { RK_AFFILIATE, RK_SERVICE_PROVIDER, RK_DEALER, RK_COUNT };

enum retention_kind {
	RET_DURATION,	/* seconds after collection (or after the request is done) */
	RET_ACCOUNT,	/* as long as the account exists */
	RET_UNTIL_DONE, /* until the request is completed or failed for good */
};

struct policy_pos {
	int line, col; /* 1-based, in the YAML file */
};

struct policy_category {
	char *id;
	char *label; /* short human name: "E-mail address" */
	char *description;
	bool identifier; /* vehicle identifiers and serials: NAM06 lock */
	struct policy_pos pos;
};

struct policy_retention {
	int category; /* index into categories */
	enum retention_kind kind;
	int64_t seconds; /* RET_DURATION */
	bool after_done; /* the period counts from completion, not collection */
	/* until_done and after_done: how long after collection a request never
	 * completed (a message never answered) is kept; 0 when not stated. The
	 * purpose's retention_not_done key, copied to each such category. */
	int64_t not_done_seconds;
	struct policy_pos pos;
};

struct policy_purpose {
	char *id;
	char *label;
	char *description;
	enum purpose_kind kind;
	enum basis basis;
	int *subjects; /* indexes into subjects */
	size_t nsubjects;
	int *categories; /* indexes into categories */
	size_t ncategories;
	struct policy_retention *retention;
	size_t nretention;
	char **topics; /* mail topics (communication purposes) */
	size_t ntopics;
	struct policy_pos pos;
};

struct policy_subject {
	char *id;
	char *description;
	struct policy_pos pos;
};

struct policy_recipient {
	char *id;
	char *name;
	char *description;
	enum recipient_kind kind;
	char *contract;	  /* contract reference (INS02) */
	char *policy_url; /* the recipient's own policy (INS08): https, not an example
			   * domain; NULL when the operator has no address for it, and
			   * the page says how to ask for it instead */
	int *purposes;
	size_t npurposes;
	int *fields; /* categories it may receive */
	size_t nfields;
	struct policy_pos pos;
};

struct policy_field {
	int category;
	bool required;
};

struct policy_collection {
	char *id; /* form id: "member_registration" */
	char *label;
	int purpose;
	int subject;
	struct policy_field *fields;
	size_t nfields;
	struct policy_pos pos;
};

struct policy_role {
	char *id;
	char *description;
	int *purposes;
	size_t npurposes;
	struct policy_pos pos;
};

struct policy_contact {
	char *email, *postal, *phone;
};

/* What the notice covers: the sites, in words, and the forms (the
 * collection points). */
struct policy_scope {
	char **sites; /* host names or addresses: "www.miniusa.com" */
	size_t nsites;
	char *statement; /* the operator's sentence: "This notice applies to ..." */
};

/* One cookie the site sets, as the privacy page lists it. */
struct policy_cookie {
	char *name;	 /* as the code sets it over plain HTTP; behind TLS "__Host-" + name */
	int purpose;	 /* index into purposes; -1: strictly necessary */
	int64_t seconds; /* how long it lives; 0: until the browser closes */
	char *holds;	 /* what it holds, in words */
	int ad_tag;	 /* index into ad_tags: a cookie that tag sets; -1: the site's own */
	struct policy_pos pos;
};

/* A third-party advertising tag (INS11): a script from another origin that
 * pages include only for a visitor who has not said no (src/web/ads.h). Its
 * cookies are in the profile's cookies, each with ad_tag naming it. */
struct policy_ad_tag {
	char *id;
	char *name;	   /* the network's or the tag's name, as the page shows it */
	int purpose;	   /* index into purposes: one of kind advertising */
	char *origin;	   /* "https://ads.network.com": scheme and host, no path */
	char *script;	   /* the script's https address on that origin */
	char *opt_out_url; /* the network's own opt-out page */
	struct policy_pos pos;
};

/* The word a cookie's purpose takes when it serves no purpose of the
 * profile but the working of the site itself. */
#define POLICY_STRICTLY_NECESSARY "strictly_necessary"
/* The lowest minimum_age a profile may set (NAM12; COPPA: the site is open
 * to the United States). */
#define POLICY_MINIMUM_AGE_FLOOR 13
/* The category the sign-up's age screen asks (NAM12). */
#define POLICY_AGE_CATEGORY "date_of_birth"

/* The cookies glovebox itself sets, and when: a profile must declare each
 * that its features make the code set (policy_load refuses it otherwise). */
enum policy_cookie_when {
	COOKIE_ALWAYS,	 /* forms with a pre-session token, staff sign-in */
	COOKIE_SIGNUP,	 /* the profile has a sign-up collection point */
	COOKIE_REMEMBER, /* a purpose uses the remember-me category */
	COOKIE_AD_TAGS,	 /* the profile declares ad tags: the opt-out cookie */
	COOKIE_SHOP,	 /* the profile has the shop's collection point */
};

/* The shop's collection point (src/shop/shop.h): its cart cookie is set
 * where the profile has it. */
#define POLICY_SHOP_POINT "product_order"

struct policy_code_cookie {
	const char *name;
	enum policy_cookie_when when;
};

extern const struct policy_code_cookie policy_code_cookies[];
extern const size_t policy_ncode_cookies;
/* The category whose purpose the remember-me cookie serves (INS12). */
#define POLICY_REMEMBER_CATEGORY "device_reference"

struct policy_settings {
	int minimum_age;	       /* 13 */
	int aggregate_min_group;       /* smallest group in a published figure */
	int opt_out_window_days;       /* NAM10 */
	int reauth_minutes;	       /* NAM14 */
	bool not_directed_at_children; /* NAM: the site is not made to attract them */
	bool vin_strict;	       /* check digit required */
	char **accepted_makes;
	size_t naccepted_makes;
};

/* Laplace noise on the published visit figures (NAM09; docs/visits.md),
 * when the profile's `noise` block declares it. */
struct policy_noise {
	bool on;
	double epsilon;	       /* per report: each shown count gets Laplace(1/epsilon) */
	double budget;	       /* the epsilon one staff member may spend per period */
	int64_t period;	       /* seconds; periods start at multiples of it (UTC) */
	struct policy_pos pos; /* for diagnostics */
};
/* The bounds the checker allows (docs/profiles.md). */
#define POLICY_NOISE_EPSILON_MAX 10.0
#define POLICY_NOISE_BUDGET_MAX	 1000.0

struct policy {
	char *name; /* profile id: "north-american-motoring" */
	int version;
	char *effective; /* YYYY-MM-DD */
	char *site_name;
	char *site_url;
	char *summary; /* a paragraph shown at the top of the privacy page */
	struct policy_contact contact;
	struct policy_scope scope;
	char **security; /* the safeguards, one sentence each (NAM11, INS09) */
	size_t nsecurity;
	struct policy_settings settings;
	struct policy_noise noise;
	struct policy_category *categories;
	size_t ncategories;
	struct policy_subject *subjects;
	size_t nsubjects;
	struct policy_purpose *purposes;
	size_t npurposes;
	struct policy_recipient *recipients;
	size_t nrecipients;
	struct policy_collection *collections;
	size_t ncollections;
	struct policy_role *roles;
	size_t nroles;
	struct policy_cookie *cookies;
	size_t ncookies;
	struct policy_ad_tag *ad_tags; /* INS11; none: no tag, no opt-out link */
	size_t nad_tags;
	char *source; /* the YAML text it was loaded from */
	size_t source_len;
};

/* One problem found in a profile: "FILE:LINE:COL: message". */
struct policy_diag {
	int line, col;
	char message[200];
};

#define POLICY_MAX_DIAGS 64

struct policy_diags {
	struct policy_diag items[POLICY_MAX_DIAGS];
	size_t count;
};

/*
 * Parses and checks a profile. Returns the policy, or NULL when there was
 * any problem (all problems found are in diags, in file order). A policy
 * returned has passed every check.
 */
struct policy *policy_load(const char *text, size_t len, struct policy_diags *diags);
struct policy *policy_load_file(const char *path, struct policy_diags *diags);
/* A bundled profile by name ("mini-insiders") from the embedded profiles/. */
struct policy *policy_load_bundled(const char *name, struct policy_diags *diags);
void policy_free(struct policy *p);
/* Prints each diagnostic as "FILE:LINE:COL: message\n". */
void policy_diags_print(const struct policy_diags *d, const char *file, FILE *out);

int policy_category_index(const struct policy *p, const char *id); /* -1 if none */
int policy_purpose_index(const struct policy *p, const char *id);
int policy_subject_index(const struct policy *p, const char *id);
int policy_recipient_index(const struct policy *p, const char *id);
int policy_role_index(const struct policy *p, const char *id);
int policy_collection_index(const struct policy *p, const char *id);
bool policy_purpose_covers(const struct policy_purpose *pu, int category);
const struct policy_retention *policy_retention_for(const struct policy_purpose *pu, int category);
/* The purpose a collection point serves ("contact" -> "answering_messages"), or NULL
 * when the profile has no such point. */
const char *policy_collection_purpose(const struct policy *p, const char *collection);
/* The first purpose that uses a category, or NULL. */
const char *policy_category_purpose(const struct policy *p, const char *category);
/* The purpose of kind public_content that covers category (what members
 * show each other: the community garage, stories), or NULL. */
const char *policy_public_purpose(const struct policy *p, const char *category);
/* Whether a staff role grants a purpose; or some purpose of a kind ("communication"). */
bool policy_role_grants(const struct policy *p, const char *role, const char *purpose);
bool policy_role_grants_kind(const struct policy *p, const char *role, const char *kind);

/* Whether a collection point id is one glovebox's sign-up looks for
 * ("member_registration", "insider_signup"). */
bool policy_is_signup_point(const char *id);
/* The profile's sign-up point: the first of those ids it declares, or NULL. */
const struct policy_collection *policy_signup_point(const struct policy *p);
/* The purpose the sign-up point serves (the account's), or NULL. */
const char *policy_account_purpose(const struct policy *p);
/* Whether the date of birth is kept, not only the fact "old enough, stated
 * on DATE" (NAM12; issue 12, rule 4): only when a purpose other than the
 * sign-up point's own (whose use of it is the age screen) needs the date. */
bool policy_keeps_birth_date(const struct policy *p);
/* Whether a category id is one the garage treats as a vehicle identifier
 * ("vin", "serial_numbers"): such a category must be declared identifier. */
bool policy_is_vehicle_identifier(const char *id);
/* The cookie of that name the profile declares, or NULL. */
const struct policy_cookie *policy_cookie_find(const struct policy *p, const char *name);
/* Whether the code sets a cookie under profile p (its features on). */
bool policy_code_cookie_applies(const struct policy *p, const struct policy_code_cookie *c);

/* The name a profile writes ("opt_in"), or "?" for a value out of range. */
const char *policy_purpose_kind_name(enum purpose_kind k);
const char *policy_basis_name(enum basis b);
const char *policy_recipient_kind_name(enum recipient_kind k);

/* ---- the decision the broker asks for ---- */

enum actor_kind {
	ACTOR_SELF,	 /* the data subject, signed in */
	ACTOR_SYSTEM,	 /* glovebox itself: mail workers, retention, checks */
	ACTOR_STAFF,	 /* a staff member acting under one of their role's purposes */
	ACTOR_RECIPIENT, /* a hand-over to a partner */
};

enum consent_state { CONSENT_UNSET, CONSENT_ON, CONSENT_OFF };

struct decision_input {
	int purpose;	       /* index; -1 = unknown purpose */
	const int *categories; /* indexes; -1 entries = unknown category */
	size_t ncategories;
	int subject; /* subject kind index */
	enum actor_kind actor;
	int role;		    /* ACTOR_STAFF: role index */
	int recipient;		    /* ACTOR_RECIPIENT: recipient index */
	enum consent_state consent; /* the subject's choice for this purpose */
	bool pending; /* NAM10: purpose new for this subject's data and not yet in effect */
};

enum decision_reason {
	DECISION_ALLOWED,
	DENY_UNKNOWN_PURPOSE,
	DENY_UNKNOWN_CATEGORY,
	DENY_CATEGORY_NOT_COVERED, /* the purpose does not use that category */
	DENY_SUBJECT_NOT_COVERED,
	DENY_ROLE_LACKS_PURPOSE,    /* need-to-know (INS09) */
	DENY_RECIPIENT_NOT_ALLOWED, /* recipient does not take this purpose or field */
	DENY_NO_CONSENT,	    /* opt-in not given */
	DENY_OPTED_OUT,		    /* opt-out or withdrawn */
	DENY_PENDING_NOTICE,	    /* NAM10 */
	DENY_IDENTIFIER_LOCK,	    /* NAM06: identifiers only for verification */
	DECISION_REASON_COUNT
};

enum decision_reason policy_decide(const struct policy *p, const struct decision_input *in);
const char *policy_reason_code(enum decision_reason r);	   /* "no_consent" */
const char *policy_reason_message(enum decision_reason r); /* a sentence */

/* ---- revisions (INS14, NAM10) ---- */

/* One line per change from old to new ("Added purpose 'affiliate_offers' ..."),
 * appended to out as a NULL-terminated array of malloc'd strings. */
char **policy_diff(const struct policy *old_p, const struct policy *new_p, size_t *n);
void policy_diff_free(char **lines, size_t n);

/*
 * A new use (NAM10, NAM08): a change from old_p to new_p that lets data be
 * used, or given to someone, where it could not be before. Each is tied to
 * the purpose of new_p it widens; the broker decides a pending purpose under
 * the old terms and the new ones together (docs/profiles.md, "New uses and
 * the opt-out window", lists the kinds and what is not one).
 */
enum policy_widening {
	WIDEN_PURPOSE,		 /* a purpose new in the revision (not opt_in) */
	WIDEN_CATEGORY,		 /* an existing purpose uses a category it did not */
	WIDEN_SUBJECT,		 /* ... concerns a kind of person it did not */
	WIDEN_BASIS,		 /* ... asks less consent: opt_in -> opt_out -> notice, required */
	WIDEN_KIND,		 /* ... is now a use of another kind */
	WIDEN_TOPIC,		 /* ... mails about a topic it did not */
	WIDEN_RETENTION,	 /* ... may keep a category longer */
	WIDEN_RECIPIENT,	 /* a recipient new in the revision receives data for it */
	WIDEN_RECIPIENT_PURPOSE, /* an existing recipient now receives data for it */
	WIDEN_RECIPIENT_FIELD,	 /* an existing recipient receives a category it did not */
	WIDEN_AGGREGATE,	 /* its published figures may describe smaller groups */
	WIDEN_COUNT
};

struct policy_new_use {
	enum policy_widening what;
	int purpose;   /* index into new_p's purposes */
	int category;  /* CATEGORY, RETENTION, RECIPIENT_FIELD: index into new_p's; else -1 */
	int subject;   /* SUBJECT: index into new_p's subjects; else -1 */
	int recipient; /* RECIPIENT*: index into new_p's recipients; else -1 */
	int topic;     /* TOPIC: index into the purpose's topics; else -1 */
};

/* The new uses from old_p to new_p, in new_p's order of purposes, then of
 * recipients: fills at most max of out and returns how many there are (call
 * with max 0 to count). A narrowing (a purpose withdrawn, a category or
 * recipient dropped, a shorter retention, more consent) is never one. */
size_t policy_new_uses(const struct policy *old_p, const struct policy *new_p,
		       struct policy_new_use *out, size_t max);
/* One line saying what widened, for `profile publish`, the notice mail and
 * the log (ids and labels only): "Member news by e-mail: your choice moves
 * from opt_in to opt_out." Returns a malloc'd string. */
char *policy_new_use_text(const struct policy *old_p, const struct policy *new_p,
			  const struct policy_new_use *u);
/* Its short name in the closed list ("basis", "recipient_field"). */
const char *policy_widening_name(enum policy_widening w);

#endif
