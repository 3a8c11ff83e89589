package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Trends and hashtag history are counted from the statuses this node
// holds: its members' and those that reached it from peers. A status's ID
// is the time it was made here (or arrived), so a time window is a range
// of IDs and reads an index, however many statuses the node holds.

// reviewOf is the review a trendable column holds (coalesced to -1 when
// NULL): TrendApproved, TrendRejected or TrendPending.
func reviewOf(trendable int) string {
	switch trendable {
	case 1:
		return TrendApproved
	case 0:
		return TrendRejected
	}
	return TrendPending
}

// TagDay is one day of a hashtag's (or a link's) use.
type TagDay struct {
	Day      time.Time // midnight UTC
	Uses     int       // public and unlisted statuses that carried it
	Accounts int       // distinct accounts that posted them
}

const day = 24 * time.Hour

// emptyHistory is the days days up to and including today's, newest
// first, each without use.
func emptyHistory(today time.Time, days int) []TagDay {
	hist := make([]TagDay, days)
	for i := range hist {
		hist[i].Day = today.Add(-time.Duration(i) * day)
	}
	return hist
}

// setDay records d in hist, a history ending today, on the day number
// dayNum (days since 1970, UTC) that a query grouped by; a day outside
// hist is left out.
func setDay(hist []TagDay, today time.Time, dayNum int64, d TagDay) {
	i := int(today.Sub(time.UnixMilli(dayNum*86400000).UTC()) / day)
	if i >= 0 && i < len(hist) {
		hist[i].Uses, hist[i].Accounts = d.Uses, d.Accounts
	}
}

// TagHistory returns, for each of names, its use on each of the days
// days up to and including now's, newest first: a day without use
// counts zero. Names are matched without regard to case and keyed as
// given.
func (q queries) TagHistory(ctx context.Context, names []string, now time.Time, days int) (map[string][]TagDay, error) {
	out := make(map[string][]TagDay, len(names))
	if len(names) == 0 || days <= 0 {
		return out, nil
	}
	today := now.UTC().Truncate(day)
	first := today.Add(-time.Duration(days-1) * day)
	byLower := make(map[string]string, len(names))
	args := make([]any, 0, len(names)+1)
	for _, n := range names {
		byLower[strings.ToLower(n)] = n
		args = append(args, n)
		out[n] = emptyHistory(today, days)
	}
	args = append(args, IDAt(first))
	rows, err := q.q.QueryContext(ctx, `SELECT t.name, (st.status_id >> 16) / 86400000, count(*), count(DISTINCT s.account_id)
FROM tags t JOIN status_tags st ON st.tag_id = t.id JOIN statuses s ON s.id = st.status_id
WHERE t.name IN (`+placeholders(len(names))+`) AND st.status_id >= ? AND s.visibility IN ('public', 'unlisted')
GROUP BY t.id, 2`, args...)
	if err != nil {
		return nil, fmt.Errorf("tag history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var dayNum int64
		var d TagDay
		if err := rows.Scan(&name, &dayNum, &d.Uses, &d.Accounts); err != nil {
			return nil, fmt.Errorf("tag history: %w", err)
		}
		setDay(out[byLower[strings.ToLower(name)]], today, dayNum, d)
	}
	return out, rows.Err()
}

// TrendingTags returns the hashtags that most distinct accounts put in
// public statuses since since, at least minAccounts each: most accounts
// first, then most uses, each with whether viewer follows it and where
// its review stands. Suspended accounts do not count. approvedOnly keeps
// those moderators approved (the trends members see); without it, every
// one is listed, for moderators to review.
func (q queries) TrendingTags(ctx context.Context, viewer ID, since time.Time, minAccounts, limit, offset int, approvedOnly bool) ([]TagInfo, error) {
	scan := func(r scanner) (t TagInfo, err error) {
		var trendable int
		err = r.Scan(&t.ID, &t.Name, &t.Following, &trendable)
		t.Review = reviewOf(trendable)
		return t, err
	}
	out, err := queryAll(ctx, q.q, scan, `SELECT t.id, t.name,
	EXISTS (SELECT 1 FROM followed_tags ft WHERE ft.tag_id = t.id AND ft.account_id = ?), coalesce(t.trendable, -1)
FROM status_tags st INDEXED BY status_tags_status
JOIN statuses s ON s.id = st.status_id JOIN accounts a ON a.id = s.account_id JOIN tags t ON t.id = st.tag_id
WHERE st.status_id >= ? AND s.visibility = 'public' AND a.suspended_at = 0 AND (? = 0 OR t.trendable = 1)
GROUP BY st.tag_id HAVING count(DISTINCT s.account_id) >= ?
ORDER BY count(DISTINCT s.account_id) DESC, count(*) DESC, t.name LIMIT ? OFFSET ?`,
		viewer, IDAt(since), boolInt(approvedOnly), minAccounts, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("trending tags: %w", err)
	}
	return out, nil
}

// TrendingStatuses returns public, original statuses made since since
// that were favourited or boosted at least once, most favourites and
// boosts together first (then newest), filtered by f; approvedOnly keeps
// those a moderator approved (the trends members see), else every one is
// listed, for review.
func (q queries) TrendingStatuses(ctx context.Context, since time.Time, f TimelineFilter, limit, offset int, approvedOnly bool) ([]Status, error) {
	fcond, fargs := f.where()
	args := append([]any{IDAt(since), boolInt(approvedOnly)}, fargs...)
	args = append(args, limit, offset)
	out, err := q.statusList(ctx, `SELECT `+statusColumns+` FROM statuses s JOIN accounts a ON a.id = s.account_id
WHERE s.id >= ? AND s.visibility = 'public' AND s.reblog_of_id IS NULL
AND s.favourites_count + s.reblogs_count > 0 AND a.suspended_at = 0
AND (? = 0 OR EXISTS (SELECT 1 FROM status_trend_reviews r WHERE r.status_id = s.id AND r.trendable = 1))`+fcond+`
ORDER BY s.favourites_count + s.reblogs_count DESC, s.id DESC LIMIT ? OFFSET ?`, args, false)
	if err != nil {
		return nil, fmt.Errorf("trending statuses: %w", err)
	}
	return out, nil
}

// StatusTrendReviews returns the review (TrendPending, TrendApproved or
// TrendRejected) of each of the statuses ids.
func (q queries) StatusTrendReviews(ctx context.Context, ids []ID) (map[ID]string, error) {
	out := make(map[ID]string, len(ids))
	for _, id := range ids {
		out[id] = TrendPending
	}
	if len(ids) == 0 {
		return out, nil
	}
	_, err := queryAll(ctx, q.q, func(r scanner) (struct{}, error) {
		var id ID
		var trendable int
		err := r.Scan(&id, &trendable)
		out[id] = reviewOf(trendable)
		return struct{}{}, err
	}, `SELECT status_id, trendable FROM status_trend_reviews WHERE status_id IN (SELECT value FROM json_each(?))`, idArray(ids))
	if err != nil {
		return nil, fmt.Errorf("status trend reviews: %w", err)
	}
	return out, nil
}

// ReviewStatusTrend decides whether status id may trend (approve) or not;
// only a public, original status can.
func (tx *Tx) ReviewStatusTrend(ctx context.Context, id ID, approve bool) error {
	res, err := tx.exec(ctx, "review status trend", `INSERT INTO status_trend_reviews (status_id, trendable, reviewed_at)
SELECT id, ?2, ?3 FROM statuses WHERE id = ?1 AND visibility = 'public' AND reblog_of_id IS NULL
ON CONFLICT (status_id) DO UPDATE SET trendable = excluded.trendable, reviewed_at = excluded.reviewed_at`,
		id, boolInt(approve), millis(tx.now))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("review status trend %d: %w", id, cmpErr(err, ErrNotFound))
	}
	return nil
}

// ReviewTag records moderators' review of hashtag name for trends
// (approved or not) and returns its id; ErrNotFound when no status ever
// carried it.
func (tx *Tx) ReviewTag(ctx context.Context, name string, approve bool) (ID, error) {
	var id ID
	err := tx.tx.QueryRowContext(ctx, `UPDATE tags SET trendable = ?, reviewed_at = ? WHERE name = ? RETURNING id`,
		boolInt(approve), millis(tx.now), name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("tag %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("review tag %q: %w", name, err)
	}
	return id, nil
}
