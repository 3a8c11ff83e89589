package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// getCalendar fetches an iCalendar feed and parses it with go-ical.
func getCalendar(t *testing.T, url string) *ical.Calendar {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("GET %s: %d %s %s", url, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	cal, err := ical.NewDecoder(bytes.NewReader(body)).Decode()
	if err != nil {
		t.Fatalf("parse %s: %v\n%s", url, err, body)
	}
	return cal
}

func calendarUIDs(t *testing.T, cal *ical.Calendar) []string {
	t.Helper()
	var out []string
	for _, ev := range cal.Events() {
		uid, err := ev.Props.Text(ical.PropUID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, uid)
	}
	return out
}

// TestEventsAcrossNodes: an event created on A reaches C, whose member
// says they will attend; A counts them, lists them, and its community
// calendar and C's member's personal calendar both parse.
func TestEventsAcrossNodes(t *testing.T) {
	nodes := testrig.Start(t, 3)
	a, c := nodes[0], nodes[2]
	ctx := context.Background()
	alice, cid := a.Member("alice", false), c.Member("cid", false)
	community := createCommunity(t, a, alice, map[string]any{"handle": "libraries", "name": "Libraries"})
	groupID := community["id"].(string)
	groupOnC := c.Resolve("libraries@" + a.Host)
	if err := c.Engine.Follow(ctx, cid.ID, groupOnC.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	joined(t, c, cid, groupOnC)

	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	code, body := communityCall(t, http.MethodPost, a.URL+"/api/copse/v1/communities/"+groupID+"/events", a.Token(alice), map[string]any{
		"name": "Opening hours workshop", "description": "Bring your *rotas*.", "starts_at": start,
		"ends_at": start.Add(90 * time.Minute), "time_zone": "Europe/London",
		"place": map[string]string{"name": "Central Library", "address": "1 High St, Exeter"}, "capacity": 20})
	if code != http.StatusOK {
		t.Fatalf("create event: %d %s", code, body)
	}
	var created struct {
		ID, URI string
	}
	json.Unmarshal(body, &created)

	var onC storage.CommunityEvent
	testrig.Eventually(t, communityWait, "the event reaches C", func() bool {
		var err error
		onC, err = c.Store.CommunityEventByURI(ctx, created.URI)
		return err == nil
	})
	if onC.Name != "Opening hours workshop" || onC.Local || onC.CommunityID != groupOnC.ID || !onC.Start.Equal(start) ||
		onC.TimeZone != "Europe/London" || onC.PlaceName != "Central Library" || onC.Capacity != 20 ||
		!strings.Contains(onC.DescriptionHTML, "<em>rotas</em>") {
		t.Fatalf("event on C: %+v", onC)
	}

	// Cid, on C, says they will attend: a Join goes to A, which counts them.
	code, body = communityCall(t, http.MethodPost, c.URL+"/api/copse/v1/events/"+onC.ID.String()+"/attendance", c.Token(cid), nil)
	if code != http.StatusOK {
		t.Fatalf("attend on C: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "A counts cid", func() bool {
		ev, err := a.Store.CommunityEventByURI(ctx, created.URI)
		return err == nil && ev.AttendeeCount == 1
	})
	// A's Event says so too.
	req, _ := http.NewRequest(http.MethodGet, created.URI, nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got, err := activitypub.ParseEvent(doc); resp.StatusCode != http.StatusOK || err != nil || got.Attendees != 1 ||
		got.Capacity != 20 || got.PlaceName != "Central Library" || !got.Start.Equal(start) {
		t.Fatalf("Event on A: %d %v %s", resp.StatusCode, err, doc)
	}
	code, body = communityCall(t, http.MethodGet, a.URL+"/api/copse/v1/events/"+created.ID+"/attendees", "", nil)
	var attendees []struct {
		Acct  string `json:"acct"`
		Local bool   `json:"local"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &attendees) != nil || len(attendees) != 1 ||
		attendees[0].Acct != "cid@"+c.Host || attendees[0].Local {
		t.Fatalf("attendees on A: %d %s", code, body)
	}

	// A's community calendar parses and holds the event.
	cal := getCalendar(t, a.URL+"/c/libraries/events.ics")
	if uids := calendarUIDs(t, cal); len(uids) != 1 || uids[0] != created.URI {
		t.Fatalf("community calendar UIDs %v", uids)
	}
	ev := cal.Events()[0]
	if s, err := ev.DateTimeStart(nil); err != nil || !s.Equal(start) {
		t.Fatalf("DTSTART %v %v; want %v", s, err, start)
	}
	// So does the per-event "add to calendar" link on the events page.
	getCalendar(t, a.URL+"/c/libraries/events/"+created.ID+".ics")

	// Cid's personal calendar on C: a secret URL; a wrong token is not found.
	code, body = communityCall(t, http.MethodGet, c.URL+"/api/copse/v1/calendar_feed", c.Token(cid), nil)
	var feed struct{ URL string }
	if code != http.StatusOK || json.Unmarshal(body, &feed) != nil || !strings.Contains(feed.URL, "/@cid/events.ics?token=") {
		t.Fatalf("calendar feed: %d %s", code, body)
	}
	if uids := calendarUIDs(t, getCalendar(t, feed.URL)); len(uids) != 1 || uids[0] != created.URI {
		t.Fatalf("personal calendar UIDs %v", uids)
	}
	resp, err = http.Get(c.URL + "/@cid/events.ics?token=wrong")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("wrong token: %d; want 404", resp.StatusCode)
	}

	// Cid leaves: A stops counting them.
	code, body = communityCall(t, http.MethodDelete, c.URL+"/api/copse/v1/events/"+onC.ID.String()+"/attendance", c.Token(cid), nil)
	if code != http.StatusOK {
		t.Fatalf("leave on C: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "A no longer counts cid", func() bool {
		ev, err := a.Store.CommunityEventByURI(ctx, created.URI)
		return err == nil && ev.AttendeeCount == 0
	})

	// With one place, taken by Alice on A, A rejects Cid's Join, and C
	// records that Cid will not attend.
	if code, body := communityCall(t, http.MethodPatch, a.URL+"/api/copse/v1/events/"+created.ID, a.Token(alice), map[string]any{"capacity": 1}); code != http.StatusOK {
		t.Fatalf("capacity 1: %d %s", code, body)
	}
	if code, body := communityCall(t, http.MethodPost, a.URL+"/api/copse/v1/events/"+created.ID+"/attendance", a.Token(alice), nil); code != http.StatusOK {
		t.Fatalf("alice attends: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "C learns the capacity", func() bool {
		ev, err := c.Store.CommunityEventByURI(ctx, created.URI)
		return err == nil && ev.Capacity == 1
	})
	if code, body := communityCall(t, http.MethodPost, c.URL+"/api/copse/v1/events/"+onC.ID.String()+"/attendance", c.Token(cid), nil); code != http.StatusOK {
		t.Fatalf("attend again on C: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "A's Reject reaches C", func() bool {
		att, err := c.Store.AttendanceOf(ctx, onC.ID, cid.ID)
		return err == nil && att.State == storage.AttendLeft
	})
	if ev, err := a.Store.CommunityEventByURI(ctx, created.URI); err != nil || ev.AttendeeCount != 1 {
		t.Fatalf("A counts %d (%v); want 1", ev.AttendeeCount, err)
	}
}

// TestEventAPI: who may create, edit and attend, and the errors a client
// is told.
func TestEventAPI(t *testing.T) {
	a := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob, eve := a.Member("alice", false), a.Member("bob", false), a.Member("eve", false)
	community := createCommunity(t, a, alice, map[string]any{"handle": "libraries", "name": "Libraries"})
	groupID := community["id"].(string)
	group := a.Resolve("libraries@" + a.Host)
	if err := a.Engine.Follow(ctx, bob.ID, group.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	joined(t, a, bob, group)
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	ev := map[string]any{"name": "Webinar", "starts_at": start, "ends_at": start.Add(time.Hour), "time_zone": "UTC",
		"online_url": "https://meet.example/abc", "capacity": 1}
	base := a.URL + "/api/copse/v1"
	tests := []struct {
		name         string
		method, path string
		token        string
		body         any
		want         int
	}{
		{"create without a token", http.MethodPost, "/communities/" + groupID + "/events", "", ev, http.StatusUnauthorized},
		{"create by a non-member", http.MethodPost, "/communities/" + groupID + "/events", a.Token(eve), ev, http.StatusForbidden},
		{"create with the end first", http.MethodPost, "/communities/" + groupID + "/events", a.Token(bob),
			map[string]any{"name": "x", "starts_at": start, "ends_at": start.Add(-time.Hour)}, http.StatusUnprocessableEntity},
		{"create with a bad zone", http.MethodPost, "/communities/" + groupID + "/events", a.Token(bob),
			map[string]any{"name": "x", "starts_at": start, "ends_at": start, "time_zone": "Nowhere/Else"}, http.StatusUnprocessableEntity},
		{"create by a member", http.MethodPost, "/communities/" + groupID + "/events", a.Token(bob), ev, http.StatusOK},
	}
	var id string
	for _, tt := range tests {
		code, body := communityCall(t, tt.method, base+tt.path, tt.token, tt.body)
		if code != tt.want {
			t.Fatalf("%s: %d %s; want %d", tt.name, code, body, tt.want)
		}
		if code >= 400 && !bytes.Contains(body, []byte(`"error"`)) {
			t.Fatalf("%s: no error message: %s", tt.name, body)
		}
		if code == http.StatusOK {
			var got struct{ ID string }
			json.Unmarshal(body, &got)
			id = got.ID
		}
	}
	then := []struct {
		name         string
		method, path string
		token        string
		body         any
		want         int
	}{
		{"read it", http.MethodGet, "/events/" + id, "", nil, http.StatusOK},
		{"list them", http.MethodGet, "/communities/" + groupID + "/events", "", nil, http.StatusOK},
		{"an unknown event", http.MethodGet, "/events/12345", "", nil, http.StatusNotFound},
		{"edit by a non-member", http.MethodPatch, "/events/" + id, a.Token(eve), map[string]any{"name": "Mine"}, http.StatusForbidden},
		{"edit by a moderator", http.MethodPatch, "/events/" + id, a.Token(alice), map[string]any{"name": "Webinar on rotas"}, http.StatusOK},
		{"attend by a non-member", http.MethodPost, "/events/" + id + "/attendance", a.Token(eve), nil, http.StatusForbidden},
		{"attend by the organiser", http.MethodPost, "/events/" + id + "/attendance", a.Token(bob), nil, http.StatusOK},
		{"the one place is taken", http.MethodPost, "/events/" + id + "/attendance", a.Token(alice), nil, http.StatusConflict},
		{"attendees", http.MethodGet, "/events/" + id + "/attendees", "", nil, http.StatusOK},
	}
	for _, tt := range then {
		code, body := communityCall(t, tt.method, base+tt.path, tt.token, tt.body)
		if code != tt.want {
			t.Fatalf("%s: %d %s; want %d", tt.name, code, body, tt.want)
		}
	}
	// The events page lists it with its "add to calendar" link, and the
	// community page links the events page.
	for path, want := range map[string]string{"/c/libraries/events": "/c/libraries/events/" + id + ".ics",
		"/c/libraries": "/c/libraries/events"} {
		resp, err := http.Get(a.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), want) || (path == "/c/libraries/events" && !strings.Contains(string(page), "Webinar on rotas")) {
			t.Fatalf("%s: %d, no %s in\n%s", path, resp.StatusCode, want, page)
		}
	}
	code, body := communityCall(t, http.MethodPatch, base+"/events/"+id, a.Token(bob), map[string]any{"cancelled": true})
	var got struct {
		Cancelled bool `json:"cancelled"`
		Attendees int  `json:"attendees_count"`
		Attending bool `json:"attending"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &got) != nil || !got.Cancelled || got.Attendees != 1 || !got.Attending {
		t.Fatalf("cancel: %d %s", code, body)
	}
	cal := getCalendar(t, a.URL+"/c/libraries/events.ics")
	if evs := cal.Events(); len(evs) != 1 {
		t.Fatalf("calendar has %d events", len(evs))
	} else if st, err := evs[0].Status(); err != nil || st != ical.EventCancelled {
		t.Fatalf("cancelled event's STATUS %v %v", st, err)
	}
}
