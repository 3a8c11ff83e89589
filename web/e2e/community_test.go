package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

const communityWait = 15 * time.Second

// communityCall sends a JSON request to a node's API with token (none if
// empty) and returns the status and body.
func communityCall(t *testing.T, method, url, token string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// createCommunity creates a community on n through copse's API, as
// creator, and returns the answer.
func createCommunity(t *testing.T, n *testrig.Node, creator storage.Account, req map[string]any) map[string]any {
	t.Helper()
	code, body := communityCall(t, http.MethodPost, n.URL+"/api/copse/v1/communities", n.Token(creator), req)
	if code != http.StatusOK {
		t.Fatalf("create community: %d %s", code, body)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	return got
}

// joined waits until member's follow of the Group (as n knows it) is
// accepted.
func joined(t *testing.T, n *testrig.Node, member, group storage.Account) {
	t.Helper()
	testrig.Eventually(t, communityWait, member.Username+" joins "+group.Acct(), func() bool {
		_, err := n.Store.FollowOf(context.Background(), member.ID, group.ID)
		return err == nil
	})
}

// TestCommunityAPI: creating a community through /api/copse/v1 and
// reading it back, and the errors a client is told.
func TestCommunityAPI(t *testing.T) {
	a := testrig.StartOne(t, nil)
	alice := a.Member("alice", false)
	a.Member("bob", false)
	got := createCommunity(t, a, alice, map[string]any{"handle": "libraries", "name": "Libraries",
		"description": "Where **library** staff meet.", "rules": "Be kind.", "join_policy": "approval"})
	for k, want := range map[string]any{"handle": "libraries", "acct": "libraries@" + a.Host, "name": "Libraries",
		"actor_id": a.URL + "/users/libraries", "url": a.URL + "/@libraries", "description": "Where **library** staff meet.",
		"rules": "Be kind.", "join_policy": "approval", "posting_policy": "members", "visibility": "public"} {
		if got[k] != want {
			t.Errorf("%s = %v; want %v", k, got[k], want)
		}
	}
	id, _ := got["id"].(string)
	code, body := communityCall(t, http.MethodGet, a.URL+"/api/copse/v1/communities/"+id, "", nil)
	if code != http.StatusOK || !strings.Contains(string(body), `"moderators":["alice@`+a.Host+`"]`) {
		t.Errorf("get community: %d %s", code, body)
	}
	// In the Mastodon API it is an account with group: true.
	code, body = communityCall(t, http.MethodGet, a.URL+"/api/v1/accounts/"+id, "", nil)
	if code != http.StatusOK || !strings.Contains(string(body), `"group":true`) {
		t.Errorf("GET /api/v1/accounts/%s: %d %s; want group: true", id, code, body)
	}
	// On the wire it is a Group with its moderators collection served.
	actor := secGet(t, a.URL+"/users/libraries", nil)
	var doc map[string]any
	if actor.code != http.StatusOK || json.Unmarshal(actor.body, &doc) != nil || doc["type"] != "Group" ||
		doc["moderators"] != a.URL+"/users/libraries/moderators" || doc["attributedTo"] != doc["moderators"] {
		t.Fatalf("Group actor: %d %s", actor.code, actor.body)
	}
	mods := secGet(t, a.URL+"/users/libraries/moderators", nil)
	if mods.code != http.StatusOK || !strings.Contains(string(mods.body), `"orderedItems":["`+alice.URI+`"]`) {
		t.Errorf("moderators collection: %d %s", mods.code, mods.body)
	}
	if notGroup := secGet(t, a.URL+"/users/alice/moderators", nil); notGroup.code != http.StatusNotFound {
		t.Errorf("a member's moderators collection: %d; want 404", notGroup.code)
	}

	tests := []struct {
		name  string
		token string
		body  any
		code  int
	}{
		{"no token", "", map[string]any{"handle": "x1", "name": "X"}, http.StatusUnauthorized},
		{"read-only token", a.Token(alice, "read"), map[string]any{"handle": "x2", "name": "X"}, http.StatusForbidden},
		{"not JSON", a.Token(alice), "handle=x3", http.StatusBadRequest},
		{"bad handle", a.Token(alice), map[string]any{"handle": "no spaces", "name": "X"}, http.StatusUnprocessableEntity},
		{"bad policy", a.Token(alice), map[string]any{"handle": "x4", "name": "X", "join_policy": "invite"}, http.StatusUnprocessableEntity},
		{"handle of a member", a.Token(alice), map[string]any{"handle": "bob", "name": "X"}, http.StatusConflict},
		{"handle of a community", a.Token(alice), map[string]any{"handle": "Libraries", "name": "X"}, http.StatusConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := communityCall(t, http.MethodPost, a.URL+"/api/copse/v1/communities", tt.token, tt.body)
			var e struct {
				Error string `json:"error"`
			}
			if code != tt.code || json.Unmarshal(body, &e) != nil || e.Error == "" {
				t.Errorf("answer %d %s; want %d with an error", code, body, tt.code)
			}
		})
	}
	code, _ = communityCall(t, http.MethodGet, a.URL+"/api/copse/v1/communities/123", "", nil)
	if code != http.StatusNotFound {
		t.Errorf("unknown community: %d; want 404", code)
	}
}

// TestCommunityAcrossThreeNodes: a member of B joins a community on A, a
// member of C joins too; the B member's post that mentions the Group
// reaches the C member's home timeline as the Group's boost.
func TestCommunityAcrossThreeNodes(t *testing.T) {
	nodes := testrig.Start(t, 3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := context.Background()
	alice := a.Member("alice", false)
	bea := b.Member("bea", false)
	cid := c.Member("cid", false)
	createCommunity(t, a, alice, map[string]any{"handle": "libraries", "name": "Libraries"})

	groupOnB := b.Resolve("libraries@" + a.Host)
	groupOnC := c.Resolve("libraries@" + a.Host)
	if groupOnB.ActorType != activitypub.TypeGroup {
		t.Fatalf("WebFinger and the actor give %q; want a Group", groupOnB.ActorType)
	}
	if err := b.Engine.Follow(ctx, bea.ID, groupOnB.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.Engine.Follow(ctx, cid.ID, groupOnC.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	joined(t, b, bea, groupOnB)
	joined(t, c, cid, groupOnC)

	st, err := b.Engine.Post(ctx, bea.ID, federation.Draft{Text: "@libraries@" + a.Host + " How do you publish opening hours?"})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "bea's thread reaches cid through the Group's boost", func() bool {
		sts, err := c.Store.HomeTimeline(ctx, cid.ID, storage.Page{Limit: 40})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sts {
			if s.AccountID != groupOnC.ID || s.ReblogOfID == 0 {
				continue
			}
			if orig, err := c.Store.StatusByID(ctx, s.ReblogOfID); err == nil && orig.URI == st.URI {
				return true
			}
		}
		return false
	})
	onA, err := a.Store.StatusByURI(ctx, st.URI)
	if err != nil {
		t.Fatal(err)
	}
	groupOnA, err := a.Store.AccountByUsername(ctx, "libraries")
	if err != nil {
		t.Fatal(err)
	}
	if id, err := a.Store.CommunityOfStatus(ctx, onA.ID); err != nil || id != groupOnA.ID {
		t.Errorf("on A the post belongs to community %d, %v; want %d", id, err, groupOnA.ID)
	}
}

// lemmyPeer is a test peer shaped like Lemmy: a Person at /u/{name}, a
// shared inbox, and an inbox that keeps the bodies it is sent.
type lemmyPeer struct {
	srv    *httptest.Server
	URI    string
	signer federation.Signer

	mu   sync.Mutex
	got  [][]byte
	acts []activitypub.Activity
}

func newLemmyPeer(t *testing.T) *lemmyPeer {
	t.Helper()
	key, err := federation.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pem, err := federation.EncodePublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	p := &lemmyPeer{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/u/lem":
			doc := activitypub.Actor{ID: p.URI, Type: activitypub.TypePerson, PreferredUsername: "lem",
				Inbox: p.URI + "/inbox", Outbox: p.URI + "/outbox", SharedInbox: p.srv.URL + "/inbox",
				PublicKey: activitypub.PublicKey{ID: p.URI + "#main-key", Owner: p.URI, PEM: pem}}
			body, err := activitypub.MarshalActor(doc)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/activity+json")
			w.Write(body)
		case r.Method == http.MethodPost && (r.URL.Path == "/u/lem/inbox" || r.URL.Path == "/inbox"):
			body, _ := io.ReadAll(r.Body)
			act, err := activitypub.ParseActivity(body)
			p.mu.Lock()
			if err == nil {
				p.got = append(p.got, body)
				p.acts = append(p.acts, act)
			}
			p.mu.Unlock()
			w.WriteHeader(http.StatusOK) // Lemmy answers 200
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(p.srv.Close)
	p.URI = p.srv.URL + "/u/lem"
	p.signer = federation.Signer{KeyID: p.URI + "#main-key", Key: key}
	return p
}

// received returns the bodies of the activities of type typ it was sent.
func (p *lemmyPeer) received(typ string) [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out [][]byte
	for i, a := range p.acts {
		if a.Type == typ {
			out = append(out, p.got[i])
		}
	}
	return out
}

// TestCommunityLemmyPeer: a Lemmy-shaped peer follows a community, is
// accepted, posts a Page into it (to the Group and with audience, as
// Lemmy does) and receives its own Create back inside the Group's
// Announce, unchanged.
func TestCommunityLemmyPeer(t *testing.T) {
	a := testrig.StartOne(t, nil)
	alice := a.Member("alice", false)
	createCommunity(t, a, alice, map[string]any{"handle": "libraries", "name": "Libraries"})
	group := a.URL + "/users/libraries"
	p := newLemmyPeer(t)

	follow := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + p.srv.URL + `/activities/follow/1",` +
		`"type":"Follow","actor":"` + p.URI + `","object":"` + group + `","to":["` + group + `"]}`)
	if got := secPostTo(t, group+"/inbox", follow, p.signer); got.code != http.StatusAccepted {
		t.Fatalf("follow: %d %s", got.code, got.body)
	}
	testrig.Eventually(t, communityWait, "the Group accepts the follow", func() bool { return len(p.received("Accept")) >= 1 })

	create := []byte(`{"@context":["https://join-lemmy.org/context.json","https://www.w3.org/ns/activitystreams"],` +
		`"id":"` + p.srv.URL + `/activities/create/1","type":"Create","actor":"` + p.URI + `",` +
		`"to":["` + group + `","https://www.w3.org/ns/activitystreams#Public"],"cc":[],"audience":"` + group + `",` +
		`"object":{"id":"` + p.srv.URL + `/post/1","type":"Page","attributedTo":"` + p.URI + `",` +
		`"to":["` + group + `","https://www.w3.org/ns/activitystreams#Public"],"cc":[],"audience":"` + group + `",` +
		`"name":"Opening hours","content":"<p>How do you publish them?</p>","mediaType":"text/html",` +
		`"source":{"content":"How do you publish them?","mediaType":"text/markdown"},` +
		`"sensitive":false,"published":"2026-01-02T03:04:05Z","language":{"identifier":"en","name":"English"}}}`)
	if got := secPostTo(t, group+"/inbox", create, p.signer); got.code != http.StatusAccepted {
		t.Fatalf("create: %d %s", got.code, got.body)
	}
	var announce map[string]json.RawMessage
	testrig.Eventually(t, communityWait, "the Group announces the Create", func() bool {
		for _, b := range p.received("Announce") {
			var m map[string]json.RawMessage
			if json.Unmarshal(b, &m) == nil && bytes.HasPrefix(bytes.TrimSpace(m["object"]), []byte("{")) {
				announce = m
				return true
			}
		}
		return false
	})
	if !sameJSON(announce["object"], create) {
		t.Errorf("Announce object = %s\nwant the Create as sent = %s", announce["object"], create)
	}
	if string(announce["actor"]) != `"`+group+`"` {
		t.Errorf("Announce actor = %s; want the Group", announce["actor"])
	}
	st, err := a.Store.StatusByURI(context.Background(), p.srv.URL+"/post/1")
	if err != nil {
		t.Fatalf("the Page is not stored on A: %v", err)
	}
	if _, err := a.Store.CommunityOfStatus(context.Background(), st.ID); err != nil {
		t.Errorf("the Page is not in the community: %v", err)
	}
}

func sameJSON(x, y []byte) bool {
	var a, b any
	if json.Unmarshal(x, &a) != nil || json.Unmarshal(y, &b) != nil {
		return false
	}
	ab, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	return bytes.Equal(ab, bb)
}
