-- A member's imported lists (Mastodon's CSV files: follows, lists,
-- blocks, mutes, blocked domains, bookmarks), one row per entry, worked
-- through in the background: each names an account, a domain or a post
-- that may have to be looked up on another server first. A row goes when
-- it is done; one that failed for good keeps its reason (failed_at) for
-- the member to read, until they clear it or import again.
CREATE TABLE import_rows (
	id            INTEGER PRIMARY KEY,
	account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	kind          TEXT NOT NULL,
	target        TEXT NOT NULL,
	list          TEXT NOT NULL DEFAULT '',
	show_reblogs  INTEGER NOT NULL DEFAULT 1,
	notify        INTEGER NOT NULL DEFAULT 0,
	notifications INTEGER NOT NULL DEFAULT 1,
	attempts      INTEGER NOT NULL DEFAULT 0,
	next_at       INTEGER NOT NULL,
	failed_at     INTEGER NOT NULL DEFAULT 0,
	reason        TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL
);

CREATE INDEX import_rows_due ON import_rows (next_at) WHERE failed_at = 0;
CREATE INDEX import_rows_account ON import_rows (account_id, failed_at);
