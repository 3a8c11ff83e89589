-- An admin.report notification names the report it is about: the
-- node's and communities' moderators are told of a new report, as
-- Mastodon tells its staff.
ALTER TABLE notifications ADD COLUMN report_id INTEGER REFERENCES reports (id) ON DELETE CASCADE;
