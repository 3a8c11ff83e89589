package pages_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

// atomDoc is the part of an Atom feed the tests read.
type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Author  struct {
			Name string `xml:"name"`
		} `xml:"author"`
		Link struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Content struct {
			Type string `xml:"type,attr"`
			Body string `xml:",chardata"`
		} `xml:"content"`
	} `xml:"entry"`
}

// TestLibraryFeed: a library's Atom feed parses and lists its newest
// artefacts; the library page links it; a members-only library's feed is
// its members' alone.
func TestLibraryFeed(t *testing.T) {
	f := startRepertoire(t, "libraries", "Library practice")
	n, alice, g, hidden := f.n, f.alice, f.g, f.hidden
	ctx := context.Background()
	for _, title := range []string{"Opening hours", "Stock rotation " + hostile} {
		if _, err := n.Engine.CreateArtefact(ctx, alice, g.ID, federation.NewArtefact{Title: title, Summary: "Summary of " + title,
			Body: "# Steps\n\nDo it **weekly**."}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.Engine.CreateArtefact(ctx, alice, hidden.ID, federation.NewArtefact{Title: "Secret routine"}); err != nil {
		t.Fatal(err)
	}

	p := fetch(t, http.MethodGet, n.URL+"/c/libraries/library.atom", "")
	if p.code != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("%d %s\n%s", p.code, p.header.Get("Content-Type"), p.body)
	}
	var feed atomDoc
	if err := xml.Unmarshal([]byte(p.body), &feed); err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, p.body)
	}
	if feed.Title != "Library of Library practice" || feed.Updated == "" || len(feed.Entries) != 2 {
		t.Fatalf("feed %q updated %q with %d entries", feed.Title, feed.Updated, len(feed.Entries))
	}
	newest := feed.Entries[0]
	if newest.Title != "Stock rotation "+hostile || newest.Author.Name != "Alice" || newest.Content.Type != "html" ||
		!strings.Contains(newest.Content.Body, "<strong>weekly</strong>") || !strings.Contains(newest.Content.Body, "Summary of Stock rotation &lt;script&gt;") ||
		!strings.HasPrefix(newest.Link.Href, n.URL+"/c/libraries/artefacts/") || newest.ID == "" {
		t.Errorf("newest entry %+v", newest)
	}
	if feed.Entries[1].Title != "Opening hours" {
		t.Errorf("second entry %q; want Opening hours", feed.Entries[1].Title)
	}

	page := fetch(t, http.MethodGet, n.URL+"/c/libraries/library", browserAccept)
	mustContain(t, "the library page", page.body, `<link rel="alternate" type="application/atom+xml" href="/c/libraries/library.atom">`,
		`<a href="/c/libraries/library.atom" rel="alternate" type="application/atom+xml">`)

	tests := []struct {
		name string
		b    *testrig.FormBrowser
		code int
	}{
		{"nobody signed in", testrig.NewFormBrowser(t, n), http.StatusNotFound},
		{"a non-member", signedInBrowser(t, n, "carol"), http.StatusNotFound},
		{"a member", signedInBrowser(t, n, "alice"), http.StatusOK},
	}
	for _, tt := range tests {
		t.Run("members-only feed, "+tt.name, func(t *testing.T) {
			code, _, body := tt.b.Do(http.MethodGet, "/c/hidden/library.atom", nil)
			if code != tt.code {
				t.Fatalf("%d; want %d\n%s", code, tt.code, body)
			}
			if got := strings.Contains(body, "Secret routine"); got != (tt.code == http.StatusOK) {
				t.Errorf("feed shows the secret routine: %v", got)
			}
		})
	}
}
