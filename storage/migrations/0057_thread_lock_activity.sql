-- A locked thread remembers the Lock activity that locked it, its id and
-- actor as sent, so that the Undo{Lock} that opens it again embeds that
-- Lock (peers that match the undone activity by id, as they do for
-- Block, would otherwise keep the thread locked). Threads locked before
-- this migration have none; their Undo{Lock} names a Lock made afresh.
ALTER TABLE community_locked_threads ADD COLUMN lock_uri TEXT NOT NULL DEFAULT '';
ALTER TABLE community_locked_threads ADD COLUMN lock_actor TEXT NOT NULL DEFAULT '';
