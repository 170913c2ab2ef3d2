ALTER TABLE messages DROP COLUMN system_event;
