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

// List is a member's list of accounts, read as a timeline of its own.
type List struct {
	ID            ID
	AccountID     ID // the owner
	Title         string
	RepliesPolicy string // RepliesFollowed, RepliesList or RepliesNone
	Exclusive     bool   // its members' statuses stay out of the home timeline
	CreatedAt     time.Time
}

// Which replies a list timeline shows, besides replies to the owner and
// an author's replies to themselves: replies to any account the owner
// follows, to members of the list, or no others.
const (
	RepliesFollowed = "followed"
	RepliesList     = "list"
	RepliesNone     = "none"
)

const listColumns = `id, account_id, title, replies_policy, exclusive, created_at`

func scanList(row scanner) (List, error) {
	var l List
	var created int64
	err := row.Scan(&l.ID, &l.AccountID, &l.Title, &l.RepliesPolicy, &l.Exclusive, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return List{}, ErrNotFound
	}
	if err != nil {
		return List{}, fmt.Errorf("list: %w", err)
	}
	l.CreatedAt = fromMillis(created)
	return l, nil
}

func (q queries) listsWhere(ctx context.Context, where string, args ...any) ([]List, error) {
	return queryAll(ctx, q.q, scanList, `SELECT `+listColumns+` FROM lists l WHERE `+where+` ORDER BY l.id`, args...)
}

// Lists returns a member's lists, oldest first.
func (q queries) Lists(ctx context.Context, owner ID) ([]List, error) {
	out, err := q.listsWhere(ctx, `l.account_id = ?`, owner)
	if err != nil {
		return nil, fmt.Errorf("lists: %w", err)
	}
	return out, nil
}

// ListsWithAccount returns owner's lists that have member in them.
func (q queries) ListsWithAccount(ctx context.Context, owner, member ID) ([]List, error) {
	out, err := q.listsWhere(ctx, `l.account_id = ? AND EXISTS (SELECT 1 FROM list_accounts la
WHERE la.list_id = l.id AND la.account_id = ?)`, owner, member)
	if err != nil {
		return nil, fmt.Errorf("lists with account: %w", err)
	}
	return out, nil
}

// ListByID returns one of owner's lists; ErrNotFound when owner has no
// list with that ID (another member's list is not found either).
func (q queries) ListByID(ctx context.Context, owner, id ID) (List, error) {
	return scanList(q.q.QueryRowContext(ctx, `SELECT `+listColumns+` FROM lists WHERE id = ? AND account_id = ?`, id, owner))
}

// InsertList stores a new list, filling its ID and CreatedAt.
func (tx *Tx) InsertList(ctx context.Context, l *List) error {
	l.ID, l.CreatedAt = tx.NewID(), tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO lists (`+listColumns+`) VALUES (?,?,?,?,?,?)`,
		l.ID, l.AccountID, l.Title, l.RepliesPolicy, l.Exclusive, millis(l.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert list: %w", err)
	}
	return nil
}

// UpdateList saves a list's title, replies policy and exclusivity.
func (tx *Tx) UpdateList(ctx context.Context, l List) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE lists SET title = ?, replies_policy = ?, exclusive = ?
WHERE id = ? AND account_id = ?`, l.Title, l.RepliesPolicy, l.Exclusive, l.ID, l.AccountID)
	if err != nil {
		return fmt.Errorf("update list: %w", err)
	}
	return mustAffect(res, "update list")
}

// DeleteList deletes one of owner's lists and its memberships.
func (tx *Tx) DeleteList(ctx context.Context, owner, id ID) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM lists WHERE id = ? AND account_id = ?`, id, owner)
	if err != nil {
		return fmt.Errorf("delete list: %w", err)
	}
	return mustAffect(res, "delete list")
}

// AddListAccounts puts accounts in a list; those already there stay.
func (tx *Tx) AddListAccounts(ctx context.Context, list ID, accounts []ID) error {
	for _, a := range accounts {
		if _, err := tx.tx.ExecContext(ctx, `INSERT OR IGNORE INTO list_accounts (id, list_id, account_id, created_at)
VALUES (?,?,?,?)`, tx.NewID(), list, a, millis(tx.now)); err != nil {
			return fmt.Errorf("add to list: %w", err)
		}
	}
	return nil
}

// RemoveListAccounts takes accounts out of a list.
func (tx *Tx) RemoveListAccounts(ctx context.Context, list ID, accounts []ID) error {
	for _, a := range accounts {
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM list_accounts WHERE list_id = ? AND account_id = ?`, list, a); err != nil {
			return fmt.Errorf("remove from list: %w", err)
		}
	}
	return nil
}

// ListAccountPage lists the members of a list, the latest added first,
// each with the ID of its membership (the paging cursor). A negative
// Limit lists them all, as Mastodon does for limit=0.
func (q queries) ListAccountPage(ctx context.Context, list ID, p Page) ([]ListedAccount, error) {
	cond, args, order := p.where("r.id")
	limit := p.limit()
	if p.Limit < 0 {
		limit = -1 // SQLite: no limit
	}
	out, err := queryAll(ctx, q.q, scanListedAccount, `SELECT `+accountColumnsA+`, r.id FROM list_accounts r
JOIN accounts a ON a.id = r.account_id WHERE r.list_id = ? AND `+cond+` ORDER BY `+order+` LIMIT ?`,
		append(append([]any{list}, args...), limit)...)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	if strings.HasSuffix(order, "ASC") {
		reverse(out)
	}
	return out, nil
}

// listRepliesShown is the condition that list l shows status s under its
// replies policy, as Mastodon decides it: a status that is not a reply, a
// self-reply and a reply to the owner always; a reply to someone else
// when the policy is "followed" and the owner follows them, or "list" and
// they are in the list.
const listRepliesShown = `(s.in_reply_to_uri = '' OR s.in_reply_to_account_id = s.account_id
	OR s.in_reply_to_account_id = l.account_id
	OR (l.replies_policy = 'followed' AND EXISTS (SELECT 1 FROM follows f
		WHERE f.account_id = l.account_id AND f.target_account_id = s.in_reply_to_account_id))
	OR (l.replies_policy = 'list' AND EXISTS (SELECT 1 FROM list_accounts x
		WHERE x.list_id = l.id AND x.account_id = s.in_reply_to_account_id)))`

// qListMembers are the members whose statuses a list timeline reads: not
// suspended, and not muted by the owner (?2) as of now (?3).
const qListMembers = `SELECT la.account_id FROM list_accounts la JOIN accounts a ON a.id = la.account_id
WHERE la.list_id = ?1 AND a.suspended_at = 0 AND NOT EXISTS (SELECT 1 FROM mutes m
	WHERE m.account_id = ?2 AND m.target_account_id = la.account_id AND (m.expires_at = 0 OR m.expires_at > ?3))`

// qListMemberStatuses reads one member's (?1) statuses for list ?2 off the
// statuses_account index: public and unlisted ones, followers-only ones
// while the owner follows the member (or is the member), no direct ones.
const qListMemberStatuses = `SELECT s.id FROM lists l JOIN statuses s INDEXED BY statuses_account ON s.account_id = ?1
WHERE l.id = ?2 AND (s.visibility IN ('public', 'unlisted') OR (s.visibility = 'private' AND (l.account_id = ?1
	OR EXISTS (SELECT 1 FROM follows f WHERE f.account_id = l.account_id AND f.target_account_id = ?1))))
AND ` + listRepliesShown

// ListTimeline returns the statuses (and reblogs) of a list's members,
// newest first. Home feeds are fanned out on write, but a list is read
// when asked: each member's statuses are a range of the statuses_account
// index, so the page is the merge of one short index read per member,
// whatever the size of the node.
func (s *Store) ListTimeline(ctx context.Context, l List, p Page) ([]Status, error) {
	members, err := s.ids(ctx, qListMembers, l.ID, l.AccountID, millis(s.Now()))
	if err != nil {
		return nil, fmt.Errorf("list timeline: %w", err)
	}
	cond, pargs, order := p.where("s.id")
	limit := p.limit()
	var ids []ID
	for _, m := range members {
		got, err := s.ids(ctx, qListMemberStatuses+` AND `+cond+` ORDER BY `+order+` LIMIT ?`,
			append(append([]any{m, l.ID}, pargs...), limit)...)
		if err != nil {
			return nil, fmt.Errorf("list timeline: %w", err)
		}
		ids = append(ids, got...)
	}
	// The page is the newest ones, or with min_id alone the oldest ones
	// above it, shown newest first all the same.
	slices.Sort(ids)
	if strings.HasSuffix(order, "ASC") {
		ids = ids[:min(len(ids), limit)]
	} else {
		ids = ids[max(0, len(ids)-limit):]
	}
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	out, err := s.statusList(ctx, `SELECT `+statusColumns+` FROM statuses s WHERE s.id IN (`+placeholders(len(ids))+`)
ORDER BY s.id DESC`, args, false)
	if err != nil {
		return nil, fmt.Errorf("list timeline: %w", err)
	}
	return out, nil
}

// ListShows reports whether owner's list shows a status: its author is a
// member and the list's replies policy lets it through. A list that is
// not owner's shows nothing.
func (q queries) ListShows(ctx context.Context, owner, list, status ID) (bool, error) {
	var ok bool
	err := q.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM lists l
JOIN list_accounts la ON la.list_id = l.id JOIN statuses s ON s.account_id = la.account_id
WHERE l.id = ? AND l.account_id = ? AND s.id = ? AND `+listRepliesShown+`)`, list, owner, status).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("list shows: %w", err)
	}
	return ok, nil
}

// notInExclusiveList is the condition that the author of status s is in
// none of the exclusive lists of the home feed's owner h.account_id.
const notInExclusiveList = `NOT EXISTS (SELECT 1 FROM list_accounts xla JOIN lists xl ON xl.id = xla.list_id
	WHERE xla.account_id = s.account_id AND xl.account_id = h.account_id AND xl.exclusive = 1)`

// InExclusiveList reports whether owner keeps the author of a status in
// an exclusive list, so the status stays out of owner's home timeline.
func (q queries) InExclusiveList(ctx context.Context, owner, status ID) (bool, error) {
	var in bool
	err := q.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM statuses s JOIN list_accounts la ON la.account_id = s.account_id
JOIN lists l ON l.id = la.list_id WHERE s.id = ? AND l.account_id = ? AND l.exclusive = 1)`, status, owner).Scan(&in)
	if err != nil {
		return false, fmt.Errorf("in exclusive list: %w", err)
	}
	return in, nil
}
