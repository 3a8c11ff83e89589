package storage

import (
	"context"
	"encoding/json"
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
// statuses, as loadStatusExtras does for one, with up to three queries:
// each asks only for the statuses whose row says they may have that
// extra (Status.mayHave), and is not made when none may.
func (q queries) loadStatusesExtras(ctx context.Context, sts []Status) error {
	if len(sts) == 0 {
		return nil
	}
	at := make(map[ID][]int, len(sts)) // a status may come twice (a thread walk)
	var mentioning, tagged, withMedia []ID
	for i := range sts {
		st := &sts[i]
		if len(at[st.ID]) == 0 {
			if st.mayHave(extraMentions) {
				mentioning = append(mentioning, st.ID)
			}
			if st.mayHave(extraTags) {
				tagged = append(tagged, st.ID)
			}
			if st.mayHave(extraAttachments) {
				withMedia = append(withMedia, st.ID)
			}
		}
		at[st.ID] = append(at[st.ID], i)
	}
	if len(mentioning) > 0 {
		if err := q.loadMentions(ctx, sts, at, idArray(mentioning)); err != nil {
			return err
		}
	}
	if len(tagged) > 0 {
		if err := q.loadTags(ctx, sts, at, idArray(tagged)); err != nil {
			return err
		}
	}
	if len(withMedia) > 0 {
		return q.loadAttachments(ctx, sts, at, idArray(withMedia))
	}
	return nil
}

// loadMentions, loadTags and loadAttachments are loadStatusesExtras's
// three queries, for the statuses in the JSON array arr; at says where
// each status is in sts.
func (q queries) loadMentions(ctx context.Context, sts []Status, at map[ID][]int, arr string) error {
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
	return nil
}

func (q queries) loadTags(ctx context.Context, sts []Status, at map[ID][]int, arr string) error {
	rows, err := q.q.QueryContext(ctx, `SELECT st.status_id, t.name FROM status_tags st JOIN tags t ON t.id = st.tag_id
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
	return nil
}

func (q queries) loadAttachments(ctx context.Context, sts []Status, at map[ID][]int, arr string) error {
	rows, err := q.q.QueryContext(ctx, `SELECT `+attachmentColumns+` FROM attachments
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
var accountShownColumns = strings.Replace(strings.Replace(accountColumns, "public_key_pem, private_key_pem", "'', ''", 1),
	"ed25519_private", "''", 1)

// StatusIDsByURIs returns the IDs here of the statuses among uris that
// exist, by URI.
func (q queries) StatusIDsByURIs(ctx context.Context, uris []string) (map[string]ID, error) {
	out := make(map[string]ID, len(uris))
	if len(uris) == 0 {
		return out, nil
	}
	list, err := json.Marshal(uris)
	if err != nil {
		return nil, fmt.Errorf("statuses by uri: %w", err)
	}
	_, err = queryAll(ctx, q.q, func(r scanner) (struct{}, error) {
		var uri string
		var id ID
		err := r.Scan(&uri, &id)
		out[uri] = id
		return struct{}{}, err
	}, `SELECT uri, id FROM statuses WHERE uri IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, fmt.Errorf("statuses by uri: %w", err)
	}
	return out, nil
}

// AccountsByIDs returns the accounts among ids that exist, by ID, to be
// shown: without their keys (PublicKeyPEM and PrivateKeyPEM are empty).
func (q queries) AccountsByIDs(ctx context.Context, ids []ID) (map[ID]Account, error) {
	out := make(map[ID]Account, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err := q.eachAccountShown(ctx, `id IN (SELECT value FROM json_each(?))`, idArray(ids), func(a Account) { out[a.ID] = a })
	if err != nil {
		return nil, fmt.Errorf("accounts by id: %w", err)
	}
	return out, nil
}

// AccountsByURIs is AccountsByIDs for actor IRIs: the accounts known
// here among uris, by IRI.
func (q queries) AccountsByURIs(ctx context.Context, uris []string) (map[string]Account, error) {
	out := make(map[string]Account, len(uris))
	if len(uris) == 0 {
		return out, nil
	}
	list, err := json.Marshal(uris)
	if err != nil {
		return nil, fmt.Errorf("accounts by uri: %w", err)
	}
	err = q.eachAccountShown(ctx, `uri IN (SELECT value FROM json_each(?))`, string(list), func(a Account) { out[a.URI] = a })
	if err != nil {
		return nil, fmt.Errorf("accounts by uri: %w", err)
	}
	return out, nil
}

// eachAccountShown calls fn with each account, without its keys, that
// matches cond with arg.
func (q queries) eachAccountShown(ctx context.Context, cond string, arg any, fn func(Account)) error {
	rows, err := q.q.QueryContext(ctx, `SELECT `+accountShownColumns+` FROM accounts WHERE `+cond, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return err
		}
		fn(a)
	}
	return rows.Err()
}

// qStatusStats reads the counts kept on each status's row (migration
// 0044), zero for an id that is no status here, and whether viewer ?2
// liked or reblogged it, from the indexes of the viewer's likes and boosts
// (near each other, where an index by status would be a page per status).
const qStatusStats = `SELECT j.value,
coalesce(s.replies_count, 0), coalesce(s.reblogs_count, 0), coalesce(s.favourites_count, 0),
EXISTS (SELECT 1 FROM favourites WHERE status_id = j.value AND account_id = ?2),
EXISTS (SELECT 1 FROM statuses INDEXED BY statuses_account_reblogs WHERE account_id = ?2 AND reblog_of_id = j.value)
FROM json_each(?1) j LEFT JOIN statuses s ON s.id = j.value`

// StatusStatsByIDs is StatusStats for many statuses, by ID; every id has
// an entry.
func (q queries) StatusStatsByIDs(ctx context.Context, ids []ID, viewer ID) (map[ID]StatusStats, error) {
	out := make(map[ID]StatusStats, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.q.QueryContext(ctx, qStatusStats, idArray(ids), viewer)
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
	return q.statusFlags(ctx, ids, viewer, qThreadsMuted, idArray(ids))
}

// StatusFlagsOf is StatusFlagsByIDs for statuses already read (their
// threads are read from rows the page has just read).
func (q queries) StatusFlagsOf(ctx context.Context, sts []Status, viewer ID) (map[ID]StatusFlags, error) {
	ids := make([]ID, 0, len(sts))
	for _, st := range sts {
		ids = append(ids, st.ID)
	}
	return q.statusFlags(ctx, ids, viewer, qThreadsMutedOf, threadStarts(sts))
}

// statusFlags reads the viewer's bookmarks and pins among ids, and when
// the viewer muted any conversation, runs muted (qThreadsMuted or
// qThreadsMutedOf, with its first parameter start) for the muted threads.
func (q queries) statusFlags(ctx context.Context, ids []ID, viewer ID, muted, start string) (map[ID]StatusFlags, error) {
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
	rows, err = q.q.QueryContext(ctx, muted, start, viewer)
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

// threadStarts is the JSON array qThreadsMutedOf reads: for each status,
// [id, in_reply_to_id, uri, in_reply_to_uri].
func threadStarts(sts []Status) string {
	b := make([]byte, 0, 64+len(sts)*160)
	b = append(b, '[')
	for i, st := range sts {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(st.ID), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(st.InReplyToID), 10)
		b = append(b, ',')
		b = appendJSONString(b, st.URI)
		b = append(b, ',')
		b = appendJSONString(b, st.InReplyToURI)
		b = append(b, ']')
	}
	return string(append(b, ']'))
}

// appendJSONString appends s as a JSON string; an IRI from a peer may hold
// any character.
func appendJSONString(b []byte, s string) []byte {
	q, err := json.Marshal(s)
	if err != nil { // a string always marshals
		panic(err)
	}
	return append(b, q...)
}

// qThreadsMuted keeps, of the statuses whose IDs are the JSON array ?1,
// those whose thread (thread_uri) account ?2 muted.
const qThreadsMuted = `SELECT s.id FROM statuses s WHERE s.id IN (SELECT value FROM json_each(?1))
AND EXISTS (SELECT 1 FROM conversation_mutes WHERE account_id = ?2 AND thread_uri = s.thread_uri)`

// qThreadsMutedOf is qThreadsMuted for statuses a page has just read
// (their rows are in cache), described by the JSON array ?1
// (threadStarts): the ID of each is its first element.
const qThreadsMutedOf = `SELECT s.id FROM json_each(?1) j JOIN statuses s ON s.id = j.value ->> 0
WHERE EXISTS (SELECT 1 FROM conversation_mutes WHERE account_id = ?2 AND thread_uri = s.thread_uri)`
