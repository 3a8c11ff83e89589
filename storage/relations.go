package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Follow is an accepted follow (in table follows) or a pending request
// (in table follow_requests): AccountID follows TargetID.
type Follow struct {
	ID          ID
	AccountID   ID
	TargetID    ID
	URI         string // the Follow activity's IRI
	ShowReblogs bool
	Notify      bool
	CreatedAt   time.Time
}

func scanFollow(row scanner) (Follow, error) {
	var f Follow
	var created int64
	err := row.Scan(&f.ID, &f.AccountID, &f.TargetID, &f.URI, &f.ShowReblogs, &f.Notify, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Follow{}, ErrNotFound
	}
	if err != nil {
		return Follow{}, fmt.Errorf("follow: %w", err)
	}
	f.CreatedAt = fromMillis(created)
	return f, nil
}

const followColumns = `id, account_id, target_account_id, uri, show_reblogs, notify, created_at`

// FollowOf returns the follow of account to target, or ErrNotFound.
func (q queries) FollowOf(ctx context.Context, account, target ID) (Follow, error) {
	return scanFollow(q.q.QueryRowContext(ctx, `SELECT `+followColumns+` FROM follows
WHERE account_id = ? AND target_account_id = ?`, account, target))
}

// FollowRequestOf returns the pending request of account to target.
func (q queries) FollowRequestOf(ctx context.Context, account, target ID) (Follow, error) {
	return scanFollow(q.q.QueryRowContext(ctx, `SELECT `+followColumns+` FROM follow_requests
WHERE account_id = ? AND target_account_id = ?`, account, target))
}

// FollowRequestByURI returns a pending request by its Follow activity IRI.
func (q queries) FollowRequestByURI(ctx context.Context, uri string) (Follow, error) {
	return scanFollow(q.q.QueryRowContext(ctx, `SELECT `+followColumns+` FROM follow_requests WHERE uri = ? AND uri <> ''`, uri))
}

// FollowByURI returns an accepted follow by its Follow activity IRI.
func (q queries) FollowByURI(ctx context.Context, uri string) (Follow, error) {
	return scanFollow(q.q.QueryRowContext(ctx, `SELECT `+followColumns+` FROM follows WHERE uri = ? AND uri <> ''`, uri))
}

// FollowRequests lists the requests waiting for target's approval.
func (q queries) FollowRequests(ctx context.Context, target ID) ([]Follow, error) {
	out, err := queryAll(ctx, q.q, scanFollow, `SELECT `+followColumns+` FROM follow_requests
WHERE target_account_id = ? ORDER BY id`, target)
	if err != nil {
		return nil, fmt.Errorf("follow requests: %w", err)
	}
	return out, nil
}

func (tx *Tx) insertFollow(ctx context.Context, table string, f *Follow) error {
	if f.ID == 0 {
		f.ID = tx.NewID()
	}
	if f.CreatedAt.IsZero() {
		f.CreatedAt = tx.now
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO `+table+` (`+followColumns+`) VALUES (?,?,?,?,?,?,?)
ON CONFLICT (account_id, target_account_id) DO UPDATE SET uri = excluded.uri,
show_reblogs = excluded.show_reblogs, notify = excluded.notify`,
		f.ID, f.AccountID, f.TargetID, f.URI, f.ShowReblogs, f.Notify, millis(f.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert %s: %w", table, err)
	}
	return nil
}

// InsertFollow records an accepted follow; an existing one is updated.
func (tx *Tx) InsertFollow(ctx context.Context, f *Follow) error {
	return tx.insertFollow(ctx, "follows", f)
}

// InsertFollowRequest records a pending follow request.
func (tx *Tx) InsertFollowRequest(ctx context.Context, f *Follow) error {
	return tx.insertFollow(ctx, "follow_requests", f)
}

// DeleteFollow removes account's follow of target, reporting whether
// there was one.
func (tx *Tx) DeleteFollow(ctx context.Context, account, target ID) (bool, error) {
	return tx.deleteRelation(ctx, "follows", account, target)
}

// DeleteFollowRequest removes a pending request, reporting whether there
// was one.
func (tx *Tx) DeleteFollowRequest(ctx context.Context, account, target ID) (bool, error) {
	return tx.deleteRelation(ctx, "follow_requests", account, target)
}

func (tx *Tx) deleteRelation(ctx context.Context, table string, account, target ID) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE account_id = ? AND target_account_id = ?`, account, target)
	if err != nil {
		return false, fmt.Errorf("delete from %s: %w", table, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// FollowerIDs returns the local accounts that follow account.
func (q queries) LocalFollowerIDs(ctx context.Context, account ID) ([]ID, error) {
	return q.ids(ctx, `SELECT f.account_id FROM follows f WHERE f.target_account_id = ? AND f.local = 1`, account)
}

// LocalFollower is a local follower of an account and what it asked
// for when it followed.
type LocalFollower struct {
	ID          ID
	ShowReblogs bool // its boosts reach this follower's home feed
	Notify      bool // a notification of every post
}

// LocalFollowers returns account's local followers, in one read for
// everything a new post or boost asks of them.
func (q queries) LocalFollowers(ctx context.Context, account ID) ([]LocalFollower, error) {
	out, err := queryAll(ctx, q.q, func(r scanner) (LocalFollower, error) {
		var f LocalFollower
		err := r.Scan(&f.ID, &f.ShowReblogs, &f.Notify)
		return f, err
	}, `SELECT f.account_id, f.show_reblogs, f.notify FROM follows f WHERE f.target_account_id = ? AND f.local = 1`, account)
	if err != nil {
		return nil, fmt.Errorf("local followers of %d: %w", account, err)
	}
	return out, nil
}

// FollowerInboxes returns the distinct inboxes of account's remote
// followers that are not suspended, shared inboxes standing for all
// followers behind them: follower_inboxes, kept by triggers (migration
// 0053), one row a node.
func (q queries) FollowerInboxes(ctx context.Context, account ID) ([]string, error) {
	rows, err := queryAll(ctx, q.q, scanInboxCount, qFollowerInboxes, account)
	if err != nil {
		return nil, fmt.Errorf("follower inboxes of %d: %w", account, err)
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.inbox)
	}
	return out, nil
}

const qFollowerInboxes = `SELECT inbox, followers FROM follower_inboxes WHERE account_id = ?`

// qBannedFollowerInboxes counts, by inbox, the followers of community ?1
// banned from it at ?2.
const qBannedFollowerInboxes = `SELECT f.inbox, count(*) FROM community_bans b
JOIN follows f ON f.account_id = b.account_id AND f.target_account_id = b.community_id
WHERE b.community_id = ?1 AND (b.expires_at = 0 OR b.expires_at > ?2) AND f.inbox <> ''
GROUP BY f.inbox`

type inboxCount struct {
	inbox string
	n     int
}

func scanInboxCount(r scanner) (inboxCount, error) {
	var c inboxCount
	err := r.Scan(&c.inbox, &c.n)
	return c, err
}

// CommunityFollowerInboxes is FollowerInboxes of a Group less the
// followers banned from it at now: a ban with an end keeps the
// membership (the follow) until it ends, but not the community's
// content. A shared inbox that other followers use is still listed.
func (q queries) CommunityFollowerInboxes(ctx context.Context, group ID, now time.Time) ([]string, error) {
	all, err := queryAll(ctx, q.q, scanInboxCount, qFollowerInboxes, group)
	if err != nil {
		return nil, fmt.Errorf("follower inboxes of %d: %w", group, err)
	}
	banned, err := queryAll(ctx, q.q, scanInboxCount, qBannedFollowerInboxes, group, millis(now))
	if err != nil {
		return nil, fmt.Errorf("banned follower inboxes of %d: %w", group, err)
	}
	gone := make(map[string]int, len(banned))
	for _, b := range banned {
		gone[b.inbox] = b.n
	}
	out := make([]string, 0, len(all))
	for _, c := range all {
		if c.n > gone[c.inbox] {
			out = append(out, c.inbox)
		}
	}
	return out, nil
}

// FollowCounts returns how many follow account and how many it follows.
func (q queries) FollowCounts(ctx context.Context, account ID) (followers, following int, err error) {
	err = q.q.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM follows WHERE target_account_id = ?),
(SELECT count(*) FROM follows WHERE account_id = ?)`, account, account).Scan(&followers, &following)
	if err != nil {
		return 0, 0, fmt.Errorf("follow counts: %w", err)
	}
	return followers, following, nil
}

// ids runs a query of one column of IDs.
func (q queries) ids(ctx context.Context, query string, args ...any) ([]ID, error) {
	return queryAll(ctx, q.q, func(r scanner) (ID, error) {
		var id ID
		err := r.Scan(&id)
		return id, err
	}, query, args...)
}

// Favourite is a like of a status.
type Favourite struct {
	ID        ID
	AccountID ID
	StatusID  ID
	URI       string
	CreatedAt time.Time
}

// InsertFavourite records a like; ErrDuplicate if the account already
// liked the status.
func (tx *Tx) InsertFavourite(ctx context.Context, f *Favourite) error {
	if f.ID == 0 {
		f.ID = tx.NewID()
	}
	if f.CreatedAt.IsZero() {
		f.CreatedAt = tx.now
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO favourites (id, account_id, status_id, uri, created_at) VALUES (?,?,?,?,?)`,
		f.ID, f.AccountID, f.StatusID, f.URI, millis(f.CreatedAt))
	if isUnique(err) {
		return fmt.Errorf("insert favourite: %w", ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("insert favourite: %w", err)
	}
	return nil
}

// FavouriteOf returns account's like of status, or ErrNotFound.
func (q queries) FavouriteOf(ctx context.Context, account, status ID) (Favourite, error) {
	var f Favourite
	var created int64
	err := q.q.QueryRowContext(ctx, `SELECT id, account_id, status_id, uri, created_at FROM favourites
WHERE account_id = ? AND status_id = ?`, account, status).Scan(&f.ID, &f.AccountID, &f.StatusID, &f.URI, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Favourite{}, ErrNotFound
	}
	if err != nil {
		return Favourite{}, fmt.Errorf("favourite: %w", err)
	}
	f.CreatedAt = fromMillis(created)
	return f, nil
}

// DeleteFavourite removes account's like of status.
func (tx *Tx) DeleteFavourite(ctx context.Context, account, status ID) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM favourites WHERE account_id = ? AND status_id = ?`, account, status)
	if err != nil {
		return false, fmt.Errorf("delete favourite: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// CountFavourites gives the likes of a status (kept on its row; 0 for a
// status not here).
func (q queries) CountFavourites(ctx context.Context, status ID) (int, error) {
	var n int
	if err := q.q.QueryRowContext(ctx, `SELECT coalesce((SELECT favourites_count FROM statuses WHERE id = ?), 0)`, status).Scan(&n); err != nil {
		return 0, fmt.Errorf("count favourites: %w", err)
	}
	return n, nil
}

// CountReblogs gives the reblogs of a status (kept on its row; 0 for a
// status not here).
func (q queries) CountReblogs(ctx context.Context, status ID) (int, error) {
	var n int
	if err := q.q.QueryRowContext(ctx, `SELECT coalesce((SELECT reblogs_count FROM statuses WHERE id = ?), 0)`, status).Scan(&n); err != nil {
		return 0, fmt.Errorf("count reblogs: %w", err)
	}
	return n, nil
}

// InsertBlock records that account blocks target.
func (tx *Tx) InsertBlock(ctx context.Context, account, target ID, uri string) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO blocks (id, account_id, target_account_id, uri, created_at)
VALUES (?,?,?,?,?) ON CONFLICT (account_id, target_account_id) DO UPDATE SET uri = excluded.uri`,
		tx.NewID(), account, target, uri, millis(tx.now))
	if err != nil {
		return fmt.Errorf("insert block: %w", err)
	}
	return nil
}

// DeleteBlock removes account's block of target.
func (tx *Tx) DeleteBlock(ctx context.Context, account, target ID) (bool, error) {
	return tx.deleteRelation(ctx, "blocks", account, target)
}

// Blocks reports whether account blocks target.
func (q queries) Blocks(ctx context.Context, account, target ID) (bool, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM blocks WHERE account_id = ? AND target_account_id = ?`,
		account, target).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("blocks: %w", err)
	}
	return n > 0, nil
}

// BlockersOf returns which of accounts block target, in one read: a
// post reaching hundreds of home feeds asked once per reader before.
func (q queries) BlockersOf(ctx context.Context, accounts []ID, target ID) (map[ID]bool, error) {
	out := map[ID]bool{}
	if len(accounts) == 0 {
		return out, nil
	}
	ids, err := q.ids(ctx, `SELECT j.value FROM json_each(?1) j
WHERE EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = j.value AND b.target_account_id = ?2)`, idArray(accounts), target)
	if err != nil {
		return nil, fmt.Errorf("blockers of %d: %w", target, err)
	}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// Notification types, as the client API names them.
const (
	NotifyMention       = "mention"
	NotifyStatus        = "status"
	NotifyReblog        = "reblog"
	NotifyFollow        = "follow"
	NotifyFollowRequest = "follow_request"
	NotifyFavourite     = "favourite"
	NotifyUpdate        = "update"
	// NotifyJoinRequest tells a community's moderators here that someone
	// asks to join it (copse's own type: Mastodon apps leave it out).
	NotifyJoinRequest = "join_request"
	// NotifyJoinAccepted and NotifyJoinRefused tell a member here that a
	// community which approves its members let them in, or refused them
	// (copse's own types).
	NotifyJoinAccepted = "join_accepted"
	NotifyJoinRefused  = "join_refused"
)

// Notification tells a local account that something happened.
type Notification struct {
	ID            ID
	AccountID     ID
	FromAccountID ID
	Type          string
	StatusID      ID
	ReportID      ID // admin.report: the report
	EventID       ID // event_reminder: the event
	ProposalID    ID // proposal_refused: the proposal
	CommunityID   ID // join_request, join_accepted, join_refused: the community
	CreatedAt     time.Time
}

// InsertNotification stores a notification.
func (tx *Tx) InsertNotification(ctx context.Context, n *Notification) error {
	if n.ID == 0 {
		n.ID = tx.NewID()
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = tx.now
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO notifications (id, account_id, from_account_id, type, status_id, report_id, event_id, proposal_id, community_id, created_at)
VALUES (?,?,?,?,?,?,?,?,?,?)`, n.ID, n.AccountID, n.FromAccountID, n.Type, nullID(n.StatusID), nullID(n.ReportID), nullID(n.EventID),
		nullID(n.ProposalID), nullID(n.CommunityID), millis(n.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert notification: %w", err)
	}
	return nil
}

// Notifications lists a local account's notifications, newest first.
func (q queries) Notifications(ctx context.Context, account ID, p Page) ([]Notification, error) {
	cond, args, order := p.where("id")
	out, err := queryAll(ctx, q.q, scanNotification, `SELECT `+notificationColumns+`
FROM notifications WHERE account_id = ? AND `+cond+` ORDER BY `+order+` LIMIT ?`,
		append(append([]any{account}, args...), p.limit())...)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	if p.MinID != 0 && p.MaxID == 0 {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, nil
}

// DeleteNotificationsFrom removes notifications of a type that from caused
// for account (an undone like or follow).
func (tx *Tx) DeleteNotificationsFrom(ctx context.Context, account, from ID, typ string, status ID) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM notifications WHERE account_id = ? AND from_account_id = ?
AND type = ? AND coalesce(status_id, 0) = ?`, account, from, typ, status)
	if err != nil {
		return fmt.Errorf("delete notifications: %w", err)
	}
	return nil
}

// LocalRebloggerIDs returns the local accounts that boosted status.
func (q queries) LocalRebloggerIDs(ctx context.Context, status ID) ([]ID, error) {
	out, err := q.ids(ctx, `SELECT s.account_id FROM statuses s JOIN accounts a ON a.id = s.account_id
WHERE s.reblog_of_id = ? AND a.domain = ''`, status)
	if err != nil {
		return nil, fmt.Errorf("local rebloggers: %w", err)
	}
	return out, nil
}
