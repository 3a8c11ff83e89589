package e2e

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// embeddedTypes returns the type of the activity each Announce the peer
// received embeds ("" for a boost, Announce{id}), one per Announce id.
func (p *wirePeer) embeddedTypes() []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range p.received("Announce") {
		if seen[string(m["id"])] {
			continue
		}
		seen[string(m["id"])] = true
		var inner struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(m["object"], &inner)
		out = append(out, inner.Type)
	}
	return out
}

// boostOf returns the id of the Announce{uri} (a boost) the peer received.
func (p *wirePeer) boostOf(uri string) string {
	for _, m := range p.received("Announce") {
		var obj string
		var id string
		if json.Unmarshal(m["object"], &obj) == nil && obj == uri && json.Unmarshal(m["id"], &id) == nil {
			return id
		}
	}
	return ""
}

// undoneAnnounces returns the ids of the Announces the peer was sent an
// Undo of.
func (p *wirePeer) undoneAnnounces() []string {
	var out []string
	for _, m := range p.received("Undo") {
		var inner struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		}
		if json.Unmarshal(m["object"], &inner) == nil && inner.Type == "Announce" && !slices.Contains(out, inner.ID) {
			out = append(out, inner.ID)
		}
	}
	return out
}

// TestCommunityRelayToMastodonFollower: a follower node that answers
// NodeInfo as mastodon is sent no Announce{Like} (nor any announce of a
// removal, which Mastodon cannot read); when a moderator removes a
// thread the Group boosted, it gets Undo{Announce} embedding the id of
// the boost it was sent, so the boost leaves its users' timelines. A
// lemmy-shaped follower gets the like and the removal as received, and
// no Undo.
func TestCommunityRelayToMastodonFollower(t *testing.T) {
	a := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bea := a.Member("alice", false), a.Member("bea", false)
	createCommunity(t, a, alice, map[string]any{"handle": "libraries", "name": "Libraries"})
	group := a.URL + "/users/libraries"
	g, err := a.Store.AccountByURI(ctx, group)
	if err != nil {
		t.Fatal(err)
	}

	masto, lemmy := newWirePeer(t), newWirePeer(t)
	masto.nodeInfo("mastodon")
	lemmy.nodeInfo("lemmy")
	hosts := followGroupFrom(t, group, masto, lemmy)
	testrig.Eventually(t, communityWait, "the follower nodes' NodeInfo read", func() bool {
		got, err := a.Store.Instances(ctx, hosts)
		return err == nil && got[hosts[0]].Software == "mastodon" && got[hosts[1]].Software == "lemmy"
	})

	thread, err := a.Engine.Post(ctx, alice.ID, federation.Draft{Text: "@libraries Opening hours\nHow do you publish them?"})
	if err != nil {
		t.Fatal(err)
	}
	var boost string
	testrig.Eventually(t, communityWait, "mastodon gets the boost of the thread", func() bool {
		boost = masto.boostOf(thread.URI)
		return boost != ""
	})
	// Deliveries to two hosts go side by side: lemmy's Create may come
	// after mastodon's boost.
	testrig.Eventually(t, communityWait, "lemmy gets the thread", func() bool { return slices.Contains(lemmy.embeddedTypes(), "Create") })
	if err := a.Engine.Favourite(ctx, bea.ID, thread.ID); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "lemmy gets the like", func() bool { return slices.Contains(lemmy.embeddedTypes(), "Like") })
	if err := a.Engine.RemoveCommunityPost(ctx, alice, g.ID, thread.ID, "posted twice"); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "mastodon gets the boost undone", func() bool { return len(masto.undoneAnnounces()) >= 1 })
	testrig.Eventually(t, communityWait, "lemmy gets the removal", func() bool { return slices.Contains(lemmy.embeddedTypes(), "Delete") })
	testrig.Eventually(t, communityWait, "the delivery queue drained", func() bool {
		hs, err := a.Store.DeliveryHealth(ctx)
		return err == nil && !slices.ContainsFunc(hs, func(h storage.DeliveryHealth) bool { return h.Queued > 0 })
	})

	if got := masto.undoneAnnounces(); !slices.Equal(got, []string{boost}) {
		t.Errorf("mastodon: Undo of %q; want of the boost it was sent, %q", got, boost)
	}
	if got := masto.embeddedTypes(); !slices.Equal(got, []string{""}) {
		t.Errorf("mastodon: announces embedding %q; want the boost alone", got)
	}
	if got := lemmy.undoneAnnounces(); len(got) != 0 {
		t.Errorf("lemmy: Undo of %q; want none (it was sent no boost)", got)
	}
	if got := lemmy.embeddedTypes(); !slices.Equal(got, []string{"Create", "Like", "Delete"}) {
		t.Errorf("lemmy: announces embedding %q; want Create, Like, Delete", got)
	}
}
