package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Hashtags: search by the start of a name, and the hashtags members
// follow. Names are stored without "#", in lower case; tags.name compares
// without case anyway.

// TagSearch is a search for hashtags by the start of their name.
type TagSearch struct {
	Query  string // with or without "#"
	Viewer ID     // marks the tags the viewer follows (0: anonymous)
	Limit  int    // default 20
	Offset int
}

// TagInfo is a hashtag as a viewer sees it.
type TagInfo struct {
	ID        ID // trends only
	Name      string
	Following bool // the viewer follows it
	// Review is whether moderators let it trend: TrendPending,
	// TrendApproved or TrendRejected (trends only).
	Review string
}

// Where a hashtag stands for trends (TagInfo.Review).
const (
	TrendPending  = "pending"
	TrendApproved = "approved"
	TrendRejected = "rejected"
)

// qSearchTags finds tags by prefix. A tag shows once a public or
// unlisted status carries it, or the viewer follows it: one that only
// followers-only or direct statuses carry says too much about them. An
// exact match comes first, then shorter names.
const qSearchTags = `SELECT t.name, EXISTS (SELECT 1 FROM followed_tags ft WHERE ft.tag_id = t.id AND ft.account_id = ?1)
FROM tags t
WHERE t.name LIKE ?2 ESCAPE '\'
AND (EXISTS (SELECT 1 FROM status_tags st JOIN statuses s ON s.id = st.status_id
		WHERE st.tag_id = t.id AND s.visibility IN ('public', 'unlisted'))
	OR EXISTS (SELECT 1 FROM followed_tags ft WHERE ft.tag_id = t.id AND ft.account_id = ?1))
ORDER BY t.name = ?3 DESC, length(t.name), t.name LIMIT ?4 OFFSET ?5`

// SearchTags finds hashtags whose name starts with the query.
func (q queries) SearchTags(ctx context.Context, s TagSearch) ([]TagInfo, error) {
	term := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s.Query), "#"))
	if term == "" {
		return nil, nil
	}
	limit := s.Limit
	if limit <= 0 {
		limit = 20
	}
	scan := func(r scanner) (TagInfo, error) {
		var t TagInfo
		err := r.Scan(&t.Name, &t.Following)
		return t, err
	}
	out, err := queryAll(ctx, q.q, scan, qSearchTags, s.Viewer, likePrefix(term), term, limit, max(s.Offset, 0))
	if err != nil {
		return nil, fmt.Errorf("search tags: %w", err)
	}
	return out, nil
}

// FollowedTag is a hashtag a member follows; ID is the follow's own,
// which pages the list.
type FollowedTag struct {
	ID   ID
	Name string
}

// FollowedTags lists the hashtags a member follows, the latest follow
// first, at most p.Limit of them (default 100, at most 200, as Mastodon
// pages them).
func (q queries) FollowedTags(ctx context.Context, account ID, p Page) ([]FollowedTag, error) {
	limit := p.Limit
	switch {
	case limit <= 0:
		limit = 100
	case limit > 200:
		limit = 200
	}
	cond, args, order := p.where("ft.id")
	scan := func(r scanner) (FollowedTag, error) {
		var t FollowedTag
		err := r.Scan(&t.ID, &t.Name)
		return t, err
	}
	out, err := queryAll(ctx, q.q, scan, `SELECT ft.id, t.name FROM followed_tags ft JOIN tags t ON t.id = ft.tag_id
WHERE ft.account_id = ? AND `+cond+` ORDER BY `+order+` LIMIT ?`, append(append([]any{account}, args...), limit)...)
	if err != nil {
		return nil, fmt.Errorf("followed tags: %w", err)
	}
	if strings.HasSuffix(order, "ASC") {
		reverse(out)
	}
	return out, nil
}

// FollowsTag reports whether a member follows a hashtag.
func (q queries) FollowsTag(ctx context.Context, account ID, name string) (bool, error) {
	var ok bool
	err := q.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM followed_tags ft JOIN tags t ON t.id = ft.tag_id
WHERE ft.account_id = ? AND t.name = ?)`, account, normalizeTag(name)).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("follows tag: %w", err)
	}
	return ok, nil
}

// TagFollowerIDs returns the members who follow any of tags, leaving out
// author and those who follow author, whose feeds get author's statuses
// anyway.
func (q queries) TagFollowerIDs(ctx context.Context, tags []string, author ID) ([]ID, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(tags)+2)
	for _, t := range tags {
		args = append(args, normalizeTag(t))
	}
	out, err := q.ids(ctx, `SELECT DISTINCT ft.account_id FROM followed_tags ft JOIN tags t ON t.id = ft.tag_id
WHERE t.name IN (`+placeholders(len(tags))+`) AND ft.account_id <> ?
AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ft.account_id AND f.target_account_id = ?)`,
		append(args, author, author)...)
	if err != nil {
		return nil, fmt.Errorf("tag followers: %w", err)
	}
	return out, nil
}

// FollowTag records that a member follows a hashtag, creating the tag if
// no status carries it yet; following it again changes nothing.
func (tx *Tx) FollowTag(ctx context.Context, account ID, name string) error {
	name = normalizeTag(name)
	if _, err := tx.tx.ExecContext(ctx, `INSERT OR IGNORE INTO tags (name) VALUES (?)`, name); err != nil {
		return fmt.Errorf("follow tag: %w", err)
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT OR IGNORE INTO followed_tags (id, account_id, tag_id, created_at)
SELECT ?, ?, id, ? FROM tags WHERE name = ?`, tx.NewID(), account, millis(tx.now), name)
	if err != nil {
		return fmt.Errorf("follow tag: %w", err)
	}
	return nil
}

// UnfollowTag stops a member following a hashtag, if they did.
func (tx *Tx) UnfollowTag(ctx context.Context, account ID, name string) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM followed_tags WHERE account_id = ?
AND tag_id = (SELECT id FROM tags WHERE name = ?)`, account, normalizeTag(name))
	if err != nil {
		return fmt.Errorf("unfollow tag: %w", err)
	}
	return nil
}

// normalizeTag is a tag's name as stored, as saveStatusExtras stores it.
func normalizeTag(name string) string {
	return strings.ToLower(strings.TrimPrefix(name, "#"))
}

// TagName is the name of hashtag id.
func (q queries) TagName(ctx context.Context, id ID) (string, error) {
	var name string
	err := q.q.QueryRowContext(ctx, `SELECT name FROM tags WHERE id = ?`, id).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("tag %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("tag %s: %w", id, err)
	}
	return name, nil
}
