-- A notification about a community (join_request: someone asks to join a
-- community the member moderates) names it. When the request goes (it is
-- accepted or refused, withdrawn, or its account or community is
-- removed), its moderators' notifications about it go with it.
ALTER TABLE notifications ADD COLUMN community_id INTEGER REFERENCES accounts (id) ON DELETE CASCADE;
CREATE INDEX notifications_community ON notifications (community_id, from_account_id) WHERE community_id IS NOT NULL;

CREATE TRIGGER follow_requests_join_notifications AFTER DELETE ON follow_requests
BEGIN
	DELETE FROM notifications WHERE community_id = OLD.target_account_id AND from_account_id = OLD.account_id
		AND type = 'join_request';
END;
