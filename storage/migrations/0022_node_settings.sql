-- What the node knows of itself and must not forget: its base URL (the
-- origin every local actor's id starts with), recorded on first start.
CREATE TABLE node_settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
