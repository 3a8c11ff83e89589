package federation

import (
	"context"
	"fmt"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// Direct conversations: each local participant of a direct status has
// the status filed under its thread (named by the root's IRI, so a reply
// from another node joins the same conversation), with the other
// accounts taking part. Reading and hiding conversations is local only.

// recordConversation files a direct status in the conversations of the
// local accounts it reached (recipients: the author when local, and the
// mentioned members who do not block the author). It is unread for all
// but its author. Other statuses are not conversations.
func (e *Engine) recordConversation(ctx context.Context, tx *storage.Tx, st storage.Status, recipients []storage.ID) error {
	if st.Visibility != activitypub.Direct || st.ReblogOfID != 0 || len(recipients) == 0 {
		return nil
	}
	thread, err := tx.ThreadURI(ctx, st.ID)
	if err != nil {
		return fmt.Errorf("conversation of %s: %w", st.URI, err)
	}
	everyone := append([]storage.ID{st.AccountID}, st.Mentions...)
	for _, r := range recipients {
		var others []storage.ID
		for _, p := range everyone {
			if p != r {
				others = append(others, p)
			}
		}
		if err := tx.AddToConversation(ctx, r, thread, st.ID, others, r != st.AccountID); err != nil {
			return err
		}
	}
	return nil
}

// MarkConversationRead marks one of a member's conversations read.
func (e *Engine) MarkConversationRead(ctx context.Context, accountID, id storage.ID) error {
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.MarkConversationRead(ctx, accountID, id) }); err != nil {
		return fmt.Errorf("read conversation %d: %w", id, err)
	}
	return nil
}

// DeleteConversation removes one of a member's conversations from their
// list; its statuses stay, and a new one in the thread brings it back.
func (e *Engine) DeleteConversation(ctx context.Context, accountID, id storage.ID) error {
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.DeleteConversation(ctx, accountID, id) }); err != nil {
		return fmt.Errorf("delete conversation %d: %w", id, err)
	}
	return nil
}
