package pages_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestDeleteArtefactForm: the artefact page offers signed-in members a
// delete form; it needs the token and the confirmation, refuses a member
// who is neither an author nor a moderator, and deletes for an author.
func TestDeleteArtefactForm(t *testing.T) {
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	g := newCommunity(t, n, alice, federation.NewCommunity{Handle: "libraries", Name: "Library practice"})
	gAcct, err := n.Store.AccountByID(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.Follow(ctx, bob.ID, gAcct.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	a, err := n.Engine.CreateArtefact(ctx, alice, g.ID, federation.NewArtefact{Title: "Rota"})
	if err != nil {
		t.Fatal(err)
	}
	path := "/c/libraries/artefacts/" + a.ID.String()

	formOf := func(b *testrig.FormBrowser) url.Values {
		t.Helper()
		code, _, page := b.Do(http.MethodGet, path, nil)
		if code != http.StatusOK {
			t.Fatalf("artefact page: %d", code)
		}
		mustContain(t, "the artefact page signed in", page, `action="`+path+`/delete"`, "Delete this artefact</button>")
		return testrig.Hidden(page)
	}
	bobs := signedInBrowser(t, n, "bob")
	form := formOf(bobs)
	if code, _, _ := bobs.Do(http.MethodPost, path+"/delete", with(form, map[string]string{"confirm": "yes"})); code != http.StatusForbidden {
		t.Errorf("delete by a member who is not an author: %d; want 403", code)
	}
	alices := signedInBrowser(t, n, "alice")
	form = formOf(alices)
	noToken := with(form, map[string]string{"confirm": "yes"})
	noToken.Del("csrf")
	if code, _, _ := alices.Do(http.MethodPost, path+"/delete", noToken); code != http.StatusForbidden {
		t.Errorf("delete without the token: %d; want 403", code)
	}
	if code, _, _ := alices.Do(http.MethodPost, path+"/delete", form); code != http.StatusUnprocessableEntity {
		t.Errorf("delete without confirming: %d; want 422", code)
	}
	if _, err := n.Store.ArtefactByID(ctx, a.ID); err != nil {
		t.Fatalf("refused deletes removed the artefact: %v", err)
	}
	if code, loc, page := alices.Do(http.MethodPost, path+"/delete", with(form, map[string]string{"confirm": "yes"})); code != http.StatusSeeOther || loc != "/c/libraries/library" {
		t.Fatalf("delete by the author: %d %q\n%s", code, loc, page)
	}
	if _, err := n.Store.ArtefactByID(ctx, a.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}
