package federation

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/copse-dev/copse/storage"
)

// TestEd25519KeysGivenAndRotated: a member made before copse had
// Ed25519 keys is given one at the next start; rotating a member's key
// rotates both; the actor states the key it signs with.
func TestEd25519KeysGivenAndRotated(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	alice := member(t, e, "alice")
	if alice.Ed25519KeyID != alice.URI+"#ed25519-key" || alice.Ed25519Public == "" || alice.Ed25519PrivatePEM == "" {
		t.Fatalf("a new member's Ed25519 key: %q %q; want one", alice.Ed25519KeyID, alice.Ed25519Public)
	}
	if got := ActorOf(alice).Ed25519; got.ID != alice.Ed25519KeyID || got.Controller != alice.URI {
		t.Errorf("alice's actor states %+v; want her Ed25519 key", got)
	}

	// As a database from before migration 0051 holds her.
	err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.SetEd25519Key(ctx, alice.ID, "", "", "") })
	if err != nil {
		t.Fatal(err)
	}
	if err := e.giveEd25519Keys(ctx); err != nil {
		t.Fatal(err)
	}
	given, err := e.store.AccountByID(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if given.Ed25519KeyID != alice.Ed25519KeyID || given.Ed25519Public == "" || given.Ed25519Public == alice.Ed25519Public {
		t.Fatalf("after a start, alice's Ed25519 key is %q %q; want a new one", given.Ed25519KeyID, given.Ed25519Public)
	}
	if _, err := ParseEd25519PrivateKey(given.Ed25519PrivatePEM); err != nil {
		t.Fatal(err)
	}
	if owner, key, err := e.PublicKey(ctx, given.Ed25519KeyID, false); err != nil || owner != alice.URI || key == nil {
		t.Errorf("PublicKey(%s) = %q, %v, %v; want alice's", given.Ed25519KeyID, owner, key, err)
	}

	if err := e.RotateKey(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}
	rotated, err := e.store.AccountByID(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.Ed25519Public == given.Ed25519Public || rotated.PublicKeyPEM == given.PublicKeyPEM {
		t.Errorf("after a rotation alice keeps a key: Ed25519 %v, RSA %v", rotated.Ed25519Public == given.Ed25519Public,
			rotated.PublicKeyPEM == given.PublicKeyPEM)
	}
}

// TestDeliveryEd25519FallsBackToRSA: a delivery to a node known to run
// copse is signed with the signer's Ed25519 key; when the node refuses
// it (401: a copse too old to read Ed25519 keys), it is sent again at
// once signed with RSA, and nothing is retried later.
func TestDeliveryEd25519FallsBackToRSA(t *testing.T) {
	ctx := context.Background()
	var (
		mu   sync.Mutex
		algs []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sig := r.Header.Get("Signature")
		mu.Lock()
		defer mu.Unlock()
		switch {
		case strings.Contains(sig, `algorithm="ed25519"`):
			algs = append(algs, "ed25519")
			w.WriteHeader(http.StatusUnauthorized)
		case strings.Contains(sig, `algorithm="rsa-sha256"`):
			algs = append(algs, "rsa-sha256")
			w.WriteHeader(http.StatusAccepted)
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	e := loopbackEngine(t, Options{})
	alice := member(t, e, "alice")
	u, _ := url.Parse(srv.URL)
	e.instances.mu.Lock()
	e.instances.known[u.Host] = storage.Instance{Host: u.Host, Software: "copse"}
	e.instances.mu.Unlock()

	d := storage.Delivery{ActivityURI: alice.URI + "/activities/1", SignerID: alice.ID, SignerKeyID: alice.PublicKeyID,
		SignerKeyPEM: alice.PrivateKeyPEM, SignerEd25519KeyID: alice.Ed25519KeyID, SignerEd25519PEM: alice.Ed25519PrivatePEM,
		Body: []byte(`{"type":"Create"}`), InboxURL: srv.URL + "/inbox", Host: u.Host}
	if _, err := e.deliver(ctx, d); err != nil {
		t.Fatalf("deliver: %v", err)
	}
	mu.Lock()
	got := strings.Join(algs, ",")
	mu.Unlock()
	if got != "ed25519,rsa-sha256" {
		t.Errorf("the node was sent %s; want ed25519, then rsa-sha256", got)
	}
}
