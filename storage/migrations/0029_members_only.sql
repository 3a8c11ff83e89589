-- Members-only communities (issue 12): what a remote Group says of its
-- visibility, and one view of every status that belongs to a members-only
-- community, hosted here (communities.visibility) or remote
-- (remote_communities.members_only), read by the visibility rule
-- (storage/shown.go) and by every list query through qListedTo.
ALTER TABLE remote_communities ADD COLUMN members_only INTEGER NOT NULL DEFAULT 0;

CREATE VIEW members_only_statuses (status_id, group_id) AS
SELECT t.status_id, t.group_id FROM community_threads t
WHERE t.group_id IN (SELECT account_id FROM communities WHERE visibility = 'members')
   OR t.group_id IN (SELECT account_id FROM remote_communities WHERE members_only = 1)
UNION ALL
SELECT s.status_id, s.community_id FROM community_statuses s
WHERE s.community_id IN (SELECT account_id FROM communities WHERE visibility = 'members');
