-- The Merkle tree in Go's tlog "stored hash" layout: leaf n adds the hashes returned by
-- tlog_tiles::stored_hashes at stored_hash_index(0, n) onwards, so a proof reads O(log n) rows.
CREATE TABLE tree_hashes (
    idx BIGINT PRIMARY KEY NOT NULL CHECK (idx >= 0),
    hash BYTEA NOT NULL
);

-- The newest signed checkpoint (one row). It only moves forward, in the same transaction as the
-- entries it covers.
CREATE TABLE log_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    size BIGINT NOT NULL,
    root BYTEA NOT NULL,
    checkpoint TEXT NOT NULL,
    signed_at TIMESTAMP NOT NULL
);
