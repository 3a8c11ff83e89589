package copseapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Search of communities' repertoire (issue 13 item 6): a community's
// artefacts (with their files' text), glossary, events and threads, and the same
// over every community the caller may read. The engine asks the
// community rule; these handlers read the query and shape the answer.

func (h *Handler) mountSearch(r chi.Router) {
	r.Method(http.MethodGet, "/communities/{id}/search", h.handle(h.searchCommunity))
	r.Method(http.MethodGet, "/search", h.handle(h.searchCommunities))
}

// searchHit is one hit as the API shows it.
type searchHit struct {
	ID           string   `json:"id"`
	Type         string   `json:"type"` // artefact, term, event or thread
	CommunityID  string   `json:"community_id"`
	Title        string   `json:"title"`
	Snippet      string   `json:"snippet"` // plain text
	URL          string   `json:"url"`
	Tags         []string `json:"tags,omitempty"`         // artefacts' tags, a term's hashtag
	Organisation string   `json:"organisation,omitempty"` // an artefact's, a post's author's
	StartsAt     string   `json:"starts_at,omitempty"`    // an event's start, RFC 3339 UTC
	Place        string   `json:"place,omitempty"`        // an event's place name, else its address
}

// repertoireQuery reads q, type, tag, organisation, limit and offset.
func repertoireQuery(r *http.Request) (federation.RepertoireQuery, error) {
	v := r.URL.Query()
	q := federation.RepertoireQuery{Query: v.Get("q"), Type: v.Get("type"), Tag: v.Get("tag"), Organisation: v.Get("organisation")}
	for name, dst := range map[string]*int{"limit": &q.Limit, "offset": &q.Offset} {
		s := v.Get(name)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return q, httperr.New(http.StatusUnprocessableEntity, name+" must be a number")
		}
		*dst = n
	}
	return q, nil
}

func (h *Handler) answerHits(w http.ResponseWriter, hits []storage.RepertoireHit) {
	out := make([]searchHit, 0, len(hits))
	for _, hit := range hits {
		sh := searchHit{ID: hit.ID.String(), Type: hit.Type, CommunityID: hit.CommunityID.String(), Title: hit.Title,
			Snippet: hit.Snippet, URL: hit.URL, Tags: hit.Tags, Organisation: hit.Organisation, Place: hit.Place}
		if hit.Type == storage.HitEvent {
			sh.StartsAt = time.UnixMilli(hit.StartAt).UTC().Format(time.RFC3339)
		}
		out = append(out, sh)
	}
	httperr.JSON(w, http.StatusOK, out)
}

// searchCommunity: GET /api/copse/v1/communities/{id}/search, a
// community's artefacts, glossary, events and threads, best match first.
func (h *Handler) searchCommunity(w http.ResponseWriter, r *http.Request) error {
	me, err := viewer(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	q, err := repertoireQuery(r)
	if err != nil {
		return err
	}
	g, err := h.store.AccountByID(r.Context(), id)
	if err != nil {
		return err
	}
	hits, err := h.engine.SearchCommunity(r.Context(), me, g, q)
	if errors.Is(err, federation.ErrDenied) {
		return errMembersOnly
	}
	if err != nil {
		return err
	}
	h.answerHits(w, hits)
	return nil
}

// searchCommunities: GET /api/copse/v1/search, the same over every
// community known here that the caller may read.
func (h *Handler) searchCommunities(w http.ResponseWriter, r *http.Request) error {
	me, err := viewer(r)
	if err != nil {
		return err
	}
	q, err := repertoireQuery(r)
	if err != nil {
		return err
	}
	hits, err := h.engine.SearchCommunities(r.Context(), me, q)
	if err != nil {
		return err
	}
	h.answerHits(w, hits)
	return nil
}
