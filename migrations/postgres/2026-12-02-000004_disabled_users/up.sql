-- An operator can disable an account (chat-server admin disable-user): no sign-in, no sessions.
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMP NULL;
