package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"
)

// StatusEdit is an earlier version of an edited status, recorded when the
// edit that replaced it was saved.
type StatusEdit struct {
	ID          ID
	StatusID    ID
	Title       string
	Content     string
	SpoilerText string
	Sensitive   bool
	CreatedAt   time.Time // when this version was published
}

// StatusEdits returns the earlier versions of a status, oldest first; the
// current version is the status itself.
func (q queries) StatusEdits(ctx context.Context, status ID) ([]StatusEdit, error) {
	scan := func(r scanner) (StatusEdit, error) {
		var e StatusEdit
		var created int64
		if err := r.Scan(&e.ID, &e.StatusID, &e.Title, &e.Content, &e.SpoilerText, &e.Sensitive, &created); err != nil {
			return StatusEdit{}, err
		}
		e.CreatedAt = fromMillis(created)
		return e, nil
	}
	out, err := queryAll(ctx, q.q, scan, `SELECT id, status_id, title, content, spoiler_text, sensitive, created_at
FROM status_edits WHERE status_id = ? ORDER BY id`, status)
	if err != nil {
		return nil, fmt.Errorf("status edits: %w", err)
	}
	return out, nil
}

// Ancestors returns the known statuses a status answers, up to limit of
// them, the root of the thread first and the direct parent last.
func (q queries) Ancestors(ctx context.Context, status ID, limit int) ([]Status, error) {
	const query = `WITH RECURSIVE up(id, depth) AS (
	SELECT in_reply_to_id, 1 FROM statuses WHERE id = ? AND in_reply_to_id IS NOT NULL
	UNION ALL
	SELECT s.in_reply_to_id, up.depth + 1 FROM statuses s JOIN up ON s.id = up.id
	WHERE s.in_reply_to_id IS NOT NULL AND up.depth < ?
)
SELECT ` + statusColumns + ` FROM up JOIN statuses s ON s.id = up.id ORDER BY up.depth DESC`
	out, err := q.statusList(ctx, query, []any{status, limit}, false)
	if err != nil {
		return nil, fmt.Errorf("ancestors: %w", err)
	}
	return out, nil
}

// Descendants returns the known replies to a status and their replies,
// at most limit of them and maxDepth levels down (0: any depth), in the
// order a thread reads: depth first, each status followed by its
// replies, oldest first. When there are more, the shallower ones win.
func (q queries) Descendants(ctx context.Context, status ID, limit, maxDepth int) ([]Status, error) {
	if maxDepth <= 0 {
		maxDepth = limit // a chain of limit replies is as deep as a thread can be
	}
	// The recursion queue is first in, first out: it walks the thread
	// breadth first, so LIMIT keeps the replies nearest the status.
	const query = `WITH RECURSIVE down(id, depth) AS (
	SELECT id, 1 FROM statuses WHERE in_reply_to_id = ?
	UNION ALL
	SELECT s.id, down.depth + 1 FROM statuses s JOIN down ON s.in_reply_to_id = down.id WHERE down.depth < ?
	LIMIT ?
)
SELECT ` + statusColumns + ` FROM down JOIN statuses s ON s.id = down.id`
	all, err := q.statusList(ctx, query, []any{status, maxDepth, limit}, false)
	if err != nil {
		return nil, fmt.Errorf("descendants: %w", err)
	}
	children := map[ID][]Status{}
	for _, s := range all {
		children[s.InReplyToID] = append(children[s.InReplyToID], s)
	}
	for _, c := range children {
		sort.Slice(c, func(i, j int) bool { return c[i].ID < c[j].ID })
	}
	out := make([]Status, 0, len(all))
	seen := map[ID]bool{status: true}
	var walk func(parent ID)
	walk = func(parent ID) {
		for _, c := range children[parent] {
			if seen[c.ID] {
				continue
			}
			seen[c.ID] = true
			out = append(out, c)
			walk(c.ID)
		}
	}
	walk(status)
	return out, nil
}

// qThreadURI names the thread a status (?1) belongs to (thread_uri,
// migration 0030).
const qThreadURI = `SELECT thread_uri FROM statuses WHERE id = ?1`

// ThreadURI names the conversation a status belongs to.
func (q queries) ThreadURI(ctx context.Context, status ID) (string, error) {
	var uri string
	err := q.q.QueryRowContext(ctx, qThreadURI, status).Scan(&uri)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("thread of %d: %w", status, err)
	}
	return uri, nil
}

// ConversationMuted reports whether account muted the conversation a
// status belongs to.
func (q queries) ConversationMuted(ctx context.Context, account, status ID) (bool, error) {
	thread, err := q.ThreadURI(ctx, status)
	if err != nil {
		return false, err
	}
	var muted bool
	err = q.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM conversation_mutes WHERE account_id = ? AND thread_uri = ?)`,
		account, thread).Scan(&muted)
	if err != nil {
		return false, fmt.Errorf("conversation muted: %w", err)
	}
	return muted, nil
}

// MuteConversation mutes the thread a status belongs to for a member.
func (tx *Tx) MuteConversation(ctx context.Context, account, status ID) error {
	thread, err := tx.ThreadURI(ctx, status)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, "mute conversation", `INSERT OR IGNORE INTO conversation_mutes (account_id, thread_uri, created_at) VALUES (?,?,?)`,
		account, thread, millis(tx.now))
	return err
}

// UnmuteConversation unmutes the thread a status belongs to.
func (tx *Tx) UnmuteConversation(ctx context.Context, account, status ID) error {
	thread, err := tx.ThreadURI(ctx, status)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, "unmute conversation", `DELETE FROM conversation_mutes WHERE account_id = ? AND thread_uri = ?`, account, thread)
	return err
}
