-- Federation policy (issue 14 item 3): domains blocked, domains allowed
-- (in allow-list mode the node federates with these alone), and the mode
-- itself as the node setting federation_mode ('open' unless set).
-- A block or allow of "example.org" covers its subdomains too; a domain
-- with a port ("127.0.0.1:8080") names that one origin.
CREATE TABLE domain_blocks (
	id              INTEGER PRIMARY KEY,
	domain          TEXT NOT NULL UNIQUE,
	severity        TEXT NOT NULL DEFAULT 'limit' CHECK (severity IN ('suspend', 'limit', 'noop')),
	reject_media    INTEGER NOT NULL DEFAULT 0,
	reject_reports  INTEGER NOT NULL DEFAULT 0,
	public_comment  TEXT NOT NULL DEFAULT '',
	private_comment TEXT NOT NULL DEFAULT '',
	obfuscate       INTEGER NOT NULL DEFAULT 0,
	created_at      INTEGER NOT NULL,
	created_by      INTEGER REFERENCES accounts(id) ON DELETE SET NULL
);

CREATE TABLE domain_allows (
	id         INTEGER PRIMARY KEY,
	domain     TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL
);
