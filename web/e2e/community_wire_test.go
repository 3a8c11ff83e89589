package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestCommunityWireReplyThreads: a reply threads on all three nodes. A
// member of B starts a thread in a community on A; a member of C, who
// read it through the Group, replies; the reply reaches A (which
// announces it) and B, and on every node it answers the thread. The
// thread carries audience, the Group in cc, a context collection that A
// and B can fetch and that lists the reply, and a title from its first
// line. C's like and B's edit reach the Group, which announces them.
func TestCommunityWireReplyThreads(t *testing.T) {
	nodes := testrig.Start(t, 3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := context.Background()
	alice := a.Member("alice", false)
	bea := b.Member("bea", false)
	cid := c.Member("cid", false)
	createCommunity(t, a, alice, map[string]any{"handle": "libraries", "name": "Libraries"})
	groupOnB := b.Resolve("libraries@" + a.Host)
	groupOnC := c.Resolve("libraries@" + a.Host)
	for _, m := range []struct {
		n      *testrig.Node
		member storage.Account
		group  storage.Account
	}{{b, bea, groupOnB}, {c, cid, groupOnC}} {
		if err := m.n.Engine.Follow(ctx, m.member.ID, m.group.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
			t.Fatal(err)
		}
		joined(t, m.n, m.member, m.group)
	}

	thread, err := b.Engine.Post(ctx, bea.ID, federation.Draft{Text: "@libraries@" + a.Host + " Opening hours\nHow do you publish them?"})
	if err != nil {
		t.Fatal(err)
	}
	if thread.Title == "" {
		t.Errorf("the thread has no title; want its first line")
	}
	// What B serves for the thread: audience, the Group in cc, context, replies.
	doc := secGet(t, thread.URI, nil)
	var note map[string]any
	if doc.code != http.StatusOK || json.Unmarshal(doc.body, &note) != nil {
		t.Fatalf("thread document: %d %s", doc.code, doc.body)
	}
	if note["audience"] != groupOnB.URI || note["context"] != thread.URI+"/context" || note["replies"] != thread.URI+"/replies" {
		t.Errorf("thread document lacks audience, context or replies: %s", doc.body)
	}
	if cc, _ := note["cc"].([]any); !slices.Contains(cc, any(groupOnB.URI)) {
		t.Errorf("thread cc = %v; want the Group in it", note["cc"])
	}

	var threadOnC storage.Status
	testrig.Eventually(t, communityWait, "the thread reaches C through the Group", func() bool {
		threadOnC, err = c.Store.StatusByURI(ctx, thread.URI)
		return err == nil
	})
	reply, err := c.Engine.Post(ctx, cid.ID, federation.Draft{Text: "We put them on the door.", InReplyTo: threadOnC.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		testrig.Eventually(t, communityWait, "the reply threads on "+n.Host, func() bool {
			r, err := n.Store.StatusByURI(ctx, reply.URI)
			if err != nil {
				return false
			}
			parent, err := n.Store.StatusByURI(ctx, thread.URI)
			return err == nil && r.InReplyToID == parent.ID
		})
	}
	// On A the reply is the community's; B, the thread's origin, lists it
	// in the thread's context collection.
	replyOnA, _ := a.Store.StatusByURI(ctx, reply.URI)
	groupOnA, _ := a.Store.AccountByUsername(ctx, "libraries")
	if id, err := a.Store.CommunityOfStatus(ctx, replyOnA.ID); err != nil || id != groupOnA.ID {
		t.Errorf("on A the reply belongs to community %d, %v; want %d", id, err, groupOnA.ID)
	}
	testrig.Eventually(t, communityWait, "the thread's context lists the reply", func() bool {
		got := secGet(t, thread.URI+"/context", nil)
		var coll struct {
			Type  string   `json:"type"`
			Items []string `json:"orderedItems"`
		}
		return got.code == http.StatusOK && json.Unmarshal(got.body, &coll) == nil &&
			coll.Type == "OrderedCollection" && slices.Equal(coll.Items, []string{thread.URI, reply.URI})
	})
	// The reply's document on C names the thread's context and the Group.
	rdoc := secGet(t, reply.URI, nil)
	var rnote map[string]any
	if json.Unmarshal(rdoc.body, &rnote) != nil || rnote["context"] != thread.URI+"/context" || rnote["audience"] != groupOnC.URI {
		t.Errorf("reply document: %s; want the thread's context and the Group's audience", rdoc.body)
	}
	// A reply is announced, never boosted: B's member has no boost of it.
	home, err := b.Store.HomeTimeline(ctx, bea.ID, storage.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	replyOnB, _ := b.Store.StatusByURI(ctx, reply.URI)
	for _, s := range home {
		if s.ReblogOfID == replyOnB.ID {
			t.Errorf("the Group boosted a reply")
		}
	}

	// C's like of the thread reaches A, where the Group announces it.
	if err := c.Engine.Favourite(ctx, cid.ID, threadOnC.ID); err != nil {
		t.Fatal(err)
	}
	threadOnA, _ := a.Store.StatusByURI(ctx, thread.URI)
	testrig.Eventually(t, communityWait, "the like reaches the Group's node", func() bool {
		cidOnA, rerr := a.Store.AccountByURI(ctx, cid.URI)
		if rerr != nil {
			return false
		}
		_, err := a.Store.FavouriteOf(ctx, cidOnA.ID, threadOnA.ID)
		return err == nil
	})
	// B's edit reaches A and, through the Group's announce, C.
	if _, err := b.Engine.Edit(ctx, bea.ID, thread.ID, federation.Draft{Text: "@libraries@" + a.Host + " Opening hours\nHow do you publish them, and where?"}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*testrig.Node{a, c} {
		testrig.Eventually(t, communityWait, "the edit reaches "+n.Host, func() bool {
			s, err := n.Store.StatusByURI(ctx, thread.URI)
			return err == nil && !s.EditedAt.IsZero()
		})
	}
	// B's delete of the thread reaches A and C.
	if _, err := b.Engine.DeleteStatus(ctx, bea.ID, thread.ID); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*testrig.Node{a, c} {
		testrig.Eventually(t, communityWait, "the delete reaches "+n.Host, func() bool {
			_, err := n.Store.StatusByURI(ctx, thread.URI)
			return err != nil
		})
	}
}

// wirePeer is a test peer of a given shape: it serves the actor
// documents it is given (raw JSON, so a Group may lack followers, as
// NodeBB's categories do) and keeps every body POSTed to it.
type wirePeer struct {
	srv *httptest.Server

	mu     sync.Mutex
	docs   map[string][]byte
	bodies [][]byte
}

func newWirePeer(t *testing.T) *wirePeer {
	t.Helper()
	p := &wirePeer{docs: map[string][]byte{}}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		switch r.Method {
		case http.MethodGet:
			doc, ok := p.docs[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/activity+json")
			w.Write(doc)
		case http.MethodPost:
			body, _ := io.ReadAll(r.Body)
			p.bodies = append(p.bodies, body)
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// actor adds an actor at path with a fresh key, and returns its id and
// signer; extra fields are merged into its document.
func (p *wirePeer) actor(t *testing.T, path, typ string, extra map[string]any) (string, federation.Signer) {
	t.Helper()
	key, err := federation.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pem, err := federation.EncodePublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	id := p.srv.URL + path
	doc := map[string]any{"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id": id, "type": typ, "preferredUsername": path[strings.LastIndex(path, "/")+1:], "inbox": id + "/inbox",
		"endpoints": map[string]any{"sharedInbox": p.srv.URL + "/inbox"},
		"publicKey": map[string]any{"id": id + "#main-key", "owner": id, "publicKeyPem": pem}}
	for k, v := range extra {
		doc[k] = v
	}
	body, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.docs[path] = body
	p.mu.Unlock()
	return id, federation.Signer{KeyID: id + "#main-key", Key: key}
}

// received returns the decoded bodies of type typ it was sent.
func (p *wirePeer) received(typ string) []map[string]json.RawMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []map[string]json.RawMessage
	for _, b := range p.bodies {
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) == nil && string(m["type"]) == `"`+typ+`"` {
			out = append(out, m)
		}
	}
	return out
}

// announcedIDs returns the object ids of the Announces it received that
// carry only an id (Mastodon's boost shape), one per Announce id (a
// delivery may come twice; peers dedupe by id).
func (p *wirePeer) announcedIDs() []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range p.received("Announce") {
		var id string
		if json.Unmarshal(m["object"], &id) == nil && !seen[string(m["id"])] {
			seen[string(m["id"])] = true
			out = append(out, id)
		}
	}
	return out
}

// TestCommunityWireMastodonPeer: a test peer shaped like Mastodon
// follows the Group, receives Announce{object id} for threads only (a
// reply comes to it only inside Announce{Create}, which Mastodon drops),
// and fetches the object, which names the Group.
func TestCommunityWireMastodonPeer(t *testing.T) {
	a := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice := a.Member("alice", false)
	createCommunity(t, a, alice, map[string]any{"handle": "libraries", "name": "Libraries"})
	group := a.URL + "/users/libraries"
	p := newWirePeer(t)
	mona, signer := p.actor(t, "/users/mona", "Person", map[string]any{"followers": p.srv.URL + "/users/mona/followers"})
	follow := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + mona + `#follows/1","type":"Follow",` +
		`"actor":"` + mona + `","object":"` + group + `"}`)
	if got := secPostTo(t, group+"/inbox", follow, signer); got.code != http.StatusAccepted {
		t.Fatalf("follow: %d %s", got.code, got.body)
	}
	testrig.Eventually(t, communityWait, "the Group accepts mona", func() bool { return len(p.received("Accept")) >= 1 })

	thread, err := a.Engine.Post(ctx, alice.ID, federation.Draft{Text: "@libraries Opening hours\nHow do you publish them?"})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "mona gets the thread as a boost", func() bool {
		return slices.Contains(p.announcedIDs(), thread.URI)
	})
	reply, err := a.Engine.Post(ctx, alice.ID, federation.Draft{Text: "On the door.", InReplyTo: thread.ID})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "the reply is announced as received", func() bool {
		for _, m := range p.received("Announce") {
			if bytes.Contains(m["object"], []byte(reply.URI)) {
				return true
			}
		}
		return false
	})
	if ids := p.announcedIDs(); slices.Contains(ids, reply.URI) || len(ids) != 1 {
		t.Errorf("boosts sent to mona: %v; want the thread only", ids)
	}
	got := secGet(t, thread.URI, nil)
	var note map[string]any
	if got.code != http.StatusOK || json.Unmarshal(got.body, &note) != nil || note["audience"] != group || note["id"] != thread.URI {
		t.Errorf("fetch of the boosted thread: %d %s", got.code, got.body)
	}

	// Editing the community: refused to a non-moderator, and sent to
	// mona as Update{Group} when its moderator edits it.
	gid := a.Resolve("libraries@" + a.Host).ID.String()
	bob := a.Member("bob", false)
	if code, body := communityCall(t, http.MethodPatch, a.URL+"/api/copse/v1/communities/"+gid, a.Token(bob),
		map[string]any{"name": "Mine"}); code != http.StatusForbidden || !bytes.Contains(body, []byte(`"error"`)) {
		t.Errorf("edit by a non-moderator: %d %s; want 403 with an error", code, body)
	}
	if code, body := communityCall(t, http.MethodPatch, a.URL+"/api/copse/v1/communities/"+gid, a.Token(alice),
		map[string]any{"name": "Public libraries", "rules": "Be kind."}); code != http.StatusOK || !bytes.Contains(body, []byte(`"name":"Public libraries"`)) {
		t.Errorf("edit by its moderator: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "mona receives Update{Group}", func() bool {
		for _, m := range p.received("Update") {
			var obj map[string]any
			if json.Unmarshal(m["object"], &obj) == nil && obj["type"] == "Group" && obj["name"] == "Public libraries" {
				return true
			}
		}
		return false
	})
}

// TestCommunityWireNodeBBPeer: a test peer shaped like NodeBB, a
// category Group without followers, is joined by a copse member: its
// announces of a topic, both Announce{Note} and Announce{Create}, give
// the member one boost. The category also follows a copse community
// through the shared inbox, as a Group, and receives its threads.
func TestCommunityWireNodeBBPeer(t *testing.T) {
	a := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice := a.Member("alice", false)
	dora := a.Member("dora", false)
	p := newWirePeer(t)
	cat, catSigner := p.actor(t, "/category/3", "Group", map[string]any{"name": "Libraries", "postingRestrictedToMods": false})
	user, _ := p.actor(t, "/uid/5", "Person", map[string]any{"followers": p.srv.URL + "/uid/5/followers"})

	// dora joins the category; NodeBB accepts.
	catOnA := a.Resolve(cat)
	if catOnA.ActorType != "Group" {
		t.Fatalf("the category resolves as %q", catOnA.ActorType)
	}
	if err := a.Engine.Follow(ctx, dora.ID, catOnA.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	var followID string
	testrig.Eventually(t, communityWait, "NodeBB gets dora's Follow", func() bool {
		for _, m := range p.received("Follow") {
			return json.Unmarshal(m["id"], &followID) == nil
		}
		return false
	})
	accept := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + cat + `#accept/1","type":"Accept",` +
		`"actor":"` + cat + `","object":{"id":"` + followID + `","type":"Follow","actor":"` + dora.URI + `","object":"` + cat + `"}}`)
	if got := secPostTo(t, a.URL+"/inbox", accept, catSigner); got.code != http.StatusAccepted {
		t.Fatalf("accept: %d %s", got.code, got.body)
	}
	joined(t, a, dora, catOnA)

	topic := `{"id":"` + p.srv.URL + `/post/12","type":"Note","attributedTo":"` + user + `",` +
		`"to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["` + user + `/followers","` + cat + `"],` +
		`"audience":"` + cat + `","context":"` + p.srv.URL + `/topic/4","name":"Library cards for visitors",` +
		`"content":"<p>Do you issue them?</p>","published":"2026-01-05T00:00:00.000Z"}`
	announces := []string{
		`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + p.srv.URL + `/post/12#announce","type":"Announce",` +
			`"actor":"` + cat + `","to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["` + cat + `/followers"],"object":` + topic + `}`,
		`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + p.srv.URL + `/post/12#announce-create","type":"Announce",` +
			`"actor":"` + cat + `","to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["` + cat + `/followers"],` +
			`"object":{"id":"` + p.srv.URL + `/post/12#create","type":"Create","actor":"` + user + `",` +
			`"to":["https://www.w3.org/ns/activitystreams#Public"],"object":` + topic + `}}`,
	}
	for _, body := range announces {
		if got := secPostTo(t, a.URL+"/inbox", []byte(body), catSigner); got.code != http.StatusAccepted {
			t.Fatalf("announce: %d %s", got.code, got.body)
		}
	}
	testrig.Eventually(t, communityWait, "the topic reaches dora once, as the category's boost", func() bool {
		st, err := a.Store.StatusByURI(ctx, p.srv.URL+"/post/12")
		if err != nil {
			return false
		}
		home, err := a.Store.HomeTimeline(ctx, dora.ID, storage.Page{Limit: 40})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range home {
			if s.ReblogOfID == st.ID && s.AccountID == catOnA.ID {
				n++
			}
		}
		queued, err := a.Store.DueInboxItems(ctx, time.Now().Add(time.Hour), 10)
		return n == 1 && err == nil && len(queued) == 0
	})

	// The category follows a copse community, through the shared inbox.
	createCommunity(t, a, alice, map[string]any{"handle": "libraries", "name": "Libraries"})
	group := a.URL + "/users/libraries"
	follow := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + cat + `#follow/1","type":"Follow",` +
		`"actor":"` + cat + `","object":"` + group + `"}`)
	if got := secPostTo(t, a.URL+"/inbox", follow, catSigner); got.code != http.StatusAccepted {
		t.Fatalf("follow: %d %s", got.code, got.body)
	}
	testrig.Eventually(t, communityWait, "the community accepts the category", func() bool { return len(p.received("Accept")) >= 1 })
	thread, err := a.Engine.Post(ctx, alice.ID, federation.Draft{Text: "@libraries Opening hours"})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "the category receives the thread in both shapes", func() bool {
		embedded := false
		for _, m := range p.received("Announce") {
			embedded = embedded || bytes.Contains(m["object"], []byte(`"type":"Create"`)) && bytes.Contains(m["object"], []byte(thread.URI))
		}
		return embedded && slices.Contains(p.announcedIDs(), thread.URI)
	})
	_ = activitypub.TypeGroup
}
