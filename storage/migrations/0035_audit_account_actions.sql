-- The audit log (issue 14 item 6): every moderator's and admin's action
-- on the node, appended in the transaction that does it. It is
-- append-only: storage has no statement that updates or deletes a row of
-- it, and these triggers refuse one from anywhere else. account_id names
-- who acted (0: the command line) and has no foreign key, so an entry
-- outlives the account it names.
CREATE TABLE audit_log (
	id          INTEGER PRIMARY KEY,
	account_id  INTEGER NOT NULL DEFAULT 0,
	action      TEXT NOT NULL,
	target_type TEXT NOT NULL DEFAULT '', -- account | report | invite | ...
	target_id   INTEGER NOT NULL DEFAULT 0,
	details     TEXT NOT NULL DEFAULT '{}', -- JSON: reason, role, ...
	created_at  INTEGER NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Account actions (issue 14 item 4) other than suspension, which is
-- accounts.suspended_at: limited (Mastodon's "silence"), media marked
-- sensitive, sign-in disabled, and when a suspension's data is purged.
-- A row with every field 0 is an account with no action on it.
CREATE TABLE account_moderation (
	account_id   INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	limited_at   INTEGER NOT NULL DEFAULT 0,
	sensitive_at INTEGER NOT NULL DEFAULT 0,
	disabled_at  INTEGER NOT NULL DEFAULT 0,
	purge_after  INTEGER NOT NULL DEFAULT 0 -- a suspension's data goes after this; 0: none due
);
CREATE INDEX account_moderation_limited ON account_moderation (account_id) WHERE limited_at <> 0;
CREATE INDEX account_moderation_purge ON account_moderation (purge_after) WHERE purge_after <> 0;

-- Warnings and the reasons for actions, as the member is shown them
-- (Mastodon's AccountWarning).
CREATE TABLE account_warnings (
	id          INTEGER PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	action      TEXT NOT NULL, -- none | sensitive | disable | silence | suspend
	text        TEXT NOT NULL DEFAULT '',
	report_id   INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
);
CREATE INDEX account_warnings_account ON account_warnings (account_id, id DESC);
