-- Email notifications. A member without a row in email_settings gets the
-- defaults (federation.DefaultEmailTypes, a weekly digest); a row holds
-- the notification types they chose to be mailed (a JSON array), their
-- digest (off, daily or weekly), when the last digest covered up to, and
-- the token their mail's unsubscribe links carry (random, 128 bits).
CREATE TABLE email_settings (
	account_id         INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	types              TEXT NOT NULL,
	digest             TEXT NOT NULL DEFAULT 'weekly',
	digest_through     INTEGER NOT NULL DEFAULT 0,
	unsubscribe_token  TEXT NOT NULL UNIQUE
);

-- How far the mail worker has read notifications (by id, which grows in
-- commit order on the one writer). It starts at the newest notification
-- there is, so an upgrade mails nothing from before it.
CREATE TABLE mail_cursor (
	id                    INTEGER PRIMARY KEY CHECK (id = 1),
	last_notification_id  INTEGER NOT NULL
);
INSERT INTO mail_cursor (id, last_notification_id) SELECT 1, coalesce(max(id), 0) FROM notifications;

-- Mail to members waiting to be sent, written with what it says, and
-- retried while the SMTP server does not take it.
CREATE TABLE mail_queue (
	id           INTEGER PRIMARY KEY,
	account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	kind         TEXT NOT NULL, -- a notification type, or 'digest'
	subject      TEXT NOT NULL,
	body         TEXT NOT NULL,
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_at      INTEGER NOT NULL,
	last_error   TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL
);
CREATE INDEX mail_queue_due ON mail_queue (next_at);
