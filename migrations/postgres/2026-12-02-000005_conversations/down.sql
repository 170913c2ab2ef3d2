DROP INDEX messages_content_trgm;
DROP TABLE chat_invites;
DROP INDEX chats_public_activity;
ALTER TABLE chats DROP COLUMN public;
DROP TABLE message_mentions;
DROP TABLE message_reactions;
ALTER TABLE messages DROP COLUMN reply_to_id;
