-- The attendee count of an event hosted here reaches the nodes that hold
-- it between edits, at most once every few minutes (as a poll's counts
-- do): a change of attendance sets count_due_at when none is due yet, and
-- a worker sends one Update{Event} when it passes and clears it.
ALTER TABLE community_events ADD COLUMN count_due_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX community_events_count_due ON community_events (count_due_at) WHERE count_due_at > 0;
