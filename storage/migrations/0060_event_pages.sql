-- Each event hosted here has a page of its own, /c/{handle}/events/{id}
-- (it was an anchor in the list of upcoming events, so the link of a
-- past event led to a list without it). The events of communities hosted
-- here take the new address as their url; a remote event keeps the one
-- its own node gave it.
UPDATE community_events SET url = replace(url, '/events#event-', '/events/')
WHERE url LIKE '%/events#event-%'
AND EXISTS (SELECT 1 FROM communities c WHERE c.account_id = community_events.community_id);
