DROP INDEX employees_unit_nip;
CREATE INDEX employees_unit ON employees (unit_code);
