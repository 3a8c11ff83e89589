package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Requests to join a community hosted on another node, kept on the node
// of a moderator who answers them there (migration 0078).

// RemoteJoinRequest is a request to join a remote community, as its
// Group announced it: who asks, and the id of their Follow, which the
// answer names.
type RemoteJoinRequest struct {
	ID          ID // when it was announced here
	CommunityID ID
	AccountID   ID
	FollowURI   string
}

const qPutRemoteJoinRequest = `INSERT INTO remote_join_requests (id, community_id, account_id, follow_uri)
VALUES (?, ?, ?, ?) ON CONFLICT (community_id, account_id) DO UPDATE SET follow_uri = excluded.follow_uri`

// PutRemoteJoinRequest records account's request to join the remote
// community communityID under the Follow followURI, reporting whether it
// is new (a repeated request only takes the Follow's latest id).
func (tx *Tx) PutRemoteJoinRequest(ctx context.Context, communityID, accountID ID, followURI string) (bool, error) {
	_, err := tx.RemoteJoinRequestOf(ctx, communityID, accountID)
	fresh := errors.Is(err, ErrNotFound)
	if err != nil && !fresh {
		return false, err
	}
	_, err = tx.exec(ctx, "put remote join request", qPutRemoteJoinRequest, tx.NewID(), communityID, accountID, followURI)
	return fresh && err == nil, err
}

const qRemoteJoinRequestOf = `SELECT id, community_id, account_id, follow_uri FROM remote_join_requests
WHERE community_id = ? AND account_id = ?`

// RemoteJoinRequestOf returns account's pending request to join the
// remote community communityID; ErrNotFound when there is none.
func (q queries) RemoteJoinRequestOf(ctx context.Context, communityID, accountID ID) (RemoteJoinRequest, error) {
	var r RemoteJoinRequest
	err := q.q.QueryRowContext(ctx, qRemoteJoinRequestOf, communityID, accountID).
		Scan(&r.ID, &r.CommunityID, &r.AccountID, &r.FollowURI)
	if errors.Is(err, sql.ErrNoRows) {
		return RemoteJoinRequest{}, ErrNotFound
	}
	if err != nil {
		return RemoteJoinRequest{}, fmt.Errorf("remote join request: %w", err)
	}
	return r, nil
}

const qDeleteRemoteJoinRequest = `DELETE FROM remote_join_requests WHERE community_id = ? AND follow_uri = ?`

// DeleteRemoteJoinRequest forgets the request to join the remote
// community communityID that the Follow followURI made, reporting whether
// there was one.
func (tx *Tx) DeleteRemoteJoinRequest(ctx context.Context, communityID ID, followURI string) (bool, error) {
	res, err := tx.exec(ctx, "delete remote join request", qDeleteRemoteJoinRequest, communityID, followURI)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

const (
	qForgetFormerModeratorsNotified = `DELETE FROM notifications WHERE community_id = ?1 AND type = 'join_request'
AND account_id NOT IN (SELECT a.id FROM community_remote_moderators m JOIN accounts a ON a.uri = m.moderator_uri
WHERE m.community_id = ?1)`
	qForgetUnmoderatedJoinRequests = `DELETE FROM remote_join_requests WHERE community_id = ?1 AND NOT EXISTS (
SELECT 1 FROM community_remote_moderators m JOIN accounts a ON a.uri = m.moderator_uri AND a.domain = ''
WHERE m.community_id = ?1)`
)

// forgetFormerModerators follows a change of the remote community
// communityID's moderators: members here it no longer lists lose their
// notifications of requests to join it, and when it lists nobody here
// its queue of requests goes.
func (tx *Tx) forgetFormerModerators(ctx context.Context, communityID ID) error {
	if _, err := tx.exec(ctx, "forget former moderators' join requests", qForgetFormerModeratorsNotified, communityID); err != nil {
		return err
	}
	_, err := tx.exec(ctx, "forget unmoderated join requests", qForgetUnmoderatedJoinRequests, communityID)
	return err
}

const fromRemoteJoinRequests = ` FROM remote_join_requests r JOIN accounts a ON a.id = r.account_id
WHERE r.community_id = ? AND a.suspended_at = 0`

// RemoteJoinRequestPage lists the accounts waiting to join the remote
// community communityID, newest request first, each with its request's ID.
func (q queries) RemoteJoinRequestPage(ctx context.Context, communityID ID, p Page) ([]ListedAccount, error) {
	out, err := q.listedAccounts(ctx, fromRemoteJoinRequests, communityID, "0", p)
	if err != nil {
		return nil, fmt.Errorf("remote join request page: %w", err)
	}
	return out, nil
}
