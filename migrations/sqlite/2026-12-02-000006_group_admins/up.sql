-- Group admins: the creator of a group, and whoever an admin promotes. Admins decide what a
-- member may not (public or private, how long messages are kept, removing others).
ALTER TABLE chat_members ADD COLUMN admin BOOLEAN NOT NULL DEFAULT FALSE;
-- Groups made before admins existed: the longest-standing member becomes their admin.
UPDATE chat_members SET admin = TRUE
WHERE chat_id IN (SELECT id FROM chats WHERE kind = 'group')
  AND user_id = (
    SELECT first.user_id FROM chat_members first
    WHERE first.chat_id = chat_members.chat_id
    ORDER BY first.joined_at, first.user_id
    LIMIT 1
  );
-- A group's own retention period in days (NULL: the server's MESSAGE_RETENTION_DAYS alone).
ALTER TABLE chats ADD COLUMN retention_days INTEGER NULL;
