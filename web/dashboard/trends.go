package dashboard

import (
	"cmp"
	"net/http"
	"strings"

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
	r.Post("/admin/trends/posts/approve", d.page(m, d.reviewPost(true)))
	r.Post("/admin/trends/posts/reject", d.page(m, d.reviewPost(false)))
	r.Post("/admin/trends/links/approve", d.page(m, d.reviewLink(true)))
	r.Post("/admin/trends/links/reject", d.page(m, d.reviewLink(false)))
}

var trendNotices = map[string]string{
	"approved":      "The hashtag is approved: it trends for members while people use it.",
	"rejected":      "The hashtag is rejected: it does not trend.",
	"link_approved": "The link is approved: it trends for members while people share it.",
	"link_rejected": "The link is rejected: it does not trend.",
	"post_approved": "The post is approved: it trends for members while people favourite and boost it.",
	"post_rejected": "The post is rejected: it does not trend.",
}

// postRow is a post that trends or would: who wrote it, its opening words
// and where it is.
type postRow struct {
	ID, Author, Excerpt, URL, Review string
}

type trendRow struct{ Name, Review string }

// linkRow is a link that trends or would: its page's title and site,
// and how many people shared it this week.
type linkRow struct {
	ID, URL, Title, Site, Review string
	Accounts, Uses               int
}

type trendsView struct {
	frame
	Trends []trendRow
	Links  []linkRow
	Posts  []postRow
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
	sts, reviews, err := d.engine.StatusTrendsForReview(r.Context(), me.ID)
	if err != nil {
		return err
	}
	ids := make([]storage.ID, 0, len(sts))
	for _, st := range sts {
		ids = append(ids, st.AccountID)
	}
	authors, err := d.store.AccountsByIDs(r.Context(), ids)
	if err != nil {
		return err
	}
	for _, st := range sts {
		excerpt := []rune(strings.TrimSpace(federation.PlainText(st.Content)))
		if len(excerpt) > 140 {
			excerpt = append(excerpt[:139], '…')
		}
		v.Posts = append(v.Posts, postRow{ID: st.ID.String(), Author: authors[st.AccountID].Acct(), Excerpt: cmp.Or(string(excerpt), "A post without text"),
			URL: cmp.Or(st.URL, st.URI), Review: reviews[st.ID]})
	}
	links, err := d.engine.LinksForReview(r.Context(), me.ID)
	if err != nil {
		return err
	}
	for _, l := range links {
		v.Links = append(v.Links, linkRow{ID: l.Card.ID.String(), URL: l.Card.URL, Title: l.Card.Title, Site: l.Card.ProviderName,
			Review: l.Review, Accounts: l.Accounts, Uses: l.Uses})
	}
	return d.render(w, r, http.StatusOK, "trends", v)
}

// reviewForm takes an approve or reject form of one kind of trend: the
// notice says which (kind, then "approved" or "rejected"), review
// decides about what the form names.
func (d *Dashboard) reviewForm(kind string, approve bool, review func(r *http.Request, me storage.Account) error) handler {
	return func(w http.ResponseWriter, r *http.Request, me storage.Account) error {
		if err := review(r, me); err != nil {
			return err
		}
		notice := kind + "rejected"
		if approve {
			notice = kind + "approved"
		}
		return done(w, r, "/admin/trends", notice)
	}
}

// formID is the ID a review form names in field; one that is no ID is
// not found.
func formID(r *http.Request, field string) (storage.ID, error) {
	id, err := storage.ParseID(r.PostFormValue(field))
	if err != nil {
		return 0, storage.ErrNotFound
	}
	return id, nil
}

// reviewTrend takes a hashtag's form (its name in "tag").
func (d *Dashboard) reviewTrend(approve bool) handler {
	return d.reviewForm("", approve, func(r *http.Request, me storage.Account) error {
		return d.engine.ReviewTrend(r.Context(), me.ID, r.PostFormValue("tag"), approve)
	})
}

// reviewPost takes a post's form (its ID in "post").
func (d *Dashboard) reviewPost(approve bool) handler {
	return d.reviewForm("post_", approve, func(r *http.Request, me storage.Account) error {
		id, err := formID(r, "post")
		if err != nil {
			return err
		}
		return d.engine.ReviewStatusTrend(r.Context(), me.ID, id, approve)
	})
}

// reviewLink takes a link's form (its card's ID in "link").
func (d *Dashboard) reviewLink(approve bool) handler {
	return d.reviewForm("link_", approve, func(r *http.Request, me storage.Account) error {
		id, err := formID(r, "link")
		if err != nil {
			return err
		}
		_, err = d.engine.ReviewLink(r.Context(), me.ID, id, approve)
		return err
	})
}
