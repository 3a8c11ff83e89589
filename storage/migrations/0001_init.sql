-- Accounts are local members, local communities, the instance actor and
-- remote actors alike; domain is '' for local ones.
CREATE TABLE accounts (
	id                INTEGER PRIMARY KEY,
	uri               TEXT NOT NULL UNIQUE,
	username          TEXT NOT NULL,
	domain            TEXT NOT NULL DEFAULT '',
	actor_type        TEXT NOT NULL DEFAULT 'Person',
	display_name      TEXT NOT NULL DEFAULT '',
	note              TEXT NOT NULL DEFAULT '',
	url               TEXT NOT NULL DEFAULT '',
	inbox             TEXT NOT NULL DEFAULT '',
	outbox            TEXT NOT NULL DEFAULT '',
	shared_inbox      TEXT NOT NULL DEFAULT '',
	followers_url     TEXT NOT NULL DEFAULT '',
	following_url     TEXT NOT NULL DEFAULT '',
	featured_url      TEXT NOT NULL DEFAULT '',
	public_key_id     TEXT NOT NULL DEFAULT '',
	public_key_pem    TEXT NOT NULL DEFAULT '',
	private_key_pem   TEXT NOT NULL DEFAULT '',
	locked            INTEGER NOT NULL DEFAULT 0,
	discoverable      INTEGER NOT NULL DEFAULT 1,
	bot               INTEGER NOT NULL DEFAULT 0,
	avatar_url        TEXT NOT NULL DEFAULT '',
	header_url        TEXT NOT NULL DEFAULT '',
	fields            TEXT NOT NULL DEFAULT '[]',
	organisation      TEXT NOT NULL DEFAULT '',
	department        TEXT NOT NULL DEFAULT '',
	role_title        TEXT NOT NULL DEFAULT '',
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL,
	fetched_at        INTEGER NOT NULL DEFAULT 0,
	suspended_at      INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX accounts_username_domain ON accounts (lower(username), domain);
CREATE INDEX accounts_public_key_id ON accounts (public_key_id) WHERE public_key_id <> '';

-- Users are the local accounts people sign in to.
CREATE TABLE users (
	account_id     INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	email          TEXT NOT NULL,
	password_hash  TEXT NOT NULL,
	role           TEXT NOT NULL DEFAULT 'member',
	created_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE statuses (
	id                     INTEGER PRIMARY KEY,
	uri                    TEXT NOT NULL UNIQUE,
	url                    TEXT NOT NULL DEFAULT '',
	account_id             INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	in_reply_to_id         INTEGER,
	in_reply_to_uri        TEXT NOT NULL DEFAULT '',
	in_reply_to_account_id INTEGER,
	reblog_of_id           INTEGER REFERENCES statuses (id) ON DELETE CASCADE,
	object_type            TEXT NOT NULL DEFAULT 'Note',
	title                  TEXT NOT NULL DEFAULT '',
	content                TEXT NOT NULL DEFAULT '',
	source_text            TEXT NOT NULL DEFAULT '',
	spoiler_text           TEXT NOT NULL DEFAULT '',
	sensitive              INTEGER NOT NULL DEFAULT 0,
	visibility             TEXT NOT NULL,
	language               TEXT NOT NULL DEFAULT '',
	local                  INTEGER NOT NULL,
	created_at             INTEGER NOT NULL,
	edited_at              INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX statuses_account ON statuses (account_id, id DESC);
CREATE INDEX statuses_reply ON statuses (in_reply_to_id) WHERE in_reply_to_id IS NOT NULL;
CREATE INDEX statuses_reblog ON statuses (reblog_of_id) WHERE reblog_of_id IS NOT NULL;
CREATE INDEX statuses_public ON statuses (id DESC) WHERE visibility = 'public' AND reblog_of_id IS NULL;

CREATE TABLE mentions (
	status_id   INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	PRIMARY KEY (status_id, account_id)
) WITHOUT ROWID;
CREATE INDEX mentions_account ON mentions (account_id, status_id DESC);

CREATE TABLE tags (
	id    INTEGER PRIMARY KEY,
	name  TEXT NOT NULL UNIQUE COLLATE NOCASE
);
CREATE TABLE status_tags (
	status_id  INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	tag_id     INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
	PRIMARY KEY (tag_id, status_id)
) WITHOUT ROWID;
CREATE INDEX status_tags_status ON status_tags (status_id);

CREATE TABLE attachments (
	id          INTEGER PRIMARY KEY,
	status_id   INTEGER REFERENCES statuses (id) ON DELETE CASCADE,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	media_type  TEXT NOT NULL DEFAULT '',
	url         TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	blurhash    TEXT NOT NULL DEFAULT '',
	width       INTEGER NOT NULL DEFAULT 0,
	height      INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
);
CREATE INDEX attachments_status ON attachments (status_id);

CREATE TABLE follows (
	id                 INTEGER PRIMARY KEY,
	account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	target_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	uri                TEXT NOT NULL DEFAULT '',
	show_reblogs       INTEGER NOT NULL DEFAULT 1,
	notify             INTEGER NOT NULL DEFAULT 0,
	created_at         INTEGER NOT NULL,
	UNIQUE (account_id, target_account_id)
);
CREATE INDEX follows_target ON follows (target_account_id, account_id);

CREATE TABLE follow_requests (
	id                 INTEGER PRIMARY KEY,
	account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	target_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	uri                TEXT NOT NULL DEFAULT '',
	show_reblogs       INTEGER NOT NULL DEFAULT 1,
	notify             INTEGER NOT NULL DEFAULT 0,
	created_at         INTEGER NOT NULL,
	UNIQUE (account_id, target_account_id)
);
CREATE INDEX follow_requests_target ON follow_requests (target_account_id);

CREATE TABLE favourites (
	id          INTEGER PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	status_id   INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	uri         TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	UNIQUE (account_id, status_id)
);
CREATE INDEX favourites_status ON favourites (status_id);

CREATE TABLE blocks (
	id                 INTEGER PRIMARY KEY,
	account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	target_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	uri                TEXT NOT NULL DEFAULT '',
	created_at         INTEGER NOT NULL,
	UNIQUE (account_id, target_account_id)
);
CREATE INDEX blocks_target ON blocks (target_account_id);

-- Home feeds are fanned out on write, so reading one is an index range scan
-- however many statuses the node holds.
CREATE TABLE home_feed (
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	status_id   INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	PRIMARY KEY (account_id, status_id)
) WITHOUT ROWID;
CREATE INDEX home_feed_status ON home_feed (status_id);

CREATE TABLE notifications (
	id               INTEGER PRIMARY KEY,
	account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	from_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	type             TEXT NOT NULL,
	status_id        INTEGER REFERENCES statuses (id) ON DELETE CASCADE,
	created_at       INTEGER NOT NULL
);
CREATE INDEX notifications_account ON notifications (account_id, id DESC);

-- Activities a local actor published: the outbox, and the bodies that
-- delivery jobs send.
CREATE TABLE activities (
	id          INTEGER PRIMARY KEY,
	uri         TEXT NOT NULL UNIQUE,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	type        TEXT NOT NULL,
	public      INTEGER NOT NULL DEFAULT 0,
	body        BLOB NOT NULL,
	created_at  INTEGER NOT NULL
);
CREATE INDEX activities_account ON activities (account_id, id DESC);

-- The transactional outbox: one row per (activity, remote inbox).
CREATE TABLE deliveries (
	id               INTEGER PRIMARY KEY,
	activity_id      INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
	inbox_url        TEXT NOT NULL,
	host             TEXT NOT NULL,
	attempts         INTEGER NOT NULL DEFAULT 0,
	next_attempt_at  INTEGER NOT NULL,
	last_error       TEXT NOT NULL DEFAULT '',
	created_at       INTEGER NOT NULL,
	UNIQUE (activity_id, inbox_url)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at);

-- Hosts that keep failing are backed off as a whole.
CREATE TABLE hosts (
	host              TEXT PRIMARY KEY,
	failures          INTEGER NOT NULL DEFAULT 0,
	backoff_until     INTEGER NOT NULL DEFAULT 0,
	last_success_at   INTEGER NOT NULL DEFAULT 0,
	last_failure_at   INTEGER NOT NULL DEFAULT 0,
	last_error        TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

-- Activities received, stored durably before the inbox answers 202.
CREATE TABLE inbox_items (
	id               INTEGER PRIMARY KEY,
	activity_uri     TEXT NOT NULL,
	signer           TEXT NOT NULL,
	body             BLOB NOT NULL,
	received_at      INTEGER NOT NULL,
	attempts         INTEGER NOT NULL DEFAULT 0,
	next_attempt_at  INTEGER NOT NULL,
	last_error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX inbox_items_due ON inbox_items (next_attempt_at);

-- Activity ids already applied: the engine applies each exactly once.
CREATE TABLE processed_activities (
	uri           TEXT PRIMARY KEY,
	processed_at  INTEGER NOT NULL
) WITHOUT ROWID;
