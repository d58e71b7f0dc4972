-- Issue 14: e-postcards (NAM03, NAM05). A card is two people's data, kept
-- apart. `postcards` belongs to the sender's subject (a requester, owned by
-- the member who sent it while signed in): the sender's name, address and
-- greeting, sealed under the sender's key, and the keyed hash of the card's
-- link; ends_at is when the card's life ends (30 days after sending, or at
-- once when it is reported), and the retention pass then erases the sender.
-- `postcard_recipients` belongs to the recipient's own subject: name and
-- address, sealed under the recipient's key, used only to send the one mail;
-- the subject is erased as soon as that mail is delivered or has failed for
-- good (expires_at is a backstop for a mail that never settles).
-- `postcard_reports` is the note a report leaves for staff: when the card
-- was sent and reported and which picture it had, no one's data.
-- Portable SQL (src/data/store.h).
CREATE TABLE postcards (
	id BIGINT PRIMARY KEY,
	subject_id BIGINT NOT NULL REFERENCES subjects(id),
	card TEXT NOT NULL,
	sender_name BYTEA NOT NULL,
	sender_email BYTEA NOT NULL,
	greeting BYTEA,
	token_hash BYTEA NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	ends_at BIGINT NOT NULL,
	delivered_at BIGINT,
	failed_at BIGINT,
	reported_at BIGINT
);
CREATE INDEX postcards_ends ON postcards (ends_at);
CREATE TABLE postcard_recipients (
	id BIGINT PRIMARY KEY,
	subject_id BIGINT NOT NULL REFERENCES subjects(id),
	postcard_id BIGINT NOT NULL,
	name BYTEA,
	email BYTEA NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX postcard_recipients_subject ON postcard_recipients (subject_id);
CREATE TABLE postcard_reports (
	id BIGINT PRIMARY KEY,
	card TEXT NOT NULL,
	sent_at BIGINT NOT NULL,
	reported_at BIGINT NOT NULL
);
