package storage

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestCommunityEventsAndAttendance(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice, bob := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", "")
	remote := mustAccount(t, s, "rem", "council-b.example")
	c := mustCommunity(t, s, "libraries", alice)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	mk := func(n int, start time.Time, cancelled bool) CommunityEvent {
		ev := CommunityEvent{CommunityID: c.AccountID, URI: "https://local.example/events/" + string(rune('a'+n)), Local: true,
			OrganiserID: alice.ID, Name: "Event", Start: start, End: start.Add(time.Hour), TimeZone: "UTC"}
		if cancelled {
			ev.CancelledAt = now
		}
		inTx(t, s, func(tx *Tx) error { return tx.InsertCommunityEvent(ctx, &ev) })
		return ev
	}
	past := mk(0, now.Add(-48*time.Hour), false)
	soon := mk(1, now.Add(12*time.Hour), false)
	later := mk(2, now.Add(72*time.Hour), false)
	off := mk(3, now.Add(6*time.Hour), true)
	dup := CommunityEvent{CommunityID: c.AccountID, URI: soon.URI, Name: "x", Start: now, End: now, TimeZone: "UTC"}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertCommunityEvent(ctx, &dup) }); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("same URI again: %v; want ErrDuplicate", err)
	}

	lists := []struct {
		name          string
		withCancelled bool
		want          []ID
	}{
		{"upcoming", false, []ID{soon.ID, later.ID}},
		{"with cancelled", true, []ID{off.ID, soon.ID, later.ID}},
	}
	for _, tt := range lists {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.CommunityEvents(ctx, c.AccountID, now, tt.withCancelled, 10)
			if err != nil {
				t.Fatal(err)
			}
			var ids []ID
			for _, ev := range got {
				ids = append(ids, ev.ID)
			}
			if !slices.Equal(ids, tt.want) {
				t.Fatalf("got %v; want %v", ids, tt.want)
			}
		})
	}

	for _, ev := range []CommunityEvent{past, soon, later, off} {
		for _, a := range []Account{alice, bob, remote} {
			inTx(t, s, func(tx *Tx) error { return tx.SetAttendance(ctx, ev.ID, a.ID, AttendGoing, "https://x/join") })
		}
	}
	inTx(t, s, func(tx *Tx) error { return tx.SetAttendance(ctx, soon.ID, bob.ID, AttendLeft, "") })
	if n, err := s.CountAttendees(ctx, soon.ID); err != nil || n != 2 {
		t.Fatalf("attendees of soon: %d %v; want 2", n, err)
	}
	if att, err := s.AttendanceOf(ctx, soon.ID, bob.ID); err != nil || att.State != AttendLeft || att.JoinURI != "https://x/join" {
		t.Fatalf("bob's attendance: %+v %v", att, err)
	}
	// Due within a day: soon for alice only (bob left, rem is remote;
	// off is cancelled, later too far, past over).
	due, err := s.DueReminders(ctx, now, now.Add(24*time.Hour), 10)
	if err != nil || len(due) != 1 || due[0].EventID != soon.ID || due[0].AccountID != alice.ID {
		t.Fatalf("due: %+v %v", due, err)
	}
	for i, want := range []bool{true, false} {
		var first bool
		inTx(t, s, func(tx *Tx) error {
			var err error
			first, err = tx.MarkReminded(ctx, soon.ID, alice.ID)
			return err
		})
		if first != want {
			t.Fatalf("mark %d: %v; want %v", i, first, want)
		}
	}
	if due, err := s.DueReminders(ctx, now, now.Add(24*time.Hour), 10); err != nil || len(due) != 0 {
		t.Fatalf("due after reminding: %+v %v", due, err)
	}
	mine, err := s.AccountEvents(ctx, alice.ID, now, 10)
	if err != nil || len(mine) != 3 {
		t.Fatalf("alice's events: %d %v; want 3 (soon, later, cancelled off)", len(mine), err)
	}
}

// Migration 0060 gives the events of communities hosted here their own
// page as their url; a remote community's event keeps the url its node
// gave it, whatever its shape.
func TestEventPagesMigration(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	local := mustCommunity(t, s, "libraries", alice)
	remote := mustAccount(t, s, "wards", "council-b.example")
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	events := []struct {
		group     ID
		url, want string
	}{
		{local.AccountID, "https://local.example/c/libraries/events#event-7", "https://local.example/c/libraries/events/7"},
		{remote.ID, "https://council-b.example/c/wards/events#event-9", "https://council-b.example/c/wards/events#event-9"},
		{remote.ID, "https://council-b.example/events/3", "https://council-b.example/events/3"},
	}
	ids := make([]ID, len(events))
	for i, e := range events {
		ev := CommunityEvent{CommunityID: e.group, URI: e.url + "/ap", URL: e.url, Name: "Event", Start: start, End: start.Add(time.Hour), TimeZone: "UTC"}
		inTx(t, s, func(tx *Tx) error { return tx.InsertCommunityEvent(ctx, &ev) })
		ids[i] = ev.ID
	}
	if _, err := s.write.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = 60`); err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, s.write); err != nil {
		t.Fatal(err)
	}
	for i, e := range events {
		ev, err := s.CommunityEventByID(ctx, ids[i])
		if err != nil || ev.URL != e.want {
			t.Errorf("event %d: url %q, %v; want %q", i, ev.URL, err, e.want)
		}
	}
}
