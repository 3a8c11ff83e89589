package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Activity is an activity a local actor published: an outbox entry and
// the body its delivery jobs send.
type Activity struct {
	ID        ID
	URI       string
	AccountID ID
	Type      string
	Public    bool // listed in the public outbox
	Body      []byte
	CreatedAt time.Time
}

// InsertActivity stores a published activity; its ID orders the outbox.
func (tx *Tx) InsertActivity(ctx context.Context, a *Activity) error {
	if a.ID == 0 {
		a.ID = tx.NewID()
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = tx.now
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO activities (id, uri, account_id, type, public, body, created_at)
VALUES (?,?,?,?,?,?,?)`, a.ID, a.URI, a.AccountID, a.Type, a.Public, a.Body, millis(a.CreatedAt))
	if isUnique(err) {
		return fmt.Errorf("insert activity %s: %w", a.URI, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("insert activity %s: %w", a.URI, err)
	}
	return nil
}

// Outbox lists an account's public activities, newest first.
func (q queries) Outbox(ctx context.Context, account ID, p Page) ([]Activity, error) {
	cond, args, order := p.where("id")
	scan := func(r scanner) (Activity, error) {
		var a Activity
		var created int64
		if err := r.Scan(&a.ID, &a.URI, &a.AccountID, &a.Type, &a.Public, &a.Body, &created); err != nil {
			return Activity{}, err
		}
		a.CreatedAt = fromMillis(created)
		return a, nil
	}
	out, err := queryAll(ctx, q.q, scan, `SELECT id, uri, account_id, type, public, body, created_at FROM activities
WHERE account_id = ? AND public = 1 AND `+cond+` ORDER BY `+order+` LIMIT ?`,
		append(append([]any{account}, args...), p.limit())...)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return out, nil
}

// CountOutbox counts an account's public activities.
func (q queries) CountOutbox(ctx context.Context, account ID) (int, error) {
	var n int
	if err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM activities WHERE account_id = ? AND public = 1`, account).Scan(&n); err != nil {
		return 0, fmt.Errorf("count outbox: %w", err)
	}
	return n, nil
}

// ActivityByURI returns a published activity.
func (q queries) ActivityByURI(ctx context.Context, uri string) (Activity, error) {
	var a Activity
	var created int64
	err := q.q.QueryRowContext(ctx, `SELECT id, uri, account_id, type, public, body, created_at FROM activities WHERE uri = ?`, uri).
		Scan(&a.ID, &a.URI, &a.AccountID, &a.Type, &a.Public, &a.Body, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Activity{}, ErrNotFound
	}
	if err != nil {
		return Activity{}, fmt.Errorf("activity: %w", err)
	}
	a.CreatedAt = fromMillis(created)
	return a, nil
}

// EnqueueDeliveries writes one delivery job per distinct inbox for the
// activity, due now. Inboxes on this node's own host are the caller's to
// leave out. The jobs go in with one statement: a Group's announce to
// hundreds of shared inboxes holds the single writer for one statement,
// not for hundreds.
func (tx *Tx) EnqueueDeliveries(ctx context.Context, activity ID, inboxes []string) error {
	type job struct {
		ID    ID     `json:"id"`
		Inbox string `json:"inbox"`
		Host  string `json:"host"`
	}
	jobs := make([]job, 0, len(inboxes))
	for _, inbox := range inboxes {
		u, err := url.Parse(inbox)
		if err != nil || u.Host == "" {
			continue // an actor with a broken inbox is not worth failing a post over
		}
		jobs = append(jobs, job{ID: tx.NewID(), Inbox: inbox, Host: strings.ToLower(u.Host)})
	}
	if len(jobs) == 0 {
		return nil
	}
	now := millis(tx.now)
	if len(jobs) == 1 {
		// One inbox, as most of a community's announces to a node that
		// shares one: a plain insert, half the time of the JSON one.
		j := jobs[0]
		if _, err := tx.tx.ExecContext(ctx, qEnqueueDelivery, j.ID, activity, j.Inbox, j.Host, now, now); err != nil {
			return fmt.Errorf("enqueue delivery: %w", err)
		}
		return nil
	}
	arr, err := json.Marshal(jobs)
	if err != nil {
		return fmt.Errorf("enqueue deliveries: %w", err)
	}
	_, err = tx.tx.ExecContext(ctx, qEnqueueDeliveries, activity, now, now, string(arr))
	if err != nil {
		return fmt.Errorf("enqueue %d deliveries: %w", len(jobs), err)
	}
	return nil
}

// qEnqueueDeliveries inserts the jobs of one activity from a JSON array of
// {id, inbox, host}; a repeated inbox is ignored (UNIQUE (activity_id,
// inbox_url)), as before.
const qEnqueueDeliveries = `INSERT OR IGNORE INTO deliveries (id, activity_id, inbox_url, host, next_attempt_at, created_at)
SELECT j.value ->> 'id', ?1, j.value ->> 'inbox', j.value ->> 'host', ?2, ?3 FROM json_each(?4) j ORDER BY j.key`

// qEnqueueDelivery is qEnqueueDeliveries for one job.
const qEnqueueDelivery = `INSERT OR IGNORE INTO deliveries (id, activity_id, inbox_url, host, next_attempt_at, created_at)
VALUES (?, ?, ?, ?, ?, ?)`

// Delivery is one job: send an activity to one inbox.
type Delivery struct {
	ID          ID
	ActivityID  ID
	ActivityURI string
	SignerID    ID // the account whose key signs it
	// SignerKeyID and SignerKeyPEM are the signer's key as DueDeliveries
	// read it with the job, so a worker signs without reading the
	// account again for every job.
	SignerKeyID  string
	SignerKeyPEM string
	// SignerEd25519KeyID and SignerEd25519PEM are its Ed25519 key, ""
	// for none.
	SignerEd25519KeyID string
	SignerEd25519PEM   string
	Body               []byte
	InboxURL           string
	Host               string
	Attempts           int
	NextAttemptAt      time.Time
	LastError          string
	CreatedAt          time.Time
}

// DueDeliveries returns up to limit jobs due at now whose host is not
// backed off, oldest first.
func (q queries) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]Delivery, error) {
	return q.DueDeliveriesExcept(ctx, now, limit, limit, nil, nil)
}

// DueDeliveriesExcept is DueDeliveries taking at most perHost jobs of
// any one host and leaving out the jobs of the hosts busyHosts and the
// jobs inflight: those the delivery workers are sending already, or
// could not start now. Without them, a backlog for one host (held to a
// few connections at a time) came back, bodies and keys, on every read
// of the queue, and filled the read ahead of other hosts' jobs.
//
// Its cost grows with the number of hosts that have jobs queued (one
// index seek each), not with the length of any host's backlog: the read
// steps from host to host on the (host, next_attempt_at) index and reads
// at most perHost jobs (plus that host's jobs in flight) of each.
func (q queries) DueDeliveriesExcept(ctx context.Context, now time.Time, limit, perHost int, busyHosts []string, inflight []ID) ([]Delivery, error) {
	scan := func(r scanner) (Delivery, error) {
		var d Delivery
		var next, created int64
		if err := r.Scan(&d.ID, &d.ActivityID, &d.ActivityURI, &d.SignerID, &d.SignerKeyID, &d.SignerKeyPEM,
			&d.SignerEd25519KeyID, &d.SignerEd25519PEM, &d.Body,
			&d.InboxURL, &d.Host, &d.Attempts, &next, &d.LastError, &created); err != nil {
			return Delivery{}, err
		}
		d.NextAttemptAt, d.CreatedAt = fromMillis(next), fromMillis(created)
		return d, nil
	}
	hosts, err := json.Marshal(append([]string{}, busyHosts...))
	if err != nil {
		return nil, fmt.Errorf("due deliveries: %w", err)
	}
	out, err := queryAll(ctx, q.q, scan, qDueDeliveries, millis(now), limit, string(hosts), idArray(inflight), max(perHost, 1))
	if err != nil {
		return nil, fmt.Errorf("due deliveries: %w", err)
	}
	return out, nil
}

// qQueuedHosts walks the distinct hosts with queued jobs, one seek of
// deliveries_host_due per host (SQLite has no skip-scan of its own
// without ANALYZE statistics).
const qQueuedHosts = `queued(host) AS (
SELECT (SELECT min(host) FROM deliveries)
UNION ALL
SELECT (SELECT min(host) FROM deliveries WHERE host > queued.host) FROM queued WHERE queued.host IS NOT NULL)`

// qDueDeliveries reads due jobs with their activity's body and their
// signer's current key (so a worker signs without reading the account
// for every job): from each host with queued jobs that is neither busy
// (?3, a JSON array) nor backed off, its ?5 oldest due jobs not in
// flight (?4, a JSON array of job IDs), then the ?2 oldest of those. The
// CROSS JOINs keep SQLite from reading deliveries in next_attempt_at
// order and testing each row against the short list instead.
const qDueDeliveries = `WITH RECURSIVE ` + qQueuedHosts + `,
due(id) AS MATERIALIZED (
SELECT j.id FROM queued CROSS JOIN deliveries j
WHERE queued.host IS NOT NULL
AND queued.host NOT IN (SELECT value FROM json_each(?3))
AND coalesce((SELECT h.backoff_until FROM hosts h WHERE h.host = queued.host), 0) <= ?1
AND j.id IN (SELECT d.id FROM deliveries d WHERE d.host = queued.host AND d.next_attempt_at <= ?1
	AND d.id NOT IN (SELECT value FROM json_each(?4)) ORDER BY d.next_attempt_at, d.id LIMIT ?5))
SELECT d.id, d.activity_id, a.uri, a.account_id,
coalesce(s.public_key_id, ''), coalesce(s.private_key_pem, ''),
coalesce(s.ed25519_key_id, ''), coalesce(s.ed25519_private, ''), a.body, d.inbox_url, d.host,
d.attempts, d.next_attempt_at, d.last_error, d.created_at
FROM due CROSS JOIN deliveries d ON d.id = due.id JOIN activities a ON a.id = d.activity_id
LEFT JOIN accounts s ON s.id = a.account_id
ORDER BY d.next_attempt_at, d.id LIMIT ?2`

// NextDeliveryAt is when the earliest job becomes due, its host's
// back-off included (zero: none queued). Like qDueDeliveries it takes
// each host's earliest job from the index, not every job.
func (q queries) NextDeliveryAt(ctx context.Context) (time.Time, error) {
	var next sql.NullInt64
	err := q.q.QueryRowContext(ctx, qNextDeliveryAt).Scan(&next)
	if err != nil {
		return time.Time{}, fmt.Errorf("next delivery: %w", err)
	}
	return fromMillis(next.Int64), nil
}

const qNextDeliveryAt = `WITH RECURSIVE ` + qQueuedHosts + `
SELECT min(max((SELECT min(d.next_attempt_at) FROM deliveries d WHERE d.host = queued.host),
	coalesce((SELECT h.backoff_until FROM hosts h WHERE h.host = queued.host), 0)))
FROM queued WHERE queued.host IS NOT NULL`

// lastSuccessStep is how stale a host's last success may be before a
// delivery records a newer one: a busy host is sent to hundreds of times
// a second, and rewriting its row each time cost every commit a page.
const lastSuccessStep = time.Minute

// DeliverySucceeded removes a sent job and clears its host's failures.
// The host's last success is kept to the minute (lastSuccessStep).
func (tx *Tx) DeliverySucceeded(ctx context.Context, d Delivery) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM deliveries WHERE id = ?`, d.ID); err != nil {
		return fmt.Errorf("delivery succeeded: %w", err)
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO hosts (host, last_success_at) VALUES (?1, ?2)
ON CONFLICT (host) DO UPDATE SET failures = 0, backoff_until = 0, last_success_at = excluded.last_success_at
WHERE failures <> 0 OR backoff_until <> 0 OR last_success_at <= ?2 - ?3`,
		d.Host, millis(tx.now), lastSuccessStep.Milliseconds())
	if err != nil {
		return fmt.Errorf("delivery succeeded: %w", err)
	}
	return nil
}

// DeliveryFailed records a failed attempt: the job is retried at next, or
// dropped when next is zero (given up, or refused for good).
func (tx *Tx) DeliveryFailed(ctx context.Context, d Delivery, next time.Time, reason string) error {
	var err error
	if next.IsZero() {
		_, err = tx.tx.ExecContext(ctx, `DELETE FROM deliveries WHERE id = ?`, d.ID)
	} else {
		_, err = tx.tx.ExecContext(ctx, `UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?
WHERE id = ?`, millis(next), reason, d.ID)
	}
	if err != nil {
		return fmt.Errorf("delivery failed: %w", err)
	}
	return nil
}

// HostFailed counts a failure against host and backs the whole host off
// until the time backoff returns for its new failure count.
func (tx *Tx) HostFailed(ctx context.Context, host, reason string, backoff func(failures int) time.Time) error {
	var failures int
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO hosts (host, failures, last_failure_at, last_error) VALUES (?, 1, ?, ?)
ON CONFLICT (host) DO UPDATE SET failures = failures + 1, last_failure_at = excluded.last_failure_at,
last_error = excluded.last_error RETURNING failures`, host, millis(tx.now), reason).Scan(&failures)
	if err != nil {
		return fmt.Errorf("host failed: %w", err)
	}
	if _, err := tx.tx.ExecContext(ctx, `UPDATE hosts SET backoff_until = ? WHERE host = ?`, millis(backoff(failures)), host); err != nil {
		return fmt.Errorf("host failed: %w", err)
	}
	return nil
}

// HostStatus is what `copse admin deliveries` shows per host.
type HostStatus struct {
	Host         string
	Queued       int
	Failures     int
	BackoffUntil time.Time
	LastError    string
	LastSuccess  time.Time
}

// DeliveryStats returns the queue depth and the hosts with queued jobs or
// recent failures, worst first.
func (q queries) DeliveryStats(ctx context.Context) (queued int, hosts []HostStatus, err error) {
	if err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM deliveries`).Scan(&queued); err != nil {
		return 0, nil, fmt.Errorf("delivery stats: %w", err)
	}
	scan := func(r scanner) (HostStatus, error) {
		var h HostStatus
		var until, success int64
		if err := r.Scan(&h.Host, &h.Queued, &h.Failures, &until, &h.LastError, &success); err != nil {
			return HostStatus{}, err
		}
		h.BackoffUntil, h.LastSuccess = fromMillis(until), fromMillis(success)
		return h, nil
	}
	hosts, err = queryAll(ctx, q.q, scan, `SELECT h.host, (SELECT count(*) FROM deliveries d WHERE d.host = h.host),
h.failures, h.backoff_until, h.last_error, h.last_success_at FROM hosts h
WHERE h.failures > 0 OR EXISTS (SELECT 1 FROM deliveries d WHERE d.host = h.host)
UNION ALL
SELECT d.host, count(*), 0, 0, '', 0 FROM deliveries d WHERE d.host NOT IN (SELECT host FROM hosts) GROUP BY d.host
ORDER BY 3 DESC, 2 DESC, 1`)
	if err != nil {
		return 0, nil, fmt.Errorf("delivery stats: %w", err)
	}
	return queued, hosts, nil
}

// InboxItem is a received activity waiting to be applied.
type InboxItem struct {
	ID            ID
	ActivityURI   string
	Signer        string // the actor whose key signed the request
	Body          []byte
	ReceivedAt    time.Time
	Attempts      int
	NextAttemptAt time.Time
}

// InsertInboxItem stores a received activity durably, due now.
func (tx *Tx) InsertInboxItem(ctx context.Context, it *InboxItem) error {
	if it.ID == 0 {
		it.ID = tx.NewID()
	}
	it.ReceivedAt, it.NextAttemptAt = tx.now, tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO inbox_items (id, activity_uri, signer, body, received_at, next_attempt_at)
VALUES (?,?,?,?,?,?)`, it.ID, it.ActivityURI, it.Signer, it.Body, millis(it.ReceivedAt), millis(it.NextAttemptAt))
	if err != nil {
		return fmt.Errorf("insert inbox item: %w", err)
	}
	return nil
}

// DueInboxItems returns up to limit received activities due at now,
// oldest first.
func (q queries) DueInboxItems(ctx context.Context, now time.Time, limit int) ([]InboxItem, error) {
	out, err := queryAll(ctx, q.q, scanInboxItem, `SELECT id, activity_uri, signer, body, received_at, attempts, next_attempt_at
FROM inbox_items WHERE next_attempt_at <= ? ORDER BY id LIMIT ?`, millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due inbox items: %w", err)
	}
	return out, nil
}

// DueInboxItemsExcept is DueInboxItems without the items in flight
// (inflight) and those whose signer starts with one of busyOrigins
// ("https://host/", compared in lower case): the inbox reads past a
// host whose share of the workers is taken, so its backlog does not hide
// the other peers' activities.
func (q queries) DueInboxItemsExcept(ctx context.Context, now time.Time, limit int, busyOrigins []string, inflight []ID) ([]InboxItem, error) {
	origins, err := json.Marshal(append([]string{}, busyOrigins...))
	if err != nil {
		return nil, fmt.Errorf("due inbox items: %w", err)
	}
	out, err := queryAll(ctx, q.q, scanInboxItem, qDueInboxItemsExcept, millis(now), limit, string(origins), idArray(inflight))
	if err != nil {
		return nil, fmt.Errorf("due inbox items: %w", err)
	}
	return out, nil
}

const qDueInboxItemsExcept = `SELECT id, activity_uri, signer, body, received_at, attempts, next_attempt_at
FROM inbox_items WHERE next_attempt_at <= ?1
AND id NOT IN (SELECT value FROM json_each(?4))
AND NOT EXISTS (SELECT 1 FROM json_each(?3) WHERE lower(substr(inbox_items.signer, 1, length(value))) = value)
ORDER BY id LIMIT ?2`

func scanInboxItem(r scanner) (InboxItem, error) {
	var it InboxItem
	var received, next int64
	if err := r.Scan(&it.ID, &it.ActivityURI, &it.Signer, &it.Body, &received, &it.Attempts, &next); err != nil {
		return InboxItem{}, err
	}
	it.ReceivedAt, it.NextAttemptAt = fromMillis(received), fromMillis(next)
	return it, nil
}

// DeleteInboxItem removes an applied (or abandoned) inbox item.
func (tx *Tx) DeleteInboxItem(ctx context.Context, id ID) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM inbox_items WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete inbox item: %w", err)
	}
	return nil
}

// RetryInboxItem reschedules an item whose application failed.
func (tx *Tx) RetryInboxItem(ctx context.Context, id ID, next time.Time, reason string) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE inbox_items SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?
WHERE id = ?`, millis(next), reason, id)
	if err != nil {
		return fmt.Errorf("retry inbox item: %w", err)
	}
	return nil
}

// MarkProcessed records that an activity was applied. It reports false if
// it already was, so the caller can skip it: together with the effects in
// the same transaction, this applies each activity exactly once.
func (tx *Tx) MarkProcessed(ctx context.Context, uri string) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `INSERT OR IGNORE INTO processed_activities (uri, processed_at) VALUES (?, ?)`, uri, millis(tx.now))
	if err != nil {
		return false, fmt.Errorf("mark processed: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
