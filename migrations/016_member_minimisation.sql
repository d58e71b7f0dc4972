-- Issue 12. Rule 2: a member's session remembers when the browser's privacy
-- signal (Global Privacy Control, Do Not Track) was applied to the member's
-- choices, so that the signal costs nothing on the session's later
-- requests (src/web/gpc.c). NULL: not yet in this session.
ALTER TABLE sessions ADD COLUMN privacy_signal_at BIGINT;
