-- A community's page shows its members by organisation, their count per
-- organisation and in all; read on every view, these walked every member
-- and its account (35 ms of CPU a view in a community of 5,000). They are
-- now kept in memory (storage/community_roster.go) under a generation
-- that these triggers change, to a fresh random value, whenever what they
-- show may have changed: a follow of the community made or ended (an
-- account's deletion ends its follows), or an account that follows it
-- changed. Random, so a generation a rolled-back transaction set is
-- never met again.
CREATE TABLE community_roster (
	group_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	gen      INTEGER NOT NULL
);
INSERT INTO community_roster (group_id, gen) SELECT account_id, random() FROM communities;

CREATE TRIGGER community_roster_new AFTER INSERT ON communities
BEGIN
	INSERT OR REPLACE INTO community_roster (group_id, gen) VALUES (NEW.account_id, random());
END;
CREATE TRIGGER community_roster_join AFTER INSERT ON follows
BEGIN
	UPDATE community_roster SET gen = random() WHERE group_id = NEW.target_account_id;
END;
CREATE TRIGGER community_roster_leave AFTER DELETE ON follows
BEGIN
	UPDATE community_roster SET gen = random() WHERE group_id = OLD.target_account_id;
END;
CREATE TRIGGER community_roster_member AFTER UPDATE ON accounts
BEGIN
	UPDATE community_roster SET gen = random()
	WHERE group_id IN (SELECT target_account_id FROM follows WHERE account_id = NEW.id);
END;
