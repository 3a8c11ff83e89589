-- Community events with attendance (issue 13 item 5). An event belongs to
-- a community (its Group account, hosted here or remote); its attendees
-- are accounts local or remote. The host counts attendees; a copy of a
-- remote event keeps the attendees it learns of from here.
CREATE TABLE community_events (
	id                 INTEGER PRIMARY KEY,
	community_id       INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	uri                TEXT NOT NULL UNIQUE, -- its ActivityPub id
	url                TEXT NOT NULL DEFAULT '',
	local              INTEGER NOT NULL DEFAULT 0,
	organiser_id       INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	name               TEXT NOT NULL,
	description_source TEXT NOT NULL DEFAULT '', -- Markdown
	description_html   TEXT NOT NULL DEFAULT '', -- rendered and sanitised
	start_at           INTEGER NOT NULL, -- unix ms, UTC
	end_at             INTEGER NOT NULL,
	timezone           TEXT NOT NULL DEFAULT 'UTC', -- IANA name
	place_name         TEXT NOT NULL DEFAULT '',
	place_address      TEXT NOT NULL DEFAULT '',
	online_url         TEXT NOT NULL DEFAULT '',
	capacity           INTEGER NOT NULL DEFAULT 0, -- 0: no limit
	attendee_count     INTEGER NOT NULL DEFAULT 0, -- the host's count, for remote events as announced
	cancelled_at       INTEGER NOT NULL DEFAULT 0,
	created_at         INTEGER NOT NULL,
	updated_at         INTEGER NOT NULL,
	CHECK (end_at >= start_at)
);
CREATE INDEX community_events_start ON community_events (community_id, start_at);
CREATE INDEX community_events_upcoming ON community_events (start_at) WHERE cancelled_at = 0;

-- Who said they will attend. A row is kept when they leave (state 'left'),
-- so a repeated Leave or Join is recognised; reminded_at is set in the
-- transaction that writes the reminder notification, so each is sent once.
CREATE TABLE event_attendees (
	event_id    INTEGER NOT NULL REFERENCES community_events(id) ON DELETE CASCADE,
	account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	state       TEXT NOT NULL CHECK (state IN ('going', 'left')),
	join_uri    TEXT NOT NULL DEFAULT '', -- the Join activity's id
	reminded_at INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (event_id, account_id)
) WITHOUT ROWID;
CREATE INDEX event_attendees_account ON event_attendees (account_id, state);

-- Secret tokens of the members' personal calendar feeds
-- (/@{username}/events.ics?token=...): calendar apps subscribe without
-- cookies, so the URL itself is the credential.
CREATE TABLE event_feed_tokens (
	account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
	token      TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL
);
