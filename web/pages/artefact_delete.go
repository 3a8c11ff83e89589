package pages

import (
	"errors"
	"net/http"
	"strings"

	"github.com/copse-dev/copse/federation"
)

// DeleteArtefact takes POST /c/{handle}/artefacts/{id}/delete, the
// "Delete this artefact" form, which a member confirms with a checkbox:
// the engine deletes it (its authors and the community's moderators may)
// with every version and file, and the member is sent to the library.
func (h *Handler) DeleteArtefact(w http.ResponseWriter, r *http.Request) {
	me, ok := signedIn(w, r, strings.TrimSuffix(r.URL.Path, "/delete"))
	if !ok {
		return
	}
	if err := readTextForm(w, r); err != nil {
		h.Error(w, r, err)
		return
	}
	if !validToken(r, r.FormValue("csrf")) {
		h.expired(w, r)
		return
	}
	g, _, a, err := h.formArtefact(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	if r.FormValue("confirm") != "yes" {
		h.refuse(w, r, http.StatusUnprocessableEntity, "The artefact was not deleted",
			"Tick the box to confirm that you want to delete it, with every version and file.")
		return
	}
	err = h.engine.DeleteArtefact(r.Context(), me, a.ID)
	switch {
	case errors.Is(err, federation.ErrDenied):
		h.refuse(w, r, http.StatusForbidden, "You cannot delete this artefact",
			"Only its authors and the community's moderators can delete it.")
	case err != nil:
		h.Error(w, r, err)
	default:
		http.Redirect(w, r, libraryPath(g.Username), http.StatusSeeOther)
	}
}
