package federation

import (
	"context"
	"errors"
	"fmt"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// errActorNotReady makes applyInTx give way to the slower path of
// applyThen: the actor must be fetched (unknown, or due for a refresh).
var errActorNotReady = errors.New("federation: actor must be fetched first")

// needsNetwork reports whether applying an activity of type typ needs
// work on the network before its transaction (applyThen does it).
func needsNetwork(typ string) bool {
	return typ == activitypub.TypeAnnounce || typ == activitypub.TypeUpdate || typ == activitypub.TypeMove
}

// applyInTx is applyThen for the usual case: an activity whose actor is
// stored and fresh (its signature was checked with that actor's key
// moments ago) and that needs nothing from the network. It reads the
// actor and the accounts a note mentions inside the batch transaction,
// on the writer's connection. Under load this halves what those reads
// cost: every commit invalidates the page cache of the pool's reader
// connections (and, with mmap, their mapping), so the same lookups on a
// reader cost about as much as the whole write that follows them; the
// writer's own cache stays warm. It returns errActorNotReady, having
// written nothing, when the actor must be fetched first.
func (e *Engine) applyInTx(ctx context.Context, act activitypub.Activity, then func(*storage.Tx) error) error {
	if act.Type == activitypub.TypeCreate && act.Object.Note == nil && !proposalOnly(act.Object.Type) {
		return invalid("Create %s has no embedded object", act.ID)
	}
	return e.store.InBatch(ctx, func(tx *storage.Tx) error {
		// Without its keys: its signature was checked already, and a
		// remote actor signs nothing here.
		actor, err := tx.AccountByURIWithoutKeys(ctx, act.Actor)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && !actor.Local() && e.now().Sub(actor.FetchedAt) >= actorRefresh) {
			return errActorNotReady
		}
		if err != nil {
			return fmt.Errorf("actor of %s: %w", act.ID, err)
		}
		if actor.Local() {
			return fmt.Errorf("activity %s claims a local actor: %w", act.ID, ErrDenied)
		}
		var pre prefetched
		if act.Type == activitypub.TypeCreate && act.Object.Note != nil {
			pre.mentions = e.knownMentions(ctx, tx, *act.Object.Note, actor.Followers)
		}
		return e.applyFresh(ctx, tx, actor, act, pre, then)
	})
}

// applyFresh applies act unless it was applied before (by activity id),
// then runs then (if not nil) in the same transaction either way.
func (e *Engine) applyFresh(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity, pre prefetched, then func(*storage.Tx) error) error {
	fresh, err := tx.MarkProcessed(ctx, act.ID)
	if err != nil {
		return err
	}
	if fresh {
		if err := e.apply(ctx, tx, actor, act, pre); err != nil {
			return err
		}
	}
	if then != nil {
		return then(tx)
	}
	return nil
}

// accountReader is what knownMentions reads, without keys: the store's
// readers, or a transaction.
type accountReader interface {
	AccountByURIWithoutKeys(ctx context.Context, uri string) (storage.Account, error)
	AccountByUsernameWithoutKeys(ctx context.Context, username string) (storage.Account, error)
}
