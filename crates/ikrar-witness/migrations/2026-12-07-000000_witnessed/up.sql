-- Per log origin, the latest checkpoint this witness cosigned. IF NOT EXISTS: records made
-- before the witness had migrations already hold this table.
CREATE TABLE IF NOT EXISTS witnessed (
    origin TEXT PRIMARY KEY NOT NULL,
    size BIGINT NOT NULL,
    root BLOB NOT NULL,
    checkpoint TEXT NOT NULL,
    cosigned_at BIGINT NOT NULL
);
