-- OAuth2 client applications registered through POST /api/v1/apps.
CREATE TABLE oauth_apps (
	id             INTEGER PRIMARY KEY,
	name           TEXT NOT NULL,
	website        TEXT NOT NULL DEFAULT '',
	redirect_uris  TEXT NOT NULL,          -- newline-separated
	scopes         TEXT NOT NULL,          -- space-separated
	client_id      TEXT NOT NULL UNIQUE,
	client_secret_hash TEXT NOT NULL,
	created_at     INTEGER NOT NULL
);

-- Authorization codes, single use, short-lived; stored hashed.
CREATE TABLE oauth_codes (
	code_hash       TEXT PRIMARY KEY,
	app_id          INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
	account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	redirect_uri    TEXT NOT NULL,
	scopes          TEXT NOT NULL,
	code_challenge  TEXT NOT NULL DEFAULT '',
	challenge_method TEXT NOT NULL DEFAULT '',
	expires_at      INTEGER NOT NULL
) WITHOUT ROWID;

-- Access tokens (and their refresh tokens), stored hashed. account_id is
-- NULL for client_credentials tokens, which act as the app alone.
CREATE TABLE oauth_tokens (
	id                  INTEGER PRIMARY KEY,
	access_hash         TEXT NOT NULL UNIQUE,
	refresh_hash        TEXT UNIQUE,
	app_id              INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
	account_id          INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
	scopes              TEXT NOT NULL,
	created_at          INTEGER NOT NULL,
	last_used_at        INTEGER NOT NULL DEFAULT 0,
	revoked_at          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX oauth_tokens_account ON oauth_tokens (account_id);
