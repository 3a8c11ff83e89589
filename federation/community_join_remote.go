package federation

import (
	"context"
	"errors"
	"fmt"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// Moderators on other nodes answer requests to join a community that
// approves its members, as the community's own moderators do. Lemmy,
// PieFed and Mbin have no such thing (a join request never leaves the
// community's node); copse does it with the Group's announces to its
// moderators' nodes only, the way it sends them reports (reports.go):
//
//   - The community's node: when someone asks to join, the Group
//     announces their Follow (Announce{Follow}) to the nodes of its
//     moderators elsewhere, and nobody else. When the request ends, it
//     announces its end: Announce{Accept{Follow}} when they were let in,
//     Announce{Reject{Follow}} when refused or withdrawn.
//   - A moderator's node keeps an announced request (only when a member
//     there moderates the community, as its moderators collection lists
//     them) in its own queue and tells them, and forgets it at the end.
//   - The moderator answers there: their node sends the Group an Accept
//     or a Reject (with the reason as summary) of the Follow by the
//     moderator; the Group's node applies it as its own moderators'
//     answer (the Group's Accept or Reject to the member, the log), once
//     it has checked that the sender moderates the community.

// followDoc is a Follow of g by follower, named by its id, as the
// announces and answers above embed it.
func followDoc(id string, follower, g storage.Account) map[string]any {
	return map[string]any{"id": id, "type": activitypub.TypeFollow, "actor": follower.URI, "object": g.URI}
}

// announceJoinRequest has community g, hosted here, announce follower's
// request to join it (the Follow f) to its moderators on other nodes.
func (e *Engine) announceJoinRequest(ctx context.Context, tx *storage.Tx, g, follower storage.Account, f storage.Follow) error {
	body, err := marshalJSON(followDoc(f.URI, follower, g))
	if err != nil {
		return fmt.Errorf("announce join request: %w", err)
	}
	return e.announceToModerators(ctx, tx, g, body, e.readsJoinRequests(ctx, tx))
}

// announceJoinEnded has community g, hosted here, announce to its
// moderators on other nodes that follower's request (the Follow
// followURI) has ended: accepted, or not.
func (e *Engine) announceJoinEnded(ctx context.Context, tx *storage.Tx, g, follower storage.Account, followURI string, accepted bool) error {
	typ := activitypub.TypeReject
	if accepted {
		typ = activitypub.TypeAccept
	}
	body, err := marshalJSON(map[string]any{"id": e.urls.Activity(g.Username, tx.NewID()), "type": typ,
		"actor": g.URI, "object": followDoc(followURI, follower, g)})
	if err != nil {
		return fmt.Errorf("announce end of join request: %w", err)
	}
	return e.announceToModerators(ctx, tx, g, body, e.readsJoinRequests(ctx, tx))
}

// readsJoinRequests says whether the node at a host reads a Group's
// announces of join requests: one that runs copse, or whose software is
// not known (its NodeInfo not read yet); Lemmy, PieFed, Mbin and the
// rest would refuse them.
func (e *Engine) readsJoinRequests(ctx context.Context, tx *storage.Tx) func(host string) (bool, error) {
	return func(host string) (bool, error) {
		software, err := e.softwareOf(ctx, tx, host)
		return software == "" || software == "copse", err
	}
}

// isJoinRequestAnnounce reports whether act is a Group's Announce of a
// request to join it (Follow) or of the request's end (Accept or Reject
// of a Follow).
func isJoinRequestAnnounce(act activitypub.Activity) bool {
	inner := act.Object.Activity
	if act.Type != activitypub.TypeAnnounce || inner == nil {
		return false
	}
	switch inner.Type {
	case activitypub.TypeFollow:
		return true
	case activitypub.TypeAccept, activitypub.TypeReject:
		return inner.Object.Type == activitypub.TypeFollow
	}
	return false
}

// prefetchJoinRequester fetches, before the transaction that applies
// it, the account asking to join in a Group's Announce{Follow} when this
// node does not know it yet, for a Group that a member here moderates
// (anyone else's announce makes this node fetch nothing).
func (e *Engine) prefetchJoinRequester(ctx context.Context, act activitypub.Activity) {
	inner := act.Object.Activity
	if inner == nil || inner.Type != activitypub.TypeFollow || inner.Actor == "" || e.urls.IsLocal(inner.Actor) {
		return
	}
	if !e.moderatedHere(ctx, act.Actor) {
		return
	}
	if _, err := e.store.AccountByURI(ctx, inner.Actor); err == nil {
		return
	}
	if _, err := e.AccountByIRI(ctx, inner.Actor); err != nil {
		e.log.InfoContext(ctx, "join requester not fetched", "activity_id", act.ID, "actor", inner.Actor, "err", err)
	}
}

// applyAnnouncedJoinRequest applies a remote Group's Announce{Follow}
// (a request to join it, into this node's queue for the community) or
// the Announce of its end (out of the queue): taken only when a member
// here moderates that community.
func (e *Engine) applyAnnouncedJoinRequest(ctx context.Context, tx *storage.Tx, g storage.Account, act activitypub.Activity) error {
	inner := *act.Object.Activity
	if g.ActorType != activitypub.TypeGroup || g.Local() {
		return fmt.Errorf("join request %s announced by %s, not a remote Group: %w", inner.ID, g.URI, ErrDenied)
	}
	local, err := e.localModeratorsOf(ctx, tx, g)
	if err != nil {
		return err
	}
	if len(local) == 0 {
		return fmt.Errorf("join request %s announced by %s: nobody here moderates it: %w", inner.ID, g.URI, ErrDenied)
	}
	if inner.Type != activitypub.TypeFollow {
		_, err := tx.DeleteRemoteJoinRequest(ctx, g.ID, inner.Object.IRI)
		return err
	}
	if inner.Object.IRI != g.URI || inner.ID == "" {
		return fmt.Errorf("join request %s announced by %s is a follow of %s: %w", inner.ID, g.URI, inner.Object.IRI, ErrDenied)
	}
	follower, err := tx.AccountByURI(ctx, inner.Actor)
	if errors.Is(err, storage.ErrNotFound) {
		// Not fetched (its server did not answer): try again later.
		return fmt.Errorf("join request %s: %s not known here yet", inner.ID, inner.Actor)
	}
	if err != nil {
		return err
	}
	fresh, err := tx.PutRemoteJoinRequest(ctx, g.ID, follower.ID, inner.ID)
	if err != nil || !fresh {
		return err
	}
	return e.notifyJoinRequest(ctx, tx, g, follower)
}

// answerRemoteJoin sends the Group of community g, hosted elsewhere, a
// moderator's answer to a request to join it that it announced here: an
// Accept, or a Reject with the reason. The request leaves this node's
// queue at once; the Group applies the answer and tells the member.
func (e *Engine) answerRemoteJoin(ctx context.Context, tx *storage.Tx, moderator, g storage.Account, accountID storage.ID, accept bool, reason string) error {
	req, err := tx.RemoteJoinRequestOf(ctx, g.ID, accountID)
	if err != nil {
		return fmt.Errorf("join request of %d: %w", accountID, err)
	}
	member, err := tx.AccountByID(ctx, accountID)
	if err != nil {
		return err
	}
	if _, err := tx.DeleteRemoteJoinRequest(ctx, g.ID, req.FollowURI); err != nil {
		return err
	}
	act := map[string]any{"id": e.urls.Activity(moderator.Username, tx.NewID()), "type": activitypub.TypeAccept,
		"actor": moderator.URI, "to": []string{g.URI}, "object": followDoc(req.FollowURI, member, g)}
	if !accept {
		act["type"], act["summary"], act["content"] = activitypub.TypeReject, reason, reason
	}
	return e.sendToGroup(ctx, tx, moderator, g, act)
}

// answerReceivedJoin applies a moderator's Accept or Reject, sent from
// another node, of the pending request req to join a community hosted
// here: as the answer of its moderators here (acceptJoin, rejectJoin)
// when actor moderates it; ErrDenied otherwise.
func (e *Engine) answerReceivedJoin(ctx context.Context, tx *storage.Tx, actor storage.Account, req storage.Follow, act activitypub.Activity) error {
	g, err := tx.AccountByID(ctx, req.TargetID)
	if err != nil {
		return err
	}
	if !g.Local() || g.ActorType != activitypub.TypeGroup {
		return fmt.Errorf("%s of a follow of someone else: %w", act.Type, ErrDenied)
	}
	_, extra, err := e.receivedBy(ctx, tx, actor, g, act)
	if err != nil {
		return err
	}
	if act.Type == activitypub.TypeAccept {
		return e.acceptJoin(ctx, tx, actor, g, req)
	}
	return e.rejectJoin(ctx, tx, actor, g, req, cmpOr(extra.Summary, remoteReason(act.Content)))
}
