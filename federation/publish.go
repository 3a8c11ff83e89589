package federation

import (
	"context"
	"fmt"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// publish stores an activity of a local actor and queues one delivery per
// remote inbox, inside the caller's transaction; public puts it in the
// actor's outbox collection. Local inboxes are left out: local effects are
// applied directly by the caller.
func (e *Engine) publish(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity, public bool, inboxes []string) error {
	body, err := activitypub.MarshalActivity(act)
	if err != nil {
		return fmt.Errorf("marshal %s: %w", act.Type, err)
	}
	row := storage.Activity{URI: act.ID, AccountID: actor.ID, Type: act.Type, Public: public, Body: body}
	if err := tx.InsertActivity(ctx, &row); err != nil {
		return err
	}
	var remote []string
	seen := map[string]bool{}
	for _, in := range inboxes {
		if in == "" || seen[in] || e.urls.IsLocal(in) {
			continue
		}
		seen[in] = true
		remote = append(remote, in)
	}
	if len(remote) == 0 {
		return nil
	}
	if err := tx.EnqueueDeliveries(ctx, row.ID, remote); err != nil {
		return err
	}
	wake(e.deliverWake)
	return nil
}

// statusInboxes returns the remote inboxes a status goes to: the author's
// followers' (unless direct), the mentioned accounts', and the replied-to
// author's.
func (e *Engine) statusInboxes(ctx context.Context, tx *storage.Tx, st storage.Status, nc noteContext) ([]string, error) {
	var inboxes []string
	if st.Visibility != activitypub.Direct {
		f, err := tx.FollowerInboxes(ctx, nc.Author.ID)
		if err != nil {
			return nil, err
		}
		inboxes = f
	}
	for _, m := range nc.Mentioned {
		if !m.Local() {
			inboxes = append(inboxes, m.DeliveryInbox())
		}
	}
	if st.InReplyToAccountID != 0 && st.Visibility != activitypub.Direct {
		parent, err := tx.AccountByID(ctx, st.InReplyToAccountID)
		if err == nil && !parent.Local() {
			inboxes = append(inboxes, parent.DeliveryInbox())
		}
	}
	return inboxes, nil
}
