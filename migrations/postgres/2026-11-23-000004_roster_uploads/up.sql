-- A roster file uploaded through the web, kept between its preview and the admin's "Impor".
CREATE TABLE roster_uploads (
    id TEXT PRIMARY KEY NOT NULL,
    admin_id BIGINT NOT NULL REFERENCES admins (id),
    file_name TEXT NOT NULL,
    body BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL
);
