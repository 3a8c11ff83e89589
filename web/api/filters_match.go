package api

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// Filters are applied here, on the way out: they are the viewer's
// presentation policy, not federation's. A viewer's active filters are
// loaded once per request (presenter.filterSet), then matched purely
// against each rendered status.

// The contexts statuses are shown in, as filters name them.
const (
	filterHome          = "home" // the home timeline and lists
	filterNotifications = "notifications"
	filterPublic        = "public" // public and hashtag timelines
	filterThread        = "thread" // a status's context
	filterAccount       = "account"
)

// filterSet is a viewer's active filters, ready to match.
type filterSet struct {
	filters  []storage.Filter
	keywords [][]string // per filter: its keywords, lower-cased
}

func newFilterSet(fs []storage.Filter) *filterSet {
	s := &filterSet{filters: fs, keywords: make([][]string, len(fs))}
	for i, f := range fs {
		for _, k := range f.Keywords {
			s.keywords[i] = append(s.keywords[i], strings.ToLower(strings.TrimSpace(k.Keyword)))
		}
	}
	return s
}

// filterMatch is one filter that matched a status.
type filterMatch struct {
	filter   storage.Filter
	keywords []string // the keywords that matched, as the member wrote them
	statuses []string // the IDs of the filtered statuses that matched
}

// match returns the filters for filterContext that match a status, given
// its plain text and its IDs (a reblog's and the original's), and whether
// one of them hides it.
func (s *filterSet) match(filterContext, text string, ids []string) (matches []filterMatch, hide bool) {
	if s == nil || len(s.filters) == 0 {
		return nil, false
	}
	lower := strings.ToLower(text)
	for i, f := range s.filters {
		if !slices.Contains(f.Context, filterContext) {
			continue
		}
		m := filterMatch{filter: f}
		for j, k := range f.Keywords {
			if matchKeyword(lower, s.keywords[i][j], k.WholeWord) {
				m.keywords = append(m.keywords, k.Keyword)
			}
		}
		for _, fs := range f.Statuses {
			if id := fs.StatusID.String(); slices.Contains(ids, id) && !slices.Contains(m.statuses, id) {
				m.statuses = append(m.statuses, id)
			}
		}
		if len(m.keywords) == 0 && len(m.statuses) == 0 {
			continue
		}
		matches = append(matches, m)
		hide = hide || f.Action == storage.FilterHide
	}
	return matches, hide
}

// matchKeyword reports whether keyword occurs in text, both lower-cased.
// A whole-word keyword must not run on into a word character on either
// side where it begins or ends with one itself (so "cat" misses
// "concatenate", and "#cat" still matches "a#cat"), as Mastodon's
// word-boundary rule has it, with letters and digits of every script.
func matchKeyword(text, keyword string, wholeWord bool) bool {
	if keyword == "" {
		return false
	}
	if !wholeWord {
		return strings.Contains(text, keyword)
	}
	first, _ := utf8.DecodeRuneInString(keyword)
	last, _ := utf8.DecodeLastRuneInString(keyword)
	checkStart, checkEnd := isWordRune(first), isWordRune(last)
	for from := 0; from < len(text); {
		i := strings.Index(text[from:], keyword)
		if i < 0 {
			return false
		}
		start := from + i
		end := start + len(keyword)
		before, _ := utf8.DecodeLastRuneInString(text[:start])
		after, _ := utf8.DecodeRuneInString(text[end:])
		startOK := !checkStart || start == 0 || !isWordRune(before)
		endOK := !checkEnd || end == len(text) || !isWordRune(after)
		if startOK && endOK {
			return true
		}
		_, size := utf8.DecodeRuneInString(text[start:])
		from = start + size
	}
	return false
}

// isWordRune is Ruby's [[:word:]]: a letter, mark, digit or connector.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r) || unicode.Is(unicode.Pc, r)
}

// filterText is what keywords match in a status: its content as plain
// text, its content warning and its media descriptions, as in Mastodon.
func filterText(e Status) string {
	parts := []string{e.SpoilerText, federation.PlainText(e.Content)}
	for _, a := range e.MediaAttachments {
		if a.Description != nil {
			parts = append(parts, *a.Description)
		}
	}
	return strings.Join(parts, "\n\n")
}
