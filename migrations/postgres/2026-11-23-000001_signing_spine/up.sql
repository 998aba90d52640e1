-- The signing spine: roster, keys, pacts, signatures and the append-only log they write to.
-- Times are UTC. The PostgreSQL twin of migrations/sqlite: only the types differ.

CREATE TABLE units (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    instansi TEXT NOT NULL
);

CREATE TABLE employees (
    nip TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('PNS', 'PPPK')),
    jabatan TEXT NOT NULL,
    unit_code TEXT NOT NULL REFERENCES units (code),
    -- SHA-256 of the one-time activation code (domain::activation_code), NULL once used.
    activation_code_hash BYTEA,
    -- The current key: public half and the sealed seed (keys.rs).
    public_key BYTEA,
    sealed_seed BYTEA,
    seal_salt BYTEA,
    seal_nonce BYTEA,
    seal_params TEXT,
    activated_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX employees_unit ON employees (unit_code);

-- The transparency log: entry n is leaf n; bytes exactly as hashed.
CREATE TABLE log_entries (
    idx BIGINT PRIMARY KEY NOT NULL CHECK (idx >= 0),
    kind TEXT NOT NULL CHECK (kind IN ('pact', 'key', 'signature')),
    body BYTEA NOT NULL,
    leaf_hash BYTEA NOT NULL,
    appended_at TIMESTAMP NOT NULL
);

CREATE TABLE pacts (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    opens_at TIMESTAMP,
    closes_at TIMESTAMP,
    log_index BIGINT NOT NULL UNIQUE REFERENCES log_entries (idx)
);

-- One signature per employee and pact; the entry itself is in log_entries.
CREATE TABLE signatures (
    pact_id TEXT NOT NULL REFERENCES pacts (id),
    nip TEXT NOT NULL REFERENCES employees (nip),
    unit_code TEXT NOT NULL REFERENCES units (code),
    signed_at TIMESTAMP NOT NULL,
    log_index BIGINT NOT NULL UNIQUE REFERENCES log_entries (idx),
    PRIMARY KEY (pact_id, nip)
);
CREATE INDEX signatures_pact_unit ON signatures (pact_id, unit_code);

-- Passphrase and code guesses per subject (e.g. "sign:NIP"), kept across restarts.
CREATE TABLE guess_limits (
    subject TEXT PRIMARY KEY NOT NULL,
    attempts INTEGER NOT NULL,
    window_started_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);

-- Deployment secrets shared by every app server (e.g. the CSRF key).
CREATE TABLE secrets (
    name TEXT PRIMARY KEY NOT NULL,
    value BYTEA NOT NULL
);
