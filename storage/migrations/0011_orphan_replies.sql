-- Replies stored before their parent arrived, looked up by the parent's
-- IRI when it does (AttachReplies, on every incoming status). Without it
-- that lookup scanned the whole statuses table inside the write
-- transaction. Partial: only the few orphans are indexed.
CREATE INDEX statuses_orphan_replies ON statuses (in_reply_to_uri)
WHERE in_reply_to_id IS NULL AND in_reply_to_uri <> '';
