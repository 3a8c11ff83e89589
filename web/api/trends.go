package api

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
)

// Trends, counted from what this node holds (storage/trends.go): the
// hashtags most people here and on peers used in public posts this week
// that moderators approved (federation.ReviewTrend), the links shared
// most this week that they approved (trends_links.go), and the public
// posts most favourited and boosted in the last two days that they
// approved (federation.ReviewStatusTrend).

const (
	trendsDefault           = 10
	trendsMax               = 20
	trendingStatusesDefault = 20
	trendingStatusesMax     = 40
)

func (h *Handler) mountTrends(r chi.Router) {
	r.Get("/api/v1/trends", h.handle(h.trendingTags)) // the old name of trends/tags
	r.Get("/api/v1/trends/tags", h.handle(h.trendingTags))
	r.Get("/api/v1/trends/statuses", h.handle(h.trendingStatuses))
	r.Get("/api/v1/trends/links", h.handle(h.trendingLinks))
}

// maxOffset is how deep trends and the directory page by offset: past
// it a page is empty (limit 0, which SQLite answers without reading),
// since an offset makes the database walk every row it skips.
const maxOffset = 10_000

// limitOffset reads the limit and offset trends and the directory page
// by; an offset past maxOffset gives limit 0.
func limitOffset(r *http.Request, def, maxLimit int) (limit, offset int) {
	q := r.URL.Query()
	limit = def
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, maxLimit)
	}
	if n, err := strconv.Atoi(q.Get("offset")); err == nil && n > 0 {
		offset = n
	}
	if offset > maxOffset {
		return 0, 0
	}
	return limit, offset
}

// GET /api/v1/trends/tags
func (h *Handler) trendingTags(w http.ResponseWriter, r *http.Request) error {
	viewer, err := optionalCaller(r, "read")
	if err != nil {
		return err
	}
	limit, offset := limitOffset(r, trendsDefault, trendsMax)
	tags, err := h.engine.TrendingTags(r.Context(), viewer.ID, limit, offset)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(tags))
	following := map[string]bool{}
	for _, t := range tags {
		names = append(names, t.Name)
		following[t.Name] = t.Following
	}
	out, err := h.hashtags(r.Context(), viewer, names, func(n string) bool { return following[n] })
	if err != nil {
		return err
	}
	h.json(w, out)
	return nil
}

// GET /api/v1/trends/statuses
func (h *Handler) trendingStatuses(w http.ResponseWriter, r *http.Request) error {
	viewer, err := optionalCaller(r, "read:statuses")
	if err != nil {
		return err
	}
	limit, offset := limitOffset(r, trendingStatusesDefault, trendingStatusesMax)
	sts, err := h.engine.TrendingStatuses(r.Context(), viewer.ID, limit, offset)
	if err != nil {
		return err
	}
	if sts, err = h.shown(r.Context(), viewer, sts); err != nil {
		return err
	}
	out, err := h.presenter(viewer).filteredStatuses(r.Context(), filterPublic, sts)
	if err != nil {
		return err
	}
	h.json(w, out)
	return nil
}
