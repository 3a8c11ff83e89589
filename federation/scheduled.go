package federation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/copse-dev/copse/storage"
)

// Scheduling limits, Mastodon's.
const (
	// MinScheduleAhead is how far ahead a post must be scheduled.
	MinScheduleAhead = 5 * time.Minute
	// MaxScheduled is how many scheduled posts a member may have waiting,
	// and MaxScheduledPerDay how many of them may fall on one (UTC) day.
	MaxScheduled       = 300
	MaxScheduledPerDay = 25
)

// A scheduled status that keeps failing for a reason that may pass (the
// database, say) is tried again each round, but no longer than this past
// its time: a post that comes out a day late has lost its point.
const scheduledGiveUp = 24 * time.Hour

// dueBatch is how many due scheduled statuses are read at once.
const dueBatch = 50

// errScheduledGone: the scheduled status was deleted (or published)
// between reading it and publishing it.
var errScheduledGone = errors.New("federation: scheduled status gone")

// Schedule stores a member's draft to be published at at. The draft is
// checked now as Post checks it (text, media, poll, the status it
// replies to), so one that could not be posted is refused now rather than
// dropped when due. at must be more than MinScheduleAhead away, and a
// member may have MaxScheduled scheduled statuses, MaxScheduledPerDay on
// the day of at. Refusals are *InvalidError, with Mastodon's messages;
// an unknown reply target is storage.ErrNotFound. appID is the app the
// member scheduled it from.
//
// A scheduled post counts as a post against the author's limit
// (action_limits.go) when it is scheduled, not when it goes out.
func (e *Engine) Schedule(ctx context.Context, authorID storage.ID, d Draft, at time.Time, appID storage.ID) (storage.ScheduledStatus, error) {
	return limited(e.acts, actPost, authorID, func() (storage.ScheduledStatus, error) {
		return e.schedule(ctx, authorID, d, at, appID)
	})
}

func (e *Engine) schedule(ctx context.Context, authorID storage.ID, d Draft, at time.Time, appID storage.ID) (storage.ScheduledStatus, error) {
	at = at.UTC().Truncate(time.Millisecond) // as stored
	if err := e.checkIdempotencyKey(ctx, e.store, authorID, d.IdempotencyKey); err != nil {
		return storage.ScheduledStatus{}, err
	}
	if err := e.checkScheduledAt(at); err != nil {
		return storage.ScheduledStatus{}, err
	}
	d, author, _, err := e.checkDraft(ctx, authorID, d)
	if err != nil {
		return storage.ScheduledStatus{}, err
	}
	s := storage.ScheduledStatus{AccountID: author.ID, ScheduledAt: at, Text: d.Text, SpoilerText: d.SpoilerText,
		Visibility: d.Visibility, InReplyToID: d.InReplyTo, Sensitive: d.Sensitive, Language: d.Language,
		Title: d.Title, AppID: appID}
	if p := d.Poll; p != nil {
		s.Poll = &storage.ScheduledPoll{Options: p.Options, ExpiresIn: p.ExpiresIn, Multiple: p.Multiple, HideTotals: p.HideTotals}
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		// First, as in post: a twin that committed meanwhile holds the key.
		if err := e.checkIdempotencyKey(ctx, tx, author.ID, d.IdempotencyKey); err != nil {
			return err
		}
		if err := checkScheduleLimits(ctx, tx, author.ID, at, 0); err != nil {
			return err
		}
		media, err := e.draftMedia(ctx, tx, author.ID, 0, d.MediaIDs)
		if err != nil {
			return err
		}
		for _, m := range media {
			s.MediaIDs = append(s.MediaIDs, m.ID)
		}
		if err := tx.InsertScheduledStatus(ctx, &s); err != nil {
			if errors.Is(err, storage.ErrDuplicate) { // another scheduled status waits for one of them
				return invalid("Media %s not found or already attached to another post", idList(s.MediaIDs))
			}
			return err
		}
		s.Attachments = media
		return e.recordIdempotencyKey(ctx, tx, author.ID, d.IdempotencyKey, storage.Idempotent{ScheduledID: s.ID})
	})
	if err != nil {
		return storage.ScheduledStatus{}, fmt.Errorf("schedule: %w", err)
	}
	return s, nil
}

// Reschedule moves one of a member's scheduled statuses to at, under the
// rules of Schedule. Another member's is storage.ErrNotFound.
func (e *Engine) Reschedule(ctx context.Context, ownerID, id storage.ID, at time.Time) (storage.ScheduledStatus, error) {
	at = at.UTC().Truncate(time.Millisecond)
	var s storage.ScheduledStatus
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		var err error
		if s, err = tx.ScheduledStatusByID(ctx, ownerID, id); err != nil {
			return err
		}
		if err := e.checkScheduledAt(at); err != nil {
			return err
		}
		if err := checkScheduleLimits(ctx, tx, ownerID, at, id); err != nil {
			return err
		}
		s.ScheduledAt = at
		return tx.RescheduleStatus(ctx, ownerID, id, at)
	})
	if err != nil {
		return storage.ScheduledStatus{}, fmt.Errorf("reschedule: %w", err)
	}
	return s, nil
}

// Unschedule deletes one of a member's scheduled statuses; its uploads
// stay, unattached, for another post. Another member's is
// storage.ErrNotFound.
func (e *Engine) Unschedule(ctx context.Context, ownerID, id storage.ID) error {
	err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.DeleteScheduledStatus(ctx, ownerID, id) })
	if err != nil {
		return fmt.Errorf("unschedule: %w", err)
	}
	return nil
}

// checkScheduledAt refuses a time less than MinScheduleAhead away, as
// Mastodon does (and with its words).
func (e *Engine) checkScheduledAt(at time.Time) error {
	if !at.After(e.now().Add(MinScheduleAhead)) {
		return invalid("Validation failed: Scheduled at date must be in the future")
	}
	return nil
}

// checkScheduleLimits refuses a scheduled status at at that would take
// owner past MaxScheduled, or past MaxScheduledPerDay on at's UTC day;
// except is one not to count (the one being moved).
func checkScheduleLimits(ctx context.Context, tx *storage.Tx, owner storage.ID, at time.Time, except storage.ID) error {
	day := at.UTC().Truncate(24 * time.Hour)
	total, onDay, err := tx.CountScheduledStatuses(ctx, owner, day, day.Add(24*time.Hour), except)
	if err != nil {
		return err
	}
	if total >= MaxScheduled {
		return invalid("Validation failed: You have exceeded the limit of %d scheduled posts", MaxScheduled)
	}
	if onDay >= MaxScheduledPerDay {
		return invalid("Validation failed: You have exceeded the limit of %d scheduled posts for today", MaxScheduledPerDay)
	}
	return nil
}

// runScheduled publishes scheduled statuses as they fall due, until ctx
// ends.
func (e *Engine) runScheduled(ctx context.Context) {
	log := e.log.With("component", "scheduled")
	t := time.NewTicker(pollCheckEvery * e.poll)
	defer t.Stop()
	for {
		if n, err := e.PublishScheduled(ctx); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "publish scheduled statuses", "err", err)
		} else if n > 0 {
			log.DebugContext(ctx, "scheduled statuses published", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PublishScheduled posts the scheduled statuses due by now, in the order
// they fall due, each in the transaction that deletes its row, so each is
// published once. One that can no longer be posted (its reply target is
// gone, its draft is refused, its author is no member here) is dropped
// with a log line; one that fails otherwise is tried again next time,
// until it is scheduledGiveUp late. Neither holds up the others. It
// returns how many it published.
func (e *Engine) PublishScheduled(ctx context.Context) (int, error) {
	now := e.now()
	published := 0
	var errs []error
	var after storage.ScheduledStatus
	for {
		due, err := e.store.DueScheduledStatuses(ctx, now, after, dueBatch)
		if err != nil {
			return published, err
		}
		for _, s := range due {
			err := e.publishScheduled(ctx, s)
			switch {
			case err == nil:
				published++
			case errors.Is(err, errScheduledGone):
			case ctx.Err() != nil:
				return published, ctx.Err()
			case lastingFailure(err) || now.Sub(s.ScheduledAt) > scheduledGiveUp:
				e.log.WarnContext(ctx, "scheduled status dropped", "scheduled_status_id", s.ID,
					"account_id", s.AccountID, "scheduled_at", s.ScheduledAt, "err", err)
				if err := e.dropScheduled(ctx, s); err != nil {
					errs = append(errs, err)
				}
			default:
				errs = append(errs, fmt.Errorf("publish scheduled status %d: %w", s.ID, err))
			}
		}
		if len(due) < dueBatch {
			return published, errors.Join(errs...)
		}
		after = due[len(due)-1]
	}
}

// publishScheduled posts s as its author wrote it. Uploads that another
// post took meanwhile are left out, as Mastodon leaves them; a suspended
// author's post is refused, as Mastodon drops it.
func (e *Engine) publishScheduled(ctx context.Context, s storage.ScheduledStatus) error {
	author, err := e.store.AccountByID(ctx, s.AccountID)
	if err != nil {
		return fmt.Errorf("author %d: %w", s.AccountID, err)
	}
	if !author.SuspendedAt.IsZero() {
		return fmt.Errorf("author %d is suspended: %w", s.AccountID, ErrDenied)
	}
	d := Draft{Text: s.Text, SpoilerText: s.SpoilerText, Visibility: s.Visibility, InReplyTo: s.InReplyToID,
		Sensitive: s.Sensitive, Language: s.Language, Title: s.Title}
	for _, a := range s.Attachments {
		if a.StatusID == 0 {
			d.MediaIDs = append(d.MediaIDs, a.ID)
		}
	}
	if p := s.Poll; p != nil {
		d.Poll = &PollDraft{Options: p.Options, ExpiresIn: p.ExpiresIn, Multiple: p.Multiple, HideTotals: p.HideTotals}
	}
	_, err = e.post(ctx, s.AccountID, d, func(tx *storage.Tx) error {
		err := tx.DeleteScheduledStatus(ctx, s.AccountID, s.ID)
		if errors.Is(err, storage.ErrNotFound) {
			return errScheduledGone
		}
		return err
	})
	return err
}

func (e *Engine) dropScheduled(ctx context.Context, s storage.ScheduledStatus) error {
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		return ignoreNotFound(tx.DeleteScheduledStatus(ctx, s.AccountID, s.ID))
	})
	if err != nil {
		return fmt.Errorf("drop scheduled status %d: %w", s.ID, err)
	}
	return nil
}

// lastingFailure reports whether a post failed for a reason trying again
// will not change.
func lastingFailure(err error) bool {
	var inv *InvalidError
	return errors.As(err, &inv) || errors.Is(err, storage.ErrNotFound) || errors.Is(err, ErrDenied) ||
		errors.Is(err, ErrGone)
}

func idList(ids []storage.ID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return strings.Join(s, ", ")
}
