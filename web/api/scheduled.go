package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/storage"
)

// ScheduledStatus is Mastodon's ScheduledStatus entity: a post waiting
// for its time.
type ScheduledStatus struct {
	ID               string          `json:"id"`
	ScheduledAt      string          `json:"scheduled_at"`
	Params           ScheduledParams `json:"params"`
	MediaAttachments []Attachment    `json:"media_attachments"`
}

// ScheduledParams are the parameters the status will be posted with, as
// Mastodon shows them: what the member gave, and null for what they did
// not.
type ScheduledParams struct {
	Text          string               `json:"text"`
	Poll          *ScheduledPollParams `json:"poll"`
	MediaIDs      []string             `json:"media_ids"`
	Sensitive     bool                 `json:"sensitive"`
	SpoilerText   *string              `json:"spoiler_text"`
	Visibility    string               `json:"visibility"`
	InReplyToID   *string              `json:"in_reply_to_id"`
	Language      *string              `json:"language"`
	ApplicationID *int64               `json:"application_id"`
	// Mastodon keeps these in the params it stores and shows them empty.
	ScheduledAt   *string `json:"scheduled_at"`
	Idempotency   *string `json:"idempotency"`
	WithRateLimit bool    `json:"with_rate_limit"`
}

// ScheduledPollParams is the poll of a scheduled status; expires_in is a
// string of seconds, as Mastodon keeps the form's value.
type ScheduledPollParams struct {
	Options    []string `json:"options"`
	ExpiresIn  string   `json:"expires_in"`
	Multiple   bool     `json:"multiple"`
	HideTotals bool     `json:"hide_totals"`
}

// Pages of GET /api/v1/scheduled_statuses, as Mastodon has them.
const (
	scheduledDefault = 20
	scheduledMax     = 40
)

// mountScheduled adds the scheduled statuses routes. Scheduling itself is
// POST /api/v1/statuses with scheduled_at (scheduledAt).
func (h *Handler) mountScheduled(r chi.Router) {
	r.Get("/api/v1/scheduled_statuses", h.handle(h.scheduledStatuses))
	r.Get("/api/v1/scheduled_statuses/{id}", h.handle(h.getScheduledStatus))
	r.Put("/api/v1/scheduled_statuses/{id}", h.handle(h.rescheduleStatus))
	r.Delete("/api/v1/scheduled_statuses/{id}", h.handle(h.deleteScheduledStatus))
}

// scheduledAt reads the scheduled_at of POST /api/v1/statuses: later
// when it names a time still to come, at which the draft is kept to be
// posted (the answer is then a ScheduledStatus). A time already past
// posts now, as Mastodon does; one less than federation.MinScheduleAhead
// away is refused by the engine.
func scheduledAt(v url.Values, now time.Time) (at time.Time, later bool, err error) {
	raw := strings.TrimSpace(v.Get("scheduled_at"))
	if raw == "" {
		return time.Time{}, false, nil
	}
	if at, err = parseScheduledAt(raw); err != nil {
		return time.Time{}, false, err
	}
	return at, at.After(now), nil
}

// GET /api/v1/scheduled_statuses
func (h *Handler) scheduledStatuses(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:statuses")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	ss, err := h.store.ScheduledStatusPage(r.Context(), me.ID, page(v, scheduledDefault, scheduledMax))
	if err != nil {
		return err
	}
	out := make([]ScheduledStatus, 0, len(ss))
	for _, s := range ss {
		out = append(out, scheduledEntity(s))
	}
	if len(ss) > 0 {
		h.setLink(w, r, ss[0].ID, ss[len(ss)-1].ID)
	}
	h.json(w, out)
	return nil
}

// GET /api/v1/scheduled_statuses/:id
func (h *Handler) getScheduledStatus(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:statuses")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	var s storage.ScheduledStatus
	if err == nil {
		s, err = h.store.ScheduledStatusByID(r.Context(), me.ID, id)
	}
	if err != nil {
		return err
	}
	h.json(w, scheduledEntity(s))
	return nil
}

// PUT /api/v1/scheduled_statuses/:id: only scheduled_at changes.
func (h *Handler) rescheduleStatus(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:statuses")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	var s storage.ScheduledStatus
	if raw := strings.TrimSpace(v.Get("scheduled_at")); raw == "" {
		s, err = h.store.ScheduledStatusByID(r.Context(), me.ID, id) // nothing to change
	} else {
		var at time.Time
		if at, err = parseScheduledAt(raw); err == nil {
			s, err = h.engine.Reschedule(r.Context(), me.ID, id, at)
		}
	}
	if err != nil {
		return err
	}
	h.json(w, scheduledEntity(s))
	return nil
}

// DELETE /api/v1/scheduled_statuses/:id
func (h *Handler) deleteScheduledStatus(w http.ResponseWriter, r *http.Request) error {
	return h.byID(w, r, "write:statuses", h.engine.Unschedule)
}

// scheduledLayouts are the ISO 8601 forms apps send scheduled_at in; one
// without a zone is UTC.
var scheduledLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
}

func parseScheduledAt(s string) (time.Time, error) {
	for _, layout := range scheduledLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, unprocessable("Validation failed: Scheduled at is not a valid date")
}

func scheduledEntity(s storage.ScheduledStatus) ScheduledStatus {
	p := ScheduledParams{Text: s.Text, Sensitive: s.Sensitive, Visibility: string(s.Visibility)}
	if s.Poll != nil {
		p.Poll = &ScheduledPollParams{Options: nonNilStrings(s.Poll.Options),
			ExpiresIn: strconv.FormatInt(int64(s.Poll.ExpiresIn/time.Second), 10),
			Multiple:  s.Poll.Multiple, HideTotals: s.Poll.HideTotals}
	}
	for _, id := range s.MediaIDs {
		p.MediaIDs = append(p.MediaIDs, id.String())
	}
	if s.SpoilerText != "" {
		p.SpoilerText = &s.SpoilerText
	}
	if s.InReplyToID != 0 {
		id := s.InReplyToID.String()
		p.InReplyToID = &id
	}
	if s.Language != "" {
		p.Language = &s.Language
	}
	if s.AppID != 0 {
		app := int64(s.AppID)
		p.ApplicationID = &app
	}
	e := ScheduledStatus{ID: s.ID.String(), ScheduledAt: isoTime(s.ScheduledAt), Params: p,
		MediaAttachments: make([]Attachment, 0, len(s.Attachments))}
	for _, a := range s.Attachments {
		e.MediaAttachments = append(e.MediaAttachments, attachmentEntity(a))
	}
	return e
}
