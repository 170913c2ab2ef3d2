-- A blocks B: no contacts between them, no new chats or memberships between them, and their
-- direct chat (chats.blocked) takes no new messages from either side until A unblocks.
CREATE TABLE blocks (
    blocker_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    blocked_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
);
CREATE INDEX blocks_blocked ON blocks(blocked_id);

ALTER TABLE chats ADD COLUMN blocked BOOLEAN NOT NULL DEFAULT FALSE;
