-- Full-text search of statuses. statuses_fts is contentless (the text
-- lives in statuses already) and indexes the plain text a reader sees:
-- title, content warning, and content with its HTML tags taken out, so a
-- search for "class" or "target" does not match every post with a link.
-- The tokenizer folds case and diacritics: "cafe" finds "café". It holds
-- every status but reblogs, whatever its visibility: the query decides
-- who may see what.
CREATE VIRTUAL TABLE statuses_fts USING fts5 (
	title, spoiler_text, content,
	content = '', contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 2'
);

-- statuses_search_text is the text statuses_fts indexes, one definition
-- for the triggers and the backfill. SQLite has no split function, so
-- the content is split at each "<" by making it a JSON array (json_quote
-- escapes quotes and backslashes and leaves "<" alone); each piece but
-- the first starts with a tag, which ends at its first ">". That is one
-- pass over the text however many tags it holds; sanitised HTML has no
-- bare "<" in text or attributes. Only the first 100,000 characters
-- count, which bounds what a peer's huge post costs the single writer.
-- The entities sanitised HTML uses are decoded, &amp; last.
CREATE VIEW statuses_search_text AS
SELECT s.id, s.title, s.spoiler_text,
	replace(replace(replace(replace(replace(replace(replace(replace(
		(SELECT group_concat(CASE WHEN p.key = 0 THEN p.value ELSE substr(p.value, instr(p.value, '>') + 1) END, ' '
				ORDER BY p.key)
			FROM json_each('[' || replace(json_quote(substr(s.content, 1, 100000)), '<', '","') || ']') p),
	'&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#34;', '"'), '&#39;', ''''), '&#x27;', ''''), '&nbsp;', ' '),
	'&amp;', '&') AS content
FROM statuses s
WHERE s.reblog_of_id IS NULL;

CREATE TRIGGER statuses_fts_insert AFTER INSERT ON statuses
WHEN NEW.reblog_of_id IS NULL
BEGIN
	INSERT INTO statuses_fts (rowid, title, spoiler_text, content)
	SELECT id, title, spoiler_text, content FROM statuses_search_text WHERE id = NEW.id;
END;

CREATE TRIGGER statuses_fts_update AFTER UPDATE OF title, spoiler_text, content ON statuses
WHEN NEW.reblog_of_id IS NULL
BEGIN
	DELETE FROM statuses_fts WHERE rowid = OLD.id;
	INSERT INTO statuses_fts (rowid, title, spoiler_text, content)
	SELECT id, title, spoiler_text, content FROM statuses_search_text WHERE id = NEW.id;
END;

CREATE TRIGGER statuses_fts_delete AFTER DELETE ON statuses
WHEN OLD.reblog_of_id IS NULL
BEGIN
	DELETE FROM statuses_fts WHERE rowid = OLD.id;
END;

INSERT INTO statuses_fts (rowid, title, spoiler_text, content)
SELECT id, title, spoiler_text, content FROM statuses_search_text;

-- Hashtags a member follows: public statuses with one of them reach the
-- member's home feed (federation fan-out). id orders and pages the list.
CREATE TABLE followed_tags (
	id          INTEGER PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	tag_id      INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	UNIQUE (account_id, tag_id)
);
CREATE INDEX followed_tags_tag ON followed_tags (tag_id, account_id);
