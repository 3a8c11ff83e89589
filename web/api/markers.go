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
	r.Get("/api/v1/markers", h.markers)
	r.Post("/api/v1/markers", h.saveMarkers)
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
func (h *Handler) markers(w http.ResponseWriter, r *http.Request) {
	me, ok := h.user(w, r, "read:statuses")
	if !ok {
		return
	}
	v, err := form(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var timelines []string
	for _, t := range list(v, "timeline") {
		if slices.Contains(federation.MarkerTimelines, t) && !slices.Contains(timelines, t) {
			timelines = append(timelines, t)
		}
	}
	ms, err := h.store.Markers(r.Context(), me.ID, timelines)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.json(w, markerEntities(ms))
}

// POST /api/v1/markers with home[last_read_id] and/or
// notifications[last_read_id] answers with the markers it saved.
func (h *Handler) saveMarkers(w http.ResponseWriter, r *http.Request) {
	me, ok := h.user(w, r, "write:statuses")
	if !ok {
		return
	}
	v, err := form(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	positions := map[string]storage.ID{}
	for _, t := range federation.MarkerTimelines {
		s, ok := v[t+"[last_read_id]"]
		if !ok || len(s) == 0 {
			continue
		}
		id, err := storage.ParseID(s[0])
		if err != nil {
			h.fail(w, r, invalidParam("Validation failed: Last read ID is not a valid ID"))
			return
		}
		positions[t] = id
	}
	ms, err := h.engine.SaveMarkers(r.Context(), me.ID, positions)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.json(w, markerEntities(ms))
}
