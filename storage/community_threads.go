package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CommunityPost is where a status stands in a community: the Group it
// belongs to (hosted here or on another node), the first post of its
// thread, and the thread's context collection as its author named it.
type CommunityPost struct {
	StatusID ID
	GroupID  ID
	RootID   ID
	Context  string
}

const qAddCommunityPost = `INSERT INTO community_threads (status_id, group_id, root_id, context)
VALUES (?, ?, ?, ?) ON CONFLICT (status_id) DO UPDATE SET context = excluded.context
WHERE community_threads.context = '' AND community_threads.group_id = excluded.group_id`

// AddCommunityPost records that a status belongs to a community's thread;
// a status is recorded once, in the first community that took it. A
// context learnt later (a Group's announces come in either order) is
// kept.
func (tx *Tx) AddCommunityPost(ctx context.Context, p CommunityPost) error {
	if p.RootID == 0 {
		p.RootID = p.StatusID
	}
	_, err := tx.exec(ctx, "add community post", qAddCommunityPost, p.StatusID, p.GroupID, p.RootID, p.Context)
	return err
}

// qCommunityPost reads the community_threads row, and for a status a
// Group hosted here accepted before that table existed (or that came by
// another path), community_statuses: the status is then its own root.
const qCommunityPost = `SELECT status_id, group_id, root_id, context FROM community_threads WHERE status_id = ?1
UNION ALL
SELECT status_id, community_id, status_id, '' FROM community_statuses
WHERE status_id = ?1 AND NOT EXISTS (SELECT 1 FROM community_threads WHERE status_id = ?1)`

// CommunityPost returns where a status stands in a community, or
// ErrNotFound when it belongs to none.
func (q queries) CommunityPost(ctx context.Context, statusID ID) (CommunityPost, error) {
	var p CommunityPost
	err := q.q.QueryRowContext(ctx, qCommunityPost, statusID).Scan(&p.StatusID, &p.GroupID, &p.RootID, &p.Context)
	if errors.Is(err, sql.ErrNoRows) {
		return CommunityPost{}, ErrNotFound
	}
	if err != nil {
		return CommunityPost{}, fmt.Errorf("community post %d: %w", statusID, err)
	}
	return p, nil
}

const qThreadStatusIDs = `SELECT status_id FROM community_threads WHERE root_id = ?1 AND status_id <> ?1
ORDER BY status_id LIMIT ?2`

// ThreadStatusIDs lists the statuses of the community thread whose first
// post is root, root first, then the others oldest first, at most limit.
func (q queries) ThreadStatusIDs(ctx context.Context, root ID, limit int) ([]ID, error) {
	if limit <= 0 {
		limit = 1000
	}
	out, err := queryAll(ctx, q.q, func(r scanner) (ID, error) {
		var id ID
		return id, r.Scan(&id)
	}, qThreadStatusIDs, root, limit-1)
	if err != nil {
		return nil, fmt.Errorf("thread %d: %w", root, err)
	}
	return append([]ID{root}, out...), nil
}

// RemoteCommunity is what a remote Group states of itself beyond its
// actor, as of its last Update{Group}.
type RemoteCommunity struct {
	AccountID         ID
	PostingRestricted bool // only its moderators post
	MembersOnly       bool // its content is for its members only
	ModeratorsURL     string
	UpdatedAt         time.Time
}

const qSetRemoteCommunity = `INSERT INTO remote_communities (account_id, posting_restricted, members_only, moderators_url, updated_at)
VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET
posting_restricted = excluded.posting_restricted, members_only = excluded.members_only,
moderators_url = excluded.moderators_url, updated_at = excluded.updated_at`

// SetRemoteCommunity stores what a remote Group says of itself.
func (tx *Tx) SetRemoteCommunity(ctx context.Context, c RemoteCommunity) error {
	_, err := tx.exec(ctx, "set remote community", qSetRemoteCommunity, c.AccountID, c.PostingRestricted, c.MembersOnly, c.ModeratorsURL, millis(tx.now))
	return err
}

const qRemoteCommunity = `SELECT account_id, posting_restricted, members_only, moderators_url, updated_at FROM remote_communities WHERE account_id = ?`

// RemoteCommunity returns what a remote Group last said of itself, or
// ErrNotFound.
func (q queries) RemoteCommunity(ctx context.Context, id ID) (RemoteCommunity, error) {
	var c RemoteCommunity
	var updated int64
	err := q.q.QueryRowContext(ctx, qRemoteCommunity, id).Scan(&c.AccountID, &c.PostingRestricted, &c.MembersOnly, &c.ModeratorsURL, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return RemoteCommunity{}, ErrNotFound
	}
	if err != nil {
		return RemoteCommunity{}, fmt.Errorf("remote community %d: %w", id, err)
	}
	c.UpdatedAt = fromMillis(updated)
	return c, nil
}

const qUpdateCommunity = `UPDATE communities SET description_source = ?, rules = ?, language = ?,
join_policy = ?, posting_policy = ?, visibility = ? WHERE account_id = ?`

// UpdateCommunity saves a community's edited description, rules,
// language and policies.
func (tx *Tx) UpdateCommunity(ctx context.Context, c Community) error {
	tx.holdCommunities()
	res, err := tx.exec(ctx, "update community", qUpdateCommunity, c.DescriptionSource, c.Rules, c.Language,
		c.JoinPolicy, c.PostingPolicy, c.Visibility, c.AccountID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("update community %d: %w", c.AccountID, cmpErr(err, ErrNotFound))
	}
	return nil
}

func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

const qCommunityPostIDsBy = `SELECT c.status_id FROM community_threads c JOIN statuses s ON s.id = c.status_id
WHERE c.group_id = ? AND s.account_id = ? ORDER BY c.status_id DESC LIMIT ?`

// CommunityPostIDsBy lists, newest first, at most limit statuses of one
// author that this node holds as belonging to a community, hosted here
// or on another node (a ban with removeData removes them).
func (q queries) CommunityPostIDsBy(ctx context.Context, groupID, accountID ID, limit int) ([]ID, error) {
	out, err := queryAll(ctx, q.q, func(r scanner) (ID, error) {
		var id ID
		return id, r.Scan(&id)
	}, qCommunityPostIDsBy, groupID, accountID, limit)
	if err != nil {
		return nil, fmt.Errorf("community posts by author: %w", err)
	}
	return out, nil
}
