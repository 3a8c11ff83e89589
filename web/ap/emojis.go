package ap

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// emoji serves one of the node's custom emojis at its ID, the address its
// Emoji tags carry, as Mastodon serves one: servers that meet the tag may
// read it there.
func (h *Handler) emoji(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.viewer(w, r, h.authorizedFetch); !ok {
		return
	}
	id, err := storage.ParseID(chi.URLParam(r, "id"))
	if err != nil {
		httperr.Write(w, r, h.log, storage.ErrNotFound)
		return
	}
	c, err := h.store.CustomEmojiByID(r.Context(), id)
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return
	}
	body, err := activitypub.MarshalEmoji(h.engine.Emoji(c))
	h.write(w, r, body, err)
}
