package activitypub

import (
	"bytes"
	"testing"
	"time"
)

// TestPlainActivityMapIsActivityMap: the fast path of MarshalActivity
// writes exactly what go-fed's vocabulary types write, byte for byte,
// and leaves to them every activity it does not cover.
func TestPlainActivityMapIsActivityMap(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 678, time.FixedZone("x", 3600))
	const g, bob = "https://a.example/users/g", "https://b.example/users/bob"
	tests := []struct {
		name  string
		a     Activity
		plain bool
	}{
		{"a boost", Activity{ID: g + "/statuses/1/activity", Type: TypeAnnounce, Actor: g, To: []string{PublicIRI},
			CC: []string{bob, g + "/followers"}, Published: at, Object: Object{IRI: "https://b.example/p/1"}}, true},
		{"a followers-only boost", Activity{ID: g + "/statuses/2/activity", Type: TypeAnnounce, Actor: g,
			To: []string{g + "/followers"}, CC: []string{bob}, Object: Object{IRI: "https://b.example/p/2"}}, true},
		{"a like, no addressing", Activity{ID: bob + "#likes/1", Type: TypeLike, Actor: bob, Object: Object{IRI: "https://a.example/p/é?x=1 2"}}, true},
		{"a follow", Activity{ID: bob + "#follows/1", Type: TypeFollow, Actor: bob, Object: Object{IRI: g}}, true},
		{"no actor", Activity{ID: bob + "#x", Type: TypeLike, Object: Object{IRI: g}}, true},
		{"a flag with a comment", Activity{ID: bob + "#flag", Type: TypeFlag, Actor: bob, Content: "spam", Object: Object{IRI: g}}, false},
		{"several objects", Activity{ID: bob + "#flag2", Type: TypeFlag, Actor: bob, Object: Object{IRI: g, More: []string{bob}}}, false},
		{"an embedded activity", Activity{ID: bob + "#undo", Type: TypeUndo, Actor: bob,
			Object: Object{IRI: bob + "#follows/1", Activity: &Activity{ID: bob + "#follows/1", Type: TypeFollow, Actor: bob, Object: Object{IRI: g}}}}, false},
		{"a target", Activity{ID: g + "#add", Type: "Add", Actor: g, Target: g + "/featured", Object: Object{IRI: g + "/p/1"}}, false},
		{"a result", Activity{ID: g + "#accept", Type: TypeAccept, Actor: g, Result: g + "/artefacts/1", Object: Object{IRI: bob + "#create"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, plain := plainActivityMap(tt.a)
			if plain != tt.plain {
				t.Fatalf("plain path taken: %v; want %v", plain, tt.plain)
			}
			got, err := MarshalActivity(tt.a)
			if err != nil {
				t.Fatal(err)
			}
			m, err := activityMap(tt.a, 0)
			if err != nil {
				t.Fatal(err)
			}
			want, err := encode(m)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("MarshalActivity:\n%s\nwant (go-fed):\n%s", got, want)
			}
		})
	}
}

// TestEncodeWritesContextFirst: encode's output, with the context
// encoded once and written first, is what encoding the whole map gives,
// also for a map with no other key or with a key that sorts before
// "@context".
func TestEncodeWritesContextFirst(t *testing.T) {
	for _, m := range []map[string]any{
		{},
		{"id": "https://a.example/1", "type": "Like", "content": "<p>a & b</p>"},
		{"#first": 1, "id": "x"},
		{"@base": "x", "@context": "replaced"},
	} {
		want := map[string]any{}
		for k, v := range m {
			want[k] = v
		}
		want["@context"] = outContext
		wantJSON, err := marshalNoEscape(want)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encode(m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, wantJSON) {
			t.Errorf("encode(%v):\n%s\nwant:\n%s", m, got, wantJSON)
		}
	}
}
