-- Address confirmation (double opt-in): no member mail before the member has
-- confirmed the address from the message sent to it. A confirmation token
-- is kept as its keyed hash and used once.
ALTER TABLE members ADD COLUMN email_confirmed_at BIGINT;
CREATE TABLE email_confirmations (
	token_hash BYTEA PRIMARY KEY,
	member_id BIGINT NOT NULL REFERENCES members(id),
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX email_confirmations_member ON email_confirmations (member_id);

-- Campaigns: news the staff write for a purpose of the profile (member
-- news, product communications). Their text is the site's, not anyone's
-- personal data; the audience is computed when the campaign is sent.
CREATE TABLE campaigns (
	id BIGINT PRIMARY KEY,
	purpose TEXT NOT NULL,
	subject TEXT NOT NULL,
	body TEXT NOT NULL,
	created_by BIGINT,
	created_at BIGINT NOT NULL,
	sent_at BIGINT,
	recipients BIGINT NOT NULL
);

-- An address the relay refused for good (5xx) gets no more member mail
-- until the member changes it.
ALTER TABLE members ADD COLUMN email_undeliverable_at BIGINT;

-- A change of address waits for a confirmation from the new address; the
-- new address is sealed under the member's key, and found by its blind
-- index so that no other member can be given it.
CREATE TABLE email_changes (
	token_hash BYTEA PRIMARY KEY,
	member_id BIGINT NOT NULL REFERENCES members(id),
	new_email BYTEA NOT NULL,
	new_index BYTEA NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX email_changes_member ON email_changes (member_id);
