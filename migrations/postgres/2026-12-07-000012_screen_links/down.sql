ALTER TABLE api_tokens DROP COLUMN screen_grouping;
ALTER TABLE api_tokens DROP COLUMN screen_pact;
