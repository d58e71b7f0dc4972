-- Issue 14: information and material requests (NAM02, NAM04, NAM05;
-- docs/requests.md). `request_items` is what staff publish as requestable
-- (a brochure, an event registration, club material): no one's data; kind
-- names the collection point a request for it uses. `requests` belongs to
-- the requester's own subject (a requester, owned by the member who asked
-- while signed in): the collection point's fields sealed under the
-- requester's key, the keyed hash of the status link's token, the status
-- and when it was done; the retention pass erases the requester the
-- profile's time after done_at (records.c).
-- Portable SQL (src/data/store.h).
CREATE TABLE request_items (
	id BIGINT PRIMARY KEY,
	kind TEXT NOT NULL,
	title TEXT NOT NULL,
	description TEXT NOT NULL,
	active INTEGER NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE TABLE requests (
	id BIGINT PRIMARY KEY,
	subject_id BIGINT NOT NULL REFERENCES subjects(id),
	item_id BIGINT NOT NULL REFERENCES request_items(id),
	collection TEXT NOT NULL,
	name BYTEA,
	email BYTEA,
	postal_address BYTEA,
	phone BYTEA,
	order_details BYTEA,
	token_hash BYTEA NOT NULL UNIQUE,
	status TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	done_at BIGINT,
	done_by BIGINT
);
CREATE INDEX requests_subject ON requests (subject_id);
CREATE INDEX requests_status ON requests (status, created_at);
