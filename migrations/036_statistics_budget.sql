-- Issue 15: the privacy budget of the visit reports' Laplace noise, where
-- the profile declares it (docs/visits.md, "Laplace noise"). Portable SQL.
--
-- statistics_budget: how much epsilon a staff member has spent in a period
-- (period_start: seconds since 1970, a multiple of the profile's period),
-- in millionths so that both engines add whole numbers. Only the current
-- period's row is kept: older rows are deleted at the member's next report.
-- It holds no one's data but the staff account's number and a sum.
CREATE TABLE statistics_budget (
	staff_id BIGINT NOT NULL,
	period_start BIGINT NOT NULL,
	spent BIGINT NOT NULL,
	PRIMARY KEY (staff_id, period_start)
);
