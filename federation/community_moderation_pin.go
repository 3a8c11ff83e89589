package federation

import (
	"context"
	"errors"
	"fmt"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// MaxCommunityPins is how many threads a community features at once.
const MaxCommunityPins = 10

// PinThread features (or, with pin false, stops featuring) a thread of a
// community hosted here: it joins the Group's featured collection, and
// the moderator's Add (or Remove) with that collection as target is
// announced by the Group, as Lemmy and Mbin pin.
func (e *Engine) PinThread(ctx context.Context, moderator storage.Account, groupID, statusID storage.ID, pin bool) error {
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		if g, remote, err := e.remoteModerated(ctx, tx, moderator, groupID); err != nil || remote {
			if err != nil {
				return err
			}
			return e.pinRemote(ctx, tx, moderator, g, statusID, pin)
		}
		m, err := e.moderate(ctx, tx, moderator, groupID)
		if err != nil {
			return err
		}
		in, err := tx.CommunityOfStatus(ctx, statusID)
		if err != nil || in != m.group.ID {
			return fmt.Errorf("status %d in %s: %w", statusID, m.group.Acct(), storage.ErrNotFound)
		}
		st, err := tx.StatusByID(ctx, statusID)
		if err != nil {
			return err
		}
		if st.InReplyToURI != "" {
			return invalid("only a thread's first post can be pinned")
		}
		author, err := tx.AccountByID(ctx, st.AccountID)
		if err != nil {
			return err
		}
		var changed bool
		typ, action := "Add", storage.ModPin
		if pin {
			changed, err = tx.Pin(ctx, m.group.ID, st.ID, MaxCommunityPins)
		} else {
			typ, action = "Remove", storage.ModUnpin
			changed, err = tx.Unpin(ctx, m.group.ID, st.ID)
		}
		if errors.Is(err, storage.ErrLimit) {
			return invalid("the community already features %d threads", MaxCommunityPins)
		}
		if err != nil || !changed {
			return err
		}
		act := map[string]any{"id": e.urls.Activity(moderator.Username, tx.NewID()), "type": typ,
			"actor": moderator.URI, "object": st.URI, "target": e.urls.Featured(m.group.Username),
			"to": []string{activitypub.PublicIRI}, "cc": []string{m.group.URI}, "audience": m.group.URI}
		if err := e.announceModeration(ctx, tx, m, act, author); err != nil {
			return err
		}
		return tx.AppendModerationLog(ctx, &storage.ModerationEntry{CommunityID: m.group.ID, ModeratorID: moderator.ID,
			ModeratorURI: moderator.URI, Action: action, Target: st.URI, ActivityURI: act["id"].(string)})
	})
}

// applyRemotePin features (or stops featuring) a thread of a remote
// community on this node's copy of the Group, as its Announce{Add} or
// Announce{Remove} said.
func (e *Engine) applyRemotePin(ctx context.Context, tx *storage.Tx, g storage.Account, iri string, pin bool, entry storage.ModerationEntry) error {
	st, err := tx.StatusByURI(ctx, iri)
	if err != nil {
		return ignoreNotFound(err)
	}
	in, err := e.inRemoteCommunity(ctx, tx, st, g)
	if err != nil {
		return err
	}
	if !in {
		return fmt.Errorf("pin of %s, not in %s: %w", st.URI, g.URI, ErrDenied)
	}
	var changed bool
	entry.Action, entry.Target = storage.ModPin, st.URI
	if pin {
		changed, err = tx.Pin(ctx, g.ID, st.ID, MaxCommunityPins)
	} else {
		entry.Action = storage.ModUnpin
		changed, err = tx.Unpin(ctx, g.ID, st.ID)
	}
	if errors.Is(err, storage.ErrLimit) {
		return nil // more than this node keeps: the Group's own collection stays the truth
	}
	if err != nil || !changed {
		return err
	}
	return tx.AppendModerationLog(ctx, &entry)
}
