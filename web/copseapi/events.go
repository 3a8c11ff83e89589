package copseapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/api"
	"github.com/copse-dev/copse/web/httperr"
)

// A community's events (issue 13 item 5): listed and read by whoever may
// read the community (federation.EventReadable), created by its members,
// edited and cancelled by the organiser and moderators, attended by
// members. Times are RFC 3339 instants; time_zone is the IANA zone the
// event is shown in.

// maxEventsListed bounds a list of events or attendees.
const maxEventsListed = 200

func (h *Handler) mountEvents(r chi.Router) {
	r.Method(http.MethodGet, "/communities/{id}/events", h.handle(h.communityEvents))
	r.Method(http.MethodPost, "/communities/{id}/events", h.handle(h.createEvent))
	r.Method(http.MethodGet, "/events/{id}", h.handle(h.event))
	r.Method(http.MethodPatch, "/events/{id}", h.handle(h.editEvent))
	r.Method(http.MethodDelete, "/events/{id}", h.handle(h.deleteEvent))
	r.Method(http.MethodPost, "/events/{id}/attendance", h.handle(h.attend))
	r.Method(http.MethodDelete, "/events/{id}/attendance", h.handle(h.leaveEvent))
	r.Method(http.MethodGet, "/events/{id}/attendees", h.handle(h.attendees))
	r.Method(http.MethodGet, "/calendar_feed", h.handle(h.calendarFeed(false)))
	r.Method(http.MethodPost, "/calendar_feed/reset", h.handle(h.calendarFeed(true)))
}

type placeEntity struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

type eventEntity struct {
	ID          string       `json:"id"`
	CommunityID string       `json:"community_id"`
	URI         string       `json:"uri"`
	URL         string       `json:"url"`
	Local       bool         `json:"local"`
	Name        string       `json:"name"`
	Description string       `json:"description"`      // Markdown
	DescHTML    string       `json:"description_html"` // rendered and sanitised
	StartsAt    string       `json:"starts_at"`
	EndsAt      string       `json:"ends_at"`
	TimeZone    string       `json:"time_zone"`
	Place       *placeEntity `json:"place"`
	OnlineURL   string       `json:"online_url"`
	Capacity    int          `json:"capacity"` // 0: no limit
	Attendees   int          `json:"attendees_count"`
	Organiser   string       `json:"organiser"` // acct, "" once gone
	Cancelled   bool         `json:"cancelled"`
	Attending   bool         `json:"attending"` // the caller said they will attend
	CreatedAt   string       `json:"created_at"`
	UpdatedAt   string       `json:"updated_at"`
}

func (h *Handler) eventEntity(r *http.Request, me storage.Account, ev storage.CommunityEvent) (eventEntity, error) {
	ent := eventEntity{ID: ev.ID.String(), CommunityID: ev.CommunityID.String(), URI: ev.URI, URL: ev.URL, Local: ev.Local,
		Name: ev.Name, Description: ev.DescriptionSource, DescHTML: ev.DescriptionHTML,
		StartsAt: ev.Start.UTC().Format(time.RFC3339), EndsAt: ev.End.UTC().Format(time.RFC3339), TimeZone: ev.TimeZone,
		OnlineURL: ev.OnlineURL, Capacity: ev.Capacity, Attendees: ev.AttendeeCount, Cancelled: ev.Cancelled(),
		CreatedAt: ev.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: ev.UpdatedAt.UTC().Format(time.RFC3339)}
	if ev.PlaceName != "" || ev.PlaceAddress != "" {
		ent.Place = &placeEntity{Name: ev.PlaceName, Address: ev.PlaceAddress}
	}
	if ev.OrganiserID != 0 {
		if org, err := h.store.AccountByID(r.Context(), ev.OrganiserID); err == nil {
			ent.Organiser = h.acct(org)
		} else if !errors.Is(err, storage.ErrNotFound) {
			return eventEntity{}, err
		}
	}
	if me.ID != 0 {
		att, err := h.store.AttendanceOf(r.Context(), ev.ID, me.ID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return eventEntity{}, err
		}
		ent.Attending = err == nil && att.State == storage.AttendGoing
	}
	return ent, nil
}

// readableEvent loads the event of the {id} in the path if the caller may
// see it; one it may not is not found.
func (h *Handler) readableEvent(r *http.Request) (storage.CommunityEvent, storage.Account, error) {
	return readablePath(r, h.store.CommunityEventByID, h.engine.EventReadable)
}

// writableEvent is the prologue of a change the caller makes to the event
// in the path (attending, leaving, deleting): the caller, who needs the
// write scope (asked first), and the event, if they may read it.
func (h *Handler) writableEvent(r *http.Request) (storage.Account, storage.CommunityEvent, error) {
	me, err := api.Caller(r, "write")
	if err != nil {
		return storage.Account{}, storage.CommunityEvent{}, err
	}
	ev, _, err := h.readableEvent(r)
	return me, ev, err
}

// communityEvents: GET /api/copse/v1/communities/{id}/events, the events
// of a community that have not ended (?past=true: from 30 days ago),
// soonest first, cancelled ones included.
func (h *Handler) communityEvents(w http.ResponseWriter, r *http.Request) error {
	g, me, err := h.readableGroup(r, func(ctx context.Context, me, g storage.Account) (bool, error) {
		return h.engine.EventReadable(ctx, me, storage.CommunityEvent{CommunityID: g.ID, URI: g.URI})
	})
	if err != nil {
		return err
	}
	from := h.store.Now()
	if r.URL.Query().Get("past") == "true" {
		from = from.Add(-30 * 24 * time.Hour)
	}
	list, err := h.store.CommunityEvents(r.Context(), g.ID, from, true, maxEventsListed)
	if err != nil {
		return err
	}
	out := make([]eventEntity, 0, len(list))
	for _, ev := range list {
		ent, err := h.eventEntity(r, me, ev)
		if err != nil {
			return err
		}
		out = append(out, ent)
	}
	httperr.JSON(w, http.StatusOK, out)
	return nil
}

type eventRequest struct {
	Name        *string    `json:"name"`
	Description *string    `json:"description"`
	StartsAt    *time.Time `json:"starts_at"`
	EndsAt      *time.Time `json:"ends_at"`
	TimeZone    *string    `json:"time_zone"`
	Place       *struct {
		Name    string `json:"name"`
		Address string `json:"address"`
	} `json:"place"`
	OnlineURL *string `json:"online_url"`
	Capacity  *int    `json:"capacity"`
	Cancelled *bool   `json:"cancelled"` // PATCH only: true cancels
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// createEvent: POST /api/copse/v1/communities/{id}/events, a JSON object,
// by a member or moderator of the community: the event when it is hosted
// here, 202 and pendingEntity when it is hosted on another node.
func (h *Handler) createEvent(w http.ResponseWriter, r *http.Request) error {
	me, id, req, err := writeRequest[eventRequest](r)
	if err != nil {
		return err
	}
	ne := federation.NewEvent{Name: deref(req.Name), Description: deref(req.Description), Start: deref(req.StartsAt),
		End: deref(req.EndsAt), TimeZone: deref(req.TimeZone), OnlineURL: deref(req.OnlineURL), Capacity: deref(req.Capacity)}
	if req.Place != nil {
		ne.PlaceName, ne.PlaceAddress = req.Place.Name, req.Place.Address
	}
	s, err := h.engine.SubmitEvent(r.Context(), me, id, ne)
	if err != nil {
		return err
	}
	if s.Pending != nil {
		return answerPending(w, *s.Pending)
	}
	ent, err := h.eventEntity(r, me, s.Item)
	if err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, ent)
	return nil
}

// event: GET /api/copse/v1/events/{id}.
func (h *Handler) event(w http.ResponseWriter, r *http.Request) error {
	ev, me, err := h.readableEvent(r)
	if err != nil {
		return err
	}
	ent, err := h.eventEntity(r, me, ev)
	if err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, ent)
	return nil
}

// editEvent: PATCH /api/copse/v1/events/{id}; absent fields stay, and
// "cancelled": true cancels the event. An event of a community on another
// node is answered 202 and pendingEntity (it is cancelled there only).
func (h *Handler) editEvent(w http.ResponseWriter, r *http.Request) error {
	me, id, req, err := writeRequest[eventRequest](r)
	if err != nil {
		return err
	}
	if req.Cancelled != nil && !*req.Cancelled {
		return httperr.New(http.StatusUnprocessableEntity, "a cancelled event cannot be restored; create a new one")
	}
	ed := federation.EventEdit{Name: req.Name, Description: req.Description, Start: req.StartsAt, End: req.EndsAt,
		TimeZone: req.TimeZone, OnlineURL: req.OnlineURL, Capacity: req.Capacity}
	if req.Place != nil {
		ed.PlaceName, ed.PlaceAddress = &req.Place.Name, &req.Place.Address
	}
	if req.Cancelled != nil {
		ed = federation.EventEdit{Cancel: true} // a cancellation alone
	}
	s, err := h.engine.SubmitEventEdit(r.Context(), me, id, ed)
	if err != nil {
		return err
	}
	if s.Pending != nil {
		return answerPending(w, *s.Pending)
	}
	ent, err := h.eventEntity(r, me, s.Item)
	if err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, ent)
	return nil
}

// attend: POST /api/copse/v1/events/{id}/attendance, the caller will
// attend; 409 when the event is full.
func (h *Handler) attend(w http.ResponseWriter, r *http.Request) error {
	return h.setAttendance(w, r, h.engine.Attend)
}

// leaveEvent: DELETE /api/copse/v1/events/{id}/attendance.
func (h *Handler) leaveEvent(w http.ResponseWriter, r *http.Request) error {
	return h.setAttendance(w, r, h.engine.LeaveEvent)
}

func (h *Handler) setAttendance(w http.ResponseWriter, r *http.Request,
	act func(context.Context, storage.Account, storage.ID) (storage.CommunityEvent, error)) error {
	me, ev, err := h.writableEvent(r)
	if err != nil {
		return err
	}
	ev, err = act(r.Context(), me, ev.ID)
	if errors.Is(err, federation.ErrEventFull) {
		return httperr.New(http.StatusConflict, "The event is full")
	}
	if err != nil {
		return err
	}
	ent, err := h.eventEntity(r, me, ev)
	if err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, ent)
	return nil
}

type attendeeEntity struct {
	Acct      string `json:"acct"`
	URL       string `json:"url"`
	Local     bool   `json:"local"`
	Since     string `json:"since"`
	AccountID string `json:"account_id"`
}

// attendees: GET /api/copse/v1/events/{id}/attendees, who said they will
// attend, as known here (the host knows them all), by account ID after
// ?after=.
func (h *Handler) attendees(w http.ResponseWriter, r *http.Request) error {
	ev, _, err := h.readableEvent(r)
	if err != nil {
		return err
	}
	var after storage.ID
	if s := r.URL.Query().Get("after"); s != "" {
		if after, err = storage.ParseID(s); err != nil {
			return httperr.New(http.StatusBadRequest, "after must be an account ID")
		}
	}
	list, err := h.store.EventAttendees(r.Context(), ev.ID, after, maxEventsListed)
	if err != nil {
		return err
	}
	ids := make([]storage.ID, 0, len(list))
	for _, a := range list {
		ids = append(ids, a.AccountID)
	}
	accounts, err := h.store.AccountsByIDs(r.Context(), ids)
	if err != nil {
		return err
	}
	out := make([]attendeeEntity, 0, len(list))
	for _, a := range list {
		acc, ok := accounts[a.AccountID]
		if !ok {
			continue
		}
		out = append(out, attendeeEntity{Acct: h.acct(acc), URL: cmpOr(acc.URL, acc.URI), Local: acc.Local(),
			Since: a.UpdatedAt.UTC().Format(time.RFC3339), AccountID: acc.ID.String()})
	}
	httperr.JSON(w, http.StatusOK, out)
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// calendarFeed: GET /api/copse/v1/calendar_feed gives the caller's
// personal calendar URL (the events they attend, for Outlook and other
// calendars), making its secret token the first time; POST
// /api/copse/v1/calendar_feed/reset replaces the token, so the old URL
// stops working.
func (h *Handler) calendarFeed(reset bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		scope := "read"
		if reset {
			scope = "write"
		}
		me, err := api.Caller(r, scope)
		if err != nil {
			return err
		}
		var tok string
		if reset {
			tok, err = h.engine.ResetEventFeedToken(r.Context(), me)
		} else {
			tok, err = h.engine.EventFeedToken(r.Context(), me)
		}
		if err != nil {
			return err
		}
		u := h.urls.Base + "/@" + url.PathEscape(me.Username) + "/events.ics?" + url.Values{"token": {tok}}.Encode()
		httperr.JSON(w, http.StatusOK, map[string]string{"url": u})
		return nil
	}
}

// deleteEvent: DELETE /api/copse/v1/events/{id}, by its organiser or a
// moderator of its community, with an optional reason as for a term
// (deleteReason); its attendees go with it and are reminded of nothing.
func (h *Handler) deleteEvent(w http.ResponseWriter, r *http.Request) error {
	me, ev, err := h.writableEvent(r)
	if err != nil {
		return err
	}
	return answerDelete(w, r, me, ev.ID, h.engine.DeleteEvent)
}
