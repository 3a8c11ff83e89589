package pages_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestTermHistoryPage: a glossary term's versions, newest first, each
// with who made it and why, and what changed from the one before, word by
// word, on a page read as the glossary is; the glossary page links it.
func TestTermHistoryPage(t *testing.T) {
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice := n.Member("alice", false)
	records := newCommunity(t, n, alice, federation.NewCommunity{Handle: "records", Name: "Records"})
	hidden := newCommunity(t, n, alice, federation.NewCommunity{Handle: "hr", Name: "HR", Visibility: storage.CommunityMembersOnly})
	term, err := n.Engine.CreateTerm(ctx, alice, records.ID, federation.NewTerm{Term: "Retention", Definition: "How long we keep records.",
		Aliases: []string{"Keeping"}})
	if err != nil {
		t.Fatal(err)
	}
	def, aliases := "How long we keep "+hostile+".", []string{"Keeping", "Holding"}
	if term, err = n.Engine.EditTerm(ctx, alice, term.ID, federation.TermEdit{BaseVersion: 1, Definition: &def, Aliases: &aliases,
		Note: "after the audit"}); err != nil {
		t.Fatal(err)
	}
	secret, err := n.Engine.CreateTerm(ctx, alice, hidden.ID, federation.NewTerm{Term: "Grievance", Definition: "A formal complaint."})
	if err != nil {
		t.Fatal(err)
	}
	path := "/c/records/glossary/" + term.ID.String() + "/history"

	glossary := fetch(t, http.MethodGet, n.URL+"/c/records/glossary", browserAccept)
	mustContain(t, "the glossary page", glossary.body, `<a href="`+path+`">version 2`)

	p := fetch(t, http.MethodGet, n.URL+path, browserAccept)
	if p.code != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", path, p.code, p.body)
	}
	mustContain(t, "the history", p.body, "<h1>History of Retention</h1>", "Version 2", ": after the audit",
		`<a href="`+path+`?from=1&amp;to=2#diff">changes since version 1</a>`)
	if strings.Index(p.body, "Version 2") > strings.Index(p.body, "Version 1") {
		t.Errorf("versions are not newest first:\n%s", p.body)
	}
	d := fetch(t, http.MethodGet, n.URL+path+"?from=1&to=2", browserAccept)
	mustContain(t, "the diff", d.body, "Changes from version 1 to version 2", "<del>records</del>", "<ins>"+hostileEscaped,
		"Added: <ins>Holding</ins>")
	if strings.Contains(d.body, hostile) {
		t.Errorf("the diff shows the definition's markup unescaped:\n%s", d.body)
	}

	// Restoring from the history page: a new version with the old
	// content; refused from a page that is out of date, and to someone who
	// may not edit the community's glossary.
	restore := "/c/records/glossary/" + term.ID.String() + "/restore"
	mod := signedInBrowser(t, n, "alice")
	_, _, page := mod.Do(http.MethodGet, path, nil)
	mustContain(t, "the history for a moderator", page, `action="`+restore+`"`, "Restore version 1")
	form := func(page, base string) url.Values {
		return url.Values{"csrf": {testrig.Hidden(page)["csrf"][0]}, "version": {"1"}, "base_version": {base}}
	}
	if code, loc, page := mod.Do(http.MethodPost, restore, form(page, "2")); code != http.StatusSeeOther || loc != path+"#history" {
		t.Fatalf("restore: %d %q\n%s", code, loc, page)
	}
	if got, err := n.Store.TermByID(ctx, term.ID); err != nil || got.Version != 3 || got.DefinitionSource != "How long we keep records." {
		t.Errorf("after restoring version 1: %+v, %v", got, err)
	}
	if code, _, page := mod.Do(http.MethodPost, restore, form(page, "2")); code != http.StatusConflict || !strings.Contains(page, "This term has changed") {
		t.Errorf("restore from an old page: %d; want 409\n%s", code, page)
	}
	n.Member("dora", false)
	dora := signedInBrowser(t, n, "dora")
	_, _, page = dora.Do(http.MethodGet, path, nil)
	if code, _, page := dora.Do(http.MethodPost, restore, form(page, "3")); code != http.StatusForbidden {
		t.Errorf("restore by someone not in the community: %d; want 403\n%s", code, page)
	}

	for _, tt := range []struct {
		name, path, who string
		want            int
	}{
		{"a members-only glossary's term, anonymous", "/c/hr/glossary/" + secret.ID.String() + "/history", "", http.StatusNotFound},
		{"a members-only glossary's term, its moderator", "/c/hr/glossary/" + secret.ID.String() + "/history", "alice", http.StatusOK},
		{"a term under another community", "/c/records/glossary/" + secret.ID.String() + "/history", "alice", http.StatusNotFound},
		{"versions that are no numbers", path + "?from=one", "", http.StatusBadRequest},
		{"a version that does not exist", path + "?from=1&to=9", "", http.StatusNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var code int
			var body string
			if tt.who == "" {
				got := fetch(t, http.MethodGet, n.URL+tt.path, browserAccept)
				code, body = got.code, got.body
			} else {
				code, _, body = signedInBrowser(t, n, tt.who).Do(http.MethodGet, tt.path, nil)
			}
			if code != tt.want {
				t.Fatalf("GET %s: %d; want %d\n%s", tt.path, code, tt.want, body)
			}
			if tt.want == http.StatusNotFound && strings.Contains(body, "formal complaint") {
				t.Errorf("the refusal shows the term:\n%s", body)
			}
		})
	}
}
