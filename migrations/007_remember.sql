-- "Remember me on this device" (INS12): the cookie holds a random reference
-- whose keyed hash is kept here, never any of the member's details. A row
-- lives until the member forgets the device, closes the account, or the
-- profile's retention for the reference passes (expires_at).
CREATE TABLE remembered_devices (
	token_hash BYTEA PRIMARY KEY,
	member_id BIGINT NOT NULL REFERENCES members(id),
	created_at BIGINT NOT NULL,
	last_used BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX remembered_devices_member ON remembered_devices (member_id);
