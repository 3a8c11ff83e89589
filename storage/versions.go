package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Versioned documents (issue 13): artefacts and glossary terms keep every
// version they have had in a table of their own, with the same frame: the
// versioned row and the version's number (the primary key), the kind's
// content columns, then who made it, their change note and when. The
// frame is written once here; artefacts.go and glossary.go name their
// content columns and convert them.

// VersionEntry is a version as a history lists it: its number, who made
// it (EditorID is 0 once the account is gone; EditorURI stays), the change
// note and when.
type VersionEntry struct {
	Number    int
	EditorID  ID
	EditorURI string
	Note      string
	CreatedAt time.Time
}

// versionTable is one kind's version table. Its queries are built once,
// from the frame and the kind's columns, when the package loads.
type versionTable struct {
	what    string // "artefact", "term": in errors
	owner   string // the column naming the versioned row
	content int    // how many content columns sit between number and the stamp

	qInsert, qByNumber, qAfter, qEntries, qCount string
}

const versionStamp = `editor_id, editor_uri, note, created_at`

func newVersionTable(what, table, owner string, content []string) versionTable {
	cols := owner + ", number"
	marks := "?, ?"
	for _, c := range content {
		cols += ", " + c
		marks += ", ?"
	}
	cols += ", " + versionStamp
	marks += ", ?, ?, ?, ?"
	return versionTable{what: what, owner: owner, content: len(content),
		qInsert:   `INSERT INTO ` + table + ` (` + cols + `) VALUES (` + marks + `)`,
		qByNumber: `SELECT ` + cols + ` FROM ` + table + ` WHERE ` + owner + ` = ? AND number = ?`,
		qAfter:    `SELECT ` + cols + ` FROM ` + table + ` WHERE ` + owner + ` = ? AND number > ? ORDER BY number LIMIT ?`,
		qEntries: `SELECT number, ` + versionStamp + ` FROM ` + table + ` WHERE ` + owner + ` = ? AND number < ?
ORDER BY number DESC LIMIT ?`,
		qCount: `SELECT count(*) FROM ` + table + ` WHERE ` + owner + ` = ?`,
	}
}

// scan reads a version row: the owner, the number and stamp into e, and
// the kind's content columns into content.
func (t versionTable) scan(row scanner, owner *ID, e *VersionEntry, content ...any) error {
	var editor sql.NullInt64
	var created int64
	dest := make([]any, 0, len(content)+6)
	dest = append(append(append(dest, owner, &e.Number), content...), &editor, &e.EditorURI, &e.Note, &created)
	err := row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("%s version: %w", t.what, err)
	}
	e.EditorID = ID(editor.Int64)
	e.CreatedAt = fromMillis(created)
	return nil
}

// add inserts a version. Its number must be new for the owner: a second
// version with the same number is ErrDuplicate, which is how two edits
// from the same base cannot both land.
func (t versionTable) add(ctx context.Context, tx *Tx, owner ID, e VersionEntry, content ...any) error {
	if len(content) != t.content {
		return fmt.Errorf("add %s version: %d content values for %d columns", t.what, len(content), t.content)
	}
	args := make([]any, 0, len(content)+6)
	args = append(append(append(args, owner, e.Number), content...), nullID(e.EditorID), e.EditorURI, e.Note, millis(e.CreatedAt))
	_, err := tx.tx.ExecContext(ctx, t.qInsert, args...)
	if isUnique(err) {
		err = ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("add version %d of %s %d: %w", e.Number, t.what, owner, err)
	}
	return nil
}

// entries lists up to limit versions' entries numbered below before,
// newest first: a history page reads no content column.
func (t versionTable) entries(ctx context.Context, q querier, owner ID, before, limit int) ([]VersionEntry, error) {
	out, err := queryAll(ctx, q, func(row scanner) (VersionEntry, error) {
		var e VersionEntry
		var editor sql.NullInt64
		var created int64
		if err := row.Scan(&e.Number, &editor, &e.EditorURI, &e.Note, &created); err != nil {
			return e, err
		}
		e.EditorID, e.CreatedAt = ID(editor.Int64), fromMillis(created)
		return e, nil
	}, t.qEntries, owner, before, limit)
	if err != nil {
		return nil, fmt.Errorf("%s %d history: %w", t.what, owner, err)
	}
	return out, nil
}

// count is how many versions of owner are stored.
func (t versionTable) count(ctx context.Context, q querier, owner ID) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, t.qCount, owner).Scan(&n); err != nil {
		return 0, fmt.Errorf("count versions of %s %d: %w", t.what, owner, err)
	}
	return n, nil
}

// versionByNumber returns one version of owner, or ErrNotFound.
func versionByNumber[V any](ctx context.Context, q querier, t versionTable, scan func(scanner) (V, error), owner ID, number int) (V, error) {
	return scan(q.QueryRowContext(ctx, t.qByNumber, owner, number))
}

// versionsAfter lists up to limit versions of owner numbered after
// `after`, oldest first (after 0: from the first).
func versionsAfter[V any](ctx context.Context, q querier, t versionTable, scan func(scanner) (V, error), owner ID, after, limit int) ([]V, error) {
	out, err := queryAll(ctx, q, scan, t.qAfter, owner, after, limit)
	if err != nil {
		return nil, fmt.Errorf("%s %d versions: %w", t.what, owner, err)
	}
	return out, nil
}

// stampNew gives a new current-state row a fresh ID and its times when
// they are zero (updated defaults to created).
func (tx *Tx) stampNew(id *ID, created, updated *time.Time) {
	if *id == 0 {
		*id = tx.NewID()
	}
	if created.IsZero() {
		*created = tx.now
	}
	if updated.IsZero() {
		*updated = *created
	}
}

// insertUnique runs an insert of the row with ActivityPub id uri: a second
// row with the same uri is ErrDuplicate.
func (tx *Tx) insertUnique(ctx context.Context, what, uri, query string, args ...any) error {
	_, err := tx.tx.ExecContext(ctx, query, args...)
	if isUnique(err) {
		err = ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("insert %s %s: %w", what, uri, err)
	}
	return nil
}

// updateOne runs an update of the row id, which must exist (else
// ErrNotFound).
func (tx *Tx) updateOne(ctx context.Context, what string, id ID, query string, args ...any) error {
	res, err := tx.exec(ctx, "update "+what, query, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("update %s %d: %w", what, id, errors.Join(err, ErrNotFound))
	}
	return nil
}
