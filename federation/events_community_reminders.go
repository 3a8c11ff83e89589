package federation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// remindBatch is how many due reminders are read at once.
const remindBatch = 100

// runEventReminders reminds local attendees of their events a day ahead,
// on the scheduled-status worker's beat.
func (e *Engine) runEventReminders(ctx context.Context) {
	log := e.log.With("component", "event_reminders")
	t := time.NewTicker(pollCheckEvery * e.poll)
	defer t.Stop()
	for {
		if n, err := e.SendEventReminders(ctx); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "send event reminders", "err", err)
		} else if n > 0 {
			log.DebugContext(ctx, "event reminders sent", "count", n)
		}
		if n, err := e.SendEventCounts(ctx); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "send event counts", "err", err)
		} else if n > 0 {
			log.DebugContext(ctx, "event counts sent", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SendEventReminders notifies each local attendee of an event that starts
// within EventReminderAhead (and is not cancelled), once: the reminder and
// the mark that it was sent commit together, so a reminder is never sent
// twice, even by two workers. It returns how many it sent.
func (e *Engine) SendEventReminders(ctx context.Context) (int, error) {
	now := e.now()
	sent := 0
	for {
		due, err := e.store.DueReminders(ctx, now, now.Add(EventReminderAhead), remindBatch)
		if err != nil {
			return sent, err
		}
		if len(due) == 0 {
			return sent, nil
		}
		err = e.store.InTx(ctx, func(tx *storage.Tx) error {
			for _, a := range due {
				first, err := tx.MarkReminded(ctx, a.EventID, a.AccountID)
				if err != nil {
					return err
				}
				if !first {
					continue
				}
				ev, err := tx.CommunityEventByID(ctx, a.EventID)
				if errors.Is(err, storage.ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				n := storage.Notification{AccountID: a.AccountID, FromAccountID: ev.CommunityID, Type: storage.NotifyEventReminder, EventID: ev.ID}
				if err := tx.InsertNotification(ctx, &n); err != nil {
					return fmt.Errorf("remind %d of event %d: %w", a.AccountID, a.EventID, err)
				}
				sent++
			}
			return nil
		})
		if err != nil {
			return sent, fmt.Errorf("event reminders: %w", err)
		}
		if len(due) < remindBatch {
			return sent, nil
		}
	}
}

// SendEventCounts sends the attendee counts of the events hosted here
// whose count is due (answers came in at least pollUpdateDelay ago): one
// Update{Event} by the community's Group each, to the nodes that hold the
// event, so their "attending" and "places left" follow the host's between
// edits. It returns how many it sent; one that fails does not hold up the
// others, and is tried again next time.
func (e *Engine) SendEventCounts(ctx context.Context) (int, error) {
	due, err := e.store.DueEventCounts(ctx, e.now(), 50)
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, id := range due {
		sending := false
		err := e.store.InTx(ctx, func(tx *storage.Tx) error {
			sending = false
			if err := tx.ClearEventCount(ctx, id); err != nil {
				return err
			}
			ev, err := tx.CommunityEventByID(ctx, id)
			if errors.Is(err, storage.ErrNotFound) {
				return nil // deleted since
			}
			if err != nil {
				return err
			}
			if !ev.Local {
				return nil
			}
			g, err := hostedCommunity(ctx, tx, ev.CommunityID)
			if err != nil {
				return err
			}
			sending = true
			return e.sendEvent(ctx, tx, g, g, ev, activitypub.TypeUpdate)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("event count of %d: %w", id, err))
		} else if sending {
			sent++
		}
	}
	return sent, errors.Join(errs...)
}
