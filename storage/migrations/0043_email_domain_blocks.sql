-- Email domains the node refuses sign-ups from (Mastodon's
-- email_domain_blocks): a domain covers its subdomains.
CREATE TABLE email_domain_blocks (
	id         INTEGER PRIMARY KEY,
	domain     TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	created_by INTEGER NOT NULL DEFAULT 0 -- 0: the command line
);
