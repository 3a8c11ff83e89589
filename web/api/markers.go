package api

import (
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// Marker is Mastodon's Marker entity: where the member stopped reading a
// timeline, shared between their apps.
type Marker struct {
	LastReadID string `json:"last_read_id"`
	Version    int    `json:"version"`
	UpdatedAt  string `json:"updated_at"`
}

func (h *Handler) mountMarkers(r chi.Router) {
	r.Get("/api/v1/markers", h.handle(h.markers))
	r.Post("/api/v1/markers", h.handle(h.saveMarkers))
}

func markerEntities(ms []storage.Marker) map[string]Marker {
	out := map[string]Marker{}
	for _, m := range ms {
		out[m.Timeline] = Marker{LastReadID: m.LastReadID.String(), Version: m.Version, UpdatedAt: isoTime(m.UpdatedAt)}
	}
	return out
}

// GET /api/v1/markers?timeline[]=home&timeline[]=notifications answers
// with the markers asked for that exist, keyed by timeline.
func (h *Handler) markers(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:statuses")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	var timelines []string
	for _, t := range list(v, "timeline") {
		if slices.Contains(federation.MarkerTimelines, t) && !slices.Contains(timelines, t) {
			timelines = append(timelines, t)
		}
	}
	ms, err := h.store.Markers(r.Context(), me.ID, timelines)
	if err != nil {
		return err
	}
	h.json(w, markerEntities(ms))
	return nil
}

// POST /api/v1/markers with home[last_read_id] and/or
// notifications[last_read_id] answers with the markers it saved.
func (h *Handler) saveMarkers(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:statuses")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	positions := map[string]storage.ID{}
	for _, t := range federation.MarkerTimelines {
		s, ok := v[t+"[last_read_id]"]
		if !ok || len(s) == 0 {
			continue
		}
		id, err := storage.ParseID(s[0])
		if err != nil {
			return invalidParam("Validation failed: Last read ID is not a valid ID")
		}
		positions[t] = id
	}
	ms, err := h.engine.SaveMarkers(r.Context(), me.ID, positions)
	if err != nil {
		return err
	}
	h.json(w, markerEntities(ms))
	return nil
}
