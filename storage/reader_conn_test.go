package storage

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// A request under OneReader reads one snapshot: a status stored after its
// first read is not in it, while a read outside sees it; once released,
// its context reads the pool again and sees it too.
func TestOneReaderReadsOneSnapshot(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	first := storeStatus(t, s, alice, nil)

	pinned, release := s.OneReader(ctx)
	defer release()
	if _, err := s.StatusByID(pinned, first.ID); err != nil {
		t.Fatalf("first read: %v", err)
	}
	later := storeStatus(t, s, alice, nil)

	tests := []struct {
		name    string
		ctx     context.Context
		release bool
		want    error
	}{
		{"pinned, before release", pinned, false, ErrNotFound},
		{"the pool", ctx, false, nil},
		{"pinned, after release", pinned, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.release {
				s.ReleaseReader(tt.ctx)
			}
			_, err := s.StatusByID(tt.ctx, later.ID)
			if !errors.Is(err, tt.want) {
				t.Fatalf("StatusByID(later) = %v, want %v", err, tt.want)
			}
		})
	}
}

// Requests holding every reader connection each run a query nobody ran
// before: it must run on the request's own connection (preparing it
// through the pool would wait for a connection the others hold, for
// ever), and be prepared for the pool once they are done.
func TestOneReaderHoldingEveryConnection(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	st := storeStatus(t, s, alice, nil)

	before := preparedReads(s)
	n := s.read.Stats().MaxOpenConnections
	pinned := make([]context.Context, n)
	releases := make([]func(), n)
	for i := range n {
		pinned[i], releases[i] = s.OneReader(ctx)
	}
	if inUse := s.read.Stats().InUse; inUse != n {
		t.Fatalf("%d reader connections in use, want all %d", inUse, n)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			defer releases[i]()
			if _, err := s.StatusByID(pinned[i], st.ID); err != nil {
				errs <- err
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("requests holding every reader connection never finished")
	}
	close(errs)
	for err := range errs {
		t.Errorf("StatusByID: %v", err)
	}
	if inUse := s.read.Stats().InUse; inUse != 0 {
		t.Errorf("%d reader connections still in use after release", inUse)
	}
	if after := preparedReads(s); after <= before {
		t.Errorf("%d reader statements prepared after release, %d before: the queries run unprepared were not prepared for the pool", after, before)
	}
}

func preparedReads(s *Store) int {
	s.stmts.mu.RLock()
	defer s.stmts.mu.RUnlock()
	return len(s.stmts.stmts)
}
