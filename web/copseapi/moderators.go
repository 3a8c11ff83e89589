package copseapi

import (
	"net/http"

	"github.com/copse-dev/copse/web/api"
	"github.com/copse-dev/copse/web/httperr"
)

// setModerator: POST (add) or DELETE (remove)
// /api/copse/v1/communities/{id}/moderators/{account_id}, by one of the
// community's moderators; the account may be local or remote. Answers
// the community's moderators as they then stand.
func (h *Handler) setModerator(add bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := api.Caller(r, "write")
		if err != nil {
			return err
		}
		ids, err := pathIDs(r, "id", "account_id")
		if err != nil {
			return err
		}
		if err := h.engine.SetCommunityModerator(r.Context(), me, ids[0], ids[1], add); err != nil {
			return err
		}
		mods, err := h.store.CommunityModerators(r.Context(), ids[0])
		if err != nil {
			return err
		}
		out := make([]personEntity, 0, len(mods))
		for _, m := range mods {
			out = append(out, h.person(m))
		}
		httperr.JSON(w, http.StatusOK, out)
		return nil
	}
}
