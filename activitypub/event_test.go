package activitypub

import (
	"os"
	"reflect"
	"testing"
	"time"
)

func testEvent() Event {
	return Event{ID: "https://council-a.example/events/7", URL: "https://council-a.example/c/records/events#event-7",
		AttributedTo: "https://council-a.example/users/alice", Name: "Retention workshop",
		Content: "<p>Bring <em>schedules</em>.</p>", Source: "Bring *schedules*.",
		Start: time.Date(2026, 12, 10, 14, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 10, 16, 0, 0, 0, time.UTC),
		TimeZone: "Europe/London", PlaceName: "County Hall", PlaceAddress: "1 High St, Exeter", Capacity: 30, Attendees: 4,
		Audience: "https://council-a.example/users/records", To: []string{PublicIRI},
		CC:        []string{"https://council-a.example/users/records", "https://council-a.example/users/records/followers"},
		Published: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Updated: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
}

func TestEventRoundTrip(t *testing.T) {
	online := testEvent()
	online.PlaceName, online.PlaceAddress, online.OnlineURL, online.Capacity, online.Cancelled = "", "", "https://meet.example/x", 0, true
	tests := []struct {
		name   string
		ev     Event
		golden string
	}{
		{"at a place", testEvent(), "event"},
		{"online and cancelled", online, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := MarshalEvent(tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			if tt.golden != "" {
				golden(t, tt.golden, body)
			}
			got, err := ParseEvent(body)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.ev) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, tt.ev)
			}
			act, err := MarshalEventActivity("https://council-a.example/users/alice/activities/1", TypeCreate, tt.ev.AttributedTo, tt.ev.Published, tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := EventOf(act); !ok || !reflect.DeepEqual(got, tt.ev) {
				t.Fatalf("EventOf: %v %+v", ok, got)
			}
		})
	}
}

// A Create{Event} in the shape Mobilizon sends (written for copse's
// tests): its address is a schema.org PostalAddress.
func TestParseMobilizonEvent(t *testing.T) {
	raw, err := os.ReadFile("testdata/peers/mobilizon_create_event.json")
	if err != nil {
		t.Fatal(err)
	}
	ev, ok := EventOf(raw)
	if !ok {
		t.Fatal("not read as an Event")
	}
	paris := time.FixedZone("", 2*3600)
	want := Event{ID: "https://events.example.org/events/5d1c0e2a", URL: "https://events.example.org/events/5d1c0e2a",
		AttributedTo: "https://events.example.org/@gardeners", Name: "Community garden open day",
		Content: "<p>Come and <b>dig</b> with us.</p>", Start: time.Date(2026, 5, 9, 10, 0, 0, 0, paris),
		End: time.Date(2026, 5, 9, 16, 0, 0, 0, paris), TimeZone: "Europe/Paris", PlaceName: "Jardin partagé",
		PlaceAddress: "3 rue des Lilas, Lyon, 69003, France", Capacity: 40, Attendees: 12,
		Published: time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)}
	if !ev.Start.Equal(want.Start) || !ev.End.Equal(want.End) {
		t.Fatalf("times %v %v", ev.Start, ev.End)
	}
	ev.Start, ev.End, want.Start, want.End = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(ev, want) {
		t.Fatalf("got  %+v\nwant %+v", ev, want)
	}
}

func TestJoinOf(t *testing.T) {
	const event, member, join = "https://a.example/events/1", "https://c.example/users/cid", "https://c.example/users/cid/activities/9"
	tests := []struct {
		name, body     string
		id, actor, obj string
		ok             bool
	}{
		{"join", `{"id":"` + join + `","type":"Join","actor":"` + member + `","object":"` + event + `"}`, join, member, event, true},
		{"leave with an embedded event", `{"id":"x","type":"Leave","actor":{"id":"` + member + `"},"object":{"id":"` + event + `","type":"Event"}}`, "x", member, event, true},
		{"accept of a join", `{"id":"y","type":"Accept","actor":"https://a.example/users/g","object":{"id":"` + join + `","type":"Join","actor":"` + member + `","object":"` + event + `"}}`, join, member, event, true},
		{"accept of a follow", `{"id":"y","type":"Accept","object":{"id":"f","type":"Follow"}}`, "", "", "", false},
		{"a note", `{"id":"n","type":"Note"}`, "", "", "", false},
		{"not JSON", `{`, "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, actor, obj, ok := JoinOf([]byte(tt.body))
			if id != tt.id || actor != tt.actor || obj != tt.obj || ok != tt.ok {
				t.Fatalf("JoinOf = %q %q %q %v", id, actor, obj, ok)
			}
		})
	}
}

func FuzzParseEvent(f *testing.F) {
	if raw, err := os.ReadFile("testdata/peers/mobilizon_create_event.json"); err == nil {
		f.Add(raw)
	}
	if body, err := MarshalEvent(testEvent()); err == nil {
		f.Add(body)
	}
	f.Add([]byte(`{"type":"Accept","object":{"type":"Join","actor":{"id":1},"object":[]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseEvent(b)
		EventOf(b)
		AnnouncedEvent(b)
		JoinOf(b)
	})
}
