-- Rate-limit counters, shared by every glovebox process on the database.
-- A bucket is a keyed hash of (scope, client, window): no address is stored.
CREATE TABLE rate_limits (
	bucket BYTEA PRIMARY KEY,
	window_end BIGINT NOT NULL,
	hits BIGINT NOT NULL
);
CREATE INDEX rate_limits_end ON rate_limits (window_end);
