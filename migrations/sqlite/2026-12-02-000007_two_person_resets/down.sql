DROP INDEX signatures_replaced_key;
ALTER TABLE signatures DROP COLUMN key_generation;
ALTER TABLE employees DROP COLUMN key_count;
DROP TABLE reset_requests;
