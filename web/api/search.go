package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Search: accounts, statuses (full text) and hashtags in one request.
// With resolve, a member's search for user@host or a URL fetches the
// account or status from its node when this node does not hold it yet.
// Every status found passes the same visibility rule as everywhere else.
//
// Statuses found are followed by the communities' artefacts, glossary
// terms and events that match (repertoire_status.go renders them as
// statuses): the statuses newest first as ever, then the artefacts,
// terms and events best match first. One list, so offset runs on from the last
// status into them; a page bounded by id (max_id, since_id, min_id) is
// a page of statuses only. Threads' posts are statuses, found as such.

// Search results page 20 of each kind at a time, 40 at most, as in
// Mastodon.
const (
	searchDefault = 20
	searchMax     = 40
)

func (h *Handler) mountSearch(r chi.Router) {
	r.Get("/api/v2/search", h.handle(h.searchV2))
	// Mastodon removed v1 in 3.0; apps old enough to call it read
	// hashtags as plain names, so it answers in its own shape.
	r.Get("/api/v1/search", h.handle(h.searchV1))
}

// SearchResults is Mastodon's Search entity.
type SearchResults struct {
	Accounts []Account `json:"accounts"`
	Statuses []Status  `json:"statuses"`
	Hashtags []Hashtag `json:"hashtags"`
}

// searchResultsV1 is the Search entity of API v1.
type searchResultsV1 struct {
	Accounts []Account `json:"accounts"`
	Statuses []Status  `json:"statuses"`
	Hashtags []string  `json:"hashtags"`
}

// searchRequest is one search request.
type searchRequest struct {
	viewer    storage.Account // zero: anonymous
	q         string
	kind      string // "", "accounts", "statuses" or "hashtags"
	resolve   bool   // fetch what the node does not hold
	following bool   // accounts: only those the viewer follows
	account   storage.ID
	noAccount bool // account_id was given but names nothing
	offset    int
	page      storage.Page
}

// wants reports whether the search asks for results of kind.
func (s searchRequest) wants(kind string) bool { return s.kind == "" || s.kind == kind }

// GET /api/v2/search
func (h *Handler) searchV2(w http.ResponseWriter, r *http.Request) error {
	res, err := h.search(r)
	if err != nil {
		return err
	}
	h.json(w, res)
	return nil
}

// GET /api/v1/search
func (h *Handler) searchV1(w http.ResponseWriter, r *http.Request) error {
	res, err := h.search(r)
	if err != nil {
		return err
	}
	out := searchResultsV1{Accounts: res.Accounts, Statuses: res.Statuses, Hashtags: make([]string, 0, len(res.Hashtags))}
	for _, t := range res.Hashtags {
		out.Hashtags = append(out.Hashtags, t.Name)
	}
	h.json(w, out)
	return nil
}

// search reads the request and runs it.
func (h *Handler) search(r *http.Request) (SearchResults, error) {
	viewer, err := optionalCaller(r, "read:search")
	if err != nil {
		return SearchResults{}, err
	}
	v, err := form(r)
	if err != nil {
		return SearchResults{}, err
	}
	s := searchRequest{viewer: viewer, q: strings.TrimSpace(v.Get("q")), kind: v.Get("type"),
		following: viewer.ID != 0 && boolParam(v, "following", false), page: page(v, searchDefault, searchMax)}
	if s.q == "" {
		return SearchResults{}, httperr.New(http.StatusBadRequest, "Param is missing or the value is empty: q")
	}
	if utf8.RuneCountInString(s.q) > federation.MaxSearchQuery {
		return SearchResults{}, httperr.New(http.StatusUnprocessableEntity,
			fmt.Sprintf("q is longer than %d characters", federation.MaxSearchQuery))
	}
	s.offset, _ = strconv.Atoi(v.Get("offset"))
	s.offset = max(s.offset, 0)
	// Each page further scans every match before it again: anonymous
	// callers get the first page only, as in Mastodon, and members the
	// first 400 results, as the communities' search.
	switch {
	case s.offset > 0 && viewer.ID == 0:
		return SearchResults{}, httperr.New(http.StatusUnauthorized, "Search queries pagination is not supported without authentication")
	case s.offset > storage.MaxRepertoireOffset:
		return SearchResults{}, httperr.New(http.StatusUnprocessableEntity,
			fmt.Sprintf("offset must be between 0 and %d", storage.MaxRepertoireOffset))
	}
	if raw := v.Get("account_id"); raw != "" {
		s.account, err = storage.ParseID(raw)
		s.noAccount = err != nil
	}
	// Anonymous callers never make the node fetch (anyone could otherwise
	// make it fetch from any host), and only a first page looks further
	// than what the node holds, as in Mastodon.
	s.resolve = viewer.ID != 0 && boolParam(v, "resolve", false) && s.offset == 0
	res, err := h.runSearch(r.Context(), s)
	if err != nil {
		return SearchResults{}, err
	}
	return res, nil
}

// runSearch finds what s asks for and renders it.
func (h *Handler) runSearch(ctx context.Context, s searchRequest) (SearchResults, error) {
	res := SearchResults{Accounts: []Account{}, Statuses: []Status{}, Hashtags: []Hashtag{}}
	p := h.presenter(s.viewer)
	var accounts []storage.Account
	var statuses []storage.Status
	var tags []storage.TagInfo
	var repertoire []Status // artefacts and terms, after the statuses
	var err error
	if isURL(s.q) {
		// A URL names one account or status; its words are no search.
		if s.offset == 0 {
			a, st, err := h.searchURL(ctx, s)
			if err != nil {
				return res, err
			}
			if a.ID != 0 && s.wants("accounts") {
				accounts = append(accounts, a)
			}
			if st.ID != 0 && s.wants("statuses") {
				statuses = append(statuses, st)
			}
			if a.ID == 0 && st.ID == 0 && s.wants("statuses") {
				if repertoire, err = h.repertoireURL(ctx, p, s); err != nil {
					return res, err
				}
			}
		}
	} else {
		// As Mastodon: "#word" seeks no account, "a@b c" is no address,
		// and a hashtag has no "@".
		if s.wants("accounts") && !strings.HasPrefix(s.q, "#") && !(strings.Contains(s.q, "@") && strings.Contains(s.q, " ")) {
			if accounts, err = h.searchAccountsFor(ctx, s); err != nil {
				return res, err
			}
		}
		if s.wants("statuses") && !s.noAccount {
			statuses, err = h.store.SearchStatuses(ctx, storage.StatusSearch{Query: s.q, Viewer: s.viewer.ID,
				Account: s.account, Offset: s.offset}, s.page)
			if err != nil {
				return res, err
			}
			if repertoire, err = h.repertoireAfter(ctx, s, len(statuses)); err != nil {
				return res, err
			}
		}
		if s.wants("hashtags") && !strings.Contains(s.q, "@") {
			if tags, err = h.searchTags(ctx, s); err != nil {
				return res, err
			}
		}
	}
	for _, a := range accounts {
		e, err := p.account(ctx, a)
		if err != nil {
			return res, err
		}
		res.Accounts = append(res.Accounts, e)
	}
	// The query applied the visibility rule; the engine's check stands
	// behind it, as on every other path to a status.
	if statuses, err = h.shown(ctx, s.viewer, statuses); err != nil {
		return res, err
	}
	if res.Statuses, err = p.statuses(ctx, statuses); err != nil {
		return res, err
	}
	res.Statuses = append(res.Statuses, repertoire...)
	names := make([]string, 0, len(tags))
	following := map[string]bool{}
	for _, t := range tags {
		names = append(names, t.Name)
		following[t.Name] = t.Following
	}
	if res.Hashtags, err = h.hashtags(ctx, s.viewer, names, func(n string) bool { return following[n] }); err != nil {
		return res, err
	}
	return res, nil
}

// repertoireAfter finds the artefacts, terms and events that fill a page of
// statuses by offset after the found statuses the query gave (before
// the visibility check behind it, so pages do not shift): from the
// start when the page holds statuses, else from offset less the number
// of statuses there are in all.
func (h *Handler) repertoireAfter(ctx context.Context, s searchRequest, found int) ([]Status, error) {
	if s.page.MaxID != 0 || s.page.SinceID != 0 || s.page.MinID != 0 || found >= s.page.Limit {
		return nil, nil
	}
	skip := 0
	if found == 0 && s.offset > 0 {
		n, err := h.store.CountSearchedStatuses(ctx, storage.StatusSearch{Query: s.q, Viewer: s.viewer.ID, Account: s.account}, s.offset)
		if err != nil {
			return nil, err
		}
		skip = s.offset - n
	}
	return h.searchRepertoire(ctx, s, skip, s.page.Limit-found)
}

// repertoireURL finds the artefact or term a URL names, if the viewer
// may read it: by its ActivityPub id (of this node or a peer's, held
// here), or the page of an artefact hosted here (/c/handle/artefacts/id).
// Nothing is fetched: an artefact of a followed community is here
// already.
func (h *Handler) repertoireURL(ctx context.Context, p *presenter, s searchRequest) ([]Status, error) {
	it, err := h.repertoireByURI(ctx, s.viewer, s.q)
	if errors.Is(err, storage.ErrNotFound) && h.urls.IsLocal(s.q) {
		if u, perr := url.Parse(s.q); perr == nil {
			parts := strings.Split(strings.Trim(u.Path, "/"), "/")
			if len(parts) == 4 && parts[0] == "c" && parts[2] == "artefacts" {
				if id, perr := storage.ParseID(parts[3]); perr == nil {
					it, err = h.repertoireByID(ctx, s.viewer, id)
				}
				// The page of that artefact, not a term's id nor another
				// community's handle.
				if err == nil && (it.artefact.ID == 0 || !samePath(it.artefact.URL, u.Path)) {
					err = storage.ErrNotFound
				}
			}
		}
	}
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	e, err := p.repertoireStatus(ctx, it)
	if err != nil {
		return nil, err
	}
	return []Status{e}, nil
}

// searchAccountsFor finds accounts as GET /api/v1/accounts/search does:
// with resolve, an address is looked up (fetched if need be) and comes
// first; then known accounts by name.
func (h *Handler) searchAccountsFor(ctx context.Context, s searchRequest) ([]storage.Account, error) {
	var found []storage.Account
	// Only a search of everyone, from its first result, looks further
	// than the accounts the node knows.
	if s.resolve && !s.following && s.offset <= 0 && looksLikeAddress(s.q) {
		if a, err := h.engine.ResolveAccount(ctx, s.q); err == nil && a.SuspendedAt.IsZero() {
			found = append(found, a)
		} else if err != nil {
			h.log.DebugContext(ctx, "search: resolve failed", "q", s.q, "err", err)
		}
	}
	matches, err := h.store.SearchAccounts(ctx, storage.AccountSearch{Query: s.q, Viewer: s.viewer.ID,
		FollowingOnly: s.following, Limit: s.page.Limit, Offset: s.offset})
	if err != nil {
		return nil, err
	}
	for _, a := range matches {
		if len(found) > 0 && a.ID == found[0].ID {
			continue
		}
		found = append(found, a)
	}
	return found[:min(len(found), s.page.Limit)], nil
}

// searchTags finds hashtags by the start of their name. On a first page,
// a query that is itself a hashtag name leads, used or not, as in
// Mastodon: so a member can follow a hashtag nobody has used yet.
func (h *Handler) searchTags(ctx context.Context, s searchRequest) ([]storage.TagInfo, error) {
	tags, err := h.store.SearchTags(ctx, storage.TagSearch{Query: s.q, Viewer: s.viewer.ID, Limit: s.page.Limit, Offset: s.offset})
	if err != nil {
		return nil, err
	}
	name, ok := federation.NormalizeTag(s.q)
	if !ok || s.offset > 0 || len(tags) > 0 && tags[0].Name == name {
		return tags, nil
	}
	tags = append([]storage.TagInfo{{Name: name}}, tags...)
	return tags[:min(len(tags), s.page.Limit)], nil
}

// searchURL finds what a URL names: a status or account this node holds
// (one of its own, by IRI or web page, or a remote one by IRI) or, with
// resolve, a remote actor or else note fetched now. A status comes back
// only if the viewer may find it. What cannot be found is no error: the
// search just finds nothing; a failure to check visibility is one.
func (h *Handler) searchURL(ctx context.Context, s searchRequest) (storage.Account, storage.Status, error) {
	var a storage.Account
	st, err := h.store.StatusByURI(ctx, s.q)
	switch {
	case err == nil:
	case h.urls.IsLocal(s.q):
		a, st = h.localURL(ctx, s.q)
	case s.resolve:
		if a, err = h.engine.AccountByIRI(ctx, s.q); err != nil {
			h.log.DebugContext(ctx, "search: not an actor", "url", s.q, "err", err)
			if st, err = h.engine.FetchStatus(ctx, s.q); err != nil {
				h.log.DebugContext(ctx, "search: not a status either", "url", s.q, "err", err)
			}
		}
	default:
		a, _ = h.store.AccountByURI(ctx, s.q)
	}
	if a.ID != 0 && !a.SuspendedAt.IsZero() {
		a = storage.Account{}
	}
	if st.ID != 0 {
		ok, err := h.findable(ctx, s.viewer, st)
		if err != nil {
			return a, st, err
		}
		if !ok {
			st = storage.Status{}
		}
	}
	return a, st, nil
}

// localURL finds the account or status a URL of this node names: an
// actor (/users/name) or profile (/@name), or a status page
// (/@name/id); a status IRI is found by StatusByURI.
func (h *Handler) localURL(ctx context.Context, raw string) (storage.Account, storage.Status) {
	u, err := url.Parse(raw)
	if err != nil {
		return storage.Account{}, storage.Status{}
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	var name string
	switch {
	case len(parts) == 2 && parts[0] == "users":
		name = parts[1]
	case len(parts) >= 1 && strings.HasPrefix(parts[0], "@") && len(parts) <= 2:
		name = strings.TrimPrefix(parts[0], "@")
	default:
		return storage.Account{}, storage.Status{}
	}
	a, err := h.store.AccountByUsername(ctx, name)
	if err != nil {
		return storage.Account{}, storage.Status{}
	}
	if len(parts) == 1 || parts[0] == "users" {
		return a, storage.Status{}
	}
	id, err := storage.ParseID(parts[1])
	if err != nil {
		return storage.Account{}, storage.Status{}
	}
	st, err := h.store.StatusByID(ctx, id)
	if err != nil || st.AccountID != a.ID {
		return storage.Account{}, storage.Status{}
	}
	return storage.Account{}, st
}

// findable reports whether viewer may find st in a search: the rule of
// the full-text search (activitypub.Listed, and public only for an
// anonymous search).
func (h *Handler) findable(ctx context.Context, viewer storage.Account, st storage.Status) (bool, error) {
	return h.store.SearchVisible(ctx, viewer.ID, st.ID)
}

// samePath reports whether the URL raw has path (slashes at the ends
// aside).
func samePath(raw, path string) bool {
	u, err := url.Parse(raw)
	return err == nil && strings.Trim(u.Path, "/") == strings.Trim(path, "/")
}

func isURL(q string) bool {
	return strings.HasPrefix(q, "https://") || strings.HasPrefix(q, "http://")
}
