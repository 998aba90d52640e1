DROP TABLE secrets;
DROP TABLE guess_limits;
DROP TABLE signatures;
DROP TABLE pacts;
DROP TABLE log_entries;
DROP TABLE employees;
DROP TABLE units;
