-- Issue 12 (NAM10, NAM08): every change that widens a purpose is a new use,
-- not only a new purpose or category: a basis asking less consent, a
-- recipient added or given more, a longer retention. Each new use records
-- what widened, one line each, for the notice and for `profile publish`;
-- the broker decides a pending purpose under the old version and the new
-- one together. Portable SQL (see src/store.h).
ALTER TABLE new_uses ADD COLUMN changes TEXT NOT NULL DEFAULT '';
