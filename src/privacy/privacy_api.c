/*
 * privacy_api: the JSON adapter of the privacy notice (see privacy_api.h).
 */
#include "privacy_api.h"

#include <jansson.h>

#include "app.h"
#include "privacy.h"

/* The profile, and the prefix the cookies' names carry on this deployment
 * ("__Host-" behind TLS), so that the inventory matches what a browser sees. */
void privacy_api_profile(struct req *r)
{
	json_t *doc = privacy_profile_json(app.policy);
	json_object_set_new(doc, "cookie_prefix", json_string(privacy_cookie_prefix()));
	resp_json(r, 200, doc);
}
