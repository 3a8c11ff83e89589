package federation

import (
	"context"
	"errors"
	"fmt"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// TypeLock is Lemmy's activity that closes a thread to new replies; its
// Undo opens it again. go-fed does not know it.
const TypeLock = "Lock"

// LockThread locks (or, with lock false, unlocks) a thread of a
// community hosted here: the moderator's Lock, or Undo{Lock}, announced
// by the Group. A locked thread takes no new replies but its moderators'.
func (e *Engine) LockThread(ctx context.Context, moderator storage.Account, groupID, statusID storage.ID, lock bool, reason string) error {
	reason, err := cleanReason(reason)
	if err != nil {
		return err
	}
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		if g, remote, err := e.remoteModerated(ctx, tx, moderator, groupID); err != nil || remote {
			if err != nil {
				return err
			}
			return e.lockRemote(ctx, tx, moderator, g, statusID, lock, reason)
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
			return invalid("only a thread's first post can be locked")
		}
		author, err := tx.AccountByID(ctx, st.AccountID)
		if err != nil {
			return err
		}
		addr := func(a map[string]any) map[string]any {
			a["to"], a["cc"], a["audience"] = []string{activitypub.PublicIRI}, []string{m.group.URI}, m.group.URI
			return a
		}
		act := addr(map[string]any{"id": e.urls.Activity(moderator.Username, tx.NewID()), "type": TypeLock,
			"actor": moderator.URI, "object": st.URI})
		if reason != "" {
			act["summary"] = reason
		}
		if !lock {
			if err := embedSentLock(ctx, tx, st.ID, act); err != nil {
				return err
			}
		}
		by := storage.ThreadLock{URI: act["id"].(string), ActorURI: moderator.URI}
		if err := tx.SetThreadLocked(ctx, m.group.ID, st.ID, lock, by); err != nil {
			return err
		}
		action := storage.ModLock
		if !lock {
			action = storage.ModUnlock
			act = addr(map[string]any{"id": e.urls.Activity(moderator.Username, tx.NewID()), "type": activitypub.TypeUndo,
				"actor": moderator.URI, "object": act})
			if reason != "" {
				act["summary"] = reason
			}
		}
		if err := e.announceModeration(ctx, tx, m, act, author); err != nil {
			return err
		}
		return tx.AppendModerationLog(ctx, &storage.ModerationEntry{CommunityID: m.group.ID, ModeratorID: moderator.ID,
			ModeratorURI: moderator.URI, Action: action, Target: st.URI, Reason: reason, ActivityURI: act["id"].(string)})
	})
}

// mayPostIn is mayPost for a post st: a reply also needs its thread to
// be open, unless a moderator writes it.
func (e *Engine) mayPostIn(ctx context.Context, tx *storage.Tx, g storage.Account, c storage.Community, author storage.Account, st storage.Status) (bool, string, error) {
	s, err := tx.StandingIn(ctx, g.ID, author.ID)
	if err != nil {
		return false, "", err
	}
	ok, why := postingRule(s, c, tx.Now())
	if !ok || st.InReplyToID == 0 || s.Moderator {
		return ok, why, nil
	}
	root, err := threadRoot(ctx, tx, st)
	if err != nil {
		return false, "", err
	}
	locked, err := tx.ThreadLocked(ctx, root.ID)
	if err != nil || locked {
		return false, "this thread is locked: it takes no new replies", err
	}
	return true, "", nil
}

// threadRoot is the first post of st's thread as far as this node knows
// it (maxThreadWalk posts up at most).
func threadRoot(ctx context.Context, tx *storage.Tx, st storage.Status) (storage.Status, error) {
	for range maxThreadWalk {
		if st.InReplyToID == 0 {
			return st, nil
		}
		parent, err := tx.StatusByID(ctx, st.InReplyToID)
		if errors.Is(err, storage.ErrNotFound) {
			return st, nil
		}
		if err != nil {
			return storage.Status{}, err
		}
		st = parent
	}
	return st, nil
}

// embedSentLock makes lock, the Lock an Undo{Lock} of the thread whose
// first post is thread embeds, the Lock that locked it: its id and actor
// as sent (every Undo embeds the activity it takes back; a peer matching
// by id would keep the thread locked otherwise). A thread not locked, or
// locked before the Lock was kept, keeps lock as made.
func embedSentLock(ctx context.Context, tx *storage.Tx, thread storage.ID, lock map[string]any) error {
	sent, err := tx.ThreadLockOf(ctx, thread)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if sent.URI != "" {
		lock["id"], lock["actor"] = sent.URI, sent.ActorURI
		delete(lock, "summary") // the reason is the Undo's
	}
	return nil
}
