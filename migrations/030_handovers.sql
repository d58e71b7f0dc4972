-- Issue 13: hand-overs to the recipients the profile names (affiliates,
-- service providers, dealers), queued in the outbox pattern of 008_mail.sql.
-- A hand-over is a row of `handovers` (who, for what, which fields, the
-- Standard Webhooks id it is delivered under, its delivery state) and one
-- row of `handover_fields` per field handed over, the value sealed under
-- the subject's data key with its category (`category` names it), so that
-- erasing the subject makes a waiting hand-over unreadable and removes it.
-- A delivered hand-over leaves both tables (a counter and the access log's
-- "disclose" entry remain); one that failed for good stays, status
-- 'failed', until expires_at, for an administrator to retry or drop.
-- Portable SQL (src/data/store.h).
CREATE TABLE handovers (
	id BIGINT PRIMARY KEY,
	subject_id BIGINT NOT NULL REFERENCES subjects(id),
	recipient TEXT NOT NULL,
	purpose TEXT NOT NULL,
	categories TEXT NOT NULL,
	reason TEXT NOT NULL,
	webhook_id TEXT NOT NULL UNIQUE,
	status TEXT NOT NULL,
	attempts BIGINT NOT NULL,
	next_attempt_at BIGINT NOT NULL,
	claimed_by TEXT,
	claimed_at BIGINT,
	created_at BIGINT NOT NULL,
	expires_at BIGINT,
	last_error TEXT
);
CREATE INDEX handovers_due ON handovers (status, next_attempt_at);
CREATE INDEX handovers_subject ON handovers (subject_id, recipient, purpose);
CREATE TABLE handover_fields (
	id BIGINT PRIMARY KEY,
	handover_id BIGINT NOT NULL,
	subject_id BIGINT NOT NULL REFERENCES subjects(id),
	category TEXT NOT NULL,
	field_value BYTEA NOT NULL,
	expires_at BIGINT
);
CREATE INDEX handover_fields_handover ON handover_fields (handover_id);
