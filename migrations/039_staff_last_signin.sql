-- Issue 17, the admin console: when each staff account last signed in,
-- shown in the console's list of staff. A time, never an address.
-- Portable SQL (see src/store.h).
ALTER TABLE staff ADD COLUMN last_signin_at BIGINT;
