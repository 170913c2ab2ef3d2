-- A per-chat change counter: every new message, edit and delete takes the chat's next
-- version in the transaction that makes the change, so versions are gapless per chat like
-- seq, and a client resuming "after version v" gets every message changed since.
ALTER TABLE chats ADD COLUMN last_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
-- Messages from before versions: each keeps its seq as its version (unique per chat).
UPDATE messages SET version = seq;
UPDATE chats SET last_version = last_seq;
CREATE UNIQUE INDEX messages_chat_version ON messages(chat_id, version);
