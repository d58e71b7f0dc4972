/*
 * story: members' stories and questions (issue 16, INS13) as domain logic
 * that knows nothing of HTTP (content_api.c and content_page.c adapt it).
 *
 * Offered only where the profile declares a purpose of kind public_content
 * that covers submitted_content (mini-insiders' public_submissions);
 * elsewhere every call fails ERR_NO_STORIES (404). The title and text are
 * the author's personal data, sealed under their key (records.c, the
 * "stories" table): the export lists them, closing the account erases them.
 *
 * A member writes a draft (no acceptance needed), edits it, deletes it.
 * Publishing needs the INS13 acceptance: the member ticks the notice (the
 * purpose's description, story_notice), the row records the profile
 * version and the time, and the consent ledger records the yes (the
 * purpose is opt_in: glovebox shows nobody's text without it). A member
 * without an approved submission waits for a moderator (status
 * "pending"); one with an approved history is published at once.
 *
 * Statuses: draft, pending, published, rejected, taken_down.
 *
 * Photos are another family's (src/photos/): a story will carry photo ids
 * through a story_photos link table (story id, photo id) that the two
 * families share once both have landed; nothing here knows photos yet.
 */
#ifndef GLOVEBOX_STORY_H
#define GLOVEBOX_STORY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct broker_actor;
struct store_conn;

/* The most submissions one list shows, newest first. */
#define STORY_LISTED 200
/* Hard caps the routes declare; the config's story-title-max and
 * story-body-max (smaller) are the limits a member meets. */
#define STORY_TITLE_CAP 1000
#define STORY_BODY_CAP	100000
/* The longest reason a moderator gives (mailed to the author). */
#define STORY_REASON_MAX 2000

bool story_offered(void);

/* The notice a member accepts to publish: {purpose, label, text,
 * profile_version}. NULL when not offered. */
json_t *story_notice(void);

struct story_input {
	const char *kind; /* "story" or "question" (NULL: story) */
	const char *title, *body;
	bool publish; /* publish now, else keep as a draft */
	bool accept;  /* the INS13 notice ticked */
};

/* {id, status} of a submission just saved. */
struct story_saved {
	int64_t id;
	const char *status;
};

/* ERR_NO_STORIES, ERR_STORY_TOO_LONG (field title or body), ERR_NOT_ACCEPTED
 * (publishing without the acceptance), ERR_STORE. */
int story_create(int64_t member, const struct story_input *in, struct story_saved *out,
		 struct failure *f);
/* The author edits one of theirs (as story_create; a taken-down one cannot
 * be: ERR_STORY_STATE). Another member's: ERR_NO_SUCH_STORY. */
int story_update(int64_t member, int64_t id, const struct story_input *in, struct story_saved *out,
		 struct failure *f);
int story_delete(int64_t member, int64_t id, struct failure *f);

/* The author's own, newest first: [{id, kind, title, status, reason,
 * accepted_version, accepted_at, created_at, updated_at, published_at}]. */
int story_mine(int64_t member, json_t **list, struct failure *f);
/* The published ones, newest first: [{id, kind, title, display_name,
 * published_at}]. */
int story_published(json_t **list, struct failure *f);
/* One submission for a signed-in member: a published one, or any of their
 * own (then with its status). {id, kind, title, body (Markdown), html (safe
 * to place raw), display_name, status, mine, published_at}. */
int story_read(int64_t viewer, int64_t id, json_t **out, struct failure *f);

/* A member reports a published submission. ERR_NO_SUCH_STORY, ERR_STORE. */
int story_report(int64_t id, struct failure *f);

/* ---- closing the account ----
 * The member's choice for their published submissions when they close the
 * account: deleted (the default) or kept without their name. Kept ones are
 * copied, title, text, kind and day of publication only, into
 * public_stories: public non-personal content, with no link to the member
 * (no id, no display name, no acceptance record), shown as by a former
 * member; drafts and unpublished ones always go. */
int story_on_close_get(int64_t member, bool *keep, struct failure *f);
int story_on_close_set(int64_t member, bool keep, struct failure *f);
/* "deleted" or "kept_without_name" for the member's export, or NULL when
 * the profile has no stories. Inside the caller's connection. */
const char *story_on_close_text(struct store_conn *c, int64_t member);
/* Called by the account's closing inside its transaction, before the
 * erasure: copies the published submissions the member chose to keep.
 * 0, or -1 (then the closing rolls back). */
int story_close(struct store_conn *c, int64_t member);

/* ---- moderation (moderation.c): staff whose role has the purpose ---- */

/* Waiting for a decision, oldest first, and published ones reported:
 * {pending: [{id, kind, title, html, created_at}], reported: [{id, title,
 * reports}]}. Reading a submission is not an access to its author's data. */
int moderation_queue(json_t **out, struct failure *f);
/* One submission with its author's name, opened through the broker as the
 * moderator (logged, shown to the member): {id, kind, title, body, html,
 * status, reports, author: {member, name}}. ERR_NO_STORIES,
 * ERR_NO_SUCH_STORY (none, or a draft: never sent to anyone), ERR_REFUSED (the broker's reason as
 * the code), ERR_ERASED, ERR_STORE. */
int moderation_read(const struct broker_actor *moderator, int64_t id, json_t **out,
		    struct failure *f);
/* approve (pending -> published), reject (pending -> rejected, reason
 * mailed to the author) or take_down (published -> taken_down, reason
 * mailed). Logged with the decision as the action. ERR_INVALID_FIELD,
 * ERR_NO_SUCH_STORY, ERR_STORY_STATE, ERR_REFUSED (the broker's reason),
 * ERR_ERASED, ERR_STORE. */
int moderation_decide(const struct broker_actor *moderator, int64_t id, const char *decision,
		      const char *reason, const char **status, struct failure *f);

const char *valid_story_kind(const char *s, size_t len);
/* "delete" or "keep": the choice for the published ones on closing. */
const char *valid_on_close(const char *s, size_t len);
const char *valid_moderation_decision(const char *s, size_t len);

#endif
