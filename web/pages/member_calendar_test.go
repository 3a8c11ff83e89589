package pages_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
)

// TestMemberCalendarFollowsMembership: a member's own calendar lists the
// events they attend, but a members-only community's events are for its
// members (EventReadable): once carol is no longer a member (she left,
// or was banned), her calendar no longer carries the community's event,
// nor what its organiser changes in it later.
func TestMemberCalendarFollowsMembership(t *testing.T) {
	t.Parallel()
	f := startRepertoire(t, "open", "Open")
	n, ctx := f.n, context.Background()
	alice, carol := f.alice, f.carol
	joined(t, n, carol, f.hidden)
	start := n.Store.Now().Add(72 * time.Hour).UTC().Truncate(time.Minute)
	s, err := n.Engine.SubmitEvent(ctx, alice, f.hidden.ID, federation.NewEvent{Name: "Closed workshop", Start: start,
		End: start.Add(time.Hour), TimeZone: "Europe/London", PlaceName: "Room 1"})
	if err != nil {
		t.Fatal(err)
	}
	ev := s.Item
	if _, err := n.Engine.Attend(ctx, carol, ev.ID); err != nil {
		t.Fatal(err)
	}
	// An event of the public community stays in her calendar.
	joined(t, n, carol, f.g)
	open, err := n.Engine.SubmitEvent(ctx, alice, f.g.ID, federation.NewEvent{Name: "Open day", Start: start,
		End: start.Add(time.Hour), TimeZone: "Europe/London", PlaceName: "Hall"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.Attend(ctx, carol, open.Item.ID); err != nil {
		t.Fatal(err)
	}
	tok, err := n.Engine.EventFeedToken(ctx, carol)
	if err != nil {
		t.Fatal(err)
	}
	feed := n.URL + "/@carol/events.ics?" + url.Values{"token": {tok}}.Encode()
	read := func() string {
		t.Helper()
		resp, err := http.Get(feed)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET carol's calendar: %d %s", resp.StatusCode, b)
		}
		return string(b)
	}
	if cal := read(); !strings.Contains(cal, ev.URI) || !strings.Contains(cal, open.Item.URI) {
		t.Fatalf("carol's calendar lacks the event she attends as a member:\n%s", cal)
	}

	if err := n.Engine.BanFromCommunity(ctx, alice, f.hidden.ID, federation.Ban{AccountID: carol.ID, Reason: "spam"}); err != nil {
		t.Fatal(err)
	}
	const moved = "Secret annex, floor 3"
	if _, err := n.Engine.SubmitEventEdit(ctx, alice, ev.ID, federation.EventEdit{PlaceName: new(moved)}); err != nil {
		t.Fatal(err)
	}
	if ok, err := n.Engine.EventReadable(ctx, carol, ev); err != nil || ok {
		t.Fatalf("EventReadable(carol) = %v, %v once banned; want false", ok, err)
	}
	cal := read()
	if !strings.Contains(cal, open.Item.URI) {
		t.Errorf("carol's calendar lacks the public community's event she attends:\n%s", cal)
	}
	for _, secret := range []string{ev.URI, moved, "Closed workshop"} {
		if strings.Contains(cal, secret) {
			t.Errorf("carol's calendar, once she is banned from the members-only community, shows %q:\n%s", secret, cal)
		}
	}
}

// TestMembersAnswersArePrivate: whatever a member signed in is answered
// (a members-only community's page, Atom feed and library archive) no
// shared cache may keep for another; an anonymous answer is not marked.
func TestMembersAnswersArePrivate(t *testing.T) {
	t.Parallel()
	f := startRepertoire(t, "open", "Open")
	n := f.n
	joined(t, n, f.carol, f.hidden)
	c := signedInBrowser(t, n, "carol")
	for _, path := range []string{"/c/hidden", "/c/hidden/feed.atom", "/c/hidden/library.zip", "/c/hidden/library.atom"} {
		resp, err := c.Client.Get(n.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "private, no-cache" {
			t.Errorf("GET %s signed in: %d, Cache-Control %q; want 200, private, no-cache", path, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}
	resp, err := http.Get(n.URL + "/c/open/feed.atom")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cc := resp.Header.Get("Cache-Control"); resp.StatusCode != http.StatusOK || cc != "" {
		t.Errorf("GET the public feed anonymously: %d, Cache-Control %q; want 200, none", resp.StatusCode, cc)
	}
}
