package storage

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// TimelineFilter narrows the public and hashtag timelines.
type TimelineFilter struct {
	Local     bool // only statuses of this node
	Remote    bool // only statuses of other nodes
	OnlyMedia bool // only statuses with attachments
	// Viewer, when set, hides what activitypub.Listed hides from it
	// (qListedTo, shown.go): statuses of accounts it blocks, mutes or
	// domain-blocks, and of accounts that block it, and boosts of those,
	// and members-only community posts it is no member for. With no
	// Viewer, members-only community posts are hidden all the same.
	// Store.StatusShown is the same rule for the streams.
	Viewer ID
	// Now is when Viewer's mutes are judged to have expired; zero
	// counts every mute.
	Now time.Time
}

func (f TimelineFilter) where() (cond string, args []any) {
	if f.Local {
		cond += ` AND s.local = 1`
	}
	if f.Remote {
		cond += ` AND s.local = 0`
	}
	if f.OnlyMedia {
		cond += ` AND EXISTS (SELECT 1 FROM attachments m WHERE m.status_id = s.id)`
	}
	if f.Viewer != 0 {
		c, a := listedTo(f.Viewer, f.Now)
		cond += ` AND ` + c
		args = append(args, a...)
	} else {
		// No viewer is no member: a members-only community's posts are
		// left out whatever their visibility.
		c, a := hiddenCommunity(0, f.Now, "s.id", "s.reblog_of_id")
		cond += ` AND NOT ` + c + ` AND NOT ` + qAnonymousLimited
		args = append(args, a...)
	}
	return cond, args
}

// visibleAuthor is the condition (to append to a WHERE clause) that the
// account in col is not hidden from viewer whatever it posts: neither
// blocks the other, and it is not suspended.
func visibleAuthor(col string, viewer ID) (string, []any) {
	cond, args := hiddenAuthor(col, viewer)
	return ` AND NOT ` + cond, args
}

// hiddenAuthor is the condition that the account in col is hidden from
// viewer whatever it posts: viewer blocks it or is blocked by it, or it
// is suspended. These are the accounts activitypub.CanSee hides
// (AuthorSuspended, BlocksAuthor, BlockedByAuthor), for the queries (the
// home feed, favourited and boosted by) that do not take the whole of
// qListedTo. Separate EXISTS, so each reads one index.
func hiddenAuthor(col string, viewer ID) (string, []any) {
	return `(EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ? AND b.target_account_id = ` + col + `)
OR EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ` + col + ` AND b.target_account_id = ?)
OR EXISTS (SELECT 1 FROM accounts sx WHERE sx.id = ` + col + ` AND sx.suspended_at <> 0))`, []any{viewer, viewer}
}

// hiddenCommunity is the condition that a status in one of cols belongs
// to a members-only community viewer is not a member of at now
// (qMemberOf): what activitypub.CanSee hides by MembersOnly, for the
// queries that do not take the whole of qListedTo.
func hiddenCommunity(viewer ID, now time.Time, cols ...string) (string, []any) {
	return `EXISTS (SELECT 1 FROM members_only_statuses mo WHERE mo.status_id IN (` + strings.Join(cols, ", ") + `)
AND NOT ` + qMemberOf + `)`, memberOfArgs(viewer, now)
}

// qPublicTimeline reads the statuses_public partial index newest first,
// so a page costs its length however many statuses the node holds. As in
// Mastodon, replies to others are left out; a thread's self-replies stay.
const qPublicTimeline = `SELECT ` + statusColumns + ` FROM statuses s INDEXED BY statuses_public
JOIN accounts a ON a.id = s.account_id
WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL AND a.suspended_at = 0
AND (s.in_reply_to_uri = '' OR s.in_reply_to_account_id = s.account_id)`

// PublicTimeline returns public statuses, no reblogs, newest first.
func (q queries) PublicTimeline(ctx context.Context, f TimelineFilter, p Page) ([]Status, error) {
	fcond, fargs := f.where()
	cond, args, order := p.where("s.id")
	query := qPublicTimeline + fcond + ` AND ` + cond + ` ORDER BY ` + order + ` LIMIT ?`
	out, err := q.statusList(ctx, query, append(append(fargs, args...), p.limit()), strings.HasSuffix(order, "ASC"))
	if err != nil {
		return nil, fmt.Errorf("public timeline: %w", err)
	}
	return out, nil
}

// TagQuery selects statuses by hashtag (names without "#", any case).
type TagQuery struct {
	Any  []string // at least one of these
	All  []string // and every one of these
	None []string // and none of these
}

// TagTimeline returns public statuses with the tags asked for, replies
// included, newest first.
func (q queries) TagTimeline(ctx context.Context, tags TagQuery, f TimelineFilter, p Page) ([]Status, error) {
	if len(tags.Any) == 0 {
		return nil, nil
	}
	norm := func(names []string) []any {
		out := make([]any, 0, len(names))
		for _, n := range names {
			out = append(out, strings.ToLower(strings.TrimPrefix(n, "#")))
		}
		return out
	}
	anyTags := norm(tags.Any)
	var args []any
	query := `SELECT ` + statusColumns + ` FROM statuses s JOIN accounts a ON a.id = s.account_id
WHERE s.id IN (SELECT st.status_id FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE t.name IN (` + placeholders(len(anyTags)) + `))
AND s.visibility = 'public' AND s.reblog_of_id IS NULL AND a.suspended_at = 0`
	args = append(args, anyTags...)
	for _, name := range norm(tags.All) {
		query += ` AND EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = s.id AND t.name = ?)`
		args = append(args, name)
	}
	if none := norm(tags.None); len(none) > 0 {
		query += ` AND NOT EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = s.id
AND t.name IN (` + placeholders(len(none)) + `))`
		args = append(args, none...)
	}
	fcond, fargs := f.where()
	cond, pargs, order := p.where("s.id")
	query += fcond + ` AND ` + cond + ` ORDER BY ` + order + ` LIMIT ?`
	args = append(append(append(args, fargs...), pargs...), p.limit())
	out, err := q.statusList(ctx, query, args, strings.HasSuffix(order, "ASC"))
	if err != nil {
		return nil, fmt.Errorf("tag timeline: %w", err)
	}
	return out, nil
}

// HomeTimelinePage is a member's home feed as the client API shows it:
// the member's mutes and domain blocks applied, and also no
// status or reblog by an account the member blocks or is blocked by, nor
// a reblog of one by such an account, nor what accounts in the member's
// exclusive lists post, nor boosts by accounts the member follows with
// boosts hidden (reblogs=false; also those made before the change). The
// filters run in the query, so a page is still full. A post of a
// members-only community (or a boost of one) is left out unless the
// member is one of its members (hiddenCommunity). The query is
// HomeTimelineWithBoosted's (home_timeline.go).
func (s *Store) HomeTimelinePage(ctx context.Context, account ID, p Page) ([]Status, error) {
	page, err := s.HomeTimelineWithBoosted(ctx, account, p)
	return page.Statuses, err
}
