package storage

import (
	"context"
	"fmt"
	"time"
)

// AccountStats are the counts shown on a profile.
type AccountStats struct {
	Followers    int
	Following    int
	Statuses     int
	LastStatusAt time.Time
}

// AccountStats counts an account's followers, follows and statuses.
func (q queries) AccountStats(ctx context.Context, id ID) (AccountStats, error) {
	var s AccountStats
	var last int64
	err := q.q.QueryRowContext(ctx, `SELECT
(SELECT count(*) FROM follows WHERE target_account_id = ?1),
(SELECT count(*) FROM follows WHERE account_id = ?1),
(SELECT count(*) FROM statuses WHERE account_id = ?1 AND reblog_of_id IS NULL),
(SELECT coalesce(max(created_at), 0) FROM statuses WHERE account_id = ?1)`, id).Scan(&s.Followers, &s.Following, &s.Statuses, &last)
	if err != nil {
		return AccountStats{}, fmt.Errorf("account stats: %w", err)
	}
	s.LastStatusAt = fromMillis(last)
	return s, nil
}

// StatusStats are a status's counts and what the viewer did with it.
type StatusStats struct {
	Replies    int
	Reblogs    int
	Favourites int
	Favourited bool
	Reblogged  bool
}

// StatusStats counts a status's replies, reblogs and likes, and tells
// whether viewer (0: nobody) liked or reblogged it.
func (q queries) StatusStats(ctx context.Context, status, viewer ID) (StatusStats, error) {
	var s StatusStats
	err := q.q.QueryRowContext(ctx, `SELECT
(SELECT count(*) FROM statuses WHERE in_reply_to_id = ?1),
(SELECT count(*) FROM statuses WHERE reblog_of_id = ?1),
(SELECT count(*) FROM favourites WHERE status_id = ?1),
EXISTS (SELECT 1 FROM favourites WHERE status_id = ?1 AND account_id = ?2),
EXISTS (SELECT 1 FROM statuses WHERE reblog_of_id = ?1 AND account_id = ?2)`, status, viewer).
		Scan(&s.Replies, &s.Reblogs, &s.Favourites, &s.Favourited, &s.Reblogged)
	if err != nil {
		return StatusStats{}, fmt.Errorf("status stats: %w", err)
	}
	return s, nil
}

// Peers lists the domains of the remote actors this node knows.
func (q queries) Peers(ctx context.Context) ([]string, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT DISTINCT domain FROM accounts WHERE domain <> '' ORDER BY domain`)
	if err != nil {
		return nil, fmt.Errorf("peers: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("peers: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
