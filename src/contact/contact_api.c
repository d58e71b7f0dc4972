/*
 * contact_api: the JSON adapter of the contact family (see contact_api.h).
 */
#include "contact_api.h"

#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "err.h"
#include "session.h"

/* The JSON name of each part of a message. */
static const char *const part_names[CONTACT_NPARTS] = {
	[CONTACT_EMAIL] = "email",
	[CONTACT_TOPIC] = "topic",
	[CONTACT_BODY] = "message",
	[CONTACT_ANSWER] = "answer",
};

void contact_api_new(struct req *r, struct contact_new *in)
{
	struct session s;
	*in = (struct contact_new){
		.email = req_param(r, "email"),
		.topic = req_param(r, "topic"),
		.message = req_param(r, "message"),
		.owner = session_of_request(r, SESSION_MEMBER, &s) ? s.account : 0,
	};
}

enum contact_listing contact_api_listing(const struct req *r)
{
	const char *state = req_param(r, "state");
	return state && strcmp(state, "all") == 0 ? CONTACT_ALL : CONTACT_WAITING;
}

int64_t contact_api_message_id(const struct req *r)
{
	return strtoll(r->path_params[0], NULL, 10);
}

json_t *contact_api_message_json(const struct contact_message *m)
{
	json_t *o = json_pack("{s:I,s:I}", "id", (json_int_t)m->id, "created_at",
			      (json_int_t)m->created_at);
	json_object_set_new(o, "answered_at",
			    m->answered_at ? json_integer(m->answered_at) : json_null());
	for (size_t i = 0; i < CONTACT_NPARTS; i++)
		json_object_set_new(o, part_names[i],
				    m->text[i].p ? json_stringn(m->text[i].p, m->text[i].n)
						 : json_null());
	return o;
}

/* The staff member the gate found, as the broker's actor. */
static void desk_actor(const struct req *r, struct broker_actor *actor)
{
	session_actor(session_current(r), actor);
}

void contact_api_create(struct req *r)
{
	struct contact_new in;
	int64_t id;
	struct failure f;
	contact_api_new(r, &in);
	if (contact_create(&in, &id, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

void contact_api_list(struct req *r)
{
	json_t *list;
	struct failure f;
	if (contact_list(contact_api_listing(r), &list, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:o,s:i}", "messages", list, "limit", CONTACT_LIST_MAX));
}

void contact_api_get(struct req *r)
{
	struct broker_actor actor;
	struct contact_message m;
	struct failure f;
	desk_actor(r, &actor);
	if (contact_open(contact_api_message_id(r), &actor, &m, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, contact_api_message_json(&m));
	contact_message_release(&m);
}

void contact_api_answer(struct req *r)
{
	struct broker_actor actor;
	int64_t id = contact_api_message_id(r), at;
	struct failure f;
	desk_actor(r, &actor);
	if (contact_answer(id, &actor, req_param(r, "answer"), &at, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200,
		  json_pack("{s:I,s:I}", "id", (json_int_t)id, "answered_at", (json_int_t)at));
}
