package activitypub

import (
	"errors"
	"testing"
	"time"
)

// testCreate is Create{testNote()}.
func testCreate() Activity {
	n := testNote()
	return Activity{
		ID:        n.ID + "/activity",
		Type:      TypeCreate,
		Actor:     n.AttributedTo,
		To:        n.To,
		CC:        n.CC,
		Published: when,
		Object:    Object{IRI: n.ID, Type: TypeNote, Note: &n},
	}
}

func TestActivityRoundTrip(t *testing.T) {
	olli := "https://council-a.example/users/olli"
	hanna := "https://mastodon.example/users/hanna"
	follow := Activity{
		ID:     olli + "#follows/1",
		Type:   TypeFollow,
		Actor:  olli,
		Object: Object{IRI: hanna},
	}
	undo := Activity{
		ID:     olli + "#follows/1/undo",
		Type:   TypeUndo,
		Actor:  olli,
		Object: Object{IRI: follow.ID, Type: TypeFollow, Activity: &follow},
	}
	group := testGroup()
	create := testCreate()
	person := testPerson()

	tests := []struct {
		name     string
		activity Activity
	}{
		{"create note", create},
		{"create article", Activity{
			ID: "https://council-a.example/artefacts/4471/activity", Type: TypeCreate, Actor: olli,
			To: []string{PublicIRI}, Published: when,
			Object: Object{IRI: testArticle().ID, Type: TypeArticle, Note: ptr(testArticle())},
		}},
		{"follow", follow},
		{"undo follow", undo},
		{"accept follow", Activity{
			ID: hanna + "#accepts/follows/1", Type: TypeAccept, Actor: hanna,
			Object: Object{IRI: follow.ID, Type: TypeFollow, Activity: &follow},
		}},
		{"announce IRI (boost)", Activity{
			ID: group.ID + "/announces/1", Type: TypeAnnounce, Actor: group.ID,
			To: []string{PublicIRI}, CC: []string{group.Followers}, Published: when,
			Object: Object{IRI: create.Object.IRI},
		}},
		{"announce create note (FEP-1b12)", Activity{
			ID: group.ID + "/announces/2", Type: TypeAnnounce, Actor: group.ID,
			To: []string{PublicIRI}, CC: []string{group.Followers},
			Object: Object{IRI: create.ID, Type: TypeCreate, Activity: &create},
		}},
		{"update person", Activity{
			ID: olli + "#updates/1", Type: TypeUpdate, Actor: olli, To: []string{PublicIRI},
			Object: Object{IRI: person.ID, Type: TypePerson, Actor: &person},
		}},
		{"delete tombstone", Activity{
			ID: create.Object.IRI + "#delete", Type: TypeDelete, Actor: olli, To: []string{PublicIRI},
			Object: Object{IRI: create.Object.IRI, Type: TypeTombstone, Tombstone: true},
		}},
		{"flag with several objects and a comment", Activity{
			ID: "https://council-a.example/reports/7", Type: TypeFlag, Actor: "https://council-a.example/actor",
			Content: "Spam: repeated links", To: []string{hanna},
			Object: Object{IRI: hanna, More: []string{"https://mastodon.example/users/hanna/statuses/1", "https://mastodon.example/users/hanna/statuses/2"}},
		}},
		{"like", Activity{ID: olli + "#likes/3", Type: TypeLike, Actor: olli, Object: Object{IRI: "https://mastodon.example/users/hanna/statuses/1"}}},
		{"block", Activity{ID: olli + "#blocks/4", Type: TypeBlock, Actor: olli, Object: Object{IRI: hanna}}},
		{"move", Activity{ID: olli + "#moves/1", Type: TypeMove, Actor: olli, Object: Object{IRI: olli}, Target: "https://council-b.example/users/olli"}},
		{"add to featured", Activity{ID: olli + "#add/1", Type: "Add", Actor: olli, Object: Object{IRI: create.Object.IRI}, Target: person.Featured}},
		{"accept of a proposal, with its result", Activity{ID: "https://council-b.example/users/libraries#accepts/1", Type: TypeAccept,
			Actor: "https://council-b.example/users/libraries", To: []string{olli}, Object: Object{IRI: olli + "#creates/9"},
			Result: "https://council-b.example/artefacts/5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := MarshalActivity(tt.activity)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseActivity(b)
			if err != nil {
				t.Fatalf("parse own output: %v\n%s", err, b)
			}
			sameValue(t, got, tt.activity)
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestMarshalActivityGolden(t *testing.T) {
	b, err := MarshalActivity(testCreate())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "create", b)
}

func TestMarshalTombstoneGolden(t *testing.T) {
	b, err := MarshalTombstone(testNote().ID, when.Add(90*time.Minute+500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "tombstone", b)

	b, err = MarshalTombstone(testNote().ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := decodeJSON(t, b)["deleted"]; ok {
		t.Errorf("deleted present when zero: %s", b)
	}
}

func TestMarshalActivityEmbeddedIDs(t *testing.T) {
	// An embedded object without an id takes the Object's IRI.
	n := testNote()
	n.ID = ""
	a := testCreate()
	a.Object.Note = &n
	b, err := MarshalActivity(a)
	if err != nil {
		t.Fatal(err)
	}
	obj, _ := decodeJSON(t, b)["object"].(map[string]any)
	if obj["id"] != a.Object.IRI {
		t.Errorf("object id = %v; want %s", obj["id"], a.Object.IRI)
	}
	if _, ok := obj["@context"]; ok {
		t.Errorf("embedded object carries its own @context")
	}
}

func TestMarshalActivityErrors(t *testing.T) {
	tests := []struct {
		name     string
		activity Activity
	}{
		{"unknown type", Activity{ID: "https://a.example/1", Type: "EmojiReact"}},
		{"bad actor IRI", Activity{ID: "https://a.example/1", Type: TypeLike, Actor: "http://a b.example/"}},
		{"bad embedded note", Activity{ID: "https://a.example/1", Type: TypeCreate, Object: Object{Note: &Note{ID: "https://a.example/n", Type: "Event"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if b, err := MarshalActivity(tt.activity); err == nil {
				t.Errorf("no error; output %s", b)
			}
		})
	}
}

func TestParseActivityErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
	}{
		{"empty", ``},
		{"truncated", `{"id": "https://a.example/1", "type": "Like"`},
		{"array", `[{"id": "https://a.example/1", "type": "Like"}]`},
		{"no type", `{"id": "https://a.example/1", "actor": "https://a.example/u"}`},
		{"empty type", `{"id": "https://a.example/1", "type": ""}`},
		{"no id", `{"type": "Like", "actor": "https://a.example/u", "object": "https://b.example/n/1"}`},
		{"id not a string", `{"id": 7, "type": "Like"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseActivity([]byte(tt.doc))
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("err = %v; want ErrInvalid", err)
			}
		})
	}
}

func TestParseActivityTolerance(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want Activity
	}{
		{
			name: "unknown activity type",
			doc: `{"@context": ["https://www.w3.org/ns/activitystreams", {"litepub": "http://litepub.social/ns#"}],
				"id": "https://p.example/activities/9", "type": "EmojiReact", "actor": "https://p.example/users/x",
				"object": "https://council-a.example/users/olli/statuses/1", "content": "🌱",
				"to": "https://council-a.example/users/olli", "published": "2026-01-02T03:04:05Z"}`,
			want: Activity{ID: "https://p.example/activities/9", Type: "EmojiReact", Actor: "https://p.example/users/x",
				To: []string{"https://council-a.example/users/olli"}, Published: when, Content: "🌱",
				Object: Object{IRI: "https://council-a.example/users/olli/statuses/1"}},
		},
		{
			name: "undo of an unknown activity",
			doc: `{"id": "https://p.example/activities/10", "type": "Undo", "actor": "https://p.example/users/x",
				"object": {"id": "https://p.example/activities/9", "type": "EmojiReact", "actor": "https://p.example/users/x", "object": "https://council-a.example/n/1"}}`,
			want: Activity{ID: "https://p.example/activities/10", Type: TypeUndo, Actor: "https://p.example/users/x",
				Object: Object{IRI: "https://p.example/activities/9", Type: "EmojiReact", Activity: &Activity{
					ID: "https://p.example/activities/9", Type: "EmojiReact", Actor: "https://p.example/users/x",
					Object: Object{IRI: "https://council-a.example/n/1"}}}},
		},
		{
			name: "unknown type embedding a known note",
			doc: `{"id": "https://p.example/activities/11", "type": "Quote", "actor": "https://p.example/users/x",
				"object": {"id": "https://p.example/n/1", "type": "Note", "content": "x"}}`,
			want: Activity{ID: "https://p.example/activities/11", Type: "Quote", Actor: "https://p.example/users/x",
				Object: Object{IRI: "https://p.example/n/1", Type: TypeNote, Note: &Note{ID: "https://p.example/n/1", Type: TypeNote, Content: "x"}}},
		},
		{
			name: "actor embedded, object an embedded unknown type",
			doc: `{"id": "https://l.example/a/1", "type": "Create", "actor": {"type": "Person", "id": "https://l.example/u/r", "inbox": "https://l.example/u/r/inbox"},
				"object": {"type": "ChatMessage", "id": "https://l.example/m/1", "content": "hi"}}`,
			want: Activity{ID: "https://l.example/a/1", Type: TypeCreate, Actor: "https://l.example/u/r",
				Object: Object{IRI: "https://l.example/m/1", Type: "ChatMessage"}},
		},
		{
			name: "delete of an actor by IRI, to as the Public shorthand",
			doc: `{"id": "https://m.example/users/gone#delete", "type": "Delete", "actor": "https://m.example/users/gone",
				"object": "https://m.example/users/gone", "to": ["as:Public"]}`,
			want: Activity{ID: "https://m.example/users/gone#delete", Type: TypeDelete, Actor: "https://m.example/users/gone",
				To: []string{"as:Public"}, Object: Object{IRI: "https://m.example/users/gone"}},
		},
		{
			name: "object array of IRIs and embedded",
			doc: `{"id": "https://m.example/r/1", "type": "Flag", "actor": "https://m.example/actor", "content": "abuse",
				"object": ["https://a.example/u/x", {"id": "https://a.example/n/1", "type": "Note"}, "https://a.example/n/2"]}`,
			want: Activity{ID: "https://m.example/r/1", Type: TypeFlag, Actor: "https://m.example/actor", Content: "abuse",
				Object: Object{IRI: "https://a.example/u/x", More: []string{"https://a.example/n/1", "https://a.example/n/2"}}},
		},
		{
			name: "a bare note posted to an inbox",
			doc:  `{"id": "https://m.example/n/5", "type": "Note", "to": "https://www.w3.org/ns/activitystreams#Public", "content": "x"}`,
			want: Activity{ID: "https://m.example/n/5", Type: TypeNote, To: []string{PublicIRI}, Content: "x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseActivity([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			sameValue(t, got, tt.want)
		})
	}
}

func TestParseActivityDepth(t *testing.T) {
	// Undo{Undo{Undo{...Like}}} deeper than maxDepth keeps only IRIs
	// below the limit, and does not fail.
	doc := `"https://a.example/n/1"`
	for i := 0; i < 50; i++ {
		doc = `{"id": "https://a.example/a/` + string(rune('a'+i%26)) + `", "type": "Undo", "actor": "https://a.example/u", "object": ` + doc + `}`
	}
	a, err := ParseActivity([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	depth := 0
	for o := a.Object; o.Activity != nil; o = o.Activity.Object {
		depth++
	}
	if depth != maxDepth {
		t.Errorf("embedded depth = %d; want %d", depth, maxDepth)
	}
}
