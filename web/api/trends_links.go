package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/copse-dev/copse/storage"
)

// Trending links: the pages most people here and on peers linked to from
// public posts this week, by their preview cards, once moderators
// approved them (federation.ReviewLink), as hashtags trend.

// TrendsLink is Mastodon's Trends::Link: a PreviewCard with a week of
// its use.
type TrendsLink struct {
	PreviewCard
	History []TagHistory `json:"history"`
}

// AdminTrendsLink is a TrendsLink with its review, for moderators.
type AdminTrendsLink struct {
	TrendsLink
	ID             string `json:"id"`
	Trendable      bool   `json:"trendable"`
	RequiresReview bool   `json:"requires_review"`
}

// GET /api/v1/trends/links
func (h *Handler) trendingLinks(w http.ResponseWriter, r *http.Request) error {
	if _, err := optionalCaller(r, "read"); err != nil {
		return err
	}
	limit, offset := limitOffset(r, trendsDefault, trendsMax)
	links, err := h.engine.TrendingLinks(r.Context(), limit, offset)
	if err != nil {
		return err
	}
	out, err := h.trendsLinks(r.Context(), links)
	if err != nil {
		return err
	}
	h.json(w, out)
	return nil
}

// trendsLinks presents links with a week of their use (one query for
// all).
func (h *Handler) trendsLinks(ctx context.Context, links []storage.TrendingLink) ([]TrendsLink, error) {
	ids := make([]storage.ID, 0, len(links))
	for _, l := range links {
		ids = append(ids, l.Card.ID)
	}
	hist, err := h.store.LinkHistory(ctx, ids, h.now(), tagHistoryDays)
	if err != nil {
		return nil, err
	}
	out := make([]TrendsLink, 0, len(links))
	for _, l := range links {
		e := TrendsLink{PreviewCard: *cardEntity(l.Card, h.urls), History: make([]TagHistory, 0, tagHistoryDays)}
		for _, d := range hist[l.Card.ID] {
			e.History = append(e.History, TagHistory{Day: strconv.FormatInt(d.Day.Unix(), 10),
				Uses: strconv.Itoa(d.Uses), Accounts: strconv.Itoa(d.Accounts)})
		}
		out = append(out, e)
	}
	return out, nil
}

// adminLinks presents links with their history and review.
func (h *Handler) adminLinks(ctx context.Context, links []storage.TrendingLink) ([]AdminTrendsLink, error) {
	ls, err := h.trendsLinks(ctx, links)
	if err != nil {
		return nil, err
	}
	out := make([]AdminTrendsLink, 0, len(links))
	for i, l := range links {
		out = append(out, AdminTrendsLink{TrendsLink: ls[i], ID: l.Card.ID.String(), Trendable: l.Review == storage.TrendApproved,
			RequiresReview: l.Review == storage.TrendPending})
	}
	return out, nil
}
