-- Members: the account itself, and sessions. Personal columns are sealed
-- under the member's data key; the e-mail is found by its blind index.
CREATE TABLE members (
	id BIGINT PRIMARY KEY REFERENCES subjects(id),
	email_index BYTEA NOT NULL UNIQUE,
	name BYTEA NOT NULL,
	email BYTEA NOT NULL,
	postal_address BYTEA,
	phone BYTEA,
	date_of_birth BYTEA NOT NULL,
	password_hash TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	failed_logins BIGINT NOT NULL,
	locked_until BIGINT NOT NULL
);

-- A session is stored by the keyed hash of its token, never the token.
CREATE TABLE sessions (
	token_hash BYTEA PRIMARY KEY,
	member_id BIGINT NOT NULL REFERENCES members(id),
	created_at BIGINT NOT NULL,
	last_seen BIGINT NOT NULL,
	auth_at BIGINT NOT NULL,
	csrf TEXT NOT NULL
);
CREATE INDEX sessions_member ON sessions (member_id);
