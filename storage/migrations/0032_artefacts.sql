-- Community artefact library with versions (issue 13). An artefact belongs
-- to a community (its Group account, hosted here or remote); its current
-- state is the artefacts row, every state it has had is an
-- artefact_versions row. copse never deletes a version: an edit or a
-- restore adds one. (Removing the Group account removes its library.)
CREATE TABLE artefacts (
	id           INTEGER PRIMARY KEY,
	community_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	uri          TEXT NOT NULL UNIQUE, -- its ActivityPub id
	url          TEXT NOT NULL DEFAULT '',
	local        INTEGER NOT NULL DEFAULT 0,
	created_by   INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	title        TEXT NOT NULL,
	summary      TEXT NOT NULL DEFAULT '',
	body_source  TEXT NOT NULL DEFAULT '', -- Markdown
	body_html    TEXT NOT NULL DEFAULT '', -- rendered and sanitised
	tags         TEXT NOT NULL DEFAULT '[]', -- JSON array of names
	authors      TEXT NOT NULL DEFAULT '[]', -- JSON array of account IDs
	organisation TEXT NOT NULL DEFAULT '',
	licence      TEXT NOT NULL DEFAULT 'all-rights-reserved'
		CHECK (licence IN ('OGL-UK-3.0', 'CC-BY-4.0', 'CC-BY-SA-4.0', 'all-rights-reserved')),
	edit_policy  TEXT NOT NULL DEFAULT 'authors' CHECK (edit_policy IN ('authors', 'moderators', 'members')),
	version      INTEGER NOT NULL DEFAULT 1, -- number of the current version
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
);
CREATE INDEX artefacts_community ON artefacts (community_id, id DESC);

CREATE TABLE artefact_versions (
	artefact_id INTEGER NOT NULL REFERENCES artefacts(id) ON DELETE CASCADE,
	number      INTEGER NOT NULL,
	title       TEXT NOT NULL,
	summary     TEXT NOT NULL DEFAULT '',
	body_source TEXT NOT NULL DEFAULT '',
	body_html   TEXT NOT NULL DEFAULT '',
	files       TEXT NOT NULL DEFAULT '[]', -- JSON: the files of this version
	editor_id   INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	editor_uri  TEXT NOT NULL DEFAULT '', -- kept when the account is gone
	note        TEXT NOT NULL DEFAULT '', -- the editor's change note
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (artefact_id, number)
) WITHOUT ROWID;

-- Files uploaded to artefacts hosted here, stored under the data directory
-- by a random name (as media are); the versions' JSON refers to them by ID.
CREATE TABLE artefact_files (
	id           INTEGER PRIMARY KEY,
	artefact_id  INTEGER NOT NULL REFERENCES artefacts(id) ON DELETE CASCADE,
	community_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	storage_name TEXT NOT NULL UNIQUE,
	name         TEXT NOT NULL, -- as uploaded
	media_type   TEXT NOT NULL,
	size         INTEGER NOT NULL,
	sha256       TEXT NOT NULL, -- hex
	uploaded_by  INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	created_at   INTEGER NOT NULL
);
CREATE INDEX artefact_files_artefact ON artefact_files (artefact_id);
CREATE INDEX artefact_files_community ON artefact_files (community_id);
