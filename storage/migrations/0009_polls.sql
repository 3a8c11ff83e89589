-- Polls (a status federated as a Question). Counts live on the rows: a
-- poll made here counts its poll_votes as they are cast; a poll from
-- another server shows what its origin last said (replies.totalItems and
-- votersCount of the Question) plus the votes members here cast since.
-- expires_at and closed_at are 0 when not set; notified_at is when the
-- members who voted (and a local author) were told the poll ended.
CREATE TABLE polls (
	status_id     INTEGER PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
	multiple      INTEGER NOT NULL DEFAULT 0,
	hide_totals   INTEGER NOT NULL DEFAULT 0,
	expires_at    INTEGER NOT NULL DEFAULT 0,
	closed_at     INTEGER NOT NULL DEFAULT 0,
	voters_count  INTEGER NOT NULL DEFAULT 0,
	notified_at   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX polls_due ON polls (expires_at) WHERE notified_at = 0 AND expires_at > 0;

CREATE TABLE poll_options (
	status_id    INTEGER NOT NULL REFERENCES polls (status_id) ON DELETE CASCADE,
	position     INTEGER NOT NULL,
	title        TEXT NOT NULL,
	votes_count  INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (status_id, position)
) WITHOUT ROWID;

-- One row per choice: a multiple-choice vote is several rows. uri is the
-- vote's Note: the one a member here sent, or the one a peer sent us.
CREATE TABLE poll_votes (
	id          INTEGER PRIMARY KEY,
	status_id   INTEGER NOT NULL REFERENCES polls (status_id) ON DELETE CASCADE,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	choice      INTEGER NOT NULL,
	uri         TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	UNIQUE (status_id, account_id, choice)
);
CREATE INDEX poll_votes_account ON poll_votes (account_id);
