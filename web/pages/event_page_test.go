package pages_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestEventPage: each event has a page of its own, the link its
// ActivityPub url, the events list and search give: it shows the event
// before and after it happens (the list keeps only upcoming ones, so a
// past event's link used to land on a list without it), offers "I will
// attend" only while that can still be said, and is not found by anyone
// who may not read the community's events.
func TestEventPage(t *testing.T) {
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	n.Member("carol", false)
	wards := newCommunity(t, n, alice, federation.NewCommunity{Handle: "wards", Name: "Ward practice"})
	hidden := newCommunity(t, n, alice, federation.NewCommunity{Handle: "hidden", Name: "Hidden", Visibility: storage.CommunityMembersOnly})
	joined(t, n, bob, wards)
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	ev, err := n.Engine.CreateEvent(ctx, alice, wards.ID, federation.NewEvent{Name: "Triage workshop", Description: "Bring **cases**.",
		Start: start, End: start.Add(time.Hour), TimeZone: "Europe/London", PlaceName: "County Hall", Capacity: 30})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := n.Engine.CreateEvent(ctx, alice, hidden.ID, federation.NewEvent{Name: "Closed meeting", Start: start,
		End: start.Add(time.Hour), TimeZone: "Europe/London"})
	if err != nil {
		t.Fatal(err)
	}
	path := "/c/wards/events/" + ev.ID.String()
	if want := n.URL + path; ev.URL != want {
		t.Errorf("the event's url is %q; want its page, %q", ev.URL, want)
	}

	p := fetch(t, http.MethodGet, n.URL+path, browserAccept)
	if p.code != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", path, p.code, p.body)
	}
	mustContain(t, "the event's page", p.body, "<h1>Triage workshop</h1>", "County Hall", "<strong>cases</strong>",
		"0 attending of 30 places", path+".ics", `to say you will attend`)
	if strings.Contains(p.body, "has ended") {
		t.Errorf("an upcoming event's page says it has ended:\n%s", p.body)
	}
	if ics := fetch(t, http.MethodGet, n.URL+path+".ics", ""); ics.code != http.StatusOK ||
		!strings.HasPrefix(ics.header.Get("Content-Type"), "text/calendar") || !strings.Contains(ics.body, "SUMMARY:Triage workshop") {
		t.Errorf("GET %s.ics beside the page: %d %s\n%s", path, ics.code, ics.header.Get("Content-Type"), ics.body)
	}
	list := fetch(t, http.MethodGet, n.URL+"/c/wards/events", browserAccept)
	mustContain(t, "the list of events", list.body, `<h2><a href="`+path+`">Triage workshop</a></h2>`)

	b := signedInBrowser(t, n, "bob")
	_, _, page := b.Do(http.MethodGet, path, nil)
	mustContain(t, "the event's page for a member", page, "I will attend")

	// After the event: gone from the list of upcoming events, still on
	// its page, with no button to attend.
	n.Store.Now = func() time.Time { return start.Add(2 * time.Hour) }
	list = fetch(t, http.MethodGet, n.URL+"/c/wards/events", browserAccept)
	if strings.Contains(list.body, "Triage workshop") {
		t.Errorf("the list of upcoming events still shows the past event")
	}
	_, _, page = b.Do(http.MethodGet, path, nil)
	mustContain(t, "a past event's page", page, "<h1>Triage workshop</h1>", "This event has ended.", "0 attended of 30 places")
	if strings.Contains(page, "I will attend") {
		t.Errorf("a past event's page offers to attend it")
	}

	for _, tt := range []struct {
		name, path string
		who        string // signed in as; "" anonymous
		want       int
	}{
		{"a members-only community's event, anonymous", "/c/hidden/events/" + secret.ID.String(), "", http.StatusNotFound},
		{"a members-only community's event, not a member", "/c/hidden/events/" + secret.ID.String(), "carol", http.StatusNotFound},
		{"a members-only community's event, its moderator", "/c/hidden/events/" + secret.ID.String(), "alice", http.StatusOK},
		{"an event under another community", "/c/wards/events/" + secret.ID.String(), "alice", http.StatusNotFound},
		{"no such event", "/c/wards/events/12345", "", http.StatusNotFound},
		{"not an id", "/c/wards/events/abc", "", http.StatusNotFound},
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
			if tt.want != http.StatusOK && strings.Contains(body, "Closed meeting") {
				t.Errorf("the refusal names the event:\n%s", body)
			}
		})
	}
}
