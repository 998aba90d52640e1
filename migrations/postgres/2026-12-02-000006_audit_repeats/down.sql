DROP INDEX audit_events_dedupe;
ALTER TABLE audit_events DROP COLUMN dedupe_key;
ALTER TABLE audit_events DROP COLUMN repeat_count;
