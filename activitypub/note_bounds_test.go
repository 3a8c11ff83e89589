package activitypub

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestNoteListsBounded: a peer's post keeps at most MaxNoteMentions
// distinct mentions, MaxNoteHashtags distinct hashtags,
// MaxNoteAttachments attachments and MaxPollOptions poll options; the
// rest is dropped and the post still parses.
func TestNoteListsBounded(t *testing.T) {
	var tags, atts, opts []any
	for i := range 300 {
		tags = append(tags,
			map[string]any{"type": "Mention", "href": fmt.Sprintf("https://peer.example/users/u%d", i%250)},
			map[string]any{"type": "Hashtag", "name": fmt.Sprintf("#Tag%d", i%250)},
			map[string]any{"type": "Hashtag", "name": fmt.Sprintf("#tag%d", i%250)}) // the same name, other case
		atts = append(atts, map[string]any{"type": "Image", "mediaType": "image/png", "url": fmt.Sprintf("https://peer.example/m/%d.png", i)})
		opts = append(opts, map[string]any{"type": "Note", "name": fmt.Sprintf("Option %d", i)})
	}
	tests := []struct {
		name  string
		extra map[string]any
		check func(Note) error
	}{
		{"mentions and hashtags", map[string]any{"type": "Note", "tag": tags}, func(n Note) error {
			var m, h int
			for _, t := range n.Tags {
				switch t.Type {
				case TagMention:
					m++
				case TagHashtag:
					h++
				}
			}
			if m != MaxNoteMentions || h != MaxNoteHashtags {
				return fmt.Errorf("%d mentions, %d hashtags; want %d, %d", m, h, MaxNoteMentions, MaxNoteHashtags)
			}
			return nil
		}},
		{"attachments", map[string]any{"type": "Note", "attachment": atts}, func(n Note) error {
			if len(n.Attachments) != MaxNoteAttachments {
				return fmt.Errorf("%d attachments; want %d", len(n.Attachments), MaxNoteAttachments)
			}
			return nil
		}},
		{"poll options", map[string]any{"type": "Question", "oneOf": opts}, func(n Note) error {
			if n.Poll == nil || len(n.Poll.Options) != MaxPollOptions {
				return fmt.Errorf("poll %+v; want %d options", n.Poll, MaxPollOptions)
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": "https://peer.example/n/1",
				"attributedTo": "https://peer.example/users/m", "content": "<p>hello</p>",
				"to": []string{"https://www.w3.org/ns/activitystreams#Public"}}
			for k, v := range tt.extra {
				doc[k] = v
			}
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			n, err := ParseNote(b)
			if err != nil {
				t.Fatalf("ParseNote: %v", err)
			}
			if err := tt.check(n); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestRemoteTextBounded: the text a peer's actor or post brings is cut to
// its bound, counted in characters, never split inside one.
func TestRemoteTextBounded(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) }
	var fields []any
	var aka []string
	for range 40 {
		fields = append(fields, map[string]any{"type": "PropertyValue", "name": long(300), "value": long(3000)})
	}
	for i := range 300 {
		aka = append(aka, fmt.Sprintf("https://peer.example/users/old%d", i))
	}
	actor, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": "https://peer.example/users/m",
		"type": "Person", "preferredUsername": "m", "inbox": "https://peer.example/users/m/inbox",
		"name": long(300), "summary": long(20_000), "attachment": fields, "alsoKnownAs": aka})
	a, err := ParseActor(actor)
	if err != nil {
		t.Fatal(err)
	}
	runes := utf8.RuneCountInString
	if runes(a.Name) != maxActorName || runes(a.Summary) != maxActorSummary || len(a.Fields) != maxActorFields ||
		runes(a.Fields[0].Name) != maxFieldName || runes(a.Fields[0].Value) != maxFieldValue || len(a.AlsoKnownAs) != maxAlsoKnownAs {
		t.Errorf("actor: name %d, summary %d, %d fields (%d, %d), %d aliases; want %d, %d, %d (%d, %d), %d",
			runes(a.Name), runes(a.Summary), len(a.Fields), runes(a.Fields[0].Name), runes(a.Fields[0].Value), len(a.AlsoKnownAs),
			maxActorName, maxActorSummary, maxActorFields, maxFieldName, maxFieldValue, maxAlsoKnownAs)
	}
	note, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": "https://peer.example/n/1",
		"type": "Question", "attributedTo": "https://peer.example/users/m", "name": long(2000), "summary": long(6000),
		"content":    "<p>" + long(50_000) + "</p>",
		"attachment": []any{map[string]any{"type": "Image", "url": "https://peer.example/m/1.png", "name": long(2000)}},
		"oneOf":      []any{map[string]any{"type": "Note", "name": long(2000)}, map[string]any{"type": "Note", "name": "No"}}})
	n, err := ParseNote(note)
	if err != nil {
		t.Fatal(err)
	}
	if runes(n.Name) != maxNoteName || runes(n.Summary) != maxNoteSummary || runes(n.Attachments[0].Name) != maxAltText ||
		runes(n.Poll.Options[0].Name) != maxPollOption || runes(n.Content) != 50_007 {
		t.Errorf("note: name %d, summary %d, alt text %d, option %d, content %d; want %d, %d, %d, %d and the content whole",
			runes(n.Name), runes(n.Summary), runes(n.Attachments[0].Name), runes(n.Poll.Options[0].Name), runes(n.Content),
			maxNoteName, maxNoteSummary, maxAltText, maxPollOption)
	}
}
