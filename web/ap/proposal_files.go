package ap

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/web/download"
	"github.com/copse-dev/copse/web/httperr"
)

// proposalFile serves a file a member here sent with a proposal to a
// community on another node, to that node's signed fetch only
// (federation.OpenProposalFile decides; anyone else finds nothing).
func (h *Handler) proposalFile(w http.ResponseWriter, r *http.Request) {
	signer, ok := h.viewer(w, r, true)
	if !ok {
		return
	}
	f, body, err := h.engine.OpenProposalFile(r.Context(), signer, chi.URLParam(r, "token"))
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return
	}
	defer body.Close()
	w.Header().Set("Cache-Control", "private, no-store")
	download.Serve(w, r, download.File{Name: f.Name, MediaType: f.MediaType, SHA256: f.SHA256, ModTime: f.CreatedAt}, body)
}
