package api

import (
	"net/http"

	"github.com/copse-dev/copse/storage"
)

// Page sizes of the directory, as Mastodon's documentation gives them.
const (
	directoryDefault = 40
	directoryMax     = 80
)

// GET /api/v1/directory: the discoverable members and communities of the
// node (communities are accounts with group: true), and with local unset
// the remote people and groups known here, ordered by order: active
// (latest post first, the default) or new (newest account first).
func (h *Handler) directory(w http.ResponseWriter, r *http.Request) error {
	viewer, err := optionalCaller(r, "read")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	order := q.Get("order")
	switch order {
	case "":
		order = storage.DirectoryActive
	case storage.DirectoryActive, storage.DirectoryNew:
	default:
		return invalidParam("order must be active or new")
	}
	local := false
	switch q.Get("local") {
	case "", "false", "0":
	case "true", "1":
		local = true
	default:
		return invalidParam("local must be true or false")
	}
	limit, offset := limitOffset(r, directoryDefault, directoryMax)
	accounts, err := h.store.ProfileDirectory(r.Context(), local, order, limit, offset)
	if err != nil {
		return err
	}
	p := h.presenter(viewer)
	out := make([]Account, 0, len(accounts))
	for _, a := range accounts {
		e, err := p.account(r.Context(), a)
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	h.json(w, out)
	return nil
}
