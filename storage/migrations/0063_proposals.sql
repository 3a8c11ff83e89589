-- A member's proposal to a community on another node (a new artefact,
-- glossary term or event, or a change of one) is kept on the member's
-- node from the moment it is sent, so the member can follow what became
-- of it: pending until the Group's node answers, then accepted (with the
-- item it made or changed) or refused (with the reason the Group gave).
-- A refusal also notifies the member (notifications.proposal_id).
CREATE TABLE proposals (
	id            INTEGER PRIMARY KEY,
	activity_uri  TEXT NOT NULL UNIQUE,
	account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	community_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	kind          TEXT NOT NULL,   -- artefact, term, event
	action        TEXT NOT NULL,   -- create, update, restore, cancel
	object_uri    TEXT NOT NULL DEFAULT '', -- the item changed; a new one's once accepted
	title         TEXT NOT NULL DEFAULT '',
	state         TEXT NOT NULL DEFAULT 'pending',
	reason        TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	decided_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX proposals_account ON proposals (account_id, id DESC);
ALTER TABLE notifications ADD COLUMN proposal_id INTEGER REFERENCES proposals (id) ON DELETE CASCADE;
