-- What each remote node runs, as its NodeInfo says (software.name and
-- version), read in the background and refreshed about daily: a Group
-- hosted here announces to a follower node in the shapes its software
-- reads (federation/nodeinfo.go). software is '' when the node's NodeInfo
-- could not be read (failed is then 1): it counts as unknown.
CREATE TABLE instances (
	host       TEXT PRIMARY KEY,
	software   TEXT NOT NULL DEFAULT '',
	version    TEXT NOT NULL DEFAULT '',
	failed     INTEGER NOT NULL DEFAULT 0,
	fetched_at INTEGER NOT NULL
) WITHOUT ROWID;
