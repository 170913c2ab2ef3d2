ALTER TABLE chats DROP COLUMN retention_days;
ALTER TABLE chat_members DROP COLUMN admin;
