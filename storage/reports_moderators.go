package storage

import "context"

// The moderator changes a report's community may see: a moderator
// removed from a community hosted here, and the moderators collection
// of a remote community as its Group's Add and Remove change it.

const qRemoveCommunityModerator = `DELETE FROM community_moderators WHERE community_id = ? AND account_id = ?`

// RemoveCommunityModerator takes a moderator off a community hosted
// here; ErrNotFound when they were not one.
func (tx *Tx) RemoveCommunityModerator(ctx context.Context, communityID, accountID ID) error {
	res, err := tx.exec(ctx, "remove community moderator", qRemoveCommunityModerator, communityID, accountID)
	if err != nil {
		return err
	}
	return mustAffect(res, "remove community moderator")
}

const qAddRemoteModerator = `INSERT INTO community_remote_moderators (community_id, moderator_uri) VALUES (?, ?)
ON CONFLICT DO NOTHING`

// AddRemoteModerator records that a remote community's Group added
// uri to its moderators.
func (tx *Tx) AddRemoteModerator(ctx context.Context, communityID ID, uri string) error {
	_, err := tx.exec(ctx, "add remote moderator", qAddRemoteModerator, communityID, uri)
	return err
}

const qRemoveRemoteModerator = `DELETE FROM community_remote_moderators WHERE community_id = ? AND moderator_uri = ?`

// RemoveRemoteModerator records that a remote community's Group took
// uri off its moderators.
func (tx *Tx) RemoveRemoteModerator(ctx context.Context, communityID ID, uri string) error {
	if _, err := tx.exec(ctx, "remove remote moderator", qRemoveRemoteModerator, communityID, uri); err != nil {
		return err
	}
	return tx.forgetFormerModerators(ctx, communityID)
}

// Moderation log actions of moderators and reports.
const (
	ModAddModerator    = "add_moderator"
	ModRemoveModerator = "remove_moderator"
	ModResolveReport   = "resolve_report"
	ModReopenReport    = "reopen_report"
)

const qRemoteModerators = `SELECT moderator_uri FROM community_remote_moderators WHERE community_id = ?
ORDER BY moderator_uri LIMIT 1000`

// RemoteModerators lists a remote community's moderators as this node
// last heard of them.
func (q queries) RemoteModerators(ctx context.Context, communityID ID) ([]string, error) {
	return queryAll(ctx, q.q, func(s scanner) (string, error) {
		var u string
		return u, s.Scan(&u)
	}, qRemoteModerators, communityID)
}
