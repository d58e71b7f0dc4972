-- A forgotten password (members only; staff are reset by an admin): each
-- request to an address with an account keeps the keyed hash of the link's
-- token here, never the token, for 30 minutes (expires_at; the retention
-- pass drops expired rows). Setting a new password from a link spends every
-- link of the member.
CREATE TABLE password_resets (
	token_hash BYTEA PRIMARY KEY,
	member_id BIGINT NOT NULL REFERENCES members(id),
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX password_resets_member ON password_resets (member_id);
