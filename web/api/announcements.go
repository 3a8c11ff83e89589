package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Announcements, as Mastodon's API gives them: what the node's admins
// tell every member (federation.PublishAnnouncement), with whether the
// caller dismissed each and the emoji reactions to it.

// Announcement is Mastodon's Announcement entity.
type Announcement struct {
	ID          string                 `json:"id"`
	Content     string                 `json:"content"`
	StartsAt    *string                `json:"starts_at"`
	EndsAt      *string                `json:"ends_at"`
	AllDay      bool                   `json:"all_day"`
	PublishedAt string                 `json:"published_at"`
	UpdatedAt   string                 `json:"updated_at"`
	Read        bool                   `json:"read"`
	Mentions    []any                  `json:"mentions"`
	Statuses    []any                  `json:"statuses"`
	Tags        []any                  `json:"tags"`
	Emojis      []CustomEmoji          `json:"emojis"`
	Reactions   []AnnouncementReaction `json:"reactions"`
}

// AnnouncementReaction is Mastodon's Reaction entity, of a Unicode emoji.
type AnnouncementReaction struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
	Me    bool   `json:"me"`
}

func (h *Handler) mountAnnouncements(r chi.Router) {
	r.Get("/api/v1/announcements", h.handle(h.announcements))
	r.Post("/api/v1/announcements/{id}/dismiss", h.handle(h.dismissAnnouncement))
	r.Put("/api/v1/announcements/{id}/reactions/{name}", h.handle(h.reactToAnnouncement(true)))
	r.Delete("/api/v1/announcements/{id}/reactions/{name}", h.handle(h.reactToAnnouncement(false)))
}

// GET /api/v1/announcements: those not ended, newest first, without the
// ones the caller dismissed unless ?with_dismissed=true.
func (h *Handler) announcements(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read")
	if err != nil {
		return err
	}
	list, err := h.engine.CurrentAnnouncements(r.Context(), me, r.URL.Query().Get("with_dismissed") == "true")
	if err != nil {
		return err
	}
	out := make([]Announcement, 0, len(list))
	for _, a := range list {
		out = append(out, announcementEntity(a))
	}
	h.json(w, out)
	return nil
}

func announcementEntity(a storage.AnnouncementView) Announcement {
	e := Announcement{ID: a.ID.String(), Content: a.Content, AllDay: a.AllDay, PublishedAt: isoTime(a.PublishedAt),
		UpdatedAt: isoTime(a.UpdatedAt), Read: a.Read, Mentions: []any{}, Statuses: []any{}, Tags: []any{},
		Emojis: []CustomEmoji{}, Reactions: make([]AnnouncementReaction, 0, len(a.Reactions))}
	if !a.StartsAt.IsZero() {
		e.StartsAt = new(isoTime(a.StartsAt))
	}
	if !a.EndsAt.IsZero() {
		e.EndsAt = new(isoTime(a.EndsAt))
	}
	for _, rc := range a.Reactions {
		e.Reactions = append(e.Reactions, AnnouncementReaction{Name: rc.Name, Count: rc.Count, Me: rc.Me})
	}
	return e
}

// POST /api/v1/announcements/:id/dismiss
func (h *Handler) dismissAnnouncement(w http.ResponseWriter, r *http.Request) error {
	return h.byIDFor(w, r, "write:accounts", "id", h.engine.DismissAnnouncement)
}

// PUT and DELETE /api/v1/announcements/:id/reactions/:name
func (h *Handler) reactToAnnouncement(add bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := Caller(r, "write:favourites")
		if err != nil {
			return err
		}
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		name, err := url.PathUnescape(chi.URLParam(r, "name"))
		if err != nil {
			return httperr.New(http.StatusUnprocessableEntity, "a reaction is one emoji")
		}
		if err := h.engine.ReactToAnnouncement(r.Context(), me, id, name, add); err != nil {
			return err
		}
		h.json(w, struct{}{})
		return nil
	}
}

// announcementPayload is an announcement event as the streaming API sends
// it to viewer: the Announcement as they read it, the id of one deleted,
// or an emoji's reaction count ({"name", "count", "announcement_id"}).
// An announcement no longer shown sends nothing.
func (h *Handler) announcementPayload(ctx context.Context, viewer storage.Account, ev federation.Event) (string, error) {
	if ev.Kind == federation.EventAnnouncementDelete {
		return ev.AnnouncementID.String(), nil
	}
	list, err := h.engine.CurrentAnnouncements(ctx, viewer, true)
	if err != nil {
		return "", err
	}
	i := slices.IndexFunc(list, func(a storage.AnnouncementView) bool { return a.ID == ev.AnnouncementID })
	if i < 0 {
		return "", nil
	}
	var v any = announcementEntity(list[i])
	if ev.Kind == federation.EventAnnouncementReaction {
		count := 0
		for _, rc := range list[i].Reactions {
			if rc.Name == ev.Reaction {
				count = rc.Count
			}
		}
		v = map[string]any{"name": ev.Reaction, "count": count, "announcement_id": ev.AnnouncementID.String()}
	}
	b, err := json.Marshal(v)
	return string(b), err
}
