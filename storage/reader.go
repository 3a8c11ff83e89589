package storage

import (
	"context"
	"time"
)

// Reader is the Store's read-only face: every query, on the reader pool,
// and no way to write (no InTx, no InBatch, no Tx). The web layer holds a
// Reader rather than the Store, so the rule that handlers never write to
// the database is kept by the compiler: a handler that must change
// something asks the engine.
type Reader struct {
	queries
	s *Store
}

// Reader returns the store's read-only face.
func (s *Store) Reader() Reader { return Reader{queries: s.queries, s: s} }

// Now is the store's clock (Store.Now), which tests replace.
func (r Reader) Now() time.Time { return r.s.Now() }

// The queries below are Store methods rather than queries (they use the
// store's clock or several statements); Reader passes them on.

// AccountsByIDs is Store.AccountsByIDs.
func (r Reader) AccountsByIDs(ctx context.Context, ids []ID) (map[ID]Account, error) {
	return r.s.AccountsByIDs(ctx, ids)
}

// MutedIDs is Store.MutedIDs.
func (r Reader) MutedIDs(ctx context.Context, account ID) ([]ID, error) {
	return r.s.MutedIDs(ctx, account)
}

// ActiveFilters is Store.ActiveFilters.
func (r Reader) ActiveFilters(ctx context.Context, account ID) ([]Filter, error) {
	return r.s.ActiveFilters(ctx, account)
}

// HomeTimelineWithBoosted is Store.HomeTimelineWithBoosted.
func (r Reader) HomeTimelineWithBoosted(ctx context.Context, account ID, p Page) (HomePage, error) {
	return r.s.HomeTimelineWithBoosted(ctx, account, p)
}

// HomeTimelinePage is Store.HomeTimelinePage.
func (r Reader) HomeTimelinePage(ctx context.Context, account ID, p Page) ([]Status, error) {
	return r.s.HomeTimelinePage(ctx, account, p)
}

// ListTimeline is Store.ListTimeline.
func (r Reader) ListTimeline(ctx context.Context, l List, p Page) ([]Status, error) {
	return r.s.ListTimeline(ctx, l, p)
}

// NotificationPage is Store.NotificationPage.
func (r Reader) NotificationPage(ctx context.Context, account ID, f NotificationFilter, p Page) ([]Notification, error) {
	return r.s.NotificationPage(ctx, account, f, p)
}

// TokenByAccess is Store.TokenByAccess.
func (r Reader) TokenByAccess(ctx context.Context, hash string) (Token, error) {
	return r.s.TokenByAccess(ctx, hash)
}

// PushRecipients is Store.PushRecipients.
func (r Reader) PushRecipients(ctx context.Context, account, notification ID) ([]PushSubscription, error) {
	return r.s.PushRecipients(ctx, account, notification)
}

// SearchStatuses is Store.SearchStatuses.
func (r Reader) SearchStatuses(ctx context.Context, f StatusSearch, p Page) ([]Status, error) {
	return r.s.SearchStatuses(ctx, f, p)
}

// CountSearchedStatuses is Store.CountSearchedStatuses.
func (r Reader) CountSearchedStatuses(ctx context.Context, f StatusSearch, atMost int) (int, error) {
	return r.s.CountSearchedStatuses(ctx, f, atMost)
}

// SearchVisible is Store.SearchVisible.
func (r Reader) SearchVisible(ctx context.Context, viewer, status ID) (bool, error) {
	return r.s.SearchVisible(ctx, viewer, status)
}

// StatusShown is Store.StatusShown.
func (r Reader) StatusShown(ctx context.Context, viewer, status ID) (bool, error) {
	return r.s.StatusShown(ctx, viewer, status)
}

// OneReader is Store.OneReader: a request's reads on one connection.
func (r Reader) OneReader(ctx context.Context) (context.Context, func()) { return r.s.OneReader(ctx) }

// ReleaseReader is Store.ReleaseReader.
func (r Reader) ReleaseReader(ctx context.Context) { r.s.ReleaseReader(ctx) }
