package copseapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestDeleteTermAndEventAPI: DELETE /api/copse/v1/glossary/{id} and
// /events/{id} need a token (401), refuse a member who neither made the
// item nor moderates the community (403), answer 404 for an unknown id,
// and delete for the author and for a moderator, whose reason the
// community's moderation log shows.
func TestDeleteTermAndEventAPI(t *testing.T) {
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob, carol := n.Member("alice", false), n.Member("bob", false), n.Member("carol", false)
	c, err := n.Engine.CreateCommunity(ctx, alice, federation.NewCommunity{Handle: "libraries", Name: "Libraries"})
	if err != nil {
		t.Fatal(err)
	}
	g := struct{ ID storage.ID }{c.AccountID}
	for _, m := range []storage.Account{bob, carol} {
		if err := n.Engine.Follow(ctx, m.ID, g.ID, federation.FollowOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Hour)
	newTerm := func(name string) string {
		tm, err := n.Engine.CreateTerm(ctx, bob, g.ID, federation.NewTerm{Term: name, Definition: "A word."})
		if err != nil {
			t.Fatal(err)
		}
		return n.URL + "/api/copse/v1/glossary/" + tm.ID.String()
	}
	newEvent := func(name string) string {
		ev, err := n.Engine.CreateEvent(ctx, bob, g.ID, federation.NewEvent{Name: name, Start: start, End: start.Add(time.Hour),
			TimeZone: "UTC", PlaceName: "Central Library"})
		if err != nil {
			t.Fatal(err)
		}
		return n.URL + "/api/copse/v1/events/" + ev.ID.String()
	}
	lastLog := func() storage.ModerationEntry {
		t.Helper()
		log, err := n.Store.ModerationLog(ctx, g.ID, storage.Page{Limit: 1})
		if err != nil || len(log) != 1 {
			t.Fatalf("moderation log: %v %v", log, err)
		}
		return log[0]
	}
	for _, k := range []struct {
		name   string
		create func(string) string
		action string
	}{{"term", newTerm, storage.ModRemoveTerm}, {"event", newEvent, storage.ModRemoveEvent}} {
		t.Run(k.name, func(t *testing.T) {
			byAuthor, byMod := k.create("Weeding"), k.create("Shelving")
			if code, _, _ := call(t, http.MethodDelete, byAuthor, "", nil); code != http.StatusUnauthorized {
				t.Errorf("without a token: %d; want 401", code)
			}
			code, _, body := call(t, http.MethodDelete, byAuthor, n.Token(carol), nil)
			var e struct{ Error string }
			if code != http.StatusForbidden || json.Unmarshal(body, &e) != nil || e.Error == "" {
				t.Errorf("by another member: %d %s; want 403 with an error", code, body)
			}
			if code, _, _ := call(t, http.MethodGet, byAuthor, n.Token(carol), nil); code != http.StatusOK {
				t.Fatalf("after a refused delete: %d; want it still there", code)
			}
			if code, _, body := call(t, http.MethodDelete, byAuthor, n.Token(bob), nil); code != http.StatusOK {
				t.Fatalf("by its author: %d %s", code, body)
			}
			if code, _, _ := call(t, http.MethodGet, byAuthor, n.Token(bob), nil); code != http.StatusNotFound {
				t.Errorf("after delete: %d; want 404", code)
			}
			if code, _, _ := call(t, http.MethodDelete, byAuthor, n.Token(bob), nil); code != http.StatusNotFound {
				t.Errorf("deleted twice: %d; want 404", code)
			}
			if code, _, body := call(t, http.MethodDelete, byMod, n.Token(alice), map[string]any{"reason": "Duplicate"}); code != http.StatusOK {
				t.Fatalf("by a moderator: %d %s", code, body)
			}
			if l := lastLog(); l.Action != k.action || l.Reason != "Duplicate" || l.ModeratorID != alice.ID {
				t.Errorf("log = %+v; want %s by alice, reason Duplicate", l, k.action)
			}
		})
	}
}
