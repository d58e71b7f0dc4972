/*
 * content_page: the HTML pages of content_page.h. A story's text is shown
 * as the HTML markdown.c made safe ({{&html}} in the templates); every
 * other value is escaped by the template.
 */
#include "content_page.h"

#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "community.h"
#include "content_api.h"
#include "err.h"
#include "garage.h"
#include "mem.h"
#include "page.h"
#include "session.h"
#include "story.h"

static const struct session *sess(const struct req *r)
{
	return session_current(r);
}

static json_t *member_page(struct req *r, const char *title)
{
	json_t *data = page_form_values(r, page_data(r, title));
	json_object_set_new(data, "csrf_token", json_string(sess(r)->csrf));
	r->no_store = true;
	return data;
}

/* ---- the community garage ---- */

void content_page_community(struct req *r)
{
	json_t *cars;
	struct failure f;
	if (community_list(&cars, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	json_t *mine, *own = json_array();
	if (garage_list(sess(r)->account, &mine, &f) != 0) {
		json_decref(cars);
		resp_failure(r, &f);
		return;
	}
	/* The member's own cars with their switch: never their VIN here. */
	size_t i;
	json_t *car;
	json_array_foreach (mine, i, car) {
		json_t *o = json_pack("{s:O,s:O}", "id", json_object_get(car, "id"), "public",
				      json_object_get(car, "public"));
		json_t *nick = json_object_get(car, "nickname");
		if (nick)
			json_object_set(o, "nickname", nick);
		json_array_append_new(own, o);
	}
	json_decref(mine);
	json_t *data = member_page(r, "The community garage");
	json_object_set_new(data, "vehicles", cars);
	json_object_set_new(data, "mine", own);
	const char *done = req_param(r, "done");
	if (done && strcmp(done, "shown") == 0)
		json_object_set_new(data, "done",
				    json_string("Your car is shown to other members."));
	else if (done && strcmp(done, "hidden") == 0)
		json_object_set_new(data, "done",
				    json_string("Your car is hidden from other members."));
	page_render(r, 200, "community", data);
}

void content_page_car_shown(struct req *r)
{
	struct failure f;
	if (r->nerrors) {
		resp_error(r, 422, "invalid_field", "That car cannot be changed.", "id");
		return;
	}
	bool shown = content_api_flag(r, "public");
	if (community_set_shown(sess(r)->account, content_api_id(req_param(r, "id")), shown, &f) !=
	    0) {
		resp_failure(r, &f);
		return;
	}
	page_redirect(r, shown ? "/community?done=shown" : "/community?done=hidden");
}

/* ---- the display name ---- */

static void display_name_render(struct req *r, int status)
{
	char *name = NULL;
	struct failure f;
	if (display_name_get(sess(r)->account, &name, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	json_t *data = member_page(r, "Your display name");
	page_notice(data, "display_name");
	if (name)
		json_object_set_new(data, "display_name", json_string(name));
	free(name);
	page_render(r, status, "display_name", data);
}

void content_page_display_name(struct req *r)
{
	display_name_render(r, 200);
}

void content_page_display_name_set(struct req *r)
{
	if (r->nerrors) {
		display_name_render(r, 422);
		return;
	}
	struct failure f;
	if (display_name_set(sess(r)->account, req_param(r, "display_name"), &f) != 0) {
		display_name_render(r, page_form_failure(r, &f, "display_name"));
		return;
	}
	page_redirect(r, "/me/display-name");
}

/* ---- stories and questions ---- */

static void stories_render(struct req *r, int status)
{
	json_t *list, *mine;
	struct failure f;
	if (story_published(&list, &f) != 0 || story_mine(sess(r)->account, &mine, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	page_times(list, "published_at");
	json_t *data = member_page(r, "Stories and questions");
	json_object_set_new(data, "stories", list);
	json_object_set_new(data, "mine", mine);
	json_object_set_new(data, "notice", story_notice());
	bool keep = false;
	story_on_close_get(sess(r)->account, &keep, &f);
	json_object_set_new(data, "keep", json_boolean(keep));
	page_render(r, status, "stories", data);
}

void content_page_stories(struct req *r)
{
	stories_render(r, 200);
}

static void to_story(struct req *r, int64_t id)
{
	page_redirect(r, arena_printf(r->arena, "/stories/%lld", (long long)id));
}

void content_page_create(struct req *r)
{
	if (r->nerrors) {
		stories_render(r, 422);
		return;
	}
	struct story_input in;
	struct story_saved s;
	struct failure f;
	content_api_story_input(r, &in);
	if (story_create(sess(r)->account, &in, &s, &f) != 0) {
		stories_render(r, page_form_failure(r, &f, "submitted_content"));
		return;
	}
	to_story(r, s.id);
}

static void story_render(struct req *r, int64_t id, int status)
{
	json_t *o;
	struct failure f;
	if (story_read(sess(r)->account, id, &o, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	json_t *data = member_page(r, json_string_value(json_object_get(o, "title")));
	json_object_set_new(data, "story", o);
	json_object_set_new(data, "notice", story_notice());
	page_render(r, status, "story", data);
}

void content_page_story(struct req *r)
{
	story_render(r, content_api_id(r->path_params[0]), 200);
}

void content_page_update(struct req *r)
{
	int64_t id = content_api_id(r->path_params[0]);
	if (r->nerrors) {
		story_render(r, id, 422);
		return;
	}
	struct story_input in;
	struct story_saved s;
	struct failure f;
	content_api_story_input(r, &in);
	if (story_update(sess(r)->account, id, &in, &s, &f) != 0) {
		if (f.err == ERR_NO_SUCH_STORY || f.err == ERR_NO_STORIES) {
			resp_failure(r, &f);
			return;
		}
		story_render(r, id, page_form_failure(r, &f, "submitted_content"));
		return;
	}
	to_story(r, s.id);
}

void content_page_delete(struct req *r)
{
	struct failure f;
	if (story_delete(sess(r)->account, content_api_id(r->path_params[0]), &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	page_redirect(r, "/stories");
}

void content_page_report(struct req *r)
{
	struct failure f;
	/* Past the limit: the list again with the message (429, Retry-After). */
	if (r->nerrors) {
		stories_render(r, 422);
		return;
	}
	if (story_report(content_api_id(r->path_params[0]), &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	page_redirect(r, "/stories");
}

void content_page_on_close_set(struct req *r)
{
	if (r->nerrors) {
		stories_render(r, 422);
		return;
	}
	const char *choice = req_param(r, "submissions");
	struct failure f;
	if (story_on_close_set(sess(r)->account, choice && strcmp(choice, "keep") == 0, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	page_redirect(r, "/stories");
}

/* ---- moderators ---- */

void content_page_queue(struct req *r)
{
	json_t *q;
	struct failure f;
	if (moderation_queue(&q, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	page_times(json_object_get(q, "pending"), "created_at");
	json_t *data = page_data(r, "Submissions to moderate");
	json_object_set_new(data, "queue", q);
	json_object_set_new(data, "csrf_token", json_string(sess(r)->csrf));
	r->no_store = true;
	page_render(r, 200, "staff_stories", data);
}

void content_page_moderation(struct req *r)
{
	struct broker_actor moderator;
	json_t *o;
	struct failure f;
	session_actor(sess(r), &moderator);
	if (moderation_read(&moderator, content_api_id(r->path_params[0]), &o, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	json_t *data = page_data(r, "A submission");
	json_object_set_new(data, "story", o);
	json_object_set_new(data, "csrf_token", json_string(sess(r)->csrf));
	r->no_store = true;
	page_render(r, 200, "staff_story", data);
}

void content_page_decide(struct req *r)
{
	if (r->nerrors) {
		resp_error(r, 422, "invalid_field", "Choose approve, reject or take down.",
			   "decision");
		return;
	}
	struct broker_actor moderator;
	const char *status;
	struct failure f;
	session_actor(sess(r), &moderator);
	if (moderation_decide(&moderator, content_api_id(r->path_params[0]),
			      req_param(r, "decision"), req_param(r, "reason"), &status, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	page_redirect(r, "/staff/stories");
}
