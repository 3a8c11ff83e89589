package federation

import (
	"sync"

	"github.com/copse-dev/copse/storage"
)

// idQueue holds the IDs of records that a background worker is to handle
// (a remote community whose library to read, a status whose link to
// preview), each at most once at a time; a full queue drops what is
// added (its worker logs it).
type idQueue struct {
	ch      chan storage.ID
	mu      sync.Mutex
	pending map[storage.ID]bool
}

func newIDQueue(size int) *idQueue {
	return &idQueue{ch: make(chan storage.ID, size), pending: map[storage.ID]bool{}}
}

// add queues id; false when it is queued already or the queue is full.
func (q *idQueue) add(id storage.ID) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.pending[id] {
		return false
	}
	select {
	case q.ch <- id:
		q.pending[id] = true
		return true
	default:
		return false
	}
}

// done ends id's turn: it may be queued again.
func (q *idQueue) done(id storage.ID) {
	q.mu.Lock()
	delete(q.pending, id)
	q.mu.Unlock()
}
