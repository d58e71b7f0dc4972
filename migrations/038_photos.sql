-- Issue 16: members' photos (docs/content.md, "Photos"). A photo is a file
-- under DATA/photos named by a random id (`file`, also its address), holding
-- only the re-encoded image, encrypted under a random key of its own; the key
-- is sealed here under the member's data key (`file_key`), so erasing the
-- member leaves the file unreadable, in backups too. published_at is set
-- while the photo is visible to other members (photo_publish).
-- Portable SQL (src/data/store.h).
CREATE TABLE photos (
	id BIGINT PRIMARY KEY,
	member_id BIGINT NOT NULL REFERENCES subjects(id),
	file TEXT NOT NULL UNIQUE,
	file_key BYTEA NOT NULL,
	content_type TEXT NOT NULL,
	width BIGINT NOT NULL,
	height BIGINT NOT NULL,
	bytes BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	published_at BIGINT
);
CREATE INDEX photos_member ON photos (member_id);
