-- An Idempotency-Key is now recorded in the transaction that makes the
-- status (or scheduled status) it names, so a key never stands without
-- what it made. Rows an earlier version wrote as a claim, before its
-- post (both columns NULL), are dropped: they would hold the key for
-- nothing. The CHECK keeps it so.
CREATE TABLE idempotency_keys_new (
	account_id           INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	key                  TEXT NOT NULL,
	status_id            INTEGER REFERENCES statuses (id) ON DELETE CASCADE,
	scheduled_status_id  INTEGER REFERENCES scheduled_statuses (id) ON DELETE CASCADE,
	created_at           INTEGER NOT NULL,
	PRIMARY KEY (account_id, key),
	CHECK (status_id IS NOT NULL OR scheduled_status_id IS NOT NULL)
) WITHOUT ROWID;
INSERT INTO idempotency_keys_new (account_id, key, status_id, scheduled_status_id, created_at)
SELECT account_id, key, status_id, scheduled_status_id, created_at FROM idempotency_keys
WHERE status_id IS NOT NULL OR scheduled_status_id IS NOT NULL;
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_new RENAME TO idempotency_keys;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
