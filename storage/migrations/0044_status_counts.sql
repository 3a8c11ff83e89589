-- Each status's replies, reblogs and favourites, kept on its row by
-- triggers as Mastodon keeps its status_stats (issue 10). Before, every
-- rendered status counted them with three index lookups (11% of a deep
-- home-timeline page). They mean what those counts meant:
--   replies_count:    statuses whose in_reply_to_id is this one, of any
--                     visibility (a detached reply, in_reply_to_id NULL,
--                     does not count);
--   reblogs_count:    statuses whose reblog_of_id is this one;
--   favourites_count: favourites rows of this status.
-- Statuses are deleted, never hidden in place: a deleted reply, reblog or
-- favourite (cascades included, which fire these triggers too) stops
-- counting. A status that is gone has no row, so no counts.
ALTER TABLE statuses ADD COLUMN replies_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE statuses ADD COLUMN reblogs_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE statuses ADD COLUMN favourites_count INTEGER NOT NULL DEFAULT 0;

-- One pass: each counted status's row is written once.
UPDATE statuses SET replies_count = c.replies, reblogs_count = c.reblogs, favourites_count = c.favourites
FROM (SELECT id, sum(r) AS replies, sum(b) AS reblogs, sum(f) AS favourites FROM (
	SELECT in_reply_to_id AS id, 1 AS r, 0 AS b, 0 AS f FROM statuses WHERE in_reply_to_id IS NOT NULL
	UNION ALL SELECT reblog_of_id, 0, 1, 0 FROM statuses WHERE reblog_of_id IS NOT NULL
	UNION ALL SELECT status_id, 0, 0, 1 FROM favourites
) GROUP BY id) c
WHERE statuses.id = c.id;

-- The triggers' UPDATEs set only the count columns, which no trigger on
-- statuses watches: they fire none.
CREATE TRIGGER statuses_counts_insert AFTER INSERT ON statuses
WHEN NEW.in_reply_to_id IS NOT NULL OR NEW.reblog_of_id IS NOT NULL
BEGIN
	UPDATE statuses SET replies_count = replies_count + 1 WHERE id = NEW.in_reply_to_id;
	UPDATE statuses SET reblogs_count = reblogs_count + 1 WHERE id = NEW.reblog_of_id;
END;

CREATE TRIGGER statuses_counts_delete AFTER DELETE ON statuses
WHEN OLD.in_reply_to_id IS NOT NULL OR OLD.reblog_of_id IS NOT NULL
BEGIN
	UPDATE statuses SET replies_count = replies_count - 1 WHERE id = OLD.in_reply_to_id;
	UPDATE statuses SET reblogs_count = reblogs_count - 1 WHERE id = OLD.reblog_of_id;
END;

-- A reply is detached when its parent is deleted (DeleteStatus) and
-- attached when a parent arrives after it (AttachReplies); copse never
-- changes reblog_of_id, but the counts must not drift if it ever does.
CREATE TRIGGER statuses_counts_update AFTER UPDATE OF in_reply_to_id, reblog_of_id ON statuses
WHEN NEW.in_reply_to_id IS NOT OLD.in_reply_to_id OR NEW.reblog_of_id IS NOT OLD.reblog_of_id
BEGIN
	UPDATE statuses SET replies_count = replies_count - 1
	WHERE id = OLD.in_reply_to_id AND NEW.in_reply_to_id IS NOT OLD.in_reply_to_id;
	UPDATE statuses SET replies_count = replies_count + 1
	WHERE id = NEW.in_reply_to_id AND NEW.in_reply_to_id IS NOT OLD.in_reply_to_id;
	UPDATE statuses SET reblogs_count = reblogs_count - 1
	WHERE id = OLD.reblog_of_id AND NEW.reblog_of_id IS NOT OLD.reblog_of_id;
	UPDATE statuses SET reblogs_count = reblogs_count + 1
	WHERE id = NEW.reblog_of_id AND NEW.reblog_of_id IS NOT OLD.reblog_of_id;
END;

CREATE TRIGGER favourites_counts_insert AFTER INSERT ON favourites
BEGIN
	UPDATE statuses SET favourites_count = favourites_count + 1 WHERE id = NEW.status_id;
END;

CREATE TRIGGER favourites_counts_delete AFTER DELETE ON favourites
BEGIN
	UPDATE statuses SET favourites_count = favourites_count - 1 WHERE id = OLD.status_id;
END;

CREATE TRIGGER favourites_counts_update AFTER UPDATE OF status_id ON favourites
WHEN NEW.status_id <> OLD.status_id
BEGIN
	UPDATE statuses SET favourites_count = favourites_count - 1 WHERE id = OLD.status_id;
	UPDATE statuses SET favourites_count = favourites_count + 1 WHERE id = NEW.status_id;
END;
