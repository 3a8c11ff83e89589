package storage

import (
	"context"
	"testing"
	"time"
)

// TestDeliveryHealth checks the per-host view of the delivery queue:
// queued and failing jobs, the soonest attempt, the last error, and a
// failing host with nothing queued; healthy hosts with nothing queued
// are left out.
func TestDeliveryHealth(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	base := time.UnixMilli(1_800_000_000_000).UTC()
	s.Now = func() time.Time { return base }
	backoff := func(int) time.Time { return base.Add(time.Hour) }
	err := s.InTx(ctx, func(tx *Tx) error {
		for i, inboxes := range [][]string{
			{"https://ok.example/inbox", "https://slow.example/inbox", "https://slow.example/users/b/inbox"},
			{"https://slow.example/inbox"},
		} {
			act := Activity{URI: "https://local.example/activities/" + string(rune('a'+i)), AccountID: alice.ID, Type: "Create", Body: []byte("{}")}
			if err := tx.InsertActivity(ctx, &act); err != nil {
				return err
			}
			if err := tx.EnqueueDeliveries(ctx, act.ID, inboxes); err != nil {
				return err
			}
		}
		// gone.example failed and has nothing left; fine.example succeeded.
		if err := tx.HostFailed(ctx, "gone.example", "connection refused", backoff); err != nil {
			return err
		}
		return tx.DeliverySucceeded(ctx, Delivery{ID: -1, Host: "fine.example"})
	})
	if err != nil {
		t.Fatal(err)
	}
	due, err := s.DueDeliveries(ctx, base, 10)
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	err = s.InTx(ctx, func(tx *Tx) error {
		for _, d := range due {
			if d.Host != "slow.example" || failed == 2 {
				continue
			}
			failed++
			if err := tx.DeliveryFailed(ctx, d, base.Add(time.Duration(failed)*time.Minute), "503 Service Unavailable"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || failed != 2 {
		t.Fatalf("fail slow.example's jobs: %v (%d failed)", err, failed)
	}

	got, err := s.Reader().DeliveryHealth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []DeliveryHealth{
		{Host: "slow.example", Queued: 3, Failing: 2, NextAttempt: base, LastError: "503 Service Unavailable"},
		{Host: "gone.example", LastError: "connection refused", Failures: 1, BackoffUntil: base.Add(time.Hour)},
		{Host: "ok.example", Queued: 1, NextAttempt: base},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d hosts %+v; want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("host %d: got %+v; want %+v", i, got[i], want[i])
		}
	}
}

// A success clears the host's failures and back-off at once, and moves
// its last success only when the one recorded is a minute old or more:
// a busy host's row is not rewritten on every delivery.
func TestDeliverySucceededKeepsLastSuccessToTheMinute(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	base := time.UnixMilli(1_800_000_000_000).UTC()
	type row struct {
		failures       int
		backoff, since int64
	}
	for _, step := range []struct {
		at     time.Duration
		failed bool
		want   row
	}{
		{0, false, row{0, 0, 0}},
		{30 * time.Second, false, row{0, 0, 0}},                       // within the minute: kept
		{40 * time.Second, true, row{1, 3_600_000, 0}},                // a failure backs it off
		{45 * time.Second, false, row{0, 0, 45_000}},                  // cleared, and its success recorded
		{45*time.Second + lastSuccessStep, false, row{0, 0, 105_000}}, // a minute on: moved
	} {
		now := base.Add(step.at)
		s.Now = func() time.Time { return now }
		inTx(t, s, func(tx *Tx) error {
			if step.failed {
				return tx.HostFailed(ctx, "busy.example", "503", func(int) time.Time { return base.Add(time.Hour) })
			}
			return tx.DeliverySucceeded(ctx, Delivery{ID: -1, Host: "busy.example"})
		})
		var got row
		err := s.read.QueryRowContext(ctx, `SELECT failures, backoff_until, last_success_at FROM hosts WHERE host = 'busy.example'`).
			Scan(&got.failures, &got.backoff, &got.since)
		if err != nil {
			t.Fatal(err)
		}
		if got.backoff != 0 {
			got.backoff -= base.UnixMilli()
		}
		got.since -= base.UnixMilli()
		if got != step.want {
			t.Errorf("at %v: %+v; want %+v (times from the first)", step.at, got, step.want)
		}
	}
}
