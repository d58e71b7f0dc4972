/*
 * content_api: the JSON adapter of members' content (community.h,
 * story.h): the community garage, the display name, stories and questions,
 * and the moderators' calls. The route table says who may call each.
 */
#ifndef GLOVEBOX_CONTENT_API_H
#define GLOVEBOX_CONTENT_API_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"
#include "story.h"

/* The route table's .offered tests. */
bool content_community_offered(void);
bool content_stories_offered(void);
bool content_display_name_offered(void);

void content_api_community(struct req *r);
void content_api_car_shown(struct req *r);
void content_api_display_name(struct req *r);
void content_api_display_name_set(struct req *r);

void content_api_notice(struct req *r);
void content_api_stories(struct req *r);
void content_api_mine(struct req *r);
void content_api_create(struct req *r);
void content_api_read(struct req *r);
void content_api_update(struct req *r);
void content_api_delete(struct req *r);
void content_api_report(struct req *r);
void content_api_on_close(struct req *r);
void content_api_on_close_set(struct req *r);

void content_api_queue(struct req *r);
void content_api_moderation_read(struct req *r);
void content_api_decide(struct req *r);

/* Helpers the pages share: a path or form id (0 when not one), and the
 * story the request gives. */
int64_t content_api_id(const char *text);
void content_api_story_input(const struct req *r, struct story_input *in);
bool content_api_flag(const struct req *r, const char *name);

#endif
