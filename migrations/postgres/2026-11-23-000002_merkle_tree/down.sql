DROP TABLE log_head;
DROP TABLE tree_hashes;
