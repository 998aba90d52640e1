-- The same event repeated (attempts at a locked account) is one row with a count, so that
-- nobody can flood the audit trail: `dedupe_key` names the event (NULL for ordinary rows).
ALTER TABLE audit_events ADD COLUMN repeat_count BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_events ADD COLUMN dedupe_key TEXT;
CREATE UNIQUE INDEX audit_events_dedupe ON audit_events (dedupe_key);
