-- A community post reads its Group's followers twice: the local ones (for
-- home feeds) and the remote ones' delivery inboxes (for the announces).
-- Both walked every follow of the Group and read its follower's account:
-- about 13 ms a post in a community of 5,000 followers on 200 nodes, all
-- of it on the single writer. Now:
--
-- - follows.local says whether the follower is a member here (set by
--   trigger from the account, whose domain never changes), and a partial
--   index holds the local follows by target;
-- - follows.inbox is where the follower is delivered to (its shared inbox,
--   else its own) while it is remote and not suspended, '' otherwise, kept
--   by trigger as the account changes;
-- - follower_inboxes counts, for each account, its followers behind each
--   such inbox, kept by trigger as follows come, go and change inbox. A
--   post reads one row a node, not one a follower.
ALTER TABLE follows ADD COLUMN local INTEGER NOT NULL DEFAULT 0;
ALTER TABLE follows ADD COLUMN inbox TEXT NOT NULL DEFAULT '';

UPDATE follows SET
	local = coalesce((SELECT a.domain = '' FROM accounts a WHERE a.id = follows.account_id), 0),
	inbox = coalesce((SELECT CASE WHEN a.shared_inbox <> '' THEN a.shared_inbox ELSE a.inbox END
		FROM accounts a WHERE a.id = follows.account_id AND a.domain <> '' AND a.suspended_at = 0), '');

CREATE INDEX follows_local_target ON follows (target_account_id) WHERE local = 1;

CREATE TABLE follower_inboxes (
	account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	inbox      TEXT NOT NULL,
	followers  INTEGER NOT NULL,
	PRIMARY KEY (account_id, inbox)
) WITHOUT ROWID;

INSERT INTO follower_inboxes (account_id, inbox, followers)
SELECT target_account_id, inbox, count(*) FROM follows WHERE inbox <> '' GROUP BY target_account_id, inbox;

-- A new follow takes its follower's locality and inbox.
CREATE TRIGGER follows_delivery_insert AFTER INSERT ON follows
BEGIN
	UPDATE follows SET
		local = coalesce((SELECT a.domain = '' FROM accounts a WHERE a.id = NEW.account_id), 0),
		inbox = coalesce((SELECT CASE WHEN a.shared_inbox <> '' THEN a.shared_inbox ELSE a.inbox END
			FROM accounts a WHERE a.id = NEW.account_id AND a.domain <> '' AND a.suspended_at = 0), '')
	WHERE id = NEW.id;
END;

-- A follow's inbox moves its count from the old inbox to the new.
CREATE TRIGGER follows_inbox_update AFTER UPDATE OF inbox ON follows
WHEN OLD.inbox IS NOT NEW.inbox
BEGIN
	UPDATE follower_inboxes SET followers = followers - 1
	WHERE account_id = OLD.target_account_id AND inbox = OLD.inbox;
	DELETE FROM follower_inboxes WHERE account_id = OLD.target_account_id AND inbox = OLD.inbox AND followers <= 0;
	INSERT INTO follower_inboxes (account_id, inbox, followers)
	SELECT NEW.target_account_id, NEW.inbox, 1 WHERE NEW.inbox <> ''
	ON CONFLICT (account_id, inbox) DO UPDATE SET followers = followers + 1;
END;

-- A follow that ends (an unfollow, or either account deleted) takes its
-- count away. Its own inbox is read, not the account's, which a
-- cascading delete has removed already.
CREATE TRIGGER follows_inbox_delete AFTER DELETE ON follows
WHEN OLD.inbox <> ''
BEGIN
	UPDATE follower_inboxes SET followers = followers - 1
	WHERE account_id = OLD.target_account_id AND inbox = OLD.inbox;
	DELETE FROM follower_inboxes WHERE account_id = OLD.target_account_id AND inbox = OLD.inbox AND followers <= 0;
END;

-- An account whose delivery inbox changes (new inboxes, suspended or
-- reinstated) moves its follows' inboxes with it.
CREATE TRIGGER accounts_delivery_inbox AFTER UPDATE OF inbox, shared_inbox, suspended_at, domain ON accounts
WHEN (CASE WHEN OLD.domain <> '' AND OLD.suspended_at = 0
		THEN CASE WHEN OLD.shared_inbox <> '' THEN OLD.shared_inbox ELSE OLD.inbox END ELSE '' END)
	IS NOT (CASE WHEN NEW.domain <> '' AND NEW.suspended_at = 0
		THEN CASE WHEN NEW.shared_inbox <> '' THEN NEW.shared_inbox ELSE NEW.inbox END ELSE '' END)
BEGIN
	UPDATE follows SET inbox = CASE WHEN NEW.domain <> '' AND NEW.suspended_at = 0
		THEN CASE WHEN NEW.shared_inbox <> '' THEN NEW.shared_inbox ELSE NEW.inbox END ELSE '' END
	WHERE account_id = NEW.id;
END;
