-- Issue 13, dealers (INS08, INS15): the dealers a member may ask to be
-- handed to, managed by staff whose role has the dealer purpose. Not
-- personal data: a dealer is a company (its code, name, postal address and
-- its own privacy-policy link). A dealer is deactivated, never deleted, so
-- that a hand-over made to it stays listed with its name and policy.
-- A hand-over names the dealer it goes to (dealer_id; 0: none, every
-- recipient that is not a dealer) and may carry a non-personal reference
-- (a campaign's, for the mailing house) in its payload.
-- Portable SQL (src/data/store.h).
CREATE TABLE dealers (
	id BIGINT PRIMARY KEY,
	code TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	address TEXT NOT NULL,
	policy_url TEXT NOT NULL,
	active BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
ALTER TABLE handovers ADD COLUMN dealer_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE handovers ADD COLUMN reference TEXT;
