package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrLimit is returned when a member already has as many of something
// (pinned statuses) as is allowed.
var ErrLimit = errors.New("storage: limit reached")

// ListedStatus is a status in a member's bookmarks or favourites; RowID
// is the bookmark's or favourite's own ID, which pages the list.
type ListedStatus struct {
	RowID  ID
	Status Status
}

// prefixScanner scans one leading column into first, then the rest.
type prefixScanner struct {
	row   scanner
	first any
}

func (p prefixScanner) Scan(dest ...any) error {
	return p.row.Scan(append([]any{p.first}, dest...)...)
}

func (q queries) listedStatuses(ctx context.Context, table string, account ID, p Page) ([]ListedStatus, error) {
	cond, args, order := p.where("x.id")
	scan := func(r scanner) (ListedStatus, error) {
		var l ListedStatus
		var err error
		if l.Status, err = scanStatus(prefixScanner{row: r, first: &l.RowID}); err != nil {
			return ListedStatus{}, err
		}
		return l, nil
	}
	out, err := queryAll(ctx, q.q, scan, `SELECT x.id, `+statusColumns+` FROM `+table+` x JOIN statuses s ON s.id = x.status_id
WHERE x.account_id = ? AND `+cond+` ORDER BY `+order+` LIMIT ?`, append(append([]any{account}, args...), p.limit())...)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(order, "ASC") {
		reverse(out)
	}
	sts := make([]Status, len(out))
	for i := range out {
		sts[i] = out[i].Status
	}
	if err := q.loadStatusesExtras(ctx, sts); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Status = sts[i]
	}
	return out, nil
}

// Bookmarks lists a member's bookmarked statuses, newest bookmark first.
func (q queries) Bookmarks(ctx context.Context, account ID, p Page) ([]ListedStatus, error) {
	out, err := q.listedStatuses(ctx, "bookmarks", account, p)
	if err != nil {
		return nil, fmt.Errorf("bookmarks: %w", err)
	}
	return out, nil
}

// Favourites lists the statuses a member liked, newest like first.
func (q queries) Favourites(ctx context.Context, account ID, p Page) ([]ListedStatus, error) {
	out, err := q.listedStatuses(ctx, "favourites", account, p)
	if err != nil {
		return nil, fmt.Errorf("favourites: %w", err)
	}
	return out, nil
}

// interactionAccounts lists the accounts behind the boosts or likes of a
// status: from joins the boost or like, aliased r, to its account,
// aliased a, and ends in a WHERE clause on the status.
func (q queries) interactionAccounts(ctx context.Context, from string, status, viewer ID, p Page) ([]ListedAccount, error) {
	cond, args, order := p.where("r.id")
	var filter string
	var fargs []any
	if viewer != 0 {
		filter, fargs = visibleAuthor("a.id", viewer)
	}
	all := append(append(append([]any{status}, fargs...), args...), p.limit())
	out, err := queryAll(ctx, q.q, scanListedAccount, `SELECT `+prefixed("a.", accountColumns)+`, r.id`+from+
		` AND a.suspended_at = 0`+filter+` AND `+cond+` ORDER BY `+order+` LIMIT ?`, all...)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(order, "ASC") {
		reverse(out)
	}
	return out, nil
}

// RebloggedBy lists the accounts that boosted a status, newest boost
// first, leaving out those viewer (0: nobody) blocks or is blocked by.
func (q queries) RebloggedBy(ctx context.Context, status, viewer ID, p Page) ([]ListedAccount, error) {
	out, err := q.interactionAccounts(ctx, ` FROM statuses r JOIN accounts a ON a.id = r.account_id WHERE r.reblog_of_id = ?`,
		status, viewer, p)
	if err != nil {
		return nil, fmt.Errorf("reblogged by: %w", err)
	}
	return out, nil
}

// FavouritedBy lists the accounts that liked a status, newest like
// first, leaving out those viewer (0: nobody) blocks or is blocked by.
func (q queries) FavouritedBy(ctx context.Context, status, viewer ID, p Page) ([]ListedAccount, error) {
	out, err := q.interactionAccounts(ctx, ` FROM favourites r JOIN accounts a ON a.id = r.account_id WHERE r.status_id = ?`,
		status, viewer, p)
	if err != nil {
		return nil, fmt.Errorf("favourited by: %w", err)
	}
	return out, nil
}

// StatusFlags are what a member did with a status privately.
type StatusFlags struct {
	Bookmarked bool
	Pinned     bool
	Muted      bool // its conversation is muted
}

// StatusFlags tells whether viewer bookmarked or pinned a status, or
// muted its conversation.
func (q queries) StatusFlags(ctx context.Context, status, viewer ID) (StatusFlags, error) {
	var f StatusFlags
	var anyMutes bool
	err := q.q.QueryRowContext(ctx, `SELECT
EXISTS (SELECT 1 FROM bookmarks WHERE account_id = ?2 AND status_id = ?1),
EXISTS (SELECT 1 FROM pins WHERE account_id = ?2 AND status_id = ?1),
EXISTS (SELECT 1 FROM conversation_mutes WHERE account_id = ?2)`, status, viewer).Scan(&f.Bookmarked, &f.Pinned, &anyMutes)
	if err != nil {
		return StatusFlags{}, fmt.Errorf("status flags: %w", err)
	}
	if anyMutes { // most members mute no conversation: skip the walk up the thread
		if f.Muted, err = q.ConversationMuted(ctx, viewer, status); err != nil {
			return StatusFlags{}, err
		}
	}
	return f, nil
}

// PinnedStatuses returns the statuses a member pinned, the latest pin
// first.
func (q queries) PinnedStatuses(ctx context.Context, account ID) ([]Status, error) {
	out, err := q.statusList(ctx, `SELECT `+statusColumns+` FROM pins p JOIN statuses s ON s.id = p.status_id
WHERE p.account_id = ? ORDER BY p.id DESC`, []any{account}, false)
	if err != nil {
		return nil, fmt.Errorf("pinned statuses: %w", err)
	}
	return out, nil
}

// CountPins counts the statuses a member has pinned.
func (q queries) CountPins(ctx context.Context, account ID) (int, error) {
	var n int
	if err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM pins WHERE account_id = ?`, account).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pins: %w", err)
	}
	return n, nil
}

// Bookmark adds a status to a member's bookmarks; bookmarking it again
// changes nothing.
func (tx *Tx) Bookmark(ctx context.Context, account, status ID) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT OR IGNORE INTO bookmarks (id, account_id, status_id, created_at) VALUES (?,?,?,?)`,
		tx.NewID(), account, status, millis(tx.now))
	if err != nil {
		return fmt.Errorf("bookmark: %w", err)
	}
	return nil
}

// Unbookmark removes a status from a member's bookmarks, if it is there.
func (tx *Tx) Unbookmark(ctx context.Context, account, status ID) error {
	_, err := tx.exec(ctx, "unbookmark", `DELETE FROM bookmarks WHERE account_id = ? AND status_id = ?`, account, status)
	return err
}

// Pin features a status on a member's profile, reporting whether it was
// newly pinned. ErrLimit if the member already has max pinned; pinning a
// pinned status changes nothing.
func (tx *Tx) Pin(ctx context.Context, account, status ID, max int) (bool, error) {
	var pinned, n int
	err := tx.tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(status_id = ?), 0) FROM pins WHERE account_id = ?`,
		status, account).Scan(&n, &pinned)
	if err != nil {
		return false, fmt.Errorf("pin: %w", err)
	}
	if pinned > 0 {
		return false, nil
	}
	if n >= max {
		return false, fmt.Errorf("pin: %w", ErrLimit)
	}
	_, err = tx.tx.ExecContext(ctx, `INSERT INTO pins (id, account_id, status_id, created_at) VALUES (?,?,?,?)`,
		tx.NewID(), account, status, millis(tx.now))
	if err != nil {
		return false, fmt.Errorf("pin: %w", err)
	}
	return true, nil
}

// Unpin stops featuring a status, reporting whether it was pinned.
func (tx *Tx) Unpin(ctx context.Context, account, status ID) (bool, error) {
	res, err := tx.exec(ctx, "unpin", `DELETE FROM pins WHERE account_id = ? AND status_id = ?`, account, status)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
