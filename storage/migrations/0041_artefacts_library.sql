-- The library page lists a community's artefacts newest first without
-- their bodies (storage.CommunityLibrary). The columns it reads sit after
-- the body in a row, so reading them from the table walks the body's
-- overflow pages; this index holds them, so a page of the library is
-- read from the index alone. It serves every lookup the index it
-- replaces served (community_id, id DESC).
DROP INDEX artefacts_community;
CREATE INDEX artefacts_library ON artefacts (community_id, id DESC, uri, url, local, created_by, title, summary,
	tags, organisation, licence, edit_policy, version, created_at, updated_at);
