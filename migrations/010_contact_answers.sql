-- Staff answers to contact messages (NAM07, NAM15, INS03): the answer is
-- sealed under the sender's data key like the message, so the retention
-- pass that erases the sender after the answer erases it too.
ALTER TABLE contact_messages ADD COLUMN answer BYTEA;
ALTER TABLE contact_messages ADD COLUMN answered_by BIGINT;
