-- Community content as this node knows it (issue 12): every status that
-- belongs to a community, hosted here or on another node, with the
-- thread it is part of. community_statuses keeps what a Group hosted
-- here accepted and announced; this table also covers remote Groups that
-- members here follow or post into, so their likes, edits and deletes
-- reach the Group, and threads list their posts (the FEP-7888 context).
CREATE TABLE community_threads (
	status_id INTEGER PRIMARY KEY REFERENCES statuses(id) ON DELETE CASCADE,
	group_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	root_id   INTEGER NOT NULL, -- the thread's first post here: the status itself for a thread
	context   TEXT NOT NULL DEFAULT '' -- the thread's context collection as its author named it
);
CREATE INDEX community_threads_root ON community_threads (root_id, status_id);
CREATE INDEX community_threads_group ON community_threads (group_id, status_id DESC);

-- What a remote Group says of itself beyond its actor: refreshed by its
-- Update{Group} (Lemmy's postingRestrictedToMods and moderators).
CREATE TABLE remote_communities (
	account_id         INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
	posting_restricted INTEGER NOT NULL DEFAULT 0,
	moderators_url     TEXT NOT NULL DEFAULT '',
	updated_at         INTEGER NOT NULL
);
