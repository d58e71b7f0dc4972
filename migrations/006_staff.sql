-- Staff accounts: the operator's own people. Each is a data subject of kind
-- 'staff' with a data key of its own, under which the e-mail address and the
-- TOTP secret are sealed; the address is found by its blind index. Until the
-- account is enrolled it has no password and holds the keyed hash of a
-- one-time enrolment token.
CREATE TABLE staff (
	id BIGINT PRIMARY KEY REFERENCES subjects(id),
	email_index BYTEA NOT NULL UNIQUE,
	email BYTEA NOT NULL,
	role TEXT NOT NULL,
	password_hash TEXT,
	totp_secret BYTEA,
	totp_confirmed BIGINT NOT NULL,
	totp_last_step BIGINT NOT NULL,
	enrol_hash BYTEA,
	enrol_expires BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	failed_logins BIGINT NOT NULL,
	locked_until BIGINT NOT NULL
);
CREATE UNIQUE INDEX staff_enrol ON staff (enrol_hash);

-- Staff sessions: like members' (003), in a table of their own.
CREATE TABLE staff_sessions (
	token_hash BYTEA PRIMARY KEY,
	staff_id BIGINT NOT NULL REFERENCES staff(id),
	created_at BIGINT NOT NULL,
	last_seen BIGINT NOT NULL,
	auth_at BIGINT NOT NULL,
	csrf TEXT NOT NULL
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);
