package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/storage"
)

// Mastodon's admin API for trending hashtags: the hashtags that trend or
// would, for moderators to review (federation.ReviewTrend); members see
// only those approved.

// AdminTag is Mastodon's Admin::Tag entity: a Tag with its review.
type AdminTag struct {
	Hashtag
	ID             string `json:"id"`
	Trendable      bool   `json:"trendable"`
	Usable         bool   `json:"usable"`
	RequiresReview bool   `json:"requires_review"`
	Listable       bool   `json:"listable"`
}

func (h *Handler) mountAdminTrends(r chi.Router) {
	r.Get("/api/v1/admin/trends/tags", h.handle(h.adminTrendingTags))
	r.Post("/api/v1/admin/trends/tags/{id}/approve", h.handle(h.adminReviewTag(true)))
	r.Post("/api/v1/admin/trends/tags/{id}/reject", h.handle(h.adminReviewTag(false)))
	r.Get("/api/v1/admin/trends/statuses", h.handle(h.adminTrendingStatuses))
	r.Post("/api/v1/admin/trends/statuses/{id}/approve", h.handle(h.adminReviewStatus(true)))
	r.Post("/api/v1/admin/trends/statuses/{id}/reject", h.handle(h.adminReviewStatus(false)))
	r.Get("/api/v1/admin/trends/links", h.handle(h.adminTrendingLinks))
	r.Post("/api/v1/admin/trends/links/{id}/approve", h.handle(h.adminReviewLink(true)))
	r.Post("/api/v1/admin/trends/links/{id}/reject", h.handle(h.adminReviewLink(false)))
}

// GET /api/v1/admin/trends/tags
func (h *Handler) adminTrendingTags(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:read", "trends")
	if err != nil {
		return err
	}
	tags, err := h.engine.TrendsForReview(r.Context(), me.ID)
	if err != nil {
		return err
	}
	out, err := h.adminTags(r.Context(), me, tags)
	if err != nil {
		return err
	}
	h.json(w, out)
	return nil
}

// POST /api/v1/admin/trends/tags/:id/approve and …/reject
func (h *Handler) adminReviewTag(approve bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := adminCaller(r, "admin:write", "trends")
		if err != nil {
			return err
		}
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		ctx := r.Context()
		name, err := h.store.TagName(ctx, id)
		if err != nil {
			return err
		}
		if err := h.engine.ReviewTrend(ctx, me.ID, name, approve); err != nil {
			return err
		}
		review := storage.TrendRejected
		if approve {
			review = storage.TrendApproved
		}
		out, err := h.adminTags(ctx, me, []storage.TagInfo{{ID: id, Name: name, Review: review}})
		if err != nil {
			return err
		}
		h.json(w, out[0])
		return nil
	}
}

// adminTags presents tags with their history and review.
func (h *Handler) adminTags(ctx context.Context, me storage.Account, tags []storage.TagInfo) ([]AdminTag, error) {
	names := make([]string, 0, len(tags))
	following := map[string]bool{}
	for _, t := range tags {
		names = append(names, t.Name)
		following[t.Name] = t.Following
	}
	hs, err := h.hashtags(ctx, me, names, func(n string) bool { return following[n] })
	if err != nil {
		return nil, err
	}
	out := make([]AdminTag, 0, len(tags))
	for i, t := range tags {
		out = append(out, AdminTag{Hashtag: hs[i], ID: t.ID.String(), Trendable: t.Review == storage.TrendApproved,
			Usable: true, Listable: true, RequiresReview: t.Review == storage.TrendPending})
	}
	return out, nil
}

// AdminTrendsStatus is a Status in the admin's trends, with its review.
type AdminTrendsStatus struct {
	Status
	Trendable      bool `json:"trendable"`
	RequiresReview bool `json:"requires_review"`
}

// GET /api/v1/admin/trends/statuses
func (h *Handler) adminTrendingStatuses(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:read", "trends")
	if err != nil {
		return err
	}
	sts, reviews, err := h.engine.StatusTrendsForReview(r.Context(), me.ID)
	if err != nil {
		return err
	}
	out, err := h.adminStatuses(r.Context(), me, sts, reviews)
	if err != nil {
		return err
	}
	h.json(w, out)
	return nil
}

// POST /api/v1/admin/trends/statuses/:id/approve and …/reject
func (h *Handler) adminReviewStatus(approve bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := adminCaller(r, "admin:write", "trends")
		if err != nil {
			return err
		}
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		ctx := r.Context()
		if err := h.engine.ReviewStatusTrend(ctx, me.ID, id, approve); err != nil {
			return err
		}
		st, err := h.store.StatusByID(ctx, id)
		if err != nil {
			return err
		}
		review := storage.TrendRejected
		if approve {
			review = storage.TrendApproved
		}
		out, err := h.adminStatuses(ctx, me, []storage.Status{st}, map[storage.ID]string{id: review})
		if err != nil {
			return err
		}
		h.json(w, out[0])
		return nil
	}
}

// adminStatuses presents statuses with their review.
func (h *Handler) adminStatuses(ctx context.Context, me storage.Account, sts []storage.Status, reviews map[storage.ID]string) ([]AdminTrendsStatus, error) {
	es, err := h.presenter(me).statuses(ctx, sts)
	if err != nil {
		return nil, err
	}
	out := make([]AdminTrendsStatus, 0, len(sts))
	for i, st := range sts {
		out = append(out, AdminTrendsStatus{Status: es[i], Trendable: reviews[st.ID] == storage.TrendApproved,
			RequiresReview: reviews[st.ID] == storage.TrendPending})
	}
	return out, nil
}
