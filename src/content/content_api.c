/*
 * content_api: the JSON adapter of members' content (content_api.h).
 */
#include "content_api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "community.h"
#include "err.h"
#include "session.h"

bool content_community_offered(void)
{
	return community_offered();
}

bool content_stories_offered(void)
{
	return story_offered();
}

bool content_display_name_offered(void)
{
	return display_name_offered();
}

int64_t content_api_id(const char *text)
{
	if (!text)
		return 0;
	char *end;
	errno = 0;
	long long id = strtoll(text, &end, 10);
	return errno == 0 && *end == '\0' && id > 0 ? (int64_t)id : 0;
}

bool content_api_flag(const struct req *r, const char *name)
{
	const char *v = req_param(r, name);
	return v && strcmp(v, "true") == 0;
}

void content_api_story_input(const struct req *r, struct story_input *in)
{
	*in = (struct story_input){
		.kind = req_param(r, "kind"),
		.title = req_param(r, "title"),
		.body = req_param(r, "submitted_content"),
		.publish = content_api_flag(r, "publish"),
		.accept = content_api_flag(r, "accept"),
	};
}

static int64_t member_of(const struct req *r)
{
	return session_current(r)->account;
}

/* ---- the community garage and the display name ---- */

void content_api_community(struct req *r)
{
	json_t *cars;
	struct failure f;
	if (community_list(&cars, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:o}", "vehicles", cars));
}

void content_api_car_shown(struct req *r)
{
	struct failure f;
	bool shown = content_api_flag(r, "public");
	if (community_set_shown(member_of(r), content_api_id(r->path_params[0]), shown, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:b}", "public", shown));
}

void content_api_display_name(struct req *r)
{
	char *name;
	struct failure f;
	if (display_name_get(member_of(r), &name, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:s?}", "display_name", name));
	free(name);
}

void content_api_display_name_set(struct req *r)
{
	struct failure f;
	const char *name = req_param(r, "display_name");
	if (display_name_set(member_of(r), name, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:s?}", "display_name", name && *name ? name : NULL));
}

/* ---- stories and questions ---- */

void content_api_notice(struct req *r)
{
	json_t *n = story_notice();
	if (!n) {
		resp_error(r, 404, "not_found", "This site publishes no stories or questions.",
			   NULL);
		return;
	}
	resp_json(r, 200, n);
}

void content_api_stories(struct req *r)
{
	json_t *list;
	struct failure f;
	if (story_published(&list, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:o}", "stories", list));
}

void content_api_mine(struct req *r)
{
	json_t *list;
	struct failure f;
	if (story_mine(member_of(r), &list, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:o}", "stories", list));
}

static void saved(struct req *r, int status, const struct story_saved *s)
{
	resp_json(r, status, json_pack("{s:I,s:s}", "id", (json_int_t)s->id, "status", s->status));
}

void content_api_create(struct req *r)
{
	struct story_input in;
	struct story_saved s;
	struct failure f;
	content_api_story_input(r, &in);
	if (story_create(member_of(r), &in, &s, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	saved(r, 201, &s);
}

void content_api_read(struct req *r)
{
	json_t *o;
	struct failure f;
	if (story_read(member_of(r), content_api_id(r->path_params[0]), &o, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, o);
}

void content_api_update(struct req *r)
{
	struct story_input in;
	struct story_saved s;
	struct failure f;
	content_api_story_input(r, &in);
	if (story_update(member_of(r), content_api_id(r->path_params[0]), &in, &s, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	saved(r, 200, &s);
}

void content_api_delete(struct req *r)
{
	struct failure f;
	if (story_delete(member_of(r), content_api_id(r->path_params[0]), &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:b}", "deleted", 1));
}

void content_api_report(struct req *r)
{
	struct failure f;
	if (story_report(content_api_id(r->path_params[0]), &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:b}", "reported", 1));
}

static void on_close_answer(struct req *r, bool keep)
{
	resp_json(
		r, 200,
		json_pack("{s:s}", "submissions_on_close", keep ? "kept_without_name" : "deleted"));
}

void content_api_on_close(struct req *r)
{
	bool keep;
	struct failure f;
	if (story_on_close_get(member_of(r), &keep, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	on_close_answer(r, keep);
}

void content_api_on_close_set(struct req *r)
{
	const char *choice = req_param(r, "submissions");
	bool keep = choice && strcmp(choice, "keep") == 0;
	struct failure f;
	if (story_on_close_set(member_of(r), keep, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	on_close_answer(r, keep);
}

/* ---- moderators ---- */

void content_api_queue(struct req *r)
{
	json_t *q;
	struct failure f;
	if (moderation_queue(&q, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, q);
}

void content_api_moderation_read(struct req *r)
{
	struct broker_actor moderator;
	json_t *o;
	struct failure f;
	session_actor(session_current(r), &moderator);
	if (moderation_read(&moderator, content_api_id(r->path_params[0]), &o, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, o);
}

void content_api_decide(struct req *r)
{
	struct broker_actor moderator;
	const char *status;
	struct failure f;
	session_actor(session_current(r), &moderator);
	if (moderation_decide(&moderator, content_api_id(r->path_params[0]),
			      req_param(r, "decision"), req_param(r, "reason"), &status, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:s}", "status", status));
}
