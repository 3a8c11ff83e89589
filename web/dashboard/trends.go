package dashboard

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// Trends review (moderators): the hashtags that trend or would, to
// approve or reject (federation.ReviewTrend); members see only those
// approved.

func (d *Dashboard) mountTrends(r chi.Router) {
	m := federation.ActModerateContent
	r.Get("/admin/trends", d.page(m, d.trendsPage))
	r.Post("/admin/trends/approve", d.page(m, d.reviewTrend(true)))
	r.Post("/admin/trends/reject", d.page(m, d.reviewTrend(false)))
}

var trendNotices = map[string]string{
	"approved": "The hashtag is approved: it trends for members while people use it.",
	"rejected": "The hashtag is rejected: it does not trend.",
}

type trendRow struct{ Name, Review string }

type trendsView struct {
	frame
	Trends []trendRow
}

// trendsPage lists the hashtags that trend or would: GET /admin/trends.
func (d *Dashboard) trendsPage(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	tags, err := d.engine.TrendsForReview(r.Context(), me.ID)
	if err != nil {
		return err
	}
	v := &trendsView{frame: frame{Title: "Trends", Notice: noticeOf(r, trendNotices)}}
	for _, t := range tags {
		v.Trends = append(v.Trends, trendRow{Name: t.Name, Review: t.Review})
	}
	return d.render(w, r, http.StatusOK, "trends", v)
}

// reviewTrend takes the approve or reject form (the hashtag in "tag").
func (d *Dashboard) reviewTrend(approve bool) handler {
	return func(w http.ResponseWriter, r *http.Request, me storage.Account) error {
		if err := d.engine.ReviewTrend(r.Context(), me.ID, r.PostFormValue("tag"), approve); err != nil {
			return err
		}
		notice := "rejected"
		if approve {
			notice = "approved"
		}
		return done(w, r, "/admin/trends", notice)
	}
}
