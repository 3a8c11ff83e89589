-- Files a member here adds to an artefact of a community on another node
-- (proposals, migration 0063): stored here, checked as any artefact file,
-- and held at an unguessable address (token, 128 random bits) that only
-- the community's node may read, until the proposal is decided.
CREATE TABLE proposal_files (
	id            INTEGER PRIMARY KEY,
	proposal_id   INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
	token         TEXT NOT NULL UNIQUE,
	storage_name  TEXT NOT NULL,
	name          TEXT NOT NULL,
	media_type    TEXT NOT NULL,
	size          INTEGER NOT NULL,
	sha256        TEXT NOT NULL,
	created_at    INTEGER NOT NULL
);
CREATE INDEX proposal_files_proposal ON proposal_files (proposal_id);

-- Proposals to a community hosted here that carry files wait here while
-- the files are fetched from the member's node; the proposal is applied
-- (or refused) once they are, or refused after the last attempt.
CREATE TABLE proposal_fetches (
	id           INTEGER PRIMARY KEY,
	actor_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	activity_id  TEXT NOT NULL UNIQUE,
	body         BLOB NOT NULL,
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_at      INTEGER NOT NULL,
	last_error   TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL
);
CREATE INDEX proposal_fetches_due ON proposal_fetches (next_at);
