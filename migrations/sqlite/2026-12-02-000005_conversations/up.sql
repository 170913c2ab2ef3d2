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

-- Search: a trigram index over the messages' current text (external content: the text is
-- stored once). Case folding is Unicode-aware; any substring of 3+ characters is a phrase of
-- trigrams. New messages are indexed in bulk a moment after they commit (the search indexer,
-- every 100 ms), not inside the message writer's transaction: flushing a trigram segment per
-- small transaction cost ~60 us per message, 40% of the fan-out rate; in bulk it costs ~8 us.
-- `messages_fts_progress` says how far the index reaches; search scans the few newer
-- messages directly, so results always match the committed text. Edits and deletes of indexed
-- messages keep the index in step inside their own transaction (the triggers); a tombstone's
-- text is '' and so matches nothing.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    content, content='messages', content_rowid='id', tokenize='trigram case_sensitive 0'
);
CREATE TABLE messages_fts_progress (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_upto BIGINT NOT NULL
);
INSERT INTO messages_fts(rowid, content) SELECT id, content FROM messages;
INSERT INTO messages_fts_progress VALUES (1, (SELECT COALESCE(MAX(id), 0) FROM messages));
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
WHEN old.id <= (SELECT indexed_upto FROM messages_fts_progress) BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages
WHEN old.id <= (SELECT indexed_upto FROM messages_fts_progress) BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
