package pages_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestDeleteTermAndEventForms: a term's and an event's edit pages offer
// "Delete" to the member who added it and to the community's moderators
// only (a moderator is asked for a reason); the form needs the token and
// the confirmation; another member is refused; the author's delete and a
// moderator's (logged with the reason) send the member back to the list.
func TestDeleteTermAndEventForms(t *testing.T) {
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob, carol := n.Member("alice", false), n.Member("bob", false), n.Member("carol", false)
	g := newCommunity(t, n, alice, federation.NewCommunity{Handle: "libraries", Name: "Library practice"})
	for _, m := range []storage.Account{bob, carol} {
		if err := n.Engine.Follow(ctx, m.ID, g.ID, federation.FollowOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	term, err := n.Engine.CreateTerm(ctx, bob, g.ID, federation.NewTerm{Term: "Weeding", Definition: "Removing old stock."})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Hour)
	ev, err := n.Engine.CreateEvent(ctx, bob, g.ID, federation.NewEvent{Name: "Stock review", Start: start,
		End: start.Add(time.Hour), TimeZone: "UTC", PlaceName: "Central Library"})
	if err != nil {
		t.Fatal(err)
	}
	termPath := "/c/libraries/glossary/" + term.ID.String()
	eventPath := "/c/libraries/events/" + ev.ID.String()
	editPage := func(b *testrig.FormBrowser, path string) string {
		t.Helper()
		code, _, page := b.Do(http.MethodGet, path+"/edit", nil)
		if code != http.StatusOK {
			t.Fatalf("%s/edit: %d", path, code)
		}
		return page
	}
	carols, bobs, alices := signedInBrowser(t, n, "carol"), signedInBrowser(t, n, "bob"), signedInBrowser(t, n, "alice")
	for _, path := range []string{termPath, eventPath} {
		page := editPage(carols, path)
		if strings.Contains(page, path+"/delete") {
			t.Errorf("%s/edit offers another member the delete form", path)
		}
		form := testrig.Hidden(page)
		if code, _, _ := carols.Do(http.MethodPost, path+"/delete", with(form, map[string]string{"confirm": "yes"})); code != http.StatusForbidden {
			t.Errorf("delete of %s by another member: %d; want 403", path, code)
		}
	}

	page := editPage(bobs, termPath)
	mustContain(t, "the term's edit page for its author", page, `action="`+termPath+`/delete"`, "Delete this term</button>")
	if strings.Contains(page, `name="reason"`) {
		t.Error("the author is asked for a moderator's reason")
	}
	form := testrig.Hidden(page)
	noToken := with(form, map[string]string{"confirm": "yes"})
	noToken.Del("csrf")
	if code, _, _ := bobs.Do(http.MethodPost, termPath+"/delete", noToken); code != http.StatusForbidden {
		t.Errorf("delete without the token: %d; want 403", code)
	}
	if code, _, _ := bobs.Do(http.MethodPost, termPath+"/delete", form); code != http.StatusUnprocessableEntity {
		t.Errorf("delete without confirming: %d; want 422", code)
	}
	if _, err := n.Store.TermByID(ctx, term.ID); err != nil {
		t.Fatalf("refused deletes removed the term: %v", err)
	}
	if code, loc, page := bobs.Do(http.MethodPost, termPath+"/delete", with(form, map[string]string{"confirm": "yes"})); code != http.StatusSeeOther || loc != "/c/libraries/glossary" {
		t.Fatalf("delete by the author: %d %q\n%s", code, loc, page)
	}
	if _, err := n.Store.TermByID(ctx, term.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("term after delete: %v", err)
	}

	page = editPage(alices, eventPath)
	mustContain(t, "the event's edit page for a moderator", page, `action="`+eventPath+`/delete"`, `name="reason"`, "Delete this event</button>")
	form = with(testrig.Hidden(page), map[string]string{"confirm": "yes", "reason": "A duplicate"})
	if code, loc, page := alices.Do(http.MethodPost, eventPath+"/delete", form); code != http.StatusSeeOther || loc != "/c/libraries/events" {
		t.Fatalf("delete by a moderator: %d %q\n%s", code, loc, page)
	}
	if _, err := n.Store.CommunityEventByID(ctx, ev.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("event after delete: %v", err)
	}
	log, err := n.Store.ModerationLog(ctx, g.ID, storage.Page{Limit: 1})
	if err != nil || len(log) != 1 || log[0].Action != storage.ModRemoveEvent || log[0].Reason != "A duplicate" || log[0].Target != ev.URI {
		t.Fatalf("moderation log = %+v, %v; want remove_event with the reason", log, err)
	}
}
