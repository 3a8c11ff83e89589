package storage

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// OneReader returns a context whose reads all run on one reader
// connection, in one read transaction, until release is called; call it
// once the request's last read is done (rows closed). A timeline page
// runs a dozen statements: on one connection, a page of the database the
// first statement faulted into that connection's mapping is mapped for
// every later one, where each pooled statement could take a connection
// that still has to fault it in again; and the page reads one snapshot
// of the database.
//
// Writes do not go through the readers and are unaffected, but a read
// after a write in the same request sees the snapshot its first read
// took: use it only for requests that read, or read before they write.
// If no connection can be had, ctx is returned unchanged and reads use
// the pool as before.
func (s *Store) OneReader(ctx context.Context) (_ context.Context, release func()) {
	// Begun without the request's cancellation: database/sql would
	// otherwise watch ctx in a goroutine and roll back under a running
	// statement; the statements still take ctx, and release rolls back.
	tx, err := s.read.BeginTx(context.WithoutCancel(ctx), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return ctx, func() {}
	}
	p := &pinnedReader{cache: s.stmts, tx: tx}
	return context.WithValue(ctx, pinnedReaderKey{}, p), p.release
}

// pinnedReaderKey is the context key of a request's pinnedReader.
type pinnedReaderKey struct{}

// pinnedReader is one request's read transaction.
type pinnedReader struct {
	cache *stmtCache
	tx    *sql.Tx

	once sync.Once   // release
	done atomic.Bool // released: reads go to the pool again
	mu   sync.Mutex
	// unprepared are the queries run without a prepared statement, to be
	// prepared through the pool once the connection is back in it:
	// preparing now would wait for a pooled connection while holding
	// one, and requests holding every connection would wait for ever.
	unprepared []string
}

// pinned returns the read transaction ctx carries for c's store, or nil.
func (c *stmtCache) pinned(ctx context.Context) *pinnedReader {
	p, _ := ctx.Value(pinnedReaderKey{}).(*pinnedReader)
	if p == nil || p.cache != c { // another store's (tests run several nodes)
		return nil
	}
	if p.done.Load() {
		return nil
	}
	return p
}

// stmt returns the transaction's form of query's prepared statement, or
// nil (noting query) when it has none yet.
func (p *pinnedReader) stmt(ctx context.Context, query string) *sql.Stmt {
	p.cache.mu.RLock()
	st := p.cache.stmts[query]
	full := len(p.cache.stmts) >= maxStmts
	p.cache.mu.RUnlock()
	if st == nil {
		if !full {
			p.mu.Lock()
			p.unprepared = append(p.unprepared, query)
			p.mu.Unlock()
		}
		return nil
	}
	// Prepared on this connection the first time, then reused: database/sql
	// keeps the statement's form for each connection it was used on.
	return p.tx.StmtContext(ctx, st)
}

func (p *pinnedReader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.tx.QueryContext(ctx, query, args...)
}

func (p *pinnedReader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.tx.QueryRowContext(ctx, query, args...)
}

// ReleaseReader ends early the read transaction OneReader put in ctx, if
// any (for example once a page is read, before it is written to a slow
// client); reads with ctx then use the pool. OneReader's release is still
// to be called, and does nothing more.
func (s *Store) ReleaseReader(ctx context.Context) {
	if p := s.stmts.pinned(ctx); p != nil {
		p.release()
	}
}

// release ends the read transaction, returning its connection to the
// pool, then prepares the queries it ran unprepared. Only its first call
// does anything.
func (p *pinnedReader) release() { p.once.Do(p.end) }

func (p *pinnedReader) end() {
	p.done.Store(true)
	p.tx.Rollback() //nolint:errcheck // a read transaction has nothing to lose
	p.mu.Lock()
	queries := p.unprepared
	p.unprepared = nil
	p.mu.Unlock()
	for _, q := range queries {
		p.cache.stmt(context.Background(), q)
	}
}
