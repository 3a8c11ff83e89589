package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// receivedModeration is what a moderator's own activity carries beyond
// the vocabulary types, read from the body as received.
type receivedModeration struct {
	Summary    string     `json:"summary"`
	RemoveData bool       `json:"removeData"`
	EndTime    *time.Time `json:"endTime"`
	Expires    *time.Time `json:"expires"`
}

// Moderation that a moderator on another node sends to a Group hosted
// here enters through the inbox's one switch (Engine.apply), each type
// at its own case: a removal (Delete of someone else's post in the
// community, with its reason as summary) in applyDelete, a ban (Block
// with the community as target) in applyBlock and its end (Undo{Block})
// in applyUndo, a lock in applyLock and its end (Undo{Lock}) in
// applyUndo, a pin (Add or Remove on the Group's featured collection) in
// applyAddRemove. The actor must moderate the community (ErrDenied
// otherwise, which the inbox logs); the Group applies it, logs it and
// announces it to its followers and the account concerned exactly as
// received, as it does its own moderators' actions.

// applyLock applies a Lock of a thread in a community hosted here; a
// Lock of anything else is ignored.
func (e *Engine) applyLock(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity) error {
	_, err := e.receivedLock(ctx, tx, actor, act, act.Object.IRI, true)
	return err
}

// applyAddRemove applies an Add or Remove: on the featured collection of
// a Group hosted here, a remote moderator's pin (or unpin); otherwise a
// change of a community's moderators, or nothing (applyModeratorChange).
func (e *Engine) applyAddRemove(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity) error {
	if name, ok := strings.CutSuffix(act.Target, "/collections/featured"); ok {
		g, ok, err := e.hostedCommunity(ctx, tx, name)
		if err != nil {
			return err
		}
		if ok && e.urls.Featured(g.Username) == act.Target {
			return e.receivedPin(ctx, tx, actor, g, act)
		}
	}
	return e.applyModeratorChange(ctx, tx, actor, act)
}

// undoInCommunity applies an Undo of a moderator's ban from, or lock of
// a thread in, a community hosted here (handled true); any other Undo
// is applyUndo's. It runs before applyUndo's check that the Undo's actor
// made what it undoes: one moderator may lift another's ban or lock.
func (e *Engine) undoInCommunity(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity) (bool, error) {
	inner := act.Object.Activity
	if inner == nil {
		return false, nil
	}
	switch inner.Type {
	case activitypub.TypeBlock:
		g, ok, err := e.hostedCommunity(ctx, tx, inner.Target)
		if err != nil || !ok {
			return false, err
		}
		return true, e.receivedUnban(ctx, tx, actor, g, *inner, act)
	case TypeLock:
		return e.receivedLock(ctx, tx, actor, act, inner.Object.IRI, false)
	}
	return false, nil
}

// hostedCommunity returns the Group hosted here that iri names; false
// when it names none.
func (e *Engine) hostedCommunity(ctx context.Context, tx *storage.Tx, iri string) (storage.Account, bool, error) {
	if iri == "" {
		return storage.Account{}, false, nil
	}
	g, err := e.localTarget(ctx, tx, iri)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Account{}, false, nil
	}
	if err != nil {
		return storage.Account{}, false, err
	}
	return g, g.ActorType == activitypub.TypeGroup, nil
}

// hostedCommunityOf returns the Group hosted here that took the status
// in; false when no community here holds it.
func (e *Engine) hostedCommunityOf(ctx context.Context, tx *storage.Tx, statusID storage.ID) (storage.Account, bool, error) {
	gid, err := tx.CommunityOfStatus(ctx, statusID)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Account{}, false, nil
	}
	if err != nil {
		return storage.Account{}, false, err
	}
	g, err := tx.AccountByID(ctx, gid)
	if err != nil {
		return storage.Account{}, false, fmt.Errorf("community %d: %w", gid, err)
	}
	return g, g.Local() && g.ActorType == activitypub.TypeGroup, nil
}

// receivedBy checks that actor moderates the community g hosted here,
// and reads what the activity carries beyond its type: its body as
// received (to announce unchanged) and its reason, ban end and
// removeData.
func (e *Engine) receivedBy(ctx context.Context, tx *storage.Tx, actor, g storage.Account, act activitypub.Activity) ([]byte, receivedModeration, error) {
	var extra receivedModeration
	mod, err := tx.IsCommunityModerator(ctx, g.ID, actor.ID)
	if err != nil {
		return nil, extra, fmt.Errorf("moderators of %s: %w", g.Acct(), err)
	}
	if !mod {
		return nil, extra, fmt.Errorf("%s %s in %s by %s, not its moderator: %w", act.Type, act.ID, g.Acct(), actor.URI, ErrDenied)
	}
	raw := inboxBody(ctx)
	if len(raw) == 0 {
		if raw, err = activitypub.MarshalActivity(act); err != nil {
			return nil, extra, fmt.Errorf("marshal %s: %w", act.ID, err)
		}
	}
	_ = json.Unmarshal(raw, &extra) // an odd field leaves it empty: the action still holds
	extra.Summary = remoteReason(extra.Summary)
	return raw, extra, nil
}

func (e *Engine) receivedRemoval(ctx context.Context, tx *storage.Tx, actor, g storage.Account, st storage.Status, act activitypub.Activity) error {
	raw, extra, err := e.receivedBy(ctx, tx, actor, g, act)
	if err != nil {
		return err
	}
	author, err := tx.AccountByID(ctx, st.AccountID)
	if err != nil {
		return err
	}
	if err := e.announceReceived(ctx, tx, g, raw, author); err != nil {
		return err
	}
	if err := e.undoCommunityBoost(ctx, tx, g, st); err != nil {
		return err
	}
	if err := tx.AppendModerationLog(ctx, &storage.ModerationEntry{CommunityID: g.ID, ModeratorID: actor.ID,
		ModeratorURI: actor.URI, Action: storage.ModRemovePost, Target: st.URI, Reason: extra.Summary, ActivityURI: act.ID}); err != nil {
		return err
	}
	return e.deleteStatus(ctx, tx, st.ID)
}

func (e *Engine) receivedBan(ctx context.Context, tx *storage.Tx, actor, g storage.Account, act activitypub.Activity) error {
	raw, extra, err := e.receivedBy(ctx, tx, actor, g, act)
	if err != nil {
		return err
	}
	member, err := tx.AccountByURI(ctx, act.Object.IRI)
	if err != nil {
		return ignoreNotFound(err) // nobody known here: nothing of theirs to refuse
	}
	if isMod, err := tx.IsCommunityModerator(ctx, g.ID, member.ID); err != nil || isMod || member.ID == g.ID {
		if err == nil {
			err = fmt.Errorf("ban %s of a moderator of %s: %w", act.ID, g.Acct(), ErrDenied)
		}
		return err
	}
	ban := storage.CommunityBan{CommunityID: g.ID, AccountID: member.ID, ModeratorID: actor.ID, Reason: extra.Summary,
		BlockURI: act.ID, ExpiresAt: banEnd(extra.EndTime, extra.Expires)}
	if err := tx.PutCommunityBan(ctx, &ban); err != nil {
		return err
	}
	if err := e.announceReceived(ctx, tx, g, raw, member); err != nil {
		return err
	}
	if err := tx.AppendModerationLog(ctx, &storage.ModerationEntry{CommunityID: g.ID, ModeratorID: actor.ID,
		ModeratorURI: actor.URI, Action: storage.ModBan, Target: member.URI, Reason: extra.Summary, ActivityURI: act.ID,
		ExpiresAt: ban.ExpiresAt}); err != nil {
		return err
	}
	if err := e.endBannedMembership(ctx, tx, g, member, ban); err != nil {
		return err
	}
	if !extra.RemoveData {
		return nil
	}
	return e.removeMemberData(ctx, tx, g, member)
}

func (e *Engine) receivedUnban(ctx context.Context, tx *storage.Tx, actor, g storage.Account, block, act activitypub.Activity) error {
	raw, _, err := e.receivedBy(ctx, tx, actor, g, act)
	if err != nil {
		return err
	}
	member, err := tx.AccountByURI(ctx, block.Object.IRI)
	if err != nil {
		return ignoreNotFound(err)
	}
	lifted, err := tx.DeleteCommunityBan(ctx, g.ID, member.ID)
	if err != nil || !lifted {
		return err // no ban: nothing to announce
	}
	if err := e.announceReceived(ctx, tx, g, raw, member); err != nil {
		return err
	}
	return tx.AppendModerationLog(ctx, &storage.ModerationEntry{CommunityID: g.ID, ModeratorID: actor.ID,
		ModeratorURI: actor.URI, Action: storage.ModUnban, Target: member.URI, ActivityURI: act.ID})
}

// receivedLock applies a Lock (or Undo{Lock}) of the thread iri; false
// when no community here holds that thread.
func (e *Engine) receivedLock(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity, iri string, lock bool) (bool, error) {
	st, err := tx.StatusByURI(ctx, iri)
	if err != nil {
		return false, ignoreNotFound(err)
	}
	g, ok, err := e.hostedCommunityOf(ctx, tx, st.ID)
	if err != nil || !ok {
		return false, err
	}
	raw, extra, err := e.receivedBy(ctx, tx, actor, g, act)
	if err != nil {
		return true, err
	}
	if st.InReplyToURI != "" {
		return true, invalid("only a thread's first post can be locked")
	}
	var by storage.ThreadLock
	if lock {
		by = storage.ThreadLock{URI: act.ID, ActorURI: act.Actor}
	}
	if err := tx.SetThreadLocked(ctx, g.ID, st.ID, lock, by); err != nil {
		return true, err
	}
	author, err := tx.AccountByID(ctx, st.AccountID)
	if err != nil {
		return true, err
	}
	if err := e.announceReceived(ctx, tx, g, raw, author); err != nil {
		return true, err
	}
	action := storage.ModLock
	if !lock {
		action = storage.ModUnlock
	}
	return true, tx.AppendModerationLog(ctx, &storage.ModerationEntry{CommunityID: g.ID, ModeratorID: actor.ID,
		ModeratorURI: actor.URI, Action: action, Target: st.URI, Reason: extra.Summary, ActivityURI: act.ID})
}

func (e *Engine) receivedPin(ctx context.Context, tx *storage.Tx, actor, g storage.Account, act activitypub.Activity) error {
	raw, _, err := e.receivedBy(ctx, tx, actor, g, act)
	if err != nil {
		return err
	}
	st, err := tx.StatusByURI(ctx, act.Object.IRI)
	if err != nil {
		return fmt.Errorf("pin %s: %w", act.Object.IRI, err)
	}
	if gid, err := tx.CommunityOfStatus(ctx, st.ID); err != nil || gid != g.ID || st.InReplyToURI != "" {
		return invalid("%s is not a thread of %s", st.URI, g.Acct())
	}
	var changed bool
	action := storage.ModPin
	if act.Type == "Add" {
		changed, err = tx.Pin(ctx, g.ID, st.ID, MaxCommunityPins)
	} else {
		action = storage.ModUnpin
		changed, err = tx.Unpin(ctx, g.ID, st.ID)
	}
	if errors.Is(err, storage.ErrLimit) {
		return invalid("the community already features %d threads", MaxCommunityPins)
	}
	if err != nil || !changed {
		return err
	}
	author, err := tx.AccountByID(ctx, st.AccountID)
	if err != nil {
		return err
	}
	if err := e.announceReceived(ctx, tx, g, raw, author); err != nil {
		return err
	}
	return tx.AppendModerationLog(ctx, &storage.ModerationEntry{CommunityID: g.ID, ModeratorID: actor.ID,
		ModeratorURI: actor.URI, Action: action, Target: st.URI, ActivityURI: act.ID})
}

// banEnd is when a ban ends: Lemmy sends endTime, Mbin expires; either
// ends it. Zero: never.
func banEnd(times ...*time.Time) time.Time {
	for _, t := range times {
		if t != nil && !t.IsZero() {
			return t.UTC()
		}
	}
	return time.Time{}
}

// maxRemovedData bounds how many of a banned member's posts one ban with
// removeData removes in one transaction.
const maxRemovedData = 5000

// removeMemberData removes what member posted in the community g, hosted
// here or on another node, as far as this node holds it: a ban with
// removeData.
func (e *Engine) removeMemberData(ctx context.Context, tx *storage.Tx, g, member storage.Account) error {
	ids, err := tx.CommunityPostIDsBy(ctx, g.ID, member.ID, maxRemovedData)
	if err != nil {
		return err
	}
	if g.Local() {
		hosted, err := tx.CommunityStatusIDsBy(ctx, g.ID, member.ID)
		if err != nil {
			return err
		}
		ids = append(ids, hosted...)
	}
	seen := make(map[storage.ID]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if g.Local() {
			// A thread the Group boosted: its boost is taken back on
			// the nodes that got it, as when a moderator removes it.
			if st, err := tx.StatusByID(ctx, id); err == nil {
				if err := e.undoCommunityBoost(ctx, tx, g, st); err != nil {
					return fmt.Errorf("remove data of %s in %s: %w", member.URI, g.URI, err)
				}
			}
		}
		if err := e.deleteStatus(ctx, tx, id); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("remove data of %s in %s: %w", member.URI, g.URI, err)
		}
	}
	return nil
}

// remoteModerated returns the community on another node that groupID
// names when moderator, a member here, is one of its moderators as its
// moderators collection lists them: then an action of theirs is sent to
// the Group, which applies and announces it (this node applies it from
// that announce, like every other node). It reports false for a
// community hosted here, and ErrDenied for one they do not moderate.
func (e *Engine) remoteModerated(ctx context.Context, tx *storage.Tx, moderator storage.Account, groupID storage.ID) (storage.Account, bool, error) {
	g, err := tx.AccountByID(ctx, groupID)
	if err != nil || g.Local() || g.ActorType != activitypub.TypeGroup {
		return storage.Account{}, false, nil // the local path answers
	}
	listed, err := moderates(ctx, tx, moderator, g)
	if err != nil {
		return storage.Account{}, false, fmt.Errorf("moderators of %s: %w", g.Acct(), err)
	}
	if !listed {
		return storage.Account{}, false, fmt.Errorf("%s moderates not %s: %w", moderator.URI, g.Acct(), ErrDenied)
	}
	return g, true, nil
}

// inRemote checks that the status statusID (its ID here) belongs to the
// remote community g, and returns it.
func (e *Engine) inRemote(ctx context.Context, tx *storage.Tx, g storage.Account, statusID storage.ID) (storage.Status, error) {
	st, err := tx.StatusByID(ctx, statusID)
	if err != nil {
		return storage.Status{}, fmt.Errorf("status %d: %w", statusID, err)
	}
	if p, err := tx.CommunityPost(ctx, st.ID); err == nil && p.GroupID == g.ID {
		return st, nil
	}
	in, err := e.inRemoteCommunity(ctx, tx, st, g)
	if err != nil {
		return storage.Status{}, err
	}
	if !in {
		return storage.Status{}, fmt.Errorf("status %d in %s: %w", statusID, g.Acct(), storage.ErrNotFound)
	}
	return st, nil
}

// sendToGroup sends a member's moderation activity to the remote Group
// it concerns (Lemmy's way: the Group checks, applies and announces it).
func (e *Engine) sendToGroup(ctx context.Context, tx *storage.Tx, moderator, g storage.Account, act map[string]any) error {
	act["@context"] = []any{"https://www.w3.org/ns/activitystreams", groupContext}
	if act["to"] == nil {
		act["to"] = []string{activitypub.PublicIRI}
	}
	act["cc"], act["audience"] = []string{g.URI}, g.URI
	body, err := marshalJSON(act)
	if err != nil {
		return fmt.Errorf("marshal %s: %w", act["type"], err)
	}
	inbox := g.Inbox
	if inbox == "" {
		inbox = g.DeliveryInbox()
	}
	return e.publishBody(ctx, tx, moderator, act["id"].(string), act["type"].(string), false, body, []string{inbox})
}

// removeRemote sends a moderator's removal of a post in a remote
// community to its Group.
func (e *Engine) removeRemote(ctx context.Context, tx *storage.Tx, moderator, g storage.Account, statusID storage.ID, reason string) error {
	st, err := e.inRemote(ctx, tx, g, statusID)
	if err != nil {
		return err
	}
	return e.sendToGroup(ctx, tx, moderator, g, map[string]any{"id": e.urls.Activity(moderator.Username, tx.NewID()),
		"type": activitypub.TypeDelete, "actor": moderator.URI, "object": st.URI, "summary": reason})
}

// banRemote sends a moderator's ban from a remote community to its Group.
func (e *Engine) banRemote(ctx context.Context, tx *storage.Tx, moderator, g storage.Account, b Ban, reason string) error {
	member, err := tx.AccountByID(ctx, b.AccountID)
	if err != nil {
		return fmt.Errorf("ban %d: %w", b.AccountID, err)
	}
	if member.ID == g.ID || member.ID == moderator.ID {
		return invalid("a moderator of the community can't be banned from it")
	}
	block := map[string]any{"id": e.urls.Activity(moderator.Username, tx.NewID()), "type": activitypub.TypeBlock,
		"actor": moderator.URI, "object": member.URI, "target": g.URI, "summary": reason, "removeData": b.RemoveData}
	if b.ExpiresIn > 0 {
		end := tx.Now().Add(b.ExpiresIn).UTC().Truncate(time.Second)
		block["endTime"], block["expires"] = end, end
	}
	return e.sendToGroup(ctx, tx, moderator, g, block)
}

// unbanRemote sends Undo{Block} of a ban this node knows to the remote
// community's Group.
func (e *Engine) unbanRemote(ctx context.Context, tx *storage.Tx, moderator, g storage.Account, accountID storage.ID) error {
	ban, err := tx.CommunityBan(ctx, g.ID, accountID)
	if err != nil {
		return fmt.Errorf("ban of %d: %w", accountID, err)
	}
	member, err := tx.AccountByID(ctx, accountID)
	if err != nil {
		return err
	}
	blocker := moderator.URI
	if by, err := tx.AccountByID(ctx, ban.ModeratorID); err == nil && ban.ModeratorID != 0 {
		blocker = by.URI
	}
	return e.sendToGroup(ctx, tx, moderator, g, map[string]any{"id": e.urls.Activity(moderator.Username, tx.NewID()),
		"type": activitypub.TypeUndo, "actor": moderator.URI,
		"object": map[string]any{"id": ban.BlockURI, "type": activitypub.TypeBlock, "actor": blocker,
			"object": member.URI, "target": g.URI}})
}

// lockRemote sends a moderator's Lock (or Undo{Lock}) of a thread in a
// remote community to its Group.
func (e *Engine) lockRemote(ctx context.Context, tx *storage.Tx, moderator, g storage.Account, statusID storage.ID, lock bool, reason string) error {
	st, err := e.inRemote(ctx, tx, g, statusID)
	if err != nil {
		return err
	}
	if st.InReplyToURI != "" {
		return invalid("only a thread's first post can be locked")
	}
	act := map[string]any{"id": e.urls.Activity(moderator.Username, tx.NewID()), "type": TypeLock,
		"actor": moderator.URI, "object": st.URI}
	if !lock {
		// The Lock the Group announced, which this node recorded.
		if err := embedSentLock(ctx, tx, st.ID, act); err != nil {
			return err
		}
		act = map[string]any{"id": e.urls.Activity(moderator.Username, tx.NewID()), "type": activitypub.TypeUndo,
			"actor": moderator.URI, "object": act}
	}
	if reason != "" {
		act["summary"] = reason
	}
	return e.sendToGroup(ctx, tx, moderator, g, act)
}

// pinRemote sends a moderator's Add (or Remove) of a thread on a remote
// community's featured collection to its Group.
func (e *Engine) pinRemote(ctx context.Context, tx *storage.Tx, moderator, g storage.Account, statusID storage.ID, pin bool) error {
	st, err := e.inRemote(ctx, tx, g, statusID)
	if err != nil {
		return err
	}
	if st.InReplyToURI != "" {
		return invalid("only a thread's first post can be pinned")
	}
	if g.Featured == "" {
		return invalid("%s has no featured collection", g.Acct())
	}
	typ := "Add"
	if !pin {
		typ = "Remove"
	}
	return e.sendToGroup(ctx, tx, moderator, g, map[string]any{"id": e.urls.Activity(moderator.Username, tx.NewID()),
		"type": typ, "actor": moderator.URI, "object": st.URI, "target": g.Featured})
}

// endBannedMembership ends the membership of a member banned for good
// (the Group drops the follow, as Lemmy does); the member's node, told
// by the announced Block, ends it too. A ban with an end keeps the
// membership: the visibility rule and the posting check refuse the
// member until the end, and afterwards they post again without asking
// to join again (what the ban-expiry test requires).
func (e *Engine) endBannedMembership(ctx context.Context, tx *storage.Tx, g, member storage.Account, ban storage.CommunityBan) error {
	if !ban.ExpiresAt.IsZero() {
		return nil
	}
	return e.endFollow(ctx, tx, member, g)
}
