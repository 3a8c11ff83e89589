package storage

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestQueueReadsOnTheWriter: the delivery loop's reads of the queue run
// on the writer's connection. One asked while a write transaction is
// open waits for it and returns only what it committed: a job the
// transaction queued and then rolled back is never handed to a worker.
func TestQueueReadsOnTheWriter(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	alice := mustAccount(t, s, "alice", "")
	queue := func(tx *Tx, uri, inbox string) error {
		act := Activity{URI: uri, AccountID: alice.ID, Type: "Create", Body: []byte(`{}`)}
		if err := tx.InsertActivity(ctx, &act); err != nil {
			return err
		}
		return tx.EnqueueDeliveries(ctx, act.ID, []string{inbox})
	}
	read := func() chan []Delivery {
		got := make(chan []Delivery, 1)
		go func() {
			due, err := s.DueDeliveriesExcept(ctx, now, 10, 10, nil, nil)
			if err != nil {
				t.Error(err)
			}
			got <- due
		}()
		return got
	}

	errRollback := errors.New("rolled back")
	var early chan []Delivery
	err := s.InTx(ctx, func(tx *Tx) error {
		if err := queue(tx, "https://local.example/a/1", "https://gone.example/inbox"); err != nil {
			return err
		}
		early = read()
		select {
		case due := <-early:
			t.Errorf("the read returned %d jobs while a write transaction was open", len(due))
		case <-time.After(50 * time.Millisecond):
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("InTx = %v", err)
	}
	if due := <-early; len(due) != 0 {
		t.Errorf("after the rollback the read returned %d jobs (first to %s); want none", len(due), due[0].InboxURL)
	}

	if err := s.InTx(ctx, func(tx *Tx) error { return queue(tx, "https://local.example/a/2", "https://peer.example/inbox") }); err != nil {
		t.Fatal(err)
	}
	due := <-read()
	if len(due) != 1 || due[0].InboxURL != "https://peer.example/inbox" || string(due[0].Body) != `{}` {
		t.Fatalf("after a commit the read returned %+v; want the committed job with its body", due)
	}
	next, err := s.NextDeliveryAt(ctx)
	if err != nil || !next.Equal(now) {
		t.Errorf("NextDeliveryAt = %v, %v; want %v", next, err, now)
	}
	if _, err := (writerReads{s}).ExecContext(ctx, `DELETE FROM deliveries`); !errors.Is(err, errWriterReadsOnly) {
		t.Errorf("a write through writerReads: %v; want errWriterReadsOnly", err)
	}
}
