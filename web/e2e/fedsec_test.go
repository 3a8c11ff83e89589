package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// fsPeer is a hostile peer on loopback: one actor, mallory, who signs
// with her own key, and an inbox that keeps what it is sent.
type fsPeer struct {
	srv    *httptest.Server
	URI    string // mallory's actor IRI
	signer federation.Signer

	mu   sync.Mutex
	got  []activitypub.Activity // POSTed to her inboxes, in order
	hits int                    // requests of any kind
}

func newFSPeer(t *testing.T) *fsPeer {
	t.Helper()
	key, err := federation.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pem, err := federation.EncodePublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	p := &fsPeer{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.hits++
		p.mu.Unlock()
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/users/mallory":
			doc := activitypub.Actor{ID: p.URI, Type: activitypub.TypePerson, PreferredUsername: "mallory",
				Inbox: p.URI + "/inbox", Outbox: p.URI + "/outbox", Followers: p.URI + "/followers",
				PublicKey: activitypub.PublicKey{ID: p.URI + "#main-key", Owner: p.URI, PEM: pem}}
			body, err := activitypub.MarshalActor(doc)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/activity+json")
			w.Write(body)
		case r.Method == http.MethodPost && (r.URL.Path == "/users/mallory/inbox" || r.URL.Path == "/inbox"):
			body, _ := io.ReadAll(r.Body)
			if act, err := activitypub.ParseActivity(body); err == nil {
				p.mu.Lock()
				p.got = append(p.got, act)
				p.mu.Unlock()
			}
			w.WriteHeader(http.StatusAccepted)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(p.srv.Close)
	p.URI = p.srv.URL + "/users/mallory"
	p.signer = federation.Signer{KeyID: p.URI + "#main-key", Key: key}
	return p
}

// received returns the activities of type typ mallory was sent.
func (p *fsPeer) received(typ string) []activitypub.Activity {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []activitypub.Activity
	for _, a := range p.got {
		if a.Type == typ {
			out = append(out, a)
		}
	}
	return out
}

// send POSTs act, signed by mallory, to n's shared inbox, and wants 202.
func (p *fsPeer) send(t *testing.T, n *testrig.Node, act activitypub.Activity) {
	t.Helper()
	if got := secPostTo(t, n.URL+"/inbox", secMarshal(t, act), p.signer); got.code != http.StatusAccepted {
		t.Fatalf("%s to %s: status = %d %s; want 202", act.Type, n.Host, got.code, got.body)
	}
}

// vote is mallory's vote for option in the poll of st, by alice.
func (p *fsPeer) vote(slug, option string, st storage.Status, alice storage.Account) activitypub.Activity {
	n := activitypub.Note{ID: p.URI + "/votes/" + slug, Type: activitypub.TypeNote, AttributedTo: p.URI,
		Name: option, InReplyTo: st.URI, To: []string{alice.URI}}
	return activitypub.Activity{ID: n.ID + "/activity", Type: activitypub.TypeCreate, Actor: p.URI, To: n.To,
		Object: activitypub.Object{IRI: n.ID, Type: n.Type, Note: &n}}
}

// fsSettled waits until n has applied all it received and sent all it
// queued.
func fsSettled(t *testing.T, n *testrig.Node) {
	t.Helper()
	testrig.Eventually(t, securityWait, "inbox drained and deliveries sent", func() bool {
		queued, _, err := n.Store.DeliveryStats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return queued == 0 && secDrained(t, n)
	})
}

func fsVotes(t *testing.T, n *testrig.Node, st storage.Status) int {
	t.Helper()
	p, err := n.Store.PollByStatus(context.Background(), st.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p.VotesCount()
}

// TestFedsecPollVoteByStranger: a peer's actor who does not follow alice
// votes in her followers-only poll. The vote is not counted and nothing
// about the poll is sent to her; once she follows, her vote counts and the
// counts reach her (issue 10, item 1).
func TestFedsecPollVoteByStranger(t *testing.T) {
	a := testrig.StartOne(t, nil)
	alice := a.Member("alice", false)
	mallory := newFSPeer(t)
	ctx := context.Background()
	st, err := a.Engine.Post(ctx, alice.ID, federation.Draft{Text: "Which routine do we review next?",
		Visibility: activitypub.FollowersOnly,
		Poll:       &federation.PollDraft{Options: []string{"audits", "enquiries"}, ExpiresIn: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}

	mallory.send(t, a, mallory.vote("1", "audits", st, alice))
	fsSettled(t, a)
	if n := fsVotes(t, a, st); n != 0 {
		t.Errorf("a stranger's vote was counted: %d votes", n)
	}
	if got := mallory.received(activitypub.TypeUpdate); len(got) != 0 {
		t.Fatalf("the stranger was sent %d Update{Question}: %+v", len(got), got[0].Object.Note)
	}

	// Once she follows alice, she may see the poll: her vote counts, and
	// the counts reach her.
	mallory.send(t, a, activitypub.Activity{ID: mallory.URI + "/follows/1", Type: activitypub.TypeFollow,
		Actor: mallory.URI, Object: activitypub.Object{IRI: alice.URI}})
	testrig.Eventually(t, securityWait, "Accept at mallory", func() bool { return len(mallory.received(activitypub.TypeAccept)) >= 1 })
	mallory.send(t, a, mallory.vote("2", "enquiries", st, alice))
	testrig.Eventually(t, securityWait, "Update{Question} at mallory", func() bool {
		return slices.ContainsFunc(mallory.received(activitypub.TypeUpdate), func(u activitypub.Activity) bool {
			return u.Object.IRI == st.URI && u.Object.Note != nil && u.Object.Note.Poll != nil
		})
	})
	if n := fsVotes(t, a, st); n != 1 {
		t.Errorf("%d votes after the follower's vote; want 1", n)
	}
}

// TestFedsecUndoNamesWhatWasSent: what crossed the wire to a peer that
// matches by id (GoToSocial): the Undo of a Block, and of a Follow, embeds
// the very activity first sent (issue 10, item 6).
func TestFedsecUndoNamesWhatWasSent(t *testing.T) {
	a := testrig.StartOne(t, nil)
	alice := a.Member("alice", false)
	mallory := newFSPeer(t)
	ctx := context.Background()
	m, err := a.Engine.AccountByIRI(ctx, mallory.URI)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		typ      string
		do, undo func() error
	}{
		{"block", activitypub.TypeBlock,
			func() error { return a.Engine.Block(ctx, alice.ID, m.ID) },
			func() error { return a.Engine.Unblock(ctx, alice.ID, m.ID) }},
		{"follow", activitypub.TypeFollow,
			func() error { return a.Engine.Follow(ctx, alice.ID, m.ID, federation.FollowOptions{ShowReblogs: true}) },
			func() error { return a.Engine.Unfollow(ctx, alice.ID, m.ID) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); err != nil {
				t.Fatal(err)
			}
			// Delivery is at least once: a job whose outcome could not be
			// recorded under load is sent again, so wait for one or more.
			testrig.Eventually(t, securityWait, tt.typ+" at mallory", func() bool { return len(mallory.received(tt.typ)) >= 1 })
			sent := mallory.received(tt.typ)[0]
			undos := len(mallory.received(activitypub.TypeUndo))
			if err := tt.undo(); err != nil {
				t.Fatal(err)
			}
			testrig.Eventually(t, securityWait, "Undo at mallory", func() bool { return len(mallory.received(activitypub.TypeUndo)) > undos })
			undo := mallory.received(activitypub.TypeUndo)[undos]
			if undo.Object.IRI != sent.ID {
				t.Errorf("Undo names %q; the %s sent was %q", undo.Object.IRI, tt.typ, sent.ID)
			}
			if in := undo.Object.Activity; in == nil || in.ID != sent.ID || in.Type != tt.typ || in.Object.IRI != mallory.URI {
				t.Errorf("Undo embeds %+v; want the %s %s of %s", in, tt.typ, sent.ID, mallory.URI)
			}
		})
	}
}

// fsServer is a server at some address a forged keyId may name; it counts
// the requests it gets.
type fsServer struct {
	*httptest.Server
	mu   sync.Mutex
	hits int
}

func newFSServer(t *testing.T, h http.HandlerFunc) *fsServer {
	t.Helper()
	s := &fsServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits++
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *fsServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits
}

// TestFedsecSignatureFailuresOpaque: whatever answers at the keyId an
// inbox delivery names (nothing, a 404, a web page, a key on another host
// than the actor), the node answers the same 401, so the inbox cannot
// probe the services it can reach; a keyId on another host than the actor
// is not even fetched, and a host whose fetch failed is not asked again
// within the minute (issue 10, item 9).
func TestFedsecSignatureFailuresOpaque(t *testing.T) {
	a := testrig.StartOne(t, nil)
	alice := a.Member("alice", false)
	mallory := newFSPeer(t)
	forger, err := federation.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	notFound := newFSServer(t, http.NotFound)
	webPage := newFSServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html>admin console</html>")
	})
	elsewhere := newFSServer(t, http.NotFound)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()

	tests := []struct {
		name   string
		actor  string // the activity's actor
		keyID  string
		tamper func(r *secRequest)
		server *fsServer // asked for the key this many times at most
		want   int       // requests server may get
	}{
		{name: "keyId answers 404", actor: notFound.URL + "/users/x", keyID: notFound.URL + "/users/x#main-key", server: notFound, want: 1},
		{name: "keyId answers 404 again", actor: notFound.URL + "/users/y", keyID: notFound.URL + "/users/y#main-key", server: notFound, want: 1},
		{name: "keyId is a web page", actor: webPage.URL + "/admin", keyID: webPage.URL + "/admin#k", server: webPage, want: 1},
		{name: "keyId refuses connections", actor: closed + "/users/x", keyID: closed + "/users/x#main-key"},
		{name: "keyId on another host than the actor", actor: mallory.URI, keyID: elsewhere.URL + "/internal#k", server: elsewhere, want: 0},
		{name: "wrong key for the actor's keyId", actor: mallory.URI, keyID: mallory.URI + "#main-key"},
		{name: "unsigned", actor: mallory.URI, keyID: mallory.URI + "#main-key", tamper: func(r *secRequest) { r.signer = nil }},
		{name: "body changed after signing", actor: mallory.URI, keyID: mallory.URI + "#main-key", tamper: func(r *secRequest) {
			r.digestOf = r.body
			r.body = bytes.Replace(r.body, []byte("routine"), []byte("ROUTINE"), 1)
		}},
	}
	var first []byte
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			act := secCreateOf(tt.actor, alice, a.Acct("alice"), fmt.Sprintf("fedsec-%d", i), "our routine")
			signer := federation.Signer{KeyID: tt.keyID, Key: forger}
			r := secRequest{method: http.MethodPost, url: a.URL + "/inbox", body: secMarshal(t, act), signer: &signer}
			if tt.tamper != nil {
				tt.tamper(&r)
			}
			got := secSend(t, r)
			var doc struct {
				Error string `json:"error"`
			}
			if got.code != http.StatusUnauthorized || json.Unmarshal(got.body, &doc) != nil || doc.Error != "signature verification failed" {
				t.Errorf("answer = %d %s; want 401 {\"error\":\"signature verification failed\"}", got.code, got.body)
			}
			if first == nil {
				first = got.body
			} else if !bytes.Equal(got.body, first) {
				t.Errorf("answer %s differs from the first failure's %s", got.body, first)
			}
			if tt.server != nil && tt.server.count() > tt.want {
				t.Errorf("the keyId's server got %d requests; want at most %d", tt.server.count(), tt.want)
			}
			if secQueued(t, a, act.ID) || secHasStatus(t, a, act.Object.IRI) {
				t.Errorf("A took the refused activity %s", act.ID)
			}
		})
	}

	// A signed GET with a forged keyId is answered alike.
	st := secPost(t, a, alice, "For followers", activitypub.FollowersOnly)
	signer := federation.Signer{KeyID: webPage.URL + "/other#k", Key: forger}
	got := secGet(t, st.URI, &signer)
	if got.code != http.StatusUnauthorized || !bytes.Equal(got.body, first) {
		t.Errorf("signed GET with a forged keyId: %d %s; want 401 %s", got.code, got.body, first)
	}
}
