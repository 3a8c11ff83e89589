package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/storage"
)

// Mastodon's admin API for trends: the hashtags, links and posts that
// trend or would, for moderators to review (federation.ReviewTrend,
// ReviewLink, ReviewStatusTrend); members see only those approved.

// AdminTag is Mastodon's Admin::Tag entity: a Tag with its review.
type AdminTag struct {
	Hashtag
	ID             string `json:"id"`
	Trendable      bool   `json:"trendable"`
	Usable         bool   `json:"usable"`
	RequiresReview bool   `json:"requires_review"`
	Listable       bool   `json:"listable"`
}

// trendKind is one kind of trend in the admin API: list reads the
// entities to review for moderator me; review decides about the one
// with id (approve or reject) and returns its entity.
type trendKind struct {
	path   string
	list   func(ctx context.Context, me storage.Account) (any, error)
	review func(ctx context.Context, me storage.Account, id storage.ID, approve bool) (any, error)
}

func (h *Handler) mountAdminTrends(r chi.Router) {
	for _, k := range []trendKind{
		{"tags", h.adminTagTrends, h.reviewTagTrend},
		{"statuses", h.adminStatusTrends, h.reviewStatusTrend},
		{"links", h.adminLinkTrends, h.reviewLinkTrend},
	} {
		r.Get("/api/v1/admin/trends/"+k.path, h.handle(h.adminTrendList(k)))
		r.Post("/api/v1/admin/trends/"+k.path+"/{id}/approve", h.handle(h.adminTrendReview(k, true)))
		r.Post("/api/v1/admin/trends/"+k.path+"/{id}/reject", h.handle(h.adminTrendReview(k, false)))
	}
}

// GET /api/v1/admin/trends/{tags,statuses,links}
func (h *Handler) adminTrendList(k trendKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := adminCaller(r, "admin:read", "trends")
		if err != nil {
			return err
		}
		out, err := k.list(r.Context(), me)
		if err != nil {
			return err
		}
		h.json(w, out)
		return nil
	}
}

// POST /api/v1/admin/trends/{tags,statuses,links}/:id/approve and …/reject
func (h *Handler) adminTrendReview(k trendKind, approve bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := adminCaller(r, "admin:write", "trends")
		if err != nil {
			return err
		}
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		out, err := k.review(r.Context(), me, id, approve)
		if err != nil {
			return err
		}
		h.json(w, out)
		return nil
	}
}

// reviewed is the review an approve (or reject) leaves.
func reviewed(approve bool) string {
	if approve {
		return storage.TrendApproved
	}
	return storage.TrendRejected
}

func (h *Handler) adminTagTrends(ctx context.Context, me storage.Account) (any, error) {
	tags, err := h.engine.TrendsForReview(ctx, me.ID)
	if err != nil {
		return nil, err
	}
	return h.adminTags(ctx, me, tags)
}

func (h *Handler) reviewTagTrend(ctx context.Context, me storage.Account, id storage.ID, approve bool) (any, error) {
	name, err := h.store.TagName(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := h.engine.ReviewTrend(ctx, me.ID, name, approve); err != nil {
		return nil, err
	}
	out, err := h.adminTags(ctx, me, []storage.TagInfo{{ID: id, Name: name, Review: reviewed(approve)}})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

func (h *Handler) adminStatusTrends(ctx context.Context, me storage.Account) (any, error) {
	sts, reviews, err := h.engine.StatusTrendsForReview(ctx, me.ID)
	if err != nil {
		return nil, err
	}
	return h.adminStatuses(ctx, me, sts, reviews)
}

func (h *Handler) reviewStatusTrend(ctx context.Context, me storage.Account, id storage.ID, approve bool) (any, error) {
	if err := h.engine.ReviewStatusTrend(ctx, me.ID, id, approve); err != nil {
		return nil, err
	}
	st, err := h.store.StatusByID(ctx, id)
	if err != nil {
		return nil, err
	}
	out, err := h.adminStatuses(ctx, me, []storage.Status{st}, map[storage.ID]string{id: reviewed(approve)})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

func (h *Handler) adminLinkTrends(ctx context.Context, me storage.Account) (any, error) {
	links, err := h.engine.LinksForReview(ctx, me.ID)
	if err != nil {
		return nil, err
	}
	return h.adminLinks(ctx, links)
}

func (h *Handler) reviewLinkTrend(ctx context.Context, me storage.Account, id storage.ID, approve bool) (any, error) {
	c, err := h.engine.ReviewLink(ctx, me.ID, id, approve)
	if err != nil {
		return nil, err
	}
	out, err := h.adminLinks(ctx, []storage.TrendingLink{{Card: c, Review: reviewed(approve)}})
	if err != nil {
		return nil, err
	}
	return out[0], nil
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
