package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Marker is where a member stopped reading a timeline, shared by their
// apps. Version counts its changes.
type Marker struct {
	Timeline   string
	LastReadID ID
	Version    int
	UpdatedAt  time.Time
}

// Markers returns account's markers of the given timelines that exist.
func (q queries) Markers(ctx context.Context, account ID, timelines []string) ([]Marker, error) {
	if len(timelines) == 0 {
		return nil, nil
	}
	args := []any{account}
	for _, t := range timelines {
		args = append(args, t)
	}
	out, err := queryAll(ctx, q.q, scanMarker, `SELECT timeline, last_read_id, version, updated_at FROM markers
WHERE account_id = ? AND timeline IN (`+placeholders(len(timelines))+`) ORDER BY timeline`, args...)
	if err != nil {
		return nil, fmt.Errorf("markers: %w", err)
	}
	return out, nil
}

func scanMarker(row scanner) (Marker, error) {
	var m Marker
	var updated int64
	err := row.Scan(&m.Timeline, &m.LastReadID, &m.Version, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Marker{}, ErrNotFound
	}
	if err != nil {
		return Marker{}, fmt.Errorf("marker: %w", err)
	}
	m.UpdatedAt = fromMillis(updated)
	return m, nil
}

// SaveMarker sets account's marker of a timeline and returns it. A new
// marker has version 0; each change adds one, and saving the same
// position again changes nothing, as in Mastodon.
func (tx *Tx) SaveMarker(ctx context.Context, account ID, timeline string, lastRead ID) (Marker, error) {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO markers (account_id, timeline, last_read_id, version, updated_at)
VALUES (?,?,?,0,?) ON CONFLICT (account_id, timeline) DO UPDATE SET last_read_id = excluded.last_read_id,
version = version + 1, updated_at = excluded.updated_at WHERE last_read_id <> excluded.last_read_id`,
		account, timeline, lastRead, millis(tx.now))
	if err != nil {
		return Marker{}, fmt.Errorf("save marker: %w", err)
	}
	return scanMarker(tx.tx.QueryRowContext(ctx, `SELECT timeline, last_read_id, version, updated_at FROM markers
WHERE account_id = ? AND timeline = ?`, account, timeline))
}
