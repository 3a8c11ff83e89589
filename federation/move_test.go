package federation

import (
	"context"
	"errors"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// TestApplyMove: a remote Group's Move moves the local members to the
// target only when the Move is the Group's own and the target's document,
// fetched then, names the Group in its alsoKnownAs (as Mastodon checks).
func TestApplyMove(t *testing.T) {
	t.Parallel()
	const (
		oldID    = "https://old.example/c/libraries"
		targetID = "https://new.example/c/libraries"
	)
	target := func(aka ...string) activitypub.Actor {
		return activitypub.Actor{ID: targetID, Type: activitypub.TypeGroup, PreferredUsername: "libraries",
			Inbox: targetID + "/inbox", Followers: targetID + "/followers", AlsoKnownAs: aka}
	}
	tests := []struct {
		name      string
		served    *activitypub.Actor // nil: the target answers 404
		object    string
		moveTo    string
		wantErr   func(error) bool
		wantMoved bool
	}{
		{name: "confirmed by alsoKnownAs", served: actorRef(target(oldID)), object: oldID, moveTo: targetID,
			wantErr: func(err error) bool { return err == nil }, wantMoved: true},
		{name: "target does not name the old Group", served: actorRef(target("https://elsewhere.example/c/x")), object: oldID, moveTo: targetID,
			wantErr: func(err error) bool { return errors.Is(err, ErrDenied) }},
		{name: "target moved itself (two actors bouncing followers)", served: actorRef(moved(target(oldID))), object: oldID, moveTo: targetID,
			wantErr: func(err error) bool { return errors.Is(err, ErrDenied) }},
		{name: "target gone", object: oldID, moveTo: targetID,
			wantErr: func(err error) bool { return err != nil }},
		{name: "moves another actor", served: actorRef(target(oldID)), object: "https://old.example/u/someone", moveTo: targetID,
			wantErr: func(err error) bool { var inv *InvalidError; return errors.As(err, &inv) }},
		{name: "no target", served: actorRef(target(oldID)), object: oldID,
			wantErr: func(err error) bool { var inv *InvalidError; return errors.As(err, &inv) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			origin := &keyOrigin{}
			if tt.served != nil {
				origin.serve(*tt.served)
			}
			e, _ := keyEngine(t, origin)
			ctx := context.Background()
			old := remoteGroup(t, e, oldID, oldID+"/followers")
			alice := member(t, e, "alice")
			joins(t, e, alice, old)
			err := e.Apply(ctx, activitypub.Activity{ID: oldID + "/activities/move", Type: activitypub.TypeMove, Actor: oldID,
				Object: activitypub.Object{IRI: tt.object}, Target: tt.moveTo})
			if !tt.wantErr(err) {
				t.Fatalf("Apply(Move) = %v", err)
			}
			_, oldErr := e.store.FollowOf(ctx, alice.ID, old.ID)
			stored, _ := e.store.AccountByID(ctx, old.ID)
			if !tt.wantMoved {
				if oldErr != nil || stored.MovedTo != "" {
					t.Errorf("refused Move: follow of the old Group %v, moved to %q", oldErr, stored.MovedTo)
				}
				return
			}
			if !errors.Is(oldErr, storage.ErrNotFound) || stored.MovedTo != targetID {
				t.Errorf("follow of the old Group: %v; moved to %q, want %s", oldErr, stored.MovedTo, targetID)
			}
			to, err := e.store.AccountByURI(ctx, targetID)
			if err != nil {
				t.Fatal(err)
			}
			if f, err := e.store.FollowRequestOf(ctx, alice.ID, to.ID); err != nil || !f.ShowReblogs {
				t.Errorf("request to follow the target: %+v, %v (want one that keeps show_reblogs)", f, err)
			}
		})
	}
}

func actorRef(a activitypub.Actor) *activitypub.Actor { return &a }

// moved is a with movedTo set, as an account that moved elsewhere says.
func moved(a activitypub.Actor) activitypub.Actor {
	a.MovedTo = "https://old.example/c/libraries"
	return a
}
