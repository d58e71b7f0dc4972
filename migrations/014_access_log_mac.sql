-- Issue 11: the access log's chain under a key of its own. Each entry now
-- carries a MAC under the audit sub-key of the master key (no longer a hash
-- under the token key), over its fields and the previous entry's MAC; the
-- columns say so. A binary from before this migration no longer finds the
-- columns it wrote, so it refuses staff accesses instead of appending
-- entries hashed the old way. Portable SQL (see src/data/store.h).
ALTER TABLE access_log RENAME COLUMN prev_hash TO prev_mac;
ALTER TABLE access_log RENAME COLUMN hash TO mac;
ALTER TABLE access_log_head RENAME COLUMN hash TO mac;

-- How the chain is made: 1, each entry hashed under the token key (before
-- this migration); 2, each entry's MAC under the audit key. A chain of
-- version 1 is re-keyed at start (src/data/audit.c, audit_upgrade), once
-- it has been checked under the old hash; nothing is appended to it before.
ALTER TABLE access_log_head ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
