-- Data keys move to a table of their own, which backups leave out: a backup
-- holds sealed fields but no keys, so erasing a member (deleting their key
-- here) makes them unreadable in every earlier backup too (ALL02). Restoring
-- a backup takes the keys from the live database (glovebox keys restore).
CREATE TABLE subject_keys (
	subject_id BIGINT PRIMARY KEY REFERENCES subjects(id),
	sealed_key BYTEA NOT NULL
);
INSERT INTO subject_keys (subject_id, sealed_key) SELECT id, sealed_key FROM subjects WHERE sealed_key IS NOT NULL;
ALTER TABLE subjects DROP COLUMN sealed_key;
