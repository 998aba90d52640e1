-- The health page counts signatures and activations per minute over the last hour: these
-- indexes make that a range read instead of a scan of every signature and employee.
CREATE INDEX signatures_signed_at ON signatures (signed_at);
CREATE INDEX employees_activated_at ON employees (activated_at);
