package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// statusOn waits until n has a status with uri and returns it.
func statusOn(t *testing.T, n *testrig.Node, uri string) storage.Status {
	t.Helper()
	var st storage.Status
	testrig.Eventually(t, wait, "status "+uri+" on "+n.Host, func() bool {
		var err error
		st, err = n.Store.StatusByURI(context.Background(), uri)
		return err == nil
	})
	return st
}

func notified(n *testrig.Node, account storage.ID, typ string) bool {
	notes, _ := n.Store.Notifications(context.Background(), account, storage.Page{Limit: 80})
	for _, x := range notes {
		if x.Type == typ {
			return true
		}
	}
	return false
}

func TestReplyLikeAnnounceAcrossNodes(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	ctx := context.Background()
	follow(t, a, alice, b, "bob")
	follow(t, b, bob, a, "alice")

	orig := post(t, b, bob, "How do your libraries log enquiries?", activitypub.Public)
	onA := statusOn(t, a, orig.URI)

	reply, err := a.Engine.Post(ctx, alice.ID, federation.Draft{Text: "@bob@" + b.Host + " we use a shared form", InReplyTo: onA.ID, Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	replyOnB := statusOn(t, b, reply.URI)
	if replyOnB.InReplyToID != orig.ID {
		t.Errorf("reply on B threads to %d; want %d", replyOnB.InReplyToID, orig.ID)
	}
	testrig.Eventually(t, wait, "bob notified of the mention", func() bool { return notified(b, bob.ID, storage.NotifyMention) })

	if err := a.Engine.Favourite(ctx, alice.ID, onA.ID); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, wait, "like counted on B", func() bool {
		n, _ := b.Store.CountFavourites(ctx, orig.ID)
		return n == 1
	})
	testrig.Eventually(t, wait, "bob notified of the like", func() bool { return notified(b, bob.ID, storage.NotifyFavourite) })

	if _, err := a.Engine.Reblog(ctx, alice.ID, onA.ID, ""); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, wait, "boost counted on B", func() bool {
		n, _ := b.Store.CountReblogs(ctx, orig.ID)
		return n == 1
	})
	testrig.Eventually(t, wait, "bob notified of the boost", func() bool { return notified(b, bob.ID, storage.NotifyReblog) })

	// Undo both.
	if err := a.Engine.Unfavourite(ctx, alice.ID, onA.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.Engine.Unreblog(ctx, alice.ID, onA.ID); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, wait, "like and boost undone on B", func() bool {
		likes, _ := b.Store.CountFavourites(ctx, orig.ID)
		boosts, _ := b.Store.CountReblogs(ctx, orig.ID)
		return likes == 0 && boosts == 0
	})
}

func TestEditAndDeletePropagate(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	ctx := context.Background()
	follow(t, a, alice, b, "bob")

	st := post(t, b, bob, "First draft of the #glossary", activitypub.Public)
	statusOn(t, a, st.URI)
	if _, err := b.Engine.Edit(ctx, bob.ID, st.ID, federation.Draft{Text: "Second draft of the #glossary"}); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, wait, "edit reaches A", func() bool {
		got, err := a.Store.StatusByURI(ctx, st.URI)
		return err == nil && !got.EditedAt.IsZero() && contains(got.Content, "Second draft")
	})
	if _, err := b.Engine.DeleteStatus(ctx, bob.ID, st.ID); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, wait, "delete reaches A", func() bool {
		_, err := a.Store.StatusByURI(ctx, st.URI)
		return errors.Is(err, storage.ErrNotFound)
	})
	if a.HomeHas(alice.ID, st.URI) {
		t.Error("deleted post still in alice's home feed")
	}
}

func TestUndoFollowStopsDelivery(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	ctx := context.Background()
	target := follow(t, a, alice, b, "bob")
	aliceOnB := b.Resolve(a.Acct("alice"))

	if err := a.Engine.Unfollow(ctx, alice.ID, target.ID); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, wait, "B forgets the follow", func() bool {
		_, err := b.Store.FollowOf(ctx, aliceOnB.ID, bob.ID)
		return errors.Is(err, storage.ErrNotFound)
	})
	inboxes, err := b.Store.FollowerInboxes(ctx, bob.ID)
	if err != nil || len(inboxes) != 0 {
		t.Fatalf("bob still delivers to %v (%v)", inboxes, err)
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	follow(t, a, alice, b, "bob")

	before := post(t, b, bob, "signed with the first key", activitypub.Public)
	statusOn(t, a, before.URI)

	// A caches bob's old key. Rotate without letting the Update through
	// first: A must refetch the key when the signature fails.
	b.StopWorkers()
	if err := b.Engine.RotateKey(context.Background(), bob.ID); err != nil {
		t.Fatal(err)
	}
	after := post(t, b, bob, "signed with the new key", activitypub.Public)
	b.StartWorkers()
	statusOn(t, a, after.URI)
	onA, _ := a.Store.AccountByURI(context.Background(), bob.URI)
	fresh, _ := b.Store.AccountByID(context.Background(), bob.ID)
	if onA.PublicKeyPEM != fresh.PublicKeyPEM {
		t.Error("A did not store bob's new key")
	}
}

func TestPeerOfflineThenBack(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	follow(t, a, alice, b, "bob")

	a.SetOffline(true)
	st := post(t, b, bob, "posted while A was down", activitypub.Public)
	testrig.Eventually(t, wait, "B records failed attempts", func() bool {
		_, hosts, _ := b.Store.DeliveryStats(context.Background())
		return len(hosts) == 1 && hosts[0].Failures >= 2
	})
	a.SetOffline(false)
	statusOn(t, a, st.URI)
	testrig.Eventually(t, wait, "B's queue drains", func() bool {
		queued, _, _ := b.Store.DeliveryStats(context.Background())
		return queued == 0
	})
}

func TestRestartDeliversQueuedJobs(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	follow(t, a, alice, b, "bob")
	// The Accept B sent is recorded as delivered (A may apply it before
	// B has written down A's answer).
	testrig.Eventually(t, wait, "B's queue drains", func() bool {
		queued, _, _ := b.Store.DeliveryStats(context.Background())
		return queued == 0
	})

	// Nothing sends: the job is only in the database when B goes down.
	b.StopWorkers()
	st := post(t, b, bob, "queued before a crash", activitypub.Public)
	queued, _, err := b.Store.DeliveryStats(context.Background())
	if err != nil || queued != 1 {
		t.Fatalf("queued = %d, %v; want 1", queued, err)
	}
	b.Restart()
	statusOn(t, a, st.URI)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestRemoteFollowBackfillsHome: when a member's follow of a peer's
// account is accepted, the posts of that account this node already holds
// (another member followed it first) come into the member's home
// timeline.
func TestRemoteFollowBackfillsHome(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice, carol := a.Member("alice", false), a.Member("carol", false)
	bob := b.Member("bob", false)
	follow(t, a, carol, b, "bob")
	st := post(t, b, bob, "the minutes, for those who follow", activitypub.FollowersOnly)
	onA := statusOn(t, a, st.URI)
	if a.HomeHas(alice.ID, st.URI) {
		t.Fatal("alice has bob's post before following him")
	}
	follow(t, a, alice, b, "bob")
	testrig.Eventually(t, wait, "bob's earlier post in alice's home", func() bool { return a.HomeHas(alice.ID, onA.URI) })
}
