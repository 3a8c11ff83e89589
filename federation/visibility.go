package federation

import (
	"context"
	"fmt"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// CanSee reports whether viewer (the zero Account: anonymous) may see st
// when asking for it by itself: activitypub.CanSee, with the facts read
// from the store. Every path that shows one status asks it: the client
// API, its streams, search, pages, ActivityPub fetches, push, and the
// engine before it delivers, replies to, likes or counts a vote on one.
// A storage error is returned, never read as "no": inside a transaction
// a quiet "no" would commit a partial result, and a handler answers 500.
func (e *Engine) CanSee(ctx context.Context, viewer storage.Account, st storage.Status) (bool, error) {
	return canSee(ctx, e.store, viewer, st)
}

// visibilityReader is what the visibility rule reads: the store, or a
// transaction (whose own writes it then sees, and whose failure it shares).
type visibilityReader interface {
	Viewing(ctx context.Context, viewer storage.ID, st storage.Status) (activitypub.Viewing, error)
}

// canSee is CanSee reading through r.
func canSee(ctx context.Context, r visibilityReader, viewer storage.Account, st storage.Status) (bool, error) {
	v, err := r.Viewing(ctx, viewer.ID, st)
	if err != nil {
		return false, fmt.Errorf("can see %s: %w", st.URI, err)
	}
	return activitypub.CanSee(v), nil
}

// CanSeeCommunity reports whether viewer (the zero Account: anonymous)
// may read what community g shows beyond its profile: its threads,
// members, moderation log and feed (activitypub.CanSeeCommunity, facts
// from the store). Each post listed there still asks CanSee.
func (e *Engine) CanSeeCommunity(ctx context.Context, viewer, g storage.Account) (bool, error) {
	v, err := e.store.CommunityViewing(ctx, viewer.ID, g.ID)
	if err != nil {
		return false, fmt.Errorf("can see community %s: %w", g.URI, err)
	}
	return activitypub.CanSeeCommunity(v), nil
}

// VisibleFollows is rows, a page of someone's followers or follows as
// shown to viewer, without the members-only communities viewer may not
// see (CanSeeCommunity). A community's member list is for its members
// only; listed in each member's follows it would be open to anyone who
// walked them. The counts stay whole, as the community's own count is.
func (e *Engine) VisibleFollows(ctx context.Context, viewer storage.Account, rows []storage.ListedAccount) ([]storage.ListedAccount, error) {
	var groups []storage.ID
	for _, l := range rows {
		if l.Account.ActorType == activitypub.TypeGroup {
			groups = append(groups, l.Account.ID)
		}
	}
	if len(groups) == 0 {
		return rows, nil
	}
	viewings, err := e.store.CommunityViewings(ctx, viewer.ID, groups) // one query for the page
	if err != nil {
		return nil, fmt.Errorf("visible follows: %w", err)
	}
	out := rows[:0:0]
	for _, l := range rows {
		if l.Account.ActorType == activitypub.TypeGroup && !activitypub.CanSeeCommunity(viewings[l.Account.ID]) {
			continue
		}
		out = append(out, l)
	}
	return out, nil
}
