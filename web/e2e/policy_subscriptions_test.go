package e2e

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// A list node A subscribes to names node C: its entry arrives as a draft
// and changes nothing until an admin approves it; then A neither delivers
// to C nor accepts C's deliveries, while it keeps federating with B.
func TestSubscribedListDraftTakesEffectWhenApproved(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := context.Background()
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	carol := c.Member("carol", false)
	follow(t, b, bob, a, "alice")
	follow(t, c, carol, a, "alice")
	follow(t, a, alice, c, "carol")

	list := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("# the councils' shared list\n" + c.Host + "\n"))
	}))
	defer list.Close()
	s, r, err := a.Engine.SubscribeDomainList(ctx, 0, list.URL, storage.ListBlocks, false)
	if err != nil || s.LastError != "" || r.Drafted != 1 {
		t.Fatalf("subscribe: %+v %+v %v", s, r, err)
	}
	// A draft changes nothing.
	before := post(t, a, alice, "Before the review", activitypub.Public)
	testrig.Eventually(t, wait, "alice's post on C before the review", func() bool { return c.HomeHas(carol.ID, before.URI) })

	drafts, err := a.Engine.PolicyDrafts(ctx, 0, s.ID, storage.DraftPending)
	if err != nil || len(drafts) != 1 || drafts[0].Domain != c.Host {
		t.Fatalf("drafts = %+v, %v", drafts, err)
	}
	if _, err := a.Engine.ApprovePolicyDraft(ctx, 0, drafts[0].ID); err != nil {
		t.Fatal(err)
	}

	// Deliveries: B gets alice's post, C does not.
	st := post(t, a, alice, "After the review", activitypub.Public)
	testrig.Eventually(t, wait, "alice's post on B", func() bool { return b.HomeHas(bob.ID, st.URI) })
	testrig.Eventually(t, wait, "A's queue empty (C's delivery dropped)", func() bool { return queueEmpty(t, a) })
	if c.HomeHas(carol.ID, st.URI) {
		t.Fatal("C received alice's post after its block was approved")
	}
	// Inbox: C's delivery to A is refused.
	fromC := post(t, c, carol, "From a blocked node", activitypub.Public)
	testrig.Eventually(t, wait, "C's queue empty (A refused)", func() bool { return queueEmpty(t, c) })
	if _, err := a.Store.StatusByURI(ctx, fromC.URI); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("A stored C's post: %v", err)
	}
}
