-- A unit's activation codes are made once per confirmation: the confirmation page carries a
-- fresh batch id, and a form sent again (a second tap, a reload) finds its batch here instead
-- of voiding the codes just handed out.
CREATE TABLE code_batches (
    id TEXT PRIMARY KEY NOT NULL,
    unit_code TEXT NOT NULL,
    made_by TEXT NOT NULL,
    made_at TIMESTAMP NOT NULL,
    codes INTEGER NOT NULL
);
