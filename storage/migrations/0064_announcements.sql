-- Announcements: what the node's admins tell every member (maintenance
-- tonight, a new acceptable-use policy), shown by Mastodon apps above the
-- notifications (GET /api/v1/announcements) until they end. A member
-- dismisses one (announcement_reads) and reacts with emoji
-- (announcement_reactions), as in Mastodon.
CREATE TABLE announcements (
	id           INTEGER PRIMARY KEY,
	text         TEXT NOT NULL,             -- as the admin wrote it
	content      TEXT NOT NULL,             -- HTML
	starts_at    INTEGER NOT NULL DEFAULT 0, -- what it is about: when it starts (0 none)
	ends_at      INTEGER NOT NULL DEFAULT 0, -- and ends; shown until then (0 until deleted)
	all_day      INTEGER NOT NULL DEFAULT 0,
	created_by   INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
	published_at INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
);
CREATE TABLE announcement_reads (
	announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
	account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	PRIMARY KEY (announcement_id, account_id)
) WITHOUT ROWID;
CREATE INDEX announcement_reads_account ON announcement_reads (account_id);
CREATE TABLE announcement_reactions (
	announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
	account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	name            TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	PRIMARY KEY (announcement_id, name, account_id)
) WITHOUT ROWID;
CREATE INDEX announcement_reactions_account ON announcement_reactions (account_id);
