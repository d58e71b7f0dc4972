/*
 * privacy_page: the privacy notice in HTML, a thin adapter over privacy.h:
 * the version in force at /privacy, and every published version at
 * /privacy/v/N (INS14), each with what changed from the one before and the
 * list of all versions; a version no longer in force says so and links to
 * the one that is.
 */
#include "privacy_page.h"

#include <stdlib.h>

#include "app.h"
#include "err.h"
#include "flows.h"
#include "page.h"
#include "policy.h"
#include "privacy.h"

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
