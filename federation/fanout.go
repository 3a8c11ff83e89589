package federation

import (
	"context"
	"errors"
	"fmt"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// fanOut is deliverLocal's part for members: it hands a new status (or
// reblog) to its readers here, the same for a local post and one that
// arrived from a peer. It puts it in local home feeds and conversations,
// notifies the local accounts it mentions and the followers who asked to
// hear of every post, and emits the events that the streams (user, list,
// hashtag, public, direct) and push notifications read; list timelines
// read the statuses themselves; and it queues the status's link preview
// (queueLinkCard). Accounts that block the author get
// nothing. A storage error is returned, so the caller's transaction rolls
// back rather than commit a status that reached only some of its readers.
//
// Only deliverLocal calls it, and storeNote for a note that reached here
// by a fetch or inside a remote Group's announce rather than addressed
// here: it reaches its readers, and no Group.
func (e *Engine) fanOut(ctx context.Context, tx *storage.Tx, st storage.Status, author storage.Account) error {
	e.queueLinkCard(tx, st, false)
	var feed []storage.ID
	if author.Local() {
		feed = append(feed, author.ID)
	}
	if st.Visibility != activitypub.Direct {
		followers, err := tx.LocalFollowers(ctx, author.ID)
		if err != nil {
			return err
		}
		for _, f := range followers {
			// A boost reaches only followers who did not hide its
			// booster's boosts.
			if st.ReblogOfID == 0 || f.ShowReblogs {
				feed = append(feed, f.ID)
			}
			// Followers who asked to hear of every post get a "status"
			// notification for an original, non-direct one.
			if st.ReblogOfID != 0 || !f.Notify {
				continue
			}
			if err := e.notifyID(ctx, tx, f.ID, author, storage.NotifyStatus, st.ID); err != nil {
				return err
			}
		}
	}
	// The local members it names, each once, who may read it: not the
	// author, not a community hosted here (the post reached it through
	// deliverLocal, communityReceive, not as a mention), not one who
	// blocks the author (read for all of them at once).
	mentioned := make(map[storage.ID]bool, len(st.Mentions))
	var readers []storage.ID
	for _, m := range st.Mentions {
		if m == author.ID || mentioned[m] {
			continue // one notification a member, however often named
		}
		mentioned[m] = true
		acct, err := tx.AccountByIDWithoutKeys(ctx, m)
		if errors.Is(err, storage.ErrNotFound) {
			continue // deleted since the status named it
		}
		if err != nil {
			return fmt.Errorf("fan out %s: mention: %w", st.URI, err)
		}
		if acct.Local() && acct.ActorType != activitypub.TypeGroup {
			readers = append(readers, m)
		}
	}
	mentionBlockers, err := tx.BlockersOf(ctx, readers, author.ID)
	if err != nil {
		return fmt.Errorf("fan out %s: %w", st.URI, err)
	}
	for _, m := range readers {
		if mentionBlockers[m] {
			continue
		}
		// A limited author reaches only their followers: the facts are
		// the visibility rule's (qAuthorLimited, read by Viewing), and
		// the condition is the one activitypub.Listed applies.
		v, err := tx.Viewing(ctx, m, st)
		if err != nil {
			return fmt.Errorf("fan out %s: mention: %w", st.URI, err)
		}
		if v.AuthorLimited && !v.Follows {
			continue
		}
		if st.Visibility == activitypub.Direct {
			feed = append(feed, m)
		}
		n := storage.Notification{AccountID: m, FromAccountID: author.ID, Type: storage.NotifyMention, StatusID: st.ID}
		if err := tx.InsertNotification(ctx, &n); err != nil {
			return err
		}
		e.emit(tx, Event{Kind: EventNotification, NotificationID: n.ID, Home: []storage.ID{m}})
	}
	if st.Visibility == activitypub.Public && st.ReblogOfID == 0 && len(st.Tags) > 0 {
		// Members who follow one of its hashtags, and not the author.
		tagFollowers, err := tx.TagFollowerIDs(ctx, st.Tags, author.ID)
		if err != nil {
			return err
		}
		feed = append(feed, tagFollowers...)
	}
	blockers, err := tx.BlockersOf(ctx, feed, author.ID)
	if err != nil {
		return fmt.Errorf("fan out %s: %w", st.URI, err)
	}
	var allowed []storage.ID
	for _, id := range feed {
		if id == author.ID || !blockers[id] {
			allowed = append(allowed, id)
		}
	}
	if err := tx.AddToHomeFeeds(ctx, st.ID, allowed); err != nil {
		return err
	}
	if err := e.recordConversation(ctx, tx, st, allowed); err != nil {
		return err
	}
	ev := Event{Kind: EventUpdate, StatusID: st.ID, Home: allowed, Local: author.Local(), Tags: st.Tags,
		Public: st.Visibility == activitypub.Public && st.ReblogOfID == 0}
	if st.Visibility == activitypub.Direct {
		ev.Direct = append([]storage.ID{author.ID}, st.Mentions...)
	}
	e.emit(tx, ev)
	return nil
}

// notify records a notification for a local account, unless it is the
// actor's own doing or the account blocks the actor.
func (e *Engine) notify(ctx context.Context, tx *storage.Tx, to, from storage.Account, typ string, status storage.ID) error {
	if !to.Local() {
		return nil
	}
	return e.notifyID(ctx, tx, to.ID, from, typ, status)
}

// notifyID is notify for a local account known by ID.
func (e *Engine) notifyID(ctx context.Context, tx *storage.Tx, to storage.ID, from storage.Account, typ string, status storage.ID) error {
	if to == from.ID {
		return nil
	}
	if blocked, err := tx.Blocks(ctx, to, from.ID); err != nil || blocked {
		return err
	}
	n := storage.Notification{AccountID: to, FromAccountID: from.ID, Type: typ, StatusID: status}
	if err := tx.InsertNotification(ctx, &n); err != nil {
		return err
	}
	e.emit(tx, Event{Kind: EventNotification, NotificationID: n.ID, Home: []storage.ID{to}})
	return nil
}
