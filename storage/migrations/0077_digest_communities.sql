-- The communities a member leaves out of their digest (by default every
-- community they joined is in it). A row goes with the member or the
-- community; leaving a community keeps it, so joining again keeps the
-- choice.
CREATE TABLE digest_exclusions (
	account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	community_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	PRIMARY KEY (account_id, community_id)
) WITHOUT ROWID;
