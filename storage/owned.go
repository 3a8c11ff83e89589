package storage

import (
	"context"
	"fmt"
)

// Owned names a kind of row a member keeps for themself, which the
// engine bounds per member (federation/quotas.go).
type Owned int

const (
	OwnedLists Owned = iota
	OwnedFilters
	OwnedFilterKeywords // of all the member's filters
	OwnedFilterStatuses // of all the member's filters
	OwnedFollowedTags
	OwnedDomainBlocks
	OwnedFollows // follows and requests to follow
	OwnedPushSubscriptions
	OwnedCommunities // communities created
)

// ownedQueries count each kind for one member: by an index, but for the
// communities created (a node has few).
var ownedQueries = [...]string{
	OwnedLists:          `SELECT count(*) FROM lists WHERE account_id = ?1`,
	OwnedFilters:        `SELECT count(*) FROM filters WHERE account_id = ?1`,
	OwnedFilterKeywords: `SELECT count(*) FROM filters f JOIN filter_keywords k ON k.filter_id = f.id WHERE f.account_id = ?1`,
	OwnedFilterStatuses: `SELECT count(*) FROM filters f JOIN filter_statuses s ON s.filter_id = f.id WHERE f.account_id = ?1`,
	OwnedFollowedTags:   `SELECT count(*) FROM followed_tags WHERE account_id = ?1`,
	OwnedDomainBlocks:   `SELECT count(*) FROM user_domain_blocks WHERE account_id = ?1`,
	OwnedFollows: `SELECT (SELECT count(*) FROM follows WHERE account_id = ?1) +
(SELECT count(*) FROM follow_requests WHERE account_id = ?1)`,
	OwnedPushSubscriptions: `SELECT count(*) FROM push_subscriptions WHERE account_id = ?1`,
	OwnedCommunities:       `SELECT count(*) FROM communities WHERE created_by = ?1`,
}

// CountOwned counts the rows of kind that owner keeps.
func (q queries) CountOwned(ctx context.Context, kind Owned, owner ID) (int, error) {
	if kind < 0 || int(kind) >= len(ownedQueries) {
		return 0, fmt.Errorf("count owned: no kind %d", kind)
	}
	var n int
	if err := q.q.QueryRowContext(ctx, ownedQueries[kind], owner).Scan(&n); err != nil {
		return 0, fmt.Errorf("count owned %d of %d: %w", kind, owner, err)
	}
	return n, nil
}
