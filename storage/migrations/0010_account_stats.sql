-- The counts every rendered account carries (followers, following,
-- statuses, last status), kept by triggers as Mastodon keeps its
-- account_stats: counting them on each render read every status of
-- every author on a timeline page, and cost more than the rest of it.
CREATE TABLE account_stats (
	account_id       INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	followers_count  INTEGER NOT NULL DEFAULT 0,
	following_count  INTEGER NOT NULL DEFAULT 0,
	statuses_count   INTEGER NOT NULL DEFAULT 0, -- not counting reblogs
	last_status_at   INTEGER NOT NULL DEFAULT 0  -- reblogs included
);

INSERT INTO account_stats (account_id, followers_count, following_count, statuses_count, last_status_at)
SELECT a.id,
	(SELECT count(*) FROM follows WHERE target_account_id = a.id),
	(SELECT count(*) FROM follows WHERE account_id = a.id),
	(SELECT count(*) FROM statuses WHERE account_id = a.id AND reblog_of_id IS NULL),
	(SELECT coalesce(max(created_at), 0) FROM statuses WHERE account_id = a.id)
FROM accounts a;

CREATE TRIGGER accounts_stats_insert AFTER INSERT ON accounts
BEGIN
	INSERT OR IGNORE INTO account_stats (account_id) VALUES (NEW.id);
END;

CREATE TRIGGER statuses_stats_insert AFTER INSERT ON statuses
BEGIN
	INSERT OR IGNORE INTO account_stats (account_id) VALUES (NEW.account_id);
	UPDATE account_stats SET statuses_count = statuses_count + (NEW.reblog_of_id IS NULL),
		last_status_at = max(last_status_at, NEW.created_at)
	WHERE account_id = NEW.account_id;
END;

-- Deleting an account's latest status looks for the one before it. When
-- the account itself is being deleted (it is gone by the time its
-- statuses go), its counts go with it: skip the work, which would be
-- quadratic as its statuses go newest first.
CREATE TRIGGER statuses_stats_delete AFTER DELETE ON statuses
WHEN EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id)
BEGIN
	UPDATE account_stats SET statuses_count = statuses_count - (OLD.reblog_of_id IS NULL),
		last_status_at = CASE WHEN OLD.created_at < last_status_at THEN last_status_at
			ELSE (SELECT coalesce(max(created_at), 0) FROM statuses WHERE account_id = OLD.account_id) END
	WHERE account_id = OLD.account_id;
END;

-- copse never moves a status to another account or makes it a reblog,
-- but the counts must not drift if it ever does.
CREATE TRIGGER statuses_stats_update AFTER UPDATE OF account_id, reblog_of_id, created_at ON statuses
WHEN NEW.account_id IS NOT OLD.account_id OR (NEW.reblog_of_id IS NULL) <> (OLD.reblog_of_id IS NULL)
	OR NEW.created_at <> OLD.created_at
BEGIN
	INSERT OR IGNORE INTO account_stats (account_id) VALUES (NEW.account_id);
	UPDATE account_stats SET
		statuses_count = (SELECT count(*) FROM statuses WHERE account_id = account_stats.account_id AND reblog_of_id IS NULL),
		last_status_at = (SELECT coalesce(max(created_at), 0) FROM statuses WHERE account_id = account_stats.account_id)
	WHERE account_id IN (OLD.account_id, NEW.account_id);
END;

CREATE TRIGGER follows_stats_insert AFTER INSERT ON follows
BEGIN
	INSERT OR IGNORE INTO account_stats (account_id) VALUES (NEW.account_id), (NEW.target_account_id);
	UPDATE account_stats SET following_count = following_count + 1 WHERE account_id = NEW.account_id;
	UPDATE account_stats SET followers_count = followers_count + 1 WHERE account_id = NEW.target_account_id;
END;

CREATE TRIGGER follows_stats_delete AFTER DELETE ON follows
BEGIN
	UPDATE account_stats SET following_count = following_count - 1 WHERE account_id = OLD.account_id;
	UPDATE account_stats SET followers_count = followers_count - 1 WHERE account_id = OLD.target_account_id;
END;

CREATE TRIGGER follows_stats_update AFTER UPDATE OF account_id, target_account_id ON follows
WHEN NEW.account_id <> OLD.account_id OR NEW.target_account_id <> OLD.target_account_id
BEGIN
	INSERT OR IGNORE INTO account_stats (account_id) VALUES (NEW.account_id), (NEW.target_account_id);
	UPDATE account_stats SET following_count = following_count - 1 WHERE account_id = OLD.account_id;
	UPDATE account_stats SET followers_count = followers_count - 1 WHERE account_id = OLD.target_account_id;
	UPDATE account_stats SET following_count = following_count + 1 WHERE account_id = NEW.account_id;
	UPDATE account_stats SET followers_count = followers_count + 1 WHERE account_id = NEW.target_account_id;
END;
