-- Communities of practice (issue 12). A community is an accounts row with
-- actor_type 'Group' (so WebFinger, actor documents, keys, followers and
-- delivery are the members' own, and a handle is unique across members and
-- communities) plus this row. A Group has no users row: nobody signs in as it.
CREATE TABLE communities (
	account_id         INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
	description_source TEXT NOT NULL DEFAULT '', -- Markdown, as its moderators wrote it
	rules              TEXT NOT NULL DEFAULT '',
	language           TEXT NOT NULL DEFAULT '',
	join_policy        TEXT NOT NULL DEFAULT 'open' CHECK (join_policy IN ('open', 'approval')),
	posting_policy     TEXT NOT NULL DEFAULT 'members' CHECK (posting_policy IN ('members', 'moderators')),
	visibility         TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'members')),
	created_by         INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	created_at         INTEGER NOT NULL
);

-- Moderators may be local members or remote actors.
CREATE TABLE community_moderators (
	community_id INTEGER NOT NULL REFERENCES communities(account_id) ON DELETE CASCADE,
	account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	added_at     INTEGER NOT NULL,
	PRIMARY KEY (community_id, account_id)
);
CREATE INDEX community_moderators_account ON community_moderators (account_id);

-- The posts a community accepted (and announced), newest first by status id.
-- A join table rather than a statuses column: most statuses belong to none.
CREATE TABLE community_statuses (
	status_id    INTEGER PRIMARY KEY REFERENCES statuses(id) ON DELETE CASCADE,
	community_id INTEGER NOT NULL REFERENCES communities(account_id) ON DELETE CASCADE
);
CREATE INDEX community_statuses_community ON community_statuses (community_id, status_id DESC);
