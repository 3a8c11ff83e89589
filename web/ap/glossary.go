package ap

import (
	"cmp"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Glossary terms hosted here (issue 13 item 4): the DefinedTerm of each
// at /glossary/{id} and its history collection (FEP-bad1) at
// /glossary/{id}/history (history.go), and a community's glossary
// collection (each term's inDefinedTermSet). All are shown to whoever
// federation.TermReadable lets read the community's glossary (with
// authorized fetch, only to a signed request).

func (h *Handler) mountGlossary(r chi.Router) {
	mountVersioned(r, h, "/glossary", versioned[storage.Term]{
		load:     h.store.TermByID,
		local:    func(t storage.Term) bool { return t.Local },
		readable: h.engine.TermReadable,
		page:     func(t storage.Term) string { return t.URL }, // the term on its glossary page
		document: h.engine.TermDocument,
		history:  h.engine.TermHistory,
	})
}

// glossaryCollection: /users/{username}/glossary, a community's terms.
func (h *Handler) glossaryCollection(w http.ResponseWriter, r *http.Request) {
	viewer, ok := h.viewer(w, r, h.authorizedFetch)
	if !ok {
		return
	}
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	if _, err := h.store.CommunityByAccount(r.Context(), a.ID); err != nil {
		httperr.Write(w, r, h.log, err) // not a community: 404
		return
	}
	if ok, err := h.engine.GlossaryReadable(r.Context(), viewer, a.ID); err != nil || !ok {
		httperr.Write(w, r, h.log, cmp.Or(err, storage.ErrNotFound))
		return
	}
	body, err := h.engine.GlossaryCollection(r.Context(), a)
	h.write(w, r, body, err)
}
