package api

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// Filters, as Mastodon's v2 filter API has them, and the v1 API that
// older apps use, served from the same filters: a v1 filter is one
// keyword of a v2 filter (its ID is the keyword's), as in Mastodon.
// Statuses are filtered on the server (filtered, below): "hide" takes a
// status out of what the API returns, "warn" lists the matching filters
// in the status's "filtered".

// Filter is Mastodon's Filter entity (v2).
type Filter struct {
	ID           string          `json:"id"`
	Title        string          `json:"title"`
	Context      []string        `json:"context"`
	ExpiresAt    *string         `json:"expires_at"`
	FilterAction string          `json:"filter_action"`
	Keywords     []FilterKeyword `json:"keywords"`
	Statuses     []FilterStatus  `json:"statuses"`
}

// FilterKeyword is Mastodon's FilterKeyword entity.
type FilterKeyword struct {
	ID        string `json:"id"`
	Keyword   string `json:"keyword"`
	WholeWord bool   `json:"whole_word"`
}

// FilterStatus is Mastodon's FilterStatus entity.
type FilterStatus struct {
	ID       string `json:"id"`
	StatusID string `json:"status_id"`
}

// FilterResult is Mastodon's FilterResult entity: a filter that matched
// a status, in the status's "filtered".
type FilterResult struct {
	Filter         Filter   `json:"filter"`
	KeywordMatches []string `json:"keyword_matches"`
	StatusMatches  []string `json:"status_matches"`
}

// V1Filter is Mastodon's v1 Filter entity: one keyword of a filter.
type V1Filter struct {
	ID           string   `json:"id"`
	Phrase       string   `json:"phrase"`
	Context      []string `json:"context"`
	ExpiresAt    *string  `json:"expires_at"`
	Irreversible bool     `json:"irreversible"`
	WholeWord    bool     `json:"whole_word"`
}

func (h *Handler) mountFilters(r chi.Router) {
	r.Get("/api/v2/filters", h.handle(h.listFilters))
	r.Post("/api/v2/filters", h.handle(h.createFilter))
	r.Get("/api/v2/filters/{id}", h.handle(h.getFilter))
	r.Put("/api/v2/filters/{id}", h.handle(h.updateFilter))
	r.Delete("/api/v2/filters/{id}", h.handle(h.deleteFilter))
	keywords := h.filterKeywords()
	r.Get("/api/v2/filters/{id}/keywords", h.handle(keywords.list))
	r.Post("/api/v2/filters/{id}/keywords", h.handle(keywords.create))
	r.Get("/api/v2/filter_keywords/{id}", h.handle(keywords.show))
	r.Put("/api/v2/filter_keywords/{id}", h.handle(h.updateFilterKeyword))
	r.Delete("/api/v2/filter_keywords/{id}", h.handle(keywords.remove))
	statuses := h.filterStatuses()
	r.Get("/api/v2/filters/{id}/statuses", h.handle(statuses.list))
	r.Post("/api/v2/filters/{id}/statuses", h.handle(statuses.create))
	r.Get("/api/v2/filter_statuses/{id}", h.handle(statuses.show))
	r.Delete("/api/v2/filter_statuses/{id}", h.handle(statuses.remove))

	r.Get("/api/v1/filters", h.handle(h.listV1Filters))
	r.Post("/api/v1/filters", h.handle(h.createV1Filter))
	r.Get("/api/v1/filters/{id}", h.handle(h.getV1Filter))
	r.Put("/api/v1/filters/{id}", h.handle(h.updateV1Filter))
	r.Delete("/api/v1/filters/{id}", h.handle(h.deleteV1Filter))
}

func filterEntity(f storage.Filter) Filter {
	e := Filter{ID: f.ID.String(), Title: f.Title, Context: nonNilStrings(f.Context), FilterAction: f.Action,
		Keywords: []FilterKeyword{}, Statuses: []FilterStatus{}}
	if !f.ExpiresAt.IsZero() {
		t := isoTime(f.ExpiresAt)
		e.ExpiresAt = &t
	}
	for _, k := range f.Keywords {
		e.Keywords = append(e.Keywords, filterKeywordEntity(k))
	}
	for _, s := range f.Statuses {
		e.Statuses = append(e.Statuses, filterStatusEntity(s))
	}
	return e
}

func filterKeywordEntity(k storage.FilterKeyword) FilterKeyword {
	return FilterKeyword{ID: k.ID.String(), Keyword: k.Keyword, WholeWord: k.WholeWord}
}

func filterStatusEntity(s storage.FilterStatus) FilterStatus {
	return FilterStatus{ID: s.ID.String(), StatusID: s.StatusID.String()}
}

func v1FilterEntity(f storage.Filter, k storage.FilterKeyword) V1Filter {
	e := filterEntity(f)
	return V1Filter{ID: k.ID.String(), Phrase: k.Keyword, Context: e.Context, ExpiresAt: e.ExpiresAt,
		Irreversible: f.Action == storage.FilterHide, WholeWord: k.WholeWord}
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// filterSet loads the viewer's active filters, once per presenter.
func (p *presenter) filterSet(ctx context.Context) (*filterSet, error) {
	if p.filters != nil {
		return p.filters, nil
	}
	var fs []storage.Filter
	if p.viewer.ID != 0 {
		var err error
		if fs, err = p.store.ActiveFilters(ctx, p.viewer.ID); err != nil {
			return nil, err
		}
	}
	p.filters = newFilterSet(fs)
	return p.filters, nil
}

// filtered applies the viewer's filters for a context to rendered
// statuses: those a "hide" filter matches are left out, and the others
// carry the filters that matched in "filtered" (a reblog, and the status
// it boosts, both). The viewer's own statuses are never filtered.
func (p *presenter) filtered(ctx context.Context, filterContext string, sts []Status) ([]Status, error) {
	set, err := p.filterSet(ctx)
	if err != nil || len(set.filters) == 0 {
		return sts, err
	}
	out := make([]Status, 0, len(sts))
	for _, e := range sts {
		subject := e
		ids := []string{e.ID}
		if e.Reblog != nil {
			subject = *e.Reblog
			ids = append(ids, subject.ID)
		}
		if subject.Account.ID == p.viewer.ID.String() {
			out = append(out, e)
			continue
		}
		matches, hide := set.match(filterContext, filterText(subject), ids)
		if hide {
			continue
		}
		if len(matches) > 0 {
			results := make([]any, 0, len(matches))
			for _, m := range matches {
				results = append(results, FilterResult{Filter: filterEntity(m.filter), KeywordMatches: m.keywords,
					StatusMatches: m.statuses})
			}
			e.Filtered = results
			if e.Reblog != nil {
				inner := *e.Reblog
				inner.Filtered = results
				e.Reblog = &inner
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// filteredStatuses renders statuses and filters them for a context.
func (p *presenter) filteredStatuses(ctx context.Context, filterContext string, sts []storage.Status) ([]Status, error) {
	out, err := p.statuses(ctx, sts)
	if err != nil {
		return nil, err
	}
	return p.filtered(ctx, filterContext, out)
}

// filteredNotifications filters the statuses of notifications in the
// notifications context; a notification whose status is hidden goes too.
func (p *presenter) filteredNotifications(ctx context.Context, ns []Notification) ([]Notification, error) {
	out := ns[:0:0]
	for _, n := range ns {
		if n.Status != nil {
			kept, err := p.filtered(ctx, filterNotifications, []Status{*n.Status})
			if err != nil {
				return nil, err
			}
			if len(kept) == 0 {
				continue
			}
			n.Status = &kept[0]
		}
		out = append(out, n)
	}
	return out, nil
}

// streamFilterContext is the filter context of what a stream shows.
func streamFilterContext(stream, kind string) string {
	switch {
	case kind == federation.EventNotification:
		return filterNotifications
	case stream == "user", stream == "list":
		return filterHome
	case stream == "direct":
		return filterThread
	}
	return filterPublic
}

// GET /api/v2/filters
func (h *Handler) listFilters(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:filters")
	if err != nil {
		return err
	}
	fs, err := h.store.Filters(r.Context(), me.ID)
	if err != nil {
		return err
	}
	out := make([]Filter, 0, len(fs))
	for _, f := range fs {
		out = append(out, filterEntity(f))
	}
	h.json(w, out)
	return nil
}

// GET /api/v2/filters/:id
func (h *Handler) getFilter(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:filters")
	if err != nil {
		return err
	}
	f, err := h.ownFilter(r, me)
	if err != nil {
		return err
	}
	h.json(w, filterEntity(f))
	return nil
}

func (h *Handler) ownFilter(r *http.Request, me storage.Account) (storage.Filter, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return storage.Filter{}, err
	}
	return h.store.FilterByID(r.Context(), me.ID, id)
}

// POST /api/v2/filters
func (h *Handler) createFilter(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:filters")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	p, err := filterParamsOf(v)
	if err != nil {
		return err
	}
	f, err := h.engine.CreateFilter(r.Context(), me.ID, p)
	if err != nil {
		return err
	}
	h.json(w, filterEntity(f))
	return nil
}

// PUT /api/v2/filters/:id
func (h *Handler) updateFilter(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:filters")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	p, err := filterParamsOf(v)
	if err != nil {
		return err
	}
	f, err := h.engine.UpdateFilter(r.Context(), me.ID, id, p)
	if err != nil {
		return err
	}
	h.json(w, filterEntity(f))
	return nil
}

// DELETE /api/v2/filters/:id
func (h *Handler) deleteFilter(w http.ResponseWriter, r *http.Request) error {
	return h.byID(w, r, "write:filters", h.engine.DeleteFilter)
}

// filterPart serves what a filter's keywords and its statuses have in
// common: listed under the filter (/api/v2/filters/:id/keywords), added
// to it, and shown and deleted by their own ID (/api/v2/filter_keywords/:id).
// S is the stored part and E its entity.
type filterPart[S, E any] struct {
	h      *Handler
	of     func(Filter) []E // the parts of a filter's entity
	entity func(S) E
	// add reads the part from the form and adds it to the filter.
	add    func(ctx context.Context, account, filter storage.ID, v url.Values) (S, error)
	byID   func(ctx context.Context, account, id storage.ID) (S, error)
	delete func(ctx context.Context, account, id storage.ID) error
}

// GET /api/v2/filters/:id/{keywords,statuses}
func (p filterPart[S, E]) list(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:filters")
	if err != nil {
		return err
	}
	f, err := p.h.ownFilter(r, me)
	if err != nil {
		return err
	}
	p.h.json(w, p.of(filterEntity(f)))
	return nil
}

// POST /api/v2/filters/:id/{keywords,statuses}
func (p filterPart[S, E]) create(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:filters")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	s, err := p.add(r.Context(), me.ID, id, v)
	if err != nil {
		return err
	}
	p.h.json(w, p.entity(s))
	return nil
}

// GET /api/v2/{filter_keywords,filter_statuses}/:id
func (p filterPart[S, E]) show(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:filters")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	var s S
	if err == nil {
		s, err = p.byID(r.Context(), me.ID, id)
	}
	if err != nil {
		return err
	}
	p.h.json(w, p.entity(s))
	return nil
}

// DELETE /api/v2/{filter_keywords,filter_statuses}/:id
func (p filterPart[S, E]) remove(w http.ResponseWriter, r *http.Request) error {
	return p.h.byID(w, r, "write:filters", p.delete)
}

func (h *Handler) filterKeywords() filterPart[storage.FilterKeyword, FilterKeyword] {
	return filterPart[storage.FilterKeyword, FilterKeyword]{h: h,
		of:     func(f Filter) []FilterKeyword { return f.Keywords },
		entity: filterKeywordEntity,
		add: func(ctx context.Context, account, filter storage.ID, v url.Values) (storage.FilterKeyword, error) {
			return h.engine.AddFilterKeyword(ctx, account, filter, v.Get("keyword"), boolParam(v, "whole_word", true))
		},
		byID:   h.store.FilterKeywordByID,
		delete: h.engine.DeleteFilterKeyword,
	}
}

func (h *Handler) filterStatuses() filterPart[storage.FilterStatus, FilterStatus] {
	return filterPart[storage.FilterStatus, FilterStatus]{h: h,
		of:     func(f Filter) []FilterStatus { return f.Statuses },
		entity: filterStatusEntity,
		add: func(ctx context.Context, account, filter storage.ID, v url.Values) (storage.FilterStatus, error) {
			statusID, err := storage.ParseID(v.Get("status_id"))
			if err != nil {
				return storage.FilterStatus{}, invalidParam("Validation failed: Status can't be blank")
			}
			return h.engine.AddFilterStatus(ctx, account, filter, statusID)
		},
		byID:   h.store.FilterStatusByID,
		delete: h.engine.DeleteFilterStatus,
	}
}

// PUT /api/v2/filter_keywords/:id
func (h *Handler) updateFilterKeyword(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:filters")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	k, err := h.engine.UpdateFilterKeyword(r.Context(), me.ID, id, optString(v, "keyword"), optBool(v, "whole_word"))
	if err != nil {
		return err
	}
	h.json(w, filterKeywordEntity(k))
	return nil
}

// GET /api/v1/filters: every keyword of every filter, as v1 filters.
func (h *Handler) listV1Filters(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:filters")
	if err != nil {
		return err
	}
	fs, err := h.store.Filters(r.Context(), me.ID)
	if err != nil {
		return err
	}
	out := []V1Filter{}
	for _, f := range fs {
		for _, k := range f.Keywords {
			out = append(out, v1FilterEntity(f, k))
		}
	}
	h.json(w, out)
	return nil
}

// v1Filter loads the keyword a v1 filter ID names, and its filter.
func (h *Handler) v1Filter(r *http.Request, me storage.Account) (storage.Filter, storage.FilterKeyword, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return storage.Filter{}, storage.FilterKeyword{}, err
	}
	k, err := h.store.FilterKeywordByID(r.Context(), me.ID, id)
	if err != nil {
		return storage.Filter{}, storage.FilterKeyword{}, err
	}
	f, err := h.store.FilterByID(r.Context(), me.ID, k.FilterID)
	return f, k, err
}

// GET /api/v1/filters/:id
func (h *Handler) getV1Filter(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:filters")
	if err != nil {
		return err
	}
	f, k, err := h.v1Filter(r, me)
	if err != nil {
		return err
	}
	h.json(w, v1FilterEntity(f, k))
	return nil
}

// POST /api/v1/filters makes a filter titled by its phrase, with the
// phrase as its one keyword; irreversible means "hide".
func (h *Handler) createV1Filter(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:filters")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	p, err := v1FilterParamsOf(v)
	if err != nil {
		return err
	}
	phrase, wholeWord := v.Get("phrase"), boolParam(v, "whole_word", true)
	p.Title = &phrase
	p.Keywords = []federation.KeywordChange{{Keyword: &phrase, WholeWord: &wholeWord}}
	f, err := h.engine.CreateFilter(r.Context(), me.ID, p)
	if err != nil {
		return err
	}
	if len(f.Keywords) == 0 {
		return invalidParam("Validation failed: Phrase can't be blank")
	}
	h.json(w, v1FilterEntity(f, f.Keywords[0]))
	return nil
}

// PUT /api/v1/filters/:id changes the keyword and its filter.
func (h *Handler) updateV1Filter(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:filters")
	if err != nil {
		return err
	}
	f, k, err := h.v1Filter(r, me)
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	p, err := v1FilterParamsOf(v)
	if err != nil {
		return err
	}
	p.Keywords = []federation.KeywordChange{{ID: k.ID, Keyword: optString(v, "phrase"), WholeWord: optBool(v, "whole_word")}}
	if f, err = h.engine.UpdateFilter(r.Context(), me.ID, f.ID, p); err != nil {
		return err
	}
	if i := slices.IndexFunc(f.Keywords, func(x storage.FilterKeyword) bool { return x.ID == k.ID }); i >= 0 {
		k = f.Keywords[i]
	}
	h.json(w, v1FilterEntity(f, k))
	return nil
}

// DELETE /api/v1/filters/:id removes the keyword, as Mastodon does.
func (h *Handler) deleteV1Filter(w http.ResponseWriter, r *http.Request) error {
	return h.byID(w, r, "write:filters", h.engine.DeleteFilterKeyword)
}

// filterParamsOf reads a v2 filter form: what it leaves out is nil.
func filterParamsOf(v url.Values) (federation.FilterParams, error) {
	var p federation.FilterParams
	p.Title = optString(v, "title")
	if _, ok := v["context[]"]; ok {
		p.Context = nonNilStrings(nonEmpty(list(v, "context")))
	} else if _, ok := v["context"]; ok {
		p.Context = nonNilStrings(nonEmpty(list(v, "context")))
	}
	if a := optString(v, "filter_action"); a != nil {
		p.Action = a
	}
	var err error
	if p.ExpiresIn, err = expiresIn(v); err != nil {
		return p, err
	}
	p.Keywords = keywordChanges(v)
	return p, nil
}

// v1FilterParamsOf reads what a v1 filter form says of the filter.
func v1FilterParamsOf(v url.Values) (federation.FilterParams, error) {
	var p federation.FilterParams
	if _, ok := v["context[]"]; ok {
		p.Context = nonNilStrings(nonEmpty(list(v, "context")))
	} else if _, ok := v["context"]; ok {
		p.Context = nonNilStrings(nonEmpty(list(v, "context")))
	}
	if v.Get("irreversible") != "" {
		action := storage.FilterWarn
		if boolParam(v, "irreversible", false) {
			action = storage.FilterHide
		}
		p.Action = &action
	}
	var err error
	p.ExpiresIn, err = expiresIn(v)
	return p, err
}

// expiresIn reads expires_in, in seconds: nil when the form leaves it
// out, zero (for ever) when it is empty.
func expiresIn(v url.Values) (*time.Duration, error) {
	vs, ok := v["expires_in"]
	if !ok {
		return nil, nil
	}
	var d time.Duration
	if len(vs) > 0 && strings.TrimSpace(vs[0]) != "" {
		n, err := strconv.ParseFloat(strings.TrimSpace(vs[0]), 64)
		if err != nil || n < 0 {
			return nil, invalidParam("Validation failed: Expires in is not a number")
		}
		d = time.Duration(n * float64(time.Second))
	}
	return &d, nil
}

func optString(v url.Values, key string) *string {
	vs, ok := v[key]
	if !ok || len(vs) == 0 {
		return nil
	}
	s := vs[0]
	return &s
}

func optBool(v url.Values, key string) *bool {
	if _, ok := v[key]; !ok {
		return nil
	}
	b := boolParam(v, key, false)
	return &b
}

var indexedKeyword = regexp.MustCompile(`^keywords_attributes\[([^\]]*)\]\[(keyword|whole_word|id|_destroy)\]$`)

// keywordChanges reads keywords_attributes, as Rails nests them: either
// indexed (keywords_attributes[0][keyword], which is also what a JSON
// array becomes) or as an array of hashes (keywords_attributes[][keyword],
// the n-th value of each field making the n-th change).
func keywordChanges(v url.Values) []federation.KeywordChange {
	type fields map[string]string
	groups := map[string]fields{}
	var order []string
	for key, vs := range v {
		m := indexedKeyword.FindStringSubmatch(key)
		if m == nil || len(vs) == 0 {
			continue
		}
		if m[1] == "" { // the array-of-hashes form
			for i, val := range vs {
				g := "[]" + strconv.Itoa(i)
				if groups[g] == nil {
					groups[g] = fields{}
					order = append(order, g)
				}
				groups[g][m[2]] = val
			}
			continue
		}
		if groups[m[1]] == nil {
			groups[m[1]] = fields{}
			order = append(order, m[1])
		}
		groups[m[1]][m[2]] = vs[0]
	}
	sort.Slice(order, func(i, j int) bool {
		a, aerr := strconv.Atoi(strings.TrimPrefix(order[i], "[]"))
		b, berr := strconv.Atoi(strings.TrimPrefix(order[j], "[]"))
		if aerr == nil && berr == nil && a != b {
			return a < b
		}
		return order[i] < order[j]
	})
	var out []federation.KeywordChange
	for _, g := range order {
		f := groups[g]
		var c federation.KeywordChange
		if s, ok := f["id"]; ok && s != "" {
			id, err := storage.ParseID(s)
			if err != nil {
				id = -1 // names no keyword: the update fails as not found
			}
			c.ID = id
		}
		if s, ok := f["keyword"]; ok {
			c.Keyword = &s
		}
		if s, ok := f["whole_word"]; ok {
			b := boolParam(url.Values{"b": {s}}, "b", true)
			c.WholeWord = &b
		}
		c.Destroy = boolParam(url.Values{"b": {f["_destroy"]}}, "b", false)
		out = append(out, c)
	}
	return out
}
