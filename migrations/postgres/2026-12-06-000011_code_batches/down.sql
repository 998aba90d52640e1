DROP TABLE code_batches;
