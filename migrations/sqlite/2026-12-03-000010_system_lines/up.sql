-- A line the server writes into a group's history when its members or its name change
-- (JSON: {"event": "added"|"removed"|"joined"|"left"|"renamed", "user": uuid?, "name": str?}).
-- NULL for every message people write. Kept with a seq like any message, so history, resume
-- and gap filling carry these lines without anything of their own.
ALTER TABLE messages ADD COLUMN system_event TEXT;
