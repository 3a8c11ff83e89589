package federation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/copse-dev/copse/storage"
)

// Trends are reviewed: a hashtag trends (GET /api/v1/trends/tags) only
// once a moderator approved it, as Mastodon asks by default, so a node's
// trends never put a slur or a pile-on in front of every member. A
// rejected hashtag never trends; either decision stands until changed.

// Audit actions of trend reviews.
const (
	AuditApproveTrend = "approve_trend"
	AuditRejectTrend  = "reject_trend"
)

// The trends members see: the hashtags most accounts, at least
// trendingTagsMinAccounts, put in public posts in trendingTagsWindow.
const (
	trendingTagsWindow      = 7 * 24 * time.Hour
	trendingTagsMinAccounts = 2 // one person's hashtag is not a trend
)

// mayReviewTrends lets by review trends: one who may moderate content, or
// 0, the command line.
func (e *Engine) mayReviewTrends(ctx context.Context, by storage.ID) error {
	if by == 0 {
		return nil
	}
	return e.Authorize(ctx, by, ActModerateContent)
}

// maxTrendsReviewed bounds the hashtags listed for review.
const maxTrendsReviewed = 100

// TrendingTags are the hashtags that trend for viewer (0: nobody signed
// in), a page of them: those moderators approved of the ones the most
// accounts used this week, each with whether viewer follows it.
func (e *Engine) TrendingTags(ctx context.Context, viewer storage.ID, limit, offset int) ([]storage.TagInfo, error) {
	return e.trending(ctx, viewer, limit, offset, true)
}

// TrendsForReview lists for by, who must moderate content, the hashtags
// that trend or would, reviewed or not, most used first.
func (e *Engine) TrendsForReview(ctx context.Context, by storage.ID) ([]storage.TagInfo, error) {
	if err := e.mayReviewTrends(ctx, by); err != nil {
		return nil, err
	}
	return e.trending(ctx, by, maxTrendsReviewed, 0, false)
}

// trending is the one reading of this week's hashtags, approved only or
// all (for review).
func (e *Engine) trending(ctx context.Context, viewer storage.ID, limit, offset int, approvedOnly bool) ([]storage.TagInfo, error) {
	return e.store.TrendingTags(ctx, viewer, e.now().Add(-trendingTagsWindow), trendingTagsMinAccounts, limit, offset, approvedOnly)
}

// ReviewTrend lets hashtag name trend (approve) or not, by by (0: the
// command line), who must moderate content.
func (e *Engine) ReviewTrend(ctx context.Context, by storage.ID, name string, approve bool) error {
	if err := e.mayReviewTrends(ctx, by); err != nil {
		return err
	}
	name = strings.TrimPrefix(strings.TrimSpace(name), "#")
	action := AuditRejectTrend
	if approve {
		action = AuditApproveTrend
	}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		id, err := tx.ReviewTag(ctx, name, approve)
		if err != nil {
			return err
		}
		return audit(ctx, tx, by, action, storage.AuditTag, id, "tag", name)
	})
	if err != nil {
		return fmt.Errorf("review trend #%s: %w", name, err)
	}
	return nil
}

// Links trend as hashtags do: the pages most accounts linked to from
// public, original posts this week (their cards, linkcard.go), once a
// moderator approved them.

// TrendingLinks are the links that trend, a page of them: those
// moderators approved of the ones the most accounts shared this week.
func (e *Engine) TrendingLinks(ctx context.Context, limit, offset int) ([]storage.TrendingLink, error) {
	return e.trendingLinks(ctx, limit, offset, true)
}

// LinksForReview lists for by, who must moderate content (0: the
// command line), the links that trend or would, reviewed or not, most
// shared first.
func (e *Engine) LinksForReview(ctx context.Context, by storage.ID) ([]storage.TrendingLink, error) {
	if err := e.mayReviewTrends(ctx, by); err != nil {
		return nil, err
	}
	return e.trendingLinks(ctx, maxTrendsReviewed, 0, false)
}

// trendingLinks is the one reading of this week's links, approved only
// or all (for review).
func (e *Engine) trendingLinks(ctx context.Context, limit, offset int, approvedOnly bool) ([]storage.TrendingLink, error) {
	return e.store.TrendingLinks(ctx, e.now().Add(-trendingTagsWindow), trendingTagsMinAccounts, limit, offset, approvedOnly)
}

// ReviewLink lets the link of card id trend (approve) or not, by by (0:
// the command line), who must moderate content.
func (e *Engine) ReviewLink(ctx context.Context, by, id storage.ID, approve bool) (storage.PreviewCard, error) {
	if err := e.mayReviewTrends(ctx, by); err != nil {
		return storage.PreviewCard{}, err
	}
	action := AuditRejectTrend
	if approve {
		action = AuditApproveTrend
	}
	var c storage.PreviewCard
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		var err error
		if c, err = tx.ReviewLink(ctx, id, approve); err != nil {
			return err
		}
		return audit(ctx, tx, by, action, storage.AuditLink, id, "url", c.URL)
	})
	if err != nil {
		return storage.PreviewCard{}, fmt.Errorf("review trending link %d: %w", id, err)
	}
	return c, nil
}

// Posts trend as hashtags and links do: the public, original posts most
// favourited and boosted in trendingStatusesWindow, once a moderator
// approved them.

// trendingStatusesWindow is how far back posts trend from.
const trendingStatusesWindow = 48 * time.Hour

// TrendingStatuses are the posts that trend for viewer (0: nobody
// signed in), a page of them: those moderators approved of the ones most
// favourited and boosted, without those of accounts viewer blocks, mutes
// or is blocked by (the timelines' filter).
func (e *Engine) TrendingStatuses(ctx context.Context, viewer storage.ID, limit, offset int) ([]storage.Status, error) {
	now := e.now()
	return e.store.TrendingStatuses(ctx, now.Add(-trendingStatusesWindow), storage.TimelineFilter{Viewer: viewer, Now: now}, limit, offset, true)
}

// StatusTrendsForReview lists for by, who must moderate content (0: the
// command line), the posts that trend or would, reviewed or not, with
// each one's review.
func (e *Engine) StatusTrendsForReview(ctx context.Context, by storage.ID) ([]storage.Status, map[storage.ID]string, error) {
	if err := e.mayReviewTrends(ctx, by); err != nil {
		return nil, nil, err
	}
	now := e.now()
	sts, err := e.store.TrendingStatuses(ctx, now.Add(-trendingStatusesWindow), storage.TimelineFilter{Now: now}, maxTrendsReviewed, 0, false)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]storage.ID, 0, len(sts))
	for _, st := range sts {
		ids = append(ids, st.ID)
	}
	reviews, err := e.store.StatusTrendReviews(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	return sts, reviews, nil
}

// ReviewStatusTrend lets post id trend (approve) or not, by by (0: the
// command line), who must moderate content.
func (e *Engine) ReviewStatusTrend(ctx context.Context, by, id storage.ID, approve bool) error {
	if err := e.mayReviewTrends(ctx, by); err != nil {
		return err
	}
	action := AuditRejectTrend
	if approve {
		action = AuditApproveTrend
	}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.ReviewStatusTrend(ctx, id, approve); err != nil {
			return err
		}
		return audit(ctx, tx, by, action, storage.AuditStatus, id)
	})
	if err != nil {
		return fmt.Errorf("review trending post %d: %w", id, err)
	}
	return nil
}
