-- A local poll's counts are sent to the nodes that hold it at most once
-- every few minutes, not once a vote (as Mastodon batches them): a vote
-- sets update_due_at when none is due yet, and the poll worker sends one
-- Update{Question} when it passes and clears it.
ALTER TABLE polls ADD COLUMN update_due_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX polls_update_due ON polls (update_due_at) WHERE update_due_at > 0;
