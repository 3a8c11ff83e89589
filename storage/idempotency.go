package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Idempotent is what an earlier request with an Idempotency-Key made: a
// status, or a scheduled status.
type Idempotent struct {
	StatusID, ScheduledID ID
}

// qIdempotencyKey reads what a key made; keys made before ?3 are
// forgotten, whether or not the pruning in RecordIdempotencyKey has
// removed them yet.
const qIdempotencyKey = `SELECT coalesce(status_id, 0), coalesce(scheduled_status_id, 0) FROM idempotency_keys
WHERE account_id = ? AND key = ? AND created_at >= ?`

// qPruneIdempotencyKeys forgets the keys made before ?, by the
// idempotency_keys_created index.
const qPruneIdempotencyKeys = `DELETE FROM idempotency_keys WHERE created_at < ?`

const qInsertIdempotencyKey = `INSERT INTO idempotency_keys (account_id, key, status_id, scheduled_status_id, created_at)
VALUES (?, ?, ?, ?, ?)`

// IdempotencyKey returns what account's request with key made, if it was
// recorded at since or later; ErrNotFound otherwise. Inside the
// transaction that would record the key, it is the check that nothing
// else holds it: the one writer connection serializes such checks.
func (q queries) IdempotencyKey(ctx context.Context, account ID, key string, since time.Time) (Idempotent, error) {
	var made Idempotent
	err := q.q.QueryRowContext(ctx, qIdempotencyKey, account, key, millis(since)).Scan(&made.StatusID, &made.ScheduledID)
	if errors.Is(err, sql.ErrNoRows) {
		return Idempotent{}, ErrNotFound
	}
	if err != nil {
		return Idempotent{}, fmt.Errorf("idempotency key: %w", err)
	}
	return made, nil
}

// RecordIdempotencyKey records, in the transaction that made it, what
// account's request with key made, forgetting every key recorded before
// since. It is ErrDuplicate when account holds key already (since or
// later): the caller must then roll back what it made, and answer what
// IdempotencyKey returns.
func (tx *Tx) RecordIdempotencyKey(ctx context.Context, account ID, key string, made Idempotent, since time.Time) error {
	if made == (Idempotent{}) {
		return errors.New("record idempotency key: nothing made")
	}
	if _, err := tx.tx.ExecContext(ctx, qPruneIdempotencyKeys, millis(since)); err != nil {
		return fmt.Errorf("prune idempotency keys: %w", err)
	}
	_, err := tx.tx.ExecContext(ctx, qInsertIdempotencyKey, account, key, nullID(made.StatusID), nullID(made.ScheduledID), millis(tx.now))
	if isUnique(err) {
		return fmt.Errorf("record idempotency key: %w", ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("record idempotency key: %w", err)
	}
	return nil
}
