package storage

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

var schedBase = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

func mustUpload(t *testing.T, s *Store, owner Account, created time.Time) Attachment {
	t.Helper()
	a := Attachment{AccountID: owner.ID, MediaType: "image/png", URL: "https://local.example/media/x.png", CreatedAt: created}
	inTx(t, s, func(tx *Tx) error { return tx.InsertMedia(context.Background(), &a) })
	return a
}

func mustSchedule(t *testing.T, s *Store, owner Account, at time.Time, tweak func(*ScheduledStatus)) ScheduledStatus {
	t.Helper()
	ss := ScheduledStatus{AccountID: owner.ID, ScheduledAt: at, Text: "later", Visibility: activitypub.Public}
	if tweak != nil {
		tweak(&ss)
	}
	inTx(t, s, func(tx *Tx) error { return tx.InsertScheduledStatus(context.Background(), &ss) })
	return ss
}

func scheduledIDs(ss []ScheduledStatus) []ID {
	out := make([]ID, 0, len(ss))
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

func TestScheduledStatusStoredAsWritten(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice, bob := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", "")
	m1, m2 := mustUpload(t, s, alice, schedBase), mustUpload(t, s, alice, schedBase)
	parent := storeStatus(t, s, bob, nil)
	tests := []struct {
		name  string
		tweak func(*ScheduledStatus)
	}{
		{"text only", nil},
		{"everything", func(ss *ScheduledStatus) {
			ss.SpoilerText, ss.Sensitive, ss.Language, ss.Title = "cw", true, "en", "A title"
			ss.Visibility, ss.InReplyToID, ss.AppID = activitypub.FollowersOnly, parent.ID, 77
			ss.MediaIDs = []ID{m2.ID, m1.ID} // order kept
		}},
		{"poll", func(ss *ScheduledStatus) {
			ss.Poll = &ScheduledPoll{Options: []string{"yes", "no"}, ExpiresIn: time.Hour, Multiple: true, HideTotals: true}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := mustSchedule(t, s, alice, schedBase.Add(time.Hour), tt.tweak)
			got, err := s.ScheduledStatusByID(ctx, alice.ID, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.ScheduledAt.Equal(want.ScheduledAt) || got.Text != want.Text || got.SpoilerText != want.SpoilerText ||
				got.Visibility != want.Visibility || got.InReplyToID != want.InReplyToID || got.Sensitive != want.Sensitive ||
				got.Language != want.Language || got.Title != want.Title || got.AppID != want.AppID || got.AccountID != alice.ID {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
			if !slices.Equal(got.MediaIDs, want.MediaIDs) || len(got.Attachments) != len(want.MediaIDs) {
				t.Errorf("media = %v (%d attachments); want %v", got.MediaIDs, len(got.Attachments), want.MediaIDs)
			}
			switch {
			case (got.Poll == nil) != (want.Poll == nil):
				t.Errorf("poll = %+v; want %+v", got.Poll, want.Poll)
			case got.Poll != nil && (!slices.Equal(got.Poll.Options, want.Poll.Options) || got.Poll.ExpiresIn != want.Poll.ExpiresIn ||
				got.Poll.Multiple != want.Poll.Multiple || got.Poll.HideTotals != want.Poll.HideTotals):
				t.Errorf("poll = %+v; want %+v", *got.Poll, *want.Poll)
			}
			if _, err := s.ScheduledStatusByID(ctx, bob.ID, want.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("another member's: err = %v; want ErrNotFound", err)
			}
		})
	}
}

func TestScheduledStatusPage(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice, bob := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", "")
	var ids []ID // oldest first
	for i := range 5 {
		ids = append(ids, mustSchedule(t, s, alice, schedBase.Add(time.Duration(5-i)*time.Hour), nil).ID)
	}
	mustSchedule(t, s, bob, schedBase, nil)
	tests := []struct {
		name string
		p    Page
		want []ID
	}{
		{"all, newest first", Page{}, []ID{ids[4], ids[3], ids[2], ids[1], ids[0]}},
		{"limit", Page{Limit: 2}, []ID{ids[4], ids[3]}},
		{"max_id", Page{MaxID: ids[3], Limit: 2}, []ID{ids[2], ids[1]}},
		{"since_id", Page{SinceID: ids[1], Limit: 2}, []ID{ids[4], ids[3]}},
		{"min_id", Page{MinID: ids[1], Limit: 2}, []ID{ids[3], ids[2]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ScheduledStatusPage(ctx, alice.ID, tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(scheduledIDs(got), tt.want) {
				t.Errorf("got %v; want %v", scheduledIDs(got), tt.want)
			}
		})
	}
}

func TestDueScheduledStatuses(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice, bob := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", "")
	late := mustSchedule(t, s, alice, schedBase.Add(time.Minute), nil)
	early := mustSchedule(t, s, bob, schedBase.Add(-time.Hour), nil)
	now := mustSchedule(t, s, alice, schedBase, nil)
	mustSchedule(t, s, alice, schedBase.Add(time.Hour), nil) // not due
	tests := []struct {
		name  string
		at    time.Time
		after ScheduledStatus
		limit int
		want  []ID
	}{
		{"in the order they fall due", schedBase.Add(time.Minute), ScheduledStatus{}, 10, []ID{early.ID, now.ID, late.ID}},
		{"due by then only", schedBase, ScheduledStatus{}, 10, []ID{early.ID, now.ID}},
		{"limit", schedBase.Add(time.Minute), ScheduledStatus{}, 2, []ID{early.ID, now.ID}},
		{"after one", schedBase.Add(time.Minute), now, 10, []ID{late.ID}},
		{"none due", schedBase.Add(-2 * time.Hour), ScheduledStatus{}, 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.DueScheduledStatuses(ctx, tt.at, tt.after, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(scheduledIDs(got), tt.want) {
				t.Errorf("got %v; want %v", scheduledIDs(got), tt.want)
			}
		})
	}
}

func TestCountScheduledStatuses(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice, bob := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", "")
	day := schedBase.Truncate(24 * time.Hour)
	a := mustSchedule(t, s, alice, day, nil)                               // first instant of the day
	mustSchedule(t, s, alice, day.Add(24*time.Hour-time.Millisecond), nil) // last one
	mustSchedule(t, s, alice, day.Add(24*time.Hour), nil)                  // the next day
	mustSchedule(t, s, bob, day.Add(time.Hour), nil)
	tests := []struct {
		name          string
		except        ID
		total, within int
	}{
		{"all", 0, 3, 2},
		{"but one", a.ID, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total, within, err := s.CountScheduledStatuses(ctx, alice.ID, day, day.Add(24*time.Hour), tt.except)
			if err != nil {
				t.Fatal(err)
			}
			if total != tt.total || within != tt.within {
				t.Errorf("got %d, %d; want %d, %d", total, within, tt.total, tt.within)
			}
		})
	}
}

func TestRescheduleAndDeleteScheduledStatus(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice, bob := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", "")
	ss := mustSchedule(t, s, alice, schedBase, nil)
	later := schedBase.Add(48 * time.Hour)
	err := s.InTx(ctx, func(tx *Tx) error { return tx.RescheduleStatus(ctx, bob.ID, ss.ID, later) })
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("reschedule another member's: err = %v; want ErrNotFound", err)
	}
	inTx(t, s, func(tx *Tx) error { return tx.RescheduleStatus(ctx, alice.ID, ss.ID, later) })
	if got, err := s.ScheduledStatusByID(ctx, alice.ID, ss.ID); err != nil || !got.ScheduledAt.Equal(later) {
		t.Errorf("after reschedule: %v at %v; want %v", err, got.ScheduledAt, later)
	}
	err = s.InTx(ctx, func(tx *Tx) error { return tx.DeleteScheduledStatus(ctx, bob.ID, ss.ID) })
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("delete another member's: err = %v; want ErrNotFound", err)
	}
	inTx(t, s, func(tx *Tx) error { return tx.DeleteScheduledStatus(ctx, alice.ID, ss.ID) })
	err = s.InTx(ctx, func(tx *Tx) error { return tx.DeleteScheduledStatus(ctx, alice.ID, ss.ID) })
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("delete twice: err = %v; want ErrNotFound", err)
	}
}

func TestScheduledMediaNotPrunedAndNotShared(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	old := schedBase.Add(-48 * time.Hour)
	kept, loose := mustUpload(t, s, alice, old), mustUpload(t, s, alice, old)
	ss := mustSchedule(t, s, alice, schedBase, func(ss *ScheduledStatus) { ss.MediaIDs = []ID{kept.ID} })
	unattached := func() []ID {
		t.Helper()
		as, err := s.UnattachedMedia(ctx, schedBase, 100)
		if err != nil {
			t.Fatal(err)
		}
		var ids []ID
		for _, a := range as {
			ids = append(ids, a.ID)
		}
		return ids
	}
	if got := unattached(); !slices.Equal(got, []ID{loose.ID}) {
		t.Errorf("unattached = %v; want only %v (%v waits for a scheduled status)", got, loose.ID, kept.ID)
	}
	// One upload waits for one scheduled status at most.
	other := ScheduledStatus{AccountID: alice.ID, ScheduledAt: schedBase, Visibility: activitypub.Public, MediaIDs: []ID{kept.ID}}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertScheduledStatus(ctx, &other) }); !errors.Is(err, ErrDuplicate) {
		t.Errorf("second scheduled status with the same upload: err = %v; want ErrDuplicate", err)
	}
	// Deleting the scheduled status leaves the upload for the janitor.
	inTx(t, s, func(tx *Tx) error { return tx.DeleteScheduledStatus(ctx, alice.ID, ss.ID) })
	if got := unattached(); len(got) != 2 {
		t.Errorf("unattached after delete = %v; want both uploads", got)
	}
	// An upload a scheduled status waits for cannot be deleted.
	ss = mustSchedule(t, s, alice, schedBase, func(ss *ScheduledStatus) { ss.MediaIDs = []ID{kept.ID, loose.ID} })
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.DeleteMedia(ctx, loose.ID, alice.ID) }); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting an upload a scheduled status waits for: err = %v; want ErrNotFound", err)
	}
	if got, err := s.ScheduledStatusByID(ctx, alice.ID, ss.ID); err != nil || !slices.Equal(got.MediaIDs, []ID{kept.ID, loose.ID}) {
		t.Errorf("after a refused delete: %v, media %v; want %v", err, got.MediaIDs, []ID{kept.ID, loose.ID})
	}
}

func TestScheduledStatusesGoWithTheAccount(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	m := mustUpload(t, s, alice, schedBase)
	ss := mustSchedule(t, s, alice, schedBase, func(ss *ScheduledStatus) { ss.MediaIDs = []ID{m.ID} })
	inTx(t, s, func(tx *Tx) error { return tx.DeleteAccount(ctx, alice.ID) })
	if _, err := s.ScheduledStatusByID(ctx, alice.ID, ss.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("after the account went: err = %v; want ErrNotFound", err)
	}
	if due, err := s.DueScheduledStatuses(ctx, schedBase, ScheduledStatus{}, 10); err != nil || len(due) != 0 {
		t.Errorf("due = %v, %v; want none", due, err)
	}
}
