package federation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// A community that was imported on another node points to its new Group
// (issue 13 item 7). The old Group's document carries movedTo, the new
// one's alsoKnownAs names the old one (set by the import), and the old
// node sends Move{old, target new} to the Group's followers. A node that
// receives the Move makes its members follow the new Group, once the new
// Group's own document confirms the move, as Mastodon checks alsoKnownAs.

// moveFetchTimeout bounds the fetch of a Move's target, made before the
// transaction that applies the Move (a Move needs the network, as an
// Announce does), so a slow or hostile target never holds the writer.
const moveFetchTimeout = 10 * time.Second

// movedNotice is what a moved community answers a post or a join with.
func movedNotice(g storage.Account) string {
	return "this community has moved to " + g.MovedTo + ": follow it there"
}

// MoveCommunity marks the community handle, hosted here, as moved to the
// Group to (an actor URL or handle@host), which must name it in its
// alsoKnownAs (an import of its archive does). It sends Update{Group}
// with movedTo and Move to the Group's followers, and moves the local
// ones at once. Run again, it sends the Move again.
func (e *Engine) MoveCommunity(ctx context.Context, handle, to string) (moved, target storage.Account, err error) {
	g, err := e.store.AccountByUsername(ctx, handle)
	if err != nil {
		return g, target, fmt.Errorf("community %s: %w", handle, err)
	}
	if g.ActorType != activitypub.TypeGroup {
		return g, target, invalid("%s is not a community of this node", handle)
	}
	ref, err := e.ResolveAccount(ctx, to)
	if err != nil {
		return g, target, fmt.Errorf("resolve %s: %w", to, err)
	}
	if ref.Local() {
		return g, target, invalid("%s is on this node: a community moves to another node", to)
	}
	// A copy fetched now: the alias was set when the archive was
	// imported, maybe after this node last fetched the Group.
	if target, err = e.fetchActor(ctx, ref.URI); err != nil {
		return g, target, fmt.Errorf("fetch %s: %w", ref.URI, err)
	}
	if target.ActorType != activitypub.TypeGroup {
		return g, target, invalid("%s is a %s, not a community", target.URI, target.ActorType)
	}
	if !slices.Contains(target.AlsoKnownAs, g.URI) {
		return g, target, invalid("%s does not name %s in its alsoKnownAs: import this community's archive there first", target.URI, g.URI)
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		fresh, err := tx.AccountByID(ctx, g.ID) // with its keys: it is written back
		if err != nil {
			return err
		}
		g = fresh
		c, err := tx.CommunityByAccount(ctx, g.ID)
		if err != nil {
			return err
		}
		g.MovedTo = target.URI
		if err := tx.UpdateAccount(ctx, &g); err != nil {
			return err
		}
		if err := e.sendGroupUpdate(ctx, tx, g, c); err != nil { // the whole Group document, now with movedTo
			return err
		}
		return e.sendMove(ctx, tx, g, target)
	})
	if err != nil {
		return g, target, fmt.Errorf("move community %s: %w", handle, err)
	}
	e.log.InfoContext(ctx, "community moved", "community", g.Acct(), "moved_to", target.URI)
	return g, target, nil
}

// sendMove sends Move{a, target} to the nodes of a's followers and moves
// its followers here at once: a local actor (a member, or a community)
// that has moved to target.
func (e *Engine) sendMove(ctx context.Context, tx *storage.Tx, a, target storage.Account) error {
	inboxes, err := tx.FollowerInboxes(ctx, a.ID)
	if err != nil {
		return err
	}
	move := activitypub.Activity{ID: e.urls.Activity(a.Username, tx.NewID()), Type: activitypub.TypeMove,
		Actor: a.URI, To: []string{a.Followers}, Object: activitypub.Object{IRI: a.URI}, Target: target.URI}
	if err := e.publish(ctx, tx, a, move, false, inboxes); err != nil {
		return err
	}
	return e.moveFollowers(ctx, tx, a, target)
}

// applyMove applies a remote actor's Move of itself: it records where the
// actor went and, if the target's document names the actor in its
// alsoKnownAs, makes the local followers follow the target instead.
func (e *Engine) applyMove(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity, pre prefetched) error {
	if err := checkMove(actor, act); err != nil {
		return err
	}
	var target storage.Account
	var err error
	switch {
	case e.urls.IsLocal(act.Target):
		target, err = e.localTarget(ctx, tx, act.Target)
	case pre.moveTarget == nil || pre.moveTarget.ID != act.Target:
		// Fetched before the transaction (applyThen): a fetch here would
		// hold the writer, and every other write, for its whole wait.
		return fmt.Errorf("Move %s: its target was not fetched first", act.ID)
	default:
		target, err = e.storeRemoteActorTx(ctx, tx, *pre.moveTarget)
	}
	if err != nil {
		return fmt.Errorf("Move %s: %w", act.ID, err)
	}
	if !slices.Contains(target.AlsoKnownAs, actor.URI) {
		return fmt.Errorf("Move %s: %s does not name %s in its alsoKnownAs: %w", act.ID, target.URI, actor.URI, ErrDenied)
	}
	if target.MovedTo != "" {
		// As Mastodon: no moving onto an account that moved itself, or two
		// actors naming each other could bounce the followers here back
		// and forth, a Follow and an Undo each time.
		return fmt.Errorf("Move %s: %s has moved to %s itself: %w", act.ID, target.URI, target.MovedTo, ErrDenied)
	}
	old, err := tx.AccountByID(ctx, actor.ID) // with its keys: it is written back
	if err != nil {
		return err
	}
	old.MovedTo = target.URI
	if err := tx.UpdateAccount(ctx, &old); err != nil {
		return err
	}
	return e.moveFollowers(ctx, tx, old, target)
}

// checkMove refuses a Move that does not move its own actor somewhere.
func checkMove(actor storage.Account, act activitypub.Activity) error {
	if act.Object.IRI != actor.URI {
		return invalid("Move %s: %s moves %s, not itself", act.ID, actor.URI, act.Object.IRI)
	}
	if act.Target == "" || act.Target == actor.URI {
		return invalid("Move %s has no target", act.ID)
	}
	return nil
}

// fetchMoveTarget fetches the actor a Move's target names, when it is
// remote (nil for a local one), within moveFetchTimeout: its alsoKnownAs
// must be current. It runs before the transaction that applies the Move.
func (e *Engine) fetchMoveTarget(ctx context.Context, act activitypub.Activity) (*activitypub.Actor, error) {
	iri := act.Target
	if iri == "" || e.urls.IsLocal(iri) {
		return nil, nil
	}
	if !e.federates(urlHost(iri)) {
		return nil, fmt.Errorf("Move %s: target %s: %w", act.ID, iri, ErrBlockedDomain)
	}
	fctx, cancel := context.WithTimeout(ctx, moveFetchTimeout)
	defer cancel()
	body, err := e.fetcher.Get(fctx, iri)
	if err != nil {
		return nil, fmt.Errorf("Move %s: fetch target %s: %w", act.ID, iri, err)
	}
	doc, err := activitypub.ParseActor(body)
	if err != nil {
		return nil, fmt.Errorf("Move %s: target %s: %w", act.ID, iri, err)
	}
	if doc.ID != iri {
		return nil, fmt.Errorf("Move %s: target %s: document claims id %s: %w", act.ID, iri, doc.ID, ErrDenied)
	}
	return &doc, nil
}

// moveFollowers makes old's local followers follow target, with the same
// options, and stop following old. A follower blocked by or blocking the
// target only stops following old.
func (e *Engine) moveFollowers(ctx context.Context, tx *storage.Tx, old, target storage.Account) error {
	ids, err := tx.LocalFollowerIDs(ctx, old.ID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := e.moveFollow(ctx, tx, id, old, target); err != nil {
			return fmt.Errorf("move follower %d: %w", id, err)
		}
	}
	return nil
}

func (e *Engine) moveFollow(ctx context.Context, tx *storage.Tx, followerID storage.ID, old, target storage.Account) error {
	follower, err := tx.AccountByID(ctx, followerID)
	if err != nil {
		return err
	}
	f, err := tx.FollowOf(ctx, follower.ID, old.ID)
	if err != nil {
		return err
	}
	follows, err := e.noNewFollow(ctx, tx, follower, target)
	if err != nil {
		return err
	}
	if !follows {
		if err := e.askFollow(ctx, tx, follower, target, FollowOptions{ShowReblogs: f.ShowReblogs, Notify: f.Notify}); err != nil {
			return err
		}
	}
	return e.leaveFollow(ctx, tx, follower, old, f)
}

// noNewFollow reports whether follower follows target, has asked to,
// or may not (a block either way): then a move asks nothing.
func (e *Engine) noNewFollow(ctx context.Context, tx *storage.Tx, follower, target storage.Account) (bool, error) {
	if _, err := tx.FollowOf(ctx, follower.ID, target.ID); !errors.Is(err, storage.ErrNotFound) {
		return err == nil, err
	}
	if _, err := tx.FollowRequestOf(ctx, follower.ID, target.ID); !errors.Is(err, storage.ErrNotFound) {
		return err == nil, err
	}
	for _, pair := range [][2]storage.ID{{target.ID, follower.ID}, {follower.ID, target.ID}} {
		blocked, err := tx.Blocks(ctx, pair[0], pair[1])
		if err != nil || blocked {
			return blocked, err
		}
	}
	return false, nil
}
