package api

import (
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// Hashtags: one hashtag, following and unfollowing it, and the list of
// those a member follows. Public statuses with a followed hashtag reach
// the member's home feed (the engine's fan-out).

// Followed hashtags page as Mastodon pages them.
const (
	followedTagsDefault = 100
	followedTagsMax     = 200
)

func (h *Handler) mountTags(r chi.Router) {
	r.Get("/api/v1/tags/{name}", h.getTag)
	r.Post("/api/v1/tags/{name}/follow", h.followTag)
	r.Post("/api/v1/tags/{name}/unfollow", h.unfollowTag)
	r.Get("/api/v1/followed_tags", h.followedTags)
}

// Hashtag is Mastodon's Tag entity, as GET /api/v1/tags/:name and search
// give it (a Status lists the smaller Tag). copse keeps no usage history.
type Hashtag struct {
	Name      string `json:"name"`
	URL       string `json:"url"`
	History   []any  `json:"history"`
	Following *bool  `json:"following,omitempty"` // only for a member
}

func hashtagEntity(name string, viewer storage.Account, following bool, urls federation.URLs) Hashtag {
	e := Hashtag{Name: name, URL: urls.Tag(name), History: []any{}}
	if viewer.ID != 0 {
		e.Following = &following
	}
	return e
}

// tagParam is the hashtag a route's {name} names, normalised; false if
// it is no hashtag name.
func tagParam(r *http.Request) (string, bool) {
	name := chi.URLParam(r, "name")
	if n, err := url.PathUnescape(name); err == nil {
		name = n // chi gives the raw segment when the path was escaped (a tag in another script)
	}
	return federation.NormalizeTag(name)
}

// GET /api/v1/tags/:name: any hashtag name answers, used or not, as in
// Mastodon; what is no hashtag name is not found.
func (h *Handler) getTag(w http.ResponseWriter, r *http.Request) {
	viewer, ok := h.optionalUser(w, r, "read:follows")
	if !ok {
		return
	}
	name, ok := tagParam(r)
	if !ok {
		h.fail(w, r, storage.ErrNotFound)
		return
	}
	following := false
	if viewer.ID != 0 {
		var err error
		if following, err = h.store.FollowsTag(r.Context(), viewer.ID, name); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.json(w, hashtagEntity(name, viewer, following, h.urls))
}

// POST /api/v1/tags/:name/follow
func (h *Handler) followTag(w http.ResponseWriter, r *http.Request) {
	h.setTagFollow(w, r, true)
}

// POST /api/v1/tags/:name/unfollow
func (h *Handler) unfollowTag(w http.ResponseWriter, r *http.Request) {
	h.setTagFollow(w, r, false)
}

func (h *Handler) setTagFollow(w http.ResponseWriter, r *http.Request, follow bool) {
	me, ok := h.user(w, r, "write:follows")
	if !ok {
		return
	}
	name, ok := tagParam(r)
	if !ok {
		h.fail(w, r, storage.ErrNotFound)
		return
	}
	var err error
	if follow {
		name, err = h.engine.FollowTag(r.Context(), me.ID, name)
	} else {
		name, err = h.engine.UnfollowTag(r.Context(), me.ID, name)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.json(w, hashtagEntity(name, me, follow, h.urls))
}

// GET /api/v1/followed_tags
func (h *Handler) followedTags(w http.ResponseWriter, r *http.Request) {
	me, ok := h.user(w, r, "read:follows")
	if !ok {
		return
	}
	v, err := form(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	tags, err := h.store.FollowedTags(r.Context(), me.ID, page(v, followedTagsDefault, followedTagsMax))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]Hashtag, 0, len(tags))
	for _, t := range tags {
		out = append(out, hashtagEntity(t.Name, me, true, h.urls))
	}
	if len(tags) > 0 {
		h.setLink(w, r, tags[0].ID, tags[len(tags)-1].ID)
	}
	h.json(w, out)
}
