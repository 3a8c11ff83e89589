-- An event_reminder notification names the event it is about, so an app
-- can show and open it (the Mastodon API gives it as the notification's
-- status); the reminder goes with the event.
ALTER TABLE notifications ADD COLUMN event_id INTEGER REFERENCES community_events (id) ON DELETE CASCADE;
