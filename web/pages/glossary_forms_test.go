package pages_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// TestGlossaryFormsWithoutJavaScript: a member adds a term and edits it
// through plain forms; a stale edit keeps the typed definition; a
// non-member and a form without its token are refused.
func TestGlossaryFormsWithoutJavaScript(t *testing.T) {
	f := startRepertoire(t, "wards", "Ward practice")
	n, alice, g := f.n, f.alice, f.g
	ctx := context.Background()
	b := signedInBrowser(t, n, "alice")
	terms := func() []storage.TermUsage {
		list, err := n.Store.CommunityTerms(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	fields := map[string]string{"term": "Triage", "definition": "Sorting patients by **urgency**.", "aliases": "sorting\nprioritising",
		"related": "Handover, A&E", "reference_url": "https://www.nhs.uk/", "reference_text": "NHS"}

	hidden, page := formPage(t, b, "/c/wards/glossary/new")
	mustContain(t, "the new term form", page, `<label for="term">Term</label>`, `<label for="definition">Definition</label>`)
	t.Run("a form without its CSRF token is refused", func(t *testing.T) {
		if code, _, page := b.Do(http.MethodPost, "/c/wards/glossary/new", with(nil, fields)); code != http.StatusForbidden || len(terms()) != 0 {
			t.Fatalf("%d; want 403 and no term\n%s", code, page)
		}
	})
	t.Run("what is missing is shown, and what was typed kept", func(t *testing.T) {
		code, _, page := b.Do(http.MethodPost, "/c/wards/glossary/new", with(hidden, map[string]string{"term": "Triage", "reference_url": "nhs.uk"}))
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("%d; want 422\n%s", code, page)
		}
		mustContain(t, "the form with problems", page, `<a href="#definition">Enter a definition</a>`, `href="#reference_url"`,
			`value="Triage"`, `value="nhs.uk"`)
	})
	t.Run("adding a term", func(t *testing.T) {
		code, loc, page := b.Do(http.MethodPost, "/c/wards/glossary/new", with(hidden, fields))
		if code != http.StatusSeeOther || loc != "/c/wards/glossary#term-triage" {
			t.Fatalf("%d %q; want 303 to the term\n%s", code, loc, page)
		}
		_, _, page = b.Do(http.MethodGet, "/c/wards/glossary", nil)
		mustContain(t, "the glossary", page, `<dt id="term-triage">Triage</dt>`, "<strong>urgency</strong>", "Also called: sorting, prioritising",
			"Related: Handover, A&amp;E", `href="/c/wards/glossary/new"`, "/edit\">Edit")
	})
	list := terms()
	if len(list) != 1 {
		t.Fatalf("%d terms; want 1", len(list))
	}
	editPath := "/c/wards/glossary/" + list[0].Term.ID.String() + "/edit"
	t.Run("editing a term", func(t *testing.T) {
		hidden, page := formPage(t, b, editPath)
		mustContain(t, "the edit form", page, `name="base_version" value="1"`, "sorting\nprioritising")
		form := with(hidden, fields)
		form.Set("definition", "Sorting patients by **need**.")
		if code, loc, page := b.Do(http.MethodPost, editPath, form); code != http.StatusSeeOther || loc != "/c/wards/glossary#term-triage" {
			t.Fatalf("%d %q\n%s", code, loc, page)
		}
		if tm, _ := n.Store.TermByID(ctx, list[0].Term.ID); tm.Version != 2 || !strings.Contains(tm.DefinitionSource, "need") {
			t.Fatalf("version %d %q", tm.Version, tm.DefinitionSource)
		}
	})
	t.Run("a stale edit keeps the typed definition", func(t *testing.T) {
		hidden, _ := formPage(t, b, editPath)
		other := "Sorting by clinical need."
		if _, err := n.Engine.EditTerm(ctx, alice, list[0].Term.ID, federation.TermEdit{BaseVersion: 2, Definition: &other}); err != nil {
			t.Fatal(err)
		}
		form := with(hidden, fields)
		form.Set("definition", "My own careful definition.")
		code, _, page := b.Do(http.MethodPost, editPath, form)
		if code != http.StatusConflict {
			t.Fatalf("%d; want 409\n%s", code, page)
		}
		mustContain(t, "the stale edit", page, "My own careful definition.", "Sorting by clinical need.", `name="base_version" value="3"`,
			"you started from version 2, and it is now at version 3")
		if tm, _ := n.Store.TermByID(ctx, list[0].Term.ID); tm.Version != 3 || tm.DefinitionSource != other {
			t.Fatalf("the stale edit was saved: version %d %q", tm.Version, tm.DefinitionSource)
		}
	})
	t.Run("a non-member cannot add a term", func(t *testing.T) {
		c := signedInBrowser(t, n, "carol")
		hidden, _ := formPage(t, c, "/c/wards/glossary/new")
		code, _, page := c.Do(http.MethodPost, "/c/wards/glossary/new", with(hidden, map[string]string{"term": "Handover", "definition": "Passing on care."}))
		if code != http.StatusForbidden || !strings.Contains(page, "You cannot add to this glossary") || !strings.Contains(page, "Passing on care.") {
			t.Fatalf("%d; want 403 with the text kept\n%s", code, page)
		}
		if len(terms()) != 1 {
			t.Errorf("%d terms; want 1", len(terms()))
		}
	})
}
