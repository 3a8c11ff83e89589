package e2e

import (
	"context"
	"errors"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// queueEmpty reports whether n has no deliveries left to send and no
// received activities left to apply.
func queueEmpty(t *testing.T, n *testrig.Node) bool {
	t.Helper()
	d, in, err := n.Store.QueueDepths(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d == 0 && in == 0
}

// In allow-list mode node A federates with B, which it allows, and with
// nobody else: it neither delivers to C nor accepts C's deliveries, does
// not resolve C's accounts, and refuses C's signed fetches.
func TestFederationAllowlist(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := context.Background()
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	carol := c.Member("carol", false)

	// Before the policy, all three federate.
	follow(t, b, bob, a, "alice")
	follow(t, c, carol, a, "alice")
	follow(t, a, alice, c, "carol")

	if _, err := a.Engine.AddDomainAllow(ctx, 0, b.Host); err != nil {
		t.Fatal(err)
	}
	if err := a.Engine.SetFederationMode(ctx, 0, storage.FederationAllowlist); err != nil {
		t.Fatal(err)
	}

	// Deliveries: B gets alice's post, C does not, and A does not keep
	// retrying C.
	st := post(t, a, alice, "Only for trusted councils", activitypub.Public)
	testrig.Eventually(t, wait, "alice's post in bob's home on B", func() bool { return b.HomeHas(bob.ID, st.URI) })
	testrig.Eventually(t, wait, "A's queue empty (C's delivery dropped)", func() bool { return queueEmpty(t, a) })
	testrig.Eventually(t, wait, "C's queue empty", func() bool { return queueEmpty(t, c) })
	if c.HomeHas(carol.ID, st.URI) {
		t.Fatal("C received alice's post although A allows only B")
	}

	// Inbox: C's delivery to A is refused (403), so C drops it.
	fromC := post(t, c, carol, "From an untrusted node", activitypub.Public)
	testrig.Eventually(t, wait, "C's queue empty (A refused)", func() bool { return queueEmpty(t, c) })
	testrig.Eventually(t, wait, "A's queue empty", func() bool { return queueEmpty(t, a) })
	if a.HomeHas(alice.ID, fromC.URI) {
		t.Fatal("A accepted a post from C")
	}
	if _, err := a.Store.StatusByURI(ctx, fromC.URI); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("A stored C's post: %v", err)
	}
	// B still delivers to A, and A to B.
	follow(t, a, alice, b, "bob")
	fromB := post(t, b, bob, "From a trusted node", activitypub.Public)
	testrig.Eventually(t, wait, "bob's post in alice's home on A", func() bool { return a.HomeHas(alice.ID, fromB.URI) })

	// Resolve and WebFinger: A does not look up accounts on C, even one
	// it knows already.
	erin := c.Member("erin", false)
	for _, ref := range []string{c.Acct("erin"), c.Acct("carol"), erin.URI} {
		if acct, err := a.Engine.ResolveAccount(ctx, ref); err == nil {
			t.Errorf("A resolved %s on C: %s", ref, acct.URI)
		}
	}
	// Signed fetches: C's fetch of a new account on A is refused, while
	// B's succeeds.
	a.Member("dave", false)
	if acct, err := c.Engine.ResolveAccount(ctx, a.Acct("dave")); err == nil {
		t.Errorf("C resolved dave on A: %s", acct.URI)
	}
	if _, err := b.Engine.ResolveAccount(ctx, a.Acct("dave")); err != nil {
		t.Errorf("B could not resolve dave on A: %v", err)
	}

	// Back to open: A federates with C again at once.
	if err := a.Engine.SetFederationMode(ctx, 0, storage.FederationOpen); err != nil {
		t.Fatal(err)
	}
	again := post(t, a, alice, "Open again", activitypub.Public)
	testrig.Eventually(t, wait, "alice's post in carol's home on C", func() bool { return c.HomeHas(carol.ID, again.URI) })
}

// A suspend drops the queued deliveries to that domain and purges its
// accounts, while every queued delivery to other hosts is delivered.
func TestFederationSuspendDropsQueuedDeliveries(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := context.Background()
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	carol := c.Member("carol", false)
	follow(t, b, bob, a, "alice")
	follow(t, c, carol, a, "alice")
	carolOnA := a.Resolve(c.Acct("carol"))

	// Deliveries queue up while A's workers are stopped.
	a.StopWorkers()
	var posts []storage.Status
	for _, text := range []string{"one", "two", "three"} {
		posts = append(posts, post(t, a, alice, "Queued post "+text, activitypub.Public))
	}
	if queueEmpty(t, a) {
		t.Fatal("nothing queued")
	}
	if _, err := a.Engine.AddDomainBlock(ctx, 0, storage.NodeDomainBlock{Domain: c.Host, Severity: storage.SeveritySuspend}); err != nil {
		t.Fatal(err)
	}
	a.StartWorkers()

	for _, st := range posts {
		testrig.Eventually(t, wait, "queued post in bob's home on B", func() bool { return b.HomeHas(bob.ID, st.URI) })
	}
	testrig.Eventually(t, wait, "A's queue empty", func() bool { return queueEmpty(t, a) })
	testrig.Eventually(t, wait, "carol purged from A", func() bool {
		_, err := a.Store.AccountByID(ctx, carolOnA.ID)
		return errors.Is(err, storage.ErrNotFound)
	})
	for _, st := range posts {
		if c.HomeHas(carol.ID, st.URI) {
			t.Fatalf("C received %s after its suspension", st.URI)
		}
	}
	if _, err := a.Store.AccountByURI(ctx, b.URL+"/users/bob"); err != nil {
		t.Fatalf("bob's account on A went with C's purge: %v", err)
	}
}
