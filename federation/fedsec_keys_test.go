package federation

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// keyOrigin stands for every remote host: it serves the actor documents
// it is given, answers 404 to anything else, and counts requests per host.
type keyOrigin struct {
	mu    sync.Mutex
	docs  map[string]activitypub.Actor
	count map[string]int
}

func (o *keyOrigin) serve(doc activitypub.Actor) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.docs == nil {
		o.docs = map[string]activitypub.Actor{}
	}
	o.docs[doc.ID] = doc
}

func (o *keyOrigin) requests(host string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.count[host]
}

func (o *keyOrigin) RoundTrip(r *http.Request) (*http.Response, error) {
	o.mu.Lock()
	if o.count == nil {
		o.count = map[string]int{}
	}
	o.count[r.URL.Host]++
	doc, ok := o.docs[r.URL.String()]
	o.mu.Unlock()
	w := httptest.NewRecorder()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return w.Result(), nil
	}
	body, err := activitypub.MarshalActor(doc)
	if err != nil {
		return nil, err
	}
	w.Header().Set("Content-Type", "application/activity+json")
	w.Write(body)
	return w.Result(), nil
}

// keyEngine is an engine whose requests reach origin only, with a clock
// the test moves.
func keyEngine(t *testing.T, origin *keyOrigin) (*Engine, *time.Time) {
	t.Helper()
	store, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "copse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { return now }
	store.Now = clock
	e := New(store, Options{URLs: URLs{Base: "https://council-a.example"}, Now: clock, Client: &http.Client{Transport: origin}})
	if err := e.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e, &now
}

// remoteActor is the document of a peer's actor with key's public half.
func remoteActor(t *testing.T, id string, key int) activitypub.Actor {
	t.Helper()
	pem, err := EncodePublicKey(&sigTestKey(t, key).PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return activitypub.Actor{ID: id, Type: activitypub.TypePerson, PreferredUsername: path.Base(id), Inbox: id + "/inbox",
		Outbox: id + "/outbox", PublicKey: activitypub.PublicKey{ID: id + "#main-key", Owner: id, PEM: pem}}
}

// TestActorKeyHost: the inbox looks up only keys on the host of the
// activity's actor; a keyId elsewhere is refused without a request
// (issue 10, item 9).
func TestActorKeyHost(t *testing.T) {
	origin := &keyOrigin{}
	e, _ := keyEngine(t, origin)
	ctx := context.Background()
	actor := remoteActor(t, "https://peer.example/users/m", 1)
	origin.serve(actor)

	tests := []struct {
		name  string
		keyID string
		ok    bool
	}{
		{"another host", "https://victim.internal:8080/admin#key", false},
		{"another port", "https://peer.example:8443/users/m#main-key", false},
		{"another scheme", "http://peer.example/users/m#main-key", false},
		{"the actor's own key", actor.PublicKey.ID, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			owner, _, err := e.ActorKey(actor.ID)(ctx, tt.keyID, false)
			if tt.ok {
				if err != nil || owner != actor.ID {
					t.Fatalf("lookup = %q, %v; want %s", owner, err, actor.ID)
				}
				return
			}
			if !errors.Is(err, ErrBadSignature) {
				t.Errorf("lookup err = %v; want ErrBadSignature", err)
			}
		})
	}
	for _, host := range []string{"victim.internal:8080", "peer.example:8443"} {
		if n := origin.requests(host); n != 0 {
			t.Errorf("%d requests to %s", n, host)
		}
	}
}

// TestKeyFetchesHeldBackPerHost: after a key fetch from a host failed, no
// key is fetched there for a minute, whatever keyId is named; a known key
// is fetched again at most once a minute per host; other hosts go on.
func TestKeyFetchesHeldBackPerHost(t *testing.T) {
	origin := &keyOrigin{}
	e, now := keyEngine(t, origin)
	ctx := context.Background()

	// Forged keyIds at a host that has no such keys.
	for i, path := range []string{"/a#k", "/b#k", "/c:22#k", "/users/x#main-key"} {
		if _, _, err := e.PublicKey(ctx, "https://probe.example"+path, false); err == nil {
			t.Fatalf("lookup %d found a key", i)
		}
	}
	if n := origin.requests("probe.example"); n != 1 {
		t.Errorf("%d requests to probe.example within a minute; want 1", n)
	}
	*now = now.Add(keyFetchInterval + time.Second)
	e.PublicKey(ctx, "https://probe.example/d#k", false)
	if n := origin.requests("probe.example"); n != 2 {
		t.Errorf("%d requests to probe.example after a minute; want 2", n)
	}

	// A peer's real key: fetched once, refreshed at most once a minute.
	actor := remoteActor(t, "https://peer.example/users/m", 1)
	origin.serve(actor)
	if _, _, err := e.PublicKey(ctx, actor.PublicKey.ID, false); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, key, err := e.PublicKey(ctx, actor.PublicKey.ID, true); err != nil || key == nil {
			t.Fatalf("refresh: %v", err)
		}
	}
	if n := origin.requests("peer.example"); n != 2 {
		t.Errorf("%d requests to peer.example for one key and three refreshes; want 2", n)
	}
	// A new actor of that peer is still fetched: a large peer sends
	// from many at once.
	other := remoteActor(t, "https://peer.example/users/n", 2)
	origin.serve(other)
	if _, _, err := e.PublicKey(ctx, other.PublicKey.ID, false); err != nil {
		t.Errorf("new actor of a peer whose key was refreshed: %v", err)
	}
}

// TestVerifyInboxNoFetch: an inbox delivery whose keyId is on another
// host than its actor, or a Delete by an actor never known, costs no
// request at all.
func TestVerifyInboxNoFetch(t *testing.T) {
	origin := &keyOrigin{}
	e, now := keyEngine(t, origin)
	ctx := context.Background()
	tests := []struct {
		name    string
		typ     string
		keyID   string
		wantErr error
	}{
		{"keyId on another host", activitypub.TypeCreate, "http://127.0.0.1:6379/#k", ErrBadSignature},
		{"Delete by an unknown actor", activitypub.TypeDelete, "https://peer.example/users/gone#main-key", ErrSkipped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"https://peer.example/users/gone#a",` +
				`"type":"` + tt.typ + `","actor":"https://peer.example/users/gone","object":"https://council-a.example/users/x"}`)
			r, err := http.NewRequest(http.MethodPost, "https://council-a.example/inbox", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if err := (Signer{KeyID: tt.keyID, Key: sigTestKey(t, 1)}).Sign(r, body, *now); err != nil {
				t.Fatal(err)
			}
			if _, err := e.VerifyInbox(ctx, r, body, *now); !errors.Is(err, tt.wantErr) {
				t.Errorf("VerifyInbox err = %v; want %v", err, tt.wantErr)
			}
		})
	}
	for _, host := range []string{"127.0.0.1:6379", "peer.example"} {
		if n := origin.requests(host); n != 0 {
			t.Errorf("%d requests to %s", n, host)
		}
	}
}

// TestVerifyInboxHandsOnItsParse: a delivery whose signature verifies
// comes back parsed, with its signer, for ReceiveInbound to apply
// without parsing it again; a body that is no activity, or names no
// actor, is refused as invalid before any key is looked up.
func TestVerifyInboxHandsOnItsParse(t *testing.T) {
	origin := &keyOrigin{}
	e, now := keyEngine(t, origin)
	ctx := context.Background()
	actor := remoteActor(t, "https://peer.example/users/m", 1)
	origin.serve(actor)
	post := func(body string) *http.Request {
		r, err := http.NewRequest(http.MethodPost, "https://council-a.example/inbox", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if err := (Signer{KeyID: actor.PublicKey.ID, Key: sigTestKey(t, 1)}).Sign(r, []byte(body), *now); err != nil {
			t.Fatal(err)
		}
		return r
	}
	body := `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://peer.example/users/m/follows/1",` +
		`"type":"Follow","actor":"https://peer.example/users/m","object":"https://council-a.example/users/x"}`
	in, err := e.VerifyInbox(ctx, post(body), []byte(body), *now)
	if err != nil {
		t.Fatalf("VerifyInbox: %v", err)
	}
	if in.Signer != actor.ID || in.Activity.ID != "https://peer.example/users/m/follows/1" ||
		in.Activity.Type != activitypub.TypeFollow || in.Activity.Object.IRI != "https://council-a.example/users/x" || string(in.Body) != body {
		t.Errorf("VerifyInbox = signer %q, activity %+v; want the Follow, signed by %s", in.Signer, in.Activity, actor.ID)
	}
	for _, bad := range []string{
		`[1, 2, 3]`,
		`{"id":"https://peer.example/users/m/follows/2","type":"Follow","object":"https://council-a.example/users/x"}`,
	} {
		var inv *InvalidError
		if _, err := e.VerifyInbox(ctx, post(bad), []byte(bad), *now); !errors.As(err, &inv) {
			t.Errorf("VerifyInbox(%s) err = %v; want an InvalidError", bad, err)
		}
	}
	if n := origin.requests("peer.example"); n != 1 {
		t.Errorf("%d requests to peer.example; want 1 (the key, for the good delivery)", n)
	}
}

// TestVerifyInboxDecodesNothingUnsigned: an unsigned delivery is refused
// before its body is decoded, so an anonymous sender cannot make the
// node build a megabyte of tiny JSON values into memory (issue 10, item
// 3, for the inbox): only its type and actor are read first.
func TestVerifyInboxDecodesNothingUnsigned(t *testing.T) {
	origin := &keyOrigin{}
	e, now := keyEngine(t, origin)
	ctx := context.Background()
	origin.serve(remoteActor(t, "https://peer.example/users/m", 1))
	tiny := strings.Repeat("0,", 480_000)
	body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"https://peer.example/users/m/a/1","type":"Create",` +
		`"actor":"https://peer.example/users/m","object":{"id":"https://peer.example/users/m/n/1","type":"Note","tag":[` + tiny + `0]}}`)
	r, err := http.NewRequest(http.MethodPost, "https://council-a.example/inbox", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = e.VerifyInbox(ctx, r, body, *now)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("an unsigned delivery verified")
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 2<<20 {
		t.Errorf("refusing an unsigned %d KiB delivery allocated %d KiB; want under 2 MiB", len(body)>>10, got>>10)
	}
}
