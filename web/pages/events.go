package pages

import (
	"context"
	"crypto/subtle"
	"errors"
	"html/template"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/storage"
)

// A community's events (issue 13 item 5): the upcoming events at
// /c/{handle}/events, each with an "add to calendar" link to its own
// .ics, the community's calendar at /c/{handle}/events.ics, and a
// member's personal calendar of the events they attend at
// /@{username}/events.ics?token=... The personal feed is behind a secret
// token rather than sign-in: Outlook and other calendars subscribe
// without cookies, so the URL is the credential (a member gets and
// replaces it through the copse API).

// Feed limits: how many events a page or a calendar lists, and how far
// back a calendar reaches (so a calendar sees recent cancellations).
const (
	maxEventsShown = 200
	calendarPast   = 30 * 24 * time.Hour
)

type eventView struct {
	ID, Name, URL, CalendarURL string
	Page                       string        // its own page here
	Description                template.HTML // rendered and sanitised by the engine
	When, StartISO, EndISO     string
	TimeZone                   string
	Where, OnlineURL           string
	Capacity, Attendees        int
	Cancelled, Ended           bool
}

type eventsPage struct {
	pageView
	Community   *communityView
	Events      []eventView
	CalendarURL string
	Hidden      bool // members-only
	Single      bool // the page of one event, whose name is its heading
}

func eventsPath(handle string) string { return communityPath(handle) + "/events" }

// Events serves /c/{handle}/events.
func (h *Handler) Events(w http.ResponseWriter, r *http.Request) {
	if err := h.events(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) events(w http.ResponseWriter, r *http.Request) error {
	g, cv, ok, err := h.pageCommunity(r, h.eventsReadable)
	if err != nil {
		return err
	}
	v := eventsPage{pageView: h.viewIn(cv, "Events of "+cv.Name), Community: cv, CalendarURL: eventsPath(g.Acct()) + ".ics"}
	if !ok {
		v.Hidden = true
		return h.render(w, r, http.StatusOK, "events", &v)
	}
	list, err := h.store.CommunityEvents(r.Context(), g.ID, h.store.Now(), false, maxEventsShown)
	if err != nil {
		return err
	}
	for _, ev := range list {
		v.Events = append(v.Events, eventViewOf(g.Acct(), ev, h.store.Now()))
	}
	if v.Member, err = h.eventActions(r, list); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "events", &v)
}

// Event serves /c/{handle}/events/{id}: one event, past and cancelled
// ones too, so the link a post, a search hit or a calendar gives for it
// always shows it. Who may not read it is told it is not found.
func (h *Handler) Event(w http.ResponseWriter, r *http.Request) {
	if err := h.event(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) event(w http.ResponseWriter, r *http.Request) error {
	g, cv, ev, err := h.readableEvent(r)
	if err != nil {
		return err
	}
	v := eventsPage{pageView: h.viewIn(cv, ev.Name), Community: cv, CalendarURL: eventsPath(g.Acct()) + ".ics", Single: true,
		Events: []eventView{eventViewOf(g.Acct(), ev, h.store.Now())}}
	if v.Member, err = h.eventActions(r, []storage.CommunityEvent{ev}); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "event", &v)
}

// readableEvent is the event of the path ({handle}, {id}) with its
// community (formEvent), when the viewer may read it; not found
// otherwise, as an event of another community is.
func (h *Handler) readableEvent(r *http.Request) (storage.Account, *communityView, storage.CommunityEvent, error) {
	g, cv, ev, err := h.formEvent(r)
	if err != nil {
		return storage.Account{}, nil, storage.CommunityEvent{}, err
	}
	if ok, err := h.engine.EventReadable(r.Context(), viewerOf(r), ev); err != nil || !ok {
		return storage.Account{}, nil, storage.CommunityEvent{}, errors.Join(err, storage.ErrNotFound)
	}
	return g, cv, ev, nil
}

// eventsReadable reports whether viewer may read the events of the
// community g.
func (h *Handler) eventsReadable(ctx context.Context, viewer, g storage.Account) (bool, error) {
	return h.engine.EventReadable(ctx, viewer, storage.CommunityEvent{CommunityID: g.ID, URI: g.URI})
}

// eventViewOf is how the pages show ev, at now.
func eventViewOf(handle string, ev storage.CommunityEvent, now time.Time) eventView {
	loc, err := time.LoadLocation(ev.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	start, end := ev.Start.In(loc), ev.End.In(loc)
	when := start.Format("Monday 2 January 2006, 15:04") + " to "
	if start.YearDay() == end.YearDay() && start.Year() == end.Year() {
		when += end.Format("15:04 MST")
	} else {
		when += end.Format("Monday 2 January 2006, 15:04 MST")
	}
	return eventView{ID: ev.ID.String(), Name: ev.Name, URL: ev.URL, Description: template.HTML(demoteHeadings(ev.DescriptionHTML)), When: when,
		StartISO: ev.Start.UTC().Format(time.RFC3339), EndISO: ev.End.UTC().Format(time.RFC3339), TimeZone: ev.TimeZone,
		Where:     storage.CommunityEvent{PlaceName: ev.PlaceName, PlaceAddress: ev.PlaceAddress}.Where(),
		OnlineURL: ev.OnlineURL, Capacity: ev.Capacity, Attendees: ev.AttendeeCount, Cancelled: ev.Cancelled(),
		Ended: !ev.End.After(now), Page: eventPath(handle, ev.ID), CalendarURL: eventPath(handle, ev.ID) + ".ics"}
}

// CommunityCalendar serves /c/{handle}/events.ics: the community's events
// from calendarPast ago on, cancelled ones included.
func (h *Handler) CommunityCalendar(w http.ResponseWriter, r *http.Request) {
	if err := h.communityCalendar(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) communityCalendar(w http.ResponseWriter, r *http.Request) error {
	g, _, err := h.shownCommunity(r)
	if err != nil {
		return err
	}
	if ok, err := h.eventsReadable(r.Context(), viewerOf(r), g); err != nil || !ok {
		return errors.Join(err, storage.ErrNotFound)
	}
	now := h.store.Now()
	list, err := h.store.CommunityEvents(r.Context(), g.ID, now.Add(-calendarPast), true, maxEventsShown)
	if err != nil {
		return err
	}
	name := g.DisplayName
	if name == "" {
		name = g.Username
	}
	out := make([]calendarEvent, 0, len(list))
	for _, ev := range list {
		out = append(out, calendarEvent{CommunityEvent: ev})
	}
	return h.serveCalendar(w, "Events of "+name, g.Username+"-events.ics", out, now)
}

// EventCalendar serves /c/{handle}/events/{id}.ics: one event, for "add
// to calendar".
func (h *Handler) EventCalendar(w http.ResponseWriter, r *http.Request) {
	if err := h.eventCalendar(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) eventCalendar(w http.ResponseWriter, r *http.Request) error {
	_, _, ev, err := h.readableEvent(r)
	if err != nil {
		return err
	}
	return h.serveCalendar(w, ev.Name, "event-"+ev.ID.String()+".ics", []calendarEvent{{CommunityEvent: ev}}, h.store.Now())
}

// MemberCalendar serves /@{username}/events.ics?token=...: the events a
// member said they will attend, in every community. A wrong or missing
// token is not found, as an unknown member is.
func (h *Handler) MemberCalendar(w http.ResponseWriter, r *http.Request) {
	if err := h.memberCalendar(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) memberCalendar(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := h.store.AccountByUsername(ctx, chi.URLParam(r, "username"))
	if err != nil {
		return err
	}
	want, err := h.store.EventFeedToken(ctx, a.ID)
	if err != nil {
		return err
	}
	got := r.URL.Query().Get("token")
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 || !a.Local() || !a.SuspendedAt.IsZero() {
		return storage.ErrNotFound
	}
	now := h.store.Now()
	list, err := h.store.AccountEvents(ctx, a.ID, now.Add(-calendarPast), maxEventsShown)
	if err != nil {
		return err
	}
	ids := make([]storage.ID, 0, len(list))
	for _, ev := range list {
		ids = append(ids, ev.CommunityID)
	}
	groups, err := h.store.AccountsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	out := make([]calendarEvent, 0, len(list))
	for _, ev := range list {
		// Attending outlasts membership: a members-only community's
		// event is in the calendar only while the member may read it.
		if ok, err := h.engine.EventReadable(ctx, a, ev); err != nil {
			return err
		} else if !ok {
			continue
		}
		g := groups[ev.CommunityID]
		name := g.DisplayName
		if name == "" {
			name = g.Username
		}
		out = append(out, calendarEvent{CommunityEvent: ev, Community: name})
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	return h.serveCalendar(w, "Events of "+a.Username, a.Username+"-events.ics", out, now)
}

func (h *Handler) serveCalendar(w http.ResponseWriter, name, file string, events []calendarEvent, now time.Time) error {
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="`+file+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=300")
	return writeCalendar(w, name, events, now)
}
