/*
 * content_page: the HTML pages of members' content (community.h, story.h):
 * the community garage, the display name, stories and questions, and the
 * moderators' queue. Each works without JavaScript.
 */
#ifndef GLOVEBOX_CONTENT_PAGE_H
#define GLOVEBOX_CONTENT_PAGE_H

#include "http.h"

void content_page_community(struct req *r);
void content_page_car_shown(struct req *r);
void content_page_display_name(struct req *r);
void content_page_display_name_set(struct req *r);

void content_page_stories(struct req *r);
void content_page_create(struct req *r);
void content_page_story(struct req *r);
void content_page_update(struct req *r);
void content_page_delete(struct req *r);
void content_page_report(struct req *r);
void content_page_on_close_set(struct req *r);

void content_page_queue(struct req *r);
void content_page_moderation(struct req *r);
void content_page_decide(struct req *r);

#endif
