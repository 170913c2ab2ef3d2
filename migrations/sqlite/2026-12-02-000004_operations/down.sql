DROP INDEX messages_live_created;
ALTER TABLE users DROP COLUMN disabled_at;
