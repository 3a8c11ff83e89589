-- Whom a member no longer wants suggested to follow
-- (DELETE /api/v1/suggestions/:account_id).
CREATE TABLE suggestion_dismissals (
	account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	target_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (account_id, target_id)
) WITHOUT ROWID;
