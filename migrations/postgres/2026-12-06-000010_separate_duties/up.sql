-- One person cannot act as two. Every account knows who made it in the console (NULL: the
-- server's command line) and who approved it; a superadmin made in the console waits, unusable,
-- until a second superadmin approves (`approved_at` NULL). Accounts that exist already were
-- made or accepted by the operator: they count as approved when they were made.
ALTER TABLE admins ADD COLUMN created_by BIGINT REFERENCES admins (id);
ALTER TABLE admins ADD COLUMN approved_by BIGINT REFERENCES admins (id);
ALTER TABLE admins ADD COLUMN approved_at TIMESTAMP;
UPDATE admins SET approved_at = created_at;

-- An employee's key replaced at BKPSDM's request stays here, sealed as it was, so that whoever
-- types the old passphrase again learns that the key was replaced.
CREATE TABLE replaced_keys (
    nip TEXT NOT NULL REFERENCES employees (nip),
    public_key BYTEA NOT NULL,
    sealed_seed BYTEA NOT NULL,
    seal_salt BYTEA NOT NULL,
    seal_nonce BYTEA NOT NULL,
    seal_params TEXT NOT NULL,
    -- When the replacement was approved.
    kept_at TIMESTAMP NOT NULL,
    PRIMARY KEY (nip, public_key)
);
