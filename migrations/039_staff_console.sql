-- Issue 17: the admin console and the campaign page's delivery counts.
-- Portable SQL (see src/store.h).

-- When each staff account last signed in, shown in the console's list of
-- staff. A time, never an address.
ALTER TABLE staff ADD COLUMN last_signin_at BIGINT;

-- The campaign a queued message belongs to (NULL: not a campaign's), so
-- the staff campaign page counts what still waits.
ALTER TABLE outbox ADD COLUMN campaign_id BIGINT;
CREATE INDEX outbox_campaign ON outbox (campaign_id);

-- How a campaign's messages settled: counts per outcome (sent, failed,
-- dropped), added by the delivery workers at the end of each pass.
CREATE TABLE campaign_delivery (
	campaign_id BIGINT NOT NULL,
	outcome TEXT NOT NULL,
	n BIGINT NOT NULL,
	PRIMARY KEY (campaign_id, outcome)
);
