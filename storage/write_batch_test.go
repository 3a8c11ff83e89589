package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// TestInBatch runs many concurrent callers, some of which fail, and
// checks that each caller sees only its own outcome: the failed ones
// leave nothing, the others are all stored and announced after commit.
func TestInBatch(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	boom := errors.New("boom")
	const n = 200
	var announced atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = s.InBatch(ctx, func(tx *Tx) error {
				a := Account{Username: fmt.Sprintf("u%d", i), URI: fmt.Sprintf("https://local.example/users/u%d", i)}
				if err := tx.InsertAccount(ctx, &a); err != nil {
					return err
				}
				tx.AfterCommit(func() { announced.Add(1) })
				if i%7 == 0 {
					return boom // after writing: the savepoint must undo it
				}
				return nil
			})
		})
	}
	wg.Wait()
	want := 0
	for i, err := range errs {
		_, rerr := s.AccountByUsername(ctx, fmt.Sprintf("u%d", i))
		switch {
		case i%7 == 0:
			if !errors.Is(err, boom) {
				t.Errorf("caller %d: err = %v, want boom", i, err)
			}
			if !errors.Is(rerr, ErrNotFound) {
				t.Errorf("caller %d failed but its account is stored (%v)", i, rerr)
			}
		default:
			want++
			if err != nil {
				t.Errorf("caller %d: %v", i, err)
			}
			if rerr != nil {
				t.Errorf("caller %d succeeded but its account is missing: %v", i, rerr)
			}
		}
	}
	if got := announced.Load(); got != int64(want) {
		t.Errorf("after-commit hooks ran %d times, want %d", got, want)
	}
}

// TestInBatchFailsBeforeWriting: callers that fail having only read (an
// account not found) are answered with their error while the others in
// their batch commit, each caller's work run once, and the batches after
// them keep running without a savepoint per caller: only a failure after
// writing makes a batch run again (runBatch).
func TestInBatchFailsBeforeWriting(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	const n = 200
	runs := make([]atomic.Int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = s.InBatch(ctx, func(tx *Tx) error {
				runs[i].Add(1)
				if i%5 == 0 {
					_, err := tx.AccountByUsername(ctx, "nobody")
					return err
				}
				a := Account{Username: fmt.Sprintf("v%d", i), URI: fmt.Sprintf("https://local.example/users/v%d", i)}
				return tx.InsertAccount(ctx, &a)
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if got := runs[i].Load(); got != 1 {
			t.Errorf("caller %d ran %d times, want once", i, got)
		}
		_, rerr := s.AccountByUsername(ctx, fmt.Sprintf("v%d", i))
		if i%5 == 0 {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("caller %d: err = %v, want ErrNotFound", i, err)
			}
			continue
		}
		if err != nil || rerr != nil {
			t.Errorf("caller %d: %v; stored: %v", i, err, rerr)
		}
	}
	// Every leader has handed over (its callers were answered after it
	// set the field), so reading it here races nothing.
	s.batch.mu.Lock()
	careful := s.batch.carefulUntil
	s.batch.mu.Unlock()
	if !careful.IsZero() {
		t.Errorf("batches went back to a savepoint per caller (until %v) after callers that wrote nothing failed", careful)
	}
}

// TestInBatchConflict: a caller whose write breaks a constraint gets
// that error, and the store goes on working.
func TestInBatchConflict(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	mustAccount(t, s, "taken", "")
	tests := []struct {
		name    string
		user    string
		wantErr error
	}{
		{"duplicate username", "taken", ErrDuplicate},
		{"fresh username", "fresh", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.InBatch(ctx, func(tx *Tx) error {
				a := Account{Username: tt.user, URI: "https://local.example/users/" + tt.user}
				return tx.InsertAccount(ctx, &a)
			})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
	// The store still takes ordinary transactions afterwards.
	if err := s.InTx(ctx, func(tx *Tx) error {
		a := Account{Username: "later", URI: "https://local.example/users/later"}
		return tx.InsertAccount(ctx, &a)
	}); err != nil {
		t.Fatal(err)
	}
}

// TestInBatchCancelled: a caller whose context has ended before its
// turn writes nothing.
func TestInBatchCancelled(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := s.InBatch(ctx, func(tx *Tx) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("err = %v, ran = %v; want context.Canceled and not run", err, ran)
	}
}

// TestInBatchPanic: a caller whose work panics gets an error and
// nothing of its work is kept; the store goes on taking batched work.
func TestInBatchPanic(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	err := s.InBatch(ctx, func(tx *Tx) error {
		a := Account{Username: "half", URI: "https://local.example/users/half"}
		if err := tx.InsertAccount(ctx, &a); err != nil {
			return err
		}
		panic("boom")
	})
	if err == nil {
		t.Fatal("a panicking caller got no error")
	}
	if _, err := s.AccountByUsername(ctx, "half"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the panicking caller's write was kept (%v)", err)
	}
	if err := s.InBatch(ctx, func(tx *Tx) error {
		a := Account{Username: "after", URI: "https://local.example/users/after"}
		return tx.InsertAccount(ctx, &a)
	}); err != nil {
		t.Fatalf("batched work after a panic: %v", err)
	}
}
