package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Reading for a page of statuses at once: what the client API shows with
// each status (its author, counts, mentions, tags, media, the viewer's
// flags) in one query per kind for the whole page, not one per status.
// Each takes its IDs as one JSON array parameter that the query reads
// with json_each, so the query's text is the same for any number of IDs.

// idArray is ids as a JSON array, the parameter json_each reads.
func idArray(ids []ID) string {
	b := make([]byte, 0, 2+len(ids)*19)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(id), 10)
	}
	return string(append(b, ']'))
}

// loadStatusesExtras fills in the mentions, tags and attachments of
// statuses, as loadStatusExtras does for one, with three queries.
func (q queries) loadStatusesExtras(ctx context.Context, sts []Status) error {
	if len(sts) == 0 {
		return nil
	}
	ids := make([]ID, len(sts))
	at := make(map[ID][]int, len(sts)) // a status may come twice (a thread walk)
	for i := range sts {
		ids[i] = sts[i].ID
		at[sts[i].ID] = append(at[sts[i].ID], i)
	}
	arr := idArray(ids)

	rows, err := q.q.QueryContext(ctx, `SELECT status_id, account_id FROM mentions
WHERE status_id IN (SELECT value FROM json_each(?)) ORDER BY status_id, account_id`, arr)
	if err != nil {
		return fmt.Errorf("status mentions: %w", err)
	}
	for rows.Next() {
		var status, account ID
		if err := rows.Scan(&status, &account); err != nil {
			rows.Close()
			return fmt.Errorf("status mentions: %w", err)
		}
		for _, i := range at[status] {
			sts[i].Mentions = append(sts[i].Mentions, account)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("status mentions: %w", err)
	}

	rows, err = q.q.QueryContext(ctx, `SELECT st.status_id, t.name FROM status_tags st JOIN tags t ON t.id = st.tag_id
WHERE st.status_id IN (SELECT value FROM json_each(?)) ORDER BY st.status_id, t.name`, arr)
	if err != nil {
		return fmt.Errorf("status tags: %w", err)
	}
	for rows.Next() {
		var status ID
		var name string
		if err := rows.Scan(&status, &name); err != nil {
			rows.Close()
			return fmt.Errorf("status tags: %w", err)
		}
		for _, i := range at[status] {
			sts[i].Tags = append(sts[i].Tags, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("status tags: %w", err)
	}

	rows, err = q.q.QueryContext(ctx, `SELECT `+attachmentColumns+` FROM attachments
WHERE status_id IN (SELECT value FROM json_each(?)) ORDER BY id`, arr)
	if err != nil {
		return fmt.Errorf("status attachments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return fmt.Errorf("status attachments: %w", err)
		}
		for _, i := range at[a.StatusID] {
			sts[i].Attachments = append(sts[i].Attachments, a)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("status attachments: %w", err)
	}
	return nil
}

// StatusesByIDs returns the statuses among ids that exist, with their
// mentions, tags and attachments, by ID.
func (q queries) StatusesByIDs(ctx context.Context, ids []ID) (map[ID]Status, error) {
	out := make(map[ID]Status, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	sts, err := q.statusList(ctx, `SELECT `+statusColumns+` FROM statuses s
WHERE s.id IN (SELECT value FROM json_each(?))`, []any{idArray(ids)}, false)
	if err != nil {
		return nil, fmt.Errorf("statuses by id: %w", err)
	}
	for _, s := range sts {
		out[s.ID] = s
	}
	return out, nil
}

// accountShownColumns are accountColumns with the keys left empty: a
// local account's private key is most of its row, and showing an
// account needs neither key.
var accountShownColumns = strings.Replace(accountColumns, "public_key_pem, private_key_pem", "'', ''", 1)

// AccountsByIDs returns the accounts among ids that exist, by ID, to be
// shown: without their keys (PublicKeyPEM and PrivateKeyPEM are empty).
func (q queries) AccountsByIDs(ctx context.Context, ids []ID) (map[ID]Account, error) {
	out := make(map[ID]Account, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.q.QueryContext(ctx, `SELECT `+accountShownColumns+` FROM accounts
WHERE id IN (SELECT value FROM json_each(?))`, idArray(ids))
	if err != nil {
		return nil, fmt.Errorf("accounts by id: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("accounts by id: %w", err)
		}
		out[a.ID] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("accounts by id: %w", err)
	}
	return out, nil
}

// StatusStatsByIDs is StatusStats for many statuses, by ID.
func (q queries) StatusStatsByIDs(ctx context.Context, ids []ID, viewer ID) (map[ID]StatusStats, error) {
	out := make(map[ID]StatusStats, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.q.QueryContext(ctx, `SELECT j.value,
(SELECT count(*) FROM statuses WHERE in_reply_to_id = j.value),
(SELECT count(*) FROM statuses WHERE reblog_of_id = j.value),
(SELECT count(*) FROM favourites WHERE status_id = j.value),
EXISTS (SELECT 1 FROM favourites WHERE status_id = j.value AND account_id = ?2),
EXISTS (SELECT 1 FROM statuses WHERE reblog_of_id = j.value AND account_id = ?2)
FROM json_each(?1) j`, idArray(ids), viewer)
	if err != nil {
		return nil, fmt.Errorf("status stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id ID
		var s StatusStats
		if err := rows.Scan(&id, &s.Replies, &s.Reblogs, &s.Favourites, &s.Favourited, &s.Reblogged); err != nil {
			return nil, fmt.Errorf("status stats: %w", err)
		}
		out[id] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("status stats: %w", err)
	}
	return out, nil
}

// StatusFlagsByIDs is StatusFlags for many statuses, by ID.
func (q queries) StatusFlagsByIDs(ctx context.Context, ids []ID, viewer ID) (map[ID]StatusFlags, error) {
	out := make(map[ID]StatusFlags, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.q.QueryContext(ctx, `SELECT j.value,
EXISTS (SELECT 1 FROM bookmarks WHERE account_id = ?2 AND status_id = j.value),
EXISTS (SELECT 1 FROM pins WHERE account_id = ?2 AND status_id = j.value),
EXISTS (SELECT 1 FROM conversation_mutes WHERE account_id = ?2)
FROM json_each(?1) j`, idArray(ids), viewer)
	if err != nil {
		return nil, fmt.Errorf("status flags: %w", err)
	}
	var anyMutes bool
	for rows.Next() {
		var id ID
		var f StatusFlags
		if err := rows.Scan(&id, &f.Bookmarked, &f.Pinned, &anyMutes); err != nil {
			rows.Close()
			return nil, fmt.Errorf("status flags: %w", err)
		}
		out[id] = f
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("status flags: %w", err)
	}
	if !anyMutes { // most members mute no conversation: skip the walks up the threads
		return out, nil
	}
	rows, err = q.q.QueryContext(ctx, qThreadsMuted, idArray(ids), viewer)
	if err != nil {
		return nil, fmt.Errorf("conversations muted: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id ID
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("conversations muted: %w", err)
		}
		f := out[id]
		f.Muted = true
		out[id] = f
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("conversations muted: %w", err)
	}
	return out, nil
}

// qThreadsMuted is qThreadURI for each of the statuses in the JSON array
// ?1 at once, keeping those whose thread account ?2 muted. With max(),
// SQLite takes the other columns from the row holding the maximum: the
// topmost ancestor.
const qThreadsMuted = `WITH RECURSIVE up(start, id, parent, uri, reply_uri, depth) AS (
	SELECT id, id, in_reply_to_id, uri, in_reply_to_uri, 0 FROM statuses WHERE id IN (SELECT value FROM json_each(?1))
	UNION ALL
	SELECT up.start, s.id, s.in_reply_to_id, s.uri, s.in_reply_to_uri, up.depth + 1 FROM statuses s JOIN up ON s.id = up.parent
	WHERE up.depth < 4096
),
top(start, thread, depth) AS (
	SELECT start, CASE WHEN reply_uri <> '' THEN reply_uri ELSE uri END, max(depth) FROM up GROUP BY start
)
SELECT start FROM top WHERE EXISTS (SELECT 1 FROM conversation_mutes WHERE account_id = ?2 AND thread_uri = top.thread)`
