-- Full-text search of a community's events (issue 13): beside its
-- artefacts and glossary (0038), events_fts indexes an event as it
-- stands now: its name, its Markdown description and its place (name
-- and address). Contentless, like artefacts_fts and glossary_fts.
CREATE VIRTUAL TABLE events_fts USING fts5 (
	name, description, place,
	content = '', contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 2'
);

-- events_search_text is what events_fts indexes, one definition for the
-- triggers and the backfill.
CREATE VIEW events_search_text AS
SELECT e.id, e.name, substr(e.description_source, 1, 500000) AS description,
	trim(e.place_name || ' ' || e.place_address) AS place
FROM community_events e;

CREATE TRIGGER events_fts_insert AFTER INSERT ON community_events
BEGIN
	INSERT INTO events_fts (rowid, name, description, place)
	SELECT id, name, description, place FROM events_search_text WHERE id = NEW.id;
END;

CREATE TRIGGER events_fts_update AFTER UPDATE OF name, description_source, place_name, place_address ON community_events
BEGIN
	DELETE FROM events_fts WHERE rowid = OLD.id;
	INSERT INTO events_fts (rowid, name, description, place)
	SELECT id, name, description, place FROM events_search_text WHERE id = NEW.id;
END;

CREATE TRIGGER events_fts_delete AFTER DELETE ON community_events
BEGIN
	DELETE FROM events_fts WHERE rowid = OLD.id;
END;

INSERT INTO events_fts (rowid, name, description, place)
SELECT id, name, description, place FROM events_search_text;
