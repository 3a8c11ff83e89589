package federation

import (
	"context"
	"sync"
	"time"

	"github.com/copse-dev/copse/storage"
)

// workQueue runs jobs read from a table of due work (deliveries, received
// activities): at most workers at once, at most perKey per key (a remote
// host) when perKey > 0, and never the same job twice at a time. Each
// finished job wakes the reader, which may have work it had to skip.
//
// A job may release its worker before it ends (the release func it is
// given): a delivery that has sent its request only waits for its
// outcome's commit, and a worker held through that wait is a signature
// not being made. A released job stays in flight (never started twice,
// counted against its key) until it returns; at most heldFactor*workers
// jobs are in flight in all, so the waiters stay bounded.
type workQueue struct {
	mu       sync.Mutex
	inflight map[storage.ID]bool
	perKey   map[string]int
	limit    int
	sem      chan struct{} // jobs holding a worker
	held     chan struct{} // jobs in flight, released or not
	wg       sync.WaitGroup
	wake     chan struct{}
}

// heldFactor bounds the jobs in flight (working or waiting for their
// outcome to be written) as a multiple of the workers. A reader that
// reads more rows than this (runDeliveries reads 4*workers) always finds
// some that are not in flight.
const heldFactor = 2

func newWorkQueue(workers, perKey int, wake chan struct{}) *workQueue {
	return &workQueue{inflight: map[storage.ID]bool{}, perKey: map[string]int{}, limit: perKey,
		sem: make(chan struct{}, workers), held: make(chan struct{}, heldFactor*workers), wake: wake}
}

// start runs fn for job id under key, unless that job is already running
// or its key is at its limit (started false). It blocks while every
// worker is busy (or too many jobs are in flight); ok is false only when
// ctx ended. fn may call release once it no longer needs its worker; it
// is released when fn returns in any case.
func (q *workQueue) start(ctx context.Context, id storage.ID, key string, fn func(release func())) (started, ok bool) {
	q.mu.Lock()
	busy := q.inflight[id] || q.limit > 0 && q.perKey[key] >= q.limit
	if !busy {
		q.inflight[id] = true
		q.perKey[key]++
	}
	q.mu.Unlock()
	if busy {
		return false, true
	}
	select {
	case q.held <- struct{}{}:
	case <-ctx.Done():
		q.finish(id, key)
		return false, false
	}
	select {
	case q.sem <- struct{}{}:
	case <-ctx.Done():
		<-q.held
		q.finish(id, key)
		return false, false
	}
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		var once sync.Once
		release := func() {
			once.Do(func() {
				<-q.sem
				wake(q.wake)
			})
		}
		fn(release)
		release()
		q.finish(id, key)
		<-q.held
		wake(q.wake)
	}()
	return true, true
}

func (q *workQueue) finish(id storage.ID, key string) {
	q.mu.Lock()
	delete(q.inflight, id)
	if q.perKey[key]--; q.perKey[key] <= 0 {
		delete(q.perKey, key)
	}
	q.mu.Unlock()
}

// busy returns the keys at their limit and the jobs in flight: what the
// reader need not read again until a job finishes.
func (q *workQueue) busy() (keys []string, ids []storage.ID) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for k, n := range q.perKey {
		if q.limit > 0 && n >= q.limit {
			keys = append(keys, k)
		}
	}
	ids = make([]storage.ID, 0, len(q.inflight))
	for id := range q.inflight {
		ids = append(ids, id)
	}
	return keys, ids
}

// wait blocks until every started job has finished.
func (q *workQueue) wait() { q.wg.Wait() }

// sleep waits for a wake-up, for d, or for ctx to end; false means ctx
// ended.
func (q *workQueue) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-q.wake:
	case <-t.C:
	}
	return true
}
