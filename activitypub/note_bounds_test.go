package activitypub

import (
	"encoding/json"
	"fmt"
	"testing"
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
