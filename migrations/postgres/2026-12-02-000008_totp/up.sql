-- A second factor for every admin (TOTP, RFC 6238). An account without a confirmed secret
-- (made in the console, or before this migration) enrols at its next sign-in; a half-signed-in
-- session (`pending_totp`) opens only the enrolment page. `totp_last_step` makes a code work once.
ALTER TABLE admins ADD COLUMN totp_secret BYTEA;
ALTER TABLE admins ADD COLUMN totp_confirmed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE admins ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE admin_sessions ADD COLUMN pending_totp BOOLEAN NOT NULL DEFAULT FALSE;
