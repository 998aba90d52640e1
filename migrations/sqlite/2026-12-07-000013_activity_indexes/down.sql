DROP INDEX employees_activated_at;
DROP INDEX signatures_signed_at;
