package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// TestRemoteModeratorActsThroughGroup: a moderator on another node sends
// a removal, a ban with removeData, its Undo, a lock and a pin to a Group
// hosted here (Lemmy's shapes); each is applied, logged with the reason,
// and announced to the followers as received. The same from a follower
// who moderates nothing is refused and changes nothing.
func TestRemoteModeratorActsThroughGroup(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	carol := remotePerson(t, e, "carol", "mbin.example") // a remote moderator
	erin := remotePerson(t, e, "erin", "piefed.example") // a follower who moderates nothing
	bob := remotePerson(t, e, "bob", "lemmy.example")    // posts into the community
	follows(t, e, erin, g)
	follows(t, e, bob, g)
	if err := e.SetCommunityModerator(ctx, alice, g.ID, carol.ID, true); err != nil {
		t.Fatal(err)
	}
	first := postIntoCommunity(t, e, bob, g, 1)
	second := postIntoCommunity(t, e, bob, g, 2)
	third := postIntoCommunity(t, e, bob, g, 3)
	sentRaw(t, e, erin.SharedInbox)

	act := func(actor storage.Account, n int, typ, object, extra string) string {
		return fmt.Sprintf(`{"@context":"https://www.w3.org/ns/activitystreams","id":"%s/mod/%d","type":"%s","actor":"%s",`+
			`"object":%s,"to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["%s"],"audience":"%s"%s}`,
			actor.URI, n, typ, actor.URI, object, g.URI, g.URI, extra)
	}
	q := func(s string) string { return `"` + s + `"` }
	lockOf := func(st storage.Status) bool {
		locked, err := e.store.ThreadLocked(ctx, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		return locked
	}
	pinned := func(st storage.Status) bool {
		pins, err := e.store.PinnedStatuses(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pins {
			if p.ID == st.ID {
				return true
			}
		}
		return false
	}
	gone := func(st storage.Status) bool {
		_, err := e.store.StatusByURI(ctx, st.URI)
		return errors.Is(err, storage.ErrNotFound)
	}
	banned := func() bool {
		ban, err := e.store.CommunityBan(ctx, g.ID, bob.ID)
		return err == nil && ban.Active(e.now())
	}
	featured := e.urls.Featured(g.Username)
	tests := []struct {
		name   string
		raw    func(actor storage.Account, n int) string
		action string
		reason string
		holds  func() bool
	}{
		{"lock", func(a storage.Account, n int) string {
			return act(a, n, "Lock", q(first.URI), `,"summary":"cooling off"`)
		},
			storage.ModLock, "cooling off", func() bool { return lockOf(first) }},
		{"unlock", func(a storage.Account, n int) string {
			return act(a, n, "Undo", `{"id":"x","type":"Lock","actor":"`+a.URI+`","object":"`+first.URI+`"}`, "")
		}, storage.ModUnlock, "", func() bool { return !lockOf(first) }},
		{"pin", func(a storage.Account, n int) string {
			return act(a, n, "Add", q(first.URI), `,"target":"`+featured+`"`)
		},
			storage.ModPin, "", func() bool { return pinned(first) }},
		{"unpin", func(a storage.Account, n int) string {
			return act(a, n, "Remove", q(first.URI), `,"target":"`+featured+`"`)
		},
			storage.ModUnpin, "", func() bool { return !pinned(first) }},
		{"remove", func(a storage.Account, n int) string {
			return act(a, n, "Delete", q(first.URI), `,"summary":"Advertising"`)
		},
			storage.ModRemovePost, "Advertising", func() bool { return gone(first) }},
		{"ban with removeData", func(a storage.Account, n int) string {
			return act(a, n, "Block", q(bob.URI), `,"target":"`+g.URI+`","summary":"spam","removeData":true,`+
				`"endTime":"2099-01-01T00:00:00Z","expires":"2099-01-01T00:00:00Z"`)
		}, storage.ModBan, "spam", func() bool { return banned() && gone(second) && gone(third) }},
		{"unban", func(a storage.Account, n int) string {
			return act(a, n, "Undo", `{"id":"`+carol.URI+`/mod/11","type":"Block","actor":"`+carol.URI+`","object":"`+bob.URI+
				`","target":"`+g.URI+`"}`, "")
		}, storage.ModUnban, "", func() bool { return !banned() }},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.holds()
			if err := applyRaw(t, e, tc.raw(erin, 100+i)); !errors.Is(err, ErrDenied) {
				t.Errorf("from a non-moderator: %v; want denied", err)
			}
			if tc.holds() != before {
				t.Fatalf("a non-moderator's %s took effect", tc.name)
			}
			if anns := announced(t, g, sentRaw(t, e, erin.SharedInbox)); len(anns) != 0 {
				t.Errorf("a refused %s was announced: %v", tc.name, anns)
			}
			if err := applyRaw(t, e, tc.raw(carol, 10+i)); err != nil {
				t.Fatal(err)
			}
			if !tc.holds() {
				t.Errorf("%s did not take effect", tc.name)
			}
			anns := announced(t, g, sentRaw(t, e, erin.SharedInbox))
			if len(anns) != 1 || anns[0]["id"] != fmt.Sprintf("%s/mod/%d", carol.URI, 10+i) || anns[0]["actor"] != carol.URI {
				t.Errorf("followers got %v; want carol's activity as received", anns)
			}
			if l := lastLog(t, e, g); l.Action != tc.action || l.ModeratorURI != carol.URI || l.Reason != tc.reason {
				t.Errorf("log = %+v; want %s by carol, reason %q", l, tc.action, tc.reason)
			}
		})
	}
}

// TestRefusedPostKept: a remote post the Group refuses is kept on the
// node, outside the community, only when it also addresses a member
// here by itself (a mention) or a member here follows its author.
func TestRefusedPostKept(t *testing.T) {
	tests := []struct {
		name    string
		mention bool
		follow  bool
		kept    bool
	}{
		{"addresses only the community", false, false, false},
		{"also mentions a member", true, false, true},
		{"its author is followed here", false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testEngine(t)
			ctx := context.Background()
			alice, dave := member(t, e, "alice"), member(t, e, "dave")
			g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
			bob := remotePerson(t, e, "bob", "lemmy.example") // not a member: refused
			if tt.follow {
				follows(t, e, dave, bob)
			}
			note := map[string]any{"id": bob.URI + "/post/1", "type": "Note", "attributedTo": bob.URI,
				"content": "<p>Hello</p>", "to": []string{activitypub.PublicIRI, g.URI}, "audience": g.URI}
			if tt.mention {
				note["cc"] = []string{dave.URI}
				note["tag"] = []any{map[string]any{"type": "Mention", "href": dave.URI, "name": "@dave"}}
			}
			raw, err := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
				"id": bob.URI + "/create/1", "type": "Create", "actor": bob.URI, "to": note["to"], "cc": note["cc"],
				"audience": g.URI, "object": note})
			if err != nil {
				t.Fatal(err)
			}
			act, err := activitypub.ParseActivity(raw)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Apply(withInboxBody(ctx, raw), act); err != nil {
				t.Fatal(err)
			}
			if n := len(ofType(sent(t, e, bob.Inbox), activitypub.TypeReject)); n != 1 {
				t.Fatalf("%d Rejects; want 1", n)
			}
			st, err := e.store.StatusByURI(ctx, bob.URI+"/post/1")
			if kept := err == nil; kept != tt.kept {
				t.Fatalf("kept = %v (%v); want %v", kept, err, tt.kept)
			}
			if err == nil {
				if _, err := e.store.CommunityOfStatus(ctx, st.ID); !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("the refused post is in the community: %v", err)
				}
			}
		})
	}
}

// groupWithModerators serves a remote Group at /c/g whose moderators
// collection (at any other path) is what moderators returns.
func groupWithModerators(t *testing.T, moderators func() string) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json")
		if r.URL.Path == "/c/g" {
			fmt.Fprintf(w, `{"id":%q,"type":"Group","moderators":%q}`, srv.URL+"/c/g", srv.URL+"/c/g/moderators")
			return
		}
		fmt.Fprint(w, moderators())
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestFetchModeratorsBounded: a Group whose moderators collection is a
// megabyte of tiny items is refused before the page is decoded, costing
// a few times the page, not a slice of half a million items.
func TestFetchModeratorsBounded(t *testing.T) {
	srv := groupWithModerators(t, func() string {
		return fmt.Sprintf(`{"type":"OrderedCollection","orderedItems":[%s""]}`, strings.Repeat(`"",`, 300_000))
	})
	e := loopbackEngine(t, Options{})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	uris, err := e.fetchModerators(context.Background(), srv.URL+"/c/g")
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Errorf("fetchModerators = %d moderators; want the page refused", len(uris))
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
		t.Errorf("refusing a 900 KB page allocated %d MiB; want under 16 MiB", got>>20)
	}
}

// TestModeratorsReadOnceAMinute: a burst of moderation announces by a
// remote Group (its moderators on another node) reads its moderators
// collection once, not once each; a minute later it is read again.
func TestModeratorsReadOnceAMinute(t *testing.T) {
	var reads atomic.Int64
	srv := groupWithModerators(t, func() string {
		reads.Add(1)
		return `{"type":"OrderedCollection","orderedItems":["https://elsewhere.example/u/mod"]}`
	})
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	e := loopbackEngine(t, Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	g := remoteGroup(t, e, srv.URL+"/c/g", "")
	removal := func(i int) activitypub.Activity {
		inner := activitypub.Activity{ID: fmt.Sprintf("https://elsewhere.example/u/mod/delete/%d", i), Type: activitypub.TypeDelete,
			Actor: "https://elsewhere.example/u/mod", Object: activitypub.Object{IRI: srv.URL + "/post/1"}}
		return activitypub.Activity{ID: fmt.Sprintf("%s/announce/%d", g.URI, i), Type: activitypub.TypeAnnounce, Actor: g.URI,
			Object: activitypub.Object{IRI: inner.ID, Activity: &inner}}
	}
	for i := range 5 {
		if err := e.refreshCommunityModerators(ctx, removal(i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := reads.Load(); n != 1 {
		t.Errorf("five removals read the moderators %d times; want once", n)
	}
	now = now.Add(moderatorsInterval)
	if err := e.refreshCommunityModerators(ctx, removal(9)); err != nil {
		t.Fatal(err)
	}
	if n := reads.Load(); n != 2 {
		t.Errorf("a removal a minute later: %d reads in all; want 2", n)
	}
}
