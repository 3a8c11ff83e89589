package pages_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

func TestSearchPage(t *testing.T) {
	f := startRepertoire(t, "roads", "Roads")
	a, alice, g, hidden := f.n, f.alice, f.g, f.hidden
	ctx := context.Background()
	plan, err := a.Engine.CreateArtefact(ctx, alice, g.ID, federation.NewArtefact{Title: "Winter gritting plan",
		Summary: "Gritting routes " + hostile, Tags: []string{"highways"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Engine.CreateTerm(ctx, alice, g.ID, federation.NewTerm{Term: "Gritter", Definition: "A lorry for gritting roads."}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Engine.CreateArtefact(ctx, alice, hidden.ID, federation.NewArtefact{Title: "Secret gritting"}); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2031, 3, 4, 10, 0, 0, 0, time.UTC)
	briefing, err := a.Engine.CreateEvent(ctx, alice, g.ID, federation.NewEvent{Name: "Gritting briefing " + hostile, Start: start,
		End: start.Add(time.Hour), TimeZone: "Europe/London", PlaceName: "Winchester depot", Description: "Before the first frost."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Engine.CreateEvent(ctx, alice, hidden.ID, federation.NewEvent{Name: "Secret gritting meeting", Start: start,
		End: start.Add(time.Hour), TimeZone: "UTC", PlaceName: "Town Hall"}); err != nil {
		t.Fatal(err)
	}
	eventLink := `<a href="/c/roads/events/` + briefing.ID.String() + `">Gritting briefing ` + hostileEscaped + `</a>`
	eventMeta := `Event · <time datetime="2031-03-04T10:00:00Z">Tuesday 4 March 2031, 10:00 GMT</time> · Winchester depot`
	st, err := a.Engine.Post(ctx, alice.ID, federation.Draft{Text: "@roads Who has spare gritting salt?", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 15*time.Second, "the post is the community's", func() bool {
		_, err := a.Store.CommunityOfStatus(ctx, st.ID)
		return err == nil
	})

	form := `<form method="get" action="/c/roads/search" role="search">`
	tests := []struct {
		name    string
		url     string
		code    int
		want    []string
		notWant []string
	}{
		{"the community page has a search box", "/c/roads", 200, []string{form, `<label for="community-search">Search this community</label>`}, nil},
		{"the library has a search box for artefacts", "/c/roads/library", 200,
			[]string{form, `<input type="hidden" name="type" value="artefact">`, `<label for="library-search">`}, nil},
		{"the empty form", "/c/roads/search", 200, []string{`<label for="search-q">Search for</label>`, `<option value="" selected>Everything</option>`},
			[]string{"Results"}},
		{"all four types", "/c/roads/search?q=gritting", 200, []string{
			`<a href="/c/roads/artefacts/` + plan.ID.String() + `">Winter gritting plan</a>`,
			`<a href="/c/roads/glossary#term-gritter">Gritter</a>`,
			eventLink, eventMeta,
			`<a href="/c/roads/threads/` + st.ID.String() + `">`,
			"Artefact · Hampshire County Council · #highways", "Glossary term", "Post", hostileEscaped, "@roads Who has spare",
			`value="gritting"`}, []string{hostile, "Secret gritting"}},
		{"one type", "/c/roads/search?q=gritting&type=term", 200, []string{"Gritter", `<option value="term" selected>`},
			[]string{"Winter gritting plan"}},
		{"a tag", "/c/roads/search?q=gritting&tag=highways", 200, []string{"Winter gritting plan"}, []string{"Gritter", "Gritting briefing"}},
		{"events only", "/c/roads/search?q=gritting&type=event", 200, []string{eventLink, eventMeta, `<option value="event" selected>Events</option>`},
			[]string{"Winter gritting plan", "Gritter<", "Secret gritting"}},
		{"an event by its place", "/c/roads/search?q=winchester", 200, []string{eventLink}, nil},
		{"an event by its description", "/c/roads/search?q=frost", 200, []string{eventLink, "<p>Before the first frost.</p>"}, nil},
		{"nothing", "/c/roads/search?q=" + url.QueryEscape("no such words"), 200, []string{"Nothing matches."}, nil},
		{"a members-only community, anonymous", "/c/hidden/search?q=gritting", 200, []string{"searched only by its members"},
			[]string{"Secret gritting"}},
		{"a bad type", "/c/roads/search?q=gritting&type=person", 422, []string{`<p role="alert">`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fetch(t, http.MethodGet, a.URL+tt.url, browserAccept)
			if p.code != tt.code {
				t.Fatalf("%d; want %d\n%s", p.code, tt.code, p.body)
			}
			for _, w := range tt.want {
				if !strings.Contains(p.body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(p.body, w) {
					t.Errorf("page has %q", w)
				}
			}
		})
	}
	t.Run("a members-only community's events, its member", func(t *testing.T) {
		code, _, page := signedInBrowser(t, a, "alice").Do(http.MethodGet, "/c/hidden/search?q=gritting&type=event", nil)
		if code != http.StatusOK {
			t.Fatalf("%d\n%s", code, page)
		}
		mustContain(t, "the members-only search for a member", page, "Secret gritting meeting</a>", "Event · ", "Town Hall")
	})
}
