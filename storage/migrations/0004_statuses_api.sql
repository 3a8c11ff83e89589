-- Earlier versions of edited statuses. The trigger below records the
-- version an edit replaces, inside the same statement as the edit, so
-- every path that edits a status (a member's PUT, a peer's Update) keeps
-- its history and no edit is stored without it. The current version is
-- the status itself.
CREATE TABLE status_edits (
	id            INTEGER PRIMARY KEY,
	status_id     INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	title         TEXT NOT NULL DEFAULT '',
	content       TEXT NOT NULL,
	spoiler_text  TEXT NOT NULL DEFAULT '',
	sensitive     INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL  -- when this version was published
);
CREATE INDEX status_edits_status ON status_edits (status_id, id);

-- edited_at changes with every edit (storage.Tx.UpdateStatus); a peer's
-- repeated Update carries the same time and records nothing new.
CREATE TRIGGER statuses_keep_history BEFORE UPDATE OF edited_at ON statuses
WHEN NEW.edited_at <> OLD.edited_at
BEGIN
	INSERT INTO status_edits (status_id, title, content, spoiler_text, sensitive, created_at)
	VALUES (OLD.id, OLD.title, OLD.content, OLD.spoiler_text, OLD.sensitive,
		CASE WHEN OLD.edited_at <> 0 THEN OLD.edited_at ELSE OLD.created_at END);
END;

-- Idempotency-Key of POST /api/v1/statuses: a retried request within an
-- hour returns the status the first one made. status_id is NULL while
-- the first request is still posting; deleting the status forgets the key.
CREATE TABLE idempotency_keys (
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	key         TEXT NOT NULL,
	status_id   INTEGER REFERENCES statuses (id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (account_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Private bookmarks; id orders the list (newest bookmark first).
CREATE TABLE bookmarks (
	id          INTEGER PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	status_id   INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	UNIQUE (account_id, status_id)
);
CREATE INDEX bookmarks_account ON bookmarks (account_id, id DESC);
CREATE INDEX bookmarks_status ON bookmarks (status_id);

-- Statuses a member features on their profile.
CREATE TABLE pins (
	id          INTEGER PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	status_id   INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	UNIQUE (account_id, status_id)
);
CREATE INDEX pins_status ON pins (status_id);

-- Muted conversations. A thread is named by the IRI of its root: the
-- topmost status known here, or the IRI that status answers when its
-- parent never arrived. An IRI outlives the root's deletion.
CREATE TABLE conversation_mutes (
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	thread_uri  TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (account_id, thread_uri)
) WITHOUT ROWID;

-- A member's list of favourites, newest first.
CREATE INDEX favourites_account ON favourites (account_id, id DESC);
