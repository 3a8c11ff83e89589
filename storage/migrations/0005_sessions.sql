-- Browser sessions of members signed in to authorize apps at
-- /oauth/authorize. The cookie holds a random secret; only its hash is
-- stored, like tokens.
CREATE TABLE sessions (
	id_hash     TEXT PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_expires ON sessions (expires_at);
