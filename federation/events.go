package federation

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// Event kinds, named as the streaming API names its events.
const (
	EventUpdate       = "update"        // a status entered timelines
	EventNotification = "notification"  // a notification was made
	EventDelete       = "delete"        // a status was deleted
	EventStatusUpdate = "status.update" // a status was edited
	// An announcement was published, deleted, or reacted to: for every
	// member's user stream (AnnouncementID names it; Reaction the emoji).
	EventAnnouncement         = "announcement"
	EventAnnouncementDelete   = "announcement.delete"
	EventAnnouncementReaction = "announcement.reaction"
)

// Event tells listeners (the streaming API) what a committed change did.
// Listeners still check what each viewer may see.
type Event struct {
	Kind           string
	StatusID       storage.ID
	NotificationID storage.ID
	// Home lists the local accounts whose home feed gained the status, or
	// who own the notification.
	Home []storage.ID
	// Public is set for a public, original status (the public streams);
	// Local when its author is a member of this node.
	Public bool
	Local  bool
	Tags   []string
	// Direct lists the local participants of a direct status.
	Direct []storage.ID
	// AnnouncementID and Reaction: the announcement events'.
	AnnouncementID storage.ID
	Reaction       string
}

// subscriberBuffer is how many events a slow listener may fall behind
// before it misses some; a stuck client must not hold up the engine.
const subscriberBuffer = 256

// Subscription receives events until Close.
type Subscription struct {
	C       <-chan Event
	c       chan Event
	hub     *hub
	dropped atomic.Int64
}

// Dropped counts events this subscriber missed for being too slow.
func (s *Subscription) Dropped() int64 { return s.dropped.Load() }

// Close stops the subscription.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	if _, ok := s.hub.subs[s]; ok {
		delete(s.hub.subs, s)
		close(s.c)
	}
}

type hub struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

func (h *hub) publish(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.c <- ev:
		default:
			s.dropped.Add(1)
		}
	}
}

// Subscribe returns a subscription to the engine's events.
func (e *Engine) Subscribe() *Subscription {
	c := make(chan Event, subscriberBuffer)
	s := &Subscription{C: c, c: c, hub: &e.events}
	e.events.mu.Lock()
	e.events.subs[s] = struct{}{}
	e.events.mu.Unlock()
	return s
}

// emit publishes ev once tx commits.
func (e *Engine) emit(tx *storage.Tx, ev Event) {
	tx.AfterCommit(func() { e.events.publish(ev) })
}

// deleteStatus deletes a status and tells listeners; the files of the
// uploads still attached to it go once tx commits.
func (e *Engine) deleteStatus(ctx context.Context, tx *storage.Tx, id storage.ID) error {
	if err := e.deleteStatusRow(ctx, tx, id); err != nil {
		return err
	}
	e.emit(tx, Event{Kind: EventDelete, StatusID: id})
	return nil
}

// updateStatus saves an edit and tells the listeners who may have the
// status: the author's local followers, its author and those it mentions.
func (e *Engine) updateStatus(ctx context.Context, tx *storage.Tx, st *storage.Status, author storage.Account) error {
	if err := tx.UpdateStatus(ctx, st); err != nil {
		return err
	}
	e.queueLinkCard(tx, *st, true)
	home, err := tx.LocalFollowerIDs(ctx, st.AccountID)
	if err != nil {
		return err
	}
	if author.Local() {
		home = append(home, author.ID)
	}
	home = append(home, st.Mentions...)
	// Those who boosted it are told it changed under their boost.
	boosters, err := tx.LocalRebloggerIDs(ctx, st.ID)
	if err != nil {
		return err
	}
	for _, id := range boosters {
		if err := e.notifyID(ctx, tx, id, author, storage.NotifyUpdate, st.ID); err != nil {
			return err
		}
	}
	e.emit(tx, Event{Kind: EventStatusUpdate, StatusID: st.ID, Home: home, Local: author.Local(), Tags: st.Tags,
		Public: st.Visibility == activitypub.Public})
	return nil
}
