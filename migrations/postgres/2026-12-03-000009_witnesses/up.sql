-- What the log knows of each witness (IKRAR_WITNESSES): the newest checkpoint it cosigned for
-- this log, with its cosignature line, and the last refusal or failure, for the dashboard.
CREATE TABLE witness_states (
    witness_key TEXT PRIMARY KEY NOT NULL,
    size BIGINT NOT NULL DEFAULT 0,
    checkpoint_body TEXT,
    cosignature TEXT,
    cosigned_at TIMESTAMP,
    last_error TEXT,
    last_try_at TIMESTAMP
);
