package federation

import (
	"context"
	"fmt"

	"github.com/copse-dev/copse/storage"
)

// Suggestions are people a member of this node might follow, best first:
// colleagues of their own organisation and department, then those they
// meet in the most communities, then the most followed
// (storage.Queries.Suggestions says whom it leaves out). limit is 1 to
// 80; 0 means 40.
func (e *Engine) Suggestions(ctx context.Context, member storage.Account, limit int) ([]storage.Suggestion, error) {
	if member.ID == 0 || !member.Local() {
		return nil, fmt.Errorf("suggestions for %s: %w", member.URI, ErrDenied)
	}
	if limit <= 0 {
		limit = 40
	}
	return e.store.Suggestions(ctx, member.ID, member.Organisation, member.Department, min(limit, 80))
}

// DismissSuggestion stops suggesting target to member.
func (e *Engine) DismissSuggestion(ctx context.Context, member storage.Account, target storage.ID) error {
	if member.ID == 0 || !member.Local() {
		return fmt.Errorf("dismiss suggestion for %s: %w", member.URI, ErrDenied)
	}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		if _, err := tx.AccountByID(ctx, target); err != nil {
			return err
		}
		return tx.DismissSuggestion(ctx, member.ID, target)
	})
	if err != nil {
		return fmt.Errorf("dismiss suggestion %s for %s: %w", target, member.Acct(), err)
	}
	return nil
}
