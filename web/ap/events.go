package ap

import (
	"cmp"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Events hosted here (issue 13 item 5): the Event of each, shown to
// whoever federation.EventReadable lets see it (with authorized fetch,
// only to a signed request); a browser is sent to the event's page, if
// it may be shown to anyone (the page applies its own rule to a member
// signed in).

func (h *Handler) mountEvents(r chi.Router) {
	r.Get("/events/{id}", h.communityEvent)
}

func (h *Handler) communityEvent(w http.ResponseWriter, r *http.Request) {
	viewer, ok := h.viewer(w, r, h.mustSign(r))
	if !ok {
		return
	}
	id, err := storage.ParseID(chi.URLParam(r, "id"))
	if err != nil {
		httperr.Write(w, r, h.log, storage.ErrNotFound)
		return
	}
	ev, err := h.store.CommunityEventByID(r.Context(), id)
	if err == nil && !ev.Local {
		err = storage.ErrNotFound // a copy of another node's: asked of its origin
	}
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return
	}
	if ok, err := h.engine.EventReadable(r.Context(), viewer, ev); err != nil || !ok {
		httperr.Write(w, r, h.log, cmp.Or(err, storage.ErrNotFound))
		return
	}
	if !WantsActivityPub(r) && h.html != nil {
		w.Header().Set("Vary", "Accept")
		http.Redirect(w, r, ev.URL, http.StatusFound)
		return
	}
	body, err := h.engine.EventDocument(r.Context(), ev)
	h.write(w, r, body, err)
}
