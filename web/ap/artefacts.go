package ap

import (
	"cmp"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Artefacts hosted here (issue 13): the Article of each, and its history
// collection (FEP-bad1), paged, newest version first. Both are shown to
// whoever federation.ArtefactReadable lets read the artefact (with
// authorized fetch, only to a signed request).

func (h *Handler) mountArtefacts(r chi.Router) {
	r.Get("/artefacts/{id}", h.artefact)
	r.Get("/artefacts/{id}/history", h.artefactHistory)
}

// readableArtefact loads the local artefact of the path, if the signer
// (or anyone, unsigned) may read it; otherwise it answers and ok is false.
func (h *Handler) readableArtefact(w http.ResponseWriter, r *http.Request) (storage.Artefact, bool) {
	viewer, ok := h.viewer(w, r, h.authorizedFetch)
	if !ok {
		return storage.Artefact{}, false
	}
	id, err := storage.ParseID(chi.URLParam(r, "id"))
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return storage.Artefact{}, false
	}
	a, err := h.store.ArtefactByID(r.Context(), id)
	if err == nil && !a.Local {
		err = storage.ErrNotFound // a copy of another node's: asked of its origin
	}
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return storage.Artefact{}, false
	}
	if ok, err := h.engine.ArtefactReadable(r.Context(), viewer, a); err != nil || !ok {
		httperr.Write(w, r, h.log, cmp.Or(err, storage.ErrNotFound))
		return storage.Artefact{}, false
	}
	return a, true
}

func (h *Handler) artefact(w http.ResponseWriter, r *http.Request) {
	a, ok := h.readableArtefact(w, r)
	if !ok {
		return
	}
	if !WantsActivityPub(r) && h.html != nil {
		// A browser is sent to the artefact's page.
		w.Header().Set("Vary", "Accept")
		http.Redirect(w, r, a.URL, http.StatusFound)
		return
	}
	body, err := h.engine.ArtefactDocument(r.Context(), a)
	h.write(w, r, body, err)
}

func (h *Handler) artefactHistory(w http.ResponseWriter, r *http.Request) {
	a, ok := h.readableArtefact(w, r)
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
	body, err := h.engine.ArtefactHistory(r.Context(), a, page)
	h.write(w, r, body, err)
}
