/*
 * request_api: the JSON adapter of the requests (see request_api.h).
 */
#include "request_api.h"

#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "err.h"
#include "session.h"

void request_api_new(struct req *r, int64_t item, struct request_new *in)
{
	struct session s;
	*in = (struct request_new){.item = item};
	for (size_t i = 0; i < REQUEST_NPARTS; i++)
		in->value[i] = req_param(r, request_part_names[i]);
	in->member = session_of_request(r, SESSION_MEMBER, &s) ? s.account : 0;
}

int64_t request_api_path_id(const struct req *r)
{
	return strtoll(r->path_params[0], NULL, 10);
}

struct request_item request_api_item_of(const struct req *r, bool *has_active)
{
	const char *active = req_param(r, "active");
	*has_active = active != NULL;
	return (struct request_item){.kind = req_param(r, "kind"),
				     .title = req_param(r, "title"),
				     .description = req_param(r, "description"),
				     .active = active && strcmp(active, "true") == 0};
}

bool request_api_outcome(const struct req *r, enum request_outcome *out)
{
	const char *v = req_param(r, "outcome");
	if (v && strcmp(v, "fulfilled") == 0)
		*out = REQUEST_FULFILLED;
	else if (v && strcmp(v, "refused") == 0)
		*out = REQUEST_REFUSED;
	else
		return false;
	return true;
}

static void answer_list(struct req *r, int rc, const char *key, json_t *list,
			const struct failure *f)
{
	if (rc != 0)
		resp_failure(r, f);
	else
		resp_json(r, 200, json_pack("{s:o,s:i}", key, list, "limit", REQUEST_LIST_MAX));
}

void request_api_items(struct req *r)
{
	json_t *list;
	struct failure f;
	int rc = request_items_list(true, &list, &f);
	if (rc == 0) {
		/* The public list: what can be asked for now. */
		json_t *open = json_array(), *it;
		size_t i;
		json_array_foreach (list, i, it)
			if (json_is_true(json_object_get(it, "active")))
				json_array_append(open, it);
		json_decref(list);
		list = open;
	}
	answer_list(r, rc, "items", list, &f);
}

void request_api_create(struct req *r)
{
	struct request_new in;
	int64_t id;
	struct failure f;
	request_api_new(r, strtoll(req_param(r, "item"), NULL, 10), &in);
	if (request_create(&in, &id, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 201, json_pack("{s:I,s:s}", "id", (json_int_t)id, "status", "open"));
}

void request_api_status(struct req *r)
{
	json_t *st;
	struct failure f;
	if (request_status(r->path_params[0], &st, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	r->no_store = true;
	resp_json(r, 200, st);
}

void request_api_queue(struct req *r)
{
	const char *state = req_param(r, "state");
	json_t *list;
	struct failure f;
	int rc = request_queue(state && strcmp(state, "all") == 0, &list, &f);
	answer_list(r, rc, "requests", list, &f);
}

void request_api_open(struct req *r)
{
	struct broker_actor actor;
	json_t *o;
	struct failure f;
	session_actor(session_current(r), &actor);
	if (request_open(request_api_path_id(r), &actor, &o, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	r->no_store = true;
	resp_json(r, 200, json_pack("{s:o}", "request", o));
}

void request_api_decide(struct req *r)
{
	struct broker_actor actor;
	enum request_outcome outcome;
	struct failure f;
	int handed = 0;
	const char *carrier = req_param(r, "carrier");
	if (!request_api_outcome(r, &outcome)) {
		err_failf(&f, ERR_INVALID_FIELD, "outcome is fulfilled or refused");
		f.field = "outcome";
		resp_failure(r, &f);
		return;
	}
	session_actor(session_current(r), &actor);
	if (request_decide(request_api_path_id(r), &actor, outcome, req_param(r, "note"),
			   carrier && strcmp(carrier, "true") == 0, &handed, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200,
		  json_pack("{s:s,s:b}", "status",
			    outcome == REQUEST_FULFILLED ? "fulfilled" : "refused", "handed_over",
			    handed > 0));
}

void request_api_staff_items(struct req *r)
{
	json_t *list;
	struct failure f;
	int rc = request_items_list(false, &list, &f);
	answer_list(r, rc, "items", list, &f);
}

static void answer_item(struct req *r, int status, int64_t id)
{
	json_t *it;
	struct failure f;
	if (request_item_get(id, false, &it, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, status, json_pack("{s:o}", "item", it));
}

void request_api_item_add(struct req *r)
{
	bool has_active;
	struct request_item in = request_api_item_of(r, &has_active);
	int64_t id;
	struct failure f;
	in.active = has_active ? in.active : true;
	if (request_item_add(&in, &id, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	answer_item(r, 201, id);
}

void request_api_item_update(struct req *r)
{
	bool has_active;
	struct request_item in = request_api_item_of(r, &has_active);
	struct failure f;
	in.id = request_api_path_id(r);
	if (request_item_update(&in, has_active, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	answer_item(r, 200, in.id);
}
