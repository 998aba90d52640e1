DROP TABLE replaced_keys;
ALTER TABLE admins DROP COLUMN approved_at;
ALTER TABLE admins DROP COLUMN approved_by;
ALTER TABLE admins DROP COLUMN created_by;
