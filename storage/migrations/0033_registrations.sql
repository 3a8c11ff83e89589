-- Joining the node: a sign-up waits for its email to be confirmed and,
-- when its address is not on the node's list of domains, for an admin's
-- approval. Members made before this (by the CLI) are both.
ALTER TABLE users ADD COLUMN confirmed_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN approved_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN invite_id INTEGER NOT NULL DEFAULT 0;
UPDATE users SET confirmed_at = created_at, approved_at = created_at;
CREATE INDEX users_pending ON users (approved_at) WHERE approved_at = 0;

-- Invitation links made by admins. Only the code's hash is kept: the link
-- is shown once, when it is made.
CREATE TABLE invites (
	id          INTEGER PRIMARY KEY,
	code_hash   TEXT NOT NULL UNIQUE,
	created_by  INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
	max_uses    INTEGER NOT NULL DEFAULT 0, -- 0: no limit
	uses        INTEGER NOT NULL DEFAULT 0,
	expires_at  INTEGER NOT NULL DEFAULT 0, -- 0: never
	revoked_at  INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
);

-- Single-use tokens sent by email: confirming an address, resetting a
-- password. Only their hashes are kept.
CREATE TABLE email_tokens (
	hash        TEXT PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	purpose     TEXT NOT NULL, -- confirm | reset
	expires_at  INTEGER NOT NULL,
	created_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX email_tokens_account ON email_tokens (account_id, purpose);
