-- Statuses are indexed for search once per transaction, when it commits,
-- not one by one as they are written. FTS5 keeps what it is given in
-- memory and writes it out as a new segment whenever a statement opens a
-- savepoint; a trigger that indexed each status as it was inserted made
-- the next write statement (its mention, the look for replies that
-- waited for it, the next activity's savepoint in a write batch) write a
-- one-status segment and merge segments: a tenth of the CPU of receiving
-- a post. Now the triggers only note the status in statuses_fts_pending,
-- and the store indexes everything noted in one statement just before
-- the transaction commits (storage.indexPendingSearch), so what a
-- transaction wrote is searchable when it commits, as before.
CREATE TABLE statuses_fts_pending (status_id INTEGER PRIMARY KEY);

DROP TRIGGER statuses_fts_insert;
CREATE TRIGGER statuses_fts_insert AFTER INSERT ON statuses
WHEN NEW.reblog_of_id IS NULL
BEGIN
	INSERT OR IGNORE INTO statuses_fts_pending (status_id) VALUES (NEW.id);
END;

-- An edit takes the old text out at once and has the new text indexed at
-- commit. Deleting a row the index does not hold yet (a status inserted
-- and edited in one transaction) leaves it unchanged.
DROP TRIGGER statuses_fts_update;
CREATE TRIGGER statuses_fts_update AFTER UPDATE OF title, spoiler_text, content ON statuses
WHEN NEW.reblog_of_id IS NULL
BEGIN
	DELETE FROM statuses_fts WHERE rowid = OLD.id;
	INSERT OR IGNORE INTO statuses_fts_pending (status_id) VALUES (NEW.id);
END;

DROP TRIGGER statuses_fts_delete;
CREATE TRIGGER statuses_fts_delete AFTER DELETE ON statuses
WHEN OLD.reblog_of_id IS NULL
BEGIN
	DELETE FROM statuses_fts WHERE rowid = OLD.id;
	DELETE FROM statuses_fts_pending WHERE status_id = OLD.id;
END;
