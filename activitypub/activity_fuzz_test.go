package activitypub

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseActivity feeds arbitrary bytes to the parsers of foreign input.
// They must never panic, and what ParseActivity accepts must have a type
// and an id. The seed corpus is testdata/fuzz/FuzzParseActivity (the peer
// documents) plus the peer documents themselves and a few edge shapes.
func FuzzParseActivity(f *testing.F) {
	peers, err := filepath.Glob(filepath.Join("testdata", "peers", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range peers {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``,
		`null`,
		`{}`,
		`{"type": "Create", "id": "https://a.example/1", "object": {"type": "Note"}}`,
		`{"type": ["Announce"], "id": "https://a.example/1", "object": [{"type": "Create", "object": {"type": "Page", "tag": {"type": "Hashtag"}}}]}`,
		`{"@context": {"https://www.w3.org/ns/activitystreams": "as"}, "type": "as:Like", "id": "x:y"}`,
		`{"type": "Undo", "id": "https://a.example/1", "object": {"type": "Follow", "actor": {"type": "Person"}, "object": null}}`,
		`{"type": "Update", "id": "https://a.example/1", "object": {"type": "Person", "icon": [1, "a", {}], "publicKey": "k", "attachment": {"type": "PropertyValue"}}}`,
		`{"type": "Person", "id": "https://a.example/u", "inbox": "https://a.example/i", "assertionMethod": [{"id": "https://a.example/u#k", "type": "Multikey", "controller": "https://a.example/u", "publicKeyMultibase": "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"}, {"type": ["Multikey"], "publicKeyMultibase": 5}, "x"]}`,
		`{"type": "Create", "id": "https://a.example/1", "object": {"type": "Note", "attachment": {"type": "Document", "width": -1, "focalPoint": ["a", 1]}, "contentMap": {"en": 1}}}`,
		`{"type": "Update", "id": "https://a.example/1", "object": {"type": "Question", "id": "https://a.example/q", "oneOf": [{"type": "Note", "replies": {"type": "Collection", "totalItems": -3}}, 1, {"type": "Note", "name": ["a"], "replies": "x"}], "anyOf": {}, "closed": [true, "x", {"type": "Note"}], "endTime": 5, "votersCount": "n"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseActivity(b)
		if err == nil {
			if a.Type == "" || a.ID == "" {
				t.Errorf("accepted an activity with no type or id: %+v", a)
			}
			// Re-emitting what was parsed may fail (unknown types) but
			// must not panic.
			_, _ = MarshalActivity(a)
		}
		_, _ = ParseActor(b)
		_, _ = ParseNote(b)
	})
}
