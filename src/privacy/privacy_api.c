/*
 * privacy_api: the JSON adapter of the privacy notice (see privacy_api.h).
 */
#include "privacy_api.h"

#include "app.h"
#include "privacy.h"

void privacy_api_profile(struct req *r)
{
	resp_json(r, 200, privacy_profile_json(app.policy));
}
