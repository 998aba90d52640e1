DROP TABLE witness_states;
