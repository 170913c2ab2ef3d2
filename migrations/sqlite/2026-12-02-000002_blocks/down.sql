ALTER TABLE chats DROP COLUMN blocked;
DROP TABLE blocks;
