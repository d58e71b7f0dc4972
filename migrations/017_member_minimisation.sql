-- Issue 12. Rule 2: a member's session remembers when the browser's privacy
-- signal (Global Privacy Control, Do Not Track) was applied to the member's
-- choices, so that the signal costs nothing on the session's later
-- requests (src/web/gpc.c). NULL: not yet in this session.
ALTER TABLE sessions ADD COLUMN privacy_signal_at BIGINT;
-- Rule 4 (NAM12, data minimisation): the age screen keeps the fact, not
-- the date of birth: when the member stated their age, and the age they
-- stated they had reached (the profile's minimum age then). NULL in rows
-- from before this migration until the server's first start fills them
-- from the stored date (members_age_screen_upgrade).
ALTER TABLE members ADD COLUMN age_stated_at BIGINT;
ALTER TABLE members ADD COLUMN age_stated_min BIGINT;
-- The date of birth itself is kept (sealed) only when the profile declares
-- a purpose that needs it, so its column may be empty now. Neither engine
-- can drop NOT NULL in a way the other understands, so the column is moved
-- aside and back under its own name (each sealed value is bound to the
-- table, the column's name and the row, so the name must stay).
ALTER TABLE members ADD COLUMN date_of_birth_moving BYTEA;
UPDATE members SET date_of_birth_moving = date_of_birth;
ALTER TABLE members DROP COLUMN date_of_birth;
ALTER TABLE members ADD COLUMN date_of_birth BYTEA;
UPDATE members SET date_of_birth = date_of_birth_moving;
ALTER TABLE members DROP COLUMN date_of_birth_moving;
