-- Issue 16: what members share. A member's display name (optional, shown
-- beside what they share) is sealed on their row under the display_name
-- category. A story or question is the author's personal data
-- (submitted_content): its title and text are sealed under the author's
-- key; status is draft, pending (waiting for a moderator), published,
-- rejected or taken_down; accepted_version and accepted_at record the
-- INS13 notice the author accepted when publishing (the profile version
-- and the time). members.keep_submissions is the member's choice of what
-- happens to their published submissions when they close the account (0:
-- deleted, the default; 1: kept without their name). A kept one is copied
-- into public_stories on closing, as public non-personal content with no
-- link to anyone, and the author's row goes with the account.
-- story_reports counts members' reports of a submission: nobody's data.
-- Portable SQL (src/data/store.h).
ALTER TABLE members ADD COLUMN display_name BYTEA;
ALTER TABLE members ADD COLUMN keep_submissions BIGINT NOT NULL DEFAULT 0;
CREATE TABLE stories (
	id BIGINT PRIMARY KEY,
	member_id BIGINT NOT NULL REFERENCES members(id),
	kind TEXT NOT NULL,
	title BYTEA NOT NULL,
	body BYTEA NOT NULL,
	status TEXT NOT NULL,
	accepted_version BIGINT,
	accepted_at BIGINT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	published_at BIGINT,
	decided_at BIGINT,
	decided_by BIGINT,
	reason TEXT NOT NULL
);
CREATE INDEX stories_member ON stories (member_id);
CREATE INDEX stories_status ON stories (status, published_at);
CREATE TABLE public_stories (
	id BIGINT PRIMARY KEY,
	kind TEXT NOT NULL,
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	published_at BIGINT NOT NULL
);
CREATE INDEX public_stories_published ON public_stories (published_at);
CREATE TABLE story_reports (
	id BIGINT PRIMARY KEY,
	story_id BIGINT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX story_reports_story ON story_reports (story_id);
