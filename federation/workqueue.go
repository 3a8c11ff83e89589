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
type workQueue struct {
	mu       sync.Mutex
	inflight map[storage.ID]bool
	perKey   map[string]int
	limit    int
	sem      chan struct{}
	wg       sync.WaitGroup
	wake     chan struct{}
}

func newWorkQueue(workers, perKey int, wake chan struct{}) *workQueue {
	return &workQueue{inflight: map[storage.ID]bool{}, perKey: map[string]int{}, limit: perKey,
		sem: make(chan struct{}, workers), wake: wake}
}

// start runs fn for job id under key, unless that job is already running
// or its key is at its limit. It blocks while every worker is busy, and
// reports false only when ctx ends.
func (q *workQueue) start(ctx context.Context, id storage.ID, key string, fn func()) bool {
	q.mu.Lock()
	busy := q.inflight[id] || q.limit > 0 && q.perKey[key] >= q.limit
	if !busy {
		q.inflight[id] = true
		q.perKey[key]++
	}
	q.mu.Unlock()
	if busy {
		return true
	}
	select {
	case q.sem <- struct{}{}:
	case <-ctx.Done():
		q.finish(id, key)
		return false
	}
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		fn()
		<-q.sem
		q.finish(id, key)
		wake(q.wake)
	}()
	return true
}

func (q *workQueue) finish(id storage.ID, key string) {
	q.mu.Lock()
	delete(q.inflight, id)
	if q.perKey[key]--; q.perKey[key] <= 0 {
		delete(q.perKey, key)
	}
	q.mu.Unlock()
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
