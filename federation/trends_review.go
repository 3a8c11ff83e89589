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
// TrendingTagsMinAccounts, put in public posts in TrendingTagsWindow.
const (
	TrendingTagsWindow      = 7 * 24 * time.Hour
	TrendingTagsMinAccounts = 2 // one person's hashtag is not a trend
)

// maxTrendsReviewed bounds the hashtags listed for review.
const maxTrendsReviewed = 100

// TrendsForReview lists for by, who must moderate content, the hashtags
// that trend or would, reviewed or not, most used first.
func (e *Engine) TrendsForReview(ctx context.Context, by storage.ID) ([]storage.TagInfo, error) {
	if by != 0 {
		if err := e.Authorize(ctx, by, ActModerateContent); err != nil {
			return nil, err
		}
	}
	return e.store.TrendingTags(ctx, by, e.now().Add(-TrendingTagsWindow), TrendingTagsMinAccounts, maxTrendsReviewed, 0, false)
}

// ReviewTrend lets hashtag name trend (approve) or not, by by (0: the
// command line), who must moderate content.
func (e *Engine) ReviewTrend(ctx context.Context, by storage.ID, name string, approve bool) error {
	if by != 0 {
		if err := e.Authorize(ctx, by, ActModerateContent); err != nil {
			return err
		}
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
