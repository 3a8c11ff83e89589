package pages

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"

	"github.com/copse-dev/copse/storage"
)

// Calendar feeds (RFC 5545): a VEVENT per event, its times in UTC (so no
// VTIMEZONE is needed; the event's own zone goes along as X-COPSE-TIMEZONE
// for people), its UID the event's ActivityPub id, which never changes,
// and SEQUENCE its last change in seconds, so a calendar replaces an
// event it had when it was edited or cancelled. go-ical writes the
// properties and escapes the text; it does not fold lines, which RFC 5545
// wants at 75 octets, so foldLines does.

const icsProductID = "-//copse//copse events//EN"

// calendarEvent is an event with what the feed shows beside it.
type calendarEvent struct {
	storage.CommunityEvent
	Community string // the community's name
}

// writeCalendar writes events as one VCALENDAR named name.
func writeCalendar(w io.Writer, name string, events []calendarEvent, now time.Time) error {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, icsProductID)
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	cal.Props.SetText(ical.PropMethod, "PUBLISH")
	cal.Props.SetText("X-WR-CALNAME", name)
	for _, ev := range events {
		cal.Children = append(cal.Children, vevent(ev, now).Component)
	}
	if len(events) == 0 {
		// A calendar holds at least one component (RFC 5545): an empty
		// feed (a member who attends nothing yet) holds the UTC time
		// zone its times are written in, which clients take as no events.
		cal.Children = append(cal.Children, utcZone())
	}
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return fmt.Errorf("encode calendar: %w", err)
	}
	return foldLines(w, buf.Bytes())
}

// utcZone is a VTIMEZONE for UTC.
func utcZone() *ical.Component {
	std := ical.NewComponent(ical.CompTimezoneStandard)
	std.Props.SetText(ical.PropDateTimeStart, "19700101T000000")
	std.Props.SetText(ical.PropTimezoneOffsetFrom, "+0000")
	std.Props.SetText(ical.PropTimezoneOffsetTo, "+0000")
	tz := ical.NewComponent(ical.CompTimezone)
	tz.Props.SetText(ical.PropTimezoneID, "UTC")
	tz.Children = append(tz.Children, std)
	return tz
}

func vevent(ev calendarEvent, now time.Time) *ical.Event {
	v := ical.NewEvent()
	v.Props.SetText(ical.PropUID, ev.URI)
	v.Props.SetDateTime(ical.PropDateTimeStamp, now.UTC())
	v.Props.SetDateTime(ical.PropDateTimeStart, ev.Start.UTC())
	v.Props.SetDateTime(ical.PropDateTimeEnd, ev.End.UTC())
	v.Props.SetDateTime(ical.PropCreated, ev.CreatedAt.UTC())
	v.Props.SetDateTime(ical.PropLastModified, ev.UpdatedAt.UTC())
	v.Props.SetText(ical.PropSequence, strconv.FormatInt(max(ev.UpdatedAt.Unix()-ev.CreatedAt.Unix(), 0), 10))
	v.Props.Get(ical.PropSequence).SetValueType(ical.ValueInt)
	summary := ev.Name
	if ev.Community != "" {
		summary += " (" + ev.Community + ")"
	}
	v.Props.SetText(ical.PropSummary, summary)
	if ev.DescriptionSource != "" {
		v.Props.SetText(ical.PropDescription, calendarDescription(ev.DescriptionSource))
	}
	if loc := ev.Where(); loc != "" {
		v.Props.SetText(ical.PropLocation, loc)
	}
	if u, err := url.Parse(ev.URL); err == nil && ev.URL != "" {
		v.Props.SetURI(ical.PropURL, u)
	}
	v.Props.SetText("X-COPSE-TIMEZONE", ev.TimeZone)
	if ev.Cancelled() {
		v.SetStatus(ical.EventCancelled)
	} else {
		v.SetStatus(ical.EventConfirmed)
	}
	return v
}

// maxCalendarDescription bounds, in characters, the description an event
// carries in a calendar feed: a feed holds up to maxEventsShown events,
// whose descriptions may each be 100 KB; the rest is on the event's page
// (its URL).
const maxCalendarDescription = 2000

// calendarDescription is an event's description for a calendar, cut at
// maxCalendarDescription characters.
func calendarDescription(src string) string {
	if utf8.RuneCountInString(src) <= maxCalendarDescription {
		return src
	}
	n := 0
	for i := range src {
		if n == maxCalendarDescription {
			return strings.TrimSpace(src[:i]) + " …"
		}
		n++
	}
	return src
}

// foldLines copies a calendar, folding each line longer than 75 octets
// (RFC 5545 section 3.1): CRLF and a space before the 76th octet, never
// inside a UTF-8 sequence.
func foldLines(w io.Writer, b []byte) error {
	bw := bufio.NewWriter(w)
	for line := range bytes.SplitSeq(bytes.TrimSuffix(b, []byte("\r\n")), []byte("\r\n")) {
		limit := 75
		for len(line) > limit {
			cut := limit
			for cut > 0 && !utf8.RuneStart(line[cut]) {
				cut--
			}
			bw.Write(line[:cut])
			bw.WriteString("\r\n ")
			line = line[cut:]
			limit = 74 // the leading space counts
		}
		bw.Write(line)
		bw.WriteString("\r\n")
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write calendar: %w", err)
	}
	return nil
}
