-- Subscriptions to shared domain-block lists (issue 14 item 3): a URL
-- serving Mastodon's CSV, its JSON or plain text, fetched on a schedule
-- (etag and last_modified make the next fetch conditional). A trusted
-- list's entries become blocks at once; another's wait as drafts for an
-- admin. A draft the admin rejected stays (state 'rejected') so the next
-- fetch does not offer it again; it goes when the list drops the entry.
CREATE TABLE policy_subscriptions (
	id            INTEGER PRIMARY KEY,
	url           TEXT NOT NULL UNIQUE,
	trusted       INTEGER NOT NULL DEFAULT 0,
	etag          TEXT NOT NULL DEFAULT '',
	last_modified TEXT NOT NULL DEFAULT '',
	fetched_at    INTEGER NOT NULL DEFAULT 0, -- last attempt; 0: never
	last_error    TEXT NOT NULL DEFAULT '',   -- of the last attempt; '' when it worked
	entries       INTEGER NOT NULL DEFAULT 0, -- domains on the list when last read
	created_at    INTEGER NOT NULL,
	created_by    INTEGER REFERENCES accounts(id) ON DELETE SET NULL
);

CREATE TABLE policy_drafts (
	id              INTEGER PRIMARY KEY,
	subscription_id INTEGER NOT NULL REFERENCES policy_subscriptions(id) ON DELETE CASCADE,
	domain          TEXT NOT NULL,
	severity        TEXT NOT NULL CHECK (severity IN ('suspend', 'limit', 'noop')),
	reject_media    INTEGER NOT NULL DEFAULT 0,
	reject_reports  INTEGER NOT NULL DEFAULT 0,
	public_comment  TEXT NOT NULL DEFAULT '',
	state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'rejected')),
	created_at      INTEGER NOT NULL,
	UNIQUE (subscription_id, domain)
);
CREATE INDEX policy_drafts_state ON policy_drafts (state, id);

-- The list a block came from (NULL: made by hand, imported, or its list
-- since unsubscribed): a trusted list removes only its own blocks.
ALTER TABLE domain_blocks ADD COLUMN subscription_id INTEGER REFERENCES policy_subscriptions(id) ON DELETE SET NULL;
CREATE INDEX domain_blocks_subscription ON domain_blocks (subscription_id) WHERE subscription_id IS NOT NULL;
