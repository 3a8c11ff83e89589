-- The directory starts from the members here who are discoverable (and
-- the members of the communities hosted here), read from this partial
-- index rather than by walking every account the node knows.
CREATE INDEX accounts_local_discoverable ON accounts (id) WHERE domain = '' AND discoverable = 1;
