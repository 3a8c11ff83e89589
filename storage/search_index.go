package storage

import (
	"context"
	"database/sql"
	"fmt"
)

// Statuses are indexed for search when the transaction that wrote them
// commits, all at once (migration 0049): the status triggers only note
// each new or edited status in statuses_fts_pending. One statement then
// indexes them all, so FTS5 writes one segment per transaction instead of
// one per status, and a write batch of many received posts pays for one.

const (
	qSearchPending      = `SELECT EXISTS (SELECT 1 FROM statuses_fts_pending)`
	qIndexSearchPending = `INSERT INTO statuses_fts (rowid, title, spoiler_text, content)
SELECT id, title, spoiler_text, content FROM statuses_search_text
WHERE id IN (SELECT status_id FROM statuses_fts_pending)`
	qClearSearchPending = `DELETE FROM statuses_fts_pending`
)

// indexPendingSearch indexes the statuses the transaction noted for
// search; the transaction commits next (a store's transaction, a write
// batch, or a migration's). It costs one indexed read when the
// transaction wrote no status.
func indexPendingSearch(ctx context.Context, t interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}) error {
	var pending bool
	if err := t.QueryRowContext(ctx, qSearchPending).Scan(&pending); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if !pending {
		return nil
	}
	if _, err := t.ExecContext(ctx, qIndexSearchPending); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if _, err := t.ExecContext(ctx, qClearSearchPending); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	return nil
}
