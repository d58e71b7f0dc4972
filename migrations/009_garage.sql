-- The garage (NAM06): a member's cars. The VIN and serial numbers are
-- sealed under the member's data key for ownership verification only; the
-- VIN is found by its blind index (a keyed hash), never by its text, so two
-- members claiming one car are noticed without either VIN in the clear.
-- Nickname, model, year and colour are sealed too (vehicle_details, part of
-- the member's account). status: verified, review or rejected.
CREATE TABLE vehicles (
	id BIGINT PRIMARY KEY,
	member_id BIGINT NOT NULL REFERENCES members(id),
	vin BYTEA NOT NULL,
	vin_index BYTEA NOT NULL,
	serial_numbers BYTEA,
	details BYTEA,
	shown BIGINT NOT NULL,
	status TEXT NOT NULL,
	reason TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	decided_at BIGINT,
	decided_by BIGINT
);
CREATE INDEX vehicles_member ON vehicles (member_id);
CREATE INDEX vehicles_vin_index ON vehicles (vin_index);
CREATE INDEX vehicles_status ON vehicles (status, created_at);
