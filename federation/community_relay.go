package federation

import (
	"context"
	"errors"
	"fmt"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// What a Group hosted here relays after a post: likes, edits, deletions
// and undos of its content, and its moderators' actions, each announced
// as received (Announce{activity}). Group-aware software reads those;
// Mastodon-like software does not (Mastodon drops an Announce whose
// object is not a status), so such a node gets none of them. What it
// did get of a thread is the Group's boost, Announce{id}: when the thread
// is deleted by its author or removed by a moderator, every node that was
// sent that boost (Mastodon-like and unknown ones, and the author's own
// unless group-aware: announceInboxes) is sent Undo{Announce} embedding
// the boost as it was sent, under its own id, so the boost leaves their
// users' timelines. Nodes not known get everything, as before.
//
// The community's repertoire goes the same way: a new, edited or deleted
// artefact, glossary term or event is announced as received to the
// nodes relayInboxes picks (announceRepertoire, applyRepertoireDelete), and the
// boost of a new artefact or event, Announce{iri}, to those
// boostInboxes picks (boostObject, from announceRepertoire), which get Undo{Announce} of it when
// the item is deleted (undoObjectBoost).

// followerSet says which of a Group's followers an announce is for.
type followerSet bool

const (
	// contentFollowers: what shares the community's content (a post, a
	// reply, a boost, a like, an edit, a new artefact, term or event)
	// leaves out followers banned from it now. A ban with an end keeps
	// the membership (the follow) until it ends, not the content.
	contentFollowers followerSet = true
	// allFollowers: what takes content back or moderates (deletions,
	// removals, undos, bans, locks, moderator changes) goes to every
	// follower, banned ones too, so their nodes drop what they hold.
	allFollowers followerSet = false
)

// followerKinds returns the inboxes of g's followers in set and the
// software kind of their nodes and of the node of extraInbox ("" for
// none), as far as it is known (announceKinds).
func (e *Engine) followerKinds(ctx context.Context, tx *storage.Tx, g storage.Account, set followerSet, extraInbox string) ([]string, map[string]announceKind, error) {
	var inboxes []string
	var err error
	if set == contentFollowers {
		inboxes, err = tx.CommunityFollowerInboxes(ctx, g.ID, tx.Now())
	} else {
		inboxes, err = tx.FollowerInboxes(ctx, g.ID)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("followers of %s: %w", g.Acct(), err)
	}
	hosts := make([]string, 0, len(inboxes)+1)
	seen := make(map[string]bool, len(inboxes)+1)
	for _, in := range append(inboxes, extraInbox) {
		if h := urlHost(in); h != "" && !seen[h] {
			seen[h] = true
			hosts = append(hosts, h)
		}
	}
	kinds, err := e.announceKinds(ctx, tx, hosts)
	if err != nil {
		return nil, nil, fmt.Errorf("follower nodes of %s: %w", g.Acct(), err)
	}
	return inboxes, kinds, nil
}

// relayInboxes is, of inboxes, those whose node reads the Group's
// Announce{activity}: all but the Mastodon-like ones. concerned, a
// remote account an announced moderation concerns (its zero value for
// none), is added whatever its node runs, as it always was.
func relayInboxes(inboxes []string, kinds map[string]announceKind, concerned storage.Account) []string {
	raw, _ := announceInboxes(inboxes, kinds, "", false)
	if concerned.URI != "" && !concerned.Local() {
		raw = append(raw, concerned.DeliveryInbox())
	}
	return raw
}

// boostInboxes is, of inboxes, those whose node reads the Group's boost,
// Announce{id}: all but the group-aware ones, the split announceInboxes
// makes for a thread's boost.
func boostInboxes(inboxes []string, kinds map[string]announceKind) []string {
	_, boost := announceInboxes(inboxes, kinds, "", true)
	return boost
}

// relayToCommunity announces act, a Like, Update, Delete or Undo of
// st, content of g, as received (raw) to g's follower nodes that read
// it, and undoes g's boost of st when act deletes a thread it boosted.
func (e *Engine) relayToCommunity(ctx context.Context, tx *storage.Tx, g storage.Account, act activitypub.Activity, raw []byte, st storage.Status) error {
	set := contentFollowers // a like or an edit
	if act.Type == activitypub.TypeDelete || act.Type == activitypub.TypeUndo {
		set = allFollowers
	}
	inboxes, kinds, err := e.followerKinds(ctx, tx, g, set, "")
	if err != nil {
		return err
	}
	membersOnly, err := membersOnlyCommunity(ctx, tx, g)
	if err != nil {
		return err
	}
	if err := e.announceRawTo(ctx, tx, g, act, raw, relayInboxes(inboxes, kinds, storage.Account{}), membersOnly); err != nil {
		return err
	}
	if act.Type != activitypub.TypeDelete {
		return nil
	}
	return e.undoCommunityBoost(ctx, tx, g, st)
}

// undoCommunityBoost takes back g's boost of st, a thread being deleted
// or removed, from the nodes that were sent it: Undo{Announce} embedding
// the Announce as announceOf made it (its id, never a new one), with the
// id Unreblog gives its Undo. Nothing when g never boosted st (a reply,
// or a thread it did not take). Call it before st is deleted: the
// boost goes with it.
func (e *Engine) undoCommunityBoost(ctx context.Context, tx *storage.Tx, g storage.Account, st storage.Status) error {
	rb, err := tx.ReblogOf(ctx, g.ID, st.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("boost of %s by %s: %w", st.URI, g.Acct(), err)
	}
	author, err := tx.AccountByID(ctx, st.AccountID)
	if err != nil {
		return fmt.Errorf("author of %s: %w", st.URI, err)
	}
	_, boostTo, err := e.postAnnounceInboxes(ctx, tx, g, author, allFollowers, true) // the nodes that got the boost
	if err != nil {
		return err
	}
	announce := announceOf(rb, st, g, author)
	undo := activitypub.Activity{ID: announce.ID + "/undo", Type: activitypub.TypeUndo, Actor: g.URI,
		To: announce.To, CC: announce.CC, Object: activitypub.Object{IRI: announce.ID, Type: announce.Type, Activity: &announce}}
	return e.publish(ctx, tx, g, undo, false, boostTo)
}
