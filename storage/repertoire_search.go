package storage

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Full-text search of communities' repertoire (issue 13 item 6): their
// artefacts (title, summary, body, tags and the text of their files,
// artefacts_fts), glossaries (term, aliases, definition, glossary_fts,
// both migration 0038), events (name, description, place, events_fts,
// 0047) and threads (statuses_fts, 0007). Which
// communities a viewer may search is decided by the caller, asking the
// one rule (federation.Engine.CanSeeCommunity) for each; the posts of a
// thread still pass the status rule (qListedTo) in the query.

// Kinds of search hit.
const (
	HitArtefact = "artefact"
	HitTerm     = "term"
	HitEvent    = "event"
	HitThread   = "thread"
)

// Bounds of one repertoire search.
const (
	MaxRepertoireLimit  = 40
	MaxRepertoireOffset = 400
	// MaxSearchCommunities bounds the communities one search spans.
	MaxSearchCommunities = 200
	snippetRunes         = 200
)

// RepertoireSearch is a search of some communities' repertoire.
type RepertoireSearch struct {
	// Query is what the member typed (read as SearchStatuses reads it).
	Query string
	// Communities are the Groups searched; the caller has asked the
	// community rule for each. None: nothing is found.
	Communities []ID
	// Viewer is who searches (0: anonymous), for the status rule that
	// every post of a thread passes.
	Viewer ID
	// Type is HitArtefact, HitTerm, HitEvent or HitThread; "" for all.
	Type string
	// Tag keeps artefacts with that tag, terms linked to that hashtag
	// and posts carrying it ("" keeps all); events have none, so none
	// are kept.
	Tag string
	// Organisation keeps artefacts of that organisation and posts by
	// members of it (case aside); terms and events have none, so none
	// are kept.
	Organisation string
	// Author keeps artefacts listing that account among their authors
	// (or made by it), terms it made, events it organises and posts it
	// wrote (0 keeps all).
	Author ID
	// NoThreads leaves the posts of threads out of a search of all
	// types: for a caller that searches statuses apart (the client API).
	NoThreads bool
	Limit     int // at most MaxRepertoireLimit; 0: 20
	Offset    int // at most MaxRepertoireOffset
}

// RepertoireHit is one thing a repertoire search found.
type RepertoireHit struct {
	Type        string // HitArtefact, HitTerm, HitEvent or HitThread
	ID          ID     // of the artefact, term, event or status
	CommunityID ID
	Title       string
	// Snippet is a short plain-text excerpt around the first word of the
	// query found in the summary, body, definition, description, place,
	// files or post.
	Snippet      string
	URL          string // the object's own URL or id (as peers gave it)
	ThreadID     ID     // for a post, the first post of its thread
	Tags         []string
	Organisation string
	Rank         float64 // bm25 in its type's index: lower is better
	UpdatedAt    int64   // Unix milliseconds
	// An event's start (Unix milliseconds), time zone (IANA name) and
	// place (its name, else its address); zero for the other types.
	StartAt  int64
	TimeZone string
	Place    string

	place    int    // its place among the hits of its type
	fallback string // the text to cut a snippet from when no word is found
}

func (f RepertoireSearch) limit() int {
	if f.Limit <= 0 {
		return 20
	}
	return min(f.Limit, MaxRepertoireLimit)
}

// ValidHitType reports whether t is a type a search may ask for ("" is all).
func ValidHitType(t string) bool {
	return t == "" || t == HitArtefact || t == HitTerm || t == HitEvent || t == HitThread
}

// SearchRepertoire finds the artefacts, terms, events and posts of
// threads of f.Communities that match f.Query and its filters. Each type
// is ranked by bm25 (title-like fields weighing most), newest first among
// equals; the types are interleaved by rank: the best artefact, term,
// event and post, then the second of each, and so on.
func (s *Store) SearchRepertoire(ctx context.Context, f RepertoireSearch) ([]RepertoireHit, error) {
	match := ftsQuery(f.Query)
	if match == "" || len(f.Communities) == 0 {
		return nil, nil
	}
	if len(f.Communities) > MaxSearchCommunities {
		f.Communities = f.Communities[:MaxSearchCommunities]
	}
	offset := min(max(f.Offset, 0), MaxRepertoireOffset)
	want := offset + f.limit()
	var hits []RepertoireHit
	if f.Type == "" || f.Type == HitArtefact {
		h, err := s.searchArtefacts(ctx, match, f, want)
		if err != nil {
			return nil, err
		}
		hits = append(hits, h...)
	}
	if (f.Type == "" || f.Type == HitTerm) && f.Organisation == "" {
		h, err := s.searchTerms(ctx, match, f, want)
		if err != nil {
			return nil, err
		}
		hits = append(hits, h...)
	}
	if (f.Type == "" || f.Type == HitEvent) && f.Organisation == "" && f.Tag == "" {
		h, err := s.searchEvents(ctx, match, f, want)
		if err != nil {
			return nil, err
		}
		hits = append(hits, h...)
	}
	if f.Type == "" && !f.NoThreads || f.Type == HitThread {
		h, err := s.searchThreadPosts(ctx, match, f, want)
		if err != nil {
			return nil, err
		}
		hits = append(hits, h...)
	}
	// Each list is in bm25 order already. bm25 scores of different
	// indexes do not compare (their document counts differ), so the
	// lists are interleaved by place: the best of each type first,
	// artefacts before terms before events before posts at the same
	// place.
	place := map[string]int{}
	for i := range hits {
		hits[i].place = place[hits[i].Type]
		place[hits[i].Type]++
	}
	slices.SortStableFunc(hits, func(a, b RepertoireHit) int {
		return cmp.Compare(a.place, b.place) // stable: the type order of the appends
	})
	if offset >= len(hits) {
		return nil, nil
	}
	hits = hits[offset:min(len(hits), want)]
	words := queryWords(f.Query)
	for i := range hits {
		if hits[i].Type == HitArtefact && hits[i].Snippet == "" {
			text, err := s.artefactFileTextWith(ctx, hits[i].ID, words)
			if err != nil {
				return nil, err
			}
			hits[i].Snippet = snippet(text, words)
		}
		if hits[i].Snippet == "" {
			hits[i].Snippet = snippet(hits[i].fallback, words)
		}
	}
	return hits, nil
}

func communityArgs(ids []ID) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

func (s *Store) searchArtefacts(ctx context.Context, match string, f RepertoireSearch, limit int) ([]RepertoireHit, error) {
	q := `SELECT a.id, a.community_id, a.title, a.summary, a.body_html, a.tags, a.organisation, coalesce(nullif(a.url, ''), a.uri),
	a.updated_at, bm25(artefacts_fts, 10.0, 5.0, 1.0, 5.0, 1.0) AS rank
FROM artefacts_fts JOIN artefacts a ON a.id = artefacts_fts.rowid JOIN accounts g ON g.id = a.community_id
WHERE artefacts_fts MATCH ? AND g.suspended_at = 0 AND a.community_id IN (` + placeholders(len(f.Communities)) + `)`
	args := append([]any{match}, communityArgs(f.Communities)...)
	if f.Tag != "" {
		q += ` AND EXISTS (SELECT 1 FROM json_each(a.tags) t WHERE t.value = ? COLLATE NOCASE)`
		args = append(args, f.Tag)
	}
	if f.Organisation != "" {
		q += ` AND a.organisation = ? COLLATE NOCASE`
		args = append(args, f.Organisation)
	}
	if f.Author != 0 {
		q += ` AND (a.created_by = ? OR EXISTS (SELECT 1 FROM json_each(a.authors) au WHERE au.value = ?))`
		args = append(args, f.Author, f.Author)
	}
	q += ` ORDER BY rank, a.updated_at DESC, a.id DESC LIMIT ?`
	words := queryWords(f.Query)
	out, err := queryAll(ctx, s.q, func(r scanner) (RepertoireHit, error) {
		h := RepertoireHit{Type: HitArtefact}
		var summary, body, tags string
		if err := r.Scan(&h.ID, &h.CommunityID, &h.Title, &summary, &body, &tags, &h.Organisation, &h.URL, &h.UpdatedAt, &h.Rank); err != nil {
			return h, err
		}
		if err := json.Unmarshal([]byte(tags), &h.Tags); err != nil {
			return h, fmt.Errorf("artefact %d tags: %w", h.ID, err)
		}
		body = htmlText(body)
		h.Snippet, h.fallback = firstSnippet(words, summary, body), cmp.Or(summary, body)
		return h, nil
	}, q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("search artefacts: %w", err)
	}
	return out, nil
}

func (s *Store) searchTerms(ctx context.Context, match string, f RepertoireSearch, limit int) ([]RepertoireHit, error) {
	q := `SELECT t.id, t.community_id, t.term, t.aliases, t.definition_html, t.tag, coalesce(nullif(t.url, ''), t.uri),
	t.updated_at, bm25(glossary_fts, 10.0, 8.0, 1.0) AS rank
FROM glossary_fts JOIN glossary_terms t ON t.id = glossary_fts.rowid JOIN accounts g ON g.id = t.community_id
WHERE glossary_fts MATCH ? AND g.suspended_at = 0 AND t.community_id IN (` + placeholders(len(f.Communities)) + `)`
	args := append([]any{match}, communityArgs(f.Communities)...)
	if f.Tag != "" {
		q += ` AND t.tag = ? COLLATE NOCASE`
		args = append(args, f.Tag)
	}
	if f.Author != 0 {
		q += ` AND t.created_by = ?`
		args = append(args, f.Author)
	}
	q += ` ORDER BY rank, t.updated_at DESC, t.id DESC LIMIT ?`
	words := queryWords(f.Query)
	out, err := queryAll(ctx, s.q, func(r scanner) (RepertoireHit, error) {
		h := RepertoireHit{Type: HitTerm}
		var aliases, def, tag string
		if err := r.Scan(&h.ID, &h.CommunityID, &h.Title, &aliases, &def, &tag, &h.URL, &h.UpdatedAt, &h.Rank); err != nil {
			return h, err
		}
		var al []string
		if err := json.Unmarshal([]byte(aliases), &al); err != nil {
			return h, fmt.Errorf("term %d aliases: %w", h.ID, err)
		}
		if tag != "" {
			h.Tags = []string{tag}
		}
		def = htmlText(def)
		h.Snippet, h.fallback = firstSnippet(words, def, strings.Join(al, ", ")), def
		return h, nil
	}, q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("search glossary: %w", err)
	}
	return out, nil
}

func (s *Store) searchEvents(ctx context.Context, match string, f RepertoireSearch, limit int) ([]RepertoireHit, error) {
	q := `SELECT e.id, e.community_id, e.name, e.description_html, e.place_name, e.place_address, coalesce(nullif(e.url, ''), e.uri),
	e.updated_at, e.start_at, e.timezone, bm25(events_fts, 10.0, 1.0, 5.0) AS rank
FROM events_fts JOIN community_events e ON e.id = events_fts.rowid JOIN accounts g ON g.id = e.community_id
WHERE events_fts MATCH ? AND g.suspended_at = 0 AND e.community_id IN (` + placeholders(len(f.Communities)) + `)`
	args := append([]any{match}, communityArgs(f.Communities)...)
	if f.Author != 0 {
		q += ` AND e.organiser_id = ?`
		args = append(args, f.Author)
	}
	q += ` ORDER BY rank, e.updated_at DESC, e.id DESC LIMIT ?`
	words := queryWords(f.Query)
	out, err := queryAll(ctx, s.q, func(r scanner) (RepertoireHit, error) {
		h := RepertoireHit{Type: HitEvent}
		var desc, placeName, address string
		if err := r.Scan(&h.ID, &h.CommunityID, &h.Title, &desc, &placeName, &address, &h.URL, &h.UpdatedAt, &h.StartAt, &h.TimeZone, &h.Rank); err != nil {
			return h, err
		}
		h.Place = cmp.Or(placeName, address)
		desc = htmlText(desc)
		place := strings.TrimSpace(placeName + ", " + address)
		place = strings.Trim(place, ", ")
		h.Snippet, h.fallback = firstSnippet(words, desc, place), cmp.Or(desc, place)
		return h, nil
	}, q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("search events: %w", err)
	}
	return out, nil
}

// qThreadGroup is the community a status s belongs to, as
// CommunityPost reads it.
const qThreadGroup = `coalesce((SELECT c.group_id FROM community_threads c WHERE c.status_id = s.id),
	(SELECT c.community_id FROM community_statuses c WHERE c.status_id = s.id))`

func (s *Store) searchThreadPosts(ctx context.Context, match string, f RepertoireSearch, limit int) ([]RepertoireHit, error) {
	vis, visArgs := searchVisibility(f.Viewer, s.Now())
	in := placeholders(len(f.Communities))
	q := `SELECT s.id, ` + qThreadGroup + `, coalesce((SELECT c.root_id FROM community_threads c WHERE c.status_id = s.id), s.id), s.title, s.content, a.organisation, coalesce(nullif(s.url, ''), s.uri),
	coalesce(nullif(s.edited_at, 0), s.created_at), bm25(statuses_fts, 10.0, 2.0, 1.0) AS rank
FROM statuses_fts JOIN statuses s ON s.id = statuses_fts.rowid JOIN accounts a ON a.id = s.account_id
WHERE statuses_fts MATCH ? AND s.reblog_of_id IS NULL AND a.suspended_at = 0
AND (EXISTS (SELECT 1 FROM community_threads c WHERE c.status_id = s.id AND c.group_id IN (` + in + `))
	OR EXISTS (SELECT 1 FROM community_statuses c WHERE c.status_id = s.id AND c.community_id IN (` + in + `)))
AND ` + vis
	args := append([]any{match}, communityArgs(f.Communities)...)
	args = append(append(args, communityArgs(f.Communities)...), visArgs...)
	if f.Tag != "" {
		q += ` AND EXISTS (SELECT 1 FROM status_tags st JOIN tags tg ON tg.id = st.tag_id WHERE st.status_id = s.id AND tg.name = ?)`
		args = append(args, f.Tag)
	}
	if f.Organisation != "" {
		q += ` AND a.organisation = ? COLLATE NOCASE`
		args = append(args, f.Organisation)
	}
	if f.Author != 0 {
		q += ` AND s.account_id = ?`
		args = append(args, f.Author)
	}
	q += ` ORDER BY rank, s.id DESC LIMIT ?`
	words := queryWords(f.Query)
	out, err := queryAll(ctx, s.q, func(r scanner) (RepertoireHit, error) {
		h := RepertoireHit{Type: HitThread}
		var content string
		if err := r.Scan(&h.ID, &h.CommunityID, &h.ThreadID, &h.Title, &content, &h.Organisation, &h.URL, &h.UpdatedAt, &h.Rank); err != nil {
			return h, err
		}
		text := htmlText(content)
		if h.Title == "" {
			h.Title = cutRunes(text, 80)
		}
		h.Snippet = snippet(text, words)
		return h, nil
	}, q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("search threads: %w", err)
	}
	return out, nil
}

// artefactFileTextWith returns the text of the first file of an
// artefact's current version that holds one of words, or "" when none.
func (s *Store) artefactFileTextWith(ctx context.Context, artefact ID, words []string) (string, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT ft.text FROM artefacts a JOIN artefact_versions v ON v.artefact_id = a.id AND v.number = a.version,
	json_each(v.files) f JOIN artefact_file_text ft ON ft.file_id = CAST(json_extract(f.value, '$.id') AS INTEGER)
WHERE a.id = ? ORDER BY f.key`, artefact)
	if err != nil {
		return "", fmt.Errorf("artefact %d file text: %w", artefact, err)
	}
	defer rows.Close()
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			return "", fmt.Errorf("artefact %d file text: %w", artefact, err)
		}
		if wordAt(text, words) >= 0 {
			return text, nil
		}
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("artefact %d file text: %w", artefact, err)
	}
	return "", nil
}

// SetArtefactFileText stores the text taken out of a stored file (none
// is stored for ""); the artefact's search row follows (a trigger).
func (tx *Tx) SetArtefactFileText(ctx context.Context, file ID, text string) error {
	if text == "" {
		return nil
	}
	_, err := tx.exec(ctx, "set artefact file text", `INSERT INTO artefact_file_text (file_id, text) VALUES (?, ?)
ON CONFLICT (file_id) DO UPDATE SET text = excluded.text`, file, text)
	return err
}

// SearchedCommunities lists, at most limit (and MaxSearchCommunities),
// the Groups whose artefacts, glossary, events or threads hold a match
// for query (before any rule), most recently created Group first: the
// candidates of a search over the whole node, for the caller to ask the
// community rule about.
func (s *Store) SearchedCommunities(ctx context.Context, query string, limit int) ([]ID, error) {
	match := ftsQuery(query)
	if match == "" {
		return nil, nil
	}
	limit = min(max(limit, 1), MaxSearchCommunities)
	out, err := queryAll(ctx, s.q, func(r scanner) (ID, error) {
		var id ID
		return id, r.Scan(&id)
	}, `SELECT g.id FROM accounts g WHERE g.suspended_at = 0 AND g.id IN (
	SELECT a.community_id FROM artefacts_fts JOIN artefacts a ON a.id = artefacts_fts.rowid WHERE artefacts_fts MATCH ?1
	UNION SELECT t.community_id FROM glossary_fts JOIN glossary_terms t ON t.id = glossary_fts.rowid WHERE glossary_fts MATCH ?1
	UNION SELECT e.community_id FROM events_fts JOIN community_events e ON e.id = events_fts.rowid WHERE events_fts MATCH ?1
	UNION SELECT c.group_id FROM statuses_fts JOIN community_threads c ON c.status_id = statuses_fts.rowid WHERE statuses_fts MATCH ?1
	UNION SELECT c.community_id FROM statuses_fts JOIN community_statuses c ON c.status_id = statuses_fts.rowid WHERE statuses_fts MATCH ?1)
ORDER BY g.id DESC LIMIT ?2`, match, limit)
	if err != nil {
		return nil, fmt.Errorf("searched communities: %w", err)
	}
	return out, nil
}

// CommunityMembersOnly reports whether the community whose Group is
// group, hosted here or remote, shows its content to its members only
// (as CommunityViewing reads it): a fact to label what is shown, not a
// rule of who may see it (federation.Engine.CanSeeCommunity is).
func (q queries) CommunityMembersOnly(ctx context.Context, group ID) (bool, error) {
	var membersOnly, member bool
	err := q.q.QueryRowContext(ctx, qCommunityStanding, append([]any{group}, memberOfArgs(0, time.Time{})...)...).Scan(&membersOnly, &member)
	if err != nil {
		return false, fmt.Errorf("community %d members only: %w", group, err)
	}
	return membersOnly, nil
}

// queryWords are the words and phrases of a query that must occur, in
// lower case, for finding a snippet.
func queryWords(q string) []string {
	var out []string
	for i, part := range strings.Split(strings.ReplaceAll(q, "\x00", " "), `"`) {
		if i%2 == 1 {
			if p := strings.ToLower(strings.TrimSpace(part)); p != "" {
				out = append(out, p)
			}
			continue
		}
		for _, w := range strings.Fields(part) {
			if strings.HasPrefix(w, "-") {
				continue
			}
			if w = strings.ToLower(strings.TrimLeft(w, "#@")); w != "" {
				out = append(out, w)
			}
		}
		if len(out) >= maxSearchTerms {
			break
		}
	}
	return out
}

// wordAt is the byte offset in text of the first of words found (case
// aside), or -1.
func wordAt(text string, words []string) int {
	lower := strings.ToLower(text)
	if len(lower) != len(text) {
		lower = text // lower-casing changed lengths: offsets would not hold
	}
	best := -1
	for _, w := range words {
		if i := strings.Index(lower, w); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	return best
}

// firstSnippet is the snippet of the first text holding one of words;
// "" when none does.
func firstSnippet(words []string, texts ...string) string {
	for _, t := range texts {
		if wordAt(t, words) >= 0 {
			return snippet(t, words)
		}
	}
	return ""
}

// snippet cuts about snippetRunes runes of text around the first of
// words (the start when none is found), at word boundaries, marking cuts
// with "…".
func snippet(text string, words []string) string {
	text = strings.Join(strings.Fields(text), " ")
	if text == "" {
		return ""
	}
	at := max(wordAt(text, words), 0)
	start := at
	for back := 0; start > 0 && back < snippetRunes/3; back++ {
		_, n := utf8.DecodeLastRuneInString(text[:start])
		start -= n
	}
	if start > 0 {
		if i := strings.IndexByte(text[start:at], ' '); i >= 0 {
			start += i + 1
		}
	}
	out := cutRunes(text[start:], snippetRunes)
	if start > 0 {
		out = "…" + out
	}
	return out
}

// cutRunes cuts s to at most n runes, at the last space before the cut,
// marking the cut with "…".
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i < len(s) && count < n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	cut := s[:i]
	if j := strings.LastIndexFunc(cut, unicode.IsSpace); j > len(cut)/2 {
		cut = cut[:j]
	}
	return strings.TrimSpace(cut) + "…"
}

// blockTags are the elements whose edges part words.
var blockTags = map[string]bool{"p": true, "br": true, "div": true, "li": true, "ul": true, "ol": true, "blockquote": true,
	"pre": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "tr": true, "td": true, "th": true,
	"table": true, "hr": true, "dd": true, "dt": true}

// htmlText is the text of sanitised HTML: its tags taken out (a block's
// edges as a space, inline tags as nothing: "@<span>roads</span>" is
// "@roads") and its entities decoded.
func htmlText(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		name := strings.TrimLeft(s[i+1:i+j], "/")
		if k := strings.IndexFunc(name, func(r rune) bool { return r == ' ' || r == '/' || r == '\t' || r == '\n' }); k >= 0 {
			name = name[:k]
		}
		if blockTags[strings.ToLower(name)] {
			b.WriteByte(' ')
		}
		s = s[i+j+1:]
	}
	return strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
}
