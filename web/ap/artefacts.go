package ap

import (
	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/storage"
)

// Artefacts hosted here (issue 13): the Article of each at
// /artefacts/{id}, and its history collection (FEP-bad1) at
// /artefacts/{id}/history, paged, newest version first; shown to whoever
// federation.ArtefactReadable lets read the artefact (history.go).

func (h *Handler) mountArtefacts(r chi.Router) {
	mountVersioned(r, h, "/artefacts", versioned[storage.Artefact]{
		load:     h.store.ArtefactByID,
		local:    func(a storage.Artefact) bool { return a.Local },
		readable: h.engine.ArtefactReadable,
		page:     func(a storage.Artefact) string { return a.URL }, // the artefact's page
		document: h.engine.ArtefactDocument,
		history:  h.engine.ArtefactHistory,
	})
}
