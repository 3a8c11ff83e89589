package federation

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

// communityPostBody is a member's thread into a community as Lemmy sends
// it, the activity a Group announces for every post.
const communityPostBody = ` {"@context":["https://www.w3.org/ns/activitystreams","https://w3id.org/security/v1"],
 "id":"https://lemmy.example/activities/create/1","type":"Create","actor":"https://lemmy.example/u/bob",
 "to":["https://www.w3.org/ns/activitystreams#Public","https://council-a.example/users/libraries"],
 "cc":["https://lemmy.example/u/bob/followers"],"audience":"https://council-a.example/users/libraries",
 "object":{"id":"https://lemmy.example/post/1","type":"Page","attributedTo":"https://lemmy.example/u/bob",
 "name":"Opening hours","content":"<p>The enquiry routine is on the shared drive; the hours changed on Monday & <b>Tuesday</b>.</p>",
 "to":["https://www.w3.org/ns/activitystreams#Public","https://council-a.example/users/libraries"],
 "audience":"https://council-a.example/users/libraries","published":"2026-12-07T09:00:00Z"}}
`

// TestAnnounceBody: the Group's Announce carries the activity it
// announces as received, with its own envelope; something that is not a
// JSON object is refused.
func TestAnnounceBody(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 500, time.UTC)
	to, cc := []string{activitypub.PublicIRI}, []string{"https://council-a.example/users/libraries/followers"}
	body, err := announceBody("https://council-a.example/activities/9", "https://council-a.example/users/libraries", to, cc, now,
		[]byte(communityPostBody))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Context   string          `json:"@context"`
		ID        string          `json:"id"`
		Type      string          `json:"type"`
		Actor     string          `json:"actor"`
		To        []string        `json:"to"`
		CC        []string        `json:"cc"`
		Audience  string          `json:"audience"`
		Published string          `json:"published"`
		Object    json.RawMessage `json:"object"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	if got.Type != "Announce" || got.ID != "https://council-a.example/activities/9" || got.Actor != "https://council-a.example/users/libraries" ||
		got.Audience != got.Actor || got.Published != "2026-12-07T09:00:00Z" || got.Context != "https://www.w3.org/ns/activitystreams" {
		t.Errorf("envelope %+v", got)
	}
	if len(got.To) != 1 || got.To[0] != activitypub.PublicIRI || len(got.CC) != 1 || got.CC[0] != cc[0] {
		t.Errorf("addressed to %v, cc %v; want %v, %v", got.To, got.CC, to, cc)
	}
	if string(got.Object) != strings.TrimSpace(communityPostBody) {
		t.Errorf("object is not the activity as received:\n%s", got.Object)
	}
	if !strings.Contains(string(body), "Monday & <b>Tuesday</b>") {
		t.Errorf("HTML in the object was escaped:\n%s", body)
	}
	act, err := activitypub.ParseActivity(body)
	if err != nil || act.Object.Activity == nil || act.Object.Activity.ID != "https://lemmy.example/activities/create/1" {
		t.Errorf("ParseActivity of the announce: %+v, %v", act.Object, err)
	}
	for _, bad := range []string{"", "  ", `"https://lemmy.example/post/1"`, `[{}]`} {
		if _, err := announceBody("x", "g", to, cc, now, []byte(bad)); err == nil {
			t.Errorf("announceBody(%q) succeeded", bad)
		}
	}
}

// BenchmarkAnnounceBody is the Announce{Create} a Group makes, on its
// single writer, for every post into a community:
//
//	go test ./federation -run '^$' -bench BenchmarkAnnounceBody -benchmem
func BenchmarkAnnounceBody(b *testing.B) {
	now := time.Now()
	to, cc := []string{activitypub.PublicIRI}, []string{"https://council-a.example/users/libraries/followers"}
	raw := []byte(communityPostBody)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := announceBody("https://council-a.example/activities/9", "https://council-a.example/users/libraries", to, cc, now, raw); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPreparedNoteContent: the content an inbox activity's note is stored
// with is sanitised the same whether it was prepared before the writer
// took it or not, and a prepared content is used only for the note it
// was made from.
func TestPreparedNoteContent(t *testing.T) {
	e := markdownEngine()
	e.sanitize = newSanitizer()
	note := activitypub.Note{ID: "https://lemmy.example/post/1", Content: `<p onclick="x()">Hours <script>alert(1)</script><b>changed</b></p>`}
	want := e.sanitize.Sanitize(note.Content)
	if strings.Contains(want, "script") || strings.Contains(want, "onclick") {
		t.Fatalf("the sanitiser kept %q", want)
	}
	ctx := e.withPreparedNote(context.Background(), activitypub.Activity{Type: activitypub.TypeCreate, Object: activitypub.Object{Note: &note}})
	other := activitypub.Note{ID: note.ID, Content: "<p>Another <i>text</i></p>"}
	for _, tt := range []struct {
		name string
		n    activitypub.Note
		want string
	}{
		{"the note prepared", note, want},
		{"another content under the same id", other, e.sanitize.Sanitize(other.Content)},
		{"another note", activitypub.Note{ID: "https://lemmy.example/post/2", Content: note.Content}, want},
	} {
		if got := e.sanitizedContent(ctx, tt.n); got != tt.want {
			t.Errorf("%s: %q; want %q", tt.name, got, tt.want)
		}
	}
}
