-- The admin console: accounts and their sessions, API tokens, the audit trail, and counters that
-- keep the dashboard fast at a million signatures.

CREATE TABLE admins (
    id INTEGER PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    -- Argon2id PHC string.
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('superadmin', 'unit-admin', 'auditor')),
    created_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP
);

-- The units a unit-admin may see.
CREATE TABLE admin_units (
    admin_id INTEGER NOT NULL REFERENCES admins (id),
    unit_code TEXT NOT NULL,
    PRIMARY KEY (admin_id, unit_code)
);

-- Signed-in sessions, by SHA-256 of the cookie's random token.
CREATE TABLE admin_sessions (
    token_hash BLOB PRIMARY KEY NOT NULL,
    admin_id INTEGER NOT NULL REFERENCES admins (id),
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);

-- Bearer tokens for auditors' monitoring scripts, by SHA-256; shown once.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

-- Append-only record of what admins did.
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX audit_events_action ON audit_events (action, at);

-- Employees per unit and kind (rebuilt after each import).
CREATE TABLE roster_counts (
    unit_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    total INTEGER NOT NULL,
    PRIMARY KEY (unit_code, kind)
);

-- Signatures per pact, by the signer's current unit and kind (kept with each signature, rebuilt
-- after each import so that mutasi moves them).
CREATE TABLE signed_counts (
    pact_id TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    signed INTEGER NOT NULL,
    PRIMARY KEY (pact_id, unit_code, kind)
);

INSERT INTO roster_counts (unit_code, kind, total)
SELECT unit_code, kind, COUNT(*) FROM employees GROUP BY unit_code, kind;

INSERT INTO signed_counts (pact_id, unit_code, kind, signed)
SELECT s.pact_id, e.unit_code, e.kind, COUNT(*)
FROM signatures s JOIN employees e ON e.nip = s.nip
GROUP BY s.pact_id, e.unit_code, e.kind;
