package federation

import (
	"context"
	"errors"
	"fmt"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// FollowOptions are the client API's follow settings.
type FollowOptions struct {
	ShowReblogs bool
	Notify      bool
}

// Follow makes a local member follow target. A local target that approves
// followers manually, and every remote target until it Accepts, leaves a
// pending request.
func (e *Engine) Follow(ctx context.Context, accountID, targetID storage.ID, o FollowOptions) error {
	_, err := limited(e.acts, actFollow, accountID, func() (struct{}, error) {
		return struct{}{}, e.follow(ctx, accountID, targetID, o)
	})
	return err
}

func (e *Engine) follow(ctx context.Context, accountID, targetID storage.ID, o FollowOptions) error {
	actor, err := e.localAccount(ctx, accountID)
	if err != nil {
		return err
	}
	target, err := e.store.AccountByID(ctx, targetID)
	if err != nil {
		return fmt.Errorf("follow %d: %w", targetID, err)
	}
	if actor.ID == target.ID {
		return invalid("you can't follow yourself")
	}
	for _, pair := range [][2]storage.ID{{target.ID, actor.ID}, {actor.ID, target.ID}} {
		blocked, err := e.store.Blocks(ctx, pair[0], pair[1])
		if err != nil {
			return fmt.Errorf("follow %s: %w", target.Acct(), err)
		}
		if blocked {
			return fmt.Errorf("follow %s across a block: %w", target.Acct(), ErrDenied)
		}
	}
	if _, err := e.store.FollowOf(ctx, actor.ID, target.ID); err == nil {
		return nil // already following
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		// A request still pending keeps its Follow, as on Mastodon: only
		// its options change, and nothing is sent again, so an Undo
		// names the one Follow the target has.
		pending, err := tx.FollowRequestOf(ctx, actor.ID, target.ID)
		if err == nil {
			pending.ShowReblogs, pending.Notify = o.ShowReblogs, o.Notify
			return tx.InsertFollowRequest(ctx, &pending)
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if err := e.askFollow(ctx, tx, actor, target, o); err != nil {
			return err
		}
		return withinQuota(ctx, tx, storage.OwnedFollows, actor.ID)
	})
	if err != nil {
		return fmt.Errorf("follow: %w", err)
	}
	return nil
}

// askFollow makes a new Follow of target by a local follower: a local
// target receives it at once; a remote one is sent it, and it waits as a
// request until the Accept. Following and a move's re-follow share it.
func (e *Engine) askFollow(ctx context.Context, tx *storage.Tx, follower, target storage.Account, o FollowOptions) error {
	id := tx.NewID()
	f := storage.Follow{ID: id, AccountID: follower.ID, TargetID: target.ID, URI: e.urls.Activity(follower.Username, id),
		ShowReblogs: o.ShowReblogs, Notify: o.Notify}
	if target.Local() {
		return e.receiveFollow(ctx, tx, follower, target, f)
	}
	if err := tx.InsertFollowRequest(ctx, &f); err != nil {
		return err
	}
	act := activitypub.Activity{ID: f.URI, Type: activitypub.TypeFollow, Actor: follower.URI, To: []string{target.URI},
		Object: activitypub.Object{IRI: target.URI}}
	return e.publish(ctx, tx, follower, act, false, []string{target.Inbox})
}

// receiveFollow applies a follow of a local target: accepted at once
// unless the target approves followers manually. A remote follower is sent
// the Accept.
func (e *Engine) receiveFollow(ctx context.Context, tx *storage.Tx, follower, target storage.Account, f storage.Follow) error {
	if refused, err := e.refuseBannedJoin(ctx, tx, follower, target, f); err != nil || refused {
		return err // a community's banned member is not let back in
	}
	if err := e.readFollowerNode(ctx, tx, follower, target); err != nil {
		return err // what the node runs decides the Group's announces to it (nodeinfo.go)
	}
	if target.Locked {
		if err := tx.InsertFollowRequest(ctx, &f); err != nil {
			return err
		}
		if target.ActorType == activitypub.TypeGroup {
			if err := e.notifyJoinRequest(ctx, tx, target, follower); err != nil {
				return err
			}
			if err := e.announceJoinRequest(ctx, tx, target, follower, f); err != nil {
				return err
			}
		}
		return e.notify(ctx, tx, target, follower, storage.NotifyFollowRequest, 0)
	}
	return e.acceptFollow(ctx, tx, follower, target, f)
}

// acceptFollow records an accepted follow of a local target and, for a
// remote follower, publishes the Accept.
func (e *Engine) acceptFollow(ctx context.Context, tx *storage.Tx, follower, target storage.Account, f storage.Follow) error {
	if err := e.dropFollowRequest(ctx, tx, follower, target, true); err != nil {
		return err
	}
	if err := e.startFollow(ctx, tx, f, follower.Local()); err != nil {
		return err
	}
	if err := e.notify(ctx, tx, target, follower, storage.NotifyFollow, 0); err != nil {
		return err
	}
	if follower.Local() {
		return nil
	}
	follow := activitypub.Activity{ID: f.URI, Type: activitypub.TypeFollow, Actor: follower.URI, Object: activitypub.Object{IRI: target.URI}}
	act := activitypub.Activity{ID: e.urls.Activity(target.Username, tx.NewID()), Type: activitypub.TypeAccept,
		Actor: target.URI, To: []string{follower.URI}, Object: activitypub.Object{IRI: f.URI, Type: activitypub.TypeFollow, Activity: &follow}}
	return e.publish(ctx, tx, target, act, false, []string{follower.Inbox})
}

// backfillPosts is how many of an account's latest posts come into a
// member's home timeline when the member starts following it.
const backfillPosts = 40

// startFollow records an accepted follow; a local follower's home
// timeline gains the followed account's latest posts, as on Mastodon,
// rather than staying empty until the account next posts.
func (e *Engine) startFollow(ctx context.Context, tx *storage.Tx, f storage.Follow, localFollower bool) error {
	if err := tx.InsertFollow(ctx, &f); err != nil {
		return err
	}
	if !localFollower {
		return nil
	}
	return tx.BackfillHomeFeed(ctx, f.AccountID, f.TargetID, f.ShowReblogs, backfillPosts)
}

// AuthorizeFollowRequest accepts a pending request to follow a member.
func (e *Engine) AuthorizeFollowRequest(ctx context.Context, targetID, followerID storage.ID) error {
	target, err := e.localAccount(ctx, targetID)
	if err != nil {
		return err
	}
	req, err := e.store.FollowRequestOf(ctx, followerID, targetID)
	if err != nil {
		return fmt.Errorf("follow request: %w", err)
	}
	follower, err := e.store.AccountByID(ctx, followerID)
	if err != nil {
		return err
	}
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		return e.acceptFollow(ctx, tx, follower, target, req)
	})
}

// RejectFollowRequest refuses a pending request and tells a remote
// requester.
func (e *Engine) RejectFollowRequest(ctx context.Context, targetID, followerID storage.ID) error {
	target, err := e.localAccount(ctx, targetID)
	if err != nil {
		return err
	}
	req, err := e.store.FollowRequestOf(ctx, followerID, targetID)
	if err != nil {
		return fmt.Errorf("follow request: %w", err)
	}
	follower, err := e.store.AccountByID(ctx, followerID)
	if err != nil {
		return err
	}
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		if _, err := tx.DeleteFollowRequest(ctx, followerID, targetID); err != nil {
			return err
		}
		if follower.Local() {
			return nil
		}
		follow := activitypub.Activity{ID: req.URI, Type: activitypub.TypeFollow, Actor: follower.URI, Object: activitypub.Object{IRI: target.URI}}
		act := activitypub.Activity{ID: e.urls.Activity(target.Username, tx.NewID()), Type: activitypub.TypeReject,
			Actor: target.URI, To: []string{follower.URI}, Object: activitypub.Object{IRI: req.URI, Type: activitypub.TypeFollow, Activity: &follow}}
		return e.publish(ctx, tx, target, act, false, []string{follower.Inbox})
	})
}

// Unfollow ends a follow or withdraws a pending request, with Undo{Follow}
// to a remote target, and clears the target's posts from the home feed.
func (e *Engine) Unfollow(ctx context.Context, accountID, targetID storage.ID) error {
	actor, err := e.localAccount(ctx, accountID)
	if err != nil {
		return err
	}
	target, err := e.store.AccountByID(ctx, targetID)
	if err != nil {
		return fmt.Errorf("unfollow %d: %w", targetID, err)
	}
	f, err := e.store.FollowOf(ctx, actor.ID, target.ID)
	if errors.Is(err, storage.ErrNotFound) {
		f, err = e.store.FollowRequestOf(ctx, actor.ID, target.ID)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		return e.leaveFollow(ctx, tx, actor, target, f)
	})
}

// leaveFollow ends follower's follow f of target (or its request) and
// sends a remote target Undo{Follow} that embeds f's own id, the one the
// target knows. Unfollowing and a move's leaving of the old account share it.
func (e *Engine) leaveFollow(ctx context.Context, tx *storage.Tx, follower, target storage.Account, f storage.Follow) error {
	if err := e.endFollow(ctx, tx, follower, target); err != nil {
		return err
	}
	if target.Local() {
		return nil
	}
	follow := activitypub.Activity{ID: f.URI, Type: activitypub.TypeFollow, Actor: follower.URI, Object: activitypub.Object{IRI: target.URI}}
	act := activitypub.Activity{ID: f.URI + "/undo", Type: activitypub.TypeUndo, Actor: follower.URI, To: []string{target.URI},
		Object: activitypub.Object{IRI: f.URI, Type: activitypub.TypeFollow, Activity: &follow}}
	return e.publish(ctx, tx, follower, act, false, []string{target.Inbox})
}

// dropFollowRequest removes follower's pending request to follow target,
// if any. A community hosted here announces the request's end (accepted,
// or not) to its moderators on other nodes (community_join_remote.go).
func (e *Engine) dropFollowRequest(ctx context.Context, tx *storage.Tx, follower, target storage.Account, accepted bool) error {
	if !target.Local() || target.ActorType != activitypub.TypeGroup {
		_, err := tx.DeleteFollowRequest(ctx, follower.ID, target.ID)
		return err
	}
	req, err := tx.FollowRequestOf(ctx, follower.ID, target.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := tx.DeleteFollowRequest(ctx, follower.ID, target.ID); err != nil {
		return err
	}
	return e.announceJoinEnded(ctx, tx, target, follower, req.URI, accepted)
}

// endFollow removes a follow or request of follower to target and its
// traces in the follower's home feed.
func (e *Engine) endFollow(ctx context.Context, tx *storage.Tx, follower, target storage.Account) error {
	if _, err := tx.DeleteFollow(ctx, follower.ID, target.ID); err != nil {
		return err
	}
	if err := e.dropFollowRequest(ctx, tx, follower, target, false); err != nil {
		return err
	}
	if err := tx.DeleteNotificationsFrom(ctx, target.ID, follower.ID, storage.NotifyFollowRequest, 0); err != nil {
		return err
	}
	if follower.Local() {
		return tx.RemoveFromHomeFeed(ctx, follower.ID, target.ID)
	}
	return nil
}

// Block blocks target: follows both ways end, and a remote target's node
// is sent a Block.
func (e *Engine) Block(ctx context.Context, accountID, targetID storage.ID) error {
	actor, err := e.localAccount(ctx, accountID)
	if err != nil {
		return err
	}
	target, err := e.store.AccountByID(ctx, targetID)
	if err != nil {
		return fmt.Errorf("block %d: %w", targetID, err)
	}
	if actor.ID == target.ID {
		return invalid("you can't block yourself")
	}
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		// Blocking again sends nothing and keeps the Block first sent:
		// that is the id a later Undo{Block} names, and peers match it.
		already, err := tx.Blocks(ctx, actor.ID, target.ID)
		if err != nil || already {
			return err
		}
		uri := e.urls.Activity(actor.Username, tx.NewID())
		if err := tx.InsertBlock(ctx, actor.ID, target.ID, uri); err != nil {
			return err
		}
		if err := e.endFollow(ctx, tx, actor, target); err != nil {
			return err
		}
		if err := e.endFollow(ctx, tx, target, actor); err != nil {
			return err
		}
		if target.Local() {
			return nil
		}
		act := activitypub.Activity{ID: uri, Type: activitypub.TypeBlock, Actor: actor.URI, To: []string{target.URI},
			Object: activitypub.Object{IRI: target.URI}}
		return e.publish(ctx, tx, actor, act, false, []string{target.Inbox})
	})
}

// Unblock lifts a block, with Undo{Block} to a remote target.
func (e *Engine) Unblock(ctx context.Context, accountID, targetID storage.ID) error {
	actor, err := e.localAccount(ctx, accountID)
	if err != nil {
		return err
	}
	target, err := e.store.AccountByID(ctx, targetID)
	if err != nil {
		return fmt.Errorf("unblock %d: %w", targetID, err)
	}
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		// The Undo embeds the Block that was sent, by its id: a peer
		// that matches the undone Block by id (GoToSocial) would
		// otherwise keep the block, and drop the member's later follows.
		blockID, err := tx.BlockURI(ctx, actor.ID, target.ID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("unblock %s: %w", target.Acct(), err)
		}
		if _, err := tx.DeleteBlock(ctx, actor.ID, target.ID); err != nil {
			return fmt.Errorf("unblock %s: %w", target.Acct(), err)
		}
		if target.Local() {
			return nil
		}
		undoID := e.urls.Activity(actor.Username, tx.NewID())
		if blockID == "" {
			// A block recorded without its activity: name one that peers
			// not matching by id (Mastodon: by actor and object) accept.
			blockID = undoID + "#block"
		}
		block := activitypub.Activity{ID: blockID, Type: activitypub.TypeBlock, Actor: actor.URI, Object: activitypub.Object{IRI: target.URI}}
		act := activitypub.Activity{ID: undoID, Type: activitypub.TypeUndo, Actor: actor.URI, To: []string{target.URI},
			Object: activitypub.Object{IRI: block.ID, Type: activitypub.TypeBlock, Activity: &block}}
		return e.publish(ctx, tx, actor, act, false, []string{target.Inbox})
	})
}

// Profile is what a member may change about themselves.
type Profile struct {
	DisplayName  string
	Note         string // plain text
	Locked       bool
	Discoverable bool
	Organisation string
	Department   string
	JobTitle     string
	Fields       []activitypub.Field // plain text names and values
}

// UpdateProfile saves a member's profile and sends Update{Person} to
// their followers' nodes.
func (e *Engine) UpdateProfile(ctx context.Context, accountID storage.ID, p Profile) (storage.Account, error) {
	p = p.clean()
	a, err := e.localAccount(ctx, accountID)
	if err != nil {
		return storage.Account{}, err
	}
	a.DisplayName = p.DisplayName
	a.Note = renderText(p.Note, nil, e.urls.Tag)
	a.Locked, a.Discoverable = p.Locked, p.Discoverable
	a.Organisation, a.Department, a.JobTitle = p.Organisation, p.Department, p.JobTitle
	a.Fields = nil
	texts := []string{p.DisplayName, p.Note}
	for _, f := range p.Fields {
		a.Fields = append(a.Fields, activitypub.Field{Name: escapeText(f.Name), Value: renderText(f.Value, nil, e.urls.Tag)})
		texts = append(texts, f.Name, f.Value)
	}
	if a.Emojis, err = e.emojisIn(ctx, texts...); err != nil {
		return storage.Account{}, fmt.Errorf("update profile: emojis: %w", err)
	}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return e.updateActor(ctx, tx, &a) }); err != nil {
		return storage.Account{}, fmt.Errorf("update profile: %w", err)
	}
	return a, nil
}

// RotateKey gives a member a new key pair and announces it with
// Update{Person}; peers that cached the old key fetch the new one when a
// signature fails to verify.
func (e *Engine) RotateKey(ctx context.Context, accountID storage.ID) error {
	a, err := e.localAccount(ctx, accountID)
	if err != nil {
		return err
	}
	fresh, err := e.newLocalAccount(a.Username, a.ActorType)
	if err != nil {
		return err
	}
	a.PublicKeyPEM, a.PrivateKeyPEM = fresh.PublicKeyPEM, fresh.PrivateKeyPEM
	a.Ed25519KeyID, a.Ed25519Public, a.Ed25519PrivatePEM = fresh.Ed25519KeyID, fresh.Ed25519Public, fresh.Ed25519PrivatePEM
	err = e.store.InTx(ctx, func(tx *storage.Tx) error { return e.updateActor(ctx, tx, &a) })
	e.forgetPrivateKey(a.ID)
	if err != nil {
		return fmt.Errorf("rotate key: %w", err)
	}
	return nil
}

func (e *Engine) updateActor(ctx context.Context, tx *storage.Tx, a *storage.Account) error {
	if err := tx.UpdateAccount(ctx, a); err != nil {
		return err
	}
	inboxes, err := tx.FollowerInboxes(ctx, a.ID)
	if err != nil {
		return err
	}
	actor := ActorOf(*a)
	act := activitypub.Activity{ID: e.urls.Activity(a.Username, tx.NewID()), Type: activitypub.TypeUpdate, Actor: a.URI,
		To: []string{activitypub.PublicIRI}, CC: []string{a.Followers},
		Object: activitypub.Object{IRI: a.URI, Type: a.ActorType, Actor: &actor}}
	return e.publish(ctx, tx, *a, act, false, inboxes)
}
