package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

// TestEd25519BetweenCopseNodes: a copse node publishes each actor's
// Ed25519 key (assertionMethod) beside its RSA key; once a node has read
// from NodeInfo that a peer runs copse, it signs its deliveries there
// with the Ed25519 key (an RSA signature costs far more), and the peer
// verifies them: alice's post reaches bob on the other node. A node
// whose software is not known is sent RSA signatures, as every peer
// reads them.
func TestEd25519BetweenCopseNodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice, bob := a.Member("alice", false), b.Member("bob", false)

	// alice's actor states her Ed25519 key.
	req, _ := http.NewRequest(http.MethodGet, alice.URI, nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	actor, err := activitypub.ParseActor(doc)
	if err != nil {
		t.Fatal(err)
	}
	if actor.Ed25519.ID != alice.URI+"#ed25519-key" || actor.PublicKey.PEM == "" {
		t.Fatalf("alice's actor states Ed25519 key %q and RSA key %q; want both", actor.Ed25519.ID, actor.PublicKey.ID)
	}

	aliceOnB := b.Resolve(a.Acct("alice"))
	if err := b.Engine.Follow(ctx, bob.ID, aliceOnB.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "bob's follow is taken on A", func() bool {
		inboxes, err := a.Store.FollowerInboxes(ctx, alice.ID)
		return err == nil && len(inboxes) == 1
	})
	// A delivery to a node not yet read was signed with RSA, and queued
	// a NodeInfo read of it; A then knows B runs copse.
	if sigs := a.InboxSignatures(); len(sigs) == 0 || !strings.Contains(sigs[0], `algorithm="rsa-sha256"`) {
		t.Fatalf("bob's Follow reached A signed %q; want rsa-sha256 (A was not yet known to run copse)", sigs)
	}
	testrig.Eventually(t, communityWait, "A reads B's NodeInfo", func() bool {
		in, err := a.Store.Instances(ctx, []string{b.Host})
		return err == nil && in[b.Host].Software == "copse"
	})

	st, err := a.Engine.Post(ctx, alice.ID, federation.Draft{Text: "The enquiry routine is on the shared drive.", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "alice's post reaches bob", func() bool { return b.HomeHas(bob.ID, st.URI) })
	sigs := b.InboxSignatures()
	last := sigs[len(sigs)-1]
	if !strings.Contains(last, `keyId="`+alice.URI+`#ed25519-key"`) || !strings.Contains(last, `algorithm="ed25519"`) {
		t.Errorf("alice's post reached B signed %q; want her Ed25519 key", last)
	}
}
