-- Full-text search of a community's repertoire (issue 13 item 6): its
-- artefacts, with the text of their files, and its glossary. Threads are
-- statuses and searched through statuses_fts (0007).

-- The plain text taken out of a stored artefact file (PDF, Office,
-- OpenDocument) when it was uploaded: at most 1 MiB a file
-- (federation/textextract). Files with no text have no row.
CREATE TABLE artefact_file_text (
	file_id INTEGER PRIMARY KEY REFERENCES artefact_files(id) ON DELETE CASCADE,
	text    TEXT NOT NULL
);

-- artefacts_fts is contentless, like statuses_fts, and indexes an
-- artefact as it stands now: title, summary, Markdown body, tags, and
-- the text of the files its current version holds. Remote artefacts'
-- files are links, so only their own text counts.
CREATE VIRTUAL TABLE artefacts_fts USING fts5 (
	title, summary, body, tags, files,
	content = '', contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 2'
);

-- artefacts_search_text is what artefacts_fts indexes, one definition for
-- the triggers and the backfill. The files' text is bounded at 4,000,000
-- characters an artefact (50 files of 1 MiB would be more).
CREATE VIEW artefacts_search_text AS
SELECT a.id, a.title, a.summary, substr(a.body_source, 1, 500000) AS body,
	coalesce((SELECT group_concat(t.value, ' ') FROM json_each(a.tags) t), '') AS tags,
	coalesce(substr((SELECT group_concat(ft.text, ' ')
		FROM artefact_versions v, json_each(v.files) f
		JOIN artefact_file_text ft ON ft.file_id = CAST(json_extract(f.value, '$.id') AS INTEGER)
		WHERE v.artefact_id = a.id AND v.number = a.version), 1, 4000000), '') AS files
FROM artefacts a;

CREATE TRIGGER artefacts_fts_insert AFTER INSERT ON artefacts
BEGIN
	INSERT INTO artefacts_fts (rowid, title, summary, body, tags, files)
	SELECT id, title, summary, body, tags, files FROM artefacts_search_text WHERE id = NEW.id;
END;

CREATE TRIGGER artefacts_fts_update AFTER UPDATE OF title, summary, body_source, tags, version ON artefacts
BEGIN
	DELETE FROM artefacts_fts WHERE rowid = OLD.id;
	INSERT INTO artefacts_fts (rowid, title, summary, body, tags, files)
	SELECT id, title, summary, body, tags, files FROM artefacts_search_text WHERE id = NEW.id;
END;

CREATE TRIGGER artefacts_fts_delete AFTER DELETE ON artefacts
BEGIN
	DELETE FROM artefacts_fts WHERE rowid = OLD.id;
END;

-- A version written after its artefact row names it (whichever order the
-- engine writes them in), or a file's text stored after the version that
-- holds it, brings the artefact's row up to date.
CREATE TRIGGER artefacts_fts_version AFTER INSERT ON artefact_versions
WHEN NEW.number = (SELECT version FROM artefacts WHERE id = NEW.artefact_id)
BEGIN
	DELETE FROM artefacts_fts WHERE rowid = NEW.artefact_id;
	INSERT INTO artefacts_fts (rowid, title, summary, body, tags, files)
	SELECT id, title, summary, body, tags, files FROM artefacts_search_text WHERE id = NEW.artefact_id;
END;

CREATE TRIGGER artefacts_fts_file_text AFTER INSERT ON artefact_file_text
BEGIN
	DELETE FROM artefacts_fts WHERE rowid = (SELECT artefact_id FROM artefact_files WHERE id = NEW.file_id);
	INSERT INTO artefacts_fts (rowid, title, summary, body, tags, files)
	SELECT id, title, summary, body, tags, files FROM artefacts_search_text
	WHERE id = (SELECT artefact_id FROM artefact_files WHERE id = NEW.file_id);
END;

INSERT INTO artefacts_fts (rowid, title, summary, body, tags, files)
SELECT id, title, summary, body, tags, files FROM artefacts_search_text;

-- glossary_fts indexes a term as it stands now: the term, its aliases
-- and its Markdown definition.
CREATE VIRTUAL TABLE glossary_fts USING fts5 (
	term, aliases, definition,
	content = '', contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 2'
);

CREATE VIEW glossary_search_text AS
SELECT g.id, g.term,
	coalesce((SELECT group_concat(a.value, ' ') FROM json_each(g.aliases) a), '') AS aliases,
	substr(g.definition_source, 1, 500000) AS definition
FROM glossary_terms g;

CREATE TRIGGER glossary_fts_insert AFTER INSERT ON glossary_terms
BEGIN
	INSERT INTO glossary_fts (rowid, term, aliases, definition)
	SELECT id, term, aliases, definition FROM glossary_search_text WHERE id = NEW.id;
END;

CREATE TRIGGER glossary_fts_update AFTER UPDATE OF term, aliases, definition_source ON glossary_terms
BEGIN
	DELETE FROM glossary_fts WHERE rowid = OLD.id;
	INSERT INTO glossary_fts (rowid, term, aliases, definition)
	SELECT id, term, aliases, definition FROM glossary_search_text WHERE id = NEW.id;
END;

CREATE TRIGGER glossary_fts_delete AFTER DELETE ON glossary_terms
BEGIN
	DELETE FROM glossary_fts WHERE rowid = OLD.id;
END;

INSERT INTO glossary_fts (rowid, term, aliases, definition)
SELECT id, term, aliases, definition FROM glossary_search_text;
