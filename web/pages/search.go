package pages

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// A community's search (issue 13 item 6) at /c/{handle}/search: a form
// (q, type, tag, organisation) that works without JavaScript, and the
// hits (artefacts, glossary terms, events, posts) best match first,
// paged by offset; an event's hit shows when and where it is and links
// to it on the community's events page. The engine decides who may
// search a community (federation.Engine.SearchCommunity); a members-only
// community's search is for its members, signed in.

// searchPageSize is how many hits a page lists.
const searchPageSize = 20

type searchPage struct {
	pageView
	Community                      *communityView
	Action                         string
	Query, Type, Tag, Organisation string
	Types                          []searchTypeOption
	Hits                           []searchHitView
	Searched                       bool   // a query was given and run
	Invalid                        string // why the query was refused
	Hidden                         bool   // members-only
	More                           string // the next page of hits
}

type searchTypeOption struct {
	Value, Label string
	Selected     bool
}

type searchHitView struct {
	Kind, Title, URL, Snippet, Organisation string
	Tags                                    []string
	When, WhenISO, Place                    string // an event's start and place
	Past                                    bool   // an event that has begun
}

var hitKinds = map[string]string{storage.HitArtefact: "Artefact", storage.HitTerm: "Glossary term", storage.HitEvent: "Event",
	storage.HitThread: "Post"}

func searchPath(handle string) string { return communityPath(handle) + "/search" }

// CommunitySearch serves /c/{handle}/search.
func (h *Handler) CommunitySearch(w http.ResponseWriter, r *http.Request) {
	if err := h.communitySearch(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) communitySearch(w http.ResponseWriter, r *http.Request) error {
	// The engine decides who may search (SearchCommunity).
	g, cv, _, err := h.pageCommunity(r, nil)
	if err != nil {
		return err
	}
	qs := r.URL.Query()
	q := federation.RepertoireQuery{Query: qs.Get("q"), Type: qs.Get("type"), Tag: qs.Get("tag"), Organisation: qs.Get("organisation"),
		Limit: searchPageSize}
	if n, err := strconv.Atoi(qs.Get("offset")); err == nil && n > 0 {
		q.Offset = n
	}
	title := "Search " + cv.Name
	if q.Query != "" {
		title = q.Query + " – search of " + cv.Name
	}
	v := searchPage{pageView: h.viewIn(cv, title), Community: cv, Action: searchPath(g.Acct()),
		Query: q.Query, Type: q.Type, Tag: q.Tag, Organisation: q.Organisation}
	v.Types = []searchTypeOption{{"", "Everything", q.Type == ""}}
	for _, t := range []string{storage.HitArtefact, storage.HitTerm, storage.HitEvent, storage.HitThread} {
		v.Types = append(v.Types, searchTypeOption{t, hitKinds[t] + "s", q.Type == t})
	}
	if q.Query == "" {
		return h.render(w, r, http.StatusOK, "search", &v)
	}
	hits, err := h.engine.SearchCommunity(r.Context(), viewerOf(r), g, q)
	var inv *federation.InvalidError
	switch {
	case errors.Is(err, federation.ErrDenied):
		v.Hidden = true
		return h.render(w, r, http.StatusOK, "search", &v)
	case errors.As(err, &inv):
		v.Invalid = inv.Msg
		return h.render(w, r, http.StatusUnprocessableEntity, "search", &v)
	case err != nil:
		return err
	}
	v.Searched = true
	for _, hit := range hits {
		hv := searchHitView{Kind: hitKinds[hit.Type], Title: hit.Title, Snippet: hit.Snippet, Organisation: hit.Organisation, Tags: hit.Tags}
		switch hit.Type {
		case storage.HitArtefact:
			hv.URL = artefactPath(g.Acct(), hit.ID)
		case storage.HitTerm:
			hv.URL = glossaryPath(g.Acct()) + "#" + federation.TermAnchor(hit.Title)
		case storage.HitEvent:
			hv.URL = eventPath(g.Acct(), hit.ID)
			hv.When, hv.WhenISO, hv.Place = eventStart(hit), time.UnixMilli(hit.StartAt).UTC().Format(time.RFC3339), hit.Place
			hv.Past = hit.StartAt <= h.store.Now().UnixMilli()
		case storage.HitThread:
			hv.URL = threadPath(g.Acct(), hit.ThreadID)
		}
		v.Hits = append(v.Hits, hv)
	}
	if len(hits) == searchPageSize && q.Offset+searchPageSize <= storage.MaxRepertoireOffset {
		next := url.Values{"q": {q.Query}, "offset": {strconv.Itoa(q.Offset + searchPageSize)}}
		for k, val := range map[string]string{"type": q.Type, "tag": q.Tag, "organisation": q.Organisation} {
			if val != "" {
				next.Set(k, val)
			}
		}
		v.More = v.Action + "?" + next.Encode()
	}
	v.Paged = q.Offset > 0
	return h.render(w, r, http.StatusOK, "search", &v)
}

// eventStart is when an event found begins, in its time zone, as the
// events page writes it.
func eventStart(hit storage.RepertoireHit) string {
	loc, err := time.LoadLocation(hit.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return time.UnixMilli(hit.StartAt).In(loc).Format("Monday 2 January 2006, 15:04 MST")
}
