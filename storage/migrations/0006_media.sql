-- Media uploads: a member's files are stored under the data directory
-- (file_path and preview_path, relative to its media folder) with a
-- preview, their size and a focal point. A row with no status_id is an
-- upload not yet attached to a post. Remote attachments keep only their
-- URL and leave these columns empty.
ALTER TABLE attachments ADD COLUMN preview_url TEXT NOT NULL DEFAULT '';
ALTER TABLE attachments ADD COLUMN preview_width INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attachments ADD COLUMN preview_height INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attachments ADD COLUMN focus_x REAL NOT NULL DEFAULT 0;
ALTER TABLE attachments ADD COLUMN focus_y REAL NOT NULL DEFAULT 0;
ALTER TABLE attachments ADD COLUMN file_path TEXT NOT NULL DEFAULT '';
ALTER TABLE attachments ADD COLUMN preview_path TEXT NOT NULL DEFAULT '';
ALTER TABLE attachments ADD COLUMN file_size INTEGER NOT NULL DEFAULT 0;
CREATE INDEX attachments_unattached ON attachments (created_at) WHERE status_id IS NULL;
