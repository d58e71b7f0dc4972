/*
 * members_reset_api: the JSON adapter of the forgotten password (see
 * members_reset_api.h).
 */
#include "members_reset_api.h"

#include "err.h"
#include "members.h"

void members_reset_api_request(struct req *r)
{
	struct failure f;
	if (members_reset_request(req_param(r, "email"), req_client_address(r), &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	/* The same answer whether or not the address has an account. */
	resp_json(r, 202, json_pack("{s:s}", "message", MEMBERS_RESET_SENT));
}

void members_reset_api_confirm(struct req *r)
{
	struct failure f;
	if (members_reset_confirm(req_param(r, "token"), req_param(r, "password"), &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:b}", "reset", 1));
}
