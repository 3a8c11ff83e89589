package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

// ScheduledStatus is a post a member wrote to be published later: the
// draft as written, and when. The engine publishes it when ScheduledAt
// has passed, deleting this row in the transaction that creates the
// status.
type ScheduledStatus struct {
	ID          ID
	AccountID   ID
	ScheduledAt time.Time
	Text        string
	SpoilerText string
	Visibility  activitypub.Visibility
	InReplyToID ID // 0 when not a reply
	Sensitive   bool
	Language    string
	Title       string
	// MediaIDs are the uploads to attach, in order. Reads fill
	// Attachments too: an upload deleted meanwhile is in neither.
	MediaIDs    []ID
	Attachments []Attachment
	Poll        *ScheduledPoll // nil when none
	AppID       ID             // the app the member scheduled it from
	CreatedAt   time.Time
}

// ScheduledPoll is the poll of a scheduled status, as written: it starts
// (and ExpiresIn counts) when the status is published.
type ScheduledPoll struct {
	Options    []string
	ExpiresIn  time.Duration
	Multiple   bool
	HideTotals bool
}

const scheduledColumns = `id, account_id, scheduled_at, text, spoiler_text, visibility, in_reply_to_id, sensitive,
language, title, poll_options, poll_expires_in, poll_multiple, poll_hide_totals, app_id, created_at`

func scanScheduled(row scanner) (ScheduledStatus, error) {
	var s ScheduledStatus
	var at, created, expiresIn int64
	var options string
	var multiple, hide bool
	err := row.Scan(&s.ID, &s.AccountID, &at, &s.Text, &s.SpoilerText, &s.Visibility, &s.InReplyToID, &s.Sensitive,
		&s.Language, &s.Title, &options, &expiresIn, &multiple, &hide, &s.AppID, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return ScheduledStatus{}, ErrNotFound
	}
	if err != nil {
		return ScheduledStatus{}, fmt.Errorf("scheduled status: %w", err)
	}
	s.ScheduledAt, s.CreatedAt = fromMillis(at), fromMillis(created)
	if options != "" {
		p := &ScheduledPoll{ExpiresIn: time.Duration(expiresIn) * time.Second, Multiple: multiple, HideTotals: hide}
		if err := json.Unmarshal([]byte(options), &p.Options); err != nil {
			return ScheduledStatus{}, fmt.Errorf("scheduled status %d: poll options: %w", s.ID, err)
		}
		s.Poll = p
	}
	return s, nil
}

const qInsertScheduled = `INSERT INTO scheduled_statuses (` + scheduledColumns + `)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

const qInsertScheduledMedia = `INSERT INTO scheduled_status_media (scheduled_status_id, position, attachment_id)
VALUES (?,?,?)`

// InsertScheduledStatus stores a scheduled status and the uploads it
// names, filling ID and CreatedAt. An upload that waits for another
// scheduled status already is ErrDuplicate.
func (tx *Tx) InsertScheduledStatus(ctx context.Context, s *ScheduledStatus) error {
	s.ID, s.CreatedAt = tx.NewID(), tx.now
	var options string
	var expiresIn int64
	var multiple, hide bool
	if p := s.Poll; p != nil {
		b, err := json.Marshal(nonNil(p.Options))
		if err != nil {
			return fmt.Errorf("insert scheduled status: %w", err)
		}
		options, expiresIn, multiple, hide = string(b), int64(p.ExpiresIn/time.Second), p.Multiple, p.HideTotals
	}
	_, err := tx.tx.ExecContext(ctx, qInsertScheduled, s.ID, s.AccountID, millis(s.ScheduledAt), s.Text, s.SpoilerText,
		s.Visibility, s.InReplyToID, s.Sensitive, s.Language, s.Title, options, expiresIn, multiple, hide, s.AppID,
		millis(s.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert scheduled status: %w", err)
	}
	for i, id := range s.MediaIDs {
		if _, err := tx.tx.ExecContext(ctx, qInsertScheduledMedia, s.ID, i, id); err != nil {
			if isUnique(err) {
				return fmt.Errorf("media %d of scheduled status: %w", id, ErrDuplicate)
			}
			return fmt.Errorf("insert scheduled status media: %w", err)
		}
	}
	return nil
}

const qScheduledByID = `SELECT ` + scheduledColumns + ` FROM scheduled_statuses WHERE id = ? AND account_id = ?`

// ScheduledStatusByID returns one of owner's scheduled statuses;
// ErrNotFound when owner has none with that ID (another member's is not
// found either).
func (q queries) ScheduledStatusByID(ctx context.Context, owner, id ID) (ScheduledStatus, error) {
	s, err := scanScheduled(q.q.QueryRowContext(ctx, qScheduledByID, id, owner))
	if err != nil {
		return ScheduledStatus{}, fmt.Errorf("scheduled status %d: %w", id, err)
	}
	out := []ScheduledStatus{s}
	if err := q.loadScheduledMedia(ctx, out); err != nil {
		return ScheduledStatus{}, err
	}
	return out[0], nil
}

// ScheduledStatusPage lists owner's scheduled statuses by ID, the latest
// scheduled first, as Mastodon pages them.
func (q queries) ScheduledStatusPage(ctx context.Context, owner ID, p Page) ([]ScheduledStatus, error) {
	cond, args, order := p.where("id")
	out, err := q.scheduledList(ctx, `SELECT `+scheduledColumns+` FROM scheduled_statuses
WHERE account_id = ? AND `+cond+` ORDER BY `+order+` LIMIT ?`, append(append([]any{owner}, args...), p.limit())...)
	if err != nil {
		return nil, fmt.Errorf("scheduled statuses: %w", err)
	}
	if strings.HasSuffix(order, "ASC") {
		reverse(out)
	}
	return out, nil
}

// qDueScheduled reads the scheduled statuses due at ?1, in the order they
// fall due, after the one at ?2 with ID ?3.
const qDueScheduled = `SELECT ` + scheduledColumns + ` FROM scheduled_statuses
WHERE scheduled_at <= ?1 AND (scheduled_at, id) > (?2, ?3) ORDER BY scheduled_at, id LIMIT ?4`

// DueScheduledStatuses returns up to limit scheduled statuses of every
// member due by now, in the order they fall due, starting after the one
// given (zero: from the first). Passing the last of a batch reads the
// next, so ones left in place do not hide the rest.
func (q queries) DueScheduledStatuses(ctx context.Context, now time.Time, after ScheduledStatus, limit int) ([]ScheduledStatus, error) {
	out, err := q.scheduledList(ctx, qDueScheduled, millis(now), millis(after.ScheduledAt), after.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("due scheduled statuses: %w", err)
	}
	return out, nil
}

const qCountScheduled = `SELECT count(*), coalesce(sum(scheduled_at >= ? AND scheduled_at < ?), 0)
FROM scheduled_statuses WHERE account_id = ? AND id != ?`

// CountScheduledStatuses counts owner's scheduled statuses but except
// (zero for none): all of them, and those due in [from, to).
func (q queries) CountScheduledStatuses(ctx context.Context, owner ID, from, to time.Time, except ID) (total, within int, err error) {
	err = q.q.QueryRowContext(ctx, qCountScheduled, millis(from), millis(to), owner, except).Scan(&total, &within)
	if err != nil {
		return 0, 0, fmt.Errorf("count scheduled statuses: %w", err)
	}
	return total, within, nil
}

const qReschedule = `UPDATE scheduled_statuses SET scheduled_at = ? WHERE id = ? AND account_id = ?`

// RescheduleStatus moves one of owner's scheduled statuses to at.
func (tx *Tx) RescheduleStatus(ctx context.Context, owner, id ID, at time.Time) error {
	res, err := tx.tx.ExecContext(ctx, qReschedule, millis(at), id, owner)
	if err != nil {
		return fmt.Errorf("reschedule status %d: %w", id, err)
	}
	return mustAffect(res, "reschedule status")
}

const qDeleteScheduled = `DELETE FROM scheduled_statuses WHERE id = ? AND account_id = ?`

// DeleteScheduledStatus deletes one of owner's scheduled statuses; its
// uploads stay, unattached. ErrNotFound when there is none such: the
// engine relies on that to publish a scheduled status once only.
func (tx *Tx) DeleteScheduledStatus(ctx context.Context, owner, id ID) error {
	res, err := tx.tx.ExecContext(ctx, qDeleteScheduled, id, owner)
	if err != nil {
		return fmt.Errorf("delete scheduled status %d: %w", id, err)
	}
	return mustAffect(res, "delete scheduled status")
}

func (q queries) scheduledList(ctx context.Context, query string, args ...any) ([]ScheduledStatus, error) {
	out, err := queryAll(ctx, q.q, scanScheduled, query, args...)
	if err != nil {
		return nil, err
	}
	if err := q.loadScheduledMedia(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

const qScheduledMedia = `SELECT sm.scheduled_status_id, ` + attachmentColumns + `
FROM scheduled_status_media sm JOIN attachments ON attachments.id = sm.attachment_id
WHERE sm.scheduled_status_id IN (%s) ORDER BY sm.scheduled_status_id, sm.position`

// loadScheduledMedia fills the MediaIDs and Attachments of ss.
func (q queries) loadScheduledMedia(ctx context.Context, ss []ScheduledStatus) error {
	if len(ss) == 0 {
		return nil
	}
	args := make([]any, len(ss))
	at := make(map[ID]int, len(ss))
	for i, s := range ss {
		args[i], at[s.ID] = s.ID, i
	}
	rows, err := q.q.QueryContext(ctx, fmt.Sprintf(qScheduledMedia, placeholders(len(ss))), args...)
	if err != nil {
		return fmt.Errorf("scheduled status media: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var owner ID
		a, err := scanAttachment(prefixScanner{rows, &owner})
		if err != nil {
			return fmt.Errorf("scheduled status media: %w", err)
		}
		s := &ss[at[owner]]
		s.MediaIDs = append(s.MediaIDs, a.ID)
		s.Attachments = append(s.Attachments, a)
	}
	return rows.Err()
}
