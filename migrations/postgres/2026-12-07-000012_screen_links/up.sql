-- A screen link is a token of its own kind: it opens the ceremony screen (/layar) of one pact,
-- grouped per instansi or per unit, and nothing else; an API token has neither column set.
-- Revoked, listed and audited as tokens are.
ALTER TABLE api_tokens ADD COLUMN screen_pact TEXT REFERENCES pacts (id);
ALTER TABLE api_tokens ADD COLUMN screen_grouping TEXT;
