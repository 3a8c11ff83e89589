-- Community moderation (issue 12, item 4).
--
-- The moderation log is append-only: storage has no statement that updates
-- or deletes a row of it (an account's deletion cascades, as for all its
-- traces). community_id is an accounts row, not a communities row: a node
-- also logs what it applied of a remote community's moderation, so its
-- members can read that community's log at home.
CREATE TABLE community_moderation_log (
	id            INTEGER PRIMARY KEY,
	community_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	moderator_id  INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	moderator_uri TEXT NOT NULL, -- kept when the account is gone
	action        TEXT NOT NULL,
	target        TEXT NOT NULL DEFAULT '', -- the account's or the status's IRI
	reason        TEXT NOT NULL DEFAULT '',
	activity_uri  TEXT NOT NULL DEFAULT '', -- the activity that carried it
	created_at    INTEGER NOT NULL,
	expires_at    INTEGER NOT NULL DEFAULT 0 -- a ban's end; 0: none
);
CREATE INDEX community_moderation_log_community ON community_moderation_log (community_id, id DESC);

-- Bans from a community, local or remote (a node keeps the bans it was
-- told of, to show them). A ban whose expires_at is past is over: the
-- check compares it with now, so no job has to lift it.
CREATE TABLE community_bans (
	community_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	moderator_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	reason       TEXT NOT NULL DEFAULT '',
	block_uri    TEXT NOT NULL DEFAULT '', -- the Block an Undo{Block} names
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL DEFAULT 0, -- 0: never
	PRIMARY KEY (community_id, account_id)
);

-- The moderators of remote communities as their Group's moderators
-- collection lists them, by IRI: what a node checks an announced
-- moderation activity against.
CREATE TABLE community_remote_moderators (
	community_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	moderator_uri TEXT NOT NULL,
	PRIMARY KEY (community_id, moderator_uri)
);

-- Why a community refused a member's request to join, as its Reject said.
CREATE TABLE community_join_rejections (
	account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	community_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	reason       TEXT NOT NULL DEFAULT '',
	rejected_at  INTEGER NOT NULL,
	PRIMARY KEY (account_id, community_id)
);

-- Locked threads: a community refuses new replies in them (moderators
-- may still reply). Keyed by the thread's first post, local or a copy.
CREATE TABLE community_locked_threads (
	status_id    INTEGER PRIMARY KEY REFERENCES statuses(id) ON DELETE CASCADE,
	community_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	locked_at    INTEGER NOT NULL
);
