-- A member's mutes: local only, never federated. expires_at is 0 for a
-- mute without end; an expired row is ignored until it is replaced.
CREATE TABLE mutes (
	id                 INTEGER PRIMARY KEY,
	account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	target_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	notifications      INTEGER NOT NULL DEFAULT 1,
	expires_at         INTEGER NOT NULL DEFAULT 0,
	created_at         INTEGER NOT NULL,
	UNIQUE (account_id, target_account_id)
);
CREATE INDEX mutes_target ON mutes (target_account_id);

-- Private notes a member keeps about other accounts.
CREATE TABLE account_notes (
	account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	target_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	comment            TEXT NOT NULL,
	updated_at         INTEGER NOT NULL,
	PRIMARY KEY (account_id, target_account_id)
) WITHOUT ROWID;

-- Domains a member has blocked for themselves (not the node's policy).
CREATE TABLE user_domain_blocks (
	id          INTEGER PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	domain      TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	UNIQUE (account_id, domain)
);

-- The plain text a member typed for their note and fields, which apps
-- offer for editing (the account keeps only the HTML made of it).
-- note_html and fields_html record what that text rendered to, so a
-- profile changed by other means is noticed and the source not trusted.
CREATE TABLE profile_sources (
	account_id   INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	note         TEXT NOT NULL DEFAULT '',
	fields       TEXT NOT NULL DEFAULT '[]',
	note_html    TEXT NOT NULL DEFAULT '',
	fields_html  TEXT NOT NULL DEFAULT '[]',
	updated_at   INTEGER NOT NULL
);
