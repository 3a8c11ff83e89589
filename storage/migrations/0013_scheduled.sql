-- Posts a member scheduled for later (Mastodon's ScheduledStatus): the
-- draft as the member wrote it, published by the engine's worker when
-- scheduled_at has passed, and deleted in the transaction that creates
-- the status. in_reply_to_id is a plain ID, not a reference: a reply whose
-- parent vanished meanwhile is dropped when due, not posted as a new
-- thread. poll_options is a JSON array of the options, '' when no poll.
CREATE TABLE scheduled_statuses (
	id                INTEGER PRIMARY KEY,
	account_id        INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	scheduled_at      INTEGER NOT NULL,
	text              TEXT NOT NULL DEFAULT '',
	spoiler_text      TEXT NOT NULL DEFAULT '',
	visibility        TEXT NOT NULL DEFAULT 'public',
	in_reply_to_id    INTEGER NOT NULL DEFAULT 0,
	sensitive         INTEGER NOT NULL DEFAULT 0,
	language          TEXT NOT NULL DEFAULT '',
	title             TEXT NOT NULL DEFAULT '',
	poll_options      TEXT NOT NULL DEFAULT '',
	poll_expires_in   INTEGER NOT NULL DEFAULT 0, -- seconds
	poll_multiple     INTEGER NOT NULL DEFAULT 0,
	poll_hide_totals  INTEGER NOT NULL DEFAULT 0,
	app_id            INTEGER NOT NULL DEFAULT 0,
	created_at        INTEGER NOT NULL
);
CREATE INDEX scheduled_statuses_due ON scheduled_statuses (scheduled_at, id);
CREATE INDEX scheduled_statuses_account ON scheduled_statuses (account_id, scheduled_at);

-- The uploads a scheduled status will attach, in order. An upload waits
-- for one scheduled status at most, and the janitor that removes uploads
-- no post took leaves these alone (UnattachedMedia).
CREATE TABLE scheduled_status_media (
	scheduled_status_id  INTEGER NOT NULL REFERENCES scheduled_statuses (id) ON DELETE CASCADE,
	position             INTEGER NOT NULL,
	attachment_id        INTEGER NOT NULL UNIQUE REFERENCES attachments (id) ON DELETE CASCADE,
	PRIMARY KEY (scheduled_status_id, position)
) WITHOUT ROWID;
