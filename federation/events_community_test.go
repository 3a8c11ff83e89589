package federation

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// eventClock is a settable clock shared by the engine and its store.
type eventClock struct{ t atomic.Int64 }

func (c *eventClock) now() time.Time          { return time.UnixMilli(c.t.Load()).UTC() }
func (c *eventClock) set(t time.Time)         { c.t.Store(t.UnixMilli()) }
func (c *eventClock) advance(d time.Duration) { c.t.Add(d.Milliseconds()) }

func eventEngine(t *testing.T) (*Engine, *eventClock) {
	t.Helper()
	e := artefactEngine(t)
	c := &eventClock{}
	c.set(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	e.now, e.store.Now = c.now, c.now
	return e, c
}

func newEvent(start time.Time, capacity int) NewEvent {
	return NewEvent{Name: "Records retention workshop", Description: "Bring your *schedules*.", Start: start,
		End: start.Add(2 * time.Hour), TimeZone: "Europe/London", PlaceName: "County Hall", PlaceAddress: "1 High St, Exeter",
		Capacity: capacity}
}

func TestEventValidation(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	mod := member(t, e, "mod")
	g := community(t, e, mod, NewCommunity{Handle: "records", Name: "Records"})
	start := clock.now().Add(48 * time.Hour)
	tests := []struct {
		name   string
		change func(*NewEvent)
		ok     bool
	}{
		{"valid place", func(*NewEvent) {}, true},
		{"valid online", func(n *NewEvent) { n.PlaceName, n.PlaceAddress, n.OnlineURL = "", "", "https://meet.example/abc" }, true},
		{"blank name", func(n *NewEvent) { n.Name = "  " }, false},
		{"end before start", func(n *NewEvent) { n.End = n.Start.Add(-time.Minute) }, false},
		{"no start", func(n *NewEvent) { n.Start = time.Time{} }, false},
		{"unknown zone", func(n *NewEvent) { n.TimeZone = "Mars/Olympus" }, false},
		{"Local zone", func(n *NewEvent) { n.TimeZone = "Local" }, false},
		{"plain http link", func(n *NewEvent) { n.OnlineURL = "http://meet.example/abc" }, false},
		{"negative capacity", func(n *NewEvent) { n.Capacity = -1 }, false},
		{"too long", func(n *NewEvent) { n.End = n.Start.Add(40 * 24 * time.Hour) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ne := newEvent(start, 0)
			tt.change(&ne)
			ev, err := e.CreateEvent(ctx, mod, g.ID, ne)
			var inv *InvalidError
			if tt.ok != (err == nil) || (!tt.ok && !errors.As(err, &inv)) {
				t.Fatalf("err = %v; want ok %v", err, tt.ok)
			}
			if tt.ok && ev.DescriptionHTML == "" {
				t.Errorf("description not rendered: %+v", ev)
			}
		})
	}
}

func TestEventPermissions(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	mod, organiser, other, outsider := member(t, e, "mod"), member(t, e, "org"), member(t, e, "other"), member(t, e, "outsider")
	g := community(t, e, mod, NewCommunity{Handle: "records", Name: "Records"})
	joins(t, e, organiser, g)
	joins(t, e, other, g)
	start := clock.now().Add(48 * time.Hour)

	if _, err := e.CreateEvent(ctx, outsider, g.ID, newEvent(start, 0)); !errors.Is(err, ErrDenied) {
		t.Fatalf("create by a non-member: err = %v; want ErrDenied", err)
	}
	ev, err := e.CreateEvent(ctx, organiser, g.ID, newEvent(start, 0))
	if err != nil {
		t.Fatal(err)
	}
	name := "Retention workshop (moved)"
	tests := []struct {
		who storage.Account
		ok  bool
	}{{organiser, true}, {mod, true}, {other, false}, {outsider, false}}
	for _, tt := range tests {
		t.Run("edit by "+tt.who.Username, func(t *testing.T) {
			_, err := e.EditEvent(ctx, tt.who, ev.ID, EventEdit{Name: &name})
			if (err == nil) != tt.ok || (!tt.ok && !errors.Is(err, ErrDenied)) {
				t.Fatalf("err = %v; want ok %v", err, tt.ok)
			}
		})
	}
	if _, err := e.CancelEvent(ctx, other, ev.ID); !errors.Is(err, ErrDenied) {
		t.Fatalf("cancel by another member: err = %v", err)
	}
	got, err := e.CancelEvent(ctx, organiser, ev.ID)
	if err != nil || !got.Cancelled() || got.Name != name {
		t.Fatalf("cancel: %+v, %v", got, err)
	}
	var inv *InvalidError
	if _, err := e.Attend(ctx, other, ev.ID); !errors.As(err, &inv) {
		t.Fatalf("attend a cancelled event: err = %v; want invalid", err)
	}
}

func TestEventCapacity(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	mod, a, b, c := member(t, e, "mod"), member(t, e, "amy"), member(t, e, "ben"), member(t, e, "cat")
	outsider := member(t, e, "outsider")
	g := community(t, e, mod, NewCommunity{Handle: "records", Name: "Records"})
	for _, m := range []storage.Account{a, b, c} {
		joins(t, e, m, g)
	}
	ev, err := e.CreateEvent(ctx, mod, g.ID, newEvent(clock.now().Add(48*time.Hour), 2))
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name  string
		do    func() (storage.CommunityEvent, error)
		err   error
		count int
	}{
		{"amy attends", func() (storage.CommunityEvent, error) { return e.Attend(ctx, a, ev.ID) }, nil, 1},
		{"amy attends again", func() (storage.CommunityEvent, error) { return e.Attend(ctx, a, ev.ID) }, nil, 1},
		{"ben attends", func() (storage.CommunityEvent, error) { return e.Attend(ctx, b, ev.ID) }, nil, 2},
		{"cat finds it full", func() (storage.CommunityEvent, error) { return e.Attend(ctx, c, ev.ID) }, ErrEventFull, 2},
		{"a non-member may not", func() (storage.CommunityEvent, error) { return e.Attend(ctx, outsider, ev.ID) }, ErrDenied, 2},
		{"amy leaves", func() (storage.CommunityEvent, error) { return e.LeaveEvent(ctx, a, ev.ID) }, nil, 1},
		{"amy leaves again", func() (storage.CommunityEvent, error) { return e.LeaveEvent(ctx, a, ev.ID) }, nil, 1},
		{"cat takes the place", func() (storage.CommunityEvent, error) { return e.Attend(ctx, c, ev.ID) }, nil, 2},
	}
	for _, s := range steps {
		_, err := s.do()
		if (s.err == nil && err != nil) || (s.err != nil && !errors.Is(err, s.err)) {
			t.Fatalf("%s: err = %v; want %v", s.name, err, s.err)
		}
		got, err := e.store.CommunityEventByID(ctx, ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		n, err := e.store.CountAttendees(ctx, ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.AttendeeCount != s.count || n != s.count {
			t.Fatalf("%s: count %d, rows %d; want %d", s.name, got.AttendeeCount, n, s.count)
		}
	}
}

func TestEventReminders(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	mod, a, b := member(t, e, "mod"), member(t, e, "amy"), member(t, e, "ben")
	remote := remotePerson(t, e, "rem", "council-b.example")
	g := community(t, e, mod, NewCommunity{Handle: "records", Name: "Records"})
	joins(t, e, a, g)
	joins(t, e, b, g)
	joins(t, e, remote, g)
	start := clock.now().Add(30 * time.Hour)
	ev, err := e.CreateEvent(ctx, mod, g.ID, newEvent(start, 0))
	if err != nil {
		t.Fatal(err)
	}
	cancelled, err := e.CreateEvent(ctx, mod, g.ID, newEvent(start, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []storage.Account{a, b} {
		for _, id := range []storage.ID{ev.ID, cancelled.ID} {
			if _, err := e.Attend(ctx, m, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	applyJoin(t, e, remote, ev, "https://council-b.example/join/1", activitypub.TypeJoin)
	if _, err := e.CancelEvent(ctx, mod, cancelled.ID); err != nil {
		t.Fatal(err)
	}
	reminders := func(acc storage.Account) int {
		list, err := e.store.Notifications(ctx, acc.ID, storage.Page{Limit: 40})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, x := range list {
			if x.Type == storage.NotifyEventReminder && x.FromAccountID == g.ID {
				n++
			}
		}
		return n
	}
	steps := []struct {
		name    string
		advance time.Duration
		sent    int
	}{
		{"30 hours ahead: too early", 0, 0},
		{"23 hours ahead: each local attendee once", 7 * time.Hour, 2},
		{"again: nothing new", time.Hour, 0},
		{"after it started: nothing", 30 * time.Hour, 0},
	}
	for _, s := range steps {
		clock.advance(s.advance)
		n, err := e.SendEventReminders(ctx)
		if err != nil || n != s.sent {
			t.Fatalf("%s: sent %d, %v; want %d", s.name, n, err, s.sent)
		}
	}
	if reminders(a) != 1 || reminders(b) != 1 {
		t.Fatalf("reminders: amy %d, ben %d; want 1 each", reminders(a), reminders(b))
	}
}

// applyJoin applies a remote account's Join or Leave of ev, as the inbox does.
func applyJoin(t *testing.T, e *Engine, who storage.Account, ev storage.CommunityEvent, id, typ string) {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": typ,
		"actor": who.URI, "object": ev.URI})
	if err != nil {
		t.Fatal(err)
	}
	act, err := activitypub.ParseActivity(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Apply(withInboxBody(context.Background(), raw), act); err != nil {
		t.Fatal(err)
	}
}

func TestEventRemoteJoin(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	mod := member(t, e, "mod")
	rem1, rem2 := remotePerson(t, e, "one", "council-b.example"), remotePerson(t, e, "two", "council-c.example")
	stranger := remotePerson(t, e, "stranger", "council-d.example")
	g := community(t, e, mod, NewCommunity{Handle: "records", Name: "Records"})
	joins(t, e, rem1, g)
	joins(t, e, rem2, g)
	ev, err := e.CreateEvent(ctx, mod, g.ID, newEvent(clock.now().Add(48*time.Hour), 1))
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		who    storage.Account
		typ    string
		going  bool
		count  int
		answer string
	}{
		{"a member of another node joins", rem1, activitypub.TypeJoin, true, 1, activitypub.TypeAccept},
		{"the event is full", rem2, activitypub.TypeJoin, false, 1, activitypub.TypeReject},
		{"a non-member is refused", stranger, activitypub.TypeJoin, false, 1, activitypub.TypeReject},
		{"the first leaves", rem1, activitypub.TypeLeave, false, 0, ""},
		{"now there is a place", rem2, activitypub.TypeJoin, true, 1, activitypub.TypeAccept},
	}
	for i, s := range steps {
		id := s.who.URI + "/activities/" + string(rune('a'+i))
		applyJoin(t, e, s.who, ev, id, s.typ)
		att, err := e.store.AttendanceOf(ctx, ev.ID, s.who.ID)
		going := err == nil && att.State == storage.AttendGoing
		got, err2 := e.store.CommunityEventByID(ctx, ev.ID)
		if err2 != nil {
			t.Fatal(err2)
		}
		if going != s.going || got.AttendeeCount != s.count {
			t.Fatalf("%s: going %v, count %d; want %v, %d", s.name, going, got.AttendeeCount, s.going, s.count)
		}
		if s.answer == "" {
			continue
		}
		answer := lastDeliveryTo(t, e, clock, s.who.Inbox)
		var typ struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(answer.Body, &typ)
		joinID, joiner, event, ok := activitypub.JoinOf(answer.Body)
		if typ.Type != s.answer || !ok || joinID != id || joiner != s.who.URI || event != ev.URI || answer.SignerID != g.ID {
			t.Fatalf("%s: answer %s; want %s of the Join by the Group", s.name, answer.Body, s.answer)
		}
	}
}

// lastDeliveryTo is the newest delivery queued for inbox.
func lastDeliveryTo(t *testing.T, e *Engine, clock *eventClock, inbox string) storage.Delivery {
	t.Helper()
	list, err := e.store.DueDeliveries(context.Background(), clock.now().Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var last storage.Delivery
	for _, d := range list {
		if d.InboxURL == inbox {
			last = d
		}
	}
	if last.ID == 0 {
		t.Fatalf("nothing queued for %s", inbox)
	}
	return last
}

// TestEventCountReachesFollowerNodes: answers to an event hosted here
// change its attendee count; the nodes that hold the event get the new
// count in one Update{Event} by the Group a few minutes later (as a poll's
// counts go), not one per answer and not only at the next edit.
func TestEventCountReachesFollowerNodes(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	mod, amy := member(t, e, "mod"), member(t, e, "amy")
	rem := remotePerson(t, e, "one", "council-b.example")
	g := community(t, e, mod, NewCommunity{Handle: "records", Name: "Records"})
	joins(t, e, rem, g)
	joins(t, e, amy, g)
	ev, err := e.CreateEvent(ctx, mod, g.ID, newEvent(clock.now().Add(48*time.Hour), 10))
	if err != nil {
		t.Fatal(err)
	}
	updates := func() []string {
		t.Helper()
		list, err := e.store.DueDeliveries(ctx, clock.now().Add(time.Hour), 1000)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range list {
			if (d.InboxURL == rem.Inbox || d.InboxURL == rem.SharedInbox) && strings.Contains(string(d.Body), `"participantCount"`) &&
				strings.Contains(string(d.Body), `"Update"`) {
				out = append(out, string(d.Body))
			}
		}
		return out
	}
	before := len(updates())
	applyJoin(t, e, rem, ev, rem.URI+"/activities/join", activitypub.TypeJoin)
	if _, err := e.Attend(ctx, amy, ev.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := e.SendEventCounts(ctx); err != nil || n != 0 {
		t.Fatalf("at once: sent %d, %v; want none yet", n, err)
	}
	clock.advance(e.pollUpdateDelay + time.Second)
	if n, err := e.SendEventCounts(ctx); err != nil || n != 1 {
		t.Fatalf("after the delay: sent %d, %v; want 1", n, err)
	}
	got := updates()
	if len(got) != before+1 || !strings.Contains(got[len(got)-1], `"participantCount":2`) {
		t.Fatalf("updates to the follower's node: %d (had %d); last %s", len(got), before, got[len(got)-1:])
	}
	if n, err := e.SendEventCounts(ctx); err != nil || n != 0 {
		t.Errorf("again: sent %d, %v; want none", n, err)
	}
	if _, err := e.LeaveEvent(ctx, amy, ev.ID); err != nil {
		t.Fatal(err)
	}
	clock.advance(e.pollUpdateDelay + time.Second)
	if n, err := e.SendEventCounts(ctx); err != nil || n != 1 || !strings.Contains(updates()[len(updates())-1], `"participantCount":1`) {
		t.Errorf("after amy left: sent %d, %v; want one Update with 1 attending", n, err)
	}
}
