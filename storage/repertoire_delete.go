package storage

import (
	"context"
	"errors"
	"fmt"
)

// Moderation log actions for a community's repertoire: a moderator
// deleted someone else's artefact, glossary term or event.
const (
	ModRemoveArtefact = "remove_artefact"
	ModRemoveTerm     = "remove_term"
	ModRemoveEvent    = "remove_event"
)

const qDeleteTerm = `DELETE FROM glossary_terms WHERE id = ?`

// DeleteTerm removes a glossary term with every version and its search
// entry (the tables cascade); ErrNotFound when there is no such term.
func (tx *Tx) DeleteTerm(ctx context.Context, id ID) error {
	t, err := tx.TermByID(ctx, id)
	if err != nil {
		return fmt.Errorf("delete term %d: %w", id, err)
	}
	if err := tx.deleteOne(ctx, "term", id, qDeleteTerm); err != nil {
		return err
	}
	tx.AfterCommit(func() { tx.store.termNames.drop(t.CommunityID) })
	return nil
}

const qDeleteCommunityEvent = `DELETE FROM community_events WHERE id = ?`

// DeleteCommunityEvent removes an event with its attendees (the table
// cascades), so none of them is reminded of it; ErrNotFound when there is
// no such event.
func (tx *Tx) DeleteCommunityEvent(ctx context.Context, id ID) error {
	return tx.deleteOne(ctx, "event", id, qDeleteCommunityEvent)
}

func (tx *Tx) deleteOne(ctx context.Context, what string, id ID, query string) error {
	res, err := tx.exec(ctx, "delete "+what, query, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("delete %s %d: %w", what, id, errors.Join(err, ErrNotFound))
	}
	return nil
}
