-- Sign-in, issue 11. Failures in a row are counted per thing someone may
-- guess at (an address being signed in to, whether or not it has an
-- account; a browser that has signed in before; a session re-entering its
-- password), under a keyed hash of it, never the thing itself: `bucket`.
-- A row is forgotten at expires_at, a day after its last failure.
CREATE TABLE lockouts (
	bucket BYTEA PRIMARY KEY,
	failures BIGINT NOT NULL,
	locked_until BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX lockouts_expires ON lockouts (expires_at);
-- Browsers that have signed in to an account (a member's or a staff
-- member's) before: the cookie holds a random token whose keyed hash is
-- kept here. Such a browser is subject to its own failures only, not to the
-- lock of the account's address, so that nobody can lock the owner out.
CREATE TABLE known_browsers (
	token_hash BYTEA PRIMARY KEY,
	subject_id BIGINT NOT NULL REFERENCES subjects(id),
	created_at BIGINT NOT NULL,
	last_used BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX known_browsers_subject ON known_browsers (subject_id);
-- The per-account counters these replace.
ALTER TABLE members DROP COLUMN failed_logins;
ALTER TABLE members DROP COLUMN locked_until;
ALTER TABLE staff DROP COLUMN failed_logins;
ALTER TABLE staff DROP COLUMN locked_until;
