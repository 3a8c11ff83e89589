package ap

import (
	"cmp"
	"net/http"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// libraryCollection: /users/{username}/library, the collection of a
// community's artefacts (?after= a page of it), shown to whoever
// federation.LibraryReadable lets see the community (with authorized
// fetch, or for a members-only community, only to a signed request of a
// member's node).
func (h *Handler) libraryCollection(w http.ResponseWriter, r *http.Request) {
	viewer, ok := h.viewer(w, r, h.authorizedFetch)
	if !ok {
		return
	}
	g, ok := h.account(w, r)
	if !ok {
		return
	}
	if _, err := h.store.CommunityByAccount(r.Context(), g.ID); err != nil {
		httperr.Write(w, r, h.log, err) // not a community: 404
		return
	}
	if ok, err := h.engine.LibraryReadable(r.Context(), viewer, g); err != nil || !ok {
		httperr.Write(w, r, h.log, cmp.Or(err, storage.ErrNotFound))
		return
	}
	body, err := h.engine.LibraryCollection(r.Context(), g, r.URL.Query().Get("after"))
	h.write(w, r, body, err)
}
