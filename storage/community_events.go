package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// A community's events (issue 13 item 5): meetings, webinars, workshops,
// and who said they will attend. The community_events row of an event
// hosted here is the truth; a remote event is a copy of what its Group
// announced.

// Attendance states.
const (
	AttendGoing = "going"
	AttendLeft  = "left"
)

// NotifyEventReminder is the notification a local attendee gets about a
// day before an event; its from account is the event's Group.
const NotifyEventReminder = "event_reminder"

// CommunityEvent is an event of a community.
type CommunityEvent struct {
	ID                ID
	CommunityID       ID // the Group account
	URI               string
	URL               string
	Local             bool
	OrganiserID       ID // 0 once the account is gone
	Name              string
	DescriptionSource string // Markdown
	DescriptionHTML   string // rendered and sanitised
	Start             time.Time
	End               time.Time
	TimeZone          string // IANA name
	PlaceName         string
	PlaceAddress      string
	OnlineURL         string
	Capacity          int // 0: no limit
	AttendeeCount     int
	CancelledAt       time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Where is the event's place, address and online link, those it has, as
// one line: how a page, a calendar and a mail say where it is.
func (ev CommunityEvent) Where() string {
	return strings.Join(slices.DeleteFunc([]string{ev.PlaceName, ev.PlaceAddress, ev.OnlineURL},
		func(s string) bool { return s == "" }), ", ")
}

// Cancelled reports whether the event was cancelled.
func (ev CommunityEvent) Cancelled() bool { return !ev.CancelledAt.IsZero() }

// Attendance is an account's answer to an event.
type Attendance struct {
	EventID    ID
	AccountID  ID
	State      string // AttendGoing or AttendLeft
	JoinURI    string
	RemindedAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

const eventColumns = `id, community_id, uri, url, local, organiser_id, name, description_source, description_html,
start_at, end_at, timezone, place_name, place_address, online_url, capacity, attendee_count, cancelled_at, created_at, updated_at`

func scanEvent(row scanner) (CommunityEvent, error) {
	var ev CommunityEvent
	var organiser sql.NullInt64
	var local int
	var start, end, cancelled, created, updated int64
	err := row.Scan(&ev.ID, &ev.CommunityID, &ev.URI, &ev.URL, &local, &organiser, &ev.Name, &ev.DescriptionSource,
		&ev.DescriptionHTML, &start, &end, &ev.TimeZone, &ev.PlaceName, &ev.PlaceAddress, &ev.OnlineURL, &ev.Capacity,
		&ev.AttendeeCount, &cancelled, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return CommunityEvent{}, ErrNotFound
	}
	if err != nil {
		return CommunityEvent{}, fmt.Errorf("community event: %w", err)
	}
	ev.Local = local == 1
	ev.OrganiserID = ID(organiser.Int64)
	ev.Start, ev.End, ev.CancelledAt = fromMillis(start), fromMillis(end), fromMillis(cancelled)
	ev.CreatedAt, ev.UpdatedAt = fromMillis(created), fromMillis(updated)
	return ev, nil
}

const qEventByID = `SELECT ` + eventColumns + ` FROM community_events WHERE id = ?`

// CommunityEventByID returns an event, or ErrNotFound.
func (q queries) CommunityEventByID(ctx context.Context, id ID) (CommunityEvent, error) {
	return scanEvent(q.q.QueryRowContext(ctx, qEventByID, id))
}

const qEventByURI = `SELECT ` + eventColumns + ` FROM community_events WHERE uri = ?`

// CommunityEventByURI returns the event with ActivityPub id uri, or ErrNotFound.
func (q queries) CommunityEventByURI(ctx context.Context, uri string) (CommunityEvent, error) {
	return scanEvent(q.q.QueryRowContext(ctx, qEventByURI, uri))
}

const qCommunityEvents = `SELECT ` + eventColumns + ` FROM community_events
WHERE community_id = ? AND end_at >= ? AND (? = 0 OR cancelled_at = 0) ORDER BY start_at, id LIMIT ?`

// CommunityEvents lists a community's events that end at or after from,
// soonest first; cancelled ones too when withCancelled.
func (q queries) CommunityEvents(ctx context.Context, communityID ID, from time.Time, withCancelled bool, limit int) ([]CommunityEvent, error) {
	out, err := queryAll(ctx, q.q, scanEvent, qCommunityEvents, communityID, millis(from), boolInt(!withCancelled), limit)
	if err != nil {
		return nil, fmt.Errorf("community %d events: %w", communityID, err)
	}
	return out, nil
}

var qAccountEvents = `SELECT ` + prefixed("e.", eventColumns) + ` FROM community_events e
JOIN event_attendees a ON a.event_id = e.id
WHERE a.account_id = ? AND a.state = 'going' AND e.end_at >= ? ORDER BY e.start_at, e.id LIMIT ?`

// AccountEvents lists the events an account said it will attend that end
// at or after from, soonest first (cancelled ones too: a calendar must
// learn of the cancellation).
func (q queries) AccountEvents(ctx context.Context, accountID ID, from time.Time, limit int) ([]CommunityEvent, error) {
	out, err := queryAll(ctx, q.q, scanEvent, qAccountEvents, accountID, millis(from), limit)
	if err != nil {
		return nil, fmt.Errorf("events of account %d: %w", accountID, err)
	}
	return out, nil
}

const qInsertEvent = `INSERT INTO community_events (` + eventColumns + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

// InsertCommunityEvent stores a new event. A zero ID is given a fresh one.
func (tx *Tx) InsertCommunityEvent(ctx context.Context, ev *CommunityEvent) error {
	if ev.ID == 0 {
		ev.ID = tx.NewID()
	}
	if ev.CreatedAt.IsZero() {
		ev.CreatedAt = tx.now
	}
	if ev.UpdatedAt.IsZero() {
		ev.UpdatedAt = ev.CreatedAt
	}
	_, err := tx.tx.ExecContext(ctx, qInsertEvent, ev.ID, ev.CommunityID, ev.URI, ev.URL, boolInt(ev.Local), nullID(ev.OrganiserID),
		ev.Name, ev.DescriptionSource, ev.DescriptionHTML, millis(ev.Start), millis(ev.End), ev.TimeZone, ev.PlaceName,
		ev.PlaceAddress, ev.OnlineURL, ev.Capacity, ev.AttendeeCount, millis(ev.CancelledAt), millis(ev.CreatedAt), millis(ev.UpdatedAt))
	if isUnique(err) {
		return fmt.Errorf("insert event %s: %w", ev.URI, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("insert event %s: %w", ev.URI, err)
	}
	return nil
}

const qUpdateEvent = `UPDATE community_events SET name = ?, description_source = ?, description_html = ?, start_at = ?,
end_at = ?, timezone = ?, place_name = ?, place_address = ?, online_url = ?, capacity = ?, attendee_count = ?,
cancelled_at = ?, updated_at = ? WHERE id = ?`

// UpdateCommunityEvent writes an event's editable fields.
func (tx *Tx) UpdateCommunityEvent(ctx context.Context, ev CommunityEvent) error {
	res, err := tx.exec(ctx, "update event", qUpdateEvent, ev.Name, ev.DescriptionSource, ev.DescriptionHTML,
		millis(ev.Start), millis(ev.End), ev.TimeZone, ev.PlaceName, ev.PlaceAddress, ev.OnlineURL, ev.Capacity,
		ev.AttendeeCount, millis(ev.CancelledAt), millis(ev.UpdatedAt), ev.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("update event %d: %w", ev.ID, errors.Join(err, ErrNotFound))
	}
	return nil
}

const attendanceColumns = `event_id, account_id, state, join_uri, reminded_at, created_at, updated_at`

func scanAttendance(row scanner) (Attendance, error) {
	var a Attendance
	var reminded, created, updated int64
	err := row.Scan(&a.EventID, &a.AccountID, &a.State, &a.JoinURI, &reminded, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Attendance{}, ErrNotFound
	}
	if err != nil {
		return Attendance{}, fmt.Errorf("attendance: %w", err)
	}
	a.RemindedAt, a.CreatedAt, a.UpdatedAt = fromMillis(reminded), fromMillis(created), fromMillis(updated)
	return a, nil
}

const qAttendance = `SELECT ` + attendanceColumns + ` FROM event_attendees WHERE event_id = ? AND account_id = ?`

// AttendanceOf returns an account's answer to an event, or ErrNotFound.
func (q queries) AttendanceOf(ctx context.Context, eventID, accountID ID) (Attendance, error) {
	return scanAttendance(q.q.QueryRowContext(ctx, qAttendance, eventID, accountID))
}

const qAttendees = `SELECT ` + attendanceColumns + ` FROM event_attendees
WHERE event_id = ? AND state = 'going' AND account_id > ? ORDER BY account_id LIMIT ?`

// EventAttendees lists who will attend an event, by account ID, after
// the account ID after.
func (q queries) EventAttendees(ctx context.Context, eventID, after ID, limit int) ([]Attendance, error) {
	out, err := queryAll(ctx, q.q, scanAttendance, qAttendees, eventID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("attendees of event %d: %w", eventID, err)
	}
	return out, nil
}

const qCountAttendees = `SELECT count(*) FROM event_attendees WHERE event_id = ? AND state = 'going'`

// CountAttendees counts who will attend an event, as stored here.
func (q queries) CountAttendees(ctx context.Context, eventID ID) (int, error) {
	var n int
	if err := q.q.QueryRowContext(ctx, qCountAttendees, eventID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count attendees of event %d: %w", eventID, err)
	}
	return n, nil
}

const qSetAttendance = `INSERT INTO event_attendees (` + attendanceColumns + `) VALUES (?,?,?,?,0,?,?)
ON CONFLICT (event_id, account_id) DO UPDATE SET state = excluded.state,
join_uri = CASE WHEN excluded.join_uri = '' THEN join_uri ELSE excluded.join_uri END, updated_at = excluded.updated_at`

// SetAttendance records an account's answer (state AttendGoing or
// AttendLeft) to an event; joinURI, when not empty, replaces the Join
// activity id on record.
func (tx *Tx) SetAttendance(ctx context.Context, eventID, accountID ID, state, joinURI string) error {
	_, err := tx.exec(ctx, "set attendance", qSetAttendance, eventID, accountID, state, joinURI, millis(tx.now), millis(tx.now))
	return err
}

var qDueReminders = `SELECT ` + prefixed("a.", attendanceColumns) + ` FROM event_attendees a
JOIN community_events e ON e.id = a.event_id
JOIN accounts acc ON acc.id = a.account_id
WHERE e.cancelled_at = 0 AND e.start_at > ? AND e.start_at <= ? AND a.state = 'going' AND a.reminded_at = 0
AND acc.domain = '' ORDER BY e.start_at, a.event_id, a.account_id LIMIT ?`

// DueReminders lists local attendees not yet reminded of events that are
// not cancelled and start after now and by until.
func (q queries) DueReminders(ctx context.Context, now, until time.Time, limit int) ([]Attendance, error) {
	out, err := queryAll(ctx, q.q, scanAttendance, qDueReminders, millis(now), millis(until), limit)
	if err != nil {
		return nil, fmt.Errorf("due event reminders: %w", err)
	}
	return out, nil
}

const qMarkReminded = `UPDATE event_attendees SET reminded_at = ? WHERE event_id = ? AND account_id = ? AND reminded_at = 0`

// MarkReminded records that an attendee was reminded; false when it had
// been already (another worker won), so the caller writes nothing.
func (tx *Tx) MarkReminded(ctx context.Context, eventID, accountID ID) (bool, error) {
	res, err := tx.exec(ctx, "mark reminded", qMarkReminded, millis(tx.now), eventID, accountID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("mark reminded: %w", err)
	}
	return n == 1, nil
}

const qEventFeedToken = `SELECT token FROM event_feed_tokens WHERE account_id = ?`

// EventFeedToken returns the secret token of an account's calendar feed,
// or ErrNotFound.
func (q queries) EventFeedToken(ctx context.Context, accountID ID) (string, error) {
	var tok string
	err := q.q.QueryRowContext(ctx, qEventFeedToken, accountID).Scan(&tok)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("event feed token of %d: %w", accountID, err)
	}
	return tok, nil
}

const qSetEventFeedToken = `INSERT INTO event_feed_tokens (account_id, token, created_at) VALUES (?,?,?)
ON CONFLICT (account_id) DO UPDATE SET token = excluded.token, created_at = excluded.created_at`

// SetEventFeedToken sets (or replaces) the token of an account's calendar feed.
func (tx *Tx) SetEventFeedToken(ctx context.Context, accountID ID, token string) error {
	_, err := tx.exec(ctx, "set event feed token", qSetEventFeedToken, accountID, token, millis(tx.now))
	return err
}

// ScheduleEventCount makes the attendee count of event id due to be sent
// at at, unless a send is due already (which then carries it).
func (tx *Tx) ScheduleEventCount(ctx context.Context, id ID, at time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE community_events SET count_due_at = ? WHERE id = ? AND count_due_at = 0`,
		millis(at), id); err != nil {
		return fmt.Errorf("schedule event count %d: %w", id, err)
	}
	return nil
}

// ClearEventCount marks the attendee count of event id as sent.
func (tx *Tx) ClearEventCount(ctx context.Context, id ID) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE community_events SET count_due_at = 0 WHERE id = ?`, id); err != nil {
		return fmt.Errorf("clear event count %d: %w", id, err)
	}
	return nil
}

// DueEventCounts returns up to limit events whose attendee counts are due
// to be sent at now, the longest waiting first.
func (q queries) DueEventCounts(ctx context.Context, now time.Time, limit int) ([]ID, error) {
	ids, err := q.ids(ctx, `SELECT id FROM community_events WHERE count_due_at > 0 AND count_due_at <= ?
ORDER BY count_due_at LIMIT ?`, millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due event counts: %w", err)
	}
	return ids, nil
}
