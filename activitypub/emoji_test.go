package activitypub

import (
	"encoding/json"
	"testing"
	"time"
)

func TestEmojisOf(t *testing.T) {
	tests := []struct {
		name string
		tag  string
		want []Emoji
	}{
		{"Mastodon's shape", `[{"type":"Emoji","name":":blob:","icon":{"type":"Image","mediaType":"image/png","url":"https://x.example/blob.png"}}]`,
			[]Emoji{{Shortcode: "blob", URL: "https://x.example/blob.png", MediaType: "image/png"}}},
		{"a single object, icon as a bare IRI", `{"type":"Emoji","name":":wave:","icon":"https://x.example/wave.gif"}`,
			[]Emoji{{Shortcode: "wave", URL: "https://x.example/wave.gif"}}},
		{"icon url as a Link", `[{"type":"Emoji","name":":ok:","icon":{"type":"Image","url":{"type":"Link","href":"https://x.example/ok.png"}}}]`,
			[]Emoji{{Shortcode: "ok", URL: "https://x.example/ok.png"}}},
		{"other tags skipped", `[{"type":"Hashtag","name":"#a"},{"type":"Mention","href":"https://x.example/u"}]`, nil},
		{"a shortcode with markup is refused", `[{"type":"Emoji","name":":<b>x</b>:","icon":{"url":"https://x.example/x.png"}}]`, nil},
		{"a javascript: image is refused", `[{"type":"Emoji","name":":x:","icon":{"url":"javascript:alert(1)"}}]`, nil},
		{"a repeat is dropped", `[{"type":"Emoji","name":":a1:","icon":{"url":"https://x.example/1.png"}},{"type":"Emoji","name":":a1:","icon":{"url":"https://x.example/2.png"}}]`,
			[]Emoji{{Shortcode: "a1", URL: "https://x.example/1.png"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw any
			if err := json.Unmarshal([]byte(tt.tag), &raw); err != nil {
				t.Fatal(err)
			}
			sameValue(t, emojisOf(raw), tt.want)
		})
	}
}

// TestEmojiTagsRoundTrip: the emojis of a Note and of an actor are written
// as Mastodon's Emoji tags, beside the other tags, and read back whole.
func TestEmojiTagsRoundTrip(t *testing.T) {
	t.Parallel()
	heron := Emoji{Shortcode: "heron", URL: "https://council-a.example/media/ab/ab12_emoji.png", MediaType: "image/png",
		ID: "https://council-a.example/emojis/113745402938475700", Updated: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	note := Note{ID: "https://council-a.example/users/olli/statuses/1", Type: TypeNote, AttributedTo: "https://council-a.example/users/olli",
		Content: "<p>:heron: at the archive #birds</p>", To: []string{PublicIRI}, Published: heron.Updated,
		Tags:   []Tag{{Type: TagHashtag, Href: "https://council-a.example/tags/birds", Name: "#birds"}},
		Emojis: []Emoji{heron}}
	act := Activity{ID: note.ID + "/activity", Type: TypeCreate, Actor: note.AttributedTo, To: note.To, Published: note.Published,
		Object: Object{IRI: note.ID, Type: note.Type, Note: &note}}
	b, err := MarshalActivity(act)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseActivity(b)
	if err != nil {
		t.Fatal(err)
	}
	if back.Object.Note == nil || len(back.Object.Note.Tags) != 1 {
		t.Fatalf("parsed note = %+v; want its hashtag", back.Object.Note)
	}
	sameValue(t, back.Object.Note.Emojis, []Emoji{heron})

	actor := Actor{ID: note.AttributedTo, Type: TypePerson, PreferredUsername: "olli", Name: "Olli :heron:",
		Inbox: note.AttributedTo + "/inbox", Outbox: note.AttributedTo + "/outbox", Emojis: []Emoji{heron}}
	b, err = MarshalActor(actor)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := ParseActor(b)
	if err != nil {
		t.Fatal(err)
	}
	sameValue(t, parsed.Emojis, []Emoji{heron})

	b, err = MarshalEmoji(heron)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	sameValue(t, emojisOf(doc), []Emoji{heron})
}
