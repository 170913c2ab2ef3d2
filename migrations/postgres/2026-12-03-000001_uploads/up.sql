-- Uploaded files. The bytes live in the upload storage (a folder or S3) under `<id>/original`
-- and, for images, `<id>/thumbnail`; this row says whose they are and where they are attached.
-- `message_id` is NULL until a message takes the upload (it never moves to another), and a
-- message that is deleted keeps its rows until the sweep has removed the bytes.
CREATE TABLE uploads (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    message_id BIGINT NULL REFERENCES messages(id) ON DELETE SET NULL,
    position INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    width INTEGER NULL,
    height INTEGER NULL,
    -- The thumbnail's type (JPEG, or PNG for images with transparency); NULL: no thumbnail.
    thumbnail_type TEXT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX uploads_message ON uploads(message_id, position);
-- The sweep of uploads never attached.
CREATE INDEX uploads_unattached ON uploads(created_at) WHERE message_id IS NULL;
