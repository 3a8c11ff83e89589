package api

import (
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/storage"
)

// Timelines page 20 statuses at a time, 40 at most, as in Mastodon.
const (
	timelineDefault = 20
	timelineMax     = 40
)

// tagsPerMode bounds any[], all[] and none[] of a hashtag timeline, as
// Mastodon does.
const tagsPerMode = 4

func (h *Handler) mountTimelines(r chi.Router) {
	r.Get("/api/v1/timelines/home", h.handle(h.homeTimeline))
	r.Get("/api/v1/timelines/public", h.handle(h.publicTimeline))
	r.Get("/api/v1/timelines/tag/{hashtag}", h.handle(h.tagTimeline))
}

// GET /api/v1/timelines/home
func (h *Handler) homeTimeline(w http.ResponseWriter, r *http.Request) error {
	r, release := h.oneReader(r)
	defer release()
	me, err := Caller(r, "read:statuses")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	home, err := h.store.HomeTimelineWithBoosted(r.Context(), me.ID, page(v, timelineDefault, timelineMax))
	if err != nil {
		return err
	}
	p := h.presenter(me)
	// Read with the page: preload need not look the boosted statuses up
	// again (a deep page's are cold pages of the database).
	maps.Copy(p.boosted, home.Boosted)
	return h.writePresented(w, r, p, home.Statuses, filterHome)
}

// GET /api/v1/timelines/public
func (h *Handler) publicTimeline(w http.ResponseWriter, r *http.Request) error {
	r, release := h.oneReader(r)
	defer release()
	viewer, err := optionalCaller(r, "read:statuses")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	sts, err := h.store.PublicTimeline(r.Context(), h.timelineFilter(v, viewer), page(v, timelineDefault, timelineMax))
	if err != nil {
		return err
	}
	return h.writeTimeline(w, r, viewer, sts, filterPublic)
}

// GET /api/v1/timelines/tag/:hashtag; a tag nobody used gives an empty
// list, as in Mastodon.
func (h *Handler) tagTimeline(w http.ResponseWriter, r *http.Request) error {
	r, release := h.oneReader(r)
	defer release()
	viewer, err := optionalCaller(r, "read:statuses")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	tag := chi.URLParam(r, "hashtag")
	if t, err := url.PathUnescape(tag); err == nil {
		tag = t // chi gives the raw segment when the path was escaped (a tag in another script)
	}
	tag = strings.TrimPrefix(tag, "#")
	q := storage.TagQuery{
		Any:  append([]string{tag}, firstTags(list(v, "any"))...),
		All:  firstTags(list(v, "all")),
		None: firstTags(list(v, "none")),
	}
	sts, err := h.store.TagTimeline(r.Context(), q, h.timelineFilter(v, viewer), page(v, timelineDefault, timelineMax))
	if err != nil {
		return err
	}
	return h.writeTimeline(w, r, viewer, sts, filterPublic)
}

func firstTags(names []string) []string {
	names = nonEmpty(names)
	if len(names) > tagsPerMode {
		names = names[:tagsPerMode]
	}
	return names
}

func (h *Handler) timelineFilter(v url.Values, viewer storage.Account) storage.TimelineFilter {
	return storage.TimelineFilter{
		Now:       h.now(),
		Local:     boolParam(v, "local", false),
		Remote:    boolParam(v, "remote", false),
		OnlyMedia: boolParam(v, "only_media", false),
		Viewer:    viewer.ID,
	}
}

// writeTimeline answers with a page of statuses, filtered for the
// viewer in filterContext, and the Link header to the pages around it.
func (h *Handler) writeTimeline(w http.ResponseWriter, r *http.Request, viewer storage.Account, sts []storage.Status, filterContext string) error {
	return h.writePresented(w, r, h.presenter(viewer), sts, filterContext)
}

// writePresented is writeTimeline with a presenter the caller made.
func (h *Handler) writePresented(w http.ResponseWriter, r *http.Request, p *presenter, sts []storage.Status, filterContext string) error {
	out, err := p.filteredStatuses(r.Context(), filterContext, sts)
	if err != nil {
		return err
	}
	// Read all: the connection goes back to the pool before a slow
	// client is written to.
	h.store.ReleaseReader(r.Context())
	if len(sts) > 0 {
		h.setLink(w, r, sts[0].ID, sts[len(sts)-1].ID)
	}
	h.json(w, out)
	return nil
}

// oneReader has the rest of a timeline request read on one reader
// connection in one snapshot (storage.Store.OneReader): a page runs a
// dozen statements, and a deep page's rows, faulted into one
// connection's map by the page query, are mapped for the rest.
func (h *Handler) oneReader(r *http.Request) (*http.Request, func()) {
	ctx, release := h.store.OneReader(r.Context())
	return r.WithContext(ctx), release
}
