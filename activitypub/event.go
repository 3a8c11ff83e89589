package activitypub

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Community events on the wire (issue 13 item 5), in the shape Mobilizon
// and PieFed send: an Event with startTime, endTime, timezone, a location
// that is a Place (name and address) or, for an online event, a url in
// the Event's attachment-free `location` as a Link, joinMode "free" and
// maximumAttendeeCapacity. Attending is Mobilizon's shape: Join with the
// Event as object, answered by Accept{Join} or Reject{Join}; Leave undoes it.

// Event types.
const (
	TypeEvent = "Event"
	TypePlace = "Place"
	TypeJoin  = "Join"
	TypeLeave = "Leave"
)

// JoinModeFree is the only join mode copse offers: anyone may attend
// while places are left.
const JoinModeFree = "free"

// eventCancelled is ical:status of a cancelled event (RFC 5545 STATUS).
const eventCancelled = "CANCELLED"

// eventContext is the @context of an Event: the Mobilizon, schema.org and
// iCalendar terms it uses.
var eventContext = []any{
	asContext,
	map[string]any{
		"mz":                        "https://joinmobilizon.org/ns#",
		"ical":                      "http://www.w3.org/2002/12/cal/ical#",
		"sc":                        "http://schema.org/",
		"joinMode":                  map[string]any{"@id": "mz:joinMode", "@type": "mz:joinModeType"},
		"maximumAttendeeCapacity":   "sc:maximumAttendeeCapacity",
		"remainingAttendeeCapacity": "sc:remainingAttendeeCapacity",
		"participantCount":          map[string]any{"@id": "mz:participantCount", "@type": "sc:Integer"},
		"timezone":                  map[string]any{"@id": "mz:timezone", "@type": "sc:Text"},
		"address":                   "sc:address",
		"isOnline":                  map[string]any{"@id": "mz:isOnline", "@type": "sc:Boolean"},
	},
}

// Event is a community event as its Event carries it.
type Event struct {
	ID           string
	URL          string // its page
	AttributedTo string // the organiser
	Name         string
	Content      string // HTML
	Source       string // Markdown
	Start, End   time.Time
	TimeZone     string // IANA name
	PlaceName    string
	PlaceAddress string
	OnlineURL    string
	Capacity     int // 0: no limit
	Attendees    int // participantCount, as the host counts
	Cancelled    bool
	Audience     string // the Group
	To, CC       []string
	Published    time.Time
	Updated      time.Time
}

type eventLocation struct {
	Type    string `json:"type"`
	Name    string `json:"name,omitempty"`
	Address string `json:"address,omitempty"`
	Href    string `json:"href,omitempty"`
}

// locationIn is a location as peers send it: Mobilizon's address is a
// schema.org PostalAddress, copse's a line of text.
type locationIn struct {
	Type    string          `json:"type"`
	Name    string          `json:"name"`
	Address json.RawMessage `json:"address"`
	Href    string          `json:"href"`
}

func (l locationIn) address() string {
	var s string
	if json.Unmarshal(l.Address, &s) == nil {
		return s
	}
	var pa struct {
		Street   string `json:"streetAddress"`
		Locality string `json:"addressLocality"`
		Region   string `json:"addressRegion"`
		Postcode string `json:"postalCode"`
		Country  string `json:"addressCountry"`
	}
	if json.Unmarshal(l.Address, &pa) != nil {
		return ""
	}
	var parts []string
	for _, p := range []string{pa.Street, pa.Locality, pa.Region, pa.Postcode, pa.Country} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

type eventSource struct {
	Content   string `json:"content"`
	MediaType string `json:"mediaType"`
}

type eventWire struct {
	Context      any             `json:"@context,omitempty"`
	ID           string          `json:"id"`
	Type         string          `json:"type"`
	URL          string          `json:"url,omitempty"`
	AttributedTo string          `json:"attributedTo,omitempty"`
	Name         string          `json:"name"`
	Content      string          `json:"content,omitempty"`
	Source       *eventSource    `json:"source,omitempty"`
	StartTime    string          `json:"startTime"`
	EndTime      string          `json:"endTime,omitempty"`
	TimeZone     string          `json:"timezone,omitempty"`
	Location     json.RawMessage `json:"location,omitempty"`
	IsOnline     bool            `json:"isOnline,omitempty"`
	JoinMode     string          `json:"joinMode,omitempty"`
	Capacity     *int            `json:"maximumAttendeeCapacity,omitempty"`
	Remaining    *int            `json:"remainingAttendeeCapacity,omitempty"`
	Participants int             `json:"participantCount"`
	Status       string          `json:"ical:status,omitempty"`
	Audience     string          `json:"audience,omitempty"`
	To           []string        `json:"to,omitempty"`
	CC           []string        `json:"cc,omitempty"`
	Published    string          `json:"published,omitempty"`
	Updated      string          `json:"updated,omitempty"`
}

func (ev Event) wire(withContext bool) eventWire {
	w := eventWire{ID: ev.ID, Type: TypeEvent, URL: ev.URL, AttributedTo: ev.AttributedTo, Name: ev.Name,
		Content: ev.Content, StartTime: wireTime(ev.Start), EndTime: wireTime(ev.End), TimeZone: ev.TimeZone,
		JoinMode: JoinModeFree, Participants: ev.Attendees, Audience: ev.Audience, To: ev.To, CC: ev.CC,
		Published: wireTime(ev.Published), Updated: wireTime(ev.Updated), Status: "CONFIRMED"}
	if withContext {
		w.Context = eventContext
	}
	if ev.Cancelled {
		w.Status = eventCancelled
	}
	if ev.Source != "" {
		w.Source = &eventSource{Content: ev.Source, MediaType: "text/markdown"}
	}
	if ev.Capacity > 0 {
		c, r := ev.Capacity, max(ev.Capacity-ev.Attendees, 0)
		w.Capacity, w.Remaining = &c, &r
	}
	var loc eventLocation
	switch {
	case ev.OnlineURL != "":
		w.IsOnline = true
		loc = eventLocation{Type: "Link", Href: ev.OnlineURL, Name: ev.PlaceName}
	case ev.PlaceName != "" || ev.PlaceAddress != "":
		loc = eventLocation{Type: TypePlace, Name: ev.PlaceName, Address: ev.PlaceAddress}
	}
	if loc.Type != "" {
		w.Location, _ = json.Marshal(loc) // strings only
	}
	return w
}

// MarshalEvent emits an Event document.
func MarshalEvent(ev Event) ([]byte, error) {
	return marshalNoEscape(ev.wire(true))
}

// MarshalEventActivity emits the Create or Update{Event} with id by actor.
func MarshalEventActivity(id, typ, actor string, published time.Time, ev Event) ([]byte, error) {
	w := ev.wire(false)
	m := map[string]any{"@context": eventContext, "id": id, "type": typ, "actor": actor, "to": ev.To, "cc": ev.CC,
		"published": wireTime(published), "object": w}
	if ev.Audience != "" {
		m["audience"] = ev.Audience
	}
	return marshalNoEscape(m)
}

// ParseEvent reads an Event document from a peer: URLs that are not
// ValidURL are dropped and text is CleanText'ed; the engine checks the
// rest (times, lengths, the time zone).
func ParseEvent(b []byte) (Event, error) {
	var w eventWire
	if err := UnmarshalBounded(b, &w); err != nil {
		return Event{}, fmt.Errorf("event: %w: %v", ErrInvalid, err)
	}
	return w.event()
}

func (w eventWire) event() (Event, error) {
	if w.Type != TypeEvent || w.ID == "" {
		return Event{}, fmt.Errorf("not an Event: %w", ErrInvalid)
	}
	// What a peer sends: URLs that are not ValidURL are dropped, text is
	// CleanText'ed (as cleanNote does for a post).
	ev := Event{ID: cleanURL(w.ID), URL: cleanURL(w.URL), AttributedTo: cleanURL(w.AttributedTo), Name: CleanText(w.Name),
		Content: CleanText(w.Content), TimeZone: CleanText(w.TimeZone), Attendees: w.Participants, Audience: cleanURL(w.Audience),
		To: w.To, CC: w.CC, Cancelled: w.Status == eventCancelled}
	if ev.ID == "" {
		return Event{}, fmt.Errorf("event with an id that is no http(s) URL: %w", ErrInvalid)
	}
	if w.Source != nil && w.Source.MediaType == "text/markdown" {
		ev.Source = CleanText(w.Source.Content)
	}
	var err error
	if ev.Start, err = time.Parse(time.RFC3339, w.StartTime); err != nil {
		return Event{}, fmt.Errorf("event %s startTime: %w: %v", w.ID, ErrInvalid, err)
	}
	ev.End = ev.Start
	if w.EndTime != "" {
		if ev.End, err = time.Parse(time.RFC3339, w.EndTime); err != nil {
			return Event{}, fmt.Errorf("event %s endTime: %w: %v", w.ID, ErrInvalid, err)
		}
	}
	ev.Published, _ = time.Parse(time.RFC3339, w.Published)
	ev.Updated, _ = time.Parse(time.RFC3339, w.Updated)
	if w.Capacity != nil && *w.Capacity > 0 {
		ev.Capacity = *w.Capacity
	}
	if len(w.Location) > 0 {
		var loc locationIn
		if json.Unmarshal(w.Location, &loc) == nil {
			switch loc.Type {
			case "Link":
				ev.OnlineURL, ev.PlaceName = cleanURL(loc.Href), CleanText(loc.Name)
			case TypePlace:
				ev.PlaceName, ev.PlaceAddress = CleanText(loc.Name), CleanText(loc.address())
			}
		}
	}
	return ev, nil
}

// EventOf reads the Event of a Create or Update{Event} body; ok is false
// when the body is not one.
func EventOf(body []byte) (Event, bool) {
	var w struct {
		Type   string    `json:"type"`
		Object eventWire `json:"object"`
	}
	if UnmarshalBounded(body, &w) != nil || (w.Type != TypeCreate && w.Type != TypeUpdate) {
		return Event{}, false
	}
	ev, err := w.Object.event()
	return ev, err == nil
}

// MarshalJoin emits a Join (or Leave) of the event by actor.
func MarshalJoin(id, typ, actor, event string) ([]byte, error) {
	return marshalNoEscape(map[string]any{"@context": asContext, "id": id, "type": typ, "actor": actor,
		"object": event, "to": []string{event}})
}

// MarshalJoinAnswer emits the Accept or Reject by the event's Group of
// the Join joinID by participant.
func MarshalJoinAnswer(id, typ, group, joinID, participant, event string) ([]byte, error) {
	return marshalNoEscape(map[string]any{"@context": asContext, "id": id, "type": typ, "actor": group,
		"to": []string{participant}, "object": map[string]any{"id": joinID, "type": TypeJoin, "actor": participant,
			"object": event}})
}

// AnnouncedEvent reads the Event of an Announce{Create|Update{Event}}
// body; ok is false when the body is not one.
func AnnouncedEvent(body []byte) (Event, bool) {
	var w struct {
		Type   string          `json:"type"`
		Object json.RawMessage `json:"object"`
	}
	if UnmarshalBounded(body, &w) != nil || w.Type != TypeAnnounce || len(w.Object) == 0 {
		return Event{}, false
	}
	return EventOf(w.Object)
}

// JoinOf reads the activity a Join, Leave, Accept{Join} or Reject{Join}
// body is about: the Join's id and actor and the Event's id (for a Join
// or Leave, id is the activity's own).
func JoinOf(body []byte) (id, actor, event string, ok bool) {
	var w struct {
		ID     string          `json:"id"`
		Type   string          `json:"type"`
		Actor  json.RawMessage `json:"actor"`
		Object json.RawMessage `json:"object"`
	}
	if UnmarshalBounded(body, &w) != nil {
		return "", "", "", false
	}
	switch w.Type {
	case TypeJoin, TypeLeave:
		return w.ID, idOrString(w.Actor), idOrString(w.Object), true
	case TypeAccept, TypeReject:
		var inner struct {
			ID     string          `json:"id"`
			Type   string          `json:"type"`
			Actor  json.RawMessage `json:"actor"`
			Object json.RawMessage `json:"object"`
		}
		if json.Unmarshal(w.Object, &inner) != nil || inner.Type != TypeJoin {
			return "", "", "", false
		}
		return inner.ID, idOrString(inner.Actor), idOrString(inner.Object), true
	}
	return "", "", "", false
}

// idOrString is a JSON value that is an IRI or an object with an id.
func idOrString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(raw, &o)
	return o.ID
}
