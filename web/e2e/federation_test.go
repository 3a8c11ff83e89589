// Package e2e drives several real copse nodes on loopback the way peers do.
package e2e

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

const wait = 10 * time.Second

func post(t *testing.T, n *testrig.Node, author storage.Account, text string, vis activitypub.Visibility) storage.Status {
	t.Helper()
	st, err := n.Engine.Post(context.Background(), author.ID, federation.Draft{Text: text, Visibility: vis})
	if err != nil {
		t.Fatalf("post on %s: %v", n.Host, err)
	}
	return st
}

// follow makes follower (on from) follow username on to, and waits until
// from sees the follow accepted.
func follow(t *testing.T, from *testrig.Node, follower storage.Account, to *testrig.Node, username string) storage.Account {
	t.Helper()
	target := from.Resolve(to.Acct(username))
	if err := from.Engine.Follow(context.Background(), follower.ID, target.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatalf("follow: %v", err)
	}
	testrig.Eventually(t, wait, "follow accepted", func() bool {
		_, err := from.Store.FollowOf(context.Background(), follower.ID, target.ID)
		return err == nil
	})
	return target
}

func TestPostsReachExactlyTheRightPeople(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false) // follows bob
	carol := a.Member("carol", false) // follows nobody
	bob := b.Member("bob", false)
	ctx := context.Background()

	follow(t, a, alice, b, "bob")
	// bob's node knows alice as a follower.
	aliceOnB := b.Resolve(a.Acct("alice"))
	if _, err := b.Store.FollowOf(ctx, aliceOnB.ID, bob.ID); err != nil {
		t.Fatalf("B does not record alice following bob: %v", err)
	}
	carolOnB := b.Resolve(a.Acct("carol"))

	public := post(t, b, bob, "Our #libraries share a new routine for enquiries", activitypub.Public)
	private := post(t, b, bob, "Followers only: draft of the routine", activitypub.FollowersOnly)
	direct := post(t, b, bob, "@carol@"+a.Host+" a word in private", activitypub.Direct)

	testrig.Eventually(t, wait, "public post in alice's home", func() bool { return a.HomeHas(alice.ID, public.URI) })
	testrig.Eventually(t, wait, "followers-only post in alice's home", func() bool { return a.HomeHas(alice.ID, private.URI) })
	testrig.Eventually(t, wait, "direct post in carol's home", func() bool { return a.HomeHas(carol.ID, direct.URI) })

	if a.HomeHas(alice.ID, direct.URI) {
		t.Error("alice sees a direct message addressed to carol")
	}
	if a.HomeHas(carol.ID, public.URI) || a.HomeHas(carol.ID, private.URI) {
		t.Error("carol, who follows nobody, has bob's posts in her home feed")
	}
	st, err := a.Store.StatusByURI(ctx, private.URI)
	if err != nil {
		t.Fatal(err)
	}
	if st.Visibility != activitypub.FollowersOnly {
		t.Errorf("followers-only post arrived as %q", st.Visibility)
	}
	if ok, err := a.Engine.CanSee(ctx, carol, st); err != nil || ok {
		t.Errorf("carol may see a followers-only post of someone she does not follow: %v, %v", ok, err)
	}
	notes, _ := a.Store.Notifications(ctx, carol.ID, storage.Page{})
	if len(notes) != 1 || notes[0].Type != storage.NotifyMention {
		t.Errorf("carol's notifications = %+v; want one mention", notes)
	}
	pub, _ := a.Store.StatusByURI(ctx, public.URI)
	if len(pub.Tags) != 1 || pub.Tags[0] != "libraries" {
		t.Errorf("hashtags of the public post on A = %v", pub.Tags)
	}
	_ = carolOnB
}

func TestManuallyApprovedFollow(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", true) // approves followers by hand
	ctx := context.Background()

	target := a.Resolve(b.Acct("bob"))
	if !target.Locked {
		t.Fatal("A does not see that bob approves followers manually")
	}
	if err := a.Engine.Follow(ctx, alice.ID, target.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	var aliceOnB storage.Account
	testrig.Eventually(t, wait, "follow request on B", func() bool {
		reqs, _ := b.Store.FollowRequests(ctx, bob.ID)
		if len(reqs) == 1 {
			aliceOnB, _ = b.Store.AccountByID(ctx, reqs[0].AccountID)
		}
		return len(reqs) == 1
	})
	if _, err := a.Store.FollowOf(ctx, alice.ID, target.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("follow accepted before bob approved it: %v", err)
	}
	if _, err := a.Store.FollowRequestOf(ctx, alice.ID, target.ID); err != nil {
		t.Fatalf("A lost the pending request: %v", err)
	}
	if err := b.Engine.AuthorizeFollowRequest(ctx, bob.ID, aliceOnB.ID); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, wait, "follow accepted on A", func() bool {
		_, err := a.Store.FollowOf(ctx, alice.ID, target.ID)
		return err == nil
	})
}
