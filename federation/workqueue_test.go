package federation

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/copse-dev/copse/storage"
)

// TestWorkQueueReleaseFreesWorkerNotJob: a job that released its worker
// (a delivery waiting for its outcome's commit) lets the next job run on
// that worker, yet stays in flight: it is not started twice and still
// counts against its key; and no more than heldFactor*workers jobs are in
// flight at once.
func TestWorkQueueReleaseFreesWorkerNotJob(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q := newWorkQueue(1, 1, make(chan struct{}, 1))
	defer q.wait()
	commit := make(chan struct{}) // holds released jobs, as a slow commit does
	released := make(chan storage.ID, 10)
	job := func(id storage.ID) func(func()) {
		return func(release func()) {
			release()
			released <- id
			<-commit
		}
	}
	wait := func(want storage.ID) {
		t.Helper()
		select {
		case got := <-released:
			if got != want {
				t.Fatalf("job %d ran; want %d", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("job %d never ran", want)
		}
	}
	if started, ok := q.start(ctx, 1, "a.example", job(1)); !started || !ok {
		t.Fatal("start 1")
	}
	wait(1)
	// The one worker is free again: job 2 runs while job 1 waits.
	if started, ok := q.start(ctx, 2, "b.example", job(2)); !started || !ok {
		t.Fatal("start 2")
	}
	wait(2)
	// Job 1 is still in flight: neither it nor another job of its host
	// (perKey 1) starts.
	for _, id := range []storage.ID{1, 3} {
		if started, ok := q.start(ctx, id, "a.example", job(id)); started || !ok {
			t.Fatalf("job %d: started %v, ok %v; want not started while job 1 is in flight", id, started, ok)
		}
	}
	select {
	case id := <-released:
		t.Fatalf("job %d started while job 1 was in flight", id)
	case <-time.After(50 * time.Millisecond):
	}
	// heldFactor*workers = 2 jobs are in flight: a third blocks in start
	// until one ends.
	started := make(chan bool)
	go func() {
		s, ok := q.start(ctx, 4, "c.example", job(4))
		started <- s && ok
	}()
	select {
	case <-started:
		t.Fatal("a third job started while two were in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(commit)
	if !<-started {
		t.Fatal("start 4")
	}
	wait(4)
}

// TestWorkQueueWorkerBound: jobs that keep their worker run one at a
// time with one worker, released or not at their end.
func TestWorkQueueWorkerBound(t *testing.T) {
	ctx := context.Background()
	q := newWorkQueue(1, 0, make(chan struct{}, 1))
	var running, most int
	done := make(chan struct{}, 5)
	for i := range 5 {
		_, _ = q.start(ctx, storage.ID(i+1), "", func(release func()) {
			running++ // guarded by the single worker
			most = max(most, running)
			runtime.Gosched()
			running--
			if i%2 == 0 {
				release()
			}
			done <- struct{}{}
		})
	}
	q.wait()
	if most != 1 || len(done) != 5 {
		t.Fatalf("at most %d ran at once, %d finished; want 1 and 5", most, len(done))
	}
}

// TestMergePending: jobs still pending after a read that left their
// busy host out stay, once each, oldest first, at most limit.
func TestMergePending(t *testing.T) {
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	job := func(id storage.ID, sec int) storage.Delivery {
		return storage.Delivery{ID: id, NextAttemptAt: at.Add(time.Duration(sec) * time.Second)}
	}
	tests := []struct {
		name          string
		read, pending []storage.Delivery
		limit         int
		want          []storage.ID
	}{
		{"nothing pending", []storage.Delivery{job(1, 0), job(2, 0)}, nil, 10, []storage.ID{1, 2}},
		{"nothing read", nil, []storage.Delivery{job(3, 0)}, 10, []storage.ID{3}},
		{"read again", []storage.Delivery{job(2, 0), job(5, 1)}, []storage.Delivery{job(1, 0), job(2, 0)}, 10, []storage.ID{1, 2, 5}},
		{"by time, then ID", []storage.Delivery{job(9, 0)}, []storage.Delivery{job(4, 2), job(7, 0)}, 10, []storage.ID{7, 9, 4}},
		{"at most limit", []storage.Delivery{job(1, 0), job(2, 0)}, []storage.Delivery{job(3, 0), job(4, 0)}, 3, []storage.ID{1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []storage.ID
			for _, d := range mergePending(tt.read, tt.pending, tt.limit) {
				got = append(got, d.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("merged = %v; want %v", got, tt.want)
			}
		})
	}
}
