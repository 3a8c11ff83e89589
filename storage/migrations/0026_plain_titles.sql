-- Titles are plain text (escaped where they are written into HTML).
-- Until now a remote status's title was stored as html.EscapeString made
-- it, which writes exactly these five entities: decode them, &amp; last
-- so "&amp;lt;" becomes "&lt;" and not "<". Local titles were stored as
-- typed and are left alone. Markup a peer sent inside a name stays as
-- text: stripping tags is not done in SQL, and it was shown as text.
UPDATE statuses SET title =
	replace(replace(replace(replace(replace(title, '&lt;', '<'), '&gt;', '>'), '&#39;', ''''), '&#34;', '"'), '&amp;', '&')
WHERE local = 0 AND instr(title, '&') > 0;

UPDATE status_edits SET title =
	replace(replace(replace(replace(replace(title, '&lt;', '<'), '&gt;', '>'), '&#39;', ''''), '&#34;', '"'), '&amp;', '&')
WHERE instr(title, '&') > 0 AND status_id IN (SELECT id FROM statuses WHERE local = 0);
