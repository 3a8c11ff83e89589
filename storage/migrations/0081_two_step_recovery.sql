-- Recovery codes of two-step sign-in: ten made when it is turned on,
-- shown to the member once, each taken once instead of an app's code
-- (its row goes). Kept as SHA-256 hashes; they go when it is turned off.
CREATE TABLE two_step_recovery (
	account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	code_hash  TEXT NOT NULL,
	PRIMARY KEY (account_id, code_hash)
) WITHOUT ROWID;
