package storage

import (
	"context"
	"fmt"
	"time"
)

// ImportRow is one entry of a member's imported list (migration 0079):
// Kind is one of the Export kinds, Target the account's address
// (user@host), the domain or the post's id.
type ImportRow struct {
	ID, AccountID ID
	Kind, Target  string
	List          string // lists: the list's title
	ShowReblogs   bool   // following
	Notify        bool   // following
	Notifications bool   // mutes: hide notifications too
	Attempts      int
	NextAt        time.Time
	FailedAt      time.Time // zero while it waits
	Reason        string    // why it failed
	CreatedAt     time.Time
}

const importColumns = `id, account_id, kind, target, list, show_reblogs, notify, notifications, attempts, next_at, failed_at, reason, created_at`

func scanImportRow(r scanner) (ImportRow, error) {
	var i ImportRow
	var next, failed, created int64
	err := r.Scan(&i.ID, &i.AccountID, &i.Kind, &i.Target, &i.List, &i.ShowReblogs, &i.Notify, &i.Notifications, &i.Attempts,
		&next, &failed, &i.Reason, &created)
	i.NextAt, i.CreatedAt = fromMillis(next), fromMillis(created)
	if failed != 0 {
		i.FailedAt = fromMillis(failed)
	}
	return i, err
}

// QueueImport adds rows to work through, due now; a member's failed rows
// of the same kinds go, as a new import of them starts afresh.
func (tx *Tx) QueueImport(ctx context.Context, rows []ImportRow) error {
	kinds := map[[2]any]bool{}
	for _, r := range rows {
		if k := [2]any{r.AccountID, r.Kind}; !kinds[k] {
			kinds[k] = true
			if _, err := tx.exec(ctx, "clear failed imports", `DELETE FROM import_rows WHERE account_id = ? AND kind = ? AND failed_at <> 0`,
				r.AccountID, r.Kind); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, "queue import", `INSERT INTO import_rows (`+importColumns+`) VALUES (?,?,?,?,?,?,?,?,0,?,0,'',?)`,
			tx.NewID(), r.AccountID, r.Kind, r.Target, r.List, r.ShowReblogs, r.Notify, r.Notifications, millis(tx.now), millis(tx.now)); err != nil {
			return err
		}
	}
	return nil
}

// DueImports lists up to limit rows due by now, oldest due first.
func (q queries) DueImports(ctx context.Context, now time.Time, limit int) ([]ImportRow, error) {
	out, err := queryAll(ctx, q.q, scanImportRow, `SELECT `+importColumns+` FROM import_rows
WHERE failed_at = 0 AND next_at <= ? ORDER BY next_at, id LIMIT ?`, millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due imports: %w", err)
	}
	return out, nil
}

// ImportsOf counts a member's rows still to do, and lists up to limit of
// those that failed, newest first.
func (q queries) ImportsOf(ctx context.Context, account ID, limit int) (waiting int, failed []ImportRow, err error) {
	if err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM import_rows WHERE account_id = ? AND failed_at = 0`, account).Scan(&waiting); err != nil {
		return 0, nil, fmt.Errorf("imports of %d: %w", account, err)
	}
	failed, err = queryAll(ctx, q.q, scanImportRow, `SELECT `+importColumns+` FROM import_rows
WHERE account_id = ? AND failed_at <> 0 ORDER BY failed_at DESC, id DESC LIMIT ?`, account, limit)
	if err != nil {
		return 0, nil, fmt.Errorf("imports of %d: %w", account, err)
	}
	return waiting, failed, nil
}

// DoneImport forgets row id: it was applied.
func (tx *Tx) DoneImport(ctx context.Context, id ID) error {
	_, err := tx.exec(ctx, "done import", `DELETE FROM import_rows WHERE id = ?`, id)
	return err
}

// RetryImport records a failed attempt at row id and when to try again,
// or, with next zero, that it failed for good, with the reason.
func (tx *Tx) RetryImport(ctx context.Context, id ID, next time.Time, reason string) error {
	failed := int64(0)
	if next.IsZero() {
		failed, next = millis(tx.now), tx.now
	}
	_, err := tx.exec(ctx, "retry import", `UPDATE import_rows SET attempts = attempts + 1, next_at = ?, failed_at = ?, reason = ? WHERE id = ?`,
		millis(next), failed, reason, id)
	return err
}

// ClearFailedImports forgets a member's failed rows.
func (tx *Tx) ClearFailedImports(ctx context.Context, account ID) error {
	_, err := tx.exec(ctx, "clear failed imports", `DELETE FROM import_rows WHERE account_id = ? AND failed_at <> 0`, account)
	return err
}
