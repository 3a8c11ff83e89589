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
	return e.publishBody(ctx, tx, actor, act.ID, act.Type, public, body, inboxes)
}

// publishBody is publish for an activity already marshalled: a Group's
// Announce embeds the activity it announces exactly as it was received,
// which the vocabulary types cannot carry.
func (e *Engine) publishBody(ctx context.Context, tx *storage.Tx, actor storage.Account, id, typ string, public bool, body []byte, inboxes []string) error {
	row := storage.Activity{URI: id, AccountID: actor.ID, Type: typ, Public: public, Body: body}
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
	// After the commit, not now: woken before it, the delivery worker
	// reads a queue without these jobs and sleeps a whole poll interval.
	tx.AfterCommit(func() { wake(e.deliverWake) })
	return nil
}
