package pages_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

var eventLocation = regexp.MustCompile(`^/c/wards/events/(\d+)$`)

// TestEventFormsWithoutJavaScript: a member adds an event and edits it
// through plain forms, in its time zone, and members say they will and
// will not attend with a button.
func TestEventFormsWithoutJavaScript(t *testing.T) {
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	n.Member("carol", false)
	g := newCommunity(t, n, alice, federation.NewCommunity{Handle: "wards", Name: "Ward practice"})
	joined(t, n, bob, g)
	b := signedInBrowser(t, n, "alice")
	day := time.Now().AddDate(0, 1, 0)
	date := day.Format("2/1/2006")
	fields := map[string]string{"name": "Triage workshop", "description": "Bring **cases**.", "start_date": date, "start_time": "14:30",
		"end_time": "4pm", "time_zone": "Europe/London", "place_name": "County Hall", "online_url": "https://meet.example/triage", "capacity": "30"}

	hidden, page := formPage(t, b, "/c/wards/events/new")
	mustContain(t, "the new event form", page, `<label for="start_date">Start date</label>`, `value="Europe/London"`)
	t.Run("a form without its CSRF token is refused", func(t *testing.T) {
		if code, _, page := b.Do(http.MethodPost, "/c/wards/events/new", with(nil, fields)); code != http.StatusForbidden {
			t.Fatalf("%d; want 403\n%s", code, page)
		}
	})
	t.Run("dates and times that cannot be read are shown beside their fields", func(t *testing.T) {
		code, _, page := b.Do(http.MethodPost, "/c/wards/events/new", with(hidden, map[string]string{"name": "Triage workshop",
			"start_date": "31/2/2027", "start_time": "25:00", "end_time": "16:00", "time_zone": "Mars/Olympus", "capacity": "many"}))
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("%d; want 422\n%s", code, page)
		}
		mustContain(t, "the form with problems", page, `href="#start_date"`, `href="#start_time"`, `href="#time_zone"`, `href="#capacity"`,
			`value="Triage workshop"`, `value="31/2/2027"`, `value="Mars/Olympus"`)
	})
	var id storage.ID
	t.Run("adding an event", func(t *testing.T) {
		code, loc, page := b.Do(http.MethodPost, "/c/wards/events/new", with(hidden, fields))
		m := eventLocation.FindStringSubmatch(loc)
		if code != http.StatusSeeOther || m == nil {
			t.Fatalf("%d %q\n%s", code, loc, page)
		}
		id, _ = storage.ParseID(m[1])
		ev, err := n.Store.CommunityEventByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		london, _ := time.LoadLocation("Europe/London")
		want := time.Date(day.Year(), day.Month(), day.Day(), 14, 30, 0, 0, london)
		if !ev.Start.Equal(want) || ev.End.Sub(ev.Start) != 90*time.Minute || ev.Capacity != 30 || ev.TimeZone != "Europe/London" {
			t.Errorf("stored %v to %v in %s, %d places; want %v for 90 minutes, 30 places", ev.Start, ev.End, ev.TimeZone, ev.Capacity, want)
		}
		_, _, page = b.Do(http.MethodGet, "/c/wards/events", nil)
		mustContain(t, "the events page", page, "Triage workshop", "County Hall", "<strong>cases</strong>", "I will attend")
	})
	if id == 0 {
		t.FailNow()
	}
	editPath := "/c/wards/events/" + id.String() + "/edit"
	t.Run("editing an event", func(t *testing.T) {
		hidden, page := formPage(t, b, editPath)
		mustContain(t, "the edit form", page, `value="Triage workshop"`, `value="`+date+`"`, `value="14:30"`, `value="30"`)
		form := with(hidden, fields)
		form.Set("name", "Triage workshop, second run")
		form.Set("capacity", "")
		if code, loc, page := b.Do(http.MethodPost, editPath, form); code != http.StatusSeeOther || loc != "/c/wards/events/"+id.String() {
			t.Fatalf("%d %q\n%s", code, loc, page)
		}
		if ev, _ := n.Store.CommunityEventByID(ctx, id); ev.Name != "Triage workshop, second run" || ev.Capacity != 0 {
			t.Errorf("after the edit: %q, %d places", ev.Name, ev.Capacity)
		}
	})
	t.Run("only the organiser and moderators edit", func(t *testing.T) {
		c := signedInBrowser(t, n, "bob")
		hidden, _ := formPage(t, c, editPath)
		form := with(hidden, fields)
		form.Set("name", "Bob's workshop")
		code, _, page := c.Do(http.MethodPost, editPath, form)
		if code != http.StatusForbidden || !strings.Contains(page, "You cannot edit this event") || !strings.Contains(page, "Bob&#39;s workshop") {
			t.Fatalf("%d; want 403 with the text kept\n%s", code, page)
		}
	})
	t.Run("I will attend, and I will not", func(t *testing.T) {
		c := signedInBrowser(t, n, "bob")
		_, _, page := c.Do(http.MethodGet, "/c/wards/events", nil)
		attend := eventForm(t, page, "/c/wards/events/"+id.String()+"/attend")
		if code, loc, page := c.Do(http.MethodPost, "/c/wards/events/"+id.String()+"/attend", attend); code != http.StatusSeeOther || loc != "/c/wards/events/"+id.String() {
			t.Fatalf("attend: %d %q\n%s", code, loc, page)
		}
		if ev, _ := n.Store.CommunityEventByID(ctx, id); ev.AttendeeCount != 1 {
			t.Errorf("%d attending; want 1", ev.AttendeeCount)
		}
		_, _, page = c.Do(http.MethodGet, "/c/wards/events", nil)
		mustContain(t, "the events page after attending", page, "You are going.", "1 attending", "I will not attend")
		// The page is Bob's alone: no shared cache may keep it.
		resp, err := c.Client.Get(n.URL + "/c/wards/events")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if cc := resp.Header.Get("Cache-Control"); cc != "private, no-cache" {
			t.Errorf("Cache-Control %q of a signed-in page; want private, no-cache", cc)
		}
		leave := eventForm(t, page, "/c/wards/events/"+id.String()+"/leave")
		if code, _, page := c.Do(http.MethodPost, "/c/wards/events/"+id.String()+"/leave", leave); code != http.StatusSeeOther {
			t.Fatalf("leave: %d\n%s", code, page)
		}
		if ev, _ := n.Store.CommunityEventByID(ctx, id); ev.AttendeeCount != 0 {
			t.Errorf("%d attending; want 0", ev.AttendeeCount)
		}
		// Without the token nothing changes.
		if code, _, _ := c.Do(http.MethodPost, "/c/wards/events/"+id.String()+"/attend", nil); code != http.StatusForbidden {
			t.Errorf("attend without a token: %d; want 403", code)
		}
	})
	t.Run("a non-member cannot attend", func(t *testing.T) {
		c := signedInBrowser(t, n, "carol")
		_, _, page := c.Do(http.MethodGet, "/c/wards/events", nil)
		attend := eventForm(t, page, "/c/wards/events/"+id.String()+"/attend")
		code, _, page := c.Do(http.MethodPost, "/c/wards/events/"+id.String()+"/attend", attend)
		if code != http.StatusForbidden || !strings.Contains(page, "Join the community first") {
			t.Fatalf("%d; want 403\n%s", code, page)
		}
		if ev, _ := n.Store.CommunityEventByID(ctx, id); ev.AttendeeCount != 0 {
			t.Errorf("%d attending; want 0", ev.AttendeeCount)
		}
	})
}

// eventForm is the hidden fields of the page's form posting to action.
func eventForm(t *testing.T, page, action string) map[string][]string {
	t.Helper()
	re := regexp.MustCompile(`(?s)<form method="post" action="` + regexp.QuoteMeta(action) + `">(.*?)</form>`)
	m := re.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form posts to %s\n%s", action, page)
	}
	return testrig.Hidden(m[1])
}
