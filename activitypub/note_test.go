package activitypub

import (
	"errors"
	"testing"
)

func TestNoteRoundTrip(t *testing.T) {
	direct := Note{
		ID:           "https://council-a.example/users/olli/statuses/2",
		Type:         TypeNote,
		AttributedTo: "https://council-a.example/users/olli",
		Content:      "<p>ok</p>",
		To:           []string{"https://mastodon.example/users/hanna"},
		Published:    when,
		Tags:         []Tag{{Type: TagMention, Href: "https://mastodon.example/users/hanna", Name: "@hanna@mastodon.example"}},
	}
	tests := []struct {
		name string
		note Note
	}{
		{"note", testNote()},
		{"article", testArticle()},
		{"direct, one mention, no cc", direct},
		{"page", Note{ID: "https://council-a.example/p/1", Type: TypePage, Name: "A page", Content: "<p>x</p>", To: []string{PublicIRI}}},
		{"two attachments, image with size", Note{
			ID: "https://council-a.example/n/3", Type: TypeNote, Content: "<p>two</p>", To: []string{PublicIRI},
			Attachments: []Attachment{
				{Type: "Image", MediaType: "image/jpeg", URL: "https://council-a.example/m/1.jpg", Width: 640, Height: 480},
				{Type: "Video", MediaType: "video/mp4", URL: "https://council-a.example/m/2.mp4", Name: "a walk-through"},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := MarshalNote(tt.note)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseNote(b)
			if err != nil {
				t.Fatalf("parse own output: %v\n%s", err, b)
			}
			sameValue(t, got, tt.note)
		})
	}
}

func TestMarshalNoteGolden(t *testing.T) {
	tests := []struct {
		name string
		note Note
	}{
		{"note", testNote()},
		{"article", testArticle()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := MarshalNote(tt.note)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, b)
		})
	}
}

func TestMarshalNoteShape(t *testing.T) {
	n := testNote()
	n.Sensitive = false
	n.To = []string{PublicIRI}
	n.CC = []string{"https://council-a.example/users/olli/followers"}
	n.Tags = n.Tags[:1]
	n.Attachments = n.Attachments[:1]
	n.InReplyTo = ""
	b, err := MarshalNote(n)
	if err != nil {
		t.Fatal(err)
	}
	m := decodeJSON(t, b)
	if v, ok := m["sensitive"]; !ok || v != false {
		t.Errorf("sensitive = %v, %v; want false, present", v, ok)
	}
	// Single values stay arrays, as Mastodon sends them.
	for _, k := range []string{"to", "cc", "tag", "attachment"} {
		if l, ok := m[k].([]any); !ok || len(l) != 1 {
			t.Errorf("%s = %#v; want a one-element array", k, m[k])
		}
	}
	if _, ok := m["inReplyTo"]; ok {
		t.Errorf("inReplyTo present on a post that replies to nothing")
	}
	if cm, _ := m["contentMap"].(map[string]any); cm["en"] != n.Content {
		t.Errorf("contentMap = %v", m["contentMap"])
	}
}

func TestMarshalNoteErrors(t *testing.T) {
	tests := []struct {
		name string
		note Note
	}{
		{"unknown type", Note{ID: "https://a.example/n/1", Type: "Event"}},
		{"bad IRI", Note{ID: "https://a.example/n/1", AttributedTo: "https://a.example/%zz"}},
		{"unknown attachment type", Note{ID: "https://a.example/n/1", Attachments: []Attachment{{Type: "Hologram", URL: "https://a.example/h"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if b, err := MarshalNote(tt.note); err == nil {
				t.Errorf("no error; output %s", b)
			}
		})
	}
}

func TestParseNoteErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
	}{
		{"not json", `{"type": "Note"`},
		{"number", `42`},
		{"no id", `{"type": "Note", "content": "hi"}`},
		{"an actor", `{"id": "https://a.example/u/x", "type": "Person", "inbox": "https://a.example/u/x/inbox"}`},
		{"unknown type", `{"id": "https://a.example/n/1", "type": "ChatMessage", "content": "hi"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseNote([]byte(tt.doc))
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("err = %v; want ErrInvalid", err)
			}
		})
	}
}

func TestParseNoteTolerance(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want Note
	}{
		{
			name: "to and cc as strings, tag as one object, no context",
			doc: `{"id": "https://g.example/n/1", "type": "Note", "attributedTo": "https://g.example/u/a",
				"to": "https://www.w3.org/ns/activitystreams#Public", "cc": "https://g.example/u/a/followers",
				"content": "<p>hi</p>", "tag": {"type": "Mention", "href": "https://b.example/u/b", "name": "@b@b.example"}}`,
			want: Note{ID: "https://g.example/n/1", Type: TypeNote, AttributedTo: "https://g.example/u/a",
				To: []string{PublicIRI}, CC: []string{"https://g.example/u/a/followers"}, Content: "<p>hi</p>",
				Tags: []Tag{{Type: TagMention, Href: "https://b.example/u/b", Name: "@b@b.example"}}},
		},
		{
			name: "attributedTo as array of objects, Person preferred; Public shorthands",
			doc: `{"id": "https://v.example/videos/1", "type": "Note",
				"attributedTo": [{"type": "Group", "id": "https://v.example/c/chan"}, {"type": "Person", "id": "https://v.example/a/ann"}],
				"to": ["as:Public", "Public"], "content": "x"}`,
			want: Note{ID: "https://v.example/videos/1", Type: TypeNote, AttributedTo: "https://v.example/a/ann",
				To: []string{"as:Public", "Public"}, Content: "x"},
		},
		{
			name: "attributedTo as one embedded object, contentMap only, url as Link array",
			doc: `{"id": "https://m.example/n/2", "type": "Article", "attributedTo": {"type": "Person", "id": "https://m.example/u/c"},
				"name": "Title", "contentMap": {"fi": "<p>moi</p>"},
				"url": [{"type": "Link", "mediaType": "application/x-mpegURL", "href": "https://m.example/n/2.m3u8"},
				        {"type": "Link", "mediaType": "text/html", "href": "https://m.example/n/2"}]}`,
			want: Note{ID: "https://m.example/n/2", Type: TypeArticle, AttributedTo: "https://m.example/u/c",
				Name: "Title", Content: "<p>moi</p>", Language: "fi", URL: "https://m.example/n/2"},
		},
		{
			name: "content and contentMap disagree: language is the first key",
			doc: `{"id": "https://m.example/n/3", "type": "Note", "content": "<p>hello</p>",
				"contentMap": {"sv": "<p>hej</p>", "en": "<p>hello there</p>"}}`,
			want: Note{ID: "https://m.example/n/3", Type: TypeNote, Content: "<p>hello</p>", Language: "en"},
		},
		{
			name: "summary that looks like an IRI keeps its case; null fields",
			doc: `{"id": "https://m.example/n/4", "type": "Note", "summary": "CW: Food", "content": "x",
				"inReplyTo": null, "url": null, "sensitive": true, "tag": [], "attachment": []}`,
			want: Note{ID: "https://m.example/n/4", Type: TypeNote, Summary: "CW: Food", Content: "x", Sensitive: true},
		},
		{
			name: "inReplyTo as an object, replies as IRI, published with fraction and offset",
			doc: `{"id": "https://l.example/comment/9", "type": "Note",
				"inReplyTo": {"type": "Page", "id": "https://l.example/post/1"},
				"replies": "https://l.example/comment/9/replies", "content": "x",
				"published": "2026-01-02T05:04:05.123+02:00"}`,
			want: Note{ID: "https://l.example/comment/9", Type: TypeNote, InReplyTo: "https://l.example/post/1",
				Replies: "https://l.example/comment/9/replies", Content: "x",
				Published: when.Add(123_000_000)},
		},
		{
			name: "question, unknown tag types and attachments skipped",
			doc: `{"id": "https://m.example/q/1", "type": "Question", "content": "which?",
				"oneOf": [{"type": "Note", "name": "a"}],
				"tag": [{"type": "Emoji", "name": ":x:", "icon": {"type": "Image", "url": "https://m.example/x.png"}}, "https://m.example/tags/x", {"type": "Hashtag", "name": "#x"}],
				"attachment": [{"type": "PropertyValue", "name": "k", "value": "v"}, {"type": "Document", "mediaType": "image/png"}]}`,
			want: Note{ID: "https://m.example/q/1", Type: TypeQuestion, Content: "which?",
				Tags: []Tag{{Type: TagHashtag, Name: "#x"}}, Poll: &Poll{Options: []PollOption{{Name: "a"}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseNote([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			sameValue(t, got, tt.want)
		})
	}
}
