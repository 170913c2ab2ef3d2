-- A session is one sign-in (register or login); its refresh tokens rotate within it
-- (refresh_tokens.family_id is the session's id). Revoking it ends every token and socket of it.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    user_agent TEXT,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_revoked ON sessions(revoked_at);

-- Sign-ins made before sessions existed: a family whose tokens are all revoked ended.
INSERT INTO sessions (id, user_id, created_at, last_used_at, user_agent, revoked_at)
SELECT family_id, MIN(user_id), MIN(created_at), MAX(created_at), NULL,
       CASE WHEN COUNT(*) = COUNT(revoked_at) THEN MAX(revoked_at) END
FROM refresh_tokens
GROUP BY family_id;
