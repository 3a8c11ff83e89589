-- The directory lists the members of the communities hosted here only
-- while a community shows its members (not a members-only one), so a
-- community made members-only, or public again, changes what it holds:
-- its kept page (directory_version, migration 0056) is made afresh.
CREATE TRIGGER directory_community_visibility AFTER UPDATE OF visibility ON communities
WHEN OLD.visibility <> NEW.visibility
BEGIN
	UPDATE directory_version SET gen = random();
END;
