-- A unit's employee list filters by unit and pages by NIP: one index serves both.
DROP INDEX IF EXISTS employees_unit;
CREATE INDEX IF NOT EXISTS employees_unit_nip ON employees (unit_code, nip);
