package federation

import (
	"context"
	"errors"
	"fmt"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// MaxPinned is how many posts a member may pin, as on Mastodon.
const MaxPinned = 5

// Bookmark keeps a status in a member's private bookmarks.
func (e *Engine) Bookmark(ctx context.Context, account, status storage.ID) error {
	return e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.Bookmark(ctx, account, status) })
}

// Unbookmark removes a status from a member's bookmarks.
func (e *Engine) Unbookmark(ctx context.Context, account, status storage.ID) error {
	return e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.Unbookmark(ctx, account, status) })
}

// MuteConversation stops notifications from the thread of a status.
func (e *Engine) MuteConversation(ctx context.Context, account, status storage.ID) error {
	return e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.MuteConversation(ctx, account, status) })
}

// UnmuteConversation lifts a conversation mute.
func (e *Engine) UnmuteConversation(ctx context.Context, account, status storage.ID) error {
	return e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.UnmuteConversation(ctx, account, status) })
}

// DismissNotification deletes one of a member's notifications.
func (e *Engine) DismissNotification(ctx context.Context, account, id storage.ID) error {
	return e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.DismissNotification(ctx, account, id) })
}

// ClearNotifications deletes all of a member's notifications.
func (e *Engine) ClearNotifications(ctx context.Context, account storage.ID) error {
	return e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.ClearNotifications(ctx, account) })
}

// Pin features a member's own post on their profile, with Mastodon's
// rules: not a boost, not a direct message, at most MaxPinned. The
// featured collection changes, so followers' nodes are sent an Add.
func (e *Engine) Pin(ctx context.Context, accountID, statusID storage.ID) error {
	return e.pin(ctx, accountID, statusID, true)
}

// Unpin stops featuring a post, with a Remove to followers' nodes.
func (e *Engine) Unpin(ctx context.Context, accountID, statusID storage.ID) error {
	return e.pin(ctx, accountID, statusID, false)
}

func (e *Engine) pin(ctx context.Context, accountID, statusID storage.ID, pin bool) error {
	me, err := e.localAccount(ctx, accountID)
	if err != nil {
		return err
	}
	st, err := e.store.StatusByID(ctx, statusID)
	if err != nil {
		return fmt.Errorf("pin %d: %w", statusID, err)
	}
	if pin {
		switch {
		case st.ReblogOfID != 0:
			return invalid("Validation failed: A boost cannot be pinned")
		case st.AccountID != me.ID:
			return invalid("Validation failed: Someone else's post cannot be pinned")
		case st.Visibility == activitypub.Direct:
			return invalid("Validation failed: Posts that are only visible to mentioned users cannot be pinned")
		}
	}
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		var changed bool
		var err error
		if pin {
			changed, err = tx.Pin(ctx, me.ID, st.ID, MaxPinned)
		} else {
			changed, err = tx.Unpin(ctx, me.ID, st.ID)
		}
		if errors.Is(err, storage.ErrLimit) {
			return invalid("Validation failed: You have already pinned the maximum number of posts")
		}
		if err != nil || !changed {
			return err
		}
		inboxes, err := tx.FollowerInboxes(ctx, me.ID)
		if err != nil {
			return err
		}
		typ := "Add"
		if !pin {
			typ = "Remove"
		}
		act := activitypub.Activity{ID: e.urls.Activity(me.Username, tx.NewID()), Type: typ, Actor: me.URI,
			To: []string{activitypub.PublicIRI}, CC: []string{me.Followers}, Target: me.Featured,
			Object: activitypub.Object{IRI: st.URI}}
		return e.publish(ctx, tx, me, act, false, inboxes)
	})
}
