package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// qBlockURI reads the IRI of the Block activity by which account blocks
// target.
const qBlockURI = `SELECT uri FROM blocks WHERE account_id = ? AND target_account_id = ?`

// BlockURI returns the IRI of the Block activity of account's block of
// target (empty for a block recorded without one), or ErrNotFound when
// account does not block target. An Undo{Block} must name this IRI: a
// peer that matches the undone Block by id (GoToSocial) keeps any other.
func (q queries) BlockURI(ctx context.Context, account, target ID) (string, error) {
	var uri string
	err := q.q.QueryRowContext(ctx, qBlockURI, account, target).Scan(&uri)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("block uri: %w", err)
	}
	return uri, nil
}
