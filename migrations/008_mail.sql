-- The outbox: messages waiting to be delivered. The recipient's address and
-- the whole message are sealed under the data key of the person the
-- message goes to, with the categories the profile gives them, so erasing
-- that person makes a waiting message unreadable too. A message leaves the
-- table once delivered (only a counter remains) or once it fails for good.
-- A row being delivered is claimed by one process (claimed_by, claimed_at);
-- a claim older than a few minutes is taken back (its process died), and
-- the message goes again with the same Message-ID.
CREATE TABLE outbox (
	id BIGINT PRIMARY KEY,
	subject_id BIGINT NOT NULL REFERENCES subjects(id),
	purpose TEXT NOT NULL,
	address_category TEXT NOT NULL,
	content_category TEXT NOT NULL,
	recipient BYTEA NOT NULL,
	message BYTEA NOT NULL,
	message_id TEXT NOT NULL,
	status TEXT NOT NULL,
	attempts BIGINT NOT NULL,
	next_attempt_at BIGINT NOT NULL,
	claimed_by TEXT,
	claimed_at BIGINT,
	created_at BIGINT NOT NULL,
	last_error TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
