-- Profiles issue: the consent ledger, the access log, published profile
-- versions and the NAM10 notices. Portable SQL (see src/store.h).

-- Which profile version a subject's data was first collected under (NAM10).
ALTER TABLE subjects ADD COLUMN profile_version BIGINT;

-- Current choice per subject and purpose; the history is in consent_events.
CREATE TABLE consents (
	subject_id BIGINT NOT NULL REFERENCES subjects(id),
	purpose TEXT NOT NULL,
	state TEXT NOT NULL,
	profile_version BIGINT NOT NULL,
	changed_at BIGINT NOT NULL,
	via TEXT NOT NULL,
	PRIMARY KEY (subject_id, purpose)
);

CREATE TABLE consent_events (
	id BIGINT PRIMARY KEY,
	subject_id BIGINT NOT NULL REFERENCES subjects(id),
	purpose TEXT NOT NULL,
	state TEXT NOT NULL,
	profile_version BIGINT NOT NULL,
	changed_at BIGINT NOT NULL,
	via TEXT NOT NULL
);
CREATE INDEX consent_events_subject ON consent_events (subject_id, changed_at);

-- Every access by staff or for a partner, hash-chained: each entry's hash
-- covers its fields and the previous entry's hash.
CREATE TABLE access_log (
	seq BIGINT PRIMARY KEY,
	at BIGINT NOT NULL,
	actor_kind TEXT NOT NULL,
	actor_id BIGINT NOT NULL,
	role TEXT NOT NULL,
	recipient TEXT NOT NULL,
	subject_id BIGINT NOT NULL,
	purpose TEXT NOT NULL,
	categories TEXT NOT NULL,
	action TEXT NOT NULL,
	prev_hash BYTEA NOT NULL,
	hash BYTEA NOT NULL
);
CREATE INDEX access_log_subject ON access_log (subject_id, seq);

-- The chain's head, one row, updated in the same transaction as each append
-- so appends from several processes serialise on it.
CREATE TABLE access_log_head (
	id BIGINT PRIMARY KEY,
	seq BIGINT NOT NULL,
	hash BYTEA NOT NULL
);

-- Every published version of the profile stays published (INS14).
CREATE TABLE profile_versions (
	version BIGINT PRIMARY KEY,
	name TEXT NOT NULL,
	effective TEXT NOT NULL,
	source TEXT NOT NULL,
	changes TEXT NOT NULL,
	published_at BIGINT NOT NULL
);

-- Purposes that a version adds for data already held (NAM10).
CREATE TABLE new_uses (
	version BIGINT NOT NULL,
	purpose TEXT NOT NULL,
	PRIMARY KEY (version, purpose)
);

-- Per subject and new use: when the notice is due and when it went out.
-- The use applies once notified_at + the opt-out window has passed.
CREATE TABLE use_notices (
	subject_id BIGINT NOT NULL REFERENCES subjects(id),
	purpose TEXT NOT NULL,
	version BIGINT NOT NULL,
	due_at BIGINT NOT NULL,
	notified_at BIGINT,
	PRIMARY KEY (subject_id, purpose, version)
);
