package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

// securityWait bounds every wait in this file.
const securityWait = 10 * time.Second

// secAnswer is what a node said to a hand-made request.
type secAnswer struct {
	code int
	body []byte
}

// errorMessage returns the "error" of a JSON error body, or fails.
func (a secAnswer) errorMessage(t *testing.T) string {
	t.Helper()
	var doc struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(a.body, &doc); err != nil || doc.Error == "" {
		t.Fatalf("answer %d is not a JSON error: %q (%v)", a.code, a.body, err)
	}
	return doc.Error
}

// secSigner is a signer for a local account of some node, from its stored
// private key.
func secSigner(t *testing.T, a storage.Account) federation.Signer {
	t.Helper()
	key, err := federation.ParsePrivateKey(a.PrivateKeyPEM)
	if err != nil {
		t.Fatalf("private key of %s: %v", a.URI, err)
	}
	return federation.Signer{KeyID: a.PublicKeyID, Key: key}
}

// secRequest is one hand-made request to a node.
type secRequest struct {
	method, url string
	body        []byte
	signer      *federation.Signer // nil: unsigned
	digestOf    []byte             // what the Digest is of; nil: body
	noDigest    bool               // sign without a Digest
	signURL     string             // the URL the signature is made for; "": url
	date        time.Time          // the signed Date; zero: now
}

// secSend sends r as a peer would, and reads the answer.
func secSend(t *testing.T, r secRequest) secAnswer {
	t.Helper()
	var rd io.Reader
	if r.body != nil {
		rd = bytes.NewReader(r.body)
	}
	req, err := http.NewRequest(r.method, r.url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if r.method == http.MethodPost {
		req.Header.Set("Content-Type", "application/activity+json")
	} else {
		req.Header.Set("Accept", "application/activity+json")
	}
	if r.signer != nil {
		digestOf := r.digestOf
		if digestOf == nil {
			digestOf = r.body
		}
		if r.noDigest {
			digestOf = nil
		}
		if r.date.IsZero() {
			r.date = time.Now()
		}
		signed := req
		if r.signURL != "" {
			if signed, err = http.NewRequest(r.method, r.signURL, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.signer.Sign(signed, digestOf, r.date); err != nil {
			t.Fatalf("sign: %v", err)
		}
		for _, h := range []string{"Date", "Digest", "Signature"} {
			if v := signed.Header.Get(h); v != "" {
				req.Header.Set(h, v)
			}
		}
	}
	client := &http.Client{Timeout: securityWait}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer of %s %s: %v", r.method, r.url, err)
	}
	return secAnswer{code: resp.StatusCode, body: b}
}

// secPostTo POSTs body to an inbox, signed by signer.
func secPostTo(t *testing.T, inbox string, body []byte, signer federation.Signer) secAnswer {
	t.Helper()
	return secSend(t, secRequest{method: http.MethodPost, url: inbox, body: body, signer: &signer})
}

// secGet GETs an ActivityPub document, signed by signer unless it is nil.
func secGet(t *testing.T, url string, signer *federation.Signer) secAnswer {
	t.Helper()
	return secSend(t, secRequest{method: http.MethodGet, url: url, signer: signer})
}

// secCreateOf is a Create{Note} by author that mentions and is addressed
// to target; slug makes its ids unique.
func secCreateOf(author string, target storage.Account, targetAcct, slug, text string) activitypub.Activity {
	noteID := author + "/statuses/" + slug
	note := activitypub.Note{
		ID: noteID, Type: activitypub.TypeNote, AttributedTo: author,
		Content: `<p><span class="h-card"><a href="` + target.URI + `" class="u-url mention">@alice</a></span> ` + text + `</p>`,
		To:      []string{target.URI}, Published: time.Now().UTC(),
		Tags: []activitypub.Tag{{Type: activitypub.TagMention, Href: target.URI, Name: "@" + targetAcct}},
	}
	return activitypub.Activity{ID: noteID + "/activity", Type: activitypub.TypeCreate, Actor: author,
		To: note.To, Published: note.Published, Object: activitypub.Object{IRI: noteID, Type: note.Type, Note: &note}}
}

// secMarshal is the JSON of act.
func secMarshal(t *testing.T, act activitypub.Activity) []byte {
	t.Helper()
	body, err := activitypub.MarshalActivity(act)
	if err != nil {
		t.Fatalf("marshal %s: %v", act.Type, err)
	}
	return body
}

// secCreate is secCreateOf, marshalled.
func secCreate(t *testing.T, author string, target storage.Account, targetAcct, slug, text string) (activityID, noteID string, body []byte) {
	t.Helper()
	act := secCreateOf(author, target, targetAcct, slug, text)
	return act.ID, act.Object.IRI, secMarshal(t, act)
}

// secQueued reports whether n holds a received activity with this id that is
// waiting to be applied.
func secQueued(t *testing.T, n *testrig.Node, activityID string) bool {
	t.Helper()
	items, err := n.Store.DueInboxItems(context.Background(), time.Now().Add(48*time.Hour), 1000)
	if err != nil {
		t.Fatalf("inbox items: %v", err)
	}
	for _, it := range items {
		if it.ActivityURI == activityID {
			return true
		}
	}
	return false
}

// secDrained reports whether n has applied everything it received.
func secDrained(t *testing.T, n *testrig.Node) bool {
	t.Helper()
	items, err := n.Store.DueInboxItems(context.Background(), time.Now().Add(48*time.Hour), 1)
	if err != nil {
		t.Fatalf("inbox items: %v", err)
	}
	return len(items) == 0
}

// secHasStatus reports whether n stores a status with this URI.
func secHasStatus(t *testing.T, n *testrig.Node, uri string) bool {
	t.Helper()
	_, err := n.Store.StatusByURI(context.Background(), uri)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("status %s: %v", uri, err)
	}
	return err == nil
}

// secMentions counts account's mention notifications on n.
func secMentions(t *testing.T, n *testrig.Node, account storage.ID) int {
	t.Helper()
	notes, err := n.Store.Notifications(context.Background(), account, storage.Page{Limit: 80})
	if err != nil {
		t.Fatalf("notifications: %v", err)
	}
	count := 0
	for _, no := range notes {
		if no.Type == storage.NotifyMention {
			count++
		}
	}
	return count
}

// secPost publishes a status of a member of n.
func secPost(t *testing.T, n *testrig.Node, author storage.Account, text string, vis activitypub.Visibility) storage.Status {
	t.Helper()
	st, err := n.Engine.Post(context.Background(), author.ID, federation.Draft{Text: text, Visibility: vis})
	if err != nil {
		t.Fatalf("post on %s: %v", n.Host, err)
	}
	return st
}

// secFollow makes follower (on from) follow username on to, and waits
// until from sees the follow accepted.
func secFollow(t *testing.T, from *testrig.Node, follower storage.Account, to *testrig.Node, username string) storage.Account {
	t.Helper()
	target := from.Resolve(to.Acct(username))
	if err := from.Engine.Follow(context.Background(), follower.ID, target.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatalf("follow: %v", err)
	}
	testrig.Eventually(t, securityWait, "follow accepted", func() bool {
		_, err := from.Store.FollowOf(context.Background(), follower.ID, target.ID)
		return err == nil
	})
	return target
}

// TestInboxSecurity posts hand-made activities, signed as bob of node B,
// to node A's shared inbox and to alice's own inbox: only a correctly
// signed activity by its own signer is taken, and a refused one leaves no
// trace on A.
func TestInboxSecurity(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	carol := b.Member("carol", false)
	bobKey := secSigner(t, bob)
	forger, err := federation.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		author storage.Account // of the Create, and its note
		text   string
		edit   func(act *activitypub.Activity) // changes the Create before it is signed
		tamper func(r *secRequest)             // changes the request
		want   int
		// applied: A stores the note and tells alice. A refused request
		// (not 202) must leave nothing queued or stored; a 202 that is
		// not applied must be dropped when A gets to it.
		applied bool
	}{
		{name: "valid", author: bob, want: http.StatusAccepted, applied: true},
		{name: "forged signature", author: bob, want: http.StatusUnauthorized, tamper: func(r *secRequest) {
			r.signer = &federation.Signer{KeyID: bob.PublicKeyID, Key: forger}
		}},
		{name: "body changed after signing", author: bob, want: http.StatusUnauthorized, tamper: func(r *secRequest) {
			r.digestOf = r.body
			r.body = bytes.Replace(r.body, []byte("routine"), []byte("ROUTINE"), 1)
		}},
		{name: "no digest", author: bob, want: http.StatusUnauthorized, tamper: func(r *secRequest) { r.noDigest = true }},
		{name: "stale date", author: bob, want: http.StatusUnauthorized, tamper: func(r *secRequest) {
			r.date = time.Now().Add(-13 * time.Hour)
		}},
		{name: "date in the future", author: bob, want: http.StatusUnauthorized, tamper: func(r *secRequest) {
			r.date = time.Now().Add(13 * time.Hour)
		}},
		{name: "signed for another path", author: bob, want: http.StatusUnauthorized, tamper: func(r *secRequest) {
			r.signURL = a.URL + "/users/someone/inbox"
		}},
		{name: "signed for another node", author: bob, want: http.StatusUnauthorized, tamper: func(r *secRequest) {
			r.signURL = strings.Replace(r.url, a.URL, b.URL, 1)
		}},
		{name: "signer is not the actor", author: carol, want: http.StatusForbidden},
		{name: "activity id on another host", author: bob, want: http.StatusForbidden, edit: func(act *activitypub.Activity) {
			act.ID = strings.Replace(act.ID, b.URL, a.URL, 1)
		}},
		{name: "note attributed to another", author: bob, want: http.StatusAccepted, edit: func(act *activitypub.Activity) {
			act.Object.Note.AttributedTo = carol.URI
		}},
		{name: "note id on another host", author: bob, want: http.StatusAccepted, edit: func(act *activitypub.Activity) {
			act.Object.Note.ID = strings.Replace(act.Object.Note.ID, b.URL, "http://elsewhere.example", 1)
			act.Object.IRI = act.Object.Note.ID
		}},
		{name: "body over 1 MiB", author: bob, text: strings.Repeat("a", 3<<19), want: http.StatusRequestEntityTooLarge},
		{name: "unsigned", author: bob, want: http.StatusUnauthorized, tamper: func(r *secRequest) { r.signer = nil }},
		{name: "malformed JSON", author: bob, want: http.StatusBadRequest, tamper: func(r *secRequest) {
			r.body = r.body[:len(r.body)/2]
		}},
		{name: "not an object", author: bob, want: http.StatusBadRequest, tamper: func(r *secRequest) {
			r.body = []byte(`["Create"]`)
		}},
	}
	inboxes := []struct{ name, url string }{
		{"shared", a.URL + "/inbox"},
		{"personal", a.URL + "/users/alice/inbox"},
	}
	var refused, taken []string // note IRIs
	for _, inbox := range inboxes {
		for i, tt := range tests {
			t.Run(inbox.name+"/"+tt.name, func(t *testing.T) {
				text := tt.text
				if text == "" {
					text = "here is our routine for enquiries"
				}
				act := secCreateOf(tt.author.URI, alice, a.Acct("alice"), fmt.Sprintf("sec-%s-%d", inbox.name, i), text)
				if tt.edit != nil {
					tt.edit(&act)
				}
				noteID := act.Object.IRI
				r := secRequest{method: http.MethodPost, url: inbox.url, body: secMarshal(t, act), signer: &bobKey}
				if tt.tamper != nil {
					tt.tamper(&r)
				}
				got := secSend(t, r)
				if got.code != tt.want {
					t.Fatalf("status = %d %s; want %d", got.code, got.body, tt.want)
				}
				switch {
				case tt.applied:
					testrig.Eventually(t, securityWait, "status stored on A", func() bool { return secHasStatus(t, a, noteID) })
					st, _ := a.Store.StatusByURI(context.Background(), noteID)
					if st.Visibility != activitypub.Direct || !strings.Contains(st.Content, "routine for enquiries") {
						t.Errorf("stored status = %+v", st)
					}
					taken = append(taken, noteID)
				case got.code == http.StatusAccepted:
					testrig.Eventually(t, securityWait, "activity handled", func() bool { return !secQueued(t, a, act.ID) })
					if secHasStatus(t, a, noteID) {
						t.Errorf("A stored the note %s", noteID)
					}
					refused = append(refused, noteID)
				default:
					t.Logf("refused: %s", got.errorMessage(t))
					if secQueued(t, a, act.ID) || secHasStatus(t, a, noteID) {
						t.Fatalf("A took the refused activity %s", act.ID)
					}
					refused = append(refused, noteID)
				}
			})
		}
	}

	// Once A has applied everything it took, the refused activities are
	// still nowhere, and alice was told only of the valid ones.
	testrig.Eventually(t, securityWait, "A's inbox drained", func() bool { return secDrained(t, a) })
	for _, id := range refused {
		if secHasStatus(t, a, id) {
			t.Errorf("refused note %s stored on A", id)
		}
	}
	if n := secMentions(t, a, alice.ID); n != len(taken) {
		t.Errorf("alice has %d mention notifications; want %d", n, len(taken))
	}
}

// TestInboxUnknownUser answers 404 for the inbox of nobody, before
// looking at the signature.
func TestInboxUnknownUser(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	signer := secSigner(t, bob)
	_, noteID, body := secCreate(t, bob.URI, alice, a.Acct("alice"), "sec-nobody", "hello")
	got := secPostTo(t, a.URL+"/users/nobody/inbox", body, signer)
	if got.code != http.StatusNotFound {
		t.Fatalf("status = %d %s; want 404", got.code, got.body)
	}
	got.errorMessage(t)
	if secHasStatus(t, a, noteID) {
		t.Error("A stored a note posted to a nonexistent inbox")
	}
}

// TestInboxAppliesDuplicateOnce delivers one activity three times: to the
// shared and the personal inbox in a row, as a peer may, and again after it
// was applied. Every delivery is accepted, but alice hears of it once.
func TestInboxAppliesDuplicateOnce(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	signer := secSigner(t, bob)
	_, noteID, body := secCreate(t, bob.URI, alice, a.Acct("alice"), "sec-dup", "said once, delivered thrice")

	for _, inbox := range []string{a.URL + "/inbox", a.URL + "/users/alice/inbox"} {
		if got := secPostTo(t, inbox, body, signer); got.code != http.StatusAccepted {
			t.Fatalf("delivery to %s: status = %d %s; want 202", inbox, got.code, got.body)
		}
	}
	testrig.Eventually(t, securityWait, "status stored on A", func() bool { return secHasStatus(t, a, noteID) })
	testrig.Eventually(t, securityWait, "A's inbox drained", func() bool { return secDrained(t, a) })
	if got := secPostTo(t, a.URL+"/inbox", body, signer); got.code != http.StatusAccepted {
		t.Fatalf("redelivery: status = %d %s; want 202", got.code, got.body)
	}
	testrig.Eventually(t, securityWait, "A's inbox drained again", func() bool { return secDrained(t, a) })

	bobOnA, err := a.Store.AccountByURI(context.Background(), bob.URI)
	if err != nil {
		t.Fatal(err)
	}
	all := []activitypub.Visibility{activitypub.Public, activitypub.Unlisted, activitypub.FollowersOnly, activitypub.Direct}
	if n, err := a.Store.CountStatuses(context.Background(), bobOnA.ID, all); err != nil || n != 1 {
		t.Errorf("A stores %d statuses of bob (%v); want 1", n, err)
	}
	if n := secMentions(t, a, alice.ID); n != 1 {
		t.Errorf("alice has %d mention notifications; want 1", n)
	}
}

// TestInboxIgnoresUnknownActivityType accepts a signed activity of a type
// copse does not know, does nothing with it, and goes on working.
func TestInboxIgnoresUnknownActivityType(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	signer := secSigner(t, bob)
	st := secPost(t, a, alice, "A routine for enquiries", activitypub.Public)

	react, err := json.Marshal(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       bob.URI + "/reactions/1",
		"type":     "EmojiReact",
		"actor":    bob.URI,
		"object":   st.URI,
		"content":  "👍",
		"to":       []string{alice.URI},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := secPostTo(t, a.URL+"/inbox", react, signer); got.code != http.StatusAccepted {
		t.Fatalf("EmojiReact: status = %d %s; want 202", got.code, got.body)
	}
	testrig.Eventually(t, securityWait, "EmojiReact handled", func() bool { return !secQueued(t, a, bob.URI+"/reactions/1") })

	// Still working: a valid activity after it is applied.
	_, noteID, body := secCreate(t, bob.URI, alice, a.Acct("alice"), "sec-after-react", "still there?")
	if got := secPostTo(t, a.URL+"/inbox", body, signer); got.code != http.StatusAccepted {
		t.Fatalf("Create after EmojiReact: status = %d %s; want 202", got.code, got.body)
	}
	testrig.Eventually(t, securityWait, "status stored on A", func() bool { return secHasStatus(t, a, noteID) })
	notes, err := a.Store.Notifications(context.Background(), alice.ID, storage.Page{Limit: 80})
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || notes[0].Type != storage.NotifyMention {
		t.Errorf("alice's notifications = %+v; want only the mention", notes)
	}
}

// TestPrivateAddressRefused: a node not told to allow private ranges will
// not reach a peer on loopback, however it is asked to.
func TestPrivateAddressRefused(t *testing.T) {
	t.Parallel()
	strict := testrig.StartOne(t, func(c *node.Config) { c.AllowPrivate = nil })
	other := testrig.StartOne(t, nil)
	alice := strict.Member("alice", false)
	bob := other.Member("bob", false)
	ctx := context.Background()

	for _, ref := range []string{other.Acct("bob"), "@" + other.Acct("bob"), bob.URI} {
		t.Run(ref, func(t *testing.T) {
			_, err := strict.Engine.ResolveAccount(ctx, ref)
			if !errors.Is(err, federation.ErrPrivateAddress) {
				t.Fatalf("resolve %s: err = %v; want ErrPrivateAddress", ref, err)
			}
		})
	}
	if _, err := strict.Store.AccountByURI(ctx, bob.URI); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("strict node stored bob: %v", err)
	}

	// Nor will it fetch the key of a signed delivery from there.
	signer := secSigner(t, bob)
	_, noteID, body := secCreate(t, bob.URI, alice, strict.Acct("alice"), "sec-private", "hello")
	got := secPostTo(t, strict.URL+"/inbox", body, signer)
	if got.code != http.StatusUnauthorized {
		t.Fatalf("delivery from a loopback peer: status = %d %s; want 401", got.code, got.body)
	}
	if secHasStatus(t, strict, noteID) {
		t.Error("strict node stored a note whose signature it could not check")
	}
}

// TestFollowersOnlyFetch: a followers-only post is served to a signed
// request from a follower, and a direct one to those it mentions; anyone
// else is answered exactly as for a post that never existed.
func TestFollowersOnlyFetch(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false) // follows bob
	carol := a.Member("carol", false) // does not
	bob := b.Member("bob", false)
	secFollow(t, a, alice, b, "bob")
	private := secPost(t, b, bob, "Followers only: draft of the routine", activitypub.FollowersOnly)
	direct := secPost(t, b, bob, "@alice@"+a.Host+" just between us: the routine", activitypub.Direct)
	public := secPost(t, b, bob, "Everyone: the routine", activitypub.Public)
	never := bob.URI + "/statuses/1" // no such status

	asAlice, asCarol, asBob := secSigner(t, alice), secSigner(t, carol), secSigner(t, bob)
	asInstance := secSigner(t, a.Engine.InstanceActor())
	tests := []struct {
		name   string
		url    string
		signer *federation.Signer
		want   int
	}{
		{"unsigned", private.URI, nil, http.StatusNotFound},
		{"unsigned, activity", private.URI + "/activity", nil, http.StatusNotFound},
		{"follower", private.URI, &asAlice, http.StatusOK},
		{"follower, activity", private.URI + "/activity", &asAlice, http.StatusOK},
		{"author", private.URI, &asBob, http.StatusOK},
		{"non-follower", private.URI, &asCarol, http.StatusNotFound},
		{"non-follower, activity", private.URI + "/activity", &asCarol, http.StatusNotFound},
		{"follower's instance actor", private.URI, &asInstance, http.StatusNotFound},
		{"direct, unsigned", direct.URI, nil, http.StatusNotFound},
		{"direct, mentioned", direct.URI, &asAlice, http.StatusOK},
		{"direct, not mentioned", direct.URI, &asCarol, http.StatusNotFound},
		{"public, unsigned", public.URI, nil, http.StatusOK},
		{"public, non-follower", public.URI, &asCarol, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := secGet(t, tt.url, tt.signer)
			if got.code != tt.want {
				t.Fatalf("status = %d %s; want %d", got.code, got.body, tt.want)
			}
			if got.code != http.StatusOK {
				// Not even the post's existence is told.
				nothing := secGet(t, never, tt.signer)
				if got.code != nothing.code || !bytes.Equal(got.body, nothing.body) {
					t.Errorf("answer %d %s differs from that for no post: %d %s", got.code, got.body, nothing.code, nothing.body)
				}
				return
			}
			var note activitypub.Note
			if strings.HasSuffix(tt.url, "/activity") {
				act, err := activitypub.ParseActivity(got.body)
				if err != nil || act.Type != activitypub.TypeCreate || act.Actor != bob.URI || act.Object.Note == nil {
					t.Fatalf("activity = %+v (%v) from %s", act, err, got.body)
				}
				note = *act.Object.Note
			} else {
				var err error
				if note, err = activitypub.ParseNote(got.body); err != nil {
					t.Fatalf("parse note: %v from %s", err, got.body)
				}
			}
			wantURI := strings.TrimSuffix(tt.url, "/activity")
			if note.ID != wantURI || note.AttributedTo != bob.URI || !strings.Contains(note.Content, "routine") {
				t.Errorf("note = %+v", note)
			}
		})
	}
}

// TestAuthorizedFetch: a node in authorized-fetch mode serves its actor
// documents to anyone (they carry the key), and everything else only to
// signed requests.
func TestAuthorizedFetch(t *testing.T) {
	t.Parallel()
	secure := testrig.StartOne(t, func(c *node.Config) { c.AuthorizedFetch = true })
	a := testrig.StartOne(t, nil)
	dave := secure.Member("dave", false)
	alice := a.Member("alice", false)
	st := secPost(t, secure, dave, "A public routine, fetched with a signature", activitypub.Public)

	asAlice, asInstance := secSigner(t, alice), secSigner(t, a.Engine.InstanceActor())
	tests := []struct {
		name   string
		url    string
		signer *federation.Signer
		want   int
	}{
		{"actor, unsigned", dave.URI, nil, http.StatusOK},
		{"outbox, unsigned", dave.Outbox, nil, http.StatusUnauthorized},
		{"outbox page, unsigned", dave.Outbox + "?page=true", nil, http.StatusUnauthorized},
		{"followers, unsigned", dave.Followers, nil, http.StatusUnauthorized},
		{"public status, unsigned", st.URI, nil, http.StatusUnauthorized},
		{"outbox, signed by a member", dave.Outbox, &asAlice, http.StatusOK},
		{"outbox page, signed by a member", dave.Outbox + "?page=true", &asAlice, http.StatusOK},
		{"outbox, signed by an instance actor", dave.Outbox, &asInstance, http.StatusOK},
		{"public status, signed", st.URI, &asInstance, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := secGet(t, tt.url, tt.signer)
			if got.code != tt.want {
				t.Fatalf("status = %d %s; want %d", got.code, got.body, tt.want)
			}
			if got.code != http.StatusOK {
				got.errorMessage(t)
				return
			}
			if tt.url == dave.URI {
				actor, err := activitypub.ParseActor(got.body)
				if err != nil || actor.PublicKey.PEM != dave.PublicKeyPEM {
					t.Errorf("actor document without dave's key: %+v (%v)", actor.PublicKey, err)
				}
			}
		})
	}

	// An artefact's and an event's ids: a peer signs for the document, and
	// a browser (unsigned) is sent to the page, as without authorized
	// fetch; a members-only community's are not found by a browser.
	ctx := context.Background()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, visibility := range []string{storage.CommunityPublic, storage.CommunityMembersOnly} {
		g, err := secure.Engine.CreateCommunity(ctx, dave, federation.NewCommunity{Handle: "desk_" + visibility, Name: "Desk", Visibility: visibility})
		if err != nil {
			t.Fatal(err)
		}
		art, err := secure.Engine.CreateArtefact(ctx, dave, g.AccountID, federation.NewArtefact{Title: "Rota", Body: "Mondays."})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now().Add(48 * time.Hour)
		ev, err := secure.Engine.CreateEvent(ctx, dave, g.AccountID, federation.NewEvent{Name: "Meet-up", Start: start, End: start.Add(time.Hour),
			TimeZone: "Europe/London"})
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range []struct{ what, uri, page string }{{"artefact", art.URI, art.URL}, {"event", ev.URI, ev.URL}} {
			t.Run(doc.what+" of a "+visibility+" community", func(t *testing.T) {
				if got := secGet(t, doc.uri, nil); got.code != http.StatusUnauthorized {
					t.Errorf("unsigned fetch of the document: %d; want 401", got.code)
				}
				if got := secGet(t, doc.uri, &asInstance); visibility == storage.CommunityPublic && got.code != http.StatusOK {
					t.Errorf("signed fetch of the document: %d; want 200", got.code)
				}
				req, err := http.NewRequest(http.MethodGet, doc.uri, nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Accept", "text/html")
				resp, err := noRedirect.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				want, wantLoc := http.StatusFound, doc.page
				if visibility != storage.CommunityPublic {
					want, wantLoc = http.StatusNotFound, ""
				}
				if resp.StatusCode != want || resp.Header.Get("Location") != wantLoc {
					t.Errorf("a browser at the id: %d to %q; want %d to %q", resp.StatusCode, resp.Header.Get("Location"), want, wantLoc)
				}
			})
		}
	}

	// A peer resolves dave as usual: its fetches are signed.
	if got := a.Resolve(secure.Acct("dave")); got.URI != dave.URI || got.PublicKeyPEM != dave.PublicKeyPEM {
		t.Errorf("A resolved dave as %+v", got)
	}
}
