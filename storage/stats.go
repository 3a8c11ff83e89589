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

// AccountStats counts an account's followers, follows and statuses. The
// counts are kept as they change (migration 0010), not counted here.
func (q queries) AccountStats(ctx context.Context, id ID) (AccountStats, error) {
	out, err := q.AccountStatsByIDs(ctx, []ID{id})
	if err != nil {
		return AccountStats{}, err
	}
	return out[id], nil
}

// AccountStatsByIDs is AccountStats for many accounts, by ID; an account
// with no counts (none there) has zero ones.
func (q queries) AccountStatsByIDs(ctx context.Context, ids []ID) (map[ID]AccountStats, error) {
	out := make(map[ID]AccountStats, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.q.QueryContext(ctx, `SELECT account_id, followers_count, following_count, statuses_count, last_status_at
FROM account_stats WHERE account_id IN (SELECT value FROM json_each(?))`, idArray(ids))
	if err != nil {
		return nil, fmt.Errorf("account stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id ID
		var s AccountStats
		var last int64
		if err := rows.Scan(&id, &s.Followers, &s.Following, &s.Statuses, &last); err != nil {
			return nil, fmt.Errorf("account stats: %w", err)
		}
		s.LastStatusAt = fromMillis(last)
		out[id] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account stats: %w", err)
	}
	return out, nil
}

// StatusStats are a status's counts and what the viewer did with it.
type StatusStats struct {
	Replies    int
	Reblogs    int
	Favourites int
	Favourited bool
	Reblogged  bool
}

// StatusStats gives a status's replies, reblogs and likes (kept on its
// row, migration 0044: zero for a status not here), and tells whether
// viewer (0: nobody) liked or reblogged it.
func (q queries) StatusStats(ctx context.Context, status, viewer ID) (StatusStats, error) {
	out, err := q.StatusStatsByIDs(ctx, []ID{status}, viewer)
	if err != nil {
		return StatusStats{}, err
	}
	return out[status], nil
}

// Peers lists the domains of the remote actors this node knows.
func (q queries) Peers(ctx context.Context) ([]string, error) {
	scan := func(r scanner) (string, error) {
		var d string
		err := r.Scan(&d)
		return d, err
	}
	out, err := queryAll(ctx, q.q, scan, `SELECT DISTINCT domain FROM accounts WHERE domain <> '' ORDER BY domain`)
	if err != nil {
		return nil, fmt.Errorf("peers: %w", err)
	}
	return nonNil(out), nil
}
