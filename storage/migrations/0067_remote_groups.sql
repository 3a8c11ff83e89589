-- The remote Groups this node knows, by id: the communities page lists
-- those that members here joined (JoinedRemoteCommunities) without
-- walking every remote account.
CREATE INDEX accounts_remote_groups ON accounts (id) WHERE actor_type = 'Group' AND domain <> '';
