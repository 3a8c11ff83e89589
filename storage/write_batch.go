package storage

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// maxBatch bounds how many callers share one batch transaction, so that
// one commit never holds the writer for long.
const maxBatch = 64

// batcher queues the callers of InBatch. One of them at a time is
// the leader: it runs the waiting callers' work in one transaction.
type batcher struct {
	mu      sync.Mutex
	pending []*batchReq
	busy    bool // a leader is running
	// carefulUntil: batches run with savepoints until then (runBatch).
	// Only the leader reads and sets it; leaders run one at a time,
	// handing over under mu.
	carefulUntil time.Time
}

type batchReq struct {
	ctx  context.Context
	fn   func(*Tx) error
	done chan error
}

// InBatch runs fn as InTx does, except that fn may share its SQLite
// transaction with other InBatch callers waiting at the same moment
// (group commit). Each fn runs in its own savepoint: an error rolls back
// that fn's writes only, and is returned to its caller alone. The
// transaction commits once for the whole batch, and InBatch returns
// when that commit is done; if the commit fails, every caller in the
// batch gets the error and none of their writes are kept.
//
// It suits small, frequent, independent writes, such as received
// activities: the single writer commits once per batch instead of once
// per item, and a commit costs more than most of these writes.
//
// fn runs with ctx detached from its cancellation (its values are kept):
// interrupting a statement makes SQLite roll back the whole transaction,
// which would lose the other callers' work.
func (s *Store) InBatch(ctx context.Context, fn func(tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &batchReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	g := &s.batch
	g.mu.Lock()
	g.pending = append(g.pending, r)
	lead := !g.busy
	g.busy = true
	g.mu.Unlock()
	if lead {
		s.leadBatch()
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		// The work may still commit; the caller only stops waiting.
		return ctx.Err()
	}
}

// leadBatch runs one batch of waiting callers, then hands the lead to a
// new goroutine if more are waiting, so that no caller waits for other
// callers' batches after its own has committed.
func (s *Store) leadBatch() {
	g := &s.batch
	g.mu.Lock()
	n := min(len(g.pending), maxBatch)
	batch := g.pending[:n:n]
	g.pending = append([]*batchReq(nil), g.pending[n:]...)
	g.mu.Unlock()

	s.runBatch(batch)

	g.mu.Lock()
	more := len(g.pending) > 0
	if !more {
		g.busy = false
	}
	g.mu.Unlock()
	if more {
		go s.leadBatch()
	}
}

// carefulFor is how long batches run with a savepoint per caller after
// one ran without and a caller failed after writing (runBatch).
const carefulFor = time.Second

// runBatch runs batch in one transaction and answers every caller in it.
//
// A savepoint per caller lets one caller's failure undo its writes
// alone, but costs every caller two statements and a copy of each page
// it first writes. Most callers succeed, and most that fail do so before
// they write (an actor not known yet, a refusal), so a batch runs
// without savepoints: a caller that fails having written nothing is
// answered and the batch goes on; one that fails after writing rolls the
// whole transaction back, and the callers not answered yet run again,
// each in its own savepoint, as do the batches of the next carefulFor (a
// peer that keeps sending what fails half-way costs one repeat a second
// at most).
func (s *Store) runBatch(batch []*batchReq) {
	if time.Now().After(s.batch.carefulUntil) {
		again := s.runBatchTx(batch, false)
		if len(again) == 0 {
			return
		}
		s.batch.carefulUntil = time.Now().Add(carefulFor)
		batch = again
	}
	s.runBatchTx(batch, true)
}

// runBatchTx runs batch in one transaction, each caller in a savepoint
// of its own if savepoints is set. Without savepoints, when a caller
// fails after writing, the transaction is rolled back and the callers
// not answered are returned, to run again.
func (s *Store) runBatchTx(batch []*batchReq, savepoints bool) (again []*batchReq) {
	fail := func(reqs []*batchReq, err error) {
		for _, r := range reqs {
			r.done <- err
		}
	}
	bg := context.Background()
	began := time.Now()
	sqlTx, err := s.write.BeginTx(bg, nil)
	if err != nil {
		fail(batch, fmt.Errorf("begin: %w", err))
		return nil
	}
	defer s.writeStmts.prepare()
	var writes int // statements of the running caller that may write
	ts := txStmts{tx: sqlTx, stmts: s.writeStmts, detach: true, writes: &writes}
	now := s.Now()
	type member struct {
		r  *batchReq
		tx *Tx
	}
	kept := make([]member, 0, len(batch))
	// Every member's end hooks run once the batch transaction has ended,
	// committed or rolled back: an earlier member's writes stay part of
	// the transaction the later members read.
	var txs []*Tx
	defer func() {
		for _, tx := range txs {
			tx.end()
		}
	}()
	abort := func(rest []*batchReq, err error) {
		_ = sqlTx.Rollback()
		for _, tx := range txs {
			tx.end()
		}
		txs = nil
		for _, m := range kept {
			m.r.done <- err
		}
		fail(rest, err)
	}
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		if savepoints {
			if _, err := ts.ExecContext(bg, "SAVEPOINT grp"); err != nil {
				abort(batch[i:], fmt.Errorf("savepoint: %w", err))
				return nil
			}
		}
		writes = 0
		tx := &Tx{queries: queries{q: ts}, tx: ts, store: s, now: now}
		txs = append(txs, tx)
		if err := runMember(r.fn, tx); err != nil {
			if !savepoints {
				if writes == 0 && !isDBError(err) {
					// Nothing of it to undo, and the transaction stands
					// (a database error may have ended it: SQLite rolls
					// a transaction back on some).
					r.done <- err
					continue
				}
				_ = sqlTx.Rollback()
				for _, tx := range txs {
					tx.end()
				}
				txs = nil
				for _, m := range kept {
					again = append(again, m.r)
				}
				return append(again, batch[i:]...)
			}
			if _, rerr := ts.ExecContext(bg, "ROLLBACK TO grp"); rerr != nil {
				// The transaction itself is gone (SQLite rolls back a
				// whole transaction on some errors): nothing in it holds.
				abort(batch[i:], fmt.Errorf("batch transaction lost: %w (after %w)", rerr, err))
				return nil
			}
			if _, rerr := ts.ExecContext(bg, "RELEASE grp"); rerr != nil {
				abort(batch[i:], fmt.Errorf("release savepoint: %w", rerr))
				return nil
			}
			r.done <- err
			continue
		}
		if savepoints {
			if _, err := ts.ExecContext(bg, "RELEASE grp"); err != nil {
				abort(batch[i:], fmt.Errorf("release savepoint: %w", err))
				return nil
			}
		}
		kept = append(kept, member{r, tx})
	}
	// The batch's statuses are indexed for search together: should that
	// fail, nothing of the batch holds (each member is told, and retried
	// by its caller as after a failed commit).
	if err := indexPendingSearch(bg, ts); err != nil {
		abort(nil, err)
		return nil
	}
	if err := sqlTx.Commit(); err != nil {
		_ = sqlTx.Rollback()
		for _, tx := range txs {
			tx.end()
		}
		txs = nil
		err = fmt.Errorf("commit: %w", err)
		for _, m := range kept {
			m.r.done <- err
		}
		return nil
	}
	for _, tx := range txs {
		tx.end()
	}
	txs = nil
	s.observeTx("batch", began)
	for _, m := range kept {
		for _, fn := range m.tx.afterCommit {
			fn()
		}
		m.r.done <- nil
	}
	return nil
}

// runMember runs one caller's work. A panic in it fails that caller
// alone, as an error: it must not leave the batch transaction open and
// every later caller waiting.
func runMember(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("batch transaction: panic: %v\n%s", p, debug.Stack())
		}
	}()
	return fn(tx)
}
