package federation

import (
	"context"

	"github.com/copse-dev/copse/storage"
)

// What one member may keep of each kind of row that is theirs alone.
// Each stays until they remove it, and most are read again on every
// timeline page or stream event (filters, lists, domain blocks) or make
// work on every post (follows, push subscriptions): without a bound one
// member's script could fill the database or slow every page they read.
// The bounds are far above what a person uses; Mastodon's where it has
// one (7,500 follows).
var quotas = map[storage.Owned]struct {
	max  int
	what string
}{
	storage.OwnedLists:             {50, "lists"},
	storage.OwnedFilters:           {100, "filters"},
	storage.OwnedFilterKeywords:    {1_000, "filter keywords"},
	storage.OwnedFilterStatuses:    {1_000, "filtered posts"},
	storage.OwnedFollowedTags:      {500, "followed hashtags"},
	storage.OwnedDomainBlocks:      {1_000, "blocked domains"},
	storage.OwnedFollows:           {7_500, "follows"},
	storage.OwnedPushSubscriptions: {20, "push subscriptions"},
	storage.OwnedCommunities:       {50, "communities created"},
}

// roomFor refuses (422) before any work one more row of kind for owner
// when they hold their quota already: for what is dear to make (a
// community's key pair). withinQuota still checks in the transaction.
func (e *Engine) roomFor(ctx context.Context, kind storage.Owned, owner storage.ID) error {
	n, err := e.store.CountOwned(ctx, kind, owner)
	if err != nil {
		return err
	}
	return overQuota(kind, n+1)
}

// withinQuota checks, after tx added a row of kind for owner, that owner
// keeps no more than their quota; past it, the error (422) makes the
// transaction roll the row back. Adding again what is there already
// counts nothing, so it is never refused.
func withinQuota(ctx context.Context, tx *storage.Tx, kind storage.Owned, owner storage.ID) error {
	n, err := tx.CountOwned(ctx, kind, owner)
	if err != nil {
		return err
	}
	return overQuota(kind, n)
}

// overQuota refuses (422) holding n rows of kind when that is more than
// the quota.
func overQuota(kind storage.Owned, n int) error {
	if q := quotas[kind]; n > q.max {
		return invalid("Validation failed: you can have at most %d %s", q.max, q.what)
	}
	return nil
}
