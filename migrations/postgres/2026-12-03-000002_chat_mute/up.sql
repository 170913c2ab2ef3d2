-- A member's own "mute" of a chat: no Web Push for it (and the web app shows no notification).
-- Per member, so muting a group mutes it for me alone.
ALTER TABLE chat_members ADD COLUMN muted BOOLEAN NOT NULL DEFAULT FALSE;
