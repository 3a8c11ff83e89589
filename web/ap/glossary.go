package ap

import (
	"cmp"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Glossary terms hosted here (issue 13 item 4): the DefinedTerm of each,
// its history collection (FEP-bad1), and a community's glossary
// collection (each term's inDefinedTermSet). All are shown to whoever
// federation.TermReadable lets read the community's glossary (with
// authorized fetch, only to a signed request).

func (h *Handler) mountGlossary(r chi.Router) {
	r.Get("/glossary/{id}", h.glossaryTerm)
	r.Get("/glossary/{id}/history", h.glossaryTermHistory)
}

// readableTerm loads the local term of the path, if the signer (or
// anyone, unsigned) may read it; otherwise it answers and ok is false.
func (h *Handler) readableTerm(w http.ResponseWriter, r *http.Request) (storage.Term, bool) {
	viewer, ok := h.viewer(w, r, h.authorizedFetch)
	if !ok {
		return storage.Term{}, false
	}
	id, err := storage.ParseID(chi.URLParam(r, "id"))
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return storage.Term{}, false
	}
	t, err := h.store.TermByID(r.Context(), id)
	if err == nil && !t.Local {
		err = storage.ErrNotFound // a copy of another node's: asked of its origin
	}
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return storage.Term{}, false
	}
	if ok, err := h.engine.TermReadable(r.Context(), viewer, t); err != nil || !ok {
		httperr.Write(w, r, h.log, cmp.Or(err, storage.ErrNotFound))
		return storage.Term{}, false
	}
	return t, true
}

func (h *Handler) glossaryTerm(w http.ResponseWriter, r *http.Request) {
	t, ok := h.readableTerm(w, r)
	if !ok {
		return
	}
	if !WantsActivityPub(r) && h.html != nil {
		// A browser is sent to the term on its glossary page.
		w.Header().Set("Vary", "Accept")
		http.Redirect(w, r, t.URL, http.StatusFound)
		return
	}
	body, err := h.engine.TermDocument(r.Context(), t)
	h.write(w, r, body, err)
}

func (h *Handler) glossaryTermHistory(w http.ResponseWriter, r *http.Request) {
	t, ok := h.readableTerm(w, r)
	if !ok {
		return
	}
	page := 0
	if s := r.URL.Query().Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1_000_000 {
			httperr.Write(w, r, h.log, httperr.New(http.StatusBadRequest, "page must be a positive number"))
			return
		}
		page = n
	}
	body, err := h.engine.TermHistory(r.Context(), t, page)
	h.write(w, r, body, err)
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
