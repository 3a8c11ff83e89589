-- Reports (issue 14 item 5; issue 12 item 5): a member's report from an
-- app, a Flag received from another node, or a Flag a Group announced to
-- this node because one of its moderators is here.
CREATE TABLE reports (
	id            INTEGER PRIMARY KEY,
	uri           TEXT NOT NULL DEFAULT '', -- the Flag received, or the one sent for it; '' none
	reporter_id   INTEGER REFERENCES accounts(id) ON DELETE SET NULL, -- a member, a remote person, or a node's instance actor
	target_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	community_id  INTEGER REFERENCES accounts(id) ON DELETE CASCADE, -- the Group, hosted here or not, whose content it is about
	for_node      INTEGER NOT NULL DEFAULT 1, -- in the node moderators' queue (else only in the community's)
	category      TEXT NOT NULL DEFAULT 'other' CHECK (category IN ('spam', 'legal', 'violation', 'other')),
	rule_ids      TEXT NOT NULL DEFAULT '', -- comma-separated
	comment       TEXT NOT NULL DEFAULT '',
	forwarded     INTEGER NOT NULL DEFAULT 0,
	state         TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
	assignee_id   INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	action        TEXT NOT NULL DEFAULT '',
	action_reason TEXT NOT NULL DEFAULT '',
	resolved_by   INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	resolved_at   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX reports_node ON reports (for_node, id DESC);
CREATE INDEX reports_community ON reports (community_id, id DESC) WHERE community_id IS NOT NULL;
CREATE UNIQUE INDEX reports_uri ON reports (uri) WHERE uri <> '';

CREATE TABLE report_statuses (
	report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
	status_id INTEGER NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
	PRIMARY KEY (report_id, status_id)
);

-- What moderators did with a report (assign, note, resolve, reopen),
-- append-only like the community moderation log: storage has no
-- statement that updates or deletes a row of it. Notes are its rows.
CREATE TABLE report_log (
	id         INTEGER PRIMARY KEY,
	report_id  INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
	account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	action     TEXT NOT NULL,
	text       TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);
CREATE INDEX report_log_report ON report_log (report_id, id);
