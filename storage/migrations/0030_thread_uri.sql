-- The conversation each status belongs to, stored with it: the IRI of its
-- topmost known ancestor, or the IRI that ancestor answers when its
-- parent is unknown here. A status takes its parent's when it is stored,
-- and a subtree takes its new parent's when the parent arrives after it
-- (AttachReplies); it keeps it when a post above it is deleted, so a
-- muted conversation stays muted. Before, every page of a timeline
-- walked up each reply's ancestors (cold pages of statuses on a deep
-- page) to name its thread for the muted-conversation flag.
ALTER TABLE statuses ADD COLUMN thread_uri TEXT NOT NULL DEFAULT '';

WITH RECURSIVE down(id, thread, depth) AS (
	SELECT id, CASE WHEN in_reply_to_uri <> '' THEN in_reply_to_uri ELSE uri END, 0 FROM statuses r
	WHERE r.in_reply_to_id IS NULL OR NOT EXISTS (SELECT 1 FROM statuses p WHERE p.id = r.in_reply_to_id)
	UNION ALL
	SELECT s.id, down.thread, down.depth + 1 FROM statuses s JOIN down ON s.in_reply_to_id = down.id
	WHERE down.depth < 4096
)
UPDATE statuses SET thread_uri = down.thread FROM down WHERE down.id = statuses.id;

-- Statuses no root reaches (replies in a loop): their own.
UPDATE statuses SET thread_uri = CASE WHEN in_reply_to_uri <> '' THEN in_reply_to_uri ELSE uri END
WHERE thread_uri = '';

-- Whether a viewer boosted a status (reblogged, on every page of a
-- timeline) and a member's boost of one are looked up by both columns.
DROP INDEX statuses_reblog;
CREATE INDEX statuses_reblog_account ON statuses (reblog_of_id, account_id) WHERE reblog_of_id IS NOT NULL;
