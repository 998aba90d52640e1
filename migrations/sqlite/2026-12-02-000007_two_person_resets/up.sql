-- A new code for an employee who has activated replaces their key, so it takes two people: a
-- request with a reason, then a different superadmin's approval. And every key and signature
-- knows its generation (1 = the first key), so signatures made with a replacement key can be
-- named for follow-up.
CREATE TABLE reset_requests (
    id INTEGER PRIMARY KEY NOT NULL,
    nip TEXT NOT NULL REFERENCES employees (nip),
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP,
    approved BOOLEAN
);
-- At most one open request per employee.
CREATE UNIQUE INDEX reset_requests_open ON reset_requests (nip) WHERE decided_at IS NULL;

ALTER TABLE employees ADD COLUMN key_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE signatures ADD COLUMN key_generation INTEGER NOT NULL DEFAULT 1;

-- Backfill from the log: a key entry's NIP is bytes 18–35 ("ikrar/v1 key\nnip " is 17 bytes).
CREATE TABLE key_entries_backfill AS
    SELECT substr(CAST(body AS TEXT), 18, 18) AS nip, idx FROM log_entries WHERE kind = 'key';
CREATE INDEX key_entries_backfill_nip ON key_entries_backfill (nip, idx);
UPDATE employees SET key_count =
    (SELECT COUNT(*) FROM key_entries_backfill k WHERE k.nip = employees.nip);
UPDATE signatures SET key_generation =
    (SELECT COUNT(*) FROM key_entries_backfill k
     WHERE k.nip = signatures.nip AND k.idx < signatures.log_index);
DROP TABLE key_entries_backfill;

CREATE INDEX signatures_replaced_key ON signatures (pact_id, unit_code) WHERE key_generation > 1;
