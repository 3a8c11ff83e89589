package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// NotifyPoll tells a member that a poll they voted in, or made, has ended.
const NotifyPoll = "poll"

// Poll is the poll of a status (a Question).
type Poll struct {
	StatusID   ID
	Multiple   bool // any number of choices rather than one
	HideTotals bool // counts are shown only once it has ended
	Options    []PollOption
	ExpiresAt  time.Time // zero: never
	// ClosedAt is when it ended, once this node has seen it end: by its
	// own clock for a local poll, by the origin's word for a remote one.
	ClosedAt    time.Time
	VotersCount int
	// NotifiedAt is when voters here (and a local author) were told it
	// ended; zero until then.
	NotifiedAt time.Time
}

// PollOption is one choice of a poll and how many votes it has.
type PollOption struct {
	Title string
	Votes int
}

// VotesCount is the number of votes cast, over all options.
func (p Poll) VotesCount() int {
	n := 0
	for _, o := range p.Options {
		n += o.Votes
	}
	return n
}

// Expired reports whether the poll takes no more votes at now.
func (p Poll) Expired(now time.Time) bool {
	return !p.ClosedAt.IsZero() || (!p.ExpiresAt.IsZero() && !now.Before(p.ExpiresAt))
}

// PollVote is one choice one account made in a poll.
type PollVote struct {
	ID        ID
	StatusID  ID
	AccountID ID
	Choice    int // index into Poll.Options
	URI       string
	CreatedAt time.Time
}

const qPollByStatus = `SELECT status_id, multiple, hide_totals, expires_at, closed_at, voters_count, notified_at
FROM polls WHERE status_id = ?`

const qPollOptions = `SELECT title, votes_count FROM poll_options WHERE status_id = ? ORDER BY position`

// PollByStatus returns the poll of a status with its counts; ErrNotFound
// when the status has none.
func (q queries) PollByStatus(ctx context.Context, status ID) (Poll, error) {
	p, err := scanPoll(q.q.QueryRowContext(ctx, qPollByStatus, status))
	if err != nil {
		return Poll{}, err
	}
	scan := func(r scanner) (PollOption, error) {
		var o PollOption
		err := r.Scan(&o.Title, &o.Votes)
		return o, err
	}
	p.Options, err = queryAll(ctx, q.q, scan, qPollOptions, status)
	if err != nil {
		return Poll{}, fmt.Errorf("poll options: %w", err)
	}
	return p, nil
}

const (
	qPollsOf = `SELECT status_id, multiple, hide_totals, expires_at, closed_at, voters_count, notified_at
FROM polls WHERE status_id IN (SELECT value FROM json_each(?))`
	qPollOptionsOf = `SELECT status_id, title, votes_count FROM poll_options
WHERE status_id IN (SELECT value FROM json_each(?)) ORDER BY status_id, position`
)

// PollsOf returns the polls of the statuses ids that have one, by status,
// with their counts: two queries for a page of posts.
func (q queries) PollsOf(ctx context.Context, ids []ID) (map[ID]Poll, error) {
	out := map[ID]Poll{}
	if len(ids) == 0 {
		return out, nil
	}
	polls, err := queryAll(ctx, q.q, scanPoll, qPollsOf, idArray(ids))
	if err != nil {
		return nil, fmt.Errorf("polls of statuses: %w", err)
	}
	if len(polls) == 0 {
		return out, nil
	}
	with := make([]ID, 0, len(polls))
	for _, p := range polls {
		out[p.StatusID] = p
		with = append(with, p.StatusID)
	}
	type option struct {
		status ID
		PollOption
	}
	opts, err := queryAll(ctx, q.q, func(r scanner) (option, error) {
		var o option
		err := r.Scan(&o.status, &o.Title, &o.Votes)
		return o, err
	}, qPollOptionsOf, idArray(with))
	if err != nil {
		return nil, fmt.Errorf("poll options of statuses: %w", err)
	}
	for _, o := range opts {
		p := out[o.status]
		p.Options = append(p.Options, o.PollOption)
		out[o.status] = p
	}
	return out, nil
}

func scanPoll(row scanner) (Poll, error) {
	var p Poll
	var expires, closed, notified int64
	err := row.Scan(&p.StatusID, &p.Multiple, &p.HideTotals, &expires, &closed, &p.VotersCount, &notified)
	if errors.Is(err, sql.ErrNoRows) {
		return Poll{}, ErrNotFound
	}
	if err != nil {
		return Poll{}, fmt.Errorf("poll: %w", err)
	}
	p.ExpiresAt, p.ClosedAt, p.NotifiedAt = fromMillis(expires), fromMillis(closed), fromMillis(notified)
	return p, nil
}

const qInsertPoll = `INSERT INTO polls (status_id, multiple, hide_totals, expires_at, closed_at, voters_count, notified_at)
VALUES (?,?,?,?,?,?,?)`

const qInsertPollOption = `INSERT INTO poll_options (status_id, position, title, votes_count) VALUES (?,?,?,?)`

// InsertPoll stores the poll of p.StatusID, which must exist, with its
// options and their counts. ErrDuplicate if the status has a poll.
func (tx *Tx) InsertPoll(ctx context.Context, p *Poll) error {
	_, err := tx.tx.ExecContext(ctx, qInsertPoll, p.StatusID, p.Multiple, p.HideTotals, millis(p.ExpiresAt),
		millis(p.ClosedAt), p.VotersCount, millis(p.NotifiedAt))
	if isUnique(err) {
		return fmt.Errorf("insert poll of %d: %w", p.StatusID, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("insert poll of %d: %w", p.StatusID, err)
	}
	return tx.insertPollOptions(ctx, p.StatusID, p.Options)
}

func (tx *Tx) insertPollOptions(ctx context.Context, status ID, opts []PollOption) error {
	for i, o := range opts {
		if _, err := tx.tx.ExecContext(ctx, qInsertPollOption, status, i, o.Title, o.Votes); err != nil {
			return fmt.Errorf("insert poll option: %w", err)
		}
	}
	return nil
}

const qUpdatePoll = `UPDATE polls SET multiple = ?, expires_at = ?, closed_at = ?, voters_count = ?, notified_at = ?
WHERE status_id = ?`

// UpdatePoll saves what a poll's origin says of it now (or, for a local
// poll, that it ended): its end, closing time, voters and each option's
// count. Options are matched by position; when their titles changed, the
// poll is a new one and the votes cast here are dropped, as Mastodon does
// when a poll is edited. ErrNotFound when the status has no poll.
func (tx *Tx) UpdatePoll(ctx context.Context, p *Poll) error {
	old, err := tx.PollByStatus(ctx, p.StatusID)
	if err != nil {
		return err
	}
	res, err := tx.tx.ExecContext(ctx, qUpdatePoll, p.Multiple, millis(p.ExpiresAt), millis(p.ClosedAt),
		p.VotersCount, millis(p.NotifiedAt), p.StatusID)
	if err != nil {
		return fmt.Errorf("update poll of %d: %w", p.StatusID, err)
	}
	if err := mustAffect(res, "update poll"); err != nil {
		return err
	}
	if !slices.EqualFunc(old.Options, p.Options, func(a, b PollOption) bool { return a.Title == b.Title }) {
		for _, q := range []string{`DELETE FROM poll_votes WHERE status_id = ?`, `DELETE FROM poll_options WHERE status_id = ?`} {
			if _, err := tx.tx.ExecContext(ctx, q, p.StatusID); err != nil {
				return fmt.Errorf("update poll of %d: %w", p.StatusID, err)
			}
		}
		return tx.insertPollOptions(ctx, p.StatusID, p.Options)
	}
	for i, o := range p.Options {
		if _, err := tx.tx.ExecContext(ctx, `UPDATE poll_options SET votes_count = ? WHERE status_id = ? AND position = ?`,
			o.Votes, p.StatusID, i); err != nil {
			return fmt.Errorf("update poll of %d: %w", p.StatusID, err)
		}
	}
	return nil
}

// CastVotes records one account's choices in a poll and counts them: each
// option's votes, and the voters once per account however many choices
// it makes. Choices must be in range (the caller checks them against the
// poll). ErrDuplicate if the account already chose one of them; nothing
// is recorded then.
func (tx *Tx) CastVotes(ctx context.Context, status, account ID, votes []PollVote) error {
	var before int
	if err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM poll_votes WHERE status_id = ? AND account_id = ?`,
		status, account).Scan(&before); err != nil {
		return fmt.Errorf("cast votes: %w", err)
	}
	for i := range votes {
		v := &votes[i]
		v.StatusID, v.AccountID = status, account
		if v.ID == 0 {
			v.ID = tx.NewID()
		}
		if v.CreatedAt.IsZero() {
			v.CreatedAt = tx.now
		}
	}
	// Check every choice first, so a refused vote changes nothing even if
	// the caller's transaction goes on.
	for _, v := range votes {
		var n int
		if err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM poll_votes WHERE status_id = ? AND account_id = ? AND choice = ?`,
			status, account, v.Choice).Scan(&n); err != nil {
			return fmt.Errorf("cast votes: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("cast votes: choice %d: %w", v.Choice, ErrDuplicate)
		}
	}
	for _, v := range votes {
		_, err := tx.tx.ExecContext(ctx, `INSERT INTO poll_votes (id, status_id, account_id, choice, uri, created_at)
VALUES (?,?,?,?,?,?)`, v.ID, status, account, v.Choice, v.URI, millis(v.CreatedAt))
		if isUnique(err) {
			return fmt.Errorf("cast votes: choice %d: %w", v.Choice, ErrDuplicate) // the same choice twice in votes
		}
		if err != nil {
			return fmt.Errorf("cast votes: %w", err)
		}
		res, err := tx.tx.ExecContext(ctx, `UPDATE poll_options SET votes_count = votes_count + 1
WHERE status_id = ? AND position = ?`, status, v.Choice)
		if err != nil {
			return fmt.Errorf("cast votes: %w", err)
		}
		if err := mustAffect(res, "count vote"); err != nil {
			return err
		}
	}
	if before == 0 && len(votes) > 0 {
		if _, err := tx.tx.ExecContext(ctx, `UPDATE polls SET voters_count = voters_count + 1 WHERE status_id = ?`, status); err != nil {
			return fmt.Errorf("cast votes: %w", err)
		}
	}
	return nil
}

// OwnVotes returns the choices account made in a poll, in option order;
// none if it has not voted.
func (q queries) OwnVotes(ctx context.Context, status, account ID) ([]int, error) {
	scan := func(r scanner) (int, error) {
		var c int
		err := r.Scan(&c)
		return c, err
	}
	out, err := queryAll(ctx, q.q, scan, `SELECT choice FROM poll_votes WHERE status_id = ? AND account_id = ? ORDER BY choice`,
		status, account)
	if err != nil {
		return nil, fmt.Errorf("own votes: %w", err)
	}
	return nonNil(out), nil
}

// PollVoters returns the accounts known here to have voted in a poll:
// everyone, for a local poll; members of this node, for a remote one.
func (q queries) PollVoters(ctx context.Context, status ID) ([]ID, error) {
	out, err := q.ids(ctx, `SELECT DISTINCT account_id FROM poll_votes WHERE status_id = ? ORDER BY account_id`, status)
	if err != nil {
		return nil, fmt.Errorf("poll voters: %w", err)
	}
	return out, nil
}

// CountVoters counts the accounts whose votes in a poll are recorded here.
func (q queries) CountVoters(ctx context.Context, status ID) (int, error) {
	var n int
	if err := q.q.QueryRowContext(ctx, `SELECT count(DISTINCT account_id) FROM poll_votes WHERE status_id = ?`,
		status).Scan(&n); err != nil {
		return 0, fmt.Errorf("count voters: %w", err)
	}
	return n, nil
}

// DuePolls returns up to limit polls that expired by now and whose voters
// have not been told yet, the earliest first.
func (q queries) DuePolls(ctx context.Context, now time.Time, limit int) ([]Poll, error) {
	ids, err := q.ids(ctx, `SELECT status_id FROM polls
WHERE notified_at = 0 AND expires_at > 0 AND expires_at <= ? ORDER BY expires_at LIMIT ?`, millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due polls: %w", err)
	}
	out := make([]Poll, 0, len(ids))
	for _, id := range ids {
		p, err := q.PollByStatus(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("due polls: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// SchedulePollUpdate makes the counts of the poll of status due to be
// sent at at, unless a send is due already (which then carries them).
func (tx *Tx) SchedulePollUpdate(ctx context.Context, status ID, at time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE polls SET update_due_at = ? WHERE status_id = ? AND update_due_at = 0`,
		millis(at), status); err != nil {
		return fmt.Errorf("schedule poll update %d: %w", status, err)
	}
	return nil
}

// ClearPollUpdate marks the counts of the poll of status as sent.
func (tx *Tx) ClearPollUpdate(ctx context.Context, status ID) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE polls SET update_due_at = 0 WHERE status_id = ?`, status); err != nil {
		return fmt.Errorf("clear poll update %d: %w", status, err)
	}
	return nil
}

// DuePollUpdates returns the statuses of up to limit polls whose counts
// are due to be sent at now, the longest waiting first.
func (q queries) DuePollUpdates(ctx context.Context, now time.Time, limit int) ([]ID, error) {
	ids, err := q.ids(ctx, `SELECT status_id FROM polls WHERE update_due_at > 0 AND update_due_at <= ?
ORDER BY update_due_at LIMIT ?`, millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due poll updates: %w", err)
	}
	return ids, nil
}
