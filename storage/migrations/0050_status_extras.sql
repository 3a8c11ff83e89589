-- statuses.extras says which of a status's extras may exist, so that a
-- page of statuses looks up only those: 1 mentions, 2 hashtags, 4
-- attachments. Most statuses have none, and on a deep page of a timeline
-- each lookup was an index page nothing had touched (three per status).
-- A bit is set when a row is added (by InsertStatus, from what it saves,
-- and by these triggers for rows added later) and never cleared: a set
-- bit with nothing behind it costs one lookup that finds nothing, as
-- every status cost before.
ALTER TABLE statuses ADD COLUMN extras INTEGER NOT NULL DEFAULT 0;

UPDATE statuses SET extras = extras | 1 WHERE id IN (SELECT status_id FROM mentions);
UPDATE statuses SET extras = extras | 2 WHERE id IN (SELECT status_id FROM status_tags);
UPDATE statuses SET extras = extras | 4 WHERE id IN (SELECT status_id FROM attachments WHERE status_id IS NOT NULL);

CREATE TRIGGER mentions_extras AFTER INSERT ON mentions
BEGIN
	UPDATE statuses SET extras = extras | 1 WHERE id = NEW.status_id AND extras & 1 = 0;
END;

CREATE TRIGGER status_tags_extras AFTER INSERT ON status_tags
BEGIN
	UPDATE statuses SET extras = extras | 2 WHERE id = NEW.status_id AND extras & 2 = 0;
END;

CREATE TRIGGER attachments_extras AFTER INSERT ON attachments
WHEN NEW.status_id IS NOT NULL
BEGIN
	UPDATE statuses SET extras = extras | 4 WHERE id = NEW.status_id AND extras & 4 = 0;
END;

-- An upload is a row with no status until a post attaches it.
CREATE TRIGGER attachments_extras_attach AFTER UPDATE OF status_id ON attachments
WHEN NEW.status_id IS NOT NULL
BEGIN
	UPDATE statuses SET extras = extras | 4 WHERE id = NEW.status_id AND extras & 4 = 0;
END;

-- A boost's status is read by who boosted it: the viewer's own boosts
-- are then near each other in the index, not one index page per status
-- of a page (qStatusStats asks whether the viewer boosted each).
CREATE INDEX statuses_account_reblogs ON statuses (account_id, reblog_of_id) WHERE reblog_of_id IS NOT NULL;
