-- Requests to join a community hosted on another node that a member
-- here moderates, as its Group announced them (Announce{Follow}), so the
-- moderator answers them here. A row goes when the Group announces the
-- request's end (accepted, refused or withdrawn), when a moderator here
-- answers it, or with the account or the community; its moderators'
-- join_request notifications go with it, as they do with a request to a
-- community hosted here (migration 0075).
CREATE TABLE remote_join_requests (
	id           INTEGER PRIMARY KEY,
	community_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	follow_uri   TEXT NOT NULL,
	UNIQUE (community_id, account_id)
);

CREATE INDEX remote_join_requests_follow ON remote_join_requests (follow_uri);

CREATE TRIGGER remote_join_requests_notifications AFTER DELETE ON remote_join_requests
BEGIN
	DELETE FROM notifications WHERE community_id = OLD.community_id AND from_account_id = OLD.account_id
		AND type = 'join_request';
END;
