-- Record layer: a subject may belong to another (the sender of a contact
-- message written by a signed-in member belongs to that member), so that
-- erasing the owner erases what it owns. Erasure now deletes the subject's
-- rows and the subject itself; erased_at stays for rows erased before.
ALTER TABLE subjects ADD COLUMN owner_id BIGINT;
CREATE INDEX subjects_owner ON subjects (owner_id);
