package ap

import (
	"cmp"
	"context"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Versioned documents hosted here (issue 13), artefacts and glossary
// terms: each is served at {prefix}/{id} as its ActivityPub document (a
// browser is sent to its page) and at {prefix}/{id}/history as its
// history collection (FEP-bad1), paged with ?page=N. Both are shown to
// whoever the engine's readable rule lets read the document (with
// authorized fetch, only to a signed request); a copy of another node's
// document is not served (it is asked of its origin).

// versioned is one kind of versioned document as web/ap serves it.
type versioned[D any] struct {
	load     func(ctx context.Context, id storage.ID) (D, error)
	local    func(D) bool
	readable func(ctx context.Context, viewer storage.Account, d D) (bool, error)
	page     func(D) string // where a browser is sent
	document func(ctx context.Context, d D) ([]byte, error)
	history  func(ctx context.Context, d D, page int) ([]byte, error)
}

// mountVersioned mounts a kind's document and history under prefix.
func mountVersioned[D any](r chi.Router, h *Handler, prefix string, v versioned[D]) {
	r.Get(prefix+"/{id}", func(w http.ResponseWriter, r *http.Request) {
		d, ok := v.readableOf(h, w, r, h.mustSign(r))
		if !ok {
			return
		}
		if !WantsActivityPub(r) && h.html != nil {
			w.Header().Set("Vary", "Accept")
			http.Redirect(w, r, v.page(d), http.StatusFound)
			return
		}
		body, err := v.document(r.Context(), d)
		h.write(w, r, body, err)
	})
	r.Get(prefix+"/{id}/history", func(w http.ResponseWriter, r *http.Request) {
		d, ok := v.readableOf(h, w, r, h.authorizedFetch)
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
		body, err := v.history(r.Context(), d, page)
		h.write(w, r, body, err)
	})
}

// readableOf loads the local document of the path, if the signer (or
// anyone, unsigned, unless signed is required) may read it; otherwise it
// answers and ok is false.
func (v versioned[D]) readableOf(h *Handler, w http.ResponseWriter, r *http.Request, signed bool) (D, bool) {
	var zero D
	viewer, ok := h.viewer(w, r, signed)
	if !ok {
		return zero, false
	}
	id, err := storage.ParseID(chi.URLParam(r, "id"))
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return zero, false
	}
	d, err := v.load(r.Context(), id)
	if err == nil && !v.local(d) {
		err = storage.ErrNotFound // a copy of another node's: asked of its origin
	}
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return zero, false
	}
	if ok, err := v.readable(r.Context(), viewer, d); err != nil || !ok {
		httperr.Write(w, r, h.log, cmp.Or(err, storage.ErrNotFound))
		return zero, false
	}
	return d, true
}
