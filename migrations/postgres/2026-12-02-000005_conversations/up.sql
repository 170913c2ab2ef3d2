-- Replies: the message this one answers (same chat; checked when storing).
ALTER TABLE messages ADD COLUMN reply_to_id BIGINT NULL;

-- Reactions: one row per (message, user, emoji).
CREATE TABLE message_reactions (
    message_id BIGINT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    emoji TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (message_id, emoji, user_id)
);

-- Mentions of members, kept in step with the message's current text; (user, chat, seq) finds
-- a viewer's unread mentions without scanning history.
CREATE TABLE message_mentions (
    message_id BIGINT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    chat_id TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    PRIMARY KEY (message_id, user_id)
);
CREATE INDEX message_mentions_user_chat ON message_mentions(user_id, chat_id, seq);

-- Public rooms: groups anyone signed in can find and join.
ALTER TABLE chats ADD COLUMN public BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX chats_public_activity ON chats(last_activity_at) WHERE public = TRUE;

-- Invite links: the token is the capability, shown to members again (GET .../invites), so it
-- is stored as issued.
CREATE TABLE chat_invites (
    token TEXT PRIMARY KEY NOT NULL,
    chat_id TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    created_by TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NULL,
    max_uses BIGINT NULL,
    uses BIGINT NOT NULL DEFAULT 0,
    revoked_at TIMESTAMP NULL
);
CREATE INDEX chat_invites_chat ON chat_invites(chat_id);

-- Search: pg_trgm indexes trigrams of the lower-cased text; `lower(content) LIKE '%…%'` is
-- answered from the index and rechecked, so it is an exact substring match. btree_gin puts the
-- chat id in the same index, so a search looks only at the searcher's chats (a common word in
-- 50 of 1,000 chats: 23 ms instead of 1.1 s). Both are trusted extensions: the database owner
-- may create them. Kept in step by PostgreSQL in the writing transaction.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX messages_content_trgm ON messages USING gin (chat_id, lower(content) gin_trgm_ops);
