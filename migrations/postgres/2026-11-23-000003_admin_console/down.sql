DROP TABLE signed_counts;
DROP TABLE roster_counts;
DROP TABLE audit_events;
DROP TABLE api_tokens;
DROP TABLE admin_sessions;
DROP TABLE admin_units;
DROP TABLE admins;
