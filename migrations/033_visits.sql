-- Issue 15: counting visits (docs/visits.md). Portable SQL (src/data/store.h).
--
-- visit_salts: the day's salt under which a visitor's key is taken (a keyed
-- hash of client address, User-Agent and site). One row, today's; the row
-- of a day that has ended is deleted, so no key can be made again and no
-- one followed across days.
-- visit_views: the page views of the days not yet rolled up, one row per
-- visitor, area, referrer and device of a writer's batch (views: how many): the
-- route's pattern (never the path or query), the referring site's host
-- (only another site's), the device class and the visitor's key for that
-- day. Deleted once their day is rolled up.
-- visit_rollups, visit_area_days: the day's counts (views, distinct visitor
-- keys) per area, referrer and device class, and per area alone; nobody's.
-- member_visits (INS10): a signed-in member's views where the profile links
-- visits to members: the page sealed under the member's key, kept for the
-- profile's retention (expires_at), erased with the account.
CREATE TABLE visit_salts (
	day BIGINT PRIMARY KEY,
	salt BYTEA NOT NULL
);
CREATE TABLE visit_views (
	day BIGINT NOT NULL,
	area TEXT NOT NULL,
	referrer TEXT NOT NULL,
	device TEXT NOT NULL,
	visitor BYTEA NOT NULL,
	views BIGINT NOT NULL
);
CREATE INDEX visit_views_day ON visit_views (day);
CREATE TABLE visit_rollups (
	day BIGINT NOT NULL,
	area TEXT NOT NULL,
	referrer TEXT NOT NULL,
	device TEXT NOT NULL,
	views BIGINT NOT NULL,
	visitors BIGINT NOT NULL,
	PRIMARY KEY (day, area, referrer, device)
);
CREATE TABLE visit_area_days (
	day BIGINT NOT NULL,
	area TEXT NOT NULL,
	views BIGINT NOT NULL,
	visitors BIGINT NOT NULL,
	PRIMARY KEY (day, area)
);
CREATE TABLE member_visits (
	id BIGINT PRIMARY KEY,
	member_id BIGINT NOT NULL REFERENCES members(id),
	page BYTEA NOT NULL,
	visited_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX member_visits_member ON member_visits (member_id, visited_at);
CREATE INDEX member_visits_expires ON member_visits (expires_at);
