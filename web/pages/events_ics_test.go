package pages

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"

	"github.com/copse-dev/copse/storage"
)

func TestWriteCalendar(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	start := time.Date(2026, 3, 10, 14, 30, 0, 0, time.UTC)
	long := strings.Repeat("Rétention, schedules; and \\ back-slashes – ", 8) + "\nSecond line."
	events := []calendarEvent{
		{CommunityEvent: storage.CommunityEvent{ID: 1, URI: "https://council-a.example/events/1", URL: "https://council-a.example/c/records/events#event-1",
			Name: "Records workshop, part 1; planning", DescriptionSource: long, Start: start, End: start.Add(2 * time.Hour),
			TimeZone: "Europe/London", PlaceName: "County Hall", PlaceAddress: "1 High St, Exeter", CreatedAt: now, UpdatedAt: now},
			Community: "Records"},
		{CommunityEvent: storage.CommunityEvent{ID: 2, URI: "https://council-a.example/events/2", Name: "Webinar",
			Start: start.Add(24 * time.Hour), End: start.Add(25 * time.Hour), TimeZone: "UTC", OnlineURL: "https://meet.example/x",
			CancelledAt: now, CreatedAt: now, UpdatedAt: now.Add(time.Hour)}},
	}
	var buf bytes.Buffer
	if err := writeCalendar(&buf, "Events of Records", events, now); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	t.Run("lines end in CRLF and fold at 75 octets", func(t *testing.T) {
		if !bytes.HasSuffix(raw, []byte("\r\n")) {
			t.Fatal("the calendar does not end in CRLF")
		}
		folded := 0
		for i, line := range bytes.Split(bytes.TrimSuffix(raw, []byte("\r\n")), []byte("\r\n")) {
			if bytes.ContainsAny(line, "\r\n") {
				t.Fatalf("line %d has a bare CR or LF: %q", i, line)
			}
			if len(line) > 75 {
				t.Fatalf("line %d is %d octets: %q", i, len(line), line)
			}
			if bytes.HasPrefix(line, []byte(" ")) {
				folded++
			}
		}
		if folded == 0 {
			t.Fatal("the long description was not folded")
		}
	})
	cal, err := ical.NewDecoder(bytes.NewReader(raw)).Decode()
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, raw)
	}
	if v, _ := cal.Props.Text(ical.PropVersion); v != "2.0" {
		t.Errorf("VERSION = %q", v)
	}
	if p, _ := cal.Props.Text(ical.PropProductID); p == "" {
		t.Error("no PRODID")
	}
	got := cal.Events()
	if len(got) != len(events) {
		t.Fatalf("%d events; want %d", len(got), len(events))
	}
	tests := []struct {
		name              string
		uid, summary, loc string
		desc              string
		start             time.Time
		status            ical.EventStatus
	}{
		{"place", events[0].URI, "Records workshop, part 1; planning (Records)", "County Hall, 1 High St, Exeter", long, start, ical.EventConfirmed},
		{"online and cancelled", events[1].URI, "Webinar", "https://meet.example/x", "", start.Add(24 * time.Hour), ical.EventCancelled},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := got[i]
			text := func(name string) string {
				s, err := ev.Props.Text(name)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				return s
			}
			if text(ical.PropUID) != tt.uid || text(ical.PropSummary) != tt.summary || text(ical.PropLocation) != tt.loc {
				t.Errorf("UID %q SUMMARY %q LOCATION %q", text(ical.PropUID), text(ical.PropSummary), text(ical.PropLocation))
			}
			if tt.desc != "" && text(ical.PropDescription) != tt.desc {
				t.Errorf("DESCRIPTION = %q; want %q", text(ical.PropDescription), tt.desc)
			}
			s, err := ev.DateTimeStart(nil)
			if err != nil || !s.Equal(tt.start) || s.Location() != time.UTC {
				t.Errorf("DTSTART = %v (%v); want %v in UTC", s, err, tt.start)
			}
			stamp, err := ev.Props.DateTime(ical.PropDateTimeStamp, nil)
			if err != nil || !stamp.Equal(now) {
				t.Errorf("DTSTAMP = %v (%v)", stamp, err)
			}
			if st, err := ev.Status(); err != nil || st != tt.status {
				t.Errorf("STATUS = %v (%v); want %v", st, err, tt.status)
			}
		})
	}
}

func TestFoldLinesKeepsUTF8Whole(t *testing.T) {
	line := "DESCRIPTION:" + strings.Repeat("é", 100) + "\r\n"
	var buf bytes.Buffer
	if err := foldLines(&buf, []byte(line)); err != nil {
		t.Fatal(err)
	}
	unfolded := strings.ReplaceAll(buf.String(), "\r\n ", "")
	if unfolded != line {
		t.Fatalf("unfolded %q; want %q", unfolded, line)
	}
	for _, l := range strings.Split(strings.TrimSuffix(buf.String(), "\r\n"), "\r\n") {
		if len(l) > 75 || !utf8Valid(l) {
			t.Fatalf("bad line %q (%d octets)", l, len(l))
		}
	}
}

func utf8Valid(s string) bool { return utf8.ValidString(s) }

// TestWriteCalendarWithNoEvents: a feed with no events (a member who
// attends nothing yet, a community with none) is a valid calendar that
// clients read as empty, not an error.
func TestWriteCalendarWithNoEvents(t *testing.T) {
	var buf bytes.Buffer
	if err := writeCalendar(&buf, "Events of Records", nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	cal, err := ical.NewDecoder(bytes.NewReader(buf.Bytes())).Decode()
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, buf.Bytes())
	}
	if evs := cal.Events(); len(evs) != 0 {
		t.Errorf("%d events; want none", len(evs))
	}
	if name, _ := cal.Props.Text("X-WR-CALNAME"); name != "Events of Records" {
		t.Errorf("X-WR-CALNAME = %q", name)
	}
}

// TestCalendarDescriptionIsBounded: an event's description is cut in a
// calendar feed (a feed of 200 events of 100 KB each would be 20 MB),
// whole characters kept; a short one is as written.
func TestCalendarDescriptionIsBounded(t *testing.T) {
	tests := []struct {
		name, src string
		want      int // characters, the ellipsis included
	}{
		{"short", "Bring your schedules.", 21},
		{"at the bound", strings.Repeat("é", maxCalendarDescription), maxCalendarDescription},
		{"long", strings.Repeat("é", 100_000), maxCalendarDescription + 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := calendarDescription(tt.src)
			if n := utf8.RuneCountInString(got); n != tt.want || !utf8.ValidString(got) {
				t.Errorf("%d characters (valid UTF-8: %v); want %d", n, utf8.ValidString(got), tt.want)
			}
		})
	}
}
