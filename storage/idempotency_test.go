package storage

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestIdempotencyKeys(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	alice := mustAccount(t, s, "alice", "")
	bob := mustAccount(t, s, "bob", "")
	hour := func() time.Time { return now.Add(-time.Hour) }

	lookup := func(a Account, key string) (Idempotent, error) {
		t.Helper()
		return s.IdempotencyKey(ctx, a.ID, key, hour())
	}
	record := func(a Account, key string, made Idempotent) error {
		t.Helper()
		return s.InTx(ctx, func(tx *Tx) error { return tx.RecordIdempotencyKey(ctx, a.ID, key, made, hour()) })
	}

	if _, err := lookup(alice, "k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a fresh key: %v; want ErrNotFound", err)
	}
	st := storeStatus(t, s, alice, nil)
	if err := record(alice, "k", Idempotent{StatusID: st.ID}); err != nil {
		t.Fatal(err)
	}
	if got, err := lookup(alice, "k"); err != nil || got != (Idempotent{StatusID: st.ID}) {
		t.Fatalf("a used key: %+v, %v; want status %d", got, err, st.ID)
	}
	other := storeStatus(t, s, alice, nil)
	if err := record(alice, "k", Idempotent{StatusID: other.ID}); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("recording a held key: %v; want ErrDuplicate", err)
	}
	if _, err := lookup(bob, "k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("keys are per account, but bob sees alice's: %v", err)
	}
	if err := record(alice, "nothing", Idempotent{}); err == nil {
		t.Error("a key naming nothing was recorded")
	}

	// A key recorded in a transaction that then fails is not kept.
	boom := errors.New("boom")
	err := s.InTx(ctx, func(tx *Tx) error {
		if err := tx.RecordIdempotencyKey(ctx, alice.ID, "rolled-back", Idempotent{StatusID: other.ID}, hour()); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if _, err := lookup(alice, "rolled-back"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a key from a rolled-back transaction: %v; want ErrNotFound", err)
	}

	// A key may name a scheduled status instead.
	sched := mustSchedule(t, s, alice, now.Add(time.Hour), nil)
	if err := record(alice, "later", Idempotent{ScheduledID: sched.ID}); err != nil {
		t.Fatal(err)
	}
	if got, err := lookup(alice, "later"); err != nil || got != (Idempotent{ScheduledID: sched.ID}) {
		t.Fatalf("a key used to schedule: %+v, %v; want the scheduled status", got, err)
	}

	// Deleting what a key made forgets the key.
	inTx(t, s, func(tx *Tx) error { return tx.DeleteScheduledStatus(ctx, alice.ID, sched.ID) })
	if _, err := lookup(alice, "later"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the key of a deleted scheduled status: %v; want ErrNotFound", err)
	}

	// After the hour the key is forgotten, and may be used again.
	now = now.Add(61 * time.Minute)
	if _, err := lookup(alice, "k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a key older than the hour: %v; want ErrNotFound", err)
	}
	if err := record(alice, "k", Idempotent{StatusID: other.ID}); err != nil {
		t.Fatalf("a key older than the hour cannot be used again: %v", err)
	}
}
