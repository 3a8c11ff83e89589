package activitypub

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"testing"

	"github.com/mr-tron/base58"
)

func TestMultibaseRoundTripAndRefusals(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	good := EncodeMultibase(key)
	if good[:3] != "z6M" { // every Ed25519 Multikey starts so
		t.Errorf("EncodeMultibase = %q; want z6M…", good)
	}
	rsaPrefixed := "z" + base58.Encode(append([]byte{0x85, 0x24}, key...))
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"an Ed25519 key", good, true},
		{"not base58btc", "u" + good[1:], false},
		{"empty", "", false},
		{"not base58", "z0OIl", false},
		{"another kind of key", rsaPrefixed, false},
		{"too short", good[:len(good)-4], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeMultibase(tt.in)
			if !tt.ok {
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("DecodeMultibase(%q) = %v, %v; want ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || !got.Equal(key) {
				t.Errorf("DecodeMultibase(%q) = %x, %v; want %x", tt.in, got, err, key)
			}
		})
	}
}

// TestActorEd25519Key: an actor's Ed25519 key goes out in
// assertionMethod and is read back; one whose controller is another
// actor, or whose id is on another host (it could shadow that host's
// key), is not taken.
func TestActorEd25519Key(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	const id = "https://council-a.example/users/ann"
	a := Actor{ID: id, Type: TypePerson, PreferredUsername: "ann", Inbox: id + "/inbox",
		PublicKey: PublicKey{ID: id + "#main-key", Owner: id, PEM: "pem"},
		Ed25519:   Multikey{ID: id + "#ed25519-key", Controller: id, Key: key}}
	b, err := MarshalActor(a)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseActor(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Ed25519.ID != a.Ed25519.ID || !got.Ed25519.Key.Equal(key) || got.Ed25519.Controller != id {
		t.Errorf("read back %+v; want %+v", got.Ed25519, a.Ed25519)
	}

	entry := func(id, controller string) map[string]any {
		return map[string]any{"id": id, "type": "Multikey", "controller": controller, "publicKeyMultibase": EncodeMultibase(key)}
	}
	tests := []struct {
		name   string
		method any
		want   string // the key id read, "" for none
	}{
		{"one object", entry(id+"#k", id), id + "#k"},
		{"after another kind of key", []any{map[string]any{"id": id + "#rsa", "type": "Multikey", "controller": id,
			"publicKeyMultibase": "z4MXj1wBzi9jUstyP"}, entry(id+"#k", id)}, id + "#k"},
		{"another controller", entry(id+"#k", "https://council-a.example/users/bob"), ""},
		{"an id on another host", entry("https://council-b.example/users/bob#main-key", id), ""},
		{"an IRI only", id + "#k", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := map[string]any{"@context": asContext, "id": id, "type": "Person", "inbox": id + "/inbox",
				"preferredUsername": "ann", "assertionMethod": tt.method}
			b, _ := json.Marshal(doc)
			got, err := ParseActor(b)
			if err != nil {
				t.Fatal(err)
			}
			if got.Ed25519.ID != tt.want {
				t.Errorf("key read %q; want %q", got.Ed25519.ID, tt.want)
			}
		})
	}
}
