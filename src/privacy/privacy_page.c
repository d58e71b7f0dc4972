/*
 * privacy_page: the privacy notice in HTML, a thin adapter over privacy.h:
 * the version in force at /privacy, and every published version at
 * /privacy/v/N (INS14), each with what changed from the one before and the
 * list of all versions; a version no longer in force says so and links to
 * the one that is; and the opt-out page for third-party advertising
 * (INS11), /privacy/choices.
 */
#include "privacy_page.h"

#include <stdlib.h>
#include <string.h>

#include "ads.h"
#include "app.h"
#include "err.h"
#include "flows.h"
#include "page.h"
#include "policy.h"
#include "privacy.h"
#include "session.h"

/* Renders profile p (changes: what changed in it; ownership is taken).
 * The notice comes from the profile itself: should the store not answer,
 * the page still shows it, without the list of versions. */
static void render_profile(struct req *r, const struct policy *p, json_t *changes, bool archived)
{
	json_t *versions = NULL;
	struct failure f;
	privacy_versions(&versions, &f);
	json_t *data = page_data(r, "Privacy");
	json_object_set_new(data, "profile", privacy_profile_json(p));
	json_object_set_new(data, "flows", flows_html(p, NULL));
	json_object_set_new(data, "versions", versions ? versions : json_array());
	json_object_set_new(data, "changes", changes ? changes : json_array());
	json_object_set_new(data, "archived", json_boolean(archived));
	json_object_set_new(data, "current_version", json_integer(app.policy->version));
	json_object_set_new(data, "cookie_prefix", json_string(privacy_cookie_prefix()));
	page_render(r, 200, "privacy", data);
}

/* The version in force is published before the server starts; should its
 * record be unreadable, the page still shows it, without what changed. */
void privacy_page_show(struct req *r)
{
	json_t *changes = NULL;
	struct failure f;
	privacy_changes(app.policy->version, &changes, &f);
	render_profile(r, app.policy, changes, false);
}

void privacy_page_version(struct req *r)
{
	int64_t version = strtoll(r->path_params[0], NULL, 10);
	struct policy *p;
	json_t *changes;
	struct failure f;
	if (privacy_version(version, &p, &changes, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	render_profile(r, p, changes, version != app.policy->version);
	policy_free(p);
}

/* ---- the opt-out page for third-party advertising (INS11) ---- */

/* The declared tags as the page lists them, each with the cookies it sets
 * and its network's own opt-out page. */
static json_t *tags_json(const struct policy *p)
{
	json_t *out = json_array();
	for (size_t i = 0; i < p->nad_tags; i++) {
		const struct policy_ad_tag *t = &p->ad_tags[i];
		json_t *cookies = json_array();
		for (size_t k = 0; k < p->ncookies; k++)
			if (p->cookies[k].ad_tag == (int)i)
				json_array_append_new(cookies, json_string(p->cookies[k].name));
		json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", t->id, "name",
						     t->name, "origin", t->origin, "opt_out_url",
						     t->opt_out_url, "cookies", cookies));
	}
	return out;
}

void privacy_page_choices(struct req *r)
{
	json_t *data = page_data(r, "Your Privacy Choices");
	const char *refusal = ads_refusal(r);
	struct session s;
	bool member = session_of_request(r, SESSION_MEMBER, &s);
	bool member_off = member && !privacy_ads_member_on(s.account);
	json_object_set_new(data, "tags", tags_json(app.policy));
	json_object_set_new(data, "signed_in", json_boolean(member));
	json_object_set_new(data, "by_cookie",
			    json_boolean(refusal && strcmp(refusal, "choice") == 0));
	json_object_set_new(data, "by_gpc", json_boolean(refusal && strcmp(refusal, "gpc") == 0));
	json_object_set_new(data, "by_dnt", json_boolean(refusal && strcmp(refusal, "dnt") == 0));
	json_object_set_new(data, "by_account", json_boolean(member_off));
	json_object_set_new(data, "opted_out", json_boolean(refusal != NULL || member_off));
	page_render(r, 200, "choices", data);
}

void privacy_page_choices_post(struct req *r)
{
	const char *choice = req_param(r, "choice");
	struct session s;
	struct failure f;
	int status = 0;
	if (r->nerrors || !choice)
		status = 422;
	bool on = choice && strcmp(choice, "in") == 0;
	if (!status && session_of_request(r, SESSION_MEMBER, &s) &&
	    privacy_ads_choice(s.account, on, &f) != 0)
		status = page_form_failure(r, &f, "choice");
	if (status) {
		json_t *data = page_form_values(r, page_data(r, "Your Privacy Choices"));
		json_object_set_new(data, "tags", tags_json(app.policy));
		page_render(r, status, "choices", data);
		return;
	}
	ads_cookie_set(r, !on);
	page_redirect(r, "/privacy/choices");
}
