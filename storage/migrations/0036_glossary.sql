-- Community glossary (issue 13 item 4). A term belongs to a community (its
-- Group account, hosted here or remote); its current state is the
-- glossary_terms row, every state it has had a glossary_term_versions row,
-- never deleted: an edit or a restore adds one. tag is the term as a
-- hashtag name (lower case), which links it to the posts and artefacts
-- that use it; '' when the term is not a hashtag name ("data protection").
CREATE TABLE glossary_terms (
	id              INTEGER PRIMARY KEY,
	community_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	uri             TEXT NOT NULL UNIQUE, -- its ActivityPub id
	url             TEXT NOT NULL DEFAULT '',
	local           INTEGER NOT NULL DEFAULT 0,
	created_by      INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	term            TEXT NOT NULL,
	tag             TEXT NOT NULL DEFAULT '',
	definition_source TEXT NOT NULL DEFAULT '', -- Markdown
	definition_html TEXT NOT NULL DEFAULT '', -- rendered and sanitised
	aliases         TEXT NOT NULL DEFAULT '[]', -- JSON array
	related         TEXT NOT NULL DEFAULT '[]', -- JSON array of term names
	reference_url   TEXT NOT NULL DEFAULT '',
	reference_text  TEXT NOT NULL DEFAULT '',
	version         INTEGER NOT NULL DEFAULT 1,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
CREATE INDEX glossary_terms_community ON glossary_terms (community_id, term COLLATE NOCASE);

CREATE TABLE glossary_term_versions (
	term_id           INTEGER NOT NULL REFERENCES glossary_terms(id) ON DELETE CASCADE,
	number            INTEGER NOT NULL,
	term              TEXT NOT NULL,
	definition_source TEXT NOT NULL DEFAULT '',
	definition_html   TEXT NOT NULL DEFAULT '',
	aliases           TEXT NOT NULL DEFAULT '[]',
	related           TEXT NOT NULL DEFAULT '[]',
	reference_url     TEXT NOT NULL DEFAULT '',
	reference_text    TEXT NOT NULL DEFAULT '',
	editor_id         INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
	editor_uri        TEXT NOT NULL DEFAULT '',
	note              TEXT NOT NULL DEFAULT '',
	created_at        INTEGER NOT NULL,
	PRIMARY KEY (term_id, number)
) WITHOUT ROWID;
