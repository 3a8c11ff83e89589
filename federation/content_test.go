package federation

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

func TestPlainText(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"paragraphs", "<p>one</p><p>two</p>", "one\n\ntwo"},
		{"breaks", "a<br>b<br/>c<br />d", "a\nb\nc\nd"},
		{"mention", `<p><span class="h-card"><a href="https://x.example/@a" class="u-url mention">@<span>a</span></a></span> hi</p>`, "@a hi"},
		{"entities", "<p>fish &amp; chips &lt;3</p>", "fish & chips <3"},
		{"unclosed tag", "a < b and <c", "a < b and <c"},
		{"tag inside tag", "x<a<b>y", "xy"},
		{"unclosed after closed", "<b>bold</b> then <i", "bold then <i"},
		{"empty", "", ""},
		{"no html", "plain", "plain"},
		{"multibyte", "<p>café ☕</p>", "café ☕"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.in); got != tt.want {
				t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
			}
			// What it did with a regular expression, before it had to be fast.
			old := html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(breaks.Replace(tt.in), ""))
			if got := PlainText(tt.in); got != old {
				t.Errorf("PlainText(%q) = %q, the regular expression gave %q", tt.in, got, old)
			}
		})
	}
}

func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"<p>a</p><p>b</p>", "a<b", "<<>>", "x<y<z>w>v", "&amp;<br>"} {
		f.Add(s)
	}
	tag := regexp.MustCompile(`<[^>]*>`)
	f.Fuzz(func(t *testing.T, s string) {
		want := html.UnescapeString(tag.ReplaceAllString(breaks.Replace(s), ""))
		if got := PlainText(s); got != want {
			t.Errorf("PlainText(%q) = %q, the regular expression gave %q", s, got, want)
		}
	})
}

// dirty holds what cleanText strips: NUL, ESC, a right-to-left override,
// a DEL, and a CRLF (which becomes "\n").
const dirty = "a\x00b\x1b[2J\u202ec\x7f\r\nd"

// hasUnsafe reports whether s holds a character cleanText strips.
func hasUnsafe(s string) bool { return cleanText(s) != s || strings.Contains(s, "\r") }

// TestLocalInputCleaned: what a member types reaches the store and peers
// without control characters: a post's text and content warning, and a
// profile's note, fields and organisation.
func TestLocalInputCleaned(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice, err := e.CreateMember(ctx, NewMember{Username: "alice", Email: "alice@council-a.example", Password: "correct horse battery",
		DisplayName: "Alice" + dirty, Organisation: "Council" + dirty, Department: "Libraries" + dirty, JobTitle: "Lead" + dirty})
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.Post(ctx, alice.ID, Draft{Text: "Opening hours" + dirty + " #libraries", SpoilerText: "cw" + dirty,
		Title: "Title" + dirty, Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	note, err := e.Note(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.UpdateProfile(ctx, alice.ID, Profile{DisplayName: "Alice", Note: "About" + dirty,
		Fields: []activitypub.Field{{Name: "<b>&" + dirty, Value: "value" + dirty}}})
	if err != nil {
		t.Fatal(err)
	}
	actor := ActorOf(a)
	got := map[string]string{
		"stored display name": alice.DisplayName, "stored organisation": alice.Organisation,
		"stored department": alice.Department, "stored role": alice.JobTitle,
		"stored content": st.Content,
		"note content":   note.Content, "note summary": note.Summary, "note name": note.Name,
		"stored profile note": a.Note, "actor summary": actor.Summary,
	}
	for i, f := range actor.Fields {
		got[fmt.Sprintf("actor field %d name", i)], got[fmt.Sprintf("actor field %d value", i)] = f.Name, f.Value
	}
	for _, f := range a.Fields {
		got["stored field name"], got["stored field value"] = f.Name, f.Value
	}
	for what, s := range got {
		if hasUnsafe(s) {
			t.Errorf("%s = %q still holds control characters", what, s)
		}
	}
	if want := "&lt;b&gt;&amp;ab[2Jc\nd"; a.Fields[0].Name != want {
		t.Errorf("field name = %q; want %q (escaped once, cleaned)", a.Fields[0].Name, want)
	}
	if !strings.Contains(st.Content, "Opening hoursab[2Jc<br>d") {
		t.Errorf("content = %q; want the text cleaned, its CRLF a line break", st.Content)
	}
}

func TestDraftAndProfileClean(t *testing.T) {
	desc := "chart" + dirty
	d := Draft{Text: dirty, SpoilerText: dirty, Title: dirty, Language: "en" + dirty,
		Poll:       &PollDraft{Options: []string{"yes" + dirty, "no"}},
		MediaEdits: map[storage.ID]MediaEdit{1: {Description: &desc}}}
	c := d.clean()
	for what, s := range map[string]string{"text": c.Text, "spoiler": c.SpoilerText, "title": c.Title, "language": c.Language,
		"poll option": c.Poll.Options[0], "media description": *c.MediaEdits[1].Description} {
		if hasUnsafe(s) {
			t.Errorf("draft %s = %q still holds control characters", what, s)
		}
	}
	if d.Poll.Options[0] != "yes"+dirty || desc != "chart"+dirty {
		t.Error("clean changed the draft it was given")
	}
	p := Profile{DisplayName: dirty, Note: dirty, Organisation: dirty, Department: dirty, JobTitle: dirty,
		Fields: []activitypub.Field{{Name: dirty, Value: dirty}}}.clean()
	for what, s := range map[string]string{"display name": p.DisplayName, "note": p.Note, "organisation": p.Organisation,
		"department": p.Department, "role": p.JobTitle, "field name": p.Fields[0].Name, "field value": p.Fields[0].Value} {
		if hasUnsafe(s) {
			t.Errorf("profile %s = %q still holds control characters", what, s)
		}
	}
}
