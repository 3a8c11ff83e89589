-- A member's lists of accounts, each a timeline of its own. Local only,
-- never federated. replies_policy is Mastodon's: 'followed', 'list' or
-- 'none'; an exclusive list keeps its members' statuses out of the home
-- timeline.
CREATE TABLE lists (
	id              INTEGER PRIMARY KEY,
	account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	title           TEXT NOT NULL,
	replies_policy  TEXT NOT NULL DEFAULT 'list',
	exclusive       INTEGER NOT NULL DEFAULT 0,
	created_at      INTEGER NOT NULL
);
CREATE INDEX lists_account ON lists (account_id, id);

-- id orders a list's members (newest addition first) and pages them.
CREATE TABLE list_accounts (
	id          INTEGER PRIMARY KEY,
	list_id     INTEGER NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	UNIQUE (list_id, account_id)
);
CREATE INDEX list_accounts_account ON list_accounts (account_id);

-- Only followed accounts may be in a list, as in Mastodon: ending a
-- follow (unfollow, block, a domain block) takes the account out of the
-- follower's lists, whatever path ended it.
CREATE TRIGGER follows_leave_lists AFTER DELETE ON follows
BEGIN
	DELETE FROM list_accounts WHERE account_id = OLD.target_account_id
	AND list_id IN (SELECT id FROM lists WHERE account_id = OLD.account_id);
END;

-- Filters (Mastodon's v2 filters): keywords and statuses a member does
-- not want to see, or wants a warning before, in some contexts. context
-- is a space-separated subset of home, notifications, public, thread and
-- account; action is 'warn' or 'hide'; expires_at is 0 for no end.
CREATE TABLE filters (
	id          INTEGER PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	title       TEXT NOT NULL,
	context     TEXT NOT NULL,
	action      TEXT NOT NULL DEFAULT 'warn',
	expires_at  INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
);
CREATE INDEX filters_account ON filters (account_id, id);

CREATE TABLE filter_keywords (
	id          INTEGER PRIMARY KEY,
	filter_id   INTEGER NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
	keyword     TEXT NOT NULL,
	whole_word  INTEGER NOT NULL DEFAULT 1,
	created_at  INTEGER NOT NULL
);
CREATE INDEX filter_keywords_filter ON filter_keywords (filter_id, id);

CREATE TABLE filter_statuses (
	id          INTEGER PRIMARY KEY,
	filter_id   INTEGER NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
	status_id   INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	UNIQUE (filter_id, status_id)
);
CREATE INDEX filter_statuses_status ON filter_statuses (status_id);

-- Where a member stopped reading a timeline ('home', 'notifications'),
-- shared by their apps. version counts the changes, as Mastodon's
-- lock_version does.
CREATE TABLE markers (
	account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	timeline      TEXT NOT NULL,
	last_read_id  INTEGER NOT NULL,
	version       INTEGER NOT NULL DEFAULT 0,
	updated_at    INTEGER NOT NULL,
	PRIMARY KEY (account_id, timeline)
) WITHOUT ROWID;

-- Direct conversations, one row per local participant and thread (named
-- by its root's IRI, as conversation_mutes names it), filled when a
-- direct status is fanned out. last_status_id is the newest status still
-- there: the trigger below keeps it when statuses are deleted, and a
-- conversation left with none is not listed.
CREATE TABLE conversations (
	id              INTEGER PRIMARY KEY,
	account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	thread_uri      TEXT NOT NULL,
	last_status_id  INTEGER,
	unread          INTEGER NOT NULL DEFAULT 0,
	UNIQUE (account_id, thread_uri)
);
CREATE INDEX conversations_account ON conversations (account_id, last_status_id DESC)
WHERE last_status_id IS NOT NULL;

CREATE TABLE conversation_statuses (
	conversation_id  INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	status_id        INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	PRIMARY KEY (conversation_id, status_id)
) WITHOUT ROWID;
CREATE INDEX conversation_statuses_status ON conversation_statuses (status_id);

-- The other accounts taking part, for the entity's "accounts".
CREATE TABLE conversation_accounts (
	conversation_id  INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
	account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	PRIMARY KEY (conversation_id, account_id)
) WITHOUT ROWID;

CREATE TRIGGER conversation_statuses_gone AFTER DELETE ON conversation_statuses
BEGIN
	UPDATE conversations SET last_status_id =
		(SELECT max(status_id) FROM conversation_statuses WHERE conversation_id = OLD.conversation_id)
	WHERE id = OLD.conversation_id;
END;
