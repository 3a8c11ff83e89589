package pages_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestDeleteArtefactForm: the artefact page offers its delete form only
// to the artefact's authors and the community's moderators (a moderator
// is asked for a reason); another member sees no form and is refused;
// the form needs the token and the confirmation; the author deletes their
// own, and a moderator's delete of another's artefact is logged with the
// reason.
func TestDeleteArtefactForm(t *testing.T) {
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob, carol := n.Member("alice", false), n.Member("bob", false), n.Member("carol", false)
	g := newCommunity(t, n, alice, federation.NewCommunity{Handle: "libraries", Name: "Library practice"})
	for _, m := range []storage.Account{bob, carol} {
		if err := n.Engine.Follow(ctx, m.ID, g.ID, federation.FollowOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	rota, err := n.Engine.CreateArtefact(ctx, bob, g.ID, federation.NewArtefact{Title: "Rota"})
	if err != nil {
		t.Fatal(err)
	}
	policy, err := n.Engine.CreateArtefact(ctx, bob, g.ID, federation.NewArtefact{Title: "Stock policy"})
	if err != nil {
		t.Fatal(err)
	}
	rotaPath := "/c/libraries/artefacts/" + rota.ID.String()
	policyPath := "/c/libraries/artefacts/" + policy.ID.String()
	pageOf := func(b *testrig.FormBrowser, path string) string {
		t.Helper()
		code, _, page := b.Do(http.MethodGet, path, nil)
		if code != http.StatusOK {
			t.Fatalf("artefact page %s: %d", path, code)
		}
		return page
	}

	carols := signedInBrowser(t, n, "carol")
	page := pageOf(carols, rotaPath)
	if strings.Contains(page, rotaPath+"/delete") || strings.Contains(page, "Delete this artefact") {
		t.Error("the artefact page offers a member who is neither author nor moderator the delete form")
	}
	mustContain(t, "the artefact page for a member", page, "Edit this artefact")
	// A token from a form she has (the artefact's edit page), as a
	// forged or stale form would carry.
	token := testrig.Hidden(pageOf(carols, rotaPath+"/edit")).Get("csrf")
	if token == "" {
		t.Fatal("the edit page has no token")
	}
	code, _, page := carols.Do(http.MethodPost, rotaPath+"/delete", url.Values{"csrf": {token}, "confirm": {"yes"}})
	if code != http.StatusForbidden {
		t.Errorf("delete by a member who is not an author: %d; want 403", code)
	}
	mustContain(t, "the refusal page", page, "You cannot delete this artefact")

	bobs := signedInBrowser(t, n, "bob")
	page = pageOf(bobs, rotaPath)
	mustContain(t, "the artefact page for its author", page, `action="`+rotaPath+`/delete"`, "Delete this artefact</button>")
	if strings.Contains(page, `name="reason"`) {
		t.Error("the author is asked for a moderator's reason")
	}
	form := testrig.Hidden(page)
	noToken := with(form, map[string]string{"confirm": "yes"})
	noToken.Del("csrf")
	if code, _, _ := bobs.Do(http.MethodPost, rotaPath+"/delete", noToken); code != http.StatusForbidden {
		t.Errorf("delete without the token: %d; want 403", code)
	}
	if code, _, _ := bobs.Do(http.MethodPost, rotaPath+"/delete", form); code != http.StatusUnprocessableEntity {
		t.Errorf("delete without confirming: %d; want 422", code)
	}
	if _, err := n.Store.ArtefactByID(ctx, rota.ID); err != nil {
		t.Fatalf("refused deletes removed the artefact: %v", err)
	}
	if code, loc, page := bobs.Do(http.MethodPost, rotaPath+"/delete", with(form, map[string]string{"confirm": "yes"})); code != http.StatusSeeOther || loc != "/c/libraries/library" {
		t.Fatalf("delete by the author: %d %q\n%s", code, loc, page)
	}
	if _, err := n.Store.ArtefactByID(ctx, rota.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("after the author's delete: %v", err)
	}

	alices := signedInBrowser(t, n, "alice")
	page = pageOf(alices, policyPath)
	mustContain(t, "the artefact page for a moderator", page, `action="`+policyPath+`/delete"`, `name="reason"`, "Delete this artefact</button>")
	tooLong := with(testrig.Hidden(page), map[string]string{"confirm": "yes", "reason": strings.Repeat("x", 1001)})
	if code, _, page := alices.Do(http.MethodPost, policyPath+"/delete", tooLong); code != http.StatusUnprocessableEntity {
		t.Errorf("a reason over 1000 characters: %d; want 422\n%s", code, page)
	}
	if _, err := n.Store.ArtefactByID(ctx, policy.ID); err != nil {
		t.Fatalf("a refused reason removed the artefact: %v", err)
	}
	form = with(testrig.Hidden(page), map[string]string{"confirm": "yes", "reason": "Out of date"})
	if code, loc, page := alices.Do(http.MethodPost, policyPath+"/delete", form); code != http.StatusSeeOther || loc != "/c/libraries/library" {
		t.Fatalf("delete by a moderator: %d %q\n%s", code, loc, page)
	}
	if _, err := n.Store.ArtefactByID(ctx, policy.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("after the moderator's delete: %v", err)
	}
	log, err := n.Store.ModerationLog(ctx, g.ID, storage.Page{Limit: 1})
	if err != nil || len(log) != 1 || log[0].Action != storage.ModRemoveArtefact || log[0].Reason != "Out of date" || log[0].Target != policy.URI {
		t.Fatalf("moderation log = %+v, %v; want remove_artefact with the reason", log, err)
	}
}
