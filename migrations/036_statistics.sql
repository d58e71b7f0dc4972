-- Issue 15: the visit reports (docs/visits.md). Portable SQL.
--
-- visit_area_days_area: the report reads one range of days ordered by area,
-- then day; with the primary key (day, area) alone both engines sorted every
-- row of the range (bench/visits_report.sh: a year of 60 areas sorted on
-- each report). In this order the rows come sorted.
--
-- statistics_budget: the privacy budget of the reports' Laplace noise, where
-- the profile declares it (docs/visits.md, "Laplace noise"): how much
-- epsilon a staff member has spent in a period (period_start: seconds since
-- 1970, a multiple of the profile's period), in millionths so that both
-- engines add whole numbers. Only the current period's row is kept: older
-- rows are deleted at the member's next report. It holds no one's data but
-- the staff account's number and a sum.
CREATE INDEX visit_area_days_area ON visit_area_days (area, day);
CREATE TABLE statistics_budget (
	staff_id BIGINT NOT NULL,
	period_start BIGINT NOT NULL,
	spent BIGINT NOT NULL,
	PRIMARY KEY (staff_id, period_start)
);
