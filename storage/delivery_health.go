package storage

import (
	"context"
	"fmt"
	"time"
)

// DeliveryHealth is the delivery queue to one host, as the moderation
// dashboard's federation health page shows it.
type DeliveryHealth struct {
	Host    string
	Queued  int // jobs waiting, failing ones included
	Failing int // jobs that have failed at least once
	// NextAttempt is when the soonest job to the host is due; zero when
	// none is queued.
	NextAttempt time.Time
	// LastError is the host's most recent failure: the host's own record,
	// else the newest job's.
	LastError    string
	Failures     int       // failures in a row counted against the host
	BackoffUntil time.Time // zero when the host is not backed off
	LastSuccess  time.Time // zero: never
}

// maxHealthHosts bounds the hosts one health read lists: the worst come
// first, and a page of more than this would not be read anyway.
const maxHealthHosts = 500

// qDeliveryHealth lists each host with queued jobs or failures, those
// with failing jobs first, then by the depth of their queue.
const qDeliveryHealth = `SELECT host, queued, failing, next_attempt, last_error, failures, backoff_until, last_success FROM (
SELECT d.host AS host, count(*) AS queued, sum(d.attempts > 0) AS failing, min(d.next_attempt_at) AS next_attempt,
	coalesce(nullif(h.last_error, ''),
		(SELECT d2.last_error FROM deliveries d2 WHERE d2.host = d.host AND d2.last_error <> '' ORDER BY d2.id DESC LIMIT 1),
		'') AS last_error,
	coalesce(h.failures, 0) AS failures, coalesce(h.backoff_until, 0) AS backoff_until,
	coalesce(h.last_success_at, 0) AS last_success
FROM deliveries d LEFT JOIN hosts h ON h.host = d.host
GROUP BY d.host
UNION ALL
SELECT h.host, 0, 0, 0, h.last_error, h.failures, h.backoff_until, h.last_success_at FROM hosts h
WHERE h.failures > 0 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.host = h.host))
ORDER BY failing DESC, failures DESC, queued DESC, host
LIMIT ?`

// DeliveryHealth lists the hosts the node has deliveries queued for or
// that have been failing, worst first (at most 500).
func (q queries) DeliveryHealth(ctx context.Context) ([]DeliveryHealth, error) {
	scan := func(r scanner) (DeliveryHealth, error) {
		var h DeliveryHealth
		var next, until, success int64
		if err := r.Scan(&h.Host, &h.Queued, &h.Failing, &next, &h.LastError, &h.Failures, &until, &success); err != nil {
			return DeliveryHealth{}, err
		}
		h.NextAttempt, h.BackoffUntil, h.LastSuccess = fromMillis(next), fromMillis(until), fromMillis(success)
		return h, nil
	}
	out, err := queryAll(ctx, q.q, scan, qDeliveryHealth, maxHealthHosts)
	if err != nil {
		return nil, fmt.Errorf("delivery health: %w", err)
	}
	return out, nil
}
