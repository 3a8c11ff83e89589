-- The directory's unfiltered page (everyone it holds, by organisation) is
-- kept in memory (storage/directory_cache.go) under a version that these
-- triggers set to a fresh random value whenever who it holds, or what it
-- shows of them, may have changed: an account here made, changed or
-- deleted; an account that is a member of a community hosted here
-- changed; a follow of a community hosted here made or ended. Strangers
-- met through federation change it not.
CREATE TABLE directory_version (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	gen INTEGER NOT NULL
);
INSERT INTO directory_version (id, gen) VALUES (1, random());

CREATE TRIGGER directory_account_new AFTER INSERT ON accounts WHEN NEW.domain = ''
BEGIN
	UPDATE directory_version SET gen = random();
END;
CREATE TRIGGER directory_account_gone AFTER DELETE ON accounts WHEN OLD.domain = ''
BEGIN
	UPDATE directory_version SET gen = random();
END;
CREATE TRIGGER directory_account_changed AFTER UPDATE ON accounts
WHEN NEW.domain = '' OR OLD.domain = '' OR EXISTS (SELECT 1 FROM follows f JOIN communities c ON c.account_id = f.target_account_id
	WHERE f.account_id = NEW.id)
BEGIN
	UPDATE directory_version SET gen = random();
END;
CREATE TRIGGER directory_join AFTER INSERT ON follows
WHEN EXISTS (SELECT 1 FROM communities WHERE account_id = NEW.target_account_id)
BEGIN
	UPDATE directory_version SET gen = random();
END;
CREATE TRIGGER directory_leave AFTER DELETE ON follows
WHEN EXISTS (SELECT 1 FROM communities WHERE account_id = OLD.target_account_id)
BEGIN
	UPDATE directory_version SET gen = random();
END;
