package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Community policies, as stored.
const (
	JoinOpen             = "open"
	JoinApproval         = "approval"
	PostingMembers       = "members"
	PostingModerators    = "moderators"
	CommunityPublic      = "public"
	CommunityMembersOnly = "members"
)

// Community is what a community of practice has beyond its Group account
// (the account holds its handle, name, rendered description, keys and
// URLs).
type Community struct {
	AccountID         ID
	DescriptionSource string // Markdown
	Rules             string
	Language          string
	JoinPolicy        string // JoinOpen or JoinApproval
	PostingPolicy     string // PostingMembers or PostingModerators
	Visibility        string // CommunityPublic or CommunityMembersOnly
	CreatedBy         ID     // 0 once the creator's account is gone
	CreatedAt         time.Time
}

const communityColumns = `account_id, description_source, rules, language, join_policy,
posting_policy, visibility, created_by, created_at`

func scanCommunity(row scanner) (Community, error) {
	var c Community
	var createdBy sql.NullInt64
	var created int64
	err := row.Scan(&c.AccountID, &c.DescriptionSource, &c.Rules, &c.Language, &c.JoinPolicy,
		&c.PostingPolicy, &c.Visibility, &createdBy, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Community{}, ErrNotFound
	}
	if err != nil {
		return Community{}, fmt.Errorf("community: %w", err)
	}
	c.CreatedBy = ID(createdBy.Int64)
	c.CreatedAt = fromMillis(created)
	return c, nil
}

const qCommunityByAccount = `SELECT ` + communityColumns + ` FROM communities WHERE account_id = ?`

// CommunityByAccount returns the community whose Group account is id, or
// ErrNotFound (a member, a remote Group, or no account at all).
func (q queries) CommunityByAccount(ctx context.Context, id ID) (Community, error) {
	return scanCommunity(q.q.QueryRowContext(ctx, qCommunityByAccount, id))
}

const qInsertCommunity = `INSERT INTO communities (` + communityColumns + `) VALUES (?,?,?,?,?,?,?,?,?)`

// InsertCommunity stores the community row of an existing Group account.
func (tx *Tx) InsertCommunity(ctx context.Context, c *Community) error {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = tx.now
	}
	tx.holdCommunities()
	_, err := tx.tx.ExecContext(ctx, qInsertCommunity, c.AccountID, c.DescriptionSource, c.Rules, c.Language,
		c.JoinPolicy, c.PostingPolicy, c.Visibility, nullID(c.CreatedBy), millis(c.CreatedAt))
	if isUnique(err) {
		return fmt.Errorf("insert community %d: %w", c.AccountID, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("insert community %d: %w", c.AccountID, err)
	}
	return nil
}

const qAddCommunityModerator = `INSERT INTO community_moderators (community_id, account_id, added_at)
VALUES (?, ?, ?) ON CONFLICT DO NOTHING`

// AddCommunityModerator makes account a moderator of the community;
// adding one twice changes nothing.
func (tx *Tx) AddCommunityModerator(ctx context.Context, communityID, accountID ID) error {
	_, err := tx.exec(ctx, "add community moderator", qAddCommunityModerator, communityID, accountID, millis(tx.now))
	return err
}

// qCommunityModerators is a var: its column list is built from
// accountColumns at start-up.
var qCommunityModerators = `SELECT ` + prefixed("a.", accountColumns) + `
FROM community_moderators m JOIN accounts a ON a.id = m.account_id
WHERE m.community_id = ? ORDER BY m.added_at, a.id`

// CommunityModerators lists a community's moderators, first added first.
func (q queries) CommunityModerators(ctx context.Context, communityID ID) ([]Account, error) {
	out, err := queryAll(ctx, q.q, func(r scanner) (Account, error) { return scanAccount(r) }, qCommunityModerators, communityID)
	if err != nil {
		return nil, fmt.Errorf("community moderators: %w", err)
	}
	return out, nil
}

const qIsCommunityModerator = `SELECT count(*) FROM community_moderators WHERE community_id = ? AND account_id = ?`

// IsCommunityModerator reports whether account moderates the community.
func (q queries) IsCommunityModerator(ctx context.Context, communityID, accountID ID) (bool, error) {
	var n int
	if err := q.q.QueryRowContext(ctx, qIsCommunityModerator, communityID, accountID).Scan(&n); err != nil {
		return false, fmt.Errorf("is community moderator: %w", err)
	}
	return n > 0, nil
}

const qAddCommunityStatus = `INSERT INTO community_statuses (status_id, community_id) VALUES (?, ?)
ON CONFLICT (status_id) DO NOTHING`

// AddCommunityStatus records that the community accepted a status. It
// reports false when the status already belonged to a community, so a
// post delivered twice is announced once.
func (tx *Tx) AddCommunityStatus(ctx context.Context, communityID, statusID ID) (bool, error) {
	res, err := tx.exec(ctx, "add community status", qAddCommunityStatus, statusID, communityID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("add community status: %w", err)
	}
	return n > 0, nil
}

const qCommunityOfStatus = `SELECT community_id FROM community_statuses WHERE status_id = ?`

// CommunityOfStatus returns the Group account a status belongs to, or
// ErrNotFound when it belongs to none.
func (q queries) CommunityOfStatus(ctx context.Context, statusID ID) (ID, error) {
	var id ID
	err := q.q.QueryRowContext(ctx, qCommunityOfStatus, statusID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("community of status %d: %w", statusID, err)
	}
	return id, nil
}

const qInCommunity = `SELECT EXISTS (SELECT 1 FROM community_statuses WHERE status_id = ?1 AND community_id = ?2)
OR EXISTS (SELECT 1 FROM community_threads WHERE status_id = ?1 AND group_id = ?2)`

// InCommunity reports whether a status belongs to the community of
// Group group: accepted by it, hosted here, or known here as its
// content, hosted on another node.
func (q queries) InCommunity(ctx context.Context, statusID, group ID) (bool, error) {
	var in bool
	if err := q.q.QueryRowContext(ctx, qInCommunity, statusID, group).Scan(&in); err != nil {
		return false, fmt.Errorf("status %d in community %d: %w", statusID, group, err)
	}
	return in, nil
}

const qCommunityStatusIDs = `SELECT status_id FROM community_statuses
WHERE community_id = ? AND (? = 0 OR status_id < ?) ORDER BY status_id DESC LIMIT ?`

// CommunityStatusIDs lists the IDs of a community's statuses, newest
// first, older than p.MaxID when set.
func (q queries) CommunityStatusIDs(ctx context.Context, communityID ID, p Page) ([]ID, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = 20
	}
	out, err := queryAll(ctx, q.q, func(r scanner) (ID, error) {
		var id ID
		return id, r.Scan(&id)
	}, qCommunityStatusIDs, communityID, p.MaxID, p.MaxID, limit)
	if err != nil {
		return nil, fmt.Errorf("community statuses: %w", err)
	}
	return out, nil
}

// Directory orders.
const (
	DirectoryActive = "active" // latest post first
	DirectoryNew    = "new"    // newest account first
)

// qProfileDirectory lists the discoverable people and communities: local ones
// only when ?1 is 1. The instance actor (an Application) is not listed.
var qProfileDirectory = `SELECT ` + prefixed("a.", accountColumns) + `
FROM accounts a LEFT JOIN account_stats s ON s.account_id = a.id
WHERE a.actor_type IN ('Person', 'Group') AND a.discoverable = 1 AND a.suspended_at = 0
AND (?1 = 0 OR a.domain = '')
ORDER BY CASE WHEN ?2 = 'new' THEN a.created_at ELSE coalesce(s.last_status_at, 0) END DESC, a.id DESC
LIMIT ?3 OFFSET ?4`

// ProfileDirectory lists the discoverable members and communities (and, unless
// local, the remote people and groups known here), ordered by order
// (DirectoryActive or DirectoryNew), limit of them after offset.
func (q queries) ProfileDirectory(ctx context.Context, local bool, order string, limit, offset int) ([]Account, error) {
	l := 0
	if local {
		l = 1
	}
	out, err := queryAll(ctx, q.q, func(r scanner) (Account, error) { return scanAccount(r) }, qProfileDirectory, l, order, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	return out, nil
}
