package federation

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// A community's events (issue 13 item 5): members create them, the
// organiser and the community's moderators edit and cancel them, and
// members on any node say they will attend. The node hosting the
// community counts the attendees and enforces the capacity; a member of
// another node attends by sending Join (Mobilizon's shape), answered by
// Accept or Reject.

// Limits of what a member types into an event.
const (
	maxEventName        = 200
	maxEventDescription = 100_000 // bytes of Markdown
	maxEventPlace       = 500
	maxEventLength      = 31 * 24 * time.Hour
	maxEventCapacity    = 1_000_000
)

// EventReminderAhead is how long before an event its local attendees are
// reminded of it.
const EventReminderAhead = 24 * time.Hour

// ErrEventFull refuses an attendance when the event has no places left.
var ErrEventFull = errors.New("federation: the event is full")

// NewEvent is what it takes to create an event. Start and End are
// instants; TimeZone is the IANA zone they are shown in ("" is UTC).
type NewEvent struct {
	Name         string
	Description  string // Markdown
	Start, End   time.Time
	TimeZone     string
	PlaceName    string
	PlaceAddress string
	OnlineURL    string
	Capacity     int // 0: no limit
}

// EventEdit is a change to an event; nil fields stay as they are.
type EventEdit struct {
	Name         *string
	Description  *string
	Start, End   *time.Time
	TimeZone     *string
	PlaceName    *string
	PlaceAddress *string
	OnlineURL    *string
	Capacity     *int
	Cancel       bool // cancel it (a cancelled event is never restored)
}

// CreateEvent adds an event to a community hosted here, by one of its
// members or moderators, and sends Create{Event} to the Group, which
// announces it to its followers. A member of another node proposes one
// instead (ProposeEvent), applied here with createEventIn, the same checks.
func (e *Engine) CreateEvent(ctx context.Context, organiser storage.Account, communityID storage.ID, ne NewEvent) (storage.CommunityEvent, error) {
	if !organiser.Local() {
		return storage.CommunityEvent{}, fmt.Errorf("create event by %s: %w", organiser.URI, ErrDenied)
	}
	var ev storage.CommunityEvent
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		var err error
		ev, err = e.createEventIn(ctx, tx, organiser, communityID, ne)
		return err
	})
	if err != nil {
		return storage.CommunityEvent{}, fmt.Errorf("create event: %w", err)
	}
	return ev, nil
}

// newEventOf is an event as a member typed it, checked.
func (e *Engine) newEventOf(organiser storage.Account, ne NewEvent) (storage.CommunityEvent, error) {
	ev := storage.CommunityEvent{Local: true, OrganiserID: organiser.ID, Name: cleanLine(ne.Name),
		DescriptionSource: strings.TrimSpace(cleanText(ne.Description)), Start: ne.Start, End: ne.End,
		TimeZone: cmpOr(strings.TrimSpace(ne.TimeZone), "UTC"), PlaceName: cleanLine(ne.PlaceName),
		PlaceAddress: cleanLine(ne.PlaceAddress), OnlineURL: strings.TrimSpace(ne.OnlineURL), Capacity: ne.Capacity}
	return ev, e.checkEvent(&ev)
}

// createEventIn is every creation of an event in a community hosted here,
// by a member of this node or of another: the checks (the event, then
// mayCreateIn) come before anything is written.
func (e *Engine) createEventIn(ctx context.Context, tx *storage.Tx, organiser storage.Account, communityID storage.ID, ne NewEvent) (storage.CommunityEvent, error) {
	if organiser.ActorType != activitypub.TypePerson {
		return storage.CommunityEvent{}, fmt.Errorf("create event by %s: %w", organiser.URI, ErrDenied)
	}
	ev, err := e.newEventOf(organiser, ne)
	if err != nil {
		return storage.CommunityEvent{}, err
	}
	g, err := hostedCommunity(ctx, tx, communityID)
	if err != nil {
		return storage.CommunityEvent{}, err
	}
	if err := mayCreateIn(ctx, tx, g, organiser); err != nil {
		return storage.CommunityEvent{}, err
	}
	ev.ID, ev.CommunityID = tx.NewID(), g.ID
	ev.URI, ev.URL = e.urls.Event(ev.ID), e.urls.EventPage(g.Username, ev.ID)
	if err := tx.InsertCommunityEvent(ctx, &ev); err != nil {
		return storage.CommunityEvent{}, err
	}
	return ev, e.sendEvent(ctx, tx, g, organiser, ev, activitypub.TypeCreate)
}

// EditEvent changes an event hosted here, by its organiser or one of the
// community's moderators, and sends Update{Event}.
func (e *Engine) EditEvent(ctx context.Context, editor storage.Account, id storage.ID, ed EventEdit) (storage.CommunityEvent, error) {
	return e.reviseEvent(ctx, editor, id, e.eventChange(ed))
}

// eventChange is what an edit does to an event, for reviseEvent(In): the
// same for a member of this node and of another.
func (e *Engine) eventChange(ed EventEdit) func(*storage.CommunityEvent) error {
	return func(ev *storage.CommunityEvent) error {
		if ev.Cancelled() {
			if ed == (EventEdit{Cancel: true}) {
				return nil // cancelled already: nothing to do
			}
			return invalid("the event was cancelled")
		}
		set := func(dst *string, src *string, clean func(string) string) {
			if src != nil {
				*dst = clean(*src)
			}
		}
		set(&ev.Name, ed.Name, cleanLine)
		set(&ev.DescriptionSource, ed.Description, func(s string) string { return strings.TrimSpace(cleanText(s)) })
		set(&ev.TimeZone, ed.TimeZone, func(s string) string { return cmpOr(strings.TrimSpace(s), "UTC") })
		set(&ev.PlaceName, ed.PlaceName, cleanLine)
		set(&ev.PlaceAddress, ed.PlaceAddress, cleanLine)
		set(&ev.OnlineURL, ed.OnlineURL, strings.TrimSpace)
		if ed.Start != nil {
			ev.Start = *ed.Start
		}
		if ed.End != nil {
			ev.End = *ed.End
		}
		if ed.Capacity != nil {
			ev.Capacity = *ed.Capacity
		}
		if ed.Cancel {
			ev.CancelledAt = e.now()
		}
		return e.checkEvent(ev)
	}
}

// CancelEvent cancels an event hosted here (organiser or moderators):
// it stays listed as cancelled, so calendars learn of it, and its
// attendees get no reminder. An event of a community on another node is
// an *InvalidError here (not found for a member who may not read it):
// SubmitEventEdit with Cancel proposes its cancellation to that node.
func (e *Engine) CancelEvent(ctx context.Context, editor storage.Account, id storage.ID) (storage.CommunityEvent, error) {
	if ev, err := e.store.CommunityEventByID(ctx, id); err == nil && !ev.Local {
		if err := e.readableElsewhere(ctx, editor, ev.CommunityID, ev.URI); err != nil {
			return storage.CommunityEvent{}, err
		}
		return storage.CommunityEvent{}, invalid("an event is cancelled on its community's own node")
	}
	return e.reviseEvent(ctx, editor, id, func(ev *storage.CommunityEvent) error {
		if !ev.Cancelled() {
			ev.CancelledAt = e.now()
		}
		return nil
	})
}

// reviseEvent is every change of an event hosted here by a member of this
// node: reviseEventIn in its own transaction.
func (e *Engine) reviseEvent(ctx context.Context, editor storage.Account, id storage.ID, change func(*storage.CommunityEvent) error) (storage.CommunityEvent, error) {
	if !editor.Local() {
		return storage.CommunityEvent{}, fmt.Errorf("edit event by %s: %w", editor.URI, ErrDenied)
	}
	var out storage.CommunityEvent
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		var err error
		out, err = e.reviseEventIn(ctx, tx, editor, id, change)
		return err
	})
	if err != nil {
		return storage.CommunityEvent{}, fmt.Errorf("edit event %s: %w", id, err)
	}
	return out, nil
}

// reviseEventIn is every change of an event hosted here, by a member of
// this node or (applying their proposal) of another: its organiser or a
// moderator of the community, not banned from it. Every refusal comes
// before anything is written; the Group's followers are sent Update{Event}.
func (e *Engine) reviseEventIn(ctx context.Context, tx *storage.Tx, editor storage.Account, id storage.ID, change func(*storage.CommunityEvent) error) (storage.CommunityEvent, error) {
	ev, err := tx.CommunityEventByID(ctx, id)
	if err != nil {
		return storage.CommunityEvent{}, err
	}
	if !ev.Local {
		return storage.CommunityEvent{}, fmt.Errorf("edit %s, hosted on another node: %w", ev.URI, ErrDenied)
	}
	g, err := hostedCommunity(ctx, tx, ev.CommunityID)
	if err != nil {
		return storage.CommunityEvent{}, err
	}
	mod, err := tx.IsCommunityModerator(ctx, g.ID, editor.ID)
	if err != nil {
		return storage.CommunityEvent{}, err
	}
	if !mod && ev.OrganiserID != editor.ID {
		return storage.CommunityEvent{}, fmt.Errorf("%s may not edit %s: %w", editor.Acct(), ev.URI, ErrDenied)
	}
	if !mod {
		s, err := tx.StandingIn(ctx, g.ID, editor.ID)
		if err != nil {
			return storage.CommunityEvent{}, err
		}
		if ok, err := authorKeepsAccess(ctx, tx, g, s); err != nil || !ok {
			return storage.CommunityEvent{}, errors.Join(err, fmt.Errorf("%s left %s: %w", editor.Acct(), g.Acct(), ErrDenied))
		}
	}
	if banned, _, err := communityBanned(ctx, tx, g, editor); err != nil || banned {
		return storage.CommunityEvent{}, errors.Join(err, fmt.Errorf("%s is banned from %s: %w", editor.Acct(), g.Acct(), ErrDenied))
	}
	if err := change(&ev); err != nil {
		return storage.CommunityEvent{}, err
	}
	ev.UpdatedAt = tx.Now()
	if err := tx.UpdateCommunityEvent(ctx, ev); err != nil {
		return storage.CommunityEvent{}, err
	}
	return ev, e.sendEvent(ctx, tx, g, editor, ev, activitypub.TypeUpdate)
}

// EventReadable reports whether viewer (the zero Account: nobody signed
// in) may see an event and its attendees: whoever may read its
// community's library (the one rule, ArtefactReadable).
func (e *Engine) EventReadable(ctx context.Context, viewer storage.Account, ev storage.CommunityEvent) (bool, error) {
	return e.ArtefactReadable(ctx, viewer, storage.Artefact{CommunityID: ev.CommunityID, URI: ev.URI})
}

// Attend records that a local member will attend an event. For an event
// hosted here the capacity is checked in the transaction that writes
// (ErrEventFull); for a remote one a Join goes to its Group, whose node
// counts and may answer Reject.
func (e *Engine) Attend(ctx context.Context, member storage.Account, eventID storage.ID) (storage.CommunityEvent, error) {
	if !member.Local() || member.ActorType != activitypub.TypePerson {
		return storage.CommunityEvent{}, fmt.Errorf("attend by %s: %w", member.URI, ErrDenied)
	}
	var out storage.CommunityEvent
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		ev, g, err := attendableEvent(ctx, tx, eventID, member)
		if err != nil {
			return err
		}
		joinID := e.urls.Activity(member.Username, tx.NewID())
		if ev.Local {
			if out, err = e.addAttendee(ctx, tx, ev, member, joinID); err != nil {
				return err
			}
			return nil
		}
		if err := tx.SetAttendance(ctx, ev.ID, member.ID, storage.AttendGoing, joinID); err != nil {
			return err
		}
		body, err := activitypub.MarshalJoin(joinID, activitypub.TypeJoin, member.URI, ev.URI)
		if err != nil {
			return fmt.Errorf("join %s: %w", ev.URI, err)
		}
		out = ev
		return e.publishBody(ctx, tx, member, joinID, activitypub.TypeJoin, false, body, []string{g.Inbox})
	})
	if err != nil {
		return storage.CommunityEvent{}, fmt.Errorf("attend event %s: %w", eventID, err)
	}
	return out, nil
}

// LeaveEvent records that a local member will no longer attend; for a
// remote event a Leave goes to its Group.
func (e *Engine) LeaveEvent(ctx context.Context, member storage.Account, eventID storage.ID) (storage.CommunityEvent, error) {
	var out storage.CommunityEvent
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		ev, err := tx.CommunityEventByID(ctx, eventID)
		if err != nil {
			return err
		}
		att, err := tx.AttendanceOf(ctx, ev.ID, member.ID)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && att.State != storage.AttendGoing) {
			out = ev
			return nil // not attending: nothing to do
		}
		if err != nil {
			return err
		}
		if out, err = e.removeAttendee(ctx, tx, ev, member.ID); err != nil {
			return err
		}
		if ev.Local {
			return nil
		}
		g, err := tx.AccountByID(ctx, ev.CommunityID)
		if err != nil {
			return fmt.Errorf("community of %s: %w", ev.URI, err)
		}
		id := e.urls.Activity(member.Username, tx.NewID())
		body, err := activitypub.MarshalJoin(id, activitypub.TypeLeave, member.URI, ev.URI)
		if err != nil {
			return fmt.Errorf("leave %s: %w", ev.URI, err)
		}
		return e.publishBody(ctx, tx, member, id, activitypub.TypeLeave, false, body, []string{g.Inbox})
	})
	if err != nil {
		return storage.CommunityEvent{}, fmt.Errorf("leave event %s: %w", eventID, err)
	}
	return out, nil
}

// attendableEvent loads an event a member may say they will attend: one
// not cancelled, not over, of a community they are a member of.
func attendableEvent(ctx context.Context, tx *storage.Tx, eventID storage.ID, member storage.Account) (storage.CommunityEvent, storage.Account, error) {
	ev, err := tx.CommunityEventByID(ctx, eventID)
	if err != nil {
		return storage.CommunityEvent{}, storage.Account{}, err
	}
	g, err := tx.AccountByID(ctx, ev.CommunityID)
	if err != nil {
		return storage.CommunityEvent{}, storage.Account{}, fmt.Errorf("community of %s: %w", ev.URI, err)
	}
	switch {
	case ev.Cancelled():
		return storage.CommunityEvent{}, storage.Account{}, invalid("the event was cancelled")
	case !ev.End.After(tx.Now()):
		return storage.CommunityEvent{}, storage.Account{}, invalid("the event is over")
	case !g.SuspendedAt.IsZero():
		return storage.CommunityEvent{}, storage.Account{}, fmt.Errorf("community %s is suspended: %w", g.Acct(), ErrDenied)
	}
	ok, err := isContributor(ctx, tx, g, member)
	if err != nil {
		return storage.CommunityEvent{}, storage.Account{}, err
	}
	if !ok {
		return storage.CommunityEvent{}, storage.Account{}, fmt.Errorf("%s is not a member of %s: %w", member.Acct(), g.Acct(), ErrDenied)
	}
	return ev, g, nil
}

// addAttendee records account as attending an event hosted here, unless
// it is full (ErrEventFull), and keeps the count. Attending twice is one
// attendance.
func (e *Engine) addAttendee(ctx context.Context, tx *storage.Tx, ev storage.CommunityEvent, account storage.Account, joinID string) (storage.CommunityEvent, error) {
	att, err := tx.AttendanceOf(ctx, ev.ID, account.ID)
	if err == nil && att.State == storage.AttendGoing {
		return ev, nil
	}
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return storage.CommunityEvent{}, err
	}
	n, err := tx.CountAttendees(ctx, ev.ID)
	if err != nil {
		return storage.CommunityEvent{}, err
	}
	if ev.Capacity > 0 && n >= ev.Capacity {
		return storage.CommunityEvent{}, ErrEventFull
	}
	if err := tx.SetAttendance(ctx, ev.ID, account.ID, storage.AttendGoing, joinID); err != nil {
		return storage.CommunityEvent{}, err
	}
	ev.AttendeeCount = n + 1
	return ev, e.keepEventCount(ctx, tx, ev)
}

// keepEventCount stores the attendee count of an event hosted here and
// makes it due to reach the nodes that hold the event (SendEventCounts),
// pollUpdateDelay from now, so that the answers of those minutes go in one
// Update{Event}.
func (e *Engine) keepEventCount(ctx context.Context, tx *storage.Tx, ev storage.CommunityEvent) error {
	if err := tx.UpdateCommunityEvent(ctx, ev); err != nil {
		return err
	}
	return tx.ScheduleEventCount(ctx, ev.ID, tx.Now().Add(e.pollUpdateDelay))
}

// removeAttendee records that account no longer attends, and keeps the
// count of an event hosted here.
func (e *Engine) removeAttendee(ctx context.Context, tx *storage.Tx, ev storage.CommunityEvent, account storage.ID) (storage.CommunityEvent, error) {
	if err := tx.SetAttendance(ctx, ev.ID, account, storage.AttendLeft, ""); err != nil {
		return storage.CommunityEvent{}, err
	}
	if !ev.Local {
		return ev, nil
	}
	n, err := tx.CountAttendees(ctx, ev.ID)
	if err != nil {
		return storage.CommunityEvent{}, err
	}
	ev.AttendeeCount = n
	return ev, e.keepEventCount(ctx, tx, ev)
}

// EventFeedToken returns the secret token of a local member's personal
// calendar feed, making one the first time.
func (e *Engine) EventFeedToken(ctx context.Context, member storage.Account) (string, error) {
	if tok, err := e.store.EventFeedToken(ctx, member.ID); err == nil || !errors.Is(err, storage.ErrNotFound) {
		return tok, err
	}
	return e.ResetEventFeedToken(ctx, member)
}

// ResetEventFeedToken gives a local member's calendar feed a new secret
// token: the old URL stops working.
func (e *Engine) ResetEventFeedToken(ctx context.Context, member storage.Account) (string, error) {
	if !member.Local() {
		return "", fmt.Errorf("feed token of %s: %w", member.URI, ErrDenied)
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("feed token: %w", err)
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.SetEventFeedToken(ctx, member.ID, tok) })
	if err != nil {
		return "", fmt.Errorf("feed token of %s: %w", member.Acct(), err)
	}
	return tok, nil
}

// checkEvent validates and renders an event's fields.
func (e *Engine) checkEvent(ev *storage.CommunityEvent) error {
	switch {
	case ev.Name == "":
		return invalid("name can't be blank")
	case utf8.RuneCountInString(ev.Name) > maxEventName:
		return invalid("name is longer than %d characters", maxEventName)
	case len(ev.DescriptionSource) > maxEventDescription:
		return invalid("description is longer than %d bytes", maxEventDescription)
	case ev.Start.IsZero():
		return invalid("start is required")
	case ev.End.IsZero():
		return invalid("end is required")
	case ev.End.Before(ev.Start):
		return invalid("end is before start")
	case ev.End.Sub(ev.Start) > maxEventLength:
		return invalid("an event lasts at most 31 days")
	case utf8.RuneCountInString(ev.PlaceName) > maxEventPlace || utf8.RuneCountInString(ev.PlaceAddress) > maxEventPlace:
		return invalid("place name and address are at most %d characters each", maxEventPlace)
	case ev.Capacity < 0 || ev.Capacity > maxEventCapacity:
		return invalid("capacity must be between 0 (no limit) and %d", maxEventCapacity)
	}
	if _, err := time.LoadLocation(ev.TimeZone); err != nil || ev.TimeZone == "Local" {
		return invalid("time zone %q is not an IANA time zone name", ev.TimeZone)
	}
	if ev.OnlineURL != "" {
		if u, err := url.Parse(ev.OnlineURL); err != nil || u.Scheme != "https" || u.Host == "" {
			return invalid("online_url must be an https URL")
		}
	}
	ev.Start, ev.End = ev.Start.UTC().Truncate(time.Second), ev.End.UTC().Truncate(time.Second)
	html, err := e.renderArtefact(ev.DescriptionSource)
	if err != nil {
		return err
	}
	ev.DescriptionHTML = html
	return nil
}

// Event is the ActivityPub id of an event hosted here.
func (u URLs) Event(id storage.ID) string { return u.Base + "/events/" + id.String() }

// EventPage is the web page of a local event in the community with handle.
func (u URLs) EventPage(handle string, id storage.ID) string {
	return u.Base + "/c/" + url.PathEscape(handle) + "/events/" + id.String()
}
