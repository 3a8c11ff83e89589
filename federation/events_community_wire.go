package federation

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// Events on the wire: each change is a Create or Update{Event} by the
// member who made it, sent to the Group, which announces it to its
// followers as other community content. A member of another node attends
// with Join{Event} to the Group; the Group's node counts and answers
// Accept{Join}, or Reject{Join} when the event is full or the member may
// not attend. Leave{Event} undoes a Join.

// eventDocument converts a local event to its Event.
// A members-only community's event is addressed to its members only.
func (e *Engine) eventDocument(ev storage.CommunityEvent, g storage.Account, organiser string, membersOnly bool) activitypub.Event {
	doc := activitypub.Event{ID: ev.URI, URL: ev.URL, AttributedTo: organiser, Name: ev.Name, Content: ev.DescriptionHTML,
		Source: ev.DescriptionSource, Start: ev.Start, End: ev.End, TimeZone: ev.TimeZone, PlaceName: ev.PlaceName,
		PlaceAddress: ev.PlaceAddress, OnlineURL: ev.OnlineURL, Capacity: ev.Capacity, Attendees: ev.AttendeeCount,
		Cancelled: ev.Cancelled(), Audience: g.URI, To: []string{activitypub.PublicIRI}, CC: []string{g.URI, g.Followers},
		Published: ev.CreatedAt}
	if membersOnly {
		doc.To, doc.CC = membersAddressing(g)
	}
	if ev.UpdatedAt.After(ev.CreatedAt) {
		doc.Updated = ev.UpdatedAt
	}
	return doc
}

func organiserURI(ctx context.Context, q artefactAccounts, ev storage.CommunityEvent) (string, error) {
	if ev.OrganiserID == 0 {
		return "", nil
	}
	a, err := q.AccountByID(ctx, ev.OrganiserID)
	if errors.Is(err, storage.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("organiser of %s: %w", ev.URI, err)
	}
	return a.URI, nil
}

// sendEvent sends Create or Update{Event} by actor to the community
// hosted here, which announces it to its followers.
func (e *Engine) sendEvent(ctx context.Context, tx *storage.Tx, g, actor storage.Account, ev storage.CommunityEvent, typ string) error {
	org, err := organiserURI(ctx, tx, ev)
	if err != nil {
		return err
	}
	membersOnly, err := membersOnlyCommunity(ctx, tx, g)
	if err != nil {
		return err
	}
	id := e.urls.Activity(actor.Username, tx.NewID())
	body, err := activitypub.MarshalEventActivity(id, typ, actor.URI, tx.Now(), e.eventDocument(ev, g, org, membersOnly))
	if err != nil {
		return fmt.Errorf("%s %s: %w", typ, ev.URI, err)
	}
	// A new event is also boosted, as a new thread is: Mastodon shows the
	// Event it fetches as a post; changes are not boosted.
	boost := ""
	if typ == activitypub.TypeCreate {
		boost = ev.URI
	}
	return e.announceRepertoire(ctx, tx, g, activitypub.Activity{ID: id, Type: typ, Actor: actor.URI}, body, boost)
}

// EventDocument is the Event of a local event as it stands.
func (e *Engine) EventDocument(ctx context.Context, ev storage.CommunityEvent) ([]byte, error) {
	g, err := e.store.AccountByID(ctx, ev.CommunityID)
	if err != nil {
		return nil, fmt.Errorf("community of %s: %w", ev.URI, err)
	}
	org, err := organiserURI(ctx, e.store, ev)
	if err != nil {
		return nil, err
	}
	membersOnly, err := membersOnlyCommunity(ctx, e.store, g)
	if err != nil {
		return nil, err
	}
	return activitypub.MarshalEvent(e.eventDocument(ev, g, org, membersOnly))
}

// groupEvent takes the Create or Update{Event} a remote Group announces;
// handled is false when the announce is about something else. The Group
// vouches for its own host only.
func (e *Engine) groupEvent(ctx context.Context, g storage.Account, act activitypub.Activity) (bool, error) {
	inner := act.Object.Activity
	if inner == nil && act.Object.Note == nil {
		return e.announcedEvent(ctx, g, act.Object.IRI)
	}
	if inner == nil || (inner.Type != activitypub.TypeCreate && inner.Type != activitypub.TypeUpdate) ||
		inner.Object.Type != activitypub.TypeEvent {
		return false, nil
	}
	doc, ok := activitypub.AnnouncedEvent(inboxBody(ctx))
	if !ok {
		return true, invalid("announced Event of %s could not be read", act.ID)
	}
	return true, e.takeEvent(ctx, g, doc)
}

// announcedEvent takes the Group's Announce{event id}, the boost of a new
// event: nothing more when the event is known here, else (when the id is
// on the Group's host and in copse's layout for events) the event fetched
// from there, so a boost that arrives before its Create{Event} is not
// taken as a post; handled is false for anything else.
func (e *Engine) announcedEvent(ctx context.Context, g storage.Account, iri string) (bool, error) {
	if iri == "" {
		return false, nil
	}
	if _, err := e.store.CommunityEventByURI(ctx, iri); err == nil {
		return true, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return true, err
	}
	u, err := url.Parse(iri)
	if err != nil || !sameOrigin(iri, g.URI) || !strings.HasPrefix(u.Path, "/events/") {
		return false, nil
	}
	body, err := e.fetcher.Get(ctx, iri)
	if err != nil {
		return false, nil // taken as a post, or not at all, by the boost path
	}
	doc, err := activitypub.ParseEvent(body)
	if err != nil || doc.ID != iri {
		return false, nil
	}
	return true, e.takeEvent(ctx, g, doc)
}

// takeEvent stores or updates a remote community's event as its Group
// (or the event's origin, for a boost) states it.
func (e *Engine) takeEvent(ctx context.Context, g storage.Account, doc activitypub.Event) error {
	if doc.Audience != g.URI || !sameOrigin(doc.ID, g.URI) || e.urls.IsLocal(doc.ID) {
		return fmt.Errorf("event %s of %s announced by %s: %w", doc.ID, doc.Audience, g.URI, ErrDenied)
	}
	if err := e.inferMembersOnly(ctx, g, doc.To, doc.CC); err != nil {
		return err
	}
	ev := storage.CommunityEvent{CommunityID: g.ID, URI: doc.ID, URL: doc.URL, Name: cleanLine(doc.Name),
		DescriptionSource: doc.Source, Start: doc.Start, End: doc.End, TimeZone: cmpOr(doc.TimeZone, "UTC"),
		PlaceName: cleanLine(doc.PlaceName), PlaceAddress: cleanLine(doc.PlaceAddress), OnlineURL: doc.OnlineURL,
		Capacity: doc.Capacity, AttendeeCount: max(doc.Attendees, 0), CreatedAt: doc.Published}
	if !activitypub.ValidURL(ev.URL) {
		ev.URL = ev.URI
	}
	if ev.Name == "" {
		ev.Name = ev.URI
	}
	if _, err := time.LoadLocation(ev.TimeZone); err != nil || ev.TimeZone == "Local" {
		ev.TimeZone = "UTC"
	}
	if ev.OnlineURL != "" && (!activitypub.ValidURL(ev.OnlineURL) || !strings.HasPrefix(ev.OnlineURL, "https://")) {
		ev.OnlineURL = "" // copse links only https meetings
	}
	if ev.Capacity < 0 || ev.Capacity > maxEventCapacity {
		ev.Capacity = 0
	}
	if doc.Cancelled {
		ev.CancelledAt = e.now()
	}
	if err := e.checkEvent(&ev); err != nil {
		return fmt.Errorf("event %s: %w", doc.ID, err)
	}
	if len(doc.Content) > 2*maxEventDescription {
		// Its HTML, taken when it has no source, is held to the bound a
		// source has, as an artefact's and a term's are.
		return fmt.Errorf("event %s has a description of %d bytes: %w", doc.ID, len(doc.Content), ErrDenied)
	}
	if doc.Source == "" {
		ev.DescriptionHTML = e.artefacts.sanitize.Sanitize(cleanText(doc.Content))
	}
	if org, err := e.versionPerson(ctx, doc.ID, doc.AttributedTo); err == nil && doc.AttributedTo != "" { // may be a member of another node
		ev.OrganiserID = org.ID
	}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		old, err := tx.CommunityEventByURI(ctx, ev.URI)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			return tx.InsertCommunityEvent(ctx, &ev)
		case err != nil:
			return err
		case old.Local || old.CommunityID != g.ID:
			return fmt.Errorf("event %s of another community: %w", ev.URI, ErrDenied)
		}
		ev.ID, ev.UpdatedAt = old.ID, tx.Now()
		if old.Cancelled() && ev.Cancelled() {
			ev.CancelledAt = old.CancelledAt
		}
		return tx.UpdateCommunityEvent(ctx, ev)
	})
	if err != nil {
		return fmt.Errorf("take event %s: %w", doc.ID, err)
	}
	return nil
}

// applyJoin takes a remote member's Join or Leave of an event hosted
// here: a Join is answered by the Group, Accept{Join} when the member was
// counted and Reject{Join} when the event is full or they may not attend.
func (e *Engine) applyJoin(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity) error {
	joinID, joiner, eventIRI, ok := activitypub.JoinOf(inboxBody(ctx))
	if !ok || joiner != actor.URI {
		eventIRI, joinID = act.Object.IRI, act.ID
	}
	ev, err := tx.CommunityEventByURI(ctx, eventIRI)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !ev.Local) {
		return nil // not an event of ours: Joins of other things are ignored
	}
	if err != nil {
		return err
	}
	if act.Type == activitypub.TypeLeave {
		_, err := e.removeAttendee(ctx, tx, ev, actor.ID)
		return err
	}
	g, err := tx.AccountByID(ctx, ev.CommunityID)
	if err != nil {
		return fmt.Errorf("community of %s: %w", ev.URI, err)
	}
	answer := activitypub.TypeAccept
	_, _, err = attendableEvent(ctx, tx, ev.ID, actor)
	var inv *InvalidError
	switch {
	case errors.Is(err, ErrDenied), errors.As(err, &inv):
		answer = activitypub.TypeReject
	case err != nil:
		return err
	default:
		if _, err := e.addAttendee(ctx, tx, ev, actor, joinID); errors.Is(err, ErrEventFull) {
			answer = activitypub.TypeReject
		} else if err != nil {
			return err
		}
	}
	id := e.urls.Activity(g.Username, tx.NewID())
	body, err := activitypub.MarshalJoinAnswer(id, answer, g.URI, joinID, actor.URI, ev.URI)
	if err != nil {
		return fmt.Errorf("%s join %s: %w", answer, joinID, err)
	}
	return e.publishBody(ctx, tx, g, id, answer, false, body, []string{actor.Inbox})
}

// applyJoinAnswer takes a remote Group's Accept or Reject of a local
// member's Join; handled is false when act answers something else. A
// Reject undoes the attendance recorded when the Join was sent.
func (e *Engine) applyJoinAnswer(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity) (bool, error) {
	if act.Object.Activity == nil || act.Object.Activity.Type != activitypub.TypeJoin {
		return false, nil
	}
	_, joiner, eventIRI, ok := activitypub.JoinOf(inboxBody(ctx))
	if !ok {
		return true, nil
	}
	ev, err := tx.CommunityEventByURI(ctx, eventIRI)
	if err != nil {
		return true, ignoreNotFound(err)
	}
	if ev.Local || ev.CommunityID != actor.ID {
		return true, fmt.Errorf("answer to a join of %s by %s: %w", ev.URI, actor.URI, ErrDenied)
	}
	member, err := tx.AccountByURI(ctx, joiner)
	if err != nil || !member.Local() {
		return true, ignoreNotFound(err)
	}
	if act.Type == activitypub.TypeReject {
		_, err := e.removeAttendee(ctx, tx, ev, member.ID)
		return true, err
	}
	return true, nil
}
