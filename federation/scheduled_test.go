package federation

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig/testkit"
)

// schedEngine is an engine that takes uploads, on a clock the test moves.
func schedEngine(t *testing.T) (*Engine, *time.Time) {
	t.Helper()
	store, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "copse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { return now }
	store.Now = clock
	e := New(store, Options{URLs: URLs{Base: "https://council-a.example"}, MediaDir: t.TempDir(), Now: clock, NewKey: testkit.Keys()})
	if err := e.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e, &now
}

func upload(t *testing.T, e *Engine, who storage.Account) storage.Attachment {
	t.Helper()
	a, err := e.UploadMedia(context.Background(), who.ID, bytes.NewReader(encodePNG(t, halves(20, 10))), "a picture", Focus{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func schedule(t *testing.T, e *Engine, who storage.Account, d Draft, at time.Time) storage.ScheduledStatus {
	t.Helper()
	s, err := e.Schedule(context.Background(), who.ID, d, at, 0)
	if err != nil {
		t.Fatalf("schedule %q: %v", d.Text, err)
	}
	return s
}

// texts are the source texts of who's statuses, oldest first.
func texts(t *testing.T, e *Engine, who storage.Account) []string {
	t.Helper()
	sts, err := e.store.AccountStatuses(context.Background(), who.ID,
		[]activitypub.Visibility{activitypub.Public, activitypub.Unlisted, activitypub.FollowersOnly, activitypub.Direct}, storage.Page{Limit: 80})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, st := range slices.Backward(sts) {
		out = append(out, st.SourceText)
	}
	return out
}

func TestScheduleRefusals(t *testing.T) {
	t.Parallel()
	e, now := schedEngine(t)
	ctx := context.Background()
	alice, bob := member(t, e, "alice"), member(t, e, "bob")
	bobs := upload(t, e, bob)
	later := now.Add(time.Hour)
	tests := []struct {
		name     string
		d        Draft
		at       time.Time
		notFound bool
	}{
		{"now", Draft{Text: "hi"}, *now, false},
		{"exactly five minutes ahead", Draft{Text: "hi"}, now.Add(MinScheduleAhead), false},
		{"blank", Draft{Text: "  "}, later, false},
		{"too long", Draft{Text: string(bytes.Repeat([]byte("a"), MaxChars+1))}, later, false},
		{"bad visibility", Draft{Text: "hi", Visibility: "everyone"}, later, false},
		{"poll of one option", Draft{Text: "hi", Poll: &PollDraft{Options: []string{"a"}, ExpiresIn: time.Hour}}, later, false},
		{"someone else's upload", Draft{MediaIDs: []storage.ID{bobs.ID}}, later, false},
		{"reply to no status", Draft{Text: "hi", InReplyTo: 12345}, later, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Schedule(ctx, alice.ID, tt.d, tt.at, 0)
			if tt.notFound && !errors.Is(err, storage.ErrNotFound) || !tt.notFound && !isInvalid(err) {
				t.Errorf("err = %v; want %s", err, map[bool]string{true: "ErrNotFound", false: "*InvalidError"}[tt.notFound])
			}
		})
	}
	if ss, err := e.store.ScheduledStatusPage(ctx, alice.ID, storage.Page{}); err != nil || len(ss) != 0 {
		t.Errorf("refused drafts were stored: %v, %v", ss, err)
	}
	// One upload waits for one scheduled status.
	mine := upload(t, e, alice)
	schedule(t, e, alice, Draft{MediaIDs: []storage.ID{mine.ID}}, later)
	if _, err := e.Schedule(ctx, alice.ID, Draft{MediaIDs: []storage.ID{mine.ID}}, later, 0); !isInvalid(err) {
		t.Errorf("an upload another scheduled status waits for: err = %v; want *InvalidError", err)
	}
}

func TestScheduleLimits(t *testing.T) {
	t.Parallel()
	e, now := schedEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	day := now.Truncate(24 * time.Hour).Add(48 * time.Hour)
	for i := range MaxScheduledPerDay {
		schedule(t, e, alice, Draft{Text: "one of many"}, day.Add(time.Duration(i)*time.Minute))
	}
	if _, err := e.Schedule(ctx, alice.ID, Draft{Text: "one too many"}, day.Add(23*time.Hour), 0); !isInvalid(err) {
		t.Errorf("over the daily limit: err = %v; want *InvalidError", err)
	}
	next := schedule(t, e, alice, Draft{Text: "the day after"}, day.Add(24*time.Hour))
	if _, err := e.Reschedule(ctx, alice.ID, next.ID, day.Add(time.Hour)); !isInvalid(err) {
		t.Errorf("moved onto a full day: err = %v; want *InvalidError", err)
	}
	first, err := e.store.DueScheduledStatuses(ctx, day, storage.ScheduledStatus{}, 1)
	if err != nil || len(first) != 1 {
		t.Fatal(first, err)
	}
	if _, err := e.Reschedule(ctx, alice.ID, first[0].ID, day.Add(12*time.Hour)); err != nil {
		t.Errorf("moved within its own full day: %v", err)
	}
	// The total: fill up to it directly, days apart.
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		for i := range MaxScheduled - MaxScheduledPerDay - 1 {
			s := storage.ScheduledStatus{AccountID: alice.ID, ScheduledAt: day.Add(time.Duration(i+2) * 24 * time.Hour),
				Text: "filler", Visibility: activitypub.Public}
			if err := tx.InsertScheduledStatus(ctx, &s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Schedule(ctx, alice.ID, Draft{Text: "301st"}, day.Add(-24*time.Hour), 0); !isInvalid(err) {
		t.Errorf("over the total limit: err = %v; want *InvalidError", err)
	}
}

func TestRescheduleAndUnschedule(t *testing.T) {
	t.Parallel()
	e, now := schedEngine(t)
	ctx := context.Background()
	alice, bob := member(t, e, "alice"), member(t, e, "bob")
	m := upload(t, e, alice)
	s := schedule(t, e, alice, Draft{Text: "later", MediaIDs: []storage.ID{m.ID}}, now.Add(time.Hour))
	if _, err := e.Reschedule(ctx, bob.ID, s.ID, now.Add(2*time.Hour)); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("bob reschedules alice's: err = %v; want ErrNotFound", err)
	}
	if _, err := e.Reschedule(ctx, alice.ID, s.ID, now.Add(time.Minute)); !isInvalid(err) {
		t.Errorf("rescheduled too soon: err = %v; want *InvalidError", err)
	}
	moved, err := e.Reschedule(ctx, alice.ID, s.ID, now.Add(2*time.Hour))
	if err != nil || !moved.ScheduledAt.Equal(now.Add(2*time.Hour)) || !slices.Equal(moved.MediaIDs, []storage.ID{m.ID}) {
		t.Errorf("rescheduled: %+v, %v", moved, err)
	}
	if err := e.Unschedule(ctx, bob.ID, s.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("bob unschedules alice's: err = %v; want ErrNotFound", err)
	}
	if err := e.Unschedule(ctx, alice.ID, s.ID); err != nil {
		t.Fatal(err)
	}
	// The upload is free again.
	if _, err := e.Post(ctx, alice.ID, Draft{MediaIDs: []storage.ID{m.ID}}); err != nil {
		t.Errorf("post the upload of an unscheduled status: %v", err)
	}
}

func TestPublishScheduled(t *testing.T) {
	t.Parallel()
	e, now := schedEngine(t)
	ctx := context.Background()
	alice, bob := member(t, e, "alice"), member(t, e, "bob")
	start := *now
	parent, err := e.Post(ctx, bob.ID, Draft{Text: "a post to reply to"})
	if err != nil {
		t.Fatal(err)
	}
	pic, lost := upload(t, e, alice), upload(t, e, alice)
	schedule(t, e, alice, Draft{Text: "with a picture", MediaIDs: []storage.ID{pic.ID}, Sensitive: true}, start.Add(30*time.Hour))
	schedule(t, e, alice, Draft{Text: "a reply", InReplyTo: parent.ID}, start.Add(29*time.Hour))
	schedule(t, e, alice, Draft{MediaIDs: []storage.ID{lost.ID}}, start.Add(29*time.Hour+time.Minute))
	schedule(t, e, alice, Draft{Text: "a poll", Poll: &PollDraft{Options: []string{"yes", "no"}, ExpiresIn: time.Hour}},
		start.Add(29*time.Hour+2*time.Minute))
	notYet := schedule(t, e, alice, Draft{Text: "not yet"}, start.Add(40*time.Hour))

	// A day on, the janitor leaves the uploads scheduled statuses wait for.
	*now = start.Add(26 * time.Hour)
	if n, err := e.PublishScheduled(ctx); err != nil || n != 0 {
		t.Fatalf("published %d, %v; want none due", n, err)
	}
	if n, err := e.PruneMedia(ctx, mediaUnattachedTTL); err != nil || n != 0 {
		t.Errorf("pruned %d uploads, %v; want none", n, err)
	}
	// Meanwhile the reply's parent goes, and another post takes the
	// upload of the media-only one.
	if _, err := e.DeleteStatus(ctx, bob.ID, parent.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Post(ctx, alice.ID, Draft{Text: "posted now", MediaIDs: []storage.ID{lost.ID}}); err != nil {
		t.Fatal(err)
	}

	*now = start.Add(31 * time.Hour)
	n, err := e.PublishScheduled(ctx)
	if err != nil || n != 2 {
		t.Fatalf("published %d, %v; want 2", n, err)
	}
	if got, want := texts(t, e, alice), []string{"posted now", "a poll", "with a picture"}; !slices.Equal(got, want) {
		t.Errorf("alice's statuses = %q; want %q", got, want)
	}
	left, err := e.store.ScheduledStatusPage(ctx, alice.ID, storage.Page{})
	if err != nil || len(left) != 1 || left[0].ID != notYet.ID {
		t.Errorf("left scheduled = %+v, %v; want only %d (the others published or dropped)", left, err, notYet.ID)
	}
	sts, err := e.store.AccountStatuses(ctx, alice.ID, []activitypub.Visibility{activitypub.Public}, storage.Page{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	pictured, poll := sts[0], sts[1]
	if len(pictured.Attachments) != 1 || pictured.Attachments[0].ID != pic.ID || !pictured.Sensitive {
		t.Errorf("published with %+v, sensitive %v; want upload %d, sensitive", pictured.Attachments, pictured.Sensitive, pic.ID)
	}
	p, err := e.store.PollByStatus(ctx, poll.ID)
	if err != nil || !p.ExpiresAt.Equal(now.Add(time.Hour)) || len(p.Options) != 2 {
		t.Errorf("poll = %+v, %v; want 2 options ending an hour after publishing", p, err)
	}
	// Each once.
	if n, err := e.PublishScheduled(ctx); err != nil || n != 0 {
		t.Errorf("second round published %d, %v; want none", n, err)
	}
	if got := texts(t, e, alice); len(got) != 3 {
		t.Errorf("alice's statuses after a second round = %q", got)
	}
}

func TestScheduledStatusDeletedWhilePublishing(t *testing.T) {
	t.Parallel()
	e, now := schedEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	s := schedule(t, e, alice, Draft{Text: "gone before its time"}, now.Add(time.Hour))
	*now = now.Add(2 * time.Hour)
	due, err := e.store.DueScheduledStatuses(ctx, *now, storage.ScheduledStatus{}, 10)
	if err != nil || len(due) != 1 {
		t.Fatal(due, err)
	}
	if err := e.Unschedule(ctx, alice.ID, s.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.publishScheduled(ctx, due[0]); !errors.Is(err, errScheduledGone) {
		t.Errorf("publish a deleted one: err = %v; want errScheduledGone", err)
	}
	if got := texts(t, e, alice); len(got) != 0 {
		t.Errorf("alice's statuses = %q; want none", got)
	}
}

func TestScheduledStatusOfSuspendedMemberDropped(t *testing.T) {
	t.Parallel()
	e, now := schedEngine(t)
	ctx := context.Background()
	alice, bob := member(t, e, "alice"), member(t, e, "bob")
	schedule(t, e, alice, Draft{Text: "from a suspended member"}, now.Add(time.Hour))
	schedule(t, e, bob, Draft{Text: "from bob"}, now.Add(time.Hour))
	alice.SuspendedAt = *now
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.UpdateAccount(ctx, &alice) }); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(2 * time.Hour)
	if n, err := e.PublishScheduled(ctx); err != nil || n != 1 {
		t.Errorf("published %d, %v; want bob's only", n, err)
	}
	if got := texts(t, e, alice); len(got) != 0 {
		t.Errorf("alice's statuses = %q; want none", got)
	}
	if left, err := e.store.ScheduledStatusPage(ctx, alice.ID, storage.Page{}); err != nil || len(left) != 0 {
		t.Errorf("alice's scheduled = %v, %v; want it dropped", left, err)
	}
}
