DROP INDEX messages_chat_version;
ALTER TABLE messages DROP COLUMN version;
ALTER TABLE chats DROP COLUMN last_version;
