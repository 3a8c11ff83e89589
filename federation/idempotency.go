package federation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/copse-dev/copse/storage"
)

// IdempotencyTTL is how long a member's Idempotency-Key names what its
// request made, as in Mastodon.
const IdempotencyTTL = time.Hour

// DuplicateError is what Post and Schedule return for a draft whose
// IdempotencyKey the member used within IdempotencyTTL: nothing new was
// made, and Earlier is what the first request made, to answer instead.
type DuplicateError struct{ Earlier storage.Idempotent }

func (e *DuplicateError) Error() string { return "federation: idempotency key already used" }

// checkIdempotencyKey is DuplicateError when the member already used key;
// read before the work of a post (mentions resolved over the network),
// so a plain retry costs nothing. An empty key is never used.
func (e *Engine) checkIdempotencyKey(ctx context.Context, q idempotencyReader, author storage.ID, key string) error {
	if key == "" {
		return nil
	}
	made, err := q.IdempotencyKey(ctx, author, key, e.store.Now().Add(-IdempotencyTTL))
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	return &DuplicateError{Earlier: made}
}

// recordIdempotencyKey records key in tx, the transaction that made made,
// so a key never stands without its post nor a post without its key.
// The transaction must have checked the key first (checkIdempotencyKey
// in tx); a key taken meanwhile is the DuplicateError all the same.
func (e *Engine) recordIdempotencyKey(ctx context.Context, tx *storage.Tx, author storage.ID, key string, made storage.Idempotent) error {
	if key == "" {
		return nil
	}
	err := tx.RecordIdempotencyKey(ctx, author, key, made, tx.Now().Add(-IdempotencyTTL))
	if errors.Is(err, storage.ErrDuplicate) {
		if dup := e.checkIdempotencyKey(ctx, tx, author, key); dup != nil {
			return dup
		}
	}
	if err != nil {
		return fmt.Errorf("idempotency key: %w", err)
	}
	return nil
}

// idempotencyReader is the store, or a transaction of it.
type idempotencyReader interface {
	IdempotencyKey(ctx context.Context, account storage.ID, key string, since time.Time) (storage.Idempotent, error)
}
