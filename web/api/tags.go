package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

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
	r.Get("/api/v1/tags/{name}", h.handle(h.getTag))
	r.Post("/api/v1/tags/{name}/follow", h.handle(h.followTag))
	r.Post("/api/v1/tags/{name}/unfollow", h.handle(h.unfollowTag))
	r.Get("/api/v1/followed_tags", h.handle(h.followedTags))
}

// Hashtag is Mastodon's Tag entity, as GET /api/v1/tags/:name, search
// and trends give it (a Status lists the smaller Tag).
type Hashtag struct {
	Name      string       `json:"name"`
	URL       string       `json:"url"`
	History   []TagHistory `json:"history"`
	Following *bool        `json:"following,omitempty"` // only for a member
}

// TagHistory is one day of a hashtag's use; Mastodon gives the numbers
// as strings.
type TagHistory struct {
	Day      string `json:"day"` // Unix time of midnight UTC
	Uses     string `json:"uses"`
	Accounts string `json:"accounts"`
}

// tagHistoryDays is how many days of use a Tag entity shows, as Mastodon.
const tagHistoryDays = 7

// hashtags makes the Tag entities of names, with a week of use each (one
// query for all); following says which of them the viewer follows.
func (h *Handler) hashtags(ctx context.Context, viewer storage.Account, names []string, following func(string) bool) ([]Hashtag, error) {
	hist, err := h.store.TagHistory(ctx, names, h.now(), tagHistoryDays)
	if err != nil {
		return nil, err
	}
	out := make([]Hashtag, 0, len(names))
	for _, name := range names {
		e := Hashtag{Name: name, URL: h.urls.Tag(name), History: make([]TagHistory, 0, tagHistoryDays)}
		for _, d := range hist[name] {
			e.History = append(e.History, TagHistory{Day: strconv.FormatInt(d.Day.Unix(), 10),
				Uses: strconv.Itoa(d.Uses), Accounts: strconv.Itoa(d.Accounts)})
		}
		if viewer.ID != 0 {
			f := following(name)
			e.Following = &f
		}
		out = append(out, e)
	}
	return out, nil
}

// hashtag is hashtags for one name.
func (h *Handler) hashtag(ctx context.Context, viewer storage.Account, name string, following bool) (Hashtag, error) {
	out, err := h.hashtags(ctx, viewer, []string{name}, func(string) bool { return following })
	if err != nil {
		return Hashtag{}, err
	}
	return out[0], nil
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
func (h *Handler) getTag(w http.ResponseWriter, r *http.Request) error {
	viewer, err := optionalCaller(r, "read:follows")
	if err != nil {
		return err
	}
	name, ok := tagParam(r)
	if !ok {
		return storage.ErrNotFound
	}
	following := false
	if viewer.ID != 0 {
		var err error
		if following, err = h.store.FollowsTag(r.Context(), viewer.ID, name); err != nil {
			return err
		}
	}
	return h.writeHashtag(w, r, viewer, name, following)
}

func (h *Handler) writeHashtag(w http.ResponseWriter, r *http.Request, viewer storage.Account, name string, following bool) error {
	e, err := h.hashtag(r.Context(), viewer, name, following)
	if err != nil {
		return err
	}
	h.json(w, e)
	return nil
}

// POST /api/v1/tags/:name/follow
func (h *Handler) followTag(w http.ResponseWriter, r *http.Request) error {
	return h.setTagFollow(w, r, true)
}

// POST /api/v1/tags/:name/unfollow
func (h *Handler) unfollowTag(w http.ResponseWriter, r *http.Request) error {
	return h.setTagFollow(w, r, false)
}

func (h *Handler) setTagFollow(w http.ResponseWriter, r *http.Request, follow bool) error {
	me, err := Caller(r, "write:follows")
	if err != nil {
		return err
	}
	name, ok := tagParam(r)
	if !ok {
		return storage.ErrNotFound
	}
	if follow {
		name, err = h.engine.FollowTag(r.Context(), me.ID, name)
	} else {
		name, err = h.engine.UnfollowTag(r.Context(), me.ID, name)
	}
	if err != nil {
		return err
	}
	return h.writeHashtag(w, r, me, name, follow)
}

// GET /api/v1/followed_tags
func (h *Handler) followedTags(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:follows")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	tags, err := h.store.FollowedTags(r.Context(), me.ID, page(v, followedTagsDefault, followedTagsMax))
	if err != nil {
		return err
	}
	names := make([]string, 0, len(tags))
	for _, t := range tags {
		names = append(names, t.Name)
	}
	out, err := h.hashtags(r.Context(), me, names, func(string) bool { return true })
	if err != nil {
		return err
	}
	if len(tags) > 0 {
		h.setLink(w, r, tags[0].ID, tags[len(tags)-1].ID)
	}
	h.json(w, out)
	return nil
}
