package activitypub

import (
	"testing"
	"time"
)

// testQuestion is a public single-choice poll that has ended.
func testQuestion() Note {
	id := "https://council-a.example/users/olli/statuses/113745402938475700"
	return Note{
		ID:           id,
		Type:         TypeQuestion,
		AttributedTo: "https://council-a.example/users/olli",
		Content:      "<p>What should the next practice session cover?</p>",
		URL:          "https://council-a.example/@olli/113745402938475700",
		To:           []string{PublicIRI},
		CC:           []string{"https://council-a.example/users/olli/followers"},
		Published:    when,
		Language:     "en",
		Poll: &Poll{
			Options: []PollOption{
				{Name: "Accessibility audits", Votes: 3},
				{Name: "Plain language", Votes: 5},
				{Name: "Service: blueprints", Votes: 0},
			},
			EndTime:     when.Add(24 * time.Hour),
			Closed:      when.Add(24 * time.Hour),
			VotersCount: 8,
		},
	}
}

func TestQuestionRoundTrip(t *testing.T) {
	open := testQuestion()
	open.Poll = &Poll{Options: open.Poll.Options, EndTime: open.Poll.EndTime, VotersCount: 8}
	multiple := testQuestion()
	multiple.Poll = &Poll{Multiple: true, Options: []PollOption{{Name: "a", Votes: 2}, {Name: "b", Votes: 2}}, VotersCount: 3}
	one := testQuestion()
	one.Poll = &Poll{Options: []PollOption{{Name: "only", Votes: 1}}, VotersCount: 1}
	tests := []struct {
		name string
		note Note
	}{
		{"closed, one choice", testQuestion()},
		{"open", open},
		{"multiple choice, no end", multiple},
		{"one option", one},
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
			// In a Create, as deliveries carry it.
			act := Activity{ID: tt.note.ID + "/activity", Type: TypeCreate, Actor: tt.note.AttributedTo, To: tt.note.To,
				Object: Object{IRI: tt.note.ID, Type: TypeQuestion, Note: &tt.note}}
			b, err = MarshalActivity(act)
			if err != nil {
				t.Fatal(err)
			}
			a, err := ParseActivity(b)
			if err != nil {
				t.Fatal(err)
			}
			if a.Object.Note == nil {
				t.Fatalf("object = %+v", a.Object)
			}
			sameValue(t, a.Object.Note.Poll, tt.note.Poll)
		})
	}
}

func TestMarshalQuestionGolden(t *testing.T) {
	b, err := MarshalNote(testQuestion())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "question", b)
}

func TestMarshalQuestionShape(t *testing.T) {
	n := testQuestion()
	n.Type = TypeNote // a poll makes it a Question whatever the type says
	n.Poll = &Poll{Multiple: true, Options: []PollOption{{Name: "yes", Votes: 1}}}
	m := decodeJSON(t, mustMarshalNote(t, n))
	if m["type"] != TypeQuestion {
		t.Errorf("type = %v", m["type"])
	}
	// Mastodon reads a poll only from an array, even of one option.
	opts, ok := m["anyOf"].([]any)
	if !ok || len(opts) != 1 {
		t.Fatalf("anyOf = %#v; want a one-element array", m["anyOf"])
	}
	if _, ok := m["oneOf"]; ok {
		t.Errorf("oneOf present on a multiple-choice poll")
	}
	opt, _ := opts[0].(map[string]any)
	replies, _ := opt["replies"].(map[string]any)
	if opt["type"] != TypeNote || opt["name"] != "yes" || replies["type"] != "Collection" || replies["totalItems"] != 1.0 {
		t.Errorf("option = %#v", opt)
	}
	if m["votersCount"] != 0.0 {
		t.Errorf("votersCount = %#v; want 0", m["votersCount"])
	}
	for _, k := range []string{"endTime", "closed"} {
		if _, ok := m[k]; ok {
			t.Errorf("%s present on a poll with no end", k)
		}
	}
}

func mustMarshalNote(t *testing.T, n Note) []byte {
	t.Helper()
	b, err := MarshalNote(n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPeerMastodonQuestion(t *testing.T) {
	n, err := ParseNote(readPeer(t, "mastodon_question.json"))
	if err != nil {
		t.Fatal(err)
	}
	if n.Type != TypeQuestion || n.AttributedTo != "https://mastodon.example/users/hanna" || n.Language != "en" {
		t.Errorf("type, attributedTo, language = %q, %q, %q", n.Type, n.AttributedTo, n.Language)
	}
	end := time.Date(2026, 1, 3, 3, 4, 5, 0, time.UTC)
	sameValue(t, n.Poll, &Poll{
		Options: []PollOption{
			{Name: "In the library", Votes: 4},
			{Name: "Remotely: video call", Votes: 2},
			{Name: "At people's homes", Votes: 1},
		},
		EndTime:     end,
		Closed:      end,
		VotersCount: 7,
	})
	if IsVote(n) {
		t.Errorf("a Question reads as a vote")
	}
}

func TestPeerMastodonVote(t *testing.T) {
	a, err := ParseActivity(readPeer(t, "mastodon_vote.json"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Type != TypeCreate || a.Actor != "https://mastodon.example/users/hanna" || a.Object.Note == nil {
		t.Fatalf("activity = %+v", a)
	}
	n := *a.Object.Note
	if !IsVote(n) {
		t.Errorf("not a vote: %+v", n)
	}
	if n.Name != "Accessibility audits" || n.InReplyTo != testQuestion().ID || n.AttributedTo != a.Actor {
		t.Errorf("name, inReplyTo, attributedTo = %q, %q, %q", n.Name, n.InReplyTo, n.AttributedTo)
	}
	sameValue(t, n.To, []string{"https://council-a.example/users/olli"})
}

func TestParseQuestionTolerance(t *testing.T) {
	end := time.Date(2026, 1, 3, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		doc  string
		want *Poll
	}{
		{
			name: "anyOf, closed as true, votersCount absent",
			doc: `{"id": "https://p.example/q/1", "type": "Question", "endTime": "2026-01-03T03:04:05Z", "closed": true,
				"anyOf": [{"type": "Note", "name": "x", "replies": {"type": "Collection", "totalItems": 3}},
				          {"type": "Note", "name": "y"}]}`,
			want: &Poll{Multiple: true, Options: []PollOption{{Name: "x", Votes: 3}, {Name: "y"}}, EndTime: end, Closed: end},
		},
		{
			name: "closed false, options named by content, OrderedCollection replies, a nameless option skipped",
			doc: `{"id": "https://p.example/q/2", "type": "Question", "closed": false, "votersCount": 2,
				"oneOf": [{"type": "Note", "content": "first", "replies": {"type": "OrderedCollection", "totalItems": 2}},
				          {"type": "Note"}, "https://p.example/o/3"]}`,
			want: &Poll{Options: []PollOption{{Name: "first", Votes: 2}}, VotersCount: 2},
		},
		{
			name: "an open question: no options, no poll",
			doc:  `{"id": "https://p.example/q/3", "type": "Question", "content": "thoughts?", "oneOf": []}`,
		},
		{
			name: "closed as true without an end: published",
			doc: `{"id": "https://p.example/q/4", "type": "Question", "published": "2026-01-02T03:04:05Z", "closed": true,
				"oneOf": [{"type": "Note", "name": "CW: a", "replies": {"type": "Collection", "totalItems": "many"}}]}`,
			want: &Poll{Options: []PollOption{{Name: "CW: a"}}, Closed: when},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseNote([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			sameValue(t, n.Poll, tt.want)
		})
	}
}

func TestIsVote(t *testing.T) {
	vote := Note{ID: "https://m.example/u/a#votes/1", Type: TypeNote, Name: "yes", InReplyTo: "https://c.example/s/1"}
	tests := []struct {
		name string
		edit func(*Note)
		want bool
	}{
		{"a vote", func(*Note) {}, true},
		{"has content: a reply", func(n *Note) { n.Content = "<p>yes</p>" }, false},
		{"no name", func(n *Note) { n.Name = "" }, false},
		{"answers nothing", func(n *Note) { n.InReplyTo = "" }, false},
		{"an Article", func(n *Note) { n.Type = TypeArticle }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := vote
			tt.edit(&n)
			if got := IsVote(n); got != tt.want {
				t.Errorf("IsVote = %v; want %v", got, tt.want)
			}
		})
	}
}
