package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

// Status is a post (Note), an artefact (Article), or a reblog (ReblogOfID
// set, no content of its own).
type Status struct {
	ID                 ID
	URI                string
	URL                string
	AccountID          ID
	InReplyToID        ID     // 0 when not a reply, or the parent is unknown
	InReplyToURI       string // the parent's IRI, known or not
	InReplyToAccountID ID
	ReblogOfID         ID
	ObjectType         string
	Title              string
	Content            string // sanitised HTML
	SourceText         string // what a local author typed
	SpoilerText        string
	Sensitive          bool
	Visibility         activitypub.Visibility
	Language           string
	Local              bool
	CreatedAt          time.Time
	EditedAt           time.Time

	// Loaded and saved with the status.
	Mentions    []ID
	Tags        []string
	Attachments []Attachment
	// Emojis are the custom emojis a peer's post uses.
	Emojis []activitypub.Emoji

	// extras is the row's extras column (migration 0050): which of
	// Mentions, Tags and Attachments may exist; extrasRead says it was
	// read with the row. A status not read from a row has its extras
	// looked up all the same.
	extras     extraKinds
	extrasRead bool
}

// extraKinds are the bits of statuses.extras.
type extraKinds uint8

const (
	extraMentions extraKinds = 1 << iota
	extraTags
	extraAttachments
)

// mayHave reports whether a status may have extras of kind k: it was not
// read from its row, or the row says so.
func (s *Status) mayHave(k extraKinds) bool { return !s.extrasRead || s.extras&k != 0 }

// extrasOf is the extras column of a status about to be inserted.
func extrasOf(s *Status) extraKinds {
	var k extraKinds
	if len(s.Mentions) > 0 {
		k |= extraMentions
	}
	if len(s.Tags) > 0 {
		k |= extraTags
	}
	if len(s.Attachments) > 0 {
		k |= extraAttachments
	}
	return k
}

// Attachment is a media file or document attached to a status.
type Attachment struct {
	ID          ID
	StatusID    ID
	AccountID   ID
	MediaType   string
	URL         string
	Description string
	Blurhash    string
	Width       int
	Height      int
	CreatedAt   time.Time

	// A member's own upload (storage/media.go); zero for remote media.
	PreviewURL    string
	PreviewWidth  int
	PreviewHeight int
	FocusX        float64 // focal point, -1 (left) to 1 (right)
	FocusY        float64 // -1 (bottom) to 1 (top)
	File          string  // path under the node's media directory
	PreviewFile   string
	Size          int64 // bytes of File
}

// statusColumns reads a status from a table aliased "s".
const statusColumns = `s.id, s.uri, s.url, s.account_id, coalesce(s.in_reply_to_id, 0), s.in_reply_to_uri,
coalesce(s.in_reply_to_account_id, 0), coalesce(s.reblog_of_id, 0), s.object_type, s.title, s.content, s.source_text,
s.spoiler_text, s.sensitive, s.visibility, s.language, s.local, s.created_at, s.edited_at, s.emojis, s.extras`

func scanStatus(row scanner) (Status, error) {
	var s Status
	var created, edited int64
	var emojis string
	err := row.Scan(&s.ID, &s.URI, &s.URL, &s.AccountID, &s.InReplyToID, &s.InReplyToURI,
		&s.InReplyToAccountID, &s.ReblogOfID, &s.ObjectType, &s.Title, &s.Content, &s.SourceText,
		&s.SpoilerText, &s.Sensitive, &s.Visibility, &s.Language, &s.Local, &created, &edited, &emojis, &s.extras)
	if errors.Is(err, sql.ErrNoRows) {
		return Status{}, ErrNotFound
	}
	if err != nil {
		return Status{}, fmt.Errorf("status: %w", err)
	}
	s.CreatedAt, s.EditedAt = fromMillis(created), fromMillis(edited)
	s.extrasRead = true
	if s.Emojis, err = decodeEmojis(emojis); err != nil {
		return Status{}, fmt.Errorf("status %d: %w", s.ID, err)
	}
	return s, nil
}

func (q queries) statusWhere(ctx context.Context, where string, args ...any) (Status, error) {
	s, err := scanStatus(q.q.QueryRowContext(ctx, `SELECT `+statusColumns+` FROM statuses s WHERE `+where, args...))
	if err != nil {
		return Status{}, err
	}
	if err := q.loadStatusExtras(ctx, &s); err != nil {
		return Status{}, err
	}
	return s, nil
}

// StatusByID returns a status with its mentions, tags and attachments.
func (q queries) StatusByID(ctx context.Context, id ID) (Status, error) {
	return q.statusWhere(ctx, `id = ?`, id)
}

// StatusByURI returns the status whose object IRI is uri.
func (q queries) StatusByURI(ctx context.Context, uri string) (Status, error) {
	return q.statusWhere(ctx, `uri = ?`, uri)
}

const qStatusRefByURI = `SELECT id, account_id FROM statuses WHERE uri = ?`

// StatusRefByURI returns the ID and author of the status whose object
// IRI is uri, or ErrNotFound. It is StatusByURI for callers that only ask
// whether a status exists or point at it (the inbox, for every note it
// receives): it reads one index entry and row, not the status's
// mentions, tags and attachments.
func (q queries) StatusRefByURI(ctx context.Context, uri string) (id, account ID, err error) {
	err = q.q.QueryRowContext(ctx, qStatusRefByURI, uri).Scan(&id, &account)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, ErrNotFound
	}
	if err != nil {
		return 0, 0, fmt.Errorf("status by uri: %w", err)
	}
	return id, account, nil
}

// ReblogOf returns account's reblog of status, or ErrNotFound.
func (q queries) ReblogOf(ctx context.Context, account, status ID) (Status, error) {
	return q.statusWhere(ctx, `account_id = ? AND reblog_of_id = ?`, account, status)
}

// loadStatusExtras loads one status's mentions, tags and attachments,
// as loadStatusesExtras does for many.
func (q queries) loadStatusExtras(ctx context.Context, s *Status) error {
	one := []Status{*s}
	if err := q.loadStatusesExtras(ctx, one); err != nil {
		return err
	}
	*s = one[0]
	return nil
}

// qInsertStatus names the status's thread (thread_uri, migration 0030):
// its parent's, when the parent (?5) is here, else the IRI it answers (?6),
// else its own (?2).
const qInsertStatus = `INSERT INTO statuses (id, uri, url, account_id, in_reply_to_id, in_reply_to_uri,
in_reply_to_account_id, reblog_of_id, object_type, title, content, source_text, spoiler_text, sensitive,
visibility, language, local, created_at, edited_at, emojis, thread_uri, extras)
VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,
coalesce((SELECT p.thread_uri FROM statuses p WHERE p.id = ?5), CASE WHEN ?6 <> '' THEN ?6 ELSE ?2 END), ?21)`

// InsertStatus stores a status with its mentions, tags and attachments.
// It fills ID and CreatedAt when zero; URI must be set (local statuses
// take theirs from their ID: use tx.NewID first). ErrDuplicate if the URI
// exists.
func (tx *Tx) InsertStatus(ctx context.Context, s *Status) error {
	if s.ID == 0 {
		s.ID = tx.NewID()
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = tx.now
	}
	if s.ObjectType == "" {
		s.ObjectType = activitypub.TypeNote
	}
	_, err := tx.tx.ExecContext(ctx, qInsertStatus, s.ID, s.URI, s.URL, s.AccountID, nullID(s.InReplyToID), s.InReplyToURI,
		nullID(s.InReplyToAccountID), nullID(s.ReblogOfID), s.ObjectType, s.Title, s.Content, s.SourceText, s.SpoilerText,
		s.Sensitive, string(s.Visibility), s.Language, s.Local, millis(s.CreatedAt), millis(s.EditedAt), encodeEmojis(s.Emojis),
		int(extrasOf(s)))
	if isUnique(err) {
		return fmt.Errorf("insert status %s: %w", s.URI, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("insert status %s: %w", s.URI, err)
	}
	return tx.saveStatusExtras(ctx, s)
}

func (tx *Tx) saveStatusExtras(ctx context.Context, s *Status) error {
	for _, m := range s.Mentions {
		if _, err := tx.tx.ExecContext(ctx, `INSERT OR IGNORE INTO mentions (status_id, account_id) VALUES (?, ?)`, s.ID, m); err != nil {
			return fmt.Errorf("insert mention: %w", err)
		}
	}
	for _, name := range s.Tags {
		name = strings.ToLower(strings.TrimPrefix(name, "#"))
		if name == "" {
			continue
		}
		if _, err := tx.tx.ExecContext(ctx, `INSERT OR IGNORE INTO tags (name) VALUES (?)`, name); err != nil {
			return fmt.Errorf("insert tag: %w", err)
		}
		if _, err := tx.tx.ExecContext(ctx, `INSERT OR IGNORE INTO status_tags (status_id, tag_id)
SELECT ?, id FROM tags WHERE name = ?`, s.ID, name); err != nil {
			return fmt.Errorf("insert status tag: %w", err)
		}
	}
	for i := range s.Attachments {
		a := &s.Attachments[i]
		if a.ID == 0 {
			a.ID = tx.NewID()
		}
		if a.CreatedAt.IsZero() {
			a.CreatedAt = tx.now
		}
		a.StatusID, a.AccountID = s.ID, s.AccountID
		// An upload (already a row with no status) is attached here.
		if _, err := tx.tx.ExecContext(ctx, qInsertAttachment, a.ID, a.StatusID, a.AccountID, a.MediaType, a.URL,
			a.Description, a.Blurhash, a.Width, a.Height, millis(a.CreatedAt), a.PreviewURL, a.PreviewWidth,
			a.PreviewHeight, a.FocusX, a.FocusY, a.File, a.PreviewFile, a.Size); err != nil {
			return fmt.Errorf("insert attachment: %w", err)
		}
	}
	return nil
}

// UpdateStatus saves an edit: content, title, spoiler, sensitivity,
// language, custom emojis and edit time, and replaces mentions, tags and
// attachments.
func (tx *Tx) UpdateStatus(ctx context.Context, s *Status) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE statuses SET content = ?, source_text = ?, title = ?, spoiler_text = ?,
sensitive = ?, language = ?, edited_at = ?, emojis = ? WHERE id = ?`,
		s.Content, s.SourceText, s.Title, s.SpoilerText, s.Sensitive, s.Language, millis(s.EditedAt), encodeEmojis(s.Emojis), s.ID)
	if err != nil {
		return fmt.Errorf("update status %d: %w", s.ID, err)
	}
	if err := mustAffect(res, "update status"); err != nil {
		return err
	}
	for _, q := range []string{`DELETE FROM mentions WHERE status_id = ?`, `DELETE FROM status_tags WHERE status_id = ?`,
		`DELETE FROM attachments WHERE status_id = ?`} {
		if _, err := tx.tx.ExecContext(ctx, q, s.ID); err != nil {
			return fmt.Errorf("update status %d: %w", s.ID, err)
		}
	}
	return tx.saveStatusExtras(ctx, s)
}

// DeleteStatus removes a status; its reblogs, favourites, feed rows,
// notifications and mentions go with it. Replies stay, detached, in
// their thread (thread_uri).
func (tx *Tx) DeleteStatus(ctx context.Context, id ID) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE statuses SET in_reply_to_id = NULL WHERE in_reply_to_id = ?`, id); err != nil {
		return fmt.Errorf("delete status %d: %w", id, err)
	}
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM statuses WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete status %d: %w", id, err)
	}
	return mustAffect(res, "delete status")
}

// qAttachReplies repeats the condition of the partial index
// statuses_orphan_replies (a non-empty in_reply_to_uri), without which SQLite
// does not use it and scans the table.
const qAttachReplies = `UPDATE statuses SET in_reply_to_id = ?, in_reply_to_account_id = ?
WHERE in_reply_to_uri = ? AND in_reply_to_uri <> '' AND in_reply_to_id IS NULL`

// qJoinThread gives the replies below status ?1, however deep, its
// thread. UNION, not UNION ALL: replies in a loop end the walk.
const qJoinThread = `WITH RECURSIVE down(id) AS (
	SELECT id FROM statuses WHERE in_reply_to_id = ?1
	UNION
	SELECT s.id FROM statuses s JOIN down ON s.in_reply_to_id = down.id
)
UPDATE statuses SET thread_uri = (SELECT p.thread_uri FROM statuses p WHERE p.id = ?1)
WHERE id IN (SELECT id FROM down)`

// qOrphansOf reads whether any status waits for the parent ?1, from the
// same partial index as qAttachReplies.
const qOrphansOf = `SELECT EXISTS (SELECT 1 FROM statuses
WHERE in_reply_to_uri = ?1 AND in_reply_to_uri <> '' AND in_reply_to_id IS NULL)`

// AttachReplies links statuses that were stored before their parent
// arrived (in_reply_to_uri known, in_reply_to_id unset), and gives them
// and the replies below them the parent's thread. Almost no status has
// replies waiting for it: a read finds that out for a third of what the
// UPDATE cost, which prepares to write the table and its indexes even
// when it changes nothing.
func (tx *Tx) AttachReplies(ctx context.Context, parent Status) error {
	var waiting bool
	if err := tx.tx.QueryRowContext(ctx, qOrphansOf, parent.URI).Scan(&waiting); err != nil {
		return fmt.Errorf("attach replies: %w", err)
	}
	if !waiting {
		return nil
	}
	res, err := tx.tx.ExecContext(ctx, qAttachReplies, parent.ID, parent.AccountID, parent.URI)
	if err != nil {
		return fmt.Errorf("attach replies: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	if _, err := tx.tx.ExecContext(ctx, qJoinThread, parent.ID); err != nil {
		return fmt.Errorf("attach replies: thread: %w", err)
	}
	return nil
}

// Page bounds a listing by ID: results have MinID < id < MaxID (a zero
// bound is open), newest first, at most Limit (default 20, at most 40).
// With MinID set and MaxID unset, results are the oldest ones above MinID
// (Mastodon's min_id), still returned newest first.
type Page struct {
	MaxID   ID
	SinceID ID
	MinID   ID
	Limit   int
}

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return 20
	case p.Limit > 80:
		return 80
	}
	return p.Limit
}

// where returns the SQL bounds on column col and the ordering to use.
func (p Page) where(col string) (cond string, args []any, order string) {
	cond = "1"
	if p.MaxID != 0 {
		cond += " AND " + col + " < ?"
		args = append(args, p.MaxID)
	}
	lower := max(p.SinceID, p.MinID)
	if lower != 0 {
		cond += " AND " + col + " > ?"
		args = append(args, lower)
	}
	order = col + " DESC"
	if p.MinID != 0 && p.MaxID == 0 {
		order = col + " ASC"
	}
	return cond, args, order
}

func (q queries) statusList(ctx context.Context, query string, args []any, ascending bool) ([]Status, error) {
	out, err := queryAll(ctx, q.q, scanStatus, query, args...)
	if err != nil {
		return nil, err
	}
	if ascending {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	if err := q.loadStatusesExtras(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// HomeTimeline returns the statuses in a member's home feed.
func (q queries) HomeTimeline(ctx context.Context, account ID, p Page) ([]Status, error) {
	cond, args, order := p.where("h.status_id")
	query := `SELECT ` + statusColumns + ` FROM home_feed h JOIN statuses s ON s.id = h.status_id
WHERE h.account_id = ? AND ` + cond + ` ORDER BY ` + order + ` LIMIT ?`
	out, err := q.statusList(ctx, query, append(append([]any{account}, args...), p.limit()), strings.HasSuffix(order, "ASC"))
	if err != nil {
		return nil, fmt.Errorf("home timeline: %w", err)
	}
	return out, nil
}

// AccountStatuses returns an account's statuses and reblogs of the given
// visibilities.
func (q queries) AccountStatuses(ctx context.Context, account ID, vis []activitypub.Visibility, p Page) ([]Status, error) {
	cond, args, order := p.where("id")
	query := `SELECT ` + statusColumns + ` FROM statuses s WHERE account_id = ? AND visibility IN (` +
		placeholders(len(vis)) + `) AND ` + cond + ` ORDER BY ` + order + ` LIMIT ?`
	all := []any{account}
	for _, v := range vis {
		all = append(all, string(v))
	}
	all = append(append(all, args...), p.limit())
	out, err := q.statusList(ctx, query, all, strings.HasSuffix(order, "ASC"))
	if err != nil {
		return nil, fmt.Errorf("account statuses: %w", err)
	}
	return out, nil
}

// CountStatuses counts an account's statuses (not reblogs) of the given
// visibilities.
func (q queries) CountStatuses(ctx context.Context, account ID, vis []activitypub.Visibility) (int, error) {
	args := []any{account}
	for _, v := range vis {
		args = append(args, string(v))
	}
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM statuses WHERE account_id = ? AND reblog_of_id IS NULL
AND visibility IN (`+placeholders(len(vis))+`)`, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count statuses: %w", err)
	}
	return n, nil
}

// Replies returns the known direct replies to a status, oldest first.
func (q queries) Replies(ctx context.Context, status ID) ([]Status, error) {
	out, err := q.statusList(ctx, `SELECT `+statusColumns+` FROM statuses s WHERE in_reply_to_id = ? ORDER BY id DESC LIMIT 200`,
		[]any{status}, true)
	if err != nil {
		return nil, fmt.Errorf("replies: %w", err)
	}
	return out, nil
}

// AddToHomeFeeds puts a status in the home feeds of the given accounts.
func (tx *Tx) AddToHomeFeeds(ctx context.Context, status ID, accounts []ID) error {
	for _, a := range accounts {
		if _, err := tx.tx.ExecContext(ctx, `INSERT OR IGNORE INTO home_feed (account_id, status_id) VALUES (?, ?)`, a, status); err != nil {
			return fmt.Errorf("add to home feed: %w", err)
		}
	}
	return nil
}

// BackfillHomeFeed puts author's latest statuses, up to limit, in
// account's home feed, as when account has just come to follow author:
// all but direct ones (a follower may see followers-only posts), and
// boosts only when showReblogs.
func (tx *Tx) BackfillHomeFeed(ctx context.Context, account, author ID, showReblogs bool, limit int) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT OR IGNORE INTO home_feed (account_id, status_id)
SELECT ?, s.id FROM statuses s WHERE s.account_id = ? AND s.visibility <> 'direct' AND (? OR s.reblog_of_id IS NULL)
ORDER BY s.id DESC LIMIT ?`, account, author, showReblogs, limit)
	if err != nil {
		return fmt.Errorf("backfill home feed: %w", err)
	}
	return nil
}

// RemoveFromHomeFeed takes every status of author out of account's feed
// (after an unfollow or a block).
func (tx *Tx) RemoveFromHomeFeed(ctx context.Context, account, author ID) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM home_feed WHERE account_id = ? AND status_id IN
(SELECT id FROM statuses WHERE account_id = ?)`, account, author)
	if err != nil {
		return fmt.Errorf("remove from home feed: %w", err)
	}
	return nil
}

// Usage counts what NodeInfo reports.
type Usage struct {
	Users          int
	ActiveMonth    int
	ActiveHalfyear int
	LocalPosts     int
}

// Usage counts the node's users and posts; active means posted within the
// window before now.
func (q queries) Usage(ctx context.Context, now time.Time) (Usage, error) {
	var u Usage
	err := q.q.QueryRowContext(ctx, `SELECT
(SELECT count(*) FROM users),
(SELECT count(DISTINCT s.account_id) FROM statuses s JOIN users u ON u.account_id = s.account_id WHERE s.created_at > ?),
(SELECT count(DISTINCT s.account_id) FROM statuses s JOIN users u ON u.account_id = s.account_id WHERE s.created_at > ?),
(SELECT count(*) FROM statuses WHERE local = 1 AND reblog_of_id IS NULL)`,
		millis(now.AddDate(0, 0, -30)), millis(now.AddDate(0, -6, 0))).Scan(&u.Users, &u.ActiveMonth, &u.ActiveHalfyear, &u.LocalPosts)
	if err != nil {
		return Usage{}, fmt.Errorf("usage: %w", err)
	}
	return u, nil
}

func placeholders(n int) string {
	if n == 0 {
		return "NULL"
	}
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
