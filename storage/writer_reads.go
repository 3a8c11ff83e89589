package storage

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// writerReads runs reads on the writer's one connection, between its
// transactions, for a reader that runs after nearly every commit. Every
// commit makes a reader connection discard its page cache (SQLite resets
// a connection's cache when another one wrote), so such a reader pays
// for each page again, b-tree set-up included, and its mapping of the
// grown file: two and a half times what the same read costs on the
// writer, whose cache its own commits keep. The read waits for the
// connection like a transaction does and holds it only while it runs:
// never call these reads inside a transaction, which holds the
// connection they wait for (a Tx has its own, through its queries).
type writerReads struct{ s *Store }

func (w writerReads) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := w.s.writeStmts.get(query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return w.s.write.QueryContext(ctx, query, args...)
}

func (w writerReads) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := w.s.writeStmts.get(query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return w.s.write.QueryRowContext(ctx, query, args...)
}

// errWriterReadsOnly: writes go through transactions, never here.
var errWriterReadsOnly = errors.New("storage: a write outside a transaction")

func (w writerReads) ExecContext(context.Context, string, ...any) (sql.Result, error) {
	return nil, errWriterReadsOnly
}

// DueDeliveriesExcept is queries.DueDeliveriesExcept read on the
// writer's connection (writerReads): the delivery loop reads the queue
// after the commits that fill it.
func (s *Store) DueDeliveriesExcept(ctx context.Context, now time.Time, limit, perHost int, busyHosts []string, inflight []ID) ([]Delivery, error) {
	return queries{q: writerReads{s}}.DueDeliveriesExcept(ctx, now, limit, perHost, busyHosts, inflight)
}

// NextDeliveryAt is queries.NextDeliveryAt read on the writer's
// connection (writerReads): the delivery loop asks it after most reads
// of the queue.
func (s *Store) NextDeliveryAt(ctx context.Context) (time.Time, error) {
	return queries{q: writerReads{s}}.NextDeliveryAt(ctx)
}
