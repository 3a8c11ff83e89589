package pages

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
	"github.com/copse-dev/copse/web/session"
)

// The events' forms: "Add an event" at /c/{handle}/events/new, "Edit" at
// /c/{handle}/events/{id}/edit (its organiser and the community's
// moderators, as the engine decides), and the "I will attend" and "I will
// not attend" buttons (POST /c/{handle}/events/{id}/attend and /leave).
// Dates and times are typed as people write them, in the event's time
// zone.

// defaultTimeZone is the zone a new event's form starts with.
const defaultTimeZone = "Europe/London"

type eventFields struct {
	Name, Description                      string
	StartDate, StartTime, EndDate, EndTime string
	TimeZone                               string
	PlaceName, PlaceAddress, OnlineURL     string
	Capacity                               string
}

type eventFormPage struct {
	repertoireForm
	Fields eventFields
	Delete *deleteSection         // for its organiser and the moderators
	event  storage.CommunityEvent // the event edited
}

func eventPath(handle string, id storage.ID) string { return eventsPath(handle) + "/" + id.String() }

// newEventPage is the "Add an event" form of the path's community.
func (h *Handler) newEventPage(r *http.Request) (eventFormPage, error) {
	g, cv, err := h.formCommunity(r)
	if err != nil {
		return eventFormPage{}, err
	}
	return eventFormPage{repertoireForm: h.newForm(g, cv, "Add an event", cv.URL+"/events/new", cv.URL+"/events")}, nil
}

// editEventPage is the edit form of the path's event, with the fields
// empty.
func (h *Handler) editEventPage(r *http.Request) (eventFormPage, error) {
	g, cv, ev, err := h.formEvent(r)
	if err != nil {
		return eventFormPage{}, err
	}
	v := eventFormPage{repertoireForm: h.newForm(g, cv, "Edit "+ev.Name, eventPath(g.Acct(), ev.ID)+"/edit", cv.URL+"/events"), event: ev}
	v.Editing = true
	return v, nil
}

// NewEventForm serves GET /c/{handle}/events/new.
func (h *Handler) NewEventForm(w http.ResponseWriter, r *http.Request) {
	if _, v, ok := openForm(h, w, r, r.URL.Path, nil, h.newEventPage); ok {
		v.Fields.TimeZone = defaultTimeZone
		showForm(h, w, r, http.StatusOK, "event_form", v)
	}
}

// CreateEvent takes POST /c/{handle}/events/new.
func (h *Handler) CreateEvent(w http.ResponseWriter, r *http.Request) {
	me, v, ok := openForm(h, w, r, r.URL.Path, h.readText, h.newEventPage)
	if !ok {
		return
	}
	v.Fields = eventFieldsOf(r)
	ne, _ := readEvent(&v.Form, v.Fields)
	show := func(code int) { showForm(h, w, r, code, "event_form", v) }
	h.submit(w, r, &v.Form, show, refusedOn(&v.Form, show, "name",
		"You cannot add an event to "+v.Community.Name+": only its members and moderators can. Join the community first."),
		func() (string, error) {
			s, err := h.engine.SubmitEvent(r.Context(), me, v.group.ID, ne)
			return landing(s, err, func(ev storage.CommunityEvent) string { return eventPath(v.group.Acct(), ev.ID) }, eventsPath(v.group.Acct()))
		})
}

// EditEventForm serves GET /c/{handle}/events/{id}/edit.
func (h *Handler) EditEventForm(w http.ResponseWriter, r *http.Request) {
	me, v, ok := openForm(h, w, r, r.URL.Path, nil, h.editEventPage)
	if !ok {
		return
	}
	ev := v.event
	del, err := h.deleteSectionFor(r, me, v.group, eventPath(v.group.Acct(), ev.ID)+"/delete", "event", ev.OrganiserID)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	v.Delete = del
	loc, err := time.LoadLocation(ev.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	start, end := ev.Start.In(loc), ev.End.In(loc)
	v.Fields = eventFields{Name: ev.Name, Description: ev.DescriptionSource, StartDate: start.Format(dateLayout), StartTime: start.Format(timeLayout),
		EndDate: end.Format(dateLayout), EndTime: end.Format(timeLayout), TimeZone: ev.TimeZone, PlaceName: ev.PlaceName,
		PlaceAddress: ev.PlaceAddress, OnlineURL: ev.OnlineURL}
	if ev.Capacity > 0 {
		v.Fields.Capacity = strconv.Itoa(ev.Capacity)
	}
	showForm(h, w, r, http.StatusOK, "event_form", v)
}

// EditEvent takes POST /c/{handle}/events/{id}/edit.
func (h *Handler) EditEvent(w http.ResponseWriter, r *http.Request) {
	me, v, ok := openForm(h, w, r, r.URL.Path, h.readText, h.editEventPage)
	if !ok {
		return
	}
	v.Fields = eventFieldsOf(r)
	ne, _ := readEvent(&v.Form, v.Fields)
	show := func(code int) { showForm(h, w, r, code, "event_form", v) }
	h.submit(w, r, &v.Form, show, refusedOn(&v.Form, show, "name",
		"You cannot edit this event: only its organiser and the community's moderators can."),
		func() (string, error) {
			page := eventPath(v.group.Acct(), v.event.ID)
			s, err := h.engine.SubmitEventEdit(r.Context(), me, v.event.ID, federation.EventEdit{Name: &ne.Name, Description: &ne.Description,
				Start: &ne.Start, End: &ne.End, TimeZone: &ne.TimeZone, PlaceName: &ne.PlaceName, PlaceAddress: &ne.PlaceAddress,
				OnlineURL: &ne.OnlineURL, Capacity: &ne.Capacity})
			return landing(s, err, func(storage.CommunityEvent) string { return page }, page)
		})
}

// AttendEvent takes POST /c/{handle}/events/{id}/attend: "I will attend".
func (h *Handler) AttendEvent(w http.ResponseWriter, r *http.Request) {
	h.answerEvent(w, r, true)
}

// LeaveEvent takes POST /c/{handle}/events/{id}/leave: "I will not
// attend".
func (h *Handler) LeaveEvent(w http.ResponseWriter, r *http.Request) {
	h.answerEvent(w, r, false)
}

func (h *Handler) answerEvent(w http.ResponseWriter, r *http.Request, going bool) {
	me, ok := h.formPost(w, r, eventsPath(chi.URLParam(r, "handle")), h.readText)
	if !ok {
		return
	}
	g, cv, ev, err := h.formEvent(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if going {
		_, err = h.engine.Attend(r.Context(), me, ev.ID)
	} else {
		_, err = h.engine.LeaveEvent(r.Context(), me, ev.ID)
	}
	var inv *federation.InvalidError
	switch {
	case errors.Is(err, federation.ErrEventFull):
		h.refuse(w, r, http.StatusConflict, "This event is full", fmt.Sprintf("All %d places of %s are taken.", ev.Capacity, ev.Name))
	case errors.Is(err, federation.ErrDenied):
		h.refuse(w, r, http.StatusForbidden, "You cannot attend this event",
			"Only members of "+cv.Name+" can say they will attend its events. Join the community first.")
	case errors.As(err, &inv):
		h.refuse(w, r, http.StatusUnprocessableEntity, "Your answer was not recorded", httperr.Sentence(inv.Msg)+".")
	case err != nil:
		h.Error(w, r, err)
	default:
		http.Redirect(w, r, eventPath(g.Acct(), ev.ID), http.StatusSeeOther)
	}
}

// eventActions is the member signed in, with the events of list they
// said they will attend, for the events page's buttons; nil for nobody.
func (h *Handler) eventActions(r *http.Request, list []storage.CommunityEvent) (*memberView, error) {
	mv := h.memberOf(r)
	if mv == nil {
		return nil, nil
	}
	me, _ := session.Member(r)
	mv.Attending = map[string]bool{}
	for _, ev := range list {
		att, err := h.store.AttendanceOf(r.Context(), ev.ID, me.ID)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("attendance of %s: %w", ev.URI, err)
		}
		mv.Attending[ev.ID.String()] = att.State == storage.AttendGoing
	}
	return mv, nil
}

// formEvent is the event of the path, in the community of the path, if
// the member signed in may see it.
func (h *Handler) formEvent(r *http.Request) (storage.Account, *communityView, storage.CommunityEvent, error) {
	return formObject(h, r, h.store.CommunityEventByID, func(ev storage.CommunityEvent) storage.ID { return ev.CommunityID })
}

func eventFieldsOf(r *http.Request) eventFields {
	return eventFields{Name: r.FormValue("name"), Description: r.FormValue("description"),
		StartDate: r.FormValue("start_date"), StartTime: r.FormValue("start_time"), EndDate: r.FormValue("end_date"),
		EndTime: r.FormValue("end_time"), TimeZone: r.FormValue("time_zone"), PlaceName: r.FormValue("place_name"),
		PlaceAddress: r.FormValue("place_address"), OnlineURL: r.FormValue("online_url"), Capacity: r.FormValue("capacity")}
}

// How the edit form shows an event's date and time.
const (
	dateLayout = "2/1/2006"
	timeLayout = "15:04"
)

// readEvent reads the form into an event, or says beside each field what
// to fix. The engine checks the rest (lengths, an end after the start).
func readEvent(f *formView, v eventFields) (federation.NewEvent, bool) {
	ne := federation.NewEvent{Name: v.Name, Description: v.Description, TimeZone: strings.TrimSpace(v.TimeZone),
		PlaceName: v.PlaceName, PlaceAddress: v.PlaceAddress, OnlineURL: strings.TrimSpace(v.OnlineURL)}
	if strings.TrimSpace(v.Name) == "" {
		f.add("name", "Enter the event's name")
	}
	loc, err := time.LoadLocation(ne.TimeZone)
	if ne.TimeZone == "" || ne.TimeZone == "Local" || err != nil {
		f.add("time_zone", "Enter a time zone by its name, such as Europe/London")
		loc = time.UTC
	}
	start, okStart := readDate(f, "start_date", "start", v.StartDate)
	startClock, okStartTime := readClock(f, "start_time", "start", v.StartTime)
	endDate := v.EndDate
	if strings.TrimSpace(endDate) == "" {
		endDate = v.StartDate // the same day
	}
	end, okEnd := readDate(f, "end_date", "end", endDate)
	endClock, okEndTime := readClock(f, "end_time", "end", v.EndTime)
	if okStart && okStartTime {
		ne.Start = time.Date(start.Year(), start.Month(), start.Day(), startClock.Hour(), startClock.Minute(), 0, 0, loc)
	}
	if okEnd && okEndTime {
		ne.End = time.Date(end.Year(), end.Month(), end.Day(), endClock.Hour(), endClock.Minute(), 0, 0, loc)
		if !ne.Start.IsZero() && ne.End.Before(ne.Start) {
			f.add("end_time", "The end must be after the start")
		}
	}
	if u := ne.OnlineURL; u != "" && !strings.HasPrefix(u, "https://") {
		f.add("online_url", "Enter the online link as a web address starting https://")
	}
	if c := strings.TrimSpace(v.Capacity); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 {
			f.add("capacity", "Enter the number of places as a whole number, or leave it empty for no limit")
		}
		ne.Capacity = n
	}
	return ne, !f.failed()
}

// readDate reads a date as people in the UK type it: 14/3/2027, 14 3
// 2027 or 2027-03-14.
func readDate(f *formView, field, which, s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		f.add(field, "Enter the date the event "+which+"s")
		return time.Time{}, false
	}
	norm := strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == ' ' || r == '.' }), "/")
	for _, layout := range []string{"2/1/2006", "2006-01-02"} {
		if d, err := time.Parse(layout, norm); err == nil {
			return d, true
		}
		if d, err := time.Parse(layout, s); err == nil {
			return d, true
		}
	}
	f.add(field, "Enter the date the event "+which+"s as day/month/year, for example 14/3/2027")
	return time.Time{}, false
}

// readClock reads a time of day: 14:30, 14.30, 2:30pm or 2pm.
func readClock(f *formView, field, which, s string) (time.Time, bool) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if s == "" {
		f.add(field, "Enter the time the event "+which+"s")
		return time.Time{}, false
	}
	s = strings.ReplaceAll(s, ".", ":")
	for _, layout := range []string{"15:04", "3:04pm", "3pm"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	f.add(field, "Enter the time the event "+which+"s on the 24-hour clock, for example 14:30")
	return time.Time{}, false
}
