package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// nodeInfo makes the peer answer NodeInfo 2.1 as software.
func (p *wirePeer) nodeInfo(software string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.docs["/.well-known/nodeinfo"] = []byte(`{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.1","href":"` +
		p.srv.URL + `/nodeinfo/2.1"}]}`)
	p.docs["/nodeinfo/2.1"] = []byte(`{"version":"2.1","software":{"name":"` + software + `","version":"1.0"},"protocols":["activitypub"]}`)
}

// announcesOf returns, of the Announces the peer received, how many carry
// only uri (the boost shape) and how many embed an activity whose
// object is uri (Announce{Create{…}}), each Announce id counted once (a
// delivery may come twice; peers dedupe by id).
func (p *wirePeer) announcesOf(uri string) (boosts, embedded int) {
	seen := map[string]bool{}
	for _, m := range p.received("Announce") {
		if seen[string(m["id"])] {
			continue
		}
		seen[string(m["id"])] = true
		var id string
		if json.Unmarshal(m["object"], &id) == nil {
			if id == uri {
				boosts++
			}
			continue
		}
		var inner struct {
			Type   string          `json:"type"`
			Object json.RawMessage `json:"object"`
		}
		if json.Unmarshal(m["object"], &inner) != nil || inner.Type != "Create" {
			continue
		}
		var obj struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(inner.Object, &obj) == nil && obj.ID == uri || json.Unmarshal(inner.Object, &id) == nil && id == uri {
			embedded++
		}
	}
	return boosts, embedded
}

// TestCommunityAnnouncesByNodeSoftware: the Group sends each follower
// node the announces its software reads, as its NodeInfo says, read when
// the node's account joins. A peer that answers as mastodon gets only
// Announce{id} of a new thread and nothing of a reply; one that answers
// as lemmy gets Announce{Create} of both and no boost; one without
// NodeInfo gets both shapes of a thread, as before.
func TestCommunityAnnouncesByNodeSoftware(t *testing.T) {
	a := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice := a.Member("alice", false)
	createCommunity(t, a, alice, map[string]any{"handle": "libraries", "name": "Libraries"})
	group := a.URL + "/users/libraries"

	masto, lemmy, unknown := newWirePeer(t), newWirePeer(t), newWirePeer(t)
	masto.nodeInfo("mastodon")
	lemmy.nodeInfo("lemmy")
	hosts := followGroupFrom(t, group, masto, lemmy, unknown)
	// Joining had the node read each follower node's NodeInfo.
	testrig.Eventually(t, communityWait, "the follower nodes' NodeInfo read", func() bool {
		got, err := a.Store.Instances(ctx, hosts)
		return err == nil && got[hosts[0]].Software == "mastodon" && got[hosts[1]].Software == "lemmy" && got[hosts[2]].Failed
	})

	thread, err := a.Engine.Post(ctx, alice.ID, federation.Draft{Text: "@libraries Opening hours\nHow do you publish them?"})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := a.Engine.Post(ctx, alice.ID, federation.Draft{Text: "On the door.", InReplyTo: thread.ID})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "lemmy gets the thread and the reply", func() bool {
		_, t1 := lemmy.announcesOf(thread.URI)
		_, r1 := lemmy.announcesOf(reply.URI)
		return t1 >= 1 && r1 >= 1
	})
	testrig.Eventually(t, communityWait, "mastodon gets the boost of the thread", func() bool {
		b, _ := masto.announcesOf(thread.URI)
		return b >= 1
	})
	testrig.Eventually(t, communityWait, "the delivery queue drained", func() bool {
		hs, err := a.Store.DeliveryHealth(ctx)
		return err == nil && !slices.ContainsFunc(hs, func(h storage.DeliveryHealth) bool { return h.Queued > 0 })
	})

	for _, c := range []struct {
		name             string
		p                *wirePeer
		uri              string
		boosts, embedded int
	}{
		{"mastodon, thread", masto, thread.URI, 1, 0},
		{"mastodon, reply", masto, reply.URI, 0, 0},
		{"lemmy, thread", lemmy, thread.URI, 0, 1},
		{"lemmy, reply", lemmy, reply.URI, 0, 1},
		{"no NodeInfo, thread", unknown, thread.URI, 1, 1},
		{"no NodeInfo, reply", unknown, reply.URI, 0, 1},
	} {
		if b, e := c.p.announcesOf(c.uri); b != c.boosts || e != c.embedded {
			t.Errorf("%s: %d Announce{id} and %d Announce{Create}; want %d and %d", c.name, b, e, c.boosts, c.embedded)
		}
	}
}

// followGroupFrom has a reader on each peer follow the Group group and
// waits until each is accepted; it returns the peers' hosts, in order.
func followGroupFrom(t *testing.T, group string, peers ...*wirePeer) []string {
	t.Helper()
	var hosts []string
	for _, p := range peers {
		id, signer := p.actor(t, "/users/reader", "Person", map[string]any{"followers": p.srv.URL + "/users/reader/followers"})
		follow := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + id + `#follows/1","type":"Follow",` +
			`"actor":"` + id + `","object":"` + group + `"}`)
		if got := secPostTo(t, group+"/inbox", follow, signer); got.code != http.StatusAccepted {
			t.Fatalf("follow: %d %s", got.code, got.body)
		}
		testrig.Eventually(t, communityWait, "the Group accepts "+id, func() bool { return len(p.received("Accept")) >= 1 })
		hosts = append(hosts, strings.TrimPrefix(p.srv.URL, "http://"))
	}
	return hosts
}
