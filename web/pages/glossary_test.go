package pages_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

func TestGlossaryPages(t *testing.T) {
	f := startRepertoire(t, "wards", "Ward practice")
	a, alice, g, hidden := f.n, f.alice, f.g, f.hidden
	ctx := context.Background()
	triage, err := a.Engine.CreateTerm(ctx, alice, g.ID, federation.NewTerm{Term: "Triage", Definition: "Sorting patients by **urgency**. " + hostile,
		Aliases: []string{"sorting"}, Related: []string{"A&E", "Handover"}, ReferenceURL: "https://www.nhs.uk/", ReferenceText: "NHS"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Engine.CreateTerm(ctx, alice, g.ID, federation.NewTerm{Term: "A&E", Definition: "Accident and emergency."}); err != nil {
		t.Fatal(err)
	}
	nhsSite := "NHS website"
	if _, err := a.Engine.EditTerm(ctx, alice, triage.ID, federation.TermEdit{BaseVersion: 1, ReferenceText: &nhsSite, Note: "reference"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Engine.CreateTerm(ctx, alice, hidden.ID, federation.NewTerm{Term: "Secret word", Definition: "x"}); err != nil {
		t.Fatal(err)
	}
	st, err := a.Engine.Post(ctx, alice.ID, federation.Draft{Text: "@wards How do you do #triage at night? Triage is hard in A&E.",
		Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 15*time.Second, "the post is the community's", func() bool {
		_, err := a.Store.CommunityOfStatus(ctx, st.ID)
		return err == nil
	})
	art, err := a.Engine.CreateArtefact(ctx, alice, g.ID, federation.NewArtefact{Title: "Night shifts", Body: "Night triage needs two nurses.",
		Tags: []string{"triage"}})
	if err != nil {
		t.Fatal(err)
	}
	triageLink := `<a class="glossary-term" href="/c/wards/glossary#term-triage" title="Glossary: Triage">`
	tests := []struct {
		name    string
		url     string
		want    []string
		notWant []string
	}{
		{"the community page links its glossary", "/c/wards", []string{`href="/c/wards/glossary"`}, nil},
		{"the glossary", "/c/wards/glossary", []string{
			`<h2 id="letter-a">A</h2>`, `<dt id="term-triage">Triage</dt>`, `<dt id="term-a-e">A&amp;E</dt>`,
			"<strong>urgency</strong>", "Also called: sorting", `<a href="#term-a-e">A&amp;E</a>, Handover`,
			`<a href="https://www.nhs.uk/">NHS website</a>`, `<a href="/tags/triage">#triage</a>: used in 1 post and 1 artefact`,
			"version 2", `href="#letter-t"`}, []string{hostile, "Secret word"}},
		{"a thread links a term's first use", "/c/wards/threads/" + st.ID.String(),
			[]string{triageLink + "Triage</a> is hard in", `title="Glossary: A&amp;E">A&amp;E</a>`}, nil},
		{"an artefact links a term's first use", "/c/wards/artefacts/" + art.ID.String(),
			[]string{"Night " + triageLink + "triage</a> needs"}, nil},
		{"a members-only glossary", "/c/hidden/glossary", []string{"shown only to its members"}, []string{"Secret word"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fetch(t, http.MethodGet, a.URL+tt.url, browserAccept)
			if p.code != http.StatusOK {
				t.Fatalf("%d\n%s", p.code, p.body)
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
			if n := strings.Count(p.body, triageLink); n > 1 {
				t.Errorf("triage linked %d times; want once at most", n)
			}
		})
	}
	// A browser at the DefinedTerm's id is sent to its entry.
	if p := fetch(t, http.MethodGet, triage.URI, browserAccept); p.code != http.StatusFound ||
		p.header.Get("Location") != a.URL+"/c/wards/glossary#term-triage" {
		t.Errorf("browser at %s: %d %s", triage.URI, p.code, p.header.Get("Location"))
	}
}
