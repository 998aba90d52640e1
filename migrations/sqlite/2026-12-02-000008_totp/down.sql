ALTER TABLE admin_sessions DROP COLUMN pending_totp;
ALTER TABLE admins DROP COLUMN totp_last_step;
ALTER TABLE admins DROP COLUMN totp_confirmed;
ALTER TABLE admins DROP COLUMN totp_secret;
