package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// Deleting a community's repertoire: an artefact, a glossary term or an
// event goes the one way this file writes, whichever it is. Who may: one
// of its authors (an artefact's authors, a term's creator, an event's
// organiser) or a moderator of its community, wherever they sit. On the
// node that hosts the community the item is deleted (with an artefact's
// versions and files, a term's versions, an event's attendees, who are
// then reminded of nothing), and the Delete{Tombstone} is announced by
// the Group to its followers, who remove their copies. A moderator's
// delete of someone else's item is moderation: it carries the reason as
// summary and the community's public log records remove_artefact,
// remove_term or remove_event. A member of another node (a remote
// moderator, or an author) sends the Delete to the Group, whose node
// checks and applies it as if it were its own member's; anyone else's is
// answered with Reject and deletes nothing.

// repertoireItem is an artefact, a term or an event, as deleting it needs
// it.
type repertoireItem struct {
	what        string // "artefact", "term", "event": for messages
	id          storage.ID
	uri         string
	communityID storage.ID
	local       bool
	owners      []storage.ID // who may delete it besides the moderators
	formerType  string       // the Tombstone's formerType
	logAction   string       // storage.ModRemove*
	boosted     bool         // the Group boosted it when created (boostObject)
	// remove deletes its rows and returns files to remove once committed.
	remove func(ctx context.Context, tx *storage.Tx) ([]string, error)
}

func artefactItem(a storage.Artefact) repertoireItem {
	return repertoireItem{what: "artefact", id: a.ID, uri: a.URI, communityID: a.CommunityID, local: a.Local,
		owners: a.Authors, formerType: activitypub.TypeArticle, logAction: storage.ModRemoveArtefact, boosted: true,
		remove: func(ctx context.Context, tx *storage.Tx) ([]string, error) { return tx.DeleteArtefact(ctx, a.ID) }}
}

func termItem(t storage.Term) repertoireItem {
	return repertoireItem{what: "term", id: t.ID, uri: t.URI, communityID: t.CommunityID, local: t.Local,
		owners: nonZero(t.CreatedBy), formerType: activitypub.TypeDefinedTerm, logAction: storage.ModRemoveTerm,
		remove: func(ctx context.Context, tx *storage.Tx) ([]string, error) { return nil, tx.DeleteTerm(ctx, t.ID) }}
}

func eventItem(ev storage.CommunityEvent) repertoireItem {
	return repertoireItem{what: "event", id: ev.ID, uri: ev.URI, communityID: ev.CommunityID, local: ev.Local,
		owners: nonZero(ev.OrganiserID), formerType: activitypub.TypeEvent, logAction: storage.ModRemoveEvent, boosted: true,
		remove: func(ctx context.Context, tx *storage.Tx) ([]string, error) {
			return nil, tx.DeleteCommunityEvent(ctx, ev.ID)
		}}
}

func nonZero(id storage.ID) []storage.ID {
	if id == 0 {
		return nil
	}
	return []storage.ID{id}
}

// repertoireByURI is the artefact, term or event whose id is iri, or
// ErrNotFound.
func repertoireByURI(ctx context.Context, q interface {
	RepertoireByURI(context.Context, string) (storage.Repertoire, error)
}, iri string) (repertoireItem, error) {
	r, err := q.RepertoireByURI(ctx, iri)
	switch {
	case err != nil:
		return repertoireItem{}, err
	case r.Artefact.ID != 0:
		return artefactItem(r.Artefact), nil
	case r.Term.ID != 0:
		return termItem(r.Term), nil
	}
	return eventItem(r.Event), nil
}

// DeleteArtefact deletes an artefact with every version and file, by
// one of its authors or a moderator of its community (else ErrDenied);
// reason is a moderator's, for the log.
func (e *Engine) DeleteArtefact(ctx context.Context, actor storage.Account, id storage.ID, reason string) error {
	return e.deleteRepertoire(ctx, actor, reason, func(tx *storage.Tx) (repertoireItem, error) {
		a, err := tx.ArtefactByID(ctx, id)
		if err != nil {
			return repertoireItem{}, fmt.Errorf("artefact %s: %w", id, err)
		}
		return artefactItem(a), nil
	})
}

// DeleteTerm deletes a glossary term with every version, by its creator
// or a moderator of its community (else ErrDenied).
func (e *Engine) DeleteTerm(ctx context.Context, actor storage.Account, id storage.ID, reason string) error {
	return e.deleteRepertoire(ctx, actor, reason, func(tx *storage.Tx) (repertoireItem, error) {
		t, err := tx.TermByID(ctx, id)
		if err != nil {
			return repertoireItem{}, fmt.Errorf("term %s: %w", id, err)
		}
		return termItem(t), nil
	})
}

// DeleteEvent deletes an event with its attendees, by its organiser or a
// moderator of its community (else ErrDenied).
func (e *Engine) DeleteEvent(ctx context.Context, actor storage.Account, id storage.ID, reason string) error {
	return e.deleteRepertoire(ctx, actor, reason, func(tx *storage.Tx) (repertoireItem, error) {
		ev, err := tx.CommunityEventByID(ctx, id)
		if err != nil {
			return repertoireItem{}, fmt.Errorf("event %s: %w", id, err)
		}
		return eventItem(ev), nil
	})
}

// MayDeleteRepertoire reports whether a local member may delete an item
// of the community communityID that owners made: what the pages ask
// before they offer the form (the engine checks again).
func (e *Engine) MayDeleteRepertoire(ctx context.Context, actor storage.Account, communityID storage.ID, owners ...storage.ID) (bool, error) {
	if actor.ID == 0 || !actor.Local() {
		return false, nil
	}
	if slices.Contains(owners, actor.ID) {
		return true, nil
	}
	g, err := e.store.AccountByID(ctx, communityID)
	if err != nil {
		return false, err
	}
	if g.Local() {
		return e.store.IsCommunityModerator(ctx, g.ID, actor.ID)
	}
	return e.store.IsRemoteModerator(ctx, g.ID, actor.URI)
}

// deleteRepertoire is the one path of a local member's delete: load reads
// the item inside the transaction.
func (e *Engine) deleteRepertoire(ctx context.Context, actor storage.Account, reason string, load func(*storage.Tx) (repertoireItem, error)) error {
	if !actor.Local() || actor.ActorType != activitypub.TypePerson {
		return fmt.Errorf("delete by %s: %w", actor.URI, ErrDenied)
	}
	reason, err := cleanReason(reason)
	if err != nil {
		return err
	}
	var it repertoireItem
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if it, err = load(tx); err != nil {
			return err
		}
		owner := slices.Contains(it.owners, actor.ID)
		if !it.local {
			return e.deleteRemoteRepertoire(ctx, tx, actor, it, owner, reason)
		}
		g, err := hostedCommunity(ctx, tx, it.communityID)
		if err != nil {
			return err
		}
		mod, err := tx.IsCommunityModerator(ctx, g.ID, actor.ID)
		if err != nil {
			return err
		}
		if !owner && !mod {
			return fmt.Errorf("delete %s by %s: %w", it.uri, actor.Acct(), ErrDenied)
		}
		del := map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": e.urls.Activity(actor.Username, tx.NewID()), "type": activitypub.TypeDelete, "actor": actor.URI,
			"to": []string{activitypub.PublicIRI}, "cc": []string{g.URI, g.Followers}, "audience": g.URI,
			"published": tx.Now().UTC().Truncate(time.Second), "object": tombstone(it)}
		if reason != "" {
			del["summary"] = reason
		}
		raw, err := marshalJSON(del)
		if err != nil {
			return fmt.Errorf("delete %s: %w", it.uri, err)
		}
		return e.applyRepertoireDelete(ctx, tx, g, actor, it, del["id"].(string), raw, reason, !owner)
	})
	if err != nil {
		if it.uri != "" {
			return fmt.Errorf("delete %s %s: %w", it.what, it.uri, err)
		}
		return fmt.Errorf("delete: %w", err)
	}
	return nil
}

func tombstone(it repertoireItem) map[string]any {
	return map[string]any{"id": it.uri, "type": activitypub.TypeTombstone, "formerType": it.formerType}
}

// applyRepertoireDelete deletes an item of the community g hosted here,
// logs a moderator's delete, and has the Group announce the Delete (raw,
// as sent or received) to the follower nodes that read it (relayInboxes)
// and to the item's authors on other nodes, whatever they run. The
// nodes that were sent the Group's boost of an artefact or event
// (boostInboxes) read no announced Delete: they get Undo{Announce} of
// the boost instead, or it would stay in their users' timelines. The
// files of an artefact are removed from disk once the transaction
// commits.
func (e *Engine) applyRepertoireDelete(ctx context.Context, tx *storage.Tx, g, actor storage.Account, it repertoireItem,
	activityID string, raw []byte, reason string, moderation bool) error {
	files, err := it.remove(ctx, tx)
	if err != nil {
		return err
	}
	if moderation {
		if err := tx.AppendModerationLog(ctx, &storage.ModerationEntry{CommunityID: g.ID, ModeratorID: actor.ID,
			ModeratorURI: actor.URI, Action: it.logAction, Target: it.uri, Reason: reason, ActivityURI: activityID}); err != nil {
			return err
		}
	}
	if len(files) > 0 {
		bg := context.WithoutCancel(ctx)
		tx.AfterCommit(func() { e.removeArtefactFiles(bg, files) })
	}
	inboxes, kinds, err := e.followerKinds(ctx, tx, g, allFollowers, "")
	if err != nil {
		return err
	}
	rawTo := relayInboxes(inboxes, kinds, storage.Account{})
	for _, id := range it.owners {
		// An author on another node hears of it even when they no
		// longer follow the community.
		if a, err := tx.AccountByID(ctx, id); err == nil && !a.Local() {
			rawTo = append(rawTo, a.DeliveryInbox())
		}
	}
	membersOnly, err := membersOnlyCommunity(ctx, tx, g)
	if err != nil {
		return err
	}
	del := activitypub.Activity{ID: activityID, Type: activitypub.TypeDelete, Actor: actor.URI}
	if err := e.announceRawTo(ctx, tx, g, del, raw, rawTo, membersOnly); err != nil {
		return err
	}
	if !it.boosted {
		return nil // a glossary term is never boosted
	}
	return e.undoObjectBoost(ctx, tx, g, it.uri, boostInboxes(inboxes, kinds), membersOnly)
}

// deleteRemoteRepertoire sends a local member's Delete of an item of a
// community on another node to its Group, which checks, applies and
// announces it (this node deletes its copy from that announce). Its
// authors may; a moderator only as that community lists them.
func (e *Engine) deleteRemoteRepertoire(ctx context.Context, tx *storage.Tx, actor storage.Account, it repertoireItem, owner bool, reason string) error {
	g, err := tx.AccountByID(ctx, it.communityID)
	if err != nil {
		return err
	}
	if g.Local() || g.ActorType != activitypub.TypeGroup {
		return fmt.Errorf("%s %s of no community: %w", it.what, it.uri, ErrDenied)
	}
	if !owner {
		if _, _, err := e.remoteModerated(ctx, tx, actor, g.ID); err != nil {
			return err
		}
	}
	del := map[string]any{"id": e.urls.Activity(actor.Username, tx.NewID()), "type": activitypub.TypeDelete,
		"actor": actor.URI, "object": tombstone(it)}
	if reason != "" {
		del["summary"] = reason
	}
	return e.sendToGroup(ctx, tx, actor, g, del)
}

// applyRepertoireDeleteReceived takes a Delete sent to a Group hosted
// here of one of its community's artefacts, terms or events, by an actor
// of another node (handled false when the Delete is about something
// else). One of its authors or a moderator of the community deletes it,
// as a member here would; anyone else is sent Reject and nothing goes.
func (e *Engine) applyRepertoireDeleteReceived(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity) (bool, error) {
	iri := act.Object.IRI
	if iri == "" || iri == actor.URI {
		return false, nil
	}
	it, err := repertoireByURI(ctx, tx, iri)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	if !it.local {
		// A copy of another node's item: only its Group's announce
		// deletes it (groupRepertoireDelete); this is ignored, as a
		// Delete of an unknown post is.
		return true, nil
	}
	g, err := hostedCommunity(ctx, tx, it.communityID)
	if err != nil {
		return true, err
	}
	owner := slices.Contains(it.owners, actor.ID)
	mod, err := tx.IsCommunityModerator(ctx, g.ID, actor.ID)
	if err != nil {
		return true, err
	}
	if !owner && !mod {
		e.log.InfoContext(ctx, "community refused a delete", "community", g.Acct(), "actor", actor.URI,
			"object", iri, "activity_id", act.ID)
		rej := activitypub.Activity{ID: e.urls.Activity(g.Username, tx.NewID()), Type: activitypub.TypeReject,
			Actor: g.URI, To: []string{actor.URI}, Content: "only its authors and the community's moderators may delete it",
			Object: activitypub.Object{IRI: act.ID}}
		return true, e.publish(ctx, tx, g, rej, false, []string{cmpOr(actor.Inbox, actor.DeliveryInbox())})
	}
	raw := inboxBody(ctx)
	if len(raw) == 0 {
		if raw, err = activitypub.MarshalActivity(act); err != nil {
			return true, fmt.Errorf("marshal %s: %w", act.ID, err)
		}
	}
	var extra receivedModeration
	_ = json.Unmarshal(raw, &extra) // an odd field leaves it empty: the delete still holds
	return true, e.applyRepertoireDelete(ctx, tx, g, actor, it, act.ID, raw, remoteReason(extra.Summary), !owner)
}

// groupRepertoireDelete takes the Delete of an artefact, a term or an
// event that a remote Group announces: handled is false when del is not
// about one known here (a post's Delete). The Group vouches for items on
// its own host; one from elsewhere is deleted only when its origin says
// it is gone. A moderator's delete of someone else's item is recorded in
// the log this node keeps of the community.
func (e *Engine) groupRepertoireDelete(ctx context.Context, g storage.Account, del activitypub.Activity) (bool, error) {
	iri := del.Object.IRI
	if iri == "" {
		return false, nil
	}
	it, err := repertoireByURI(ctx, e.store, iri)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	if it.local || it.communityID != g.ID {
		return true, fmt.Errorf("delete of %s announced by %s: %w", iri, g.URI, ErrDenied)
	}
	if !sameOrigin(iri, g.URI) && !e.goneAtOrigin(ctx, iri) {
		return true, nil // still there, or the origin did not answer: kept
	}
	var extra moderationExtra
	_ = json.Unmarshal(inboxBody(ctx), &extra)
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if del.ID != "" {
			if fresh, err := tx.MarkProcessed(ctx, del.ID); err != nil || !fresh {
				return err
			}
		}
		files, err := it.remove(ctx, tx)
		if err != nil {
			return ignoreNotFound(err)
		}
		if len(files) > 0 {
			bg := context.WithoutCancel(ctx)
			tx.AfterCommit(func() { e.removeArtefactFiles(bg, files) })
		}
		return e.logRemoteRepertoireDelete(ctx, tx, g, del, it, remoteReason(extra.Object.Summary))
	})
	if err != nil {
		return true, fmt.Errorf("delete %s %s: %w", it.what, iri, err)
	}
	return true, nil
}

// logRemoteRepertoireDelete records a remote community's moderator's
// delete of someone else's item; an author's own delete, or one by an
// actor the community does not list as its moderator, is not logged.
func (e *Engine) logRemoteRepertoireDelete(ctx context.Context, tx *storage.Tx, g storage.Account, del activitypub.Activity, it repertoireItem, reason string) error {
	if del.Actor == "" || del.Actor == g.URI {
		return nil
	}
	entry := storage.ModerationEntry{CommunityID: g.ID, ModeratorURI: del.Actor, Action: it.logAction, Target: it.uri,
		Reason: reason, ActivityURI: del.ID}
	if a, err := tx.AccountByURI(ctx, del.Actor); err == nil {
		if slices.Contains(it.owners, a.ID) {
			return nil
		}
		entry.ModeratorID = a.ID
	}
	if !sameOrigin(del.Actor, g.URI) {
		listed, err := tx.IsRemoteModerator(ctx, g.ID, del.Actor)
		if err != nil || !listed {
			return err
		}
	}
	return tx.AppendModerationLog(ctx, &entry)
}
