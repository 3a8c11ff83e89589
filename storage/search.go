package storage

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Full-text search of statuses, over the statuses_fts index that
// triggers keep in step with statuses (migration 0007). Hashtag search
// and followed hashtags are in tags.go; account search is
// SearchAccounts.

// maxSearchTerms bounds the words and phrases of one search, so one
// request cannot make the index intersect hundreds of lists.
const maxSearchTerms = 16

// StatusSearch is a full-text search of statuses.
type StatusSearch struct {
	// Query is what the member typed: every word and "quoted phrase"
	// must occur (case and diacritics aside); a word with a leading "-"
	// must not.
	Query string
	// Viewer is who searches, 0 for anonymous. A member finds their own
	// statuses, public and unlisted ones, followers-only ones of accounts
	// they follow, and followers-only and direct ones that mention them;
	// never those of an account they block, mute or whose domain they
	// block, nor of one that blocks them. Anonymous finds public ones.
	Viewer  ID
	Account ID // only statuses by this account (0: by anyone)
	Offset  int
}

// SearchStatuses finds the statuses whose title, content warning or
// content match, that the viewer may see, newest first, reblogs left
// out. The page bounds IDs; Offset skips that many matches first. The
// visibility rule runs in the query, so a page is still full.
func (s *Store) SearchStatuses(ctx context.Context, f StatusSearch, p Page) ([]Status, error) {
	from, all, ok := s.statusSearch(f)
	if !ok {
		return nil, nil
	}
	cond, pargs, order := p.where("statuses_fts.rowid")
	query := `SELECT ` + statusColumns + from + ` AND ` + cond + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?`
	all = append(append(all, pargs...), p.limit(), max(f.Offset, 0))
	out, err := s.statusList(ctx, query, all, strings.HasSuffix(order, "ASC"))
	if err != nil {
		return nil, fmt.Errorf("search statuses: %w", err)
	}
	return out, nil
}

// CountSearchedStatuses counts what SearchStatuses finds for f (Offset aside)
// over all pages, stopping at atMost: so a caller that lists other
// things after the statuses knows where, past the last status, an
// offset lands.
func (s *Store) CountSearchedStatuses(ctx context.Context, f StatusSearch, atMost int) (int, error) {
	from, all, ok := s.statusSearch(f)
	if !ok || atMost <= 0 {
		return 0, nil
	}
	var n int
	err := s.q.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1`+from+` LIMIT ?)`, append(all, atMost)...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count searched statuses: %w", err)
	}
	return n, nil
}

// statusSearch is the FROM and WHERE of a status search and their
// arguments; false when the query has nothing to look for.
func (s *Store) statusSearch(f StatusSearch) (string, []any, bool) {
	match := ftsQuery(f.Query)
	if match == "" {
		return "", nil, false
	}
	vis, args := searchVisibility(f.Viewer, s.Now())
	from := ` FROM statuses_fts
JOIN statuses s ON s.id = statuses_fts.rowid
JOIN accounts a ON a.id = s.account_id
WHERE statuses_fts MATCH ? AND s.reblog_of_id IS NULL AND a.suspended_at = 0 AND ` + vis
	all := append([]any{match}, args...)
	if f.Account != 0 {
		from += ` AND s.account_id = ?`
		all = append(all, f.Account)
	}
	return from, all, true
}

// SearchVisible reports whether viewer (0: anonymous) may find a status
// in a search, by the rule of SearchStatuses: for a status a search
// found another way, by its URL.
func (s *Store) SearchVisible(ctx context.Context, viewer, status ID) (bool, error) {
	vis, args := searchVisibility(viewer, s.Now())
	var ok bool
	err := s.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM statuses s JOIN accounts a ON a.id = s.account_id
WHERE s.id = ? AND s.reblog_of_id IS NULL AND a.suspended_at = 0 AND `+vis+`)`, append([]any{status}, args...)...).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("search visible: %w", err)
	}
	return ok, nil
}

// searchVisibility is the condition that viewer may find status s, and
// its arguments; now decides which mutes still hold. It is
// activitypub.Listed (qListedTo); an anonymous search finds public
// statuses only, unlisted ones being kept out of discovery.
func searchVisibility(viewer ID, now time.Time) (string, []any) {
	listed, args := listedTo(viewer, now)
	if viewer == 0 {
		return `s.visibility = 'public' AND ` + listed, args
	}
	return listed, args
}

// ftsQuery turns what a member typed into an FTS5 query. Every word and
// "quoted phrase" becomes a quoted FTS5 string, so what would be FTS5
// syntax (AND, NEAR, column:, *, ^) is searched for as text; words with
// a leading "-" are excluded. It returns "" when nothing is left to look
// for: pieces with neither letter nor digit give the tokenizer nothing.
func ftsQuery(q string) string {
	var include, exclude []string
	add := func(piece string, quoted bool) {
		neg := false
		if !quoted {
			piece, neg = strings.CutPrefix(piece, "-")
			piece = strings.TrimLeft(piece, "#@")
		}
		if !strings.ContainsFunc(piece, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) ||
			len(include)+len(exclude) == maxSearchTerms {
			return
		}
		s := `"` + strings.ReplaceAll(piece, `"`, `""`) + `"`
		if neg {
			exclude = append(exclude, s)
		} else {
			include = append(include, s)
		}
	}
	// FTS5 reads a query as a C string: a NUL would end it mid-phrase.
	q = strings.ReplaceAll(q, "\x00", " ")
	// Outside quotes (even parts) are words; inside (odd parts) phrases.
	// An unclosed quote runs to the end.
	for i, part := range strings.Split(q, `"`) {
		if i%2 == 1 {
			add(part, true)
			continue
		}
		for _, w := range strings.Fields(part) {
			add(w, false)
		}
	}
	if len(include) == 0 {
		return "" // FTS5 has no "everything except"
	}
	out := "(" + strings.Join(include, " ") + ")"
	for _, e := range exclude {
		out += " NOT " + e
	}
	return out
}
