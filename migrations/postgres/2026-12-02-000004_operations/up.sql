-- An operator can disable an account (chat-server admin disable-user): no sign-in, no sessions.
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMP NULL;
-- The retention sweep (MESSAGE_RETENTION_DAYS) finds expired messages without a scan.
CREATE INDEX messages_live_created ON messages(created_at) WHERE deleted = FALSE;
